"""Shape, broadcasting and indexing ops.

These move values around without arithmetic, so their VJPs move the gradient back:
``reshape`` reshapes it back, ``transpose`` applies the inverse permutation,
``broadcast_to`` and ``sum_to`` are each other's VJPs, and ``getitem`` scatters the
gradient into zeros (adding where an index repeats) with ``index_add``, whose own VJP is
``getitem`` again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..core.broadcasting import broadcast_to as broadcast_to  # the core's pair, in the table too
from ..core.broadcasting import shape_of
from ..core.broadcasting import sum_to as sum_to
from ..core.grad_mode import state as _modes
from ..core.slices import SliceGrad
from .registry import Op, dtype_of

# ---------------------------------------------------------------- reshaping


def _shape_back(g: Any, ans: Any, x: Any, **params: Any) -> Any:
    """VJP of every op that only changes the shape: reshape the gradient back."""
    return reshape(g, shape=shape_of(x))


def _reshape_forward(x: Any, shape: tuple[int, ...] = ()) -> Any:
    return np.reshape(x, shape)


reshape: Op = Op(
    "reshape",
    _reshape_forward,
    [_shape_back],
    save_inputs=False,
    rules=["x̄ = reshape(ḡ, x.shape)"],
    hint="The new shape must hold the same number of elements (use -1 for one inferred axis).",
    view=True,
    math="y = x in a new shape",
    jvp="linear",
)


def _expand_dims_forward(x: Any, axis: int | tuple[int, ...] = 0) -> Any:
    return np.expand_dims(x, axis)


expand_dims: Op = Op(
    "expand_dims",
    _expand_dims_forward,
    [_shape_back],
    save_inputs=False,
    rules=["x̄ = reshape(ḡ, x.shape)"],
    view=True,
    math="y = x with a new axis of size 1",
    jvp="linear",
)


def _squeeze_forward(x: Any, axis: int | tuple[int, ...] | None = None) -> Any:
    return np.squeeze(x, axis)


squeeze: Op = Op(
    "squeeze",
    _squeeze_forward,
    [_shape_back],
    save_inputs=False,
    rules=["x̄ = reshape(ḡ, x.shape)"],
    hint="Only axes of size 1 can be squeezed.",
    view=True,
    math="y = x without its size-1 axes",
    jvp="linear",
)


def _transpose_forward(x: Any, axes: tuple[int, ...] | None = None) -> Any:
    return np.transpose(x, axes)


def _transpose_vjp(g: Any, ans: Any, x: Any, axes: tuple[int, ...] | None = None) -> Any:
    if axes is None:
        return transpose(g)
    return transpose(g, axes=tuple(int(i) for i in np.argsort(axes)))


transpose: Op = Op(
    "transpose",
    _transpose_forward,
    [_transpose_vjp],
    save_inputs=False,
    rules=["x̄ = transpose(ḡ, inverse permutation)"],
    hint="axes must be a permutation of range(x.ndim).",
    view=True,
    math="y = x with permuted axes",
    jvp="linear",
)

# ---------------------------------------------------------------- broadcasting


# ``broadcast_to`` and ``sum_to`` are the core's (the engine undoes broadcasting with
# ``sum_to``); they are imported at the top of this module and are in the table like any op.


# ---------------------------------------------------------------- indexing


def is_basic_index(index: Any) -> bool:
    """True for ints, slices, None and Ellipsis only (a view, no repeated elements)."""
    items = index if isinstance(index, tuple) else (index,)
    return all(
        isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis
        for i in items
        if not isinstance(i, bool)
    ) and not any(isinstance(i, bool) for i in items)


def _getitem_forward(x: Any, index: Any = None) -> Any:
    return np.asarray(x)[index]


def _getitem_vjp(g: Any, ans: Any, x: Any, index: Any = None) -> Any:
    if g.__class__ is np.ndarray and _modes.slice_grads and is_basic_index(index):
        # a plain first-order pass: the engine sums slices in place (core/slices.py), so a
        # sequence read step by step costs O(its size), not O(steps · size)
        return SliceGrad(x.shape, x.dtype, index, g)
    return index_add(g, index=index, shape=shape_of(x), dtype=dtype_of(x))


getitem: Op = Op(
    "getitem",
    _getitem_forward,
    [_getitem_vjp],
    save_inputs=False,
    rules=["x̄ = zeros like x, with ḡ added at [index] (repeated indices add up)"],
    hint="Indices must be in range for the tensor's shape.",
    view=True,
    math="y = x[index]",
    jvp="linear",
)


def _raw(x: Any) -> Any:
    return getattr(x, "_data", x)


def _index_add_forward(
    g: Any, index: Any = None, shape: tuple[int, ...] = (), dtype: Any = None
) -> Any:
    out = np.zeros(shape, dtype=dtype if dtype is not None else np.asarray(g).dtype)
    if is_basic_index(index):
        out[index] = g
    else:
        np.add.at(out, index, g)
    return out


index_add: Op = Op(
    "index_add",
    _index_add_forward,
    [lambda g, ans, x, index=None, shape=(), dtype=None: getitem(g, index=index)],
    save_inputs=False,
    rules=["x̄ = ḡ[index]"],
    math="y = zeros(shape) with x added at [index]",
    jvp="linear",
)

# ---------------------------------------------------------------- joining


def _concatenate_forward(*xs: Any, axis: int = 0) -> Any:
    return np.concatenate(xs, axis=axis)


def _concatenate_vjp(
    g: Any, ans: Any, values: Sequence[Any], needs: Sequence[bool], axis: int = 0
) -> list[Any]:
    ndim = np.ndim(_raw(values[0]))
    axis = axis % ndim
    grads: list[Any] = []
    start = 0
    for x, need in zip(values, needs):
        size = shape_of(x)[axis]
        if need:
            index = (slice(None),) * axis + (slice(start, start + size),)
            grads.append(getitem(g, index=index))
        else:
            grads.append(None)
        start += size
    return grads


concatenate: Op = Op(
    "concatenate",
    _concatenate_forward,
    vjp_all=_concatenate_vjp,
    save_inputs=False,
    rules=["x̄ᵢ = the slice of ḡ along axis where xᵢ was placed"],
    hint="All inputs must have the same shape except along the concatenation axis.",
    math="y = [x₁, x₂, …] joined along an axis",
    jvp="linear",
)


def _stack_forward(*xs: Any, axis: int = 0) -> Any:
    return np.stack(xs, axis=axis)


def _stack_vjp(
    g: Any, ans: Any, values: Sequence[Any], needs: Sequence[bool], axis: int = 0
) -> list[Any]:
    axis = axis % (np.ndim(_raw(values[0])) + 1)
    return [
        getitem(g, index=(slice(None),) * axis + (i,)) if need else None
        for i, need in enumerate(needs)
    ]


stack: Op = Op(
    "stack",
    _stack_forward,
    vjp_all=_stack_vjp,
    save_inputs=False,
    rules=["x̄ᵢ = ḡ[..., i, ...] (index i along the new axis)"],
    hint="All inputs must have the same shape.",
    math="y = [x₁, x₂, …] stacked along a new axis",
    jvp="linear",
)
