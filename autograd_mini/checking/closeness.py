"""The closeness rule of every gradient check, written once.

A computed value ``a`` agrees with a reference value ``b`` when

    |a - b| <= atol + rtol · |b|

(NumPy's ``isclose`` / ``assert_allclose`` rule, so a test that uses those with the same
tolerances judges exactly alike). ``b`` is the reference: the finite-difference
estimate when AD is checked, AD or finite differences when a hand derivation is.
Defaults: ``ATOL = 1e-5``, ``RTOL = 1e-3``, loose enough for central differences
(truncation error O(ε²·f''') plus rounding O(u/ε) ≈ 1e-10 at ε = 1e-6 on well-scaled
functions, more on badly scaled ones) and tight enough that a wrong rule (a missing
factor, a wrong sign, a dropped term) fails. A caller that needs other tolerances
passes them explicitly and says why (the per-op cases, drawn away from kinks on
well-conditioned inputs, use :data:`~autograd_mini.checking.check.CASE_ATOL` and
:data:`~autograd_mini.checking.check.CASE_RTOL`).

Errors are reported as ``|a - b|`` (absolute) and ``|a - b| / max(|a|, |b|)``
(relative, 0 where both are 0).

>>> import numpy as np
>>> close(np.array([1.0, 1.0]), np.array([1.0005, 1.01]))
array([ True, False])
"""

from __future__ import annotations

import numpy as np

__all__ = ["ATOL", "RTOL", "close", "excess", "relative_error", "tolerance", "within"]

ATOL = 1e-5
RTOL = 1e-3


def tolerance(reference: np.ndarray, atol: float = ATOL, rtol: float = RTOL) -> np.ndarray:
    """How far a value may be from ``reference``: ``atol + rtol · |reference|``."""
    return atol + rtol * np.abs(reference)


def close(a: np.ndarray, b: np.ndarray, atol: float = ATOL, rtol: float = RTOL) -> np.ndarray:
    """Entrywise ``|a - b| <= atol + rtol · |b|`` (``b`` is the reference)."""
    return np.abs(a - b) <= tolerance(b, atol, rtol)


def excess(a: np.ndarray, b: np.ndarray, atol: float = ATOL, rtol: float = RTOL) -> np.ndarray:
    """How many tolerances apart ``a`` is from the reference ``b`` (> 1: they disagree)."""
    return np.abs(a - b) / tolerance(b, atol, rtol)


def within(
    v: np.ndarray, lo: np.ndarray, hi: np.ndarray, atol: float = ATOL, rtol: float = RTOL
) -> np.ndarray:
    """Entrywise ``lo <= v <= hi`` up to the tolerance of ``v`` (an interval check)."""
    tol = tolerance(v, atol, rtol)
    return (v >= lo - tol) & (v <= hi + tol)


def relative_error(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``|a - b| / max(|a|, |b|)``, and 0 where both are 0."""
    scale = np.maximum(np.abs(a), np.abs(b))
    diff = np.abs(a - b)
    return np.divide(diff, scale, out=np.zeros_like(diff), where=scale > 0)
