"""Elementwise ops of two (or three) inputs, with NumPy broadcasting.

Rules are written as if shapes matched; the engine sums each gradient down to its
input's shape. ``ḡ`` is the upstream gradient (of the output ``out``); ``x̄`` and ``ȳ``
are the gradients sent to the inputs ``x`` and ``y``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from . import unary
from .registry import Domain, Op, mask, value_of
from .selection import BROADCAST_HINT as _BROADCAST_HINT
from .selection import where

add: Op = Op(
    "add",
    np.add,
    [lambda g, ans, x, y: g, lambda g, ans, x, y: g],
    save_inputs=False,
    rules=["x̄ = ḡ", "ȳ = ḡ"],
    hint=_BROADCAST_HINT,
    math="out = x + y",
    jvp="linear",
)

sub: Op = Op(
    "sub",
    np.subtract,
    [lambda g, ans, x, y: g, lambda g, ans, x, y: -g],
    save_inputs=False,
    rules=["x̄ = ḡ", "ȳ = -ḡ"],
    hint=_BROADCAST_HINT,
    math="out = x - y",
    jvp="linear",
)

mul: Op = Op(
    "mul",
    np.multiply,
    [lambda g, ans, x, y: g * y, lambda g, ans, x, y: g * x],
    rules=["x̄ = ḡ · y", "ȳ = ḡ · x"],
    hint=_BROADCAST_HINT,
    math="out = x · y",
    jvp="bilinear",
)

div: Op = Op(
    "div",
    np.true_divide,
    [lambda g, ans, x, y: g / y, lambda g, ans, x, y: -g * ans / y],
    save_output=True,
    rules=["x̄ = ḡ / y", "ȳ = -ḡ · x / y²"],
    hint=_BROADCAST_HINT,
    math="out = x / y",
    jvp="elementwise",
)


def _pow_base_vjp(g: Any, ans: Any, x: Any, y: Any) -> Any:
    # d(xʸ)/dx = y·x^(y-1), taken as 0 where y = 0 (like PyTorch): x⁰ = 1 is constant, even at
    # x = 0, where 0·x⁻¹ would give nan
    zero_y = value_of(y) == 0
    if zero_y is False or not np.any(zero_y):  # the common case (x ** 2): no mask needed
        return g * y * x ** (y - 1)
    # the masked entries compute 1·x⁰ = 1 instead of 0·x⁻¹ (double where: with
    # create_graph, no 0·inf reaches the second derivative through the discarded branch)
    safe_y = where(zero_y, 1.0, y) if isinstance(y, (Tensor, np.ndarray)) else 1.0
    return where(zero_y, 0.0, g * safe_y * x ** (safe_y - 1))


def _pow_exponent_vjp(g: Any, ans: Any, x: Any, y: Any) -> Any:
    # d(xʸ)/dy = xʸ·log x, taken as 0 where x = 0 and y ≥ 0 (like PyTorch: the limit of
    # xʸ·log x at x → 0⁺ for y > 0, and x⁰ = 1 is constant in y); x < 0 gives nan
    at_zero = (value_of(x) == 0) & (value_of(y) >= 0)
    if not np.any(at_zero):
        return g * ans * unary.log(x)
    # the masked entries compute 1ʸ·log 1 = 0 from x = 1, not from ans and x = 0, so the
    # second derivatives through them stay finite (0, not 0·inf)
    safe_x = where(at_zero, 1.0, x) if isinstance(x, (Tensor, np.ndarray)) else 1.0
    return where(at_zero, 0.0, g * safe_x**y * unary.log(safe_x))


pow_: Op = Op(
    "pow",
    np.power,
    [_pow_base_vjp, _pow_exponent_vjp],
    save_output=True,
    rules=[
        "x̄ = ḡ · y · x^(y-1)   (0 where y = 0)",
        "ȳ = ḡ · x^y · log(x)   (0 where x = 0, y ≥ 0)",
    ],
    hint=_BROADCAST_HINT,
    math="out = x^y",
    jvp="elementwise",
)


def _tie_mask(x: Any, y: Any, g: Any) -> Any:
    # the input that wins gets the gradient; at a tie it is split evenly
    xv, yv = value_of(x), value_of(y)
    return mask(np.where(xv > yv, 1.0, np.where(xv == yv, 0.5, 0.0)), g)


maximum: Op = Op(
    "maximum",
    np.maximum,
    [
        lambda g, ans, x, y: g * _tie_mask(x, y, g),
        lambda g, ans, x, y: g * _tie_mask(y, x, g),
    ],
    rules=["x̄ = ḡ · [x > y] (+ ḡ/2 at ties)", "ȳ = ḡ · [y > x] (+ ḡ/2 at ties)"],
    hint=_BROADCAST_HINT,
    math="out = max(x, y)",
    jvp="elementwise",
)

minimum: Op = Op(
    "minimum",
    np.minimum,
    [
        lambda g, ans, x, y: g * _tie_mask(y, x, g),
        lambda g, ans, x, y: g * _tie_mask(x, y, g),
    ],
    rules=["x̄ = ḡ · [x < y] (+ ḡ/2 at ties)", "ȳ = ḡ · [y < x] (+ ḡ/2 at ties)"],
    hint=_BROADCAST_HINT,
    math="out = min(x, y)",
    jvp="elementwise",
)


# ---------------------------------------------------------------- issue 13: elementwise math of two inputs
# Rules are written with the table's ops (they also run on Tensors under create_graph=True).
# Where a denominator vanishes at one point (arctan2 and hypot at the origin), it is
# replaced by 1 there: the numerator is 0 at that point, so the gradient is 0 (like the
# norm at 0), never 0/0 = nan, and no nan reaches a second derivative.


def _nonzero(d: Any) -> Any:
    """``d`` with its exact zeros replaced by 1 (a safe denominator)."""
    zero = value_of(d) == 0
    if not np.any(zero):
        return d
    return where(zero, 1.0, d)


def _arctan2_x(g: Any, ans: Any, x: Any, y: Any) -> Any:
    return g * y / _nonzero(x * x + y * y)


def _arctan2_y(g: Any, ans: Any, x: Any, y: Any) -> Any:
    return -g * x / _nonzero(x * x + y * y)


arctan2: Op = Op(
    "arctan2",
    np.arctan2,
    [_arctan2_x, _arctan2_y],
    rules=["x̄ = ḡ · y / (x² + y²)   (0 at x = y = 0)", "ȳ = -ḡ · x / (x² + y²)   (0 at x = y = 0)"],
    hint=_BROADCAST_HINT,
    math="out = atan2(x, y)   (the angle of the point (y, x); NumPy's argument order)",
    doc="Elementwise arctan(x/y) in the correct quadrant (np.arctan2(x1, x2)); a jump "
    "across y < 0, x = 0, and gradient 0 at the origin.",
    # x away from 0: the jump of atan2 lies on x = 0, y < 0
    domain=Domain((-2.0, 2.0), (-2.0, 2.0), avoid=(0.0,), margin=0.2),
    public=True,
    method=True,
    jvp="elementwise",
)

hypot: Op = Op(
    "hypot",
    np.hypot,
    [
        lambda g, ans, x, y: g * x / _nonzero(ans),
        lambda g, ans, x, y: g * y / _nonzero(ans),
    ],
    save_output=True,
    rules=["x̄ = ḡ · x / out   (0 at x = y = 0)", "ȳ = ḡ · y / out   (0 at x = y = 0)"],
    hint=_BROADCAST_HINT,
    math="out = √(x² + y²)",
    doc="Elementwise √(x² + y²) without overflow; its gradient at the origin is 0 (like a norm's).",
    domain=Domain((-2.0, 2.0), (-2.0, 2.0), avoid=(0.0,), margin=0.2),
    public=True,
    method=True,
    jvp="elementwise",
)

logaddexp: Op = Op(
    "logaddexp",
    np.logaddexp,
    # e^(x - out) = eˣ/(eˣ + eʸ) ≤ 1: never overflows
    [lambda g, ans, x, y: g * unary.exp(x - ans), lambda g, ans, x, y: g * unary.exp(y - ans)],
    save_output=True,
    rules=["x̄ = ḡ · eˣ / (eˣ + eʸ) = ḡ · e^(x - out)", "ȳ = ḡ · e^(y - out)"],
    hint=_BROADCAST_HINT,
    math="out = log(eˣ + eʸ)",
    doc="Elementwise log(eˣ + eʸ), stable for large |x| and |y|.",
    domain=Domain((-3.0, 3.0), (-3.0, 3.0)),
    public=True,
    method=True,
    jvp="elementwise",
)

logaddexp2: Op = Op(
    "logaddexp2",
    np.logaddexp2,
    [lambda g, ans, x, y: g * unary.exp2(x - ans), lambda g, ans, x, y: g * unary.exp2(y - ans)],
    save_output=True,
    rules=["x̄ = ḡ · 2ˣ / (2ˣ + 2ʸ) = ḡ · 2^(x - out)", "ȳ = ḡ · 2^(y - out)"],
    hint=_BROADCAST_HINT,
    math="out = log₂(2ˣ + 2ʸ)",
    doc="Elementwise log₂(2ˣ + 2ʸ), stable for large |x| and |y|.",
    domain=Domain((-3.0, 3.0), (-3.0, 3.0)),
    public=True,
    method=True,
    jvp="elementwise",
)


def _first_wins(xv: Any, yv: Any, better: Any) -> Any:
    # fmax/fmin (PyTorch): x gets the gradient where it is chosen, at ties, and where y is
    # nan (fmax/fmin ignore a nan); y gets it everywhere else
    return better(xv, yv) | np.isnan(yv)


def _fmax_mask(x: Any, y: Any, g: Any, first: bool) -> Any:
    wins = _first_wins(value_of(x), value_of(y), np.greater_equal)
    return mask(wins if first else ~wins, g)


def _fmin_mask(x: Any, y: Any, g: Any, first: bool) -> Any:
    wins = _first_wins(value_of(x), value_of(y), np.less_equal)
    return mask(wins if first else ~wins, g)


fmax: Op = Op(
    "fmax",
    np.fmax,
    [
        lambda g, ans, x, y: g * _fmax_mask(x, y, g, True),
        lambda g, ans, x, y: g * _fmax_mask(x, y, g, False),
    ],
    rules=["x̄ = ḡ · [x ≥ y or y is nan]", "ȳ = ḡ · [x < y or x is nan, y not nan]"],
    hint=_BROADCAST_HINT,
    math="out = max(x, y), ignoring a nan",
    doc="Elementwise maximum that ignores nan (nan only where both are); at ties the "
    "gradient goes to x (PyTorch's fmax).",
    domain=Domain((-2.0, 2.0), (-2.0, 2.0)),
    public=True,
    method=True,
    jvp="elementwise",
)

fmin: Op = Op(
    "fmin",
    np.fmin,
    [
        lambda g, ans, x, y: g * _fmin_mask(x, y, g, True),
        lambda g, ans, x, y: g * _fmin_mask(x, y, g, False),
    ],
    rules=["x̄ = ḡ · [x ≤ y or y is nan]", "ȳ = ḡ · [x > y or x is nan, y not nan]"],
    hint=_BROADCAST_HINT,
    math="out = min(x, y), ignoring a nan",
    doc="Elementwise minimum that ignores nan (nan only where both are); at ties the "
    "gradient goes to x (PyTorch's fmin).",
    domain=Domain((-2.0, 2.0), (-2.0, 2.0)),
    public=True,
    method=True,
    jvp="elementwise",
)


def _copysign_x(g: Any, ans: Any, x: Any, y: Any) -> Any:
    # out = |x|·sign(y): ∂out/∂x = sign(x)·sign(y) = out/x, taken as 0 at x = 0 (PyTorch)
    xv = value_of(x)
    return g * mask(np.where(xv == 0, 0.0, np.sign(xv) * np.copysign(1.0, value_of(y))), g)


def _zero_like_output(g: Any, ans: Any, x: Any, y: Any) -> Any:
    # exact zeros of ḡ's dtype and shape (PyTorch: zeros_like); a Tensor under create_graph
    return where(np.zeros(np.shape(value_of(g)), dtype=bool), g, 0.0)


copysign: Op = Op(
    "copysign",
    np.copysign,
    [_copysign_x, _zero_like_output],
    rules=["x̄ = ḡ · sign(x) · sign(y) = ḡ · out / x   (0 at x = 0)", "ȳ = 0   (piecewise constant)"],
    hint=_BROADCAST_HINT,
    math="out = |x| · sign(y)   (the sign bit of y, so -0.0 counts as negative)",
    doc="Elementwise |x| with the sign of y; no gradient flows to y (PyTorch).",
    domain=Domain((-2.0, 2.0), (-2.0, 2.0), avoid=(0.0,), margin=0.2),
    public=True,
    method=True,
    jvp="elementwise",
)


def _remainder_y(g: Any, ans: Any, x: Any, y: Any) -> Any:
    # x mod y = x - y·⌊x/y⌋ with ⌊x/y⌋ piecewise constant: ∂/∂y = -⌊x/y⌋ (PyTorch)
    return -g * mask(np.floor_divide(value_of(x), value_of(y)), g)


remainder: Op = Op(
    "remainder",
    np.remainder,
    [lambda g, ans, x, y: g, _remainder_y],
    rules=["x̄ = ḡ", "ȳ = -ḡ · ⌊x / y⌋"],
    hint=_BROADCAST_HINT,
    math="out = x - y · ⌊x / y⌋   (the sign of y: Python's %, np.mod, torch.remainder)",
    doc="Elementwise floor-mod x - y·⌊x/y⌋ (Python's ``%``, ``np.mod``, ``torch.remainder``); "
    "jumps where x/y is an integer.",
    public=True,
    method=True,
    jvp="elementwise",
)

floor_divide: Op = Op(
    "floor_divide",
    np.floor_divide,
    [_zero_like_output, _zero_like_output],
    save_inputs=False,
    rules=["x̄ = 0   (piecewise constant)", "ȳ = 0   (piecewise constant)"],
    hint=_BROADCAST_HINT,
    math="out = ⌊x / y⌋",
    doc="Elementwise ⌊x/y⌋ (Python's ``//``); its gradient is 0 everywhere.",
    public=True,
    method=True,
    jvp="elementwise",
)


def _lerp_forward(start: Any, end: Any, weight: Any) -> Any:
    # PyTorch's two-sided form: exact at both ends (weight 0 gives start, 1 gives end)
    return np.where(
        np.asarray(weight) < 0.5, start + weight * (end - start), end - (end - start) * (1.0 - weight)
    )


lerp: Op = Op(
    "lerp",
    _lerp_forward,
    [
        lambda g, ans, s, e, w: g * (1.0 - w),
        lambda g, ans, s, e, w: g * w,
        lambda g, ans, s, e, w: g * (e - s),
    ],
    rules=["start̄ = ḡ · (1 - weight)", "end̄ = ḡ · weight", "weight̄ = ḡ · (end - start)"],
    hint=_BROADCAST_HINT,
    math="out = start + weight · (end - start)",
    jvp="elementwise",
)
