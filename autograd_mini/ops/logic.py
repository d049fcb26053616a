"""Comparisons and logic: boolean results usable as masks, and ``masked_fill``.

``isnan``, ``isinf``, ``isfinite``, ``isclose``, ``logical_and/or/xor/not``, ``any``
and ``all`` return boolean Tensors. They have no derivative (a boolean has none, and
a tensor of a non-float dtype cannot require grad), so they are plain functions on the
values that never record a graph node, not entries of the op table: like the
comparison operators ``<, <=, >, >=, ==, !=`` (and ``&, |, ^, ~`` on boolean and
integer tensors, in :mod:`.methods`). Their inputs may require grad; the result never
does.

``masked_fill(x, mask, value)`` is differentiable and is an op of the table: x̄ = ḡ
where the mask is False (0 where it is True), and a tensor ``value`` (0-d) gets the sum
of ḡ over the masked places.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from ..tensor import Tensor, apply_op, traced_values
from . import api, unary
from .convert import as_tensor
from .convert import operand as _operand
from .publish import public, tensor_method
from .registry import Op, dtype_of
from .selection import where


def _values(x: Any, who: str) -> np.ndarray:
    """The values of a Tensor, an array, a number or a (nested) list, for a no-grad result."""
    if isinstance(x, Tensor):
        return x._data
    return (
        as_tensor(_operand(x, who), who)._data
        if isinstance(x, (list, tuple))
        else np.asarray(_operand(x, who))
    )


def _as_bool(fn: Any) -> Any:
    """``fn`` returning a boolean array (never a NumPy scalar): what a replay calls again."""

    def values(*args: Any, **kwargs: Any) -> np.ndarray:
        return np.asarray(fn(*args, **kwargs), dtype=np.bool_)

    values.__name__ = getattr(fn, "__name__", "values")
    return values


_ISNAN, _ISINF, _ISFINITE, _ISCLOSE = (_as_bool(f) for f in (np.isnan, np.isinf, np.isfinite, np.isclose))
_LOGICAL = {f: _as_bool(f) for f in (np.logical_and, np.logical_or, np.logical_xor, np.logical_not)}
_ANY, _ALL = _as_bool(np.any), _as_bool(np.all)


def _recorded(fn: Any, xs: tuple[Any, ...], arrays: tuple[np.ndarray, ...], params: Any = None) -> Tensor:
    """A boolean Tensor ``fn(*arrays)``; a compiled step being recorded replays the call
    (on the Tensors given, so a parameter read here becomes state of the program)."""
    inputs = tuple(x if isinstance(x, Tensor) else a for x, a in zip(xs, arrays))
    return Tensor._wrap(traced_values(fn, inputs, params))


# ---------------------------------------------------------------- tests of values


@public
def isnan(x: Any) -> Tensor:
    """True where x is NaN (a boolean Tensor, no gradient)."""
    return _recorded(_ISNAN, (x,), (_values(x, "isnan"),))


@public
def isinf(x: Any) -> Tensor:
    """True where x is +inf or -inf (a boolean Tensor, no gradient)."""
    return _recorded(_ISINF, (x,), (_values(x, "isinf"),))


@public
def isfinite(x: Any) -> Tensor:
    """True where x is neither NaN nor ±inf (a boolean Tensor, no gradient)."""
    return _recorded(_ISFINITE, (x,), (_values(x, "isfinite"),))


@public
def isclose(x: Any, y: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    """|x - y| ≤ atol + rtol·|y| elementwise, broadcast (NumPy's and PyTorch's ``isclose``;
    NaNs are equal only with ``equal_nan=True``). A boolean Tensor, no gradient."""
    a, b = _values(x, "isclose"), _values(y, "isclose")
    try:
        return _recorded(
            _ISCLOSE, (x, y), (a, b), {"rtol": rtol, "atol": atol, "equal_nan": bool(equal_nan)}
        )
    except ValueError:
        raise ValueError(
            f"isclose: shapes {a.shape} and {b.shape} do not broadcast; they must be equal or "
            f"1 along each axis (compared from the last)"
        ) from None


# ---------------------------------------------------------------- logical operations


def _logical(ufunc: Any, x: Any, y: Any, who: str) -> Tensor:
    a, b = _values(x, who), _values(y, who)
    try:
        return _recorded(_LOGICAL[ufunc], (x, y), (a, b))
    except ValueError:
        raise ValueError(
            f"{who}: shapes {a.shape} and {b.shape} do not broadcast; they must be equal or 1 "
            f"along each axis (compared from the last)"
        ) from None


@public
def logical_and(x: Any, y: Any) -> Tensor:
    """x and y, elementwise truth values (non-zero is True); a boolean Tensor, no gradient."""
    return _logical(np.logical_and, x, y, "logical_and")


@public
def logical_or(x: Any, y: Any) -> Tensor:
    """x or y, elementwise truth values; a boolean Tensor, no gradient."""
    return _logical(np.logical_or, x, y, "logical_or")


@public
def logical_xor(x: Any, y: Any) -> Tensor:
    """Exactly one of x and y, elementwise truth values; a boolean Tensor, no gradient."""
    return _logical(np.logical_xor, x, y, "logical_xor")


@public
def logical_not(x: Any) -> Tensor:
    """not x, elementwise (True where x is 0); a boolean Tensor, no gradient."""
    return _recorded(_LOGICAL[np.logical_not], (x,), (_values(x, "logical_not"),))


# ---------------------------------------------------------------- any / all


@public
def any(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Whether some value over ``axis`` is non-zero (all axes by default); a boolean Tensor."""
    t = as_tensor(x, "any")
    ax = api._axis(t, axis, "any")
    return _recorded(_ANY, (t,), (t._data,), {"axis": ax, "keepdims": bool(keepdims)})


