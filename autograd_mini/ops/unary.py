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
    jvp="linear",
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
    jvp="elementwise",
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
    jvp="elementwise",
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
    jvp="elementwise",
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
    jvp="elementwise",
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
    jvp="elementwise",
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
    jvp="elementwise",
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
    jvp="elementwise",
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
    jvp="elementwise",
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
    jvp="elementwise",
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
    jvp="elementwise",
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
    jvp="elementwise",
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
    jvp="elementwise",
)


def _softplus_forward(x: Any, beta: float = 1.0, threshold: float | None = None) -> Any:
    # log(1 + e^z)/β with z = βx, as max(z, 0) + log1p(e^{-|z|}): finite for |z| ~ 1000.
    # With a threshold (PyTorch's, 20 in am.softplus), y = x where z > threshold.
    z = x * beta if beta != 1.0 else x
    y = np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))
    if beta != 1.0:
        y = y / beta
    if threshold is not None:
        y = np.where(z > threshold, x, y)
    return y


def _softplus_vjp(g: Any, ans: Any, x: Any, beta: float = 1.0, threshold: float | None = None) -> Any:
    # d/dx log(1 + e^{βx})/β = σ(βx); 1 above the threshold (PyTorch: βx > threshold), so
    # the gradient matches the linear branch the forward took there
    slope = sigmoid(x * beta) if beta != 1.0 else sigmoid(x)
    if threshold is not None:
        above = value_of(x) * beta > threshold
        if np.any(above):
            slope = where(above, 1.0, slope)
    return g * slope


softplus: Op = Op(
    "softplus",
    _softplus_forward,
    [_softplus_vjp],
    rules=["x̄ = ḡ · σ(βx)   (ḡ where βx > threshold)"],
    math="y = log(1 + e^(βx)) / β   (x where βx > threshold)",
    doc="log(1 + e^(βx))/β, stable for any |x|; linear above the threshold.",
    jvp="elementwise",
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
    jvp="elementwise",
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
    jvp="linear",
)


# ---------------------------------------------------------------- inverse trigonometric and hyperbolic
# (issue 13) Each rule is the textbook derivative written with the table's own ops, so it
# also runs on Tensors under create_graph=True. The check domains stay inside the open
# domains (|x| < 1 for arcsin/arccos/arctanh, x > 1 for arccosh), away from the poles.

arcsin: Op = Op(
    "arcsin",
    np.arcsin,
    [lambda g, ans, x: g / sqrt(1.0 - x * x)],
    rules=["x̄ = ḡ / √(1 - x²)"],
    math="y = arcsin x",
    doc="Elementwise inverse sine (|x| ≤ 1; the derivative has poles at ±1).",
    domain=Domain((-0.8, 0.8)),
    public=True,
    method=True,
    jvp="elementwise",
)

arccos: Op = Op(
    "arccos",
    np.arccos,
    [lambda g, ans, x: -g / sqrt(1.0 - x * x)],
    rules=["x̄ = -ḡ / √(1 - x²)"],
    math="y = arccos x",
    doc="Elementwise inverse cosine (|x| ≤ 1; the derivative has poles at ±1).",
    domain=Domain((-0.8, 0.8)),
    public=True,
    method=True,
    jvp="elementwise",
)

arctan: Op = Op(
    "arctan",
    np.arctan,
    [lambda g, ans, x: g / (1.0 + x * x)],
    rules=["x̄ = ḡ / (1 + x²)"],
    math="y = arctan x",
    doc="Elementwise inverse tangent.",
    domain=Domain((-2.0, 2.0)),
    public=True,
    method=True,
    jvp="elementwise",
)

sinh: Op = Op(
    "sinh",
    np.sinh,
    [lambda g, ans, x: g * cosh(x)],
    rules=["x̄ = ḡ · cosh(x)"],
    math="y = sinh x",
    doc="Elementwise hyperbolic sine.",
    domain=Domain((-2.0, 2.0)),
    public=True,
    method=True,
    jvp="elementwise",
)

cosh: Op = Op(
    "cosh",
    np.cosh,
    [lambda g, ans, x: g * sinh(x)],
    rules=["x̄ = ḡ · sinh(x)"],
    math="y = cosh x",
    doc="Elementwise hyperbolic cosine.",
    domain=Domain((-2.0, 2.0)),
    public=True,
    method=True,
    jvp="elementwise",
)

