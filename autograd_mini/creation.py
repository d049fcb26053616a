"""Factories: tensors of zeros, ones, ranges, identity and random values."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import dtypes
from .tensor import Tensor, _to_array

Shape = int | Sequence[int]


def _shape(shape: tuple[Any, ...], who: str) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    try:
        out = tuple(int(n) for n in shape)
    except (TypeError, ValueError):
        raise TypeError(f"{who}: the shape must be ints, got {shape!r}") from None
    if any(n < 0 for n in out):
        raise ValueError(f"{who}: negative dimension in shape {out}")
    return out


def _dtype(dtype: Any) -> np.dtype[Any]:
    return dtypes.get_default_dtype() if dtype is None else np.dtype(dtype)


def _make(array: np.ndarray, requires_grad: bool, name: str | None = None) -> Tensor:
    t = Tensor._wrap(array)
    t.name = name
    if requires_grad:
        t.requires_grad_(True)
    return t


def tensor(
    data: Any, requires_grad: bool = False, dtype: Any = None, name: str | None = None
) -> Tensor:
    """Make a Tensor (same as ``Tensor(data, requires_grad, dtype, name)``)."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, name=name)


def zeros(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``."""
    return _make(np.zeros(_shape(shape, "zeros"), _dtype(dtype)), requires_grad)


def ones(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones: ``ones(2, 3)`` or ``ones((2, 3))``."""
    return _make(np.ones(_shape(shape, "ones"), _dtype(dtype)), requires_grad)


def full(shape: Shape, fill_value: float, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ``shape`` filled with ``fill_value``."""
    return _make(np.full(_shape((shape,), "full"), fill_value, _dtype(dtype)), requires_grad)


def zeros_like(x: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros with the shape (and dtype) of ``x``."""
    arr = x._data if isinstance(x, Tensor) else _to_array(x, who="zeros_like")
    return _make(np.zeros_like(arr, dtype=dtype), requires_grad)


def ones_like(x: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones with the shape (and dtype) of ``x``."""
    arr = x._data if isinstance(x, Tensor) else _to_array(x, who="ones_like")
    return _make(np.ones_like(arr, dtype=dtype), requires_grad)


def full_like(x: Any, fill_value: float, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """``fill_value`` with the shape (and dtype) of ``x``."""
    arr = x._data if isinstance(x, Tensor) else _to_array(x, who="full_like")
    return _make(np.full_like(arr, fill_value, dtype=dtype), requires_grad)


def arange(
    start: float,
    stop: float | None = None,
    step: float = 1,
    dtype: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Evenly spaced values in [start, stop) like ``np.arange``.

    Integer arguments give an int64 tensor unless ``dtype`` is given; floats use the
    default dtype.
    """
    arr = np.arange(start, stop, step) if stop is not None else np.arange(start)
    if dtype is not None:
        arr = arr.astype(dtype)
    elif arr.dtype.kind == "f":
        arr = arr.astype(dtypes.get_default_dtype())
    return _make(arr, requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """The identity matrix (n×n, or n×m)."""
    return _make(np.eye(n, m, dtype=_dtype(dtype)), requires_grad)


def _rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def rand(
    *shape: Any,
    seed: int | np.random.Generator | None = None,
    dtype: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Uniform samples in [0, 1); ``seed`` is an int or a ``numpy.random.Generator``."""
    arr = _rng(seed).random(_shape(shape, "rand")).astype(_dtype(dtype), copy=False)
    return _make(arr, requires_grad)


def randn(
    *shape: Any,
    seed: int | np.random.Generator | None = None,
    dtype: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Standard normal samples; ``seed`` is an int or a ``numpy.random.Generator``."""
    arr = _rng(seed).standard_normal(_shape(shape, "randn")).astype(_dtype(dtype), copy=False)
    return _make(arr, requires_grad)
