"""Reductions and scans beyond sum/mean/max (issue 13): the public functions.

``am.prod``, ``cumsum``, ``cumprod``, ``cummax``, ``cummin``, ``logcumsumexp``, ``diff``,
``trace``, ``norm``, ``sort``, ``argsort``, ``topk``, ``median``, ``var_mean``,
``std_mean``, ``argmax`` and ``argmin``; most are Tensor methods too. Each validates its
parameters in the user's terms (axes through :func:`.api._axis` /
:func:`.api.single_axis`, so ``dim=``/``keepdim=`` apply to them as to ``sum``) and
applies entries of the op table (:mod:`.reduction`, :mod:`.scan`).

Conventions at the awkward points:

- ``prod``: the gradient of entry i is the product of the others (never a division):
  with one zero in a slice only the zero's position gets a non-zero gradient, with two
  or more every gradient is 0. ``cumprod`` likewise (see :mod:`.scan`).
- ``sort``/``argsort``/``topk`` are stable: equal values keep their original order (in
  ascending and in descending order), and the gradient of each output goes to the
  input position the sort put there. ``topk`` selects the first of tied values.
- ``cummax``/``cummin``: the index is the *last* position holding the running extreme
  (PyTorch's choice); the gradient goes there.
- ``median`` is the lower median for an even count (PyTorch's), the ⌊(n-1)/2⌋-th of the
  stably sorted values; its gradient goes to that one entry. A NaN in a slice makes the
  median NaN (its first NaN is the one selected).
- ``norm``: at x = 0 the gradient of the 2-norm (and of every p-norm) is 0, PyTorch's
  choice; ``inf``/``-inf`` split the gradient evenly between tied extreme entries.
- Indices are integer Tensors (int64, never requiring grad); ``argmax``/``argmin`` keep
  returning NumPy arrays, as ``x.argmax()`` always has.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from ..tensor import Tensor, apply_op, traced_values
from . import api, reduction, scan, unary
from .convert import as_tensor
from .convert import operand as _operand
from .publish import public, tensor_method

Axis = Any  # int | tuple[int, ...] | None, validated by api._axis


class ValuesIndices(NamedTuple):
    """``(values, indices)``, as PyTorch's ``sort``, ``topk``, ``cummax`` return them."""

    values: Tensor
    indices: Tensor


def _indices(a: np.ndarray) -> Tensor:
    return Tensor._wrap(np.asarray(a, dtype=np.int64))


def _axis_or_flat(x: Any, axis: Any, who: str) -> tuple[Tensor, int, tuple[int, ...] | None]:
    """The tensor to scan, its axis, and the shape to restore (0-d inputs only).

    ``axis=None`` scans the flattened values (NumPy's ``cumsum``); a 0-d tensor is
    scanned as one element and keeps its shape.
    """
    t = as_tensor(x, who)
    if axis is None:
        return api.reshape(t, (-1,)), 0, None
    a = api.single_axis(t, axis, who)
    if t.ndim == 0:
        return api.reshape(t, (1,)), 0, ()
    assert a is not None
    return t, a, None


def _restore(y: Tensor, shape: tuple[int, ...] | None) -> Tensor:
    return y if shape is None else api.reshape(y, shape)


# ---------------------------------------------------------------- product


