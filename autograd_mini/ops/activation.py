"""Activation functions (issue 13): their op entries and their public functions.

One fused op per activation where it buys stability or one clear row in the chain-rule
ledger (gelu, silu, selu, celu, hardtanh, hardsigmoid, hardswish, logsigmoid; softplus's
entry is in :mod:`~autograd_mini.ops.unary`); exact composites of existing ops elsewhere
(relu6 = hardtanh on [0, 6], mish, softsign, softmin, glu), each saying so.

Subgradients at the kinks follow PyTorch's backward kernels:

- ``hardtanh`` (and ``relu6``): the gradient passes on the open interval
  ``min_val < x < max_val``; 0 at both bounds (unlike ``clip``, whose bounds pass it).
- ``hardsigmoid``: ḡ/6 on the open interval -3 < x < 3; 0 at ±3.
- ``hardswish``: 0 for x < -3, ḡ·(2x + 3)/6 for -3 ≤ x ≤ 3, ḡ for x > 3; so -½ at x = -3
  and 3/2 at x = 3 (the one-sided slopes from inside the middle piece).
- ``selu``: λα at x = 0 (the x ≤ 0 branch, like ``elu``); ``celu`` is continuously
  differentiable (slope 1 at 0 from both sides).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..tensor import Tensor, apply_unary
from . import api
from .convert import as_tensor
from .publish import public, tensor_method
from .registry import Domain, Op, mask, value_of
from .selection import where
from .unary import _sigmoid_forward, abs_, erf, exp, sigmoid, tanh
from .unary import softplus as _softplus_op

# SELU's constants (Klambauer et al. 2017), as in PyTorch
SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805

_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_CUBIC = 0.044715
_GELU_MODES = ("none", "tanh")


def _unary(op: Op, x: Any, params: dict[str, Any] | None = None) -> Tensor:
    return apply_unary(op, x if isinstance(x, Tensor) else as_tensor(x, op.name), params)


# ---------------------------------------------------------------- gelu


def _gelu_forward(x: Any, approximate: str = "none") -> Any:
    if approximate == "tanh":
        inner = (x + x * x * x * _GELU_CUBIC) * _SQRT_2_OVER_PI
        return x * (np.tanh(inner) + 1.0) * 0.5
    return x * (erf(x * _SQRT_HALF) + 1.0) * 0.5


def _gelu_vjp(g: Any, ans: Any, x: Any, approximate: str = "none") -> Any:
    if approximate == "tanh":
        # y = ½x(1 + t), t = tanh(u), u = √(2/π)(x + 0.044715x³)
        t = tanh((x + x * x * x * _GELU_CUBIC) * _SQRT_2_OVER_PI)
        du = (x * x * (3.0 * _GELU_CUBIC) + 1.0) * _SQRT_2_OVER_PI
        return g * ((t + 1.0) * 0.5 + x * (1.0 - t * t) * du * 0.5)
    # y = xΦ(x): y' = Φ(x) + xφ(x)
    cdf = (erf(x * _SQRT_HALF) + 1.0) * 0.5
    pdf = exp(x * x * -0.5) * _INV_SQRT_2PI
    return g * (cdf + x * pdf)


gelu_op: Op = Op(
    "gelu",
    _gelu_forward,
    [_gelu_vjp],
    rules=[
        "x̄ = ḡ · (Φ(x) + x·φ(x))   (exact; Φ, φ: the standard normal cdf and density)<br>"
        "x̄ = ḡ · (½(1 + t) + ½x(1 - t²)·√(2/π)(1 + 3·0.044715x²))   (tanh)"
    ],
    math="y = x·Φ(x) = ½x(1 + erf(x/√2));  tanh: ½x(1 + t), t = tanh(√(2/π)(x + 0.044715x³))",
    jvp="elementwise",
)


@public
def gelu(x: Any, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit x·Φ(x), exact (via erf) or ``approximate="tanh"``.

    Derivative: x̄ = ḡ·(Φ(x) + x·φ(x)) (exact), with Φ and φ the standard normal cdf and
    density; for the tanh form, the derivative of ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
    """
    if approximate not in _GELU_MODES:
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return _unary(gelu_op, x, {"approximate": approximate})


# ---------------------------------------------------------------- silu, logsigmoid (generated)


def _silu_forward(x: Any) -> Any:
    return x * _sigmoid_forward(x)


def _silu_vjp(g: Any, ans: Any, x: Any) -> Any:
    s = sigmoid(x)
    return g * s * (x * (1.0 - s) + 1.0)


silu: Op = Op(
    "silu",
    _silu_forward,
    [_silu_vjp],
    rules=["x̄ = ḡ · σ(x)(1 + x(1 - σ(x)))"],
    math="y = x·σ(x)",
    doc="Sigmoid linear unit (swish) x·σ(x).",
    domain=Domain((-3.0, 3.0)),
    public=True,
    jvp="elementwise",
)


def _logsigmoid_forward(x: Any) -> Any:
    # log σ(x) = min(x, 0) - log1p(e^{-|x|}): finite for |x| ~ 1000
    return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))


