"""Factories: tensors of zeros, ones, ranges, identity and random values."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import dtypes
from .core.grad_mode import random_draw
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


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None, name: str | None = None) -> Tensor:
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
    size, d = _shape(shape, "rand"), _dtype(dtype)
    arr = random_draw(lambda: _rng(seed).random(size).astype(d, copy=False))
    return _make(arr, requires_grad)


def randn(
    *shape: Any,
    seed: int | np.random.Generator | None = None,
    dtype: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Standard normal samples; ``seed`` is an int or a ``numpy.random.Generator``."""
    size, d = _shape(shape, "randn"), _dtype(dtype)
    arr = random_draw(lambda: _rng(seed).standard_normal(size).astype(d, copy=False))
    return _make(arr, requires_grad)


# ---------------------------------------------------------------- issue 13: more factories

Seed = int | np.random.Generator | None


def _count(num: Any, steps: Any, who: str) -> int:
    if steps is not None:
        num = steps  # PyTorch's name
    if isinstance(num, bool) or not isinstance(num, (int, np.integer)) or num < 0:
        raise ValueError(f"{who}: the number of points must be a non-negative int, got {num!r}")
    return int(num)


def _float_dtype(dtype: Any, who: str) -> np.dtype[Any]:
    d = _dtype(dtype)
    if d.kind != "f":
        raise TypeError(f"{who}: dtype must be a floating type, got {d}; cast the result with .astype")
    return d


def linspace(
    start: float,
    stop: float,
    num: int = 50,
    endpoint: bool = True,
    *,
    steps: int | None = None,
    dtype: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """``num`` evenly spaced values from ``start`` to ``stop`` (included unless
    ``endpoint=False``), like ``np.linspace``; ``steps=`` is PyTorch's name for ``num``.
    The default dtype unless ``dtype`` is given.

    >>> linspace(0.0, 1.0, 5).tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    n = _count(num, steps, "linspace")
    arr = np.linspace(start, stop, n, endpoint=endpoint).astype(_dtype(dtype), copy=False)
    return _make(arr, requires_grad)


def logspace(
    start: float,
    stop: float,
    num: int = 50,
    endpoint: bool = True,
    base: float = 10.0,
    *,
    steps: int | None = None,
    dtype: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """``base ** linspace(start, stop, num)``, like ``np.logspace`` (``steps=`` as in PyTorch).

    >>> logspace(0, 2, 3).tolist()
    [1.0, 10.0, 100.0]
    """
    n = _count(num, steps, "logspace")
    arr = np.logspace(start, stop, n, endpoint=endpoint, base=base).astype(_dtype(dtype), copy=False)
    return _make(arr, requires_grad)


def empty(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ``shape`` whose values are not set (whatever the memory held, as
    ``np.empty`` and ``torch.empty``): fill it before reading it."""
    return _make(np.empty(_shape(shape, "empty"), _dtype(dtype)), requires_grad)


def _like(x: Any, dtype: Any, who: str) -> tuple[tuple[int, ...], np.dtype[Any]]:
    arr = x._data if isinstance(x, Tensor) else _to_array(x, who=who)
    if dtype is None:
        dtype = arr.dtype if arr.dtype.kind == "f" else dtypes.get_default_dtype()
    return arr.shape, _float_dtype(dtype, who)


def rand_like(x: Any, *, seed: Seed = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) with the shape (and floating dtype) of ``x``; ``seed`` is
    an int or a ``numpy.random.Generator`` (as for :func:`rand`)."""
    shape, d = _like(x, dtype, "rand_like")
    return _make(random_draw(lambda: _rng(seed).random(shape).astype(d, copy=False)), requires_grad)


def randn_like(x: Any, *, seed: Seed = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples with the shape (and floating dtype) of ``x``; ``seed`` as
    for :func:`randn`."""
    shape, d = _like(x, dtype, "randn_like")
    return _make(random_draw(lambda: _rng(seed).standard_normal(shape).astype(d, copy=False)), requires_grad)


def _size(size: Any, who: str) -> tuple[int, ...]:
    """A ``size=`` argument (None, an int or a sequence of ints) as a shape."""
    return () if size is None else _shape((size,), who)


def randint(
    low: int, high: Any = None, size: Any = (), *, seed: Seed = None, dtype: Any = np.int64
) -> Tensor:
    """Random integers in [low, high) (in [0, low) when ``high`` is None), NumPy's
    ``randint``; PyTorch's ``randint(high, size)`` works too (a tuple in the second place
    is the size). int64 unless ``dtype`` is given.

    >>> randint(5, (2, 3), seed=0).shape
    (2, 3)
    """
    if isinstance(high, (tuple, list)):  # torch.randint(high, size)
        high, size = None, high
    lo, hi = (0, low) if high is None else (low, high)
    if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in (lo, hi)):
        raise TypeError(f"randint: low and high must be ints, got {lo!r} and {hi!r}")
    if hi <= lo:
        raise ValueError(f"randint: the range [{lo}, {hi}) is empty; give high > low")
    arr = random_draw(lambda: _rng(seed).integers(lo, hi, _size(size, "randint")).astype(dtype, copy=False))
    return _make(arr, False)


