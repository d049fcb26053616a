"""Elementwise ops of two (or three) inputs, with NumPy broadcasting.

Rules are written as if shapes matched; the engine sums each gradient down to its
input's shape. ``ḡ`` is the upstream gradient (of the output ``out``); ``x̄`` and ``ȳ``
are the gradients sent to the inputs ``x`` and ``y``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .registry import Op, mask, value_of

_BROADCAST_HINT = (
    "Shapes must be equal or broadcastable (compared from the last axis, each pair equal "
    "or one of them 1): add size-1 axes with x.unsqueeze(axis) or x.reshape(...)."
)

add: Op = Op(
    "add",
    np.add,
    [lambda g, ans, x, y: g, lambda g, ans, x, y: g],
    save_inputs=False,
    rules=["x̄ = ḡ", "ȳ = ḡ"],
    hint=_BROADCAST_HINT,
)

sub: Op = Op(
    "sub",
    np.subtract,
    [lambda g, ans, x, y: g, lambda g, ans, x, y: -g],
    save_inputs=False,
    rules=["x̄ = ḡ", "ȳ = -ḡ"],
    hint=_BROADCAST_HINT,
)

mul: Op = Op(
    "mul",
    np.multiply,
    [lambda g, ans, x, y: g * y, lambda g, ans, x, y: g * x],
    rules=["x̄ = ḡ · y", "ȳ = ḡ · x"],
    hint=_BROADCAST_HINT,
)

div: Op = Op(
    "div",
    np.true_divide,
    [lambda g, ans, x, y: g / y, lambda g, ans, x, y: -g * ans / y],
    save_output=True,
    rules=["x̄ = ḡ / y", "ȳ = -ḡ · x / y²"],
    hint=_BROADCAST_HINT,
)


def _pow_exponent_vjp(g: Any, ans: Any, x: Any, y: Any) -> Any:
    # d(xʸ)/dy = xʸ·log x; at x = 0 it is taken as 0 (like PyTorch); x < 0 gives nan
    safe_x = where(value_of(x) == 0, 1.0, x)
    return g * ans * unary.log(safe_x)


pow_: Op = Op(
    "pow",
    np.power,
    [lambda g, ans, x, y: g * y * x ** (y - 1), _pow_exponent_vjp],
    save_output=True,
    rules=["x̄ = ḡ · y · x^(y-1)", "ȳ = ḡ · x^y · log(x)"],
    hint=_BROADCAST_HINT,
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
)


def _where_forward(condition: Any, x: Any, y: Any) -> Any:
    return np.where(condition, x, y)


where: Op = Op(
    "where",
    _where_forward,
    [
        None,
        lambda g, ans, c, x, y: where(c, g, 0.0),
        lambda g, ans, c, x, y: where(c, 0.0, g),
    ],
    save_inputs=False,
    rules=[
        "(condition: no gradient)",
        "x̄ = ḡ where condition, else 0",
        "ȳ = ḡ where not condition, else 0",
    ],
    hint=_BROADCAST_HINT,
)

from . import unary  # noqa: E402  (pow's exponent rule uses log; unary imports where)