logsigmoid: Op = Op(
    "logsigmoid",
    _logsigmoid_forward,
    [lambda g, ans, x: g * sigmoid(-x)],  # 1 - σ(x) = σ(-x), without cancellation
    rules=["x̄ = ḡ · (1 - σ(x)) = ḡ · σ(-x)"],
    math="y = log σ(x) = -log(1 + e⁻ˣ)",
    doc="log σ(x) = -softplus(-x), stable for any |x|.",
    domain=Domain((-3.0, 3.0)),
    public=True,
    jvp="elementwise",
)

# ---------------------------------------------------------------- selu, celu


def _selu_forward(x: Any) -> Any:
    # expm1 only of the non-positive part, so no overflow for large x
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0)) * SELU_ALPHA) * SELU_SCALE


selu: Op = Op(
    "selu",
    _selu_forward,
    # for x ≤ 0, d/dx λα(eˣ - 1) = λαeˣ = y + λα; at x = 0 that branch (PyTorch, like elu)
    [lambda g, ans, x: g * where(value_of(x) > 0, SELU_SCALE, ans + SELU_SCALE * SELU_ALPHA)],
    save_output=True,
    rules=["x̄ = ḡ · (λ if x > 0 else y + λα)   (λα at x = 0)"],
    math="y = λ·(x if x > 0 else α(eˣ - 1)),  λ = 1.0507009873554805, α = 1.6732632423543772",
    doc="Scaled exponential linear unit with the self-normalising constants λ and α.",
    domain=Domain((-3.0, 3.0), avoid=(0.0,), margin=0.2),
    public=True,
    jvp="elementwise",
)


def _celu_forward(x: Any, alpha: float = 1.0) -> Any:
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0) / alpha) * alpha)


celu_op: Op = Op(
    "celu",
    _celu_forward,
    # for x ≤ 0, d/dx α(e^(x/α) - 1) = e^(x/α) = y/α + 1 (= 1 at x = 0: no kink)
    [lambda g, ans, x, alpha=1.0: g * where(value_of(x) > 0, 1.0, ans / alpha + 1.0)],
    save_output=True,
    rules=["x̄ = ḡ · (1 if x > 0 else y/α + 1)"],
    math="y = x if x > 0 else α(e^(x/α) - 1)",
    jvp="elementwise",
)


@public
def celu(x: Any, alpha: float = 1.0) -> Tensor:
    """Continuously differentiable ELU: x for x > 0, else α(e^(x/α) - 1).

    Derivative: x̄ = ḡ·(1 if x > 0 else e^(x/α)); 1 at x = 0 from both sides.
    """
    alpha = float(alpha)
    if alpha == 0.0:
        raise ValueError("celu: alpha must not be 0 (the negative part is α(e^(x/α) - 1))")
    return _unary(celu_op, x, {"alpha": alpha})


# ---------------------------------------------------------------- hard activations


def _hardtanh_forward(x: Any, min_val: float = -1.0, max_val: float = 1.0) -> Any:
    return np.clip(x, min_val, max_val)


hardtanh_op: Op = Op(
    "hardtanh",
    _hardtanh_forward,
    # open interval, like PyTorch's hardtanh_backward: 0 at both bounds
    [
        lambda g, ans, x, min_val=-1.0, max_val=1.0: g
        * mask((value_of(x) > min_val) & (value_of(x) < max_val), g)
    ],
    rules=["x̄ = ḡ · [min_val < x < max_val]   (0 at the bounds)"],
    math="y = min(max(x, min_val), max_val)",
    jvp="elementwise",
)


