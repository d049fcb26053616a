"""Elementwise ops of one tensor input: forward and VJP side by side.

Notation: ``y = f(x)`` is the output (``ans`` in rules), ``ḡ`` the upstream gradient
(``g``) and ``x̄`` the gradient sent to the input.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .registry import Domain, Op, mask, value_of
from .selection import where

# ---------------------------------------------------------------- arithmetic and powers

neg: Op = Op(
    "neg",
    np.negative,
    [lambda g, ans, x: -g],
    save_inputs=False,
    rules=["x̄ = -ḡ"],
    math="y = -x",
)

exp: Op = Op(
    "exp",
    np.exp,
    [lambda g, ans, x: g * ans],  # reuse y = exp(x)
    save_inputs=False,
    save_output=True,
    rules=["x̄ = ḡ · exp(x) = ḡ · y"],
    math="y = eˣ",
    doc="Elementwise exponential eˣ.",
    domain=Domain((-2.0, 2.0)),
    public=True,
    method=True,
)

log: Op = Op(
    "log",
    np.log,
    [lambda g, ans, x: g / x],
    rules=["x̄ = ḡ / x"],
    hint="log is defined for x > 0; clip the input (am.clip(x, 1e-12, None)) first.",
    math="y = ln x",
    doc="Elementwise natural logarithm (x > 0).",
    domain=Domain((0.5, 2.0)),
    public=True,
    method=True,
)

sqrt: Op = Op(
    "sqrt",
    np.sqrt,
    [lambda g, ans, x: g / (2.0 * ans)],
    save_inputs=False,
    save_output=True,
    rules=["x̄ = ḡ / (2·sqrt(x)) = ḡ / (2y)"],
    math="y = √x",
    doc="Elementwise square root √x (x ≥ 0).",
    domain=Domain((0.5, 2.0)),
    public=True,
    method=True,
)

abs_: Op = Op(
    "abs",
    np.abs,
    # subgradient at 0 is taken as 0 (sign(0) = 0), like PyTorch
    [lambda g, ans, x: g * np.sign(value_of(x))],
    rules=["x̄ = ḡ · sign(x)   (abs'(0) = 0)"],
    math="y = |x|",
    doc="Elementwise absolute value |x|; its derivative at 0 is taken as 0 (PyTorch).",
    domain=Domain((-2.0, 2.0), avoid=(0.0,), margin=0.2),
    public=True,
    method=True,
)

# ---------------------------------------------------------------- trigonometric

sin: Op = Op(
    "sin",
    np.sin,
    [lambda g, ans, x: g * cos(x)],
    rules=["x̄ = ḡ · cos(x)"],
    math="y = sin x",
    doc="Elementwise sine.",
    domain=Domain((-3.0, 3.0)),
    public=True,
    method=True,
)

cos: Op = Op(
    "cos",
    np.cos,
    [lambda g, ans, x: -g * sin(x)],
    rules=["x̄ = -ḡ · sin(x)"],
    math="y = cos x",
    doc="Elementwise cosine.",
    domain=Domain((-3.0, 3.0)),
    public=True,
    method=True,
)

tan: Op = Op(
    "tan",
    np.tan,
    [lambda g, ans, x: g * (1.0 + ans * ans)],  # reuse y = tan(x): tan' = 1 + tan²
    save_inputs=False,
    save_output=True,
    rules=["x̄ = ḡ · (1 + tan(x)²) = ḡ · (1 + y²)"],
    math="y = tan x",
    doc="Elementwise tangent (poles at π/2 + kπ).",
    domain=Domain((-1.2, 1.2)),
    public=True,
    method=True,
)

tanh: Op = Op(
    "tanh",
    np.tanh,
    [lambda g, ans, x: g * (1.0 - ans * ans)],
    save_inputs=False,
    save_output=True,
    rules=["x̄ = ḡ · (1 - tanh(x)²) = ḡ · (1 - y²)"],
    math="y = tanh x",
    doc="Elementwise hyperbolic tangent.",
    domain=Domain((-2.0, 2.0)),
    public=True,
    method=True,
)

# ---------------------------------------------------------------- activations


def _sigmoid_forward(x: Any) -> Any:
    # stable for |x| ~ 1000: exp is only ever taken of -|x|
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(np.result_type(x, e), copy=False)


sigmoid: Op = Op(
    "sigmoid",
    _sigmoid_forward,
    [lambda g, ans, x: g * ans * (1.0 - ans)],
    save_inputs=False,
    save_output=True,
    rules=["x̄ = ḡ · σ(x)(1 - σ(x)) = ḡ · y(1 - y)"],
    math="y = 1 / (1 + e⁻ˣ)",
    doc="The logistic function σ(x) = 1/(1 + e⁻ˣ), stable for any |x|.",
    domain=Domain((-3.0, 3.0)),
    public=True,
    method=True,
)


def _relu_forward(x: Any) -> Any:
    return np.maximum(x, 0)


relu: Op = Op(
    "relu",
    _relu_forward,
    # relu'(0) = 0 (the subgradient PyTorch uses)
    [lambda g, ans, x: g * (value_of(x) > 0)],  # float × bool keeps the float dtype
    rules=["x̄ = ḡ · [x > 0]   (relu'(0) = 0)"],
    math="y = max(x, 0)",
    doc="max(x, 0); its derivative at 0 is taken as 0 (PyTorch).",
    domain=Domain((-2.0, 2.0), avoid=(0.0,), margin=0.2),
    public=True,
    method=True,
)


def _leaky_relu_forward(x: Any, negative_slope: float = 0.01) -> Any:
    return np.where(x > 0, x, x * negative_slope)


leaky_relu: Op = Op(
    "leaky_relu",
    _leaky_relu_forward,
    # at x = 0 the slope is negative_slope, like PyTorch
    [lambda g, ans, x, negative_slope=0.01: g * mask(np.where(value_of(x) > 0, 1.0, negative_slope), g)],
    rules=["x̄ = ḡ · (1 if x > 0 else negative_slope)"],
    math="y = x if x > 0 else slope·x",
)


def _elu_forward(x: Any, alpha: float = 1.0) -> Any:
    # expm1 only of the non-positive part, so no overflow for large x
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


elu: Op = Op(
    "elu",
    _elu_forward,
    # for x <= 0, d/dx α(eˣ - 1) = αeˣ = y + α
    [lambda g, ans, x, alpha=1.0: g * where(value_of(x) > 0, 1.0, ans + alpha)],
    save_output=True,
    rules=["x̄ = ḡ · (1 if x > 0 else y + α)"],
    math="y = x if x > 0 else α(eˣ - 1)",
)


def _softplus_forward(x: Any) -> Any:
    # log(1 + eˣ) = max(x, 0) + log1p(e^{-|x|}): finite for |x| ~ 1000
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


softplus: Op = Op(
    "softplus",
    _softplus_forward,
    [lambda g, ans, x: g * sigmoid(x)],
    rules=["x̄ = ḡ · σ(x)"],
    math="y = log(1 + eˣ)",
    doc="log(1 + eˣ), stable for any |x|.",
    domain=Domain((-3.0, 3.0)),
    public=True,
    method=True,
)


def _clip_forward(x: Any, lo: float | None = None, hi: float | None = None) -> Any:
    return np.clip(x, lo, hi)


def _clip_mask(x: Any, lo: float | None, hi: float | None) -> Any:
    inside = np.ones(np.shape(x), dtype=bool)
    if lo is not None:
        inside &= x >= lo
    if hi is not None:
        inside &= x <= hi
    return inside


clip: Op = Op(
    "clip",
    _clip_forward,
    # gradient passes where lo <= x <= hi (bounds included, like PyTorch's clamp)
    [lambda g, ans, x, lo=None, hi=None: g * mask(_clip_mask(value_of(x), lo, hi), g)],
    rules=["x̄ = ḡ · [lo ≤ x ≤ hi]"],
    math="y = min(max(x, lo), hi)",
)


def _astype_forward(x: Any, dtype: Any = None) -> Any:
    return np.asarray(x).astype(dtype, copy=False)


astype: Op = Op(
    "astype",
    _astype_forward,
    [lambda g, ans, x, dtype=None: astype(g, dtype=np.asarray(value_of(x)).dtype)],
    save_inputs=False,
    rules=["x̄ = ḡ cast back to x's dtype"],
    view=True,  # casting to the same dtype returns the input array itself,
    math="y = x cast to dtype",
)