arcsinh: Op = Op(
    "arcsinh",
    np.arcsinh,
    [lambda g, ans, x: g / sqrt(x * x + 1.0)],
    rules=["x̄ = ḡ / √(x² + 1)"],
    math="y = arcsinh x",
    doc="Elementwise inverse hyperbolic sine.",
    domain=Domain((-2.0, 2.0)),
    public=True,
    method=True,
    jvp="elementwise",
)

arccosh: Op = Op(
    "arccosh",
    np.arccosh,
    [lambda g, ans, x: g / sqrt(x * x - 1.0)],
    rules=["x̄ = ḡ / √(x² - 1)"],
    math="y = arccosh x",
    doc="Elementwise inverse hyperbolic cosine (x ≥ 1; the derivative has a pole at 1).",
    domain=Domain((1.2, 3.0)),
    public=True,
    method=True,
    jvp="elementwise",
)

arctanh: Op = Op(
    "arctanh",
    np.arctanh,
    [lambda g, ans, x: g / (1.0 - x * x)],
    rules=["x̄ = ḡ / (1 - x²)"],
    math="y = arctanh x",
    doc="Elementwise inverse hyperbolic tangent (|x| < 1).",
    domain=Domain((-0.8, 0.8)),
    public=True,
    method=True,
    jvp="elementwise",
)

# ---------------------------------------------------------------- logarithms, exponentials, powers

_LN2 = float(np.log(2.0))
_LN10 = float(np.log(10.0))

log2: Op = Op(
    "log2",
    np.log2,
    [lambda g, ans, x: g / (x * _LN2)],
    rules=["x̄ = ḡ / (x · ln 2)"],
    math="y = log₂ x",
    doc="Elementwise base-2 logarithm (x > 0).",
    domain=Domain((0.5, 2.0)),
    public=True,
    method=True,
    jvp="elementwise",
)

log10: Op = Op(
    "log10",
    np.log10,
    [lambda g, ans, x: g / (x * _LN10)],
    rules=["x̄ = ḡ / (x · ln 10)"],
    math="y = log₁₀ x",
    doc="Elementwise base-10 logarithm (x > 0).",
    domain=Domain((0.5, 2.0)),
    public=True,
    method=True,
    jvp="elementwise",
)

log1p: Op = Op(
    "log1p",
    np.log1p,
    [lambda g, ans, x: g / (1.0 + x)],
    rules=["x̄ = ḡ / (1 + x)"],
    math="y = ln(1 + x)",
    doc="Elementwise ln(1 + x), accurate for tiny x (x > -1).",
    domain=Domain((-0.5, 2.0)),
    public=True,
    method=True,
    jvp="elementwise",
)

expm1: Op = Op(
    "expm1",
    np.expm1,
    [lambda g, ans, x: g * (ans + 1.0)],  # reuse y = eˣ - 1: eˣ = y + 1
    save_inputs=False,
    save_output=True,
    rules=["x̄ = ḡ · eˣ = ḡ · (y + 1)"],
    math="y = eˣ - 1",
    doc="Elementwise eˣ - 1, accurate for tiny x.",
    domain=Domain((-2.0, 2.0)),
    public=True,
    method=True,
    jvp="elementwise",
)

exp2: Op = Op(
    "exp2",
    np.exp2,
    [lambda g, ans, x: g * ans * _LN2],  # reuse y = 2ˣ
    save_inputs=False,
    save_output=True,
    rules=["x̄ = ḡ · 2ˣ · ln 2 = ḡ · y · ln 2"],
    math="y = 2ˣ",
    doc="Elementwise 2ˣ.",
    domain=Domain((-2.0, 2.0)),
    public=True,
    method=True,
    jvp="elementwise",
)

square: Op = Op(
    "square",
    np.square,
    [lambda g, ans, x: g * (2.0 * x)],
    rules=["x̄ = 2ḡ · x"],
    math="y = x²",
    doc="Elementwise square x².",
    domain=Domain((-2.0, 2.0)),
    public=True,
    method=True,
    jvp="elementwise",
)

reciprocal: Op = Op(
    "reciprocal",
    np.reciprocal,
    [lambda g, ans, x: -g * (ans * ans)],  # reuse y = 1/x: -1/x² = -y²
    save_inputs=False,
    save_output=True,
    rules=["x̄ = -ḡ / x² = -ḡ · y²"],
    math="y = 1 / x",
    doc="Elementwise reciprocal 1/x (a pole at 0).",
    domain=Domain((-2.0, 2.0), avoid=(0.0,), margin=0.5),
    public=True,
    method=True,
    jvp="elementwise",
)


def _rsqrt_forward(x: Any) -> Any:
    return np.reciprocal(np.sqrt(x))


