"""The default floating dtype used for Python numbers and lists of floats."""

from __future__ import annotations

from typing import Any

import numpy as np

_default = np.dtype(np.float64)


def get_default_dtype() -> np.dtype[Any]:
    """The dtype given to tensors made from Python floats (float64 unless changed)."""
    return _default


def set_default_dtype(dtype: Any) -> None:
    """Set the dtype for tensors made from Python floats: ``np.float32`` or ``np.float64``.

    >>> import numpy as np, autograd_mini as am
    >>> am.set_default_dtype(np.float32); am.tensor(1.5).dtype
    dtype('float32')
    >>> am.set_default_dtype(np.float64)
    """
    global _default
    dt = np.dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"set_default_dtype: the default dtype must be floating, got {dt}")
    _default = dt