def _float_param(v: Any, who: str, what: str) -> np.ndarray:
    arr = v._data if isinstance(v, Tensor) else np.asarray(v, dtype=float)
    if arr.dtype.kind not in "fiu":
        raise TypeError(f"{who}: {what} must be numbers, got dtype {arr.dtype}")
    return arr


def _param_shape(size: Any, who: str, *params: np.ndarray) -> tuple[int, ...]:
    try:
        broadcast = np.broadcast_shapes(*(p.shape for p in params))
    except ValueError:
        raise ValueError(
            f"{who}: the parameters of shapes {[p.shape for p in params]} do not broadcast"
        ) from None
    if size is None:
        return broadcast
    shape = _size(size, who)
    try:
        np.broadcast_shapes(broadcast, shape)
    except ValueError:
        raise ValueError(f"{who}: parameters of shape {broadcast} do not broadcast to size {shape}") from None
    return shape


def normal(
    mean: Any = 0.0,
    std: Any = 1.0,
    size: Any = None,
    *,
    seed: Seed = None,
    dtype: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Normal samples N(mean, std²) of ``size`` (``np.random.normal(loc, scale, size)`` and
    ``torch.normal(mean, std, size)``); ``mean`` and ``std`` may be arrays that broadcast
    (then ``size`` defaults to their shape). ``std`` must be non-negative."""
    m, s = _float_param(mean, "normal", "mean"), _float_param(std, "normal", "std")
    if (s < 0).any():
        raise ValueError(f"normal: std must be non-negative, got {s.min()}")
    shape = _param_shape(size, "normal", m, s)
    d = _float_dtype(dtype, "normal")
    arr = random_draw(lambda: _rng(seed).normal(m, s, shape).astype(d, copy=False))
    return _make(np.asarray(arr), requires_grad)


def uniform(
    low: Any = 0.0,
    high: Any = 1.0,
    size: Any = None,
    *,
    seed: Seed = None,
    dtype: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Uniform samples in [low, high) of ``size`` (``np.random.uniform``; PyTorch's
    ``x.uniform_(a, b)`` out of place); ``low``/``high`` may be arrays that broadcast."""
    lo, hi = _float_param(low, "uniform", "low"), _float_param(high, "uniform", "high")
    if (np.broadcast_to(hi, np.broadcast_shapes(lo.shape, hi.shape)) < lo).any():
        raise ValueError("uniform: high must not be below low")
    shape = _param_shape(size, "uniform", lo, hi)
    d = _float_dtype(dtype, "uniform")
    arr = random_draw(lambda: _rng(seed).uniform(lo, hi, shape).astype(d, copy=False))
    return _make(np.asarray(arr), requires_grad)


def _triangle_indices(n: int, k: int, m: int | None, who: str, fn: Any) -> tuple[Tensor, Tensor]:
    for v, what in ((n, "n"), (k, "k")) + (((m, "m"),) if m is not None else ()):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"{who}: {what} must be an int, got {v!r}")
    if n < 0 or (m is not None and m < 0):
        raise ValueError(f"{who}: the matrix size must be non-negative, got n={n}, m={m}")
    rows, cols = fn(n, k, m)
    return _make(rows.astype(np.int64), False), _make(cols.astype(np.int64), False)


def tril_indices(n: int, k: int = 0, m: int | None = None) -> tuple[Tensor, Tensor]:
    """``np.tril_indices``: (rows, cols) int64 tensors of the lower triangle (diagonal
    ``k`` and below) of an n×m matrix. PyTorch's ``tril_indices(row, col, offset)`` returns
    them stacked: ``am.stack(am.tril_indices(row, offset, col))``.

    >>> [t.tolist() for t in tril_indices(2)]
    [[0, 1, 1], [0, 0, 1]]
    """
    return _triangle_indices(n, k, m, "tril_indices", np.tril_indices)


def triu_indices(n: int, k: int = 0, m: int | None = None) -> tuple[Tensor, Tensor]:
    """``np.triu_indices``: (rows, cols) int64 tensors of the upper triangle (diagonal
    ``k`` and above) of an n×m matrix (see :func:`tril_indices` for PyTorch's form)."""
    return _triangle_indices(n, k, m, "triu_indices", np.triu_indices)


def one_hot(labels: Any, num_classes: int = -1, *, dtype: Any = np.int64) -> Tensor:
    """PyTorch's ``F.one_hot``: integer labels of any shape (...) become (..., num_classes)
    with a 1 at each label; ``num_classes=-1`` takes max(labels) + 1. int64 like PyTorch
    unless ``dtype`` is given (``dtype=float`` for targets). No gradient.

    >>> one_hot([0, 2], 3).tolist()
    [[1, 0, 0], [0, 0, 1]]
    """
    y = labels._data if isinstance(labels, Tensor) else np.asarray(labels)
    if y.dtype.kind not in "iu":
        raise TypeError(
            f"one_hot: labels must be integers, got dtype {y.dtype}; convert them with .astype(int)"
        )
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)):
        raise TypeError(f"one_hot: num_classes must be an int, got {num_classes!r}")
    k = (int(y.max()) + 1 if y.size else 0) if num_classes == -1 else int(num_classes)
    if y.size and (y.min() < 0 or y.max() >= k):
        raise ValueError(
            f"one_hot: labels must be in [0, {k}) for num_classes={num_classes}, got values in "
            f"[{y.min()}, {y.max()}]"
        )
    return _make(np.eye(k, dtype=dtype)[y], False)
