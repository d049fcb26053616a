"""Reductions and the normalising ops (softmax, log_softmax, logsumexp).

``axis`` is ``None`` (all axes), an int or a tuple of ints; ``keepdims`` keeps the
reduced axes with size 1. Every rule first restores the reduced axes of the upstream
gradient (``expand``) and then broadcasts it back over the input.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .registry import Op, mask, value_of
from .selection import where
from .shape import broadcast_to, reshape
from .unary import exp

Axis = int | tuple[int, ...] | None


def _kept_shape(shape: tuple[int, ...], axis: Axis) -> tuple[int, ...]:
    if axis is None:
        return (1,) * len(shape)
    axes = (axis,) if isinstance(axis, int) else axis
    axes = tuple(a % len(shape) for a in axes) if shape else ()
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _count(shape: tuple[int, ...], axis: Axis) -> int:
    if axis is None:
        return math.prod(shape)
    axes = (axis,) if isinstance(axis, int) else axis
    return math.prod(shape[a] for a in axes)


def _shape(x: Any) -> tuple[int, ...]:
    return np.shape(value_of(x))


def expand(g: Any, shape: tuple[int, ...], axis: Axis, keepdims: bool) -> Any:
    """Give ``g`` back the reduced axes (size 1) so it broadcasts against ``shape``."""
    if keepdims:
        return g
    return reshape(g, shape=_kept_shape(shape, axis))


# ---------------------------------------------------------------- sums and means


def _sum_forward(x: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    return np.sum(x, axis=axis, keepdims=keepdims)


sum_: Op = Op(
    "sum",
    _sum_forward,
    [
        lambda g, ans, x, axis=None, keepdims=False: broadcast_to(
            expand(g, _shape(x), axis, keepdims), shape=_shape(x)
        )
    ],
    save_inputs=False,
    rules=["x̄ = ḡ broadcast over the summed axes"],
    hint="axis must be in range for the tensor's ndim.",
    math="y = Σ_axis x",
)


def _mean_forward(x: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    return np.mean(x, axis=axis, keepdims=keepdims)


mean: Op = Op(
    "mean",
    _mean_forward,
    [
        lambda g, ans, x, axis=None, keepdims=False: broadcast_to(
            expand(g, _shape(x), axis, keepdims), shape=_shape(x)
        )
        * (1.0 / max(_count(_shape(x), axis), 1))
    ],
    save_inputs=False,
    rules=["x̄ = ḡ / n broadcast over the averaged axes (n elements averaged)"],
    hint="axis must be in range for the tensor's ndim.",
    math="y = (1/n) Σ_axis x",
)

# ---------------------------------------------------------------- standard deviation


def _std_forward(x: Any, axis: Axis = None, keepdims: bool = False, ddof: int = 0) -> Any:
    return np.std(x, axis=axis, keepdims=keepdims, ddof=ddof)


def _std_vjp(g: Any, ans: Any, x: Any, axis: Axis = None, keepdims: bool = False, ddof: int = 0) -> Any:
    # s = √(Σ(x - m)²/(n - ddof)), so x̄ = ḡ·(x - m)/((n - ddof)·s). Where s = 0 (one
    # element, or all equal) x - m = 0 too and the gradient is taken as 0, like PyTorch:
    # the masked entries divide by 1, not by 0 (double where, so that create_graph's
    # second derivative does not meet 0·inf either).
    shape = _shape(x)
    s = expand(ans, shape, axis, keepdims)
    flat = value_of(s) == 0
    scale = expand(g, shape, axis, keepdims) * (1.0 / (_count(shape, axis) - ddof))
    scale = where(flat, 0.0, scale / where(flat, 1.0, s)) if np.any(flat) else scale / s
    return scale * (x - mean(x, axis=axis, keepdims=True))


std: Op = Op(
    "std",
    _std_forward,
    [_std_vjp],
    save_output=True,
    rules=["x̄ = ḡ · (x - mean) / ((n - ddof) · y)   (0 where y = 0)"],
    hint="axis must be in range for the tensor's ndim.",
    math="y = √(Σ_axis (x - mean)² / (n - ddof))",
)

# ---------------------------------------------------------------- max and min


def _extremum_vjp(g: Any, ans: Any, x: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    # ties: the gradient is split evenly between all positions holding the extremum
    shape = _shape(x)
    hit = value_of(x) == np.reshape(value_of(ans), _kept_shape(shape, axis))
    share = mask(hit, g) / mask(np.sum(hit, axis=axis, keepdims=True), g)
    return expand(g, shape, axis, keepdims) * share


def _max_forward(x: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    return np.max(x, axis=axis, keepdims=keepdims)


def _min_forward(x: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    return np.min(x, axis=axis, keepdims=keepdims)


max_: Op = Op(
    "max",
    _max_forward,
    [_extremum_vjp],
    save_output=True,
    rules=["x̄ = ḡ at the maximum's position (split evenly between ties)"],
    hint="max of an empty axis is undefined; axis must be in range.",
    math="y = max_axis x",
)

min_: Op = Op(
    "min",
    _min_forward,
    [_extremum_vjp],
    save_output=True,
    rules=["x̄ = ḡ at the minimum's position (split evenly between ties)"],
    hint="min of an empty axis is undefined; axis must be in range.",
    math="y = min_axis x",
)

# ---------------------------------------------------------------- log-sum-exp and softmax


def _stable_shift(x: Any, axis: Axis) -> Any:
    m = np.max(x, axis=axis, keepdims=True)
    # all -inf along the axis: shift by 0 so the result is -inf, not nan
    return np.where(np.isfinite(m), m, 0.0).astype(m.dtype, copy=False)


def _logsumexp_forward(x: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    # log Σ eˣ = m + log Σ e^{x-m} with m = max x: no overflow for |x| ~ 1000
    x = np.asarray(x)
    m = _stable_shift(x, axis)
    with np.errstate(divide="ignore"):  # all -inf along the axis: log 0 = -inf is the answer
        out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


logsumexp: Op = Op(
    "logsumexp",
    _logsumexp_forward,
    [
        lambda g, ans, x, axis=None, keepdims=False: expand(g, _shape(x), axis, keepdims)
        * exp(x - expand(ans, _shape(x), axis, keepdims))
    ],
    save_output=True,
    rules=["x̄ = ḡ · softmax(x) = ḡ · exp(x - y)"],
    hint="axis must be in range for the tensor's ndim.",
    math="y = log Σ_axis eˣ",
)


def _softmax_forward(x: Any, axis: int = -1) -> Any:
    x = np.asarray(x)
    e = np.exp(x - _stable_shift(x, axis))
    return e / np.sum(e, axis=axis, keepdims=True)


softmax: Op = Op(
    "softmax",
    _softmax_forward,
    [lambda g, ans, x, axis=-1: ans * (g - sum_(g * ans, axis=axis, keepdims=True))],
    save_inputs=False,
    save_output=True,
    rules=["x̄ = y ⊙ (ḡ - Σ_axis ḡ ⊙ y)"],
    hint="axis must be in range for the tensor's ndim.",
    math="y = eˣ / Σ_axis eˣ",
)


def _log_softmax_forward(x: Any, axis: int = -1) -> Any:
    x = np.asarray(x)
    shifted = x - _stable_shift(x, axis)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


log_softmax: Op = Op(
    "log_softmax",
    _log_softmax_forward,
    [lambda g, ans, x, axis=-1: g - exp(ans) * sum_(g, axis=axis, keepdims=True)],
    save_inputs=False,
    save_output=True,
    rules=["x̄ = ḡ - softmax(x) · Σ_axis ḡ = ḡ - exp(y) Σ ḡ"],
    hint="axis must be in range for the tensor's ndim.",
    math="y = x - log Σ_axis eˣ",
)


# ---------------------------------------------------------------- sum of squares


def _sum_squares_forward(*xs: Any) -> Any:
    # Σᵢ Σ xᵢ²: the L2 penalty of a whole model as one node
    return sum(np.vdot(x, x) for x in xs)


def _sum_squares_vjp(g: Any, ans: Any, values: Any, needs: Any) -> list[Any]:
    return [(g * 2.0) * x if need else None for x, need in zip(values, needs)]


sum_squares: Op = Op(
    "sum_squares",
    _sum_squares_forward,
    vjp_all=_sum_squares_vjp,
    rules=["x̄ᵢ = 2 ḡ xᵢ"],
    hint="All inputs must be numeric tensors.",
    math="y = Σᵢ Σ xᵢ² (an L2 penalty as one node)",
)