rsqrt: Op = Op(
    "rsqrt",
    _rsqrt_forward,
    [lambda g, ans, x: g * (ans * ans * ans) * -0.5],  # reuse y = x^(-1/2): -½x^(-3/2) = -½y³
    save_inputs=False,
    save_output=True,
    rules=["x̄ = -ḡ / (2 x^(3/2)) = -½ ḡ · y³"],
    math="y = 1 / √x",
    doc="Elementwise reciprocal square root 1/√x (x > 0).",
    domain=Domain((0.5, 2.0)),
    public=True,
    method=True,
    jvp="elementwise",
)

# ---------------------------------------------------------------- sinc, angles


def _sinc_vjp(g: Any, ans: Any, x: Any) -> Any:
    # sinc(x) = sin(πx)/(πx) (NumPy's normalised sinc): sinc'(x) = (cos(πx) - sinc(x)) / x,
    # and sinc'(0) = 0 (the limit; PyTorch also gives 0 there). At x = 0 the rule is
    # evaluated at x = 1 and masked (double where), so no 0/0 reaches a second derivative.
    zero = value_of(x) == 0
    if not np.any(zero):
        return g * (cos(x * np.pi) - ans) / x
    safe = where(zero, 1.0, x)
    return where(zero, 0.0, g * (cos(safe * np.pi) - sinc(safe)) / safe)


sinc: Op = Op(
    "sinc",
    np.sinc,
    [_sinc_vjp],
    save_output=True,
    rules=["x̄ = ḡ · (cos(πx) - sinc(x)) / x = ḡ · (cos(πx) - y) / x   (0 at x = 0)"],
    math="y = sin(πx) / (πx)   (y = 1 at x = 0)",
    doc="NumPy's normalised sinc, sin(πx)/(πx), 1 at x = 0; its derivative there is 0.",
    domain=Domain((-2.0, 2.0), avoid=(0.0,), margin=0.2),
    public=True,
    method=True,
    jvp="elementwise",
)

_DEG = float(np.pi / 180.0)

deg2rad: Op = Op(
    "deg2rad",
    np.deg2rad,
    [lambda g, ans, x: g * _DEG],
    save_inputs=False,
    rules=["x̄ = ḡ · π/180"],
    math="y = x · π/180",
    doc="Degrees to radians.",
    domain=Domain((-180.0, 180.0)),
    public=True,
    method=True,
    jvp="elementwise",
)

rad2deg: Op = Op(
    "rad2deg",
    np.rad2deg,
    [lambda g, ans, x: g * (1.0 / _DEG)],
    save_inputs=False,
    rules=["x̄ = ḡ · 180/π"],
    math="y = x · 180/π",
    doc="Radians to degrees.",
    domain=Domain((-3.0, 3.0)),
    public=True,
    method=True,
    jvp="elementwise",
)

# ---------------------------------------------------------------- steps: zero gradient
# sign, floor, ceil, round and trunc are piecewise constant: their derivative is 0 wherever
# it exists and undefined at the jumps. Like PyTorch (zeros_like(grad)), the VJP is exact
# zeros everywhere (also where ḡ is inf or nan), so a gradient never flows through them.
# The check domains keep inputs away from the jumps, where finite differences are 0 too.


def _zero_vjp(g: Any, ans: Any, x: Any) -> Any:
    # where(False, ḡ, 0): zeros of ḡ's dtype and shape, a Tensor under create_graph=True
    return where(np.zeros(np.shape(value_of(g)), dtype=bool), g, 0.0)


_INTEGERS = tuple(float(k) for k in range(-3, 4))
_HALVES = tuple(k + 0.5 for k in range(-3, 3))

sign: Op = Op(
    "sign",
    np.sign,
    [_zero_vjp],
    save_inputs=False,
    rules=["x̄ = 0   (piecewise constant; 0 at the jump too)"],
    math="y = sign x",
    doc="Elementwise sign (-1, 0 or 1); its gradient is 0 everywhere (PyTorch).",
    domain=Domain((-2.0, 2.0), avoid=(0.0,)),
    public=True,
    method=True,
    jvp="elementwise",
)

floor: Op = Op(
    "floor",
    np.floor,
    [_zero_vjp],
    save_inputs=False,
    rules=["x̄ = 0   (piecewise constant; 0 at the jumps too)"],
    math="y = ⌊x⌋",
    doc="Elementwise floor; its gradient is 0 everywhere (PyTorch).",
    domain=Domain((-2.5, 2.5), avoid=_INTEGERS),
    public=True,
    method=True,
    jvp="elementwise",
)

