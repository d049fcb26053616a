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
from .registry import Op, mask, value_of
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
)

sub: Op = Op(
    "sub",
    np.subtract,
    [lambda g, ans, x, y: g, lambda g, ans, x, y: -g],
    save_inputs=False,
    rules=["x̄ = ḡ", "ȳ = -ḡ"],
    hint=_BROADCAST_HINT,
    math="out = x - y",
)

mul: Op = Op(
    "mul",
    np.multiply,
    [lambda g, ans, x, y: g * y, lambda g, ans, x, y: g * x],
    rules=["x̄ = ḡ · y", "ȳ = ḡ · x"],
    hint=_BROADCAST_HINT,
    math="out = x · y",
)

div: Op = Op(
    "div",
    np.true_divide,
    [lambda g, ans, x, y: g / y, lambda g, ans, x, y: -g * ans / y],
    save_output=True,
    rules=["x̄ = ḡ / y", "ȳ = -ḡ · x / y²"],
    hint=_BROADCAST_HINT,
    math="out = x / y",
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
)
