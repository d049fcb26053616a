"""The op table's helpers: ``REGISTRY`` (every op by name) and masks used inside rules.

The :class:`Op` type itself is the core's (:mod:`autograd_mini.core.op`); ops register
themselves in ``REGISTRY`` when they are defined.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.op import REGISTRY, Domain, Op, Rule
from ..tensor import Tensor

__all__ = ["REGISTRY", "Domain", "Op", "Rule", "dtype_of", "mask", "value_of"]

def value_of(x: Any) -> Any:
    """The NumPy value of a Tensor, or ``x`` itself (for masks computed inside rules)."""
    return x._data if isinstance(x, Tensor) else x


def dtype_of(x: Any) -> np.dtype[Any]:
    """The dtype of a Tensor or array (Python floats count as float64)."""
    return np.asarray(value_of(x)).dtype


def mask(condition: Any, like: Any) -> np.ndarray:
    """A constant 0/1 array of the dtype of ``like`` (rules multiply gradients by it)."""
    dtype = dtype_of(like)
    if dtype.kind != "f":
        dtype = np.dtype(np.float64)
    return np.asarray(condition, dtype=dtype)