@public
def prod(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Π over ``axis`` (all axes by default; 1 for an empty tensor, like NumPy).

    Derivative: x̄ᵢ = ȳ · Π_{j ≠ i} xⱼ, computed from the products left and right of i
    (no division): with one zero in a slice only that entry gets a gradient (the product
    of the others), with two or more zeros all gradients are 0.
    """
    t = as_tensor(x, "prod")
    ax = api._axis(t, axis, "prod")
    return apply_op(reduction.prod, (t,), {"axis": ax, "keepdims": bool(keepdims)})


# ---------------------------------------------------------------- scans


def _scan(op: Any, x: Any, axis: Any, who: str) -> Tensor:
    t, a, restore = _axis_or_flat(x, axis, who)
    return _restore(apply_op(op, (t,), {"axis": a}), restore)


@public
def cumsum(x: Any, axis: Axis = None) -> Tensor:
    """Cumulative sum along ``axis`` (the flattened values when None, like NumPy).

    Derivative: x̄ᵢ = Σ_{k ≥ i} ȳₖ (the reversed cumulative sum of ȳ).
    """
    return _scan(scan.cumsum, x, axis, "cumsum")


@public
def cumprod(x: Any, axis: Axis = None) -> Tensor:
    """Cumulative product along ``axis`` (the flattened values when None, like NumPy).

    Derivative: x̄ᵢ = Σ_{k ≥ i} ȳₖ Π_{j ≤ k, j ≠ i} xⱼ, exact with zeros in x (no
    division by zero: entries after a slice's first zero get 0, the first zero the
    product of the entries before it times the upstream terms after it).
    """
    return _scan(scan.cumprod, x, axis, "cumprod")


@public
def logcumsumexp(x: Any, axis: Axis = None) -> Tensor:
    """log Σ_{i ≤ k} exp(xᵢ) along ``axis``, computed stably (no overflow for |x| ~ 1000).

    Derivative: x̄ⱼ = Σ_{k ≥ j} ȳₖ exp(xⱼ - yₖ) (a reversed softmax-weighted sum, summed
    in log space).
    """
    return _scan(scan.logcumsumexp, x, axis, "logcumsumexp")


def _running_extreme_index(xv: np.ndarray, axis: int, accumulate: Any) -> tuple[np.ndarray, ...]:
    """The index of the running extreme along ``axis``, and the NumPy index that picks it.

    Computed by this one function so that a compiled step replays it on new values."""
    values = accumulate(xv, axis=axis)
    # a position holds the running extreme when it equals it (or is NaN, which
    # propagates); the index is the last such position so far (PyTorch's choice)
    hit = xv == values
    if xv.dtype.kind == "f":
        hit |= np.isnan(xv)
    index = np.maximum.accumulate(np.where(hit, scan.positions(xv.shape, axis), 0), axis=axis)
    index = np.asarray(index, dtype=np.int64)
    return (index, *scan.along_axis_index(index, axis))


def _cum_extreme(op: Any, accumulate: Any, x: Any, axis: Any, who: str) -> ValuesIndices:
    t, a, restore = _axis_or_flat(x, axis, who)
    index, *pick = traced_values(_running_extreme_index, (t,), {"axis": a, "accumulate": accumulate})
    out = apply_op(op, (t,), {"index": tuple(pick)})
    return ValuesIndices(_restore(out, restore), _restore(_indices(index), restore))


@public
def cummax(x: Any, axis: Axis = None) -> ValuesIndices:
    """Running maximum along ``axis``: ``(values, indices)`` like PyTorch's ``cummax``.

    ``indices`` holds, per position, the last index where the running maximum occurs
    (ties move it forward); ``axis=None`` scans the flattened values.
    Derivative: ȳₖ goes to x at ``indices[k]`` (summed where several k share it).
    """
    return _cum_extreme(scan.cummax, np.maximum.accumulate, x, axis, "cummax")


@public
def cummin(x: Any, axis: Axis = None) -> ValuesIndices:
    """Running minimum along ``axis``: ``(values, indices)`` like PyTorch's ``cummin``.

    ``indices`` holds the last index where the running minimum occurs.
    Derivative: ȳₖ goes to x at ``indices[k]`` (summed where several k share it).
    """
    return _cum_extreme(scan.cummin, np.minimum.accumulate, x, axis, "cummin")


@public
def diff(x: Any, n: int = 1, axis: int = -1, prepend: Any = None, append: Any = None) -> Tensor:
    """The n-th forward difference along ``axis``: ``x[1:] - x[:-1]``, n times (NumPy's).

    ``prepend``/``append`` (numbers, arrays or tensors) are joined on first, as in NumPy.
    Derivative (n = 1): x̄ₖ = ȳₖ₋₁ - ȳₖ (with ȳ₋₁ = ȳₙ₋₁ = 0); n times for the n-th.
    """
    t = as_tensor(x, "diff")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"diff: n must be a non-negative int, got {n!r}")
    if t.ndim == 0:
        raise ValueError("diff: needs a tensor of at least one dimension, got a 0-d tensor (shape ())")
    a = api.normalize_axis(axis, t.ndim, t, "diff")
    pieces: list[Tensor | None] = []
    for extra in (prepend, append):
        if extra is None:
            pieces.append(None)
            continue
        e = _operand(extra, "diff")
        # numbers and arrays take x's dtype (float32 stays float32); tensors keep theirs
        e = e if isinstance(e, Tensor) else Tensor._wrap(np.asarray(e, dtype=t.dtype))
        if e.ndim == 0:
            shape = list(t.shape)
            shape[a] = 1
            e = api.broadcast_to(e, tuple(shape))
        pieces.append(e)
    if pieces[0] is not None or pieces[1] is not None:
        parts = [p for p in (pieces[0], t, pieces[1]) if p is not None]
        t = api.concatenate(parts, axis=a)
    for _ in range(int(n)):
        t = apply_op(scan.diff, (t,), {"axis": a})
    return t


# ---------------------------------------------------------------- trace


@public
def trace(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
    """The sum of a diagonal (NumPy's and PyTorch's matrix trace; ``am.compile`` is the
    traced training step): ``offset`` above (> 0) or below (< 0) the main diagonal of the
    planes spanned by ``axis1`` and ``axis2``; other axes are kept.

    Derivative: x̄ = ȳ on that diagonal, 0 elsewhere.
    """
    t = as_tensor(x, "trace")
    if t.ndim < 2:
        raise ValueError(f"trace: needs a tensor of at least 2 dimensions (a matrix), got shape {t.shape}")
    a1 = api.normalize_axis(axis1, t.ndim, t, "trace")
    a2 = api.normalize_axis(axis2, t.ndim, t, "trace")
    if a1 == a2:
        raise ValueError(
            f"trace: axis1 and axis2 name the same axis ({axis1}, {axis2}); give two different axes"
        )
    if isinstance(offset, bool) or not isinstance(offset, (int, np.integer)):
        raise TypeError(f"trace: offset must be an int, got {offset!r}")
    return apply_op(reduction.trace, (t,), {"offset": int(offset), "axis1": a1, "axis2": a2})


# ---------------------------------------------------------------- norms


def _vector_ord(ord: Any, who: str) -> float:
    if ord is None:
        return 2.0
    if isinstance(ord, (str, bool)) or not isinstance(ord, (int, float, np.number)):
        raise ValueError(
            f"{who}: ord={ord!r} is not a vector norm; vector norms take a number p "
            f"(incl. 0, inf, -inf). 'fro' and 'nuc' are matrix norms: give two axes"
        )
    return float(ord)


def _matrix_norm(t: Tensor, ord: Any, axes: tuple[int, int], keepdims: bool) -> Tensor:
    row, col = axes
    if ord is None or ord == "fro":
        return apply_op(reduction.norm, (t,), {"ord": 2.0, "axis": axes, "keepdims": bool(keepdims)})
    if ord == "nuc":
        rest = [d for d in range(t.ndim) if d not in axes]
        moved = api.transpose(t, (*rest, row, col))
        out = apply_op(reduction.nuclear_norm, (moved,), None)
        return api.reshape(out, reduction._kept_shape(t.shape, axes)) if keepdims else out
    if ord in (1, -1, math.inf, -math.inf):
        # NumPy: 1 / -1 is the largest / smallest column sum of |x|, inf / -inf the row sum
        summed, over = (row, col) if ord in (1, -1) else (col, row)
        pick = api.max if ord in (1, math.inf) else api.min
        sums = api.sum(apply_op(unary.abs_, (t,), None), summed, keepdims=True)
        out = pick(sums, over, keepdims=True)
        return out if keepdims else api.reshape(out, tuple(n for d, n in enumerate(t.shape) if d not in axes))
    if ord in (2, -2):
        raise NotImplementedError(
            f"norm: ord={ord} over two axes (the spectral norm, a singular value) is not "
            f"implemented; use ord='fro', 'nuc', 1, -1, inf or -inf, or the vector 2-norm"
        )
    raise ValueError(f"norm: ord={ord!r} is not a matrix norm; use None, 'fro', 'nuc', 1, -1, inf or -inf")


@public
def norm(x: Any, ord: Any = None, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Vector and matrix norms with NumPy's ``np.linalg.norm`` rules.

    ``axis=None``: the 2-norm of all values when ``ord`` is None (Frobenius for a matrix),
    else a vector norm of a 1-D and a matrix norm of a 2-D tensor. An int axis: the vector
    norm ``(Σ|x|^p)^(1/p)`` with p = ``ord`` (2 by default; ``inf``: max |x|, ``-inf``:
    min |x|, 0: the count of non-zeros). Two axes: a matrix norm, ``'fro'`` (default),
    ``'nuc'`` (the sum of singular values), 1/-1 (max/min column sum of |x|), inf/-inf
    (max/min row sum).

    Derivative: x̄ = ȳ · sign(x)|x|^(p-1)/y^(p-1) (p = 2: ȳ·x/y), 0 at x = 0 (PyTorch's
    convention for the 2-norm there); inf/-inf send ȳ·sign(x) to the extreme entries,
    split evenly between ties; ord 0 has gradient 0; the nuclear norm's is ȳ·U Vᵀ
    (x = U S Vᵀ, full rank).
    """
    t = as_tensor(x, "norm")
    ax = api._axis(t, axis, "norm")
    if ax is None:
        if ord is None:
            return apply_op(reduction.norm, (t,), {"ord": 2.0, "axis": None, "keepdims": bool(keepdims)})
        if t.ndim == 2:
            return _matrix_norm(t, ord, (0, 1), keepdims)
        if t.ndim > 2:
            raise ValueError(
                f"norm: ord={ord!r} with axis=None needs a 1-D or 2-D tensor (NumPy's rule), got "
                f"shape {t.shape}; pass axis= (one axis for a vector norm, two for a matrix norm)"
            )
        ax = None
    elif len(ax) == 2:
        return _matrix_norm(t, ord, (ax[0], ax[1]), keepdims)
    elif len(ax) > 2:
        raise ValueError(
            f"norm: axis={axis!r} names {len(ax)} axes; give one (vector norm) or two (matrix norm)"
        )
    p = _vector_ord(ord, "norm")
    if p in (math.inf, -math.inf) and t.size == 0:
        raise ValueError(f"norm: ord={ord} of an empty tensor (shape {t.shape}) is undefined")
    return apply_op(reduction.norm, (t,), {"ord": p, "axis": ax, "keepdims": bool(keepdims)})


# ---------------------------------------------------------------- sorting


def _stable_order(xv: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """Stable argsort; descending keeps equal values in their original order too."""
    if not descending:
        return np.argsort(xv, axis=axis, kind="stable")
    rev = np.flip(xv, axis=axis)
    order = np.flip(np.argsort(rev, axis=axis, kind="stable"), axis=axis)
    return xv.shape[axis] - 1 - order


def _sort_index(
    xv: np.ndarray, axis: int, descending: bool, k: int | None = None
) -> tuple[np.ndarray, ...]:
    """The stable sort order along ``axis`` (its first ``k`` places), and the NumPy index
    that picks it. One function, so that a compiled step replays it on new values."""
    order = _stable_order(xv, axis, descending)
    if k is not None:
        order = np.take(order, np.arange(k), axis=axis)
    order = np.asarray(order, dtype=np.int64)
    return (order, *scan.along_axis_index(order, axis))


def _sort_axis(x: Any, axis: Any, who: str) -> tuple[Tensor, int, tuple[int, ...] | None]:
    if axis is None:
        raise TypeError(f"{who}: axis must be an int (the axis to sort along), got None; flatten first")
    return _axis_or_flat(x, axis, who)


@public
def sort(x: Any, axis: int = -1, descending: bool = False) -> ValuesIndices:
    """Sort along ``axis``: ``(values, indices)`` like PyTorch's ``sort`` (``values`` is
    ``np.sort``'s result). The sort is stable, ascending and descending: equal values keep
    their original order.

    Derivative: each output's ȳ goes back to the input position the sort took it from
    (x̄[indices] = ȳ), so tied entries each receive the gradient of their own place.
    """
    t, a, restore = _sort_axis(x, axis, "sort")
    order, *pick = traced_values(_sort_index, (t,), {"axis": a, "descending": bool(descending)})
    values = apply_op(reduction.sort, (t,), {"index": tuple(pick)})
    return ValuesIndices(_restore(values, restore), _restore(_indices(order), restore))


@public
def argsort(x: Any, axis: int = -1, descending: bool = False) -> Tensor:
    """The indices that sort ``x`` along ``axis`` (stable; an int64 Tensor, no gradient)."""
    t, a, restore = _sort_axis(x, axis, "argsort")
    order = traced_values(_argsort_index, (t,), {"axis": a, "descending": bool(descending)})
    return _restore(_indices(order), restore)


def _argsort_index(xv: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """The stable sort order along ``axis`` as int64 (a compiled step replays it)."""
    return np.asarray(_stable_order(xv, axis, descending), dtype=np.int64)


@public
def topk(x: Any, k: int, axis: int = -1, largest: bool = True, sorted: bool = True) -> ValuesIndices:
    """The ``k`` largest (``largest=False``: smallest) entries along ``axis``, in order:
    ``(values, indices)`` like PyTorch's ``topk``. Of tied values the first ones (lowest
    index) are taken; ``sorted=False`` is accepted and gives the same sorted result.

    Derivative: ȳ goes to the k selected positions, 0 elsewhere.
    """
    t, a, restore = _sort_axis(x, axis, "topk")
    n = t.shape[a]
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 0 <= k <= n:
        raise ValueError(
            f"topk: k must be an int in 0..{n} (the length of axis {axis} of shape "
            f"{as_tensor(x).shape}), got {k!r}"
        )
    del sorted
    order, *pick = traced_values(_sort_index, (t,), {"axis": a, "descending": bool(largest), "k": int(k)})
    values = apply_op(reduction.topk, (t,), {"index": tuple(pick)})
    return ValuesIndices(_restore(values, restore), _restore(_indices(order), restore))


@public
def median(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """The lower median over ``axis`` (all axes by default): the ⌊(n-1)/2⌋-th smallest,
    PyTorch's choice for an even count (``np.median`` averages the two middle values).
    A NaN in a slice gives NaN. Values only, like ``am.max`` (indices: ``am.argsort``).

    Derivative: ȳ goes to the one entry that is the median (of tied values, the one the
    stable sort put in the middle place).
    """
    t = as_tensor(x, "median")
    ax = api._axis(t, axis, "median")
    axes = tuple(range(t.ndim)) if ax is None else ax
    if t.size == 0:
        raise ValueError(f"median: the tensor of shape {t.shape} is empty; nothing to reduce")
    rest = [d for d in range(t.ndim) if d not in axes]
    perm = (*rest, *axes)
    moved = t if perm == tuple(range(t.ndim)) else api.transpose(t, perm)
    lead = tuple(t.shape[d] for d in rest)
    flat = api.reshape(moved, (*lead, -1))
    index = traced_values(_median_index, (flat,))
    out = apply_op(reduction.median, (flat,), {"index": index})
    shape = reduction._kept_shape(t.shape, axes) if keepdims else lead
    return api.reshape(out, shape)


def _median_index(fv: np.ndarray) -> tuple[np.ndarray, ...]:
    """The NumPy index of the lower median along the last axis (the first NaN of a slice
    holding one). One function, so that a compiled step replays it on new values."""
    last = fv.ndim - 1
    n = fv.shape[last]
    pick = np.take(_stable_order(fv, last, False), [(n - 1) // 2], axis=last)
    if fv.dtype.kind == "f":
        nan = np.isnan(fv)
        has_nan = np.any(nan, axis=last, keepdims=True)
        pick = np.where(has_nan, np.argmax(nan, axis=last, keepdims=True), pick)
    return scan.along_axis_index(pick, last)


# ---------------------------------------------------------------- variance and mean together


def _ddof(ddof: Any, correction: Any, who: str) -> int:
    if ddof is not None and correction is not None:
        raise TypeError(
            f"{who}: got both ddof= and correction=, which are the same argument (NumPy's and "
            f"PyTorch's spelling); give one of them"
        )
    value = correction if correction is not None else (0 if ddof is None else ddof)
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{who}: ddof/correction must be an int, got {value!r}")
    return int(value)


@public
def var_mean(
    x: Any,
    axis: Axis = None,
    keepdims: bool = False,
    ddof: int | None = None,
    *,
    correction: int | None = None,
) -> tuple[Tensor, Tensor]:
    """``(var, mean)`` over ``axis``, PyTorch's name. ``ddof`` (or PyTorch's ``correction``)
    defaults to 0, like :func:`var` (PyTorch's default is 1: pass ``correction=1``).

    Derivative: those of :func:`var` and :func:`mean`.
    """
    d = _ddof(ddof, correction, "var_mean")
    t = as_tensor(x, "var_mean")
    return api.var(t, axis, keepdims, d), api.mean(t, axis, keepdims)


@public
def std_mean(
    x: Any,
    axis: Axis = None,
    keepdims: bool = False,
    ddof: int | None = None,
    *,
    correction: int | None = None,
) -> tuple[Tensor, Tensor]:
    """``(std, mean)`` over ``axis``, PyTorch's name. ``ddof`` (or ``correction``) defaults
    to 0, like :func:`std` (PyTorch's default is 1: pass ``correction=1``).

    Derivative: those of :func:`std` (0 where std = 0) and :func:`mean`.
    """
    d = _ddof(ddof, correction, "std_mean")
    t = as_tensor(x, "std_mean")
    return api.std(t, axis, keepdims, d), api.mean(t, axis, keepdims)


# ---------------------------------------------------------------- argmax / argmin


@public
def argmax(x: Any, axis: int | None = None, keepdims: bool = False) -> np.ndarray:
    """Index of the maximum (of the flattened values when ``axis`` is None; the first of
    ties), a NumPy integer array like ``x.argmax()``; ``keepdims`` keeps the axis (size 1).
    No gradient."""
    return as_tensor(x, "argmax").argmax(axis, keepdims)


@public
def argmin(x: Any, axis: int | None = None, keepdims: bool = False) -> np.ndarray:
    """Index of the minimum (first of ties), a NumPy integer array; see :func:`argmax`."""
    return as_tensor(x, "argmin").argmin(axis, keepdims)


# ---------------------------------------------------------------- Tensor methods


# The public functions double as methods (``x.prod(0)`` is ``prod(x, 0)``); argmax and
# argmin stay the methods of ops/methods.py, which call the functions above.
for _fn in (
    prod,
    cumsum,
    cumprod,
    logcumsumexp,
    cummax,
    cummin,
    diff,
    trace,
    norm,
    sort,
    argsort,
    topk,
    median,
):
    tensor_method(_fn)