ceil: Op = Op(
    "ceil",
    np.ceil,
    [_zero_vjp],
    save_inputs=False,
    rules=["x̄ = 0   (piecewise constant; 0 at the jumps too)"],
    math="y = ⌈x⌉",
    doc="Elementwise ceiling; its gradient is 0 everywhere (PyTorch).",
    domain=Domain((-2.5, 2.5), avoid=_INTEGERS),
    public=True,
    method=True,
    jvp="elementwise",
)

round_: Op = Op(
    "round",
    np.round,
    [_zero_vjp],
    save_inputs=False,
    rules=["x̄ = 0   (piecewise constant; 0 at the jumps too)"],
    math="y = round(x)   (halves to even)",
    doc="Elementwise rounding to the nearest integer, halves to even (NumPy, PyTorch); "
    "its gradient is 0 everywhere.",
    domain=Domain((-2.5, 2.5), avoid=_HALVES),
    public=True,
    method=True,
    jvp="elementwise",
)

trunc: Op = Op(
    "trunc",
    np.trunc,
    [_zero_vjp],
    save_inputs=False,
    rules=["x̄ = 0   (piecewise constant; 0 at the jumps too)"],
    math="y = trunc(x)   (towards 0)",
    doc="Elementwise truncation towards 0; its gradient is 0 everywhere (PyTorch).",
    domain=Domain((-2.5, 2.5), avoid=_INTEGERS),
    public=True,
    method=True,
    jvp="elementwise",
)

# ---------------------------------------------------------------- error function (scipy.special)
# scipy is imported on first use, so `import autograd_mini` does not pay for it.

_TWO_OVER_SQRT_PI = float(2.0 / np.sqrt(np.pi))


def _erf_forward(x: Any) -> Any:
    from scipy import special

    return special.erf(x)


def _erfc_forward(x: Any) -> Any:
    from scipy import special

    return special.erfc(x)


def _erfinv_forward(x: Any) -> Any:
    from scipy import special

    return special.erfinv(x)


erf: Op = Op(
    "erf",
    _erf_forward,
    [lambda g, ans, x: g * exp(-(x * x)) * _TWO_OVER_SQRT_PI],
    rules=["x̄ = ḡ · (2/√π) · e^(-x²)"],
    math="y = erf x = (2/√π) ∫₀ˣ e^(-t²) dt",
    doc="Elementwise error function (scipy.special.erf).",
    domain=Domain((-2.0, 2.0)),
    public=True,
    method=True,
    jvp="elementwise",
)

erfc: Op = Op(
    "erfc",
    _erfc_forward,
    [lambda g, ans, x: g * exp(-(x * x)) * -_TWO_OVER_SQRT_PI],
    rules=["x̄ = -ḡ · (2/√π) · e^(-x²)"],
    math="y = erfc x = 1 - erf x",
    doc="Elementwise complementary error function 1 - erf x, accurate for large x.",
    domain=Domain((-2.0, 2.0)),
    public=True,
    method=True,
    jvp="elementwise",
)

erfinv: Op = Op(
    "erfinv",
    _erfinv_forward,
    [lambda g, ans, x: g * exp(ans * ans) * (1.0 / _TWO_OVER_SQRT_PI)],  # reuse y = erfinv(x)
    save_inputs=False,
    save_output=True,
    rules=["x̄ = ḡ · (√π/2) · e^(erfinv(x)²) = ḡ · (√π/2) · e^(y²)"],
    math="y = erfinv x   (erf y = x, |x| < 1)",
    doc="Elementwise inverse error function (|x| < 1; ±inf at ±1).",
    domain=Domain((-0.8, 0.8)),
    public=True,
    method=True,
    jvp="elementwise",
)

# ---------------------------------------------------------------- nan_to_num


def _nan_to_num_forward(
    x: Any, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None
) -> Any:
    return np.nan_to_num(x, copy=True, nan=nan, posinf=posinf, neginf=neginf)


nan_to_num: Op = Op(
    "nan_to_num",
    _nan_to_num_forward,
    # the gradient passes where x is finite and is 0 where a value was replaced (PyTorch:
    # grad * isfinite(x))
    [lambda g, ans, x, nan=0.0, posinf=None, neginf=None: g * mask(np.isfinite(value_of(x)), g)],
    rules=["x̄ = ḡ · [x finite]   (0 where nan or ±inf was replaced)"],
    math="y = x, with nan, +inf, -inf replaced by constants",
    jvp="elementwise",
)