@public
def hardtanh(x: Any, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """x clamped into [min_val, max_val] (PyTorch's hardtanh; default [-1, 1]).

    Derivative: x̄ = ḡ on the open interval min_val < x < max_val, 0 elsewhere, also at
    the bounds (PyTorch's convention; ``clip`` passes the gradient at its bounds).
    """
    lo, hi = float(min_val), float(max_val)
    if lo > hi:
        raise ValueError(f"hardtanh: min_val ({lo}) must not exceed max_val ({hi})")
    return _unary(hardtanh_op, x, {"min_val": lo, "max_val": hi})


@public
def relu6(x: Any) -> Tensor:
    """min(max(x, 0), 6): hardtanh on [0, 6] (one ``hardtanh`` op, as in PyTorch).

    Derivative: x̄ = ḡ for 0 < x < 6, else 0 (0 at x = 0 and at x = 6, PyTorch's convention).
    """
    return _unary(hardtanh_op, x, {"min_val": 0.0, "max_val": 6.0})


def _hardsigmoid_forward(x: Any) -> Any:
    return np.clip(x + 3.0, 0.0, 6.0) / 6.0  # PyTorch's form: min(max(x + 3, 0), 6) / 6


hardsigmoid: Op = Op(
    "hardsigmoid",
    _hardsigmoid_forward,
    [lambda g, ans, x: g * mask((value_of(x) > -3.0) & (value_of(x) < 3.0), g) * (1.0 / 6.0)],
    rules=["x̄ = ḡ/6 · [-3 < x < 3]   (0 at ±3)"],
    math="y = min(max(x + 3, 0), 6) / 6",
    doc="Piecewise-linear sigmoid: 0 below -3, 1 above 3, x/6 + ½ between; the gradient "
    "is 0 at ±3 (PyTorch).",
    domain=Domain((-4.5, 4.5), avoid=(-3.0, 3.0), margin=0.2),
    public=True,
    jvp="elementwise",
)


def _hardswish_forward(x: Any) -> Any:
    return x * np.clip(x + 3.0, 0.0, 6.0) / 6.0


def _hardswish_vjp(g: Any, ans: Any, x: Any) -> Any:
    # PyTorch's hardswish_backward: 0 for x < -3, (2x + 3)/6 = x/3 + ½ for -3 ≤ x ≤ 3,
    # 1 for x > 3; the middle piece's slope x/3 + ½ is written with x, so its second
    # derivative (1/3) is kept under create_graph
    xv = value_of(x)
    middle = mask((xv >= -3.0) & (xv <= 3.0), g)
    above = mask(xv > 3.0, g)
    return g * ((x * (1.0 / 3.0) + 0.5) * middle + above)


hardswish: Op = Op(
    "hardswish",
    _hardswish_forward,
    [_hardswish_vjp],
    rules=["x̄ = ḡ · (0 if x < -3, x/3 + ½ if -3 ≤ x ≤ 3, 1 if x > 3)   (-½ at -3, 3/2 at 3)"],
    math="y = x · min(max(x + 3, 0), 6) / 6",
    doc="x·hardsigmoid(x) (MobileNetV3); at ±3 the gradient is the middle piece's slope "
    "(-½ at -3, 3/2 at 3), like PyTorch.",
    domain=Domain((-4.5, 4.5), avoid=(-3.0, 3.0), margin=0.2),
    public=True,
    jvp="elementwise",
)

# ---------------------------------------------------------------- softplus and composites


@public
def softplus(x: Any, beta: float = 1.0, threshold: float | None = 20.0) -> Tensor:
    """log(1 + e^(βx))/β, stable for any |x|; x itself where βx > ``threshold`` (PyTorch).

    Derivative: x̄ = ḡ·σ(βx), and ḡ above the threshold. ``threshold=None`` never switches
    to the linear branch.
    """
    beta = float(beta)
    if beta == 0.0:
        raise ValueError("softplus: beta must not be 0 (the function is log(1 + e^(βx))/β)")
    params: dict[str, Any] = {"threshold": None if threshold is None else float(threshold)}
    if beta != 1.0:
        params["beta"] = beta
    return _unary(_softplus_op, x, params)


tensor_method(softplus)  # x.softplus(), as before softplus took parameters


@public
def mish(x: Any) -> Tensor:
    """x·tanh(softplus(x)) (Misra 2019), composed exactly of softplus, tanh and mul.

    Derivative: x̄ = ḡ·(tanh(sp) + x·σ(x)·(1 - tanh²(sp))), sp = softplus(x).
    """
    t = as_tensor(x, "mish")
    return t * tanh(_unary(_softplus_op, t))


@public
def softsign(x: Any) -> Tensor:
    """x / (1 + |x|), composed exactly of abs, add and div.

    Derivative: x̄ = ḡ / (1 + |x|)² (1 at x = 0: abs'(0) = 0 drops out there).
    """
    t = as_tensor(x, "softsign")
    return t / (_unary(abs_, t) + 1.0)


@public
def softmin(x: Any, axis: int = -1) -> Tensor:
    """softmax(-x) along ``axis`` (``dim=`` also accepted), composed of neg and softmax.

    Derivative: x̄ = -y ⊙ (ḡ - Σ ḡ⊙y).
    """
    return api.softmax(-as_tensor(x, "softmin"), axis)


@public
def glu(x: Any, axis: int = -1) -> Tensor:
    """Gated linear unit a ⊙ σ(b), with a and b the two halves of ``x`` along ``axis``.

    ``dim=`` is also accepted; the axis's size must be even. Composed of two slices, a
    sigmoid and a mul. Derivative: ā = ḡ ⊙ σ(b), b̄ = ḡ ⊙ a ⊙ σ(b)(1 - σ(b)).
    """
    t = as_tensor(x, "glu")
    if t.ndim == 0:
        raise ValueError("glu: a 0-d tensor cannot be halved; give a tensor with at least one axis")
    a = api.single_axis(t, axis, "glu")
    assert a is not None
    n = t.shape[a]
    if n % 2:
        raise ValueError(
            f"glu: axis {axis} of the input of shape {t.shape} has size {n}, which glu halves; "
            f"it must be even"
        )
    head = (slice(None),) * a
    first_half, second_half = (*head, slice(0, n // 2)), (*head, slice(n // 2, n))
    first, second = t[first_half], t[second_half]
    return first * sigmoid(second)
