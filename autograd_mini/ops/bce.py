"""Binary cross-entropy on probabilities as one op, so that its gradient is PyTorch's.

Composed from ``log`` and ``clip``, the clamped loss -[y·max(log p, -100) + (1 - y)·
max(log(1 - p), -100)] would have the derivative of whichever branch is active: zero
where a log is clamped, and ḡ·(1 - y)/(1 - p) at p = 0 from the other log. PyTorch's
``binary_cross_entropy_backward`` instead uses one formula everywhere,
p̄ = ḡ·(p - y) / max(p(1 - p), ε) with ε = 1e-12: the exact derivative (p - y)/(p(1 - p))
wherever p(1 - p) ≥ ε, and a finite, large gradient pointing the right way at p = 0
or 1. This entry has that rule, written with ops so it serves ``create_graph=True``.

The target's gradient is the derivative of the clamped forward,
max(log(1 - p), -100) - max(log p, -100): PyTorch's -logit(p) wherever neither log is
clamped, and finite (±100) at p = 0 or 1 where PyTorch's is infinite.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .binary import maximum
from .registry import Domain, Op
from .unary import clip, log

_EPS = 1e-12  # PyTorch's EPSILON in binary_cross_entropy_backward
_TINY = float(np.exp(-100.0))  # log(p) clamped at -100, as in the forward


def _bce_forward(p: Any, y: Any) -> Any:
    p = np.asarray(p)
    with np.errstate(divide="ignore"):  # log(0) = -inf, clamped at -100 right away
        log_p = np.maximum(np.log(p), -100.0)
        log_not_p = np.maximum(np.log1p(-p), -100.0)
    return -(y * log_p + (1.0 - y) * log_not_p)


binary_cross_entropy: Op = Op(
    "binary_cross_entropy",
    _bce_forward,
    [
        # PyTorch's rule: the denominator p(1 - p) clamped at ε = 1e-12, never a zeroed gradient
        lambda g, ans, p, y: g * (p - y) / maximum(p * (1.0 - p), _EPS),
        # ∂/∂y of the clamped forward: max(log(1 - p), -100) - max(log p, -100)
        lambda g, ans, p, y: g * (log(clip(1.0 - p, lo=_TINY)) - log(clip(p, lo=_TINY))),
    ],
    rules=[
        "p̄ = ḡ · (p - y) / max(p(1 - p), 1e-12)   (PyTorch's rule, also at p = 0 or 1)",
        "ȳ = ḡ · (max(log(1 - p), -100) - max(log p, -100))",
    ],
    math="ℓ = -[y · max(log p, -100) + (1 - y) · max(log(1 - p), -100)]",
    doc="Elementwise binary cross-entropy of probabilities p against targets y, logs clamped at -100.",
    domain=Domain((0.05, 0.95), (0.0, 1.0)),
    hint="p must be probabilities in [0, 1] and y must broadcast against p.",
    jvp="elementwise",
)
