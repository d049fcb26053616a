"""Scans along one axis: ``cumsum``, ``cumprod``, ``logcumsumexp``, ``diff``, and the
gathers along an axis that ``cummax``/``cummin`` (and, in :mod:`.reduction`, ``sort``,
``topk`` and ``median``) are made of.

Every entry takes one non-negative ``axis`` (the public functions in
:mod:`.reductions_api` validate it). The rules are written with library ops only, so they
also run on Tensors under ``create_graph=True``:

- ``cumsum``'s VJP is the reversed cumulative sum of ḡ;
- ``cumprod``'s VJP and JVP never divide by zero: with no zero in a slice they are
  ``revcumsum(ḡ·y)/x`` and ``y·cumsum(ṫ/x)``; where a slice holds zeros, the entries
  before its first zero use those formulas (they divide by non-zero values only), the
  first zero gets the product of the entries before it times the upstream terms after
  it (a cumulative product that skips it), and every entry after the first zero gets 0
  in value (each of its partial derivatives still holds the first zero as a factor).
  When the rule runs on Tensors (``create_graph``, nested forward mode) that 0 is
  written as what it is, x_z · (Π_{j<z} xⱼ) · (the same rule on the entries after z),
  level by level over the zeros of the slice (a loop, no recursion), so the rule is an
  identity in x near the point and its own derivatives, of every order, are exact too;
- ``logcumsumexp``'s rules split the gradient (tangent) into its positive and negative
  parts and sum them in log space, as PyTorch and TensorFlow do: no overflow even when
  the values along the axis span thousands;
- the gathers (``x[index]`` with an index computed from the values: cumulative maxima,
  sorting ...) send ḡ back to the gathered positions (repeated positions add up), and
  their forward-mode rule is the gather of the tangent (``jvp="linear"``: for a fixed
  index the op is linear).

Sums with ``keepdims`` inside the rules are written with ``sum_to`` (the core's sum to a
shape), because the reductions sit above this module.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from .registry import Op, dtype_of, mask, value_of
from .selection import where
from .shape import getitem, index_add, shape_of, sum_to
from .unary import exp, log

# ---------------------------------------------------------------- helpers (library ops only)


def _along(axis: int, item: Any) -> tuple[Any, ...]:
    """The basic index that applies ``item`` (a slice or int) to ``axis`` only."""
    return (slice(None),) * axis + (item,)


def flip(v: Any, axis: int) -> Any:
    """``v`` reversed along ``axis`` (a ``getitem`` with step -1: differentiable)."""
    return getitem(v, index=_along(axis, slice(None, None, -1)))


def reverse_cumsum(v: Any, axis: int) -> Any:
    """Σ_{k ≥ i} v_k along ``axis`` (the transpose of ``cumsum``)."""
    return flip(cumsum(flip(v, axis), axis=axis), axis)


def kept_shape(shape: tuple[int, ...], axis: int) -> tuple[int, ...]:
    """``shape`` with ``axis`` reduced to size 1."""
    return (*shape[:axis], 1, *shape[axis + 1 :])


def positions(shape: tuple[int, ...], axis: int) -> np.ndarray:
    """0, 1, … n-1 along ``axis``, shaped to broadcast against ``shape``."""
    out_shape = [1] * len(shape)
    out_shape[axis] = shape[axis]
    return np.arange(shape[axis]).reshape(out_shape)


def along_axis_index(index: np.ndarray, axis: int) -> tuple[np.ndarray, ...]:
    """The NumPy index that picks ``index[..., i, ...]`` along ``axis`` (like
    ``np.take_along_axis``; ``index`` has the tensor's ndim), as one tuple for ``x[...]``."""
    index = np.asarray(index)
    grids = np.indices(index.shape, sparse=True)
    return tuple(index if d == axis else grids[d] for d in range(index.ndim))


# ---------------------------------------------------------------- cumsum


def _cumsum_forward(x: Any, axis: int = 0) -> Any:
    return np.cumsum(x, axis=axis)


cumsum: Op = Op(
    "cumsum",
    _cumsum_forward,
    [lambda g, ans, x, axis=0: reverse_cumsum(g, axis)],
    save_inputs=False,
    rules=["x̄ᵢ = Σ_{k ≥ i} ḡₖ (the reversed cumulative sum of ḡ)"],
    hint="axis must be in range for the tensor's ndim.",
    math="yₖ = Σ_{i ≤ k} xᵢ along the axis",
    jvp="linear",
)

# ---------------------------------------------------------------- cumprod


def _cumprod_forward(x: Any, axis: int = 0) -> Any:
    return np.cumprod(x, axis=axis)


def _first_zero(xv: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions along ``axis`` and, per slice, the index of its first zero (n if none)."""
    zero = xv == 0
    n = xv.shape[axis]
    first = np.where(np.any(zero, axis=axis, keepdims=True), np.argmax(zero, axis=axis, keepdims=True), n)
    return positions(xv.shape, axis), first


def _last(v: Any, axis: int) -> Any:
    return getitem(v, index=_along(axis, slice(-1, None)))


def _zero_split(x: Any, xv: np.ndarray, axis: int) -> tuple[Any, ...]:
    """The pieces both rules use at a slice's first zero z (z = n in a slice without one):
    positions, z, the mask "before z", x with 1 from z on, Π_{j<z} xⱼ (kept shape) and the
    cumulative product of the entries after z (1 up to z)."""
    pos, z = _first_zero(xv, axis)
    before = pos < z
    safe = where(before, x, 1.0)
    lead = _last(cumprod(safe, axis=axis), axis)
    tail = cumprod(where(pos > z, x, 1.0), axis=axis)
    return pos, z, before, safe, lead, tail


def _next_level(x: Any, pos: np.ndarray, z: np.ndarray, lead: Any, like: Any, axis: int) -> tuple[Any, Any]:
    """For the entries after the first zero: their factor x_z · Π_{j<z} xⱼ (0 elsewhere) and
    the input of the next level (x with 1 up to z), whose cumulative product is ``tail``."""
    after = pos > z
    x_z = sum_to(x * mask(pos == z, x), shape=kept_shape(shape_of(x), axis))
    return mask(after, like) * x_z * lead, where(after, x, 1.0)


def _cumprod_vjp(g: Any, ans: Any, x: Any, axis: int = 0) -> Any:
    # x̄ᵢ = Σ_{k ≥ i} ḡₖ Π_{j ≤ k, j ≠ i} xⱼ, written without dividing by zero (module doc)
    xv = np.asarray(value_of(x))
    if not np.any(xv == 0):
        return reverse_cumsum(g * ans, axis) / x
    out: Any = None
    coef: Any = None
    kept = kept_shape(xv.shape, axis)
    while True:
        pos, z, before, safe, lead, tail = _zero_split(x, xv, axis)
        # i < z: Σ_{k ≥ i} ḡₖ yₖ / xᵢ (yₖ = 0 from the first zero on, in value)
        level = where(before, reverse_cumsum(g * ans, axis) / safe, 0.0)
        # i = z: (Π_{j < z} xⱼ) · Σ_{k ≥ z} ḡₖ Π_{z < j ≤ k} xⱼ
        level = level + mask(pos == z, g) * lead * sum_to(g * tail * mask(pos >= z, g), shape=kept)
        out = level if coef is None else out + coef * level
        if not isinstance(x, Tensor):
            return out  # arrays: the entries after z get 0, and nothing differentiates it
        # i > z: x̄ᵢ = x_z · (Π_{j<z} xⱼ) · Σ_{k ≥ i} ḡₖ Π_{z<j≤k, j≠i} xⱼ: this rule again, on the
        # entries after z (0 in value, but not its derivatives in x_z and beyond)
        factor, x = _next_level(x, pos, z, lead, g, axis)
        coef = factor if coef is None else coef * factor
        g, ans = g * mask(pos > z, g), tail
        xv = np.asarray(value_of(x))
        if not np.any(xv == 0):
            return out + coef * (reverse_cumsum(g * ans, axis) / x)


def _cumprod_jvp(tangents: list[Any], ans: Any, x: Any, axis: int = 0) -> Any:
    """ẏₖ = Σ_{i ≤ k} ẋᵢ Π_{j ≤ k, j ≠ i} xⱼ (= yₖ Σ_{i ≤ k} ẋᵢ / xᵢ before a slice's first zero)"""
    # split like the VJP at the first zero, level by level on Tensors
    t = tangents[0]
    xv = np.asarray(value_of(x))
    if not np.any(xv == 0):
        return ans * cumsum(t / x, axis=axis)
    out: Any = None
    coef: Any = None
    kept = kept_shape(xv.shape, axis)
    while True:
        pos, z, before, safe, lead, tail = _zero_split(x, xv, axis)
        # i < z: ẋᵢ yₖ / xᵢ, for every k (yₖ = 0 for k ≥ z in value, not in its derivatives)
        level = ans * cumsum(where(before, t, 0.0) / safe, axis=axis)
        # i = z: ẋ_z (Π_{j<z} xⱼ) Π_{z<j≤k} xⱼ for k ≥ z
        level = level + mask(pos >= z, t) * lead * sum_to(t * mask(pos == z, t), shape=kept) * tail
        out = level if coef is None else out + coef * level
        if not isinstance(x, Tensor):
            return out
        # i > z: x_z · (Π_{j<z} xⱼ) · (this rule on the entries after z, with their tangents)
        factor, x = _next_level(x, pos, z, lead, t, axis)
        coef = factor if coef is None else coef * factor
        t, ans = t * mask(pos > z, t), tail
        xv = np.asarray(value_of(x))
        if not np.any(xv == 0):
            return out + coef * (ans * cumsum(t / x, axis=axis))


cumprod: Op = Op(
    "cumprod",
    _cumprod_forward,
    [_cumprod_vjp],
    save_output=True,
    rules=[
        "x̄ᵢ = Σ_{k ≥ i} ḡₖ Π_{j ≤ k, j ≠ i} xⱼ (= revcumsum(ḡ·y)ᵢ / xᵢ before a slice's first "
        "zero; at the first zero the product of the entries before it times Σ_{k ≥ z} ḡₖ Π_{z < j ≤ k} xⱼ; "
        "after it x_z · Π_{j < z} xⱼ · the same rule on the entries after z, 0 in value: "
        "exact to every order)"
    ],
    hint="axis must be in range for the tensor's ndim.",
    math="yₖ = Π_{i ≤ k} xᵢ along the axis",
    jvp=_cumprod_jvp,
)

# ---------------------------------------------------------------- logcumsumexp


def _logcumsumexp_forward(x: Any, axis: int = 0) -> Any:
    # log(e^a + e^b) pairwise, exactly as np.logaddexp computes it: no overflow
    return np.logaddexp.accumulate(x, axis=axis)


def _signed_log_parts(v: Any) -> tuple[Any, Any]:
    """log v⁺ and log v⁻ (v = v⁺ - v⁻), with -1e30 standing for log 0.

    -1e30 (a Python float, which keeps float32 float32) is far below any log of a
    representable number, so its exponential is 0, yet sums with it cannot overflow
    (the most negative float would, in the second derivative's sums).
    """
    vv = value_of(v)
    low = -1e30
    pos, neg = vv > 0, vv < 0
    log_pos = where(pos, log(where(pos, v, 1.0)), low)
    log_neg = where(neg, log(where(neg, -v, 1.0)), low)
    return log_pos, log_neg


def _logcumsumexp_vjp(g: Any, ans: Any, x: Any, axis: int = 0) -> Any:
    # x̄ⱼ = Σ_{k ≥ j} ḡₖ e^{xⱼ - yₖ}, summed in log space for each sign of ḡ
    log_pos, log_neg = _signed_log_parts(g)
    up = flip(logcumsumexp(flip(log_pos - ans, axis), axis=axis), axis)
    down = flip(logcumsumexp(flip(log_neg - ans, axis), axis=axis), axis)
    return exp(up + x) - exp(down + x)


def _logcumsumexp_jvp(tangents: list[Any], ans: Any, x: Any, axis: int = 0) -> Any:
    """ẏₖ = Σ_{j ≤ k} ẋⱼ · exp(xⱼ - yₖ) (summed in log space for each sign of ẋ)"""
    log_pos, log_neg = _signed_log_parts(tangents[0])
    up = logcumsumexp(log_pos + x, axis=axis)
    down = logcumsumexp(log_neg + x, axis=axis)
    return exp(up - ans) - exp(down - ans)


logcumsumexp: Op = Op(
    "logcumsumexp",
    _logcumsumexp_forward,
    [_logcumsumexp_vjp],
    save_output=True,
    rules=["x̄ⱼ = Σ_{k ≥ j} ḡₖ · exp(xⱼ - yₖ) (summed in log space per sign of ḡ)"],
    hint="axis must be in range for the tensor's ndim.",
    math="yₖ = log Σ_{i ≤ k} e^{xᵢ} along the axis",
    jvp=_logcumsumexp_jvp,
)

# ---------------------------------------------------------------- diff


def _diff_forward(x: Any, axis: int = 0) -> Any:
    return np.diff(x, axis=axis)


def _diff_vjp(g: Any, ans: Any, x: Any, axis: int = 0) -> Any:
    # y_k = x_{k+1} - x_k: x̄ gets +ḡ shifted up one place and -ḡ in place
    shape, dtype = shape_of(x), dtype_of(x)
    upper = index_add(g, index=_along(axis, slice(1, None)), shape=shape, dtype=dtype)
    lower = index_add(g, index=_along(axis, slice(None, -1)), shape=shape, dtype=dtype)
    return upper - lower


diff: Op = Op(
    "diff",
    _diff_forward,
    [_diff_vjp],
    save_inputs=False,
    rules=["x̄ₖ = ḡₖ₋₁ - ḡₖ (ḡ₋₁ = ḡₙ₋₁ = 0)"],
    hint="axis must be in range for the tensor's ndim.",
    math="yₖ = xₖ₊₁ - xₖ along the axis (once; diff(x, n) applies it n times)",
    jvp="linear",
)

# ---------------------------------------------------------------- gathers along an axis


def _gather_forward(x: Any, index: Any = None) -> Any:
    return np.asarray(x)[index]


def _gather_vjp(g: Any, ans: Any, x: Any, index: Any = None) -> Any:
    return index_add(g, index=index, shape=shape_of(x), dtype=dtype_of(x))


def gather_op(name: str, math: str, rule: str) -> Op:
    """An entry ``y = x[index]`` whose ``index`` (from :func:`along_axis_index`) the public
    function computed from the values; ḡ goes back to the gathered positions."""
    return Op(
        name,
        _gather_forward,
        [_gather_vjp],
        save_inputs=False,
        rules=[rule],
        math=math,
        jvp="linear",
    )


cummax: Op = gather_op(
    "cummax",
    "yₖ = max_{i ≤ k} xᵢ along the axis (indices: the last position of the running maximum)",
    "x̄ᵢ = Σ ḡₖ over the k whose running maximum sits at i",
)

cummin: Op = gather_op(
    "cummin",
    "yₖ = min_{i ≤ k} xᵢ along the axis (indices: the last position of the running minimum)",
    "x̄ᵢ = Σ ḡₖ over the k whose running minimum sits at i",
)