@public
def all(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Whether every value over ``axis`` is non-zero (all axes by default); a boolean Tensor."""
    t = as_tensor(x, "all")
    ax = api._axis(t, axis, "all")
    return _recorded(_ALL, (t,), (t._data,), {"axis": ax, "keepdims": bool(keepdims)})


# ---------------------------------------------------------------- masked_fill


def _masked_fill_forward(x: Any, mask: Any, value: Any) -> Any:
    x = np.asarray(x)
    return np.where(mask, value, x).astype(x.dtype, copy=False)


def _value_vjp(g: Any, ans: Any, x: Any, mask: Any, value: Any) -> Any:
    out = where(mask, g, 0.0)
    if dtype_of(value) != dtype_of(out):
        out = unary.astype(out, dtype=dtype_of(value))
    return out


masked_fill_op: Op = Op(
    "masked_fill",
    _masked_fill_forward,
    [lambda g, ans, x, mask, value: where(mask, 0.0, g), None, _value_vjp],
    save_inputs=False,
    rules=[
        "x̄ = ḡ where the mask is False, 0 where it is True",
        "(mask: no gradient)",
        "value̅ = Σ ḡ over the masked places",
    ],
    hint="The mask must broadcast to x's shape.",
    math="y = value where mask, else x",
    jvp="linear",
)


@public
def masked_fill(x: Any, mask: Any, value: Any) -> Tensor:
    """x with ``value`` written where the boolean ``mask`` (broadcast to x's shape) is True;
    the result keeps x's dtype. ``value`` is a number or a 0-d tensor (differentiable).

    Derivative: x̄ = ȳ where the mask is False and 0 where it is True; a tensor value gets
    the sum of ȳ over the masked places.
    """
    t = as_tensor(x, "masked_fill")
    m = mask._data if isinstance(mask, Tensor) else np.asarray(_values(mask, "masked_fill"))
    if m.dtype != np.bool_:
        raise TypeError(
            f"masked_fill: the mask must be boolean, got dtype {m.dtype}; build it with a "
            f"comparison (e.g. x > 0) or .astype(bool)"
        )
    try:
        fits = np.broadcast_shapes(t.shape, m.shape) == t.shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(
            f"masked_fill: a mask of shape {m.shape} does not broadcast to x's shape {t.shape}; "
            f"it must be equal or 1 along each axis of x (compared from the last)"
        )
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise ValueError(
                f"masked_fill: value must be a number or a 0-d tensor, got a tensor of shape "
                f"{value.shape}; use am.where(mask, values, x) to fill from a tensor"
            )
        v: Any = value
    elif isinstance(value, (builtins.bool, int, float, np.number)):
        v = value
    else:
        raise TypeError(f"masked_fill: value must be a number or a 0-d tensor, got {type(value).__name__}")
    # a mask Tensor goes in as itself: a compiled step then reads its current values on
    # every replay (its bare array would be a constant of the program)
    return apply_op(masked_fill_op, (t, mask if isinstance(mask, Tensor) else m, v), None)


for _fn in (
    isnan,
    isinf,
    isfinite,
    isclose,
    logical_and,
    logical_or,
    logical_xor,
    logical_not,
    any,
    all,
    masked_fill,
):
    tensor_method(_fn)
