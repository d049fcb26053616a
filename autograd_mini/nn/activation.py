"""Activation functions as modules (no parameters), to put inside ``nn.Sequential``."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from . import functional
from .module import Module


class ReLU(Module):
    """max(x, 0).  Derivative: ȳ·[x > 0] (0 at x = 0)."""

    def forward(self, input: Any) -> Tensor:
        """Apply the activation."""
        return functional.relu(input)


class Sigmoid(Module):
    """σ(x) = 1/(1 + e⁻ˣ).  Derivative: ȳ·σ(x)(1 - σ(x))."""

    def forward(self, input: Any) -> Tensor:
        """Apply the activation."""
        return functional.sigmoid(input)


class Tanh(Module):
    """tanh x.  Derivative: ȳ·(1 - tanh² x)."""

    def forward(self, input: Any) -> Tensor:
        """Apply the activation."""
        return functional.tanh(input)


class LeakyReLU(Module):
    """x for x > 0, else negative_slope·x.  Derivative: ȳ·(1 or negative_slope)."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = float(negative_slope)

    def forward(self, input: Any) -> Tensor:
        """Apply the activation."""
        return functional.leaky_relu(input, self.negative_slope)

    def extra_repr(self) -> str:
        """The slope."""
        return f"negative_slope={self.negative_slope}"


class ELU(Module):
    """x for x > 0, else α(eˣ - 1).  Derivative: ȳ·(1 or αeˣ)."""

    def __init__(self, alpha: float = 1.0) -> None:
        super().__init__()
        self.alpha = float(alpha)

    def forward(self, input: Any) -> Tensor:
        """Apply the activation."""
        return functional.elu(input, self.alpha)

    def extra_repr(self) -> str:
        """The scale of the negative part."""
        return f"alpha={self.alpha}"


class Softmax(Module):
    """eˣ / Σ eˣ along ``dim`` (the last axis by default).  Derivative: y ⊙ (ȳ - Σ ȳ⊙y)."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = int(dim)

    def forward(self, input: Any) -> Tensor:
        """Apply the activation."""
        return functional.softmax(input, self.dim)

    def extra_repr(self) -> str:
        """The axis."""
        return f"dim={self.dim}"


# ---------------------------------------------------------------- issue 13
# PyTorch's constructor signatures. ``inplace=True`` is accepted so ported models build; it
# computes out of place (the module's output is the same; its input is left unchanged).


class _Elementwise(Module):
    """An activation without parameters: ``forward`` applies ``functional.<_fn>``."""

    _fn: str = ""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = bool(inplace)

    def forward(self, input: Any) -> Tensor:
        """Apply the activation."""
        return getattr(functional, self._fn)(input)

    def extra_repr(self) -> str:
        """``inplace=True`` when given."""
        return "inplace=True" if self.inplace else ""


class GELU(Module):
    """x·Φ(x), exact (``approximate="none"``) or ``"tanh"``.  Derivative: ȳ·(Φ(x) + x·φ(x))."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input: Any) -> Tensor:
        """Apply the activation."""
        return functional.gelu(input, self.approximate)

    def extra_repr(self) -> str:
        """The approximation."""
        return f"approximate={self.approximate!r}"


class SiLU(_Elementwise):
    """x·σ(x) (swish).  Derivative: ȳ·σ(x)(1 + x(1 - σ(x)))."""

    _fn = "silu"


class Mish(_Elementwise):
    """x·tanh(softplus(x)).  Derivative: ȳ·(tanh(sp) + x·σ(x)(1 - tanh²(sp)))."""

    _fn = "mish"


class SELU(_Elementwise):
    """λ·(x if x > 0 else α(eˣ - 1)), λ ≈ 1.0507, α ≈ 1.6733.  Derivative: ȳ·(λ or y + λα)."""

    _fn = "selu"


class ReLU6(_Elementwise):
    """min(max(x, 0), 6).  Derivative: ȳ·[0 < x < 6] (0 at 0 and 6, PyTorch)."""

    _fn = "relu6"


class Hardsigmoid(_Elementwise):
    """min(max(x + 3, 0), 6)/6.  Derivative: ȳ/6 on -3 < x < 3, else 0."""

    _fn = "hardsigmoid"


class Hardswish(_Elementwise):
    """x·min(max(x + 3, 0), 6)/6.  Derivative: ȳ·(0, x/3 + ½ on [-3, 3], or 1)."""

    _fn = "hardswish"


class Softsign(Module):
    """x / (1 + |x|).  Derivative: ȳ / (1 + |x|)²."""

    def forward(self, input: Any) -> Tensor:
        """Apply the activation."""
        return functional.softsign(input)


class LogSigmoid(Module):
    """log σ(x), stable for any |x|.  Derivative: ȳ·σ(-x)."""

    def forward(self, input: Any) -> Tensor:
        """Apply the activation."""
        return functional.logsigmoid(input)


class CELU(Module):
    """x if x > 0 else α(e^(x/α) - 1).  Derivative: ȳ·(1 or e^(x/α))."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        if float(alpha) == 0.0:
            raise ValueError("CELU: alpha must not be 0 (the negative part is α(e^(x/α) - 1))")
        self.alpha = float(alpha)
        self.inplace = bool(inplace)

    def forward(self, input: Any) -> Tensor:
        """Apply the activation."""
        return functional.celu(input, self.alpha)

    def extra_repr(self) -> str:
        """The scale of the negative part."""
        return f"alpha={self.alpha}"


class Hardtanh(Module):
    """x clamped into [min_val, max_val].  Derivative: ȳ·[min_val < x < max_val] (0 at the bounds)."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        if float(min_val) > float(max_val):
            raise ValueError(f"Hardtanh: min_val ({min_val}) must not exceed max_val ({max_val})")
        self.min_val = float(min_val)
        self.max_val = float(max_val)
        self.inplace = bool(inplace)

    def forward(self, input: Any) -> Tensor:
        """Apply the activation."""
        return functional.hardtanh(input, self.min_val, self.max_val)

    def extra_repr(self) -> str:
        """The bounds."""
        return f"min_val={self.min_val}, max_val={self.max_val}"


class Softplus(Module):
    """log(1 + e^(βx))/β, x where βx > threshold.  Derivative: ȳ·σ(βx) (ȳ above the threshold)."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        if float(beta) == 0.0:
            raise ValueError("Softplus: beta must not be 0 (the function is log(1 + e^(βx))/β)")
        self.beta = float(beta)
        self.threshold = float(threshold)

    def forward(self, input: Any) -> Tensor:
        """Apply the activation."""
        return functional.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        """β and the threshold."""
        return f"beta={self.beta}, threshold={self.threshold}"


class Softmin(Module):
    """softmax(-x) along ``dim`` (the last axis by default).  Derivative: -y ⊙ (ȳ - Σ ȳ⊙y)."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = int(dim)

    def forward(self, input: Any) -> Tensor:
        """Apply the activation."""
        return functional.softmin(input, self.dim)

    def extra_repr(self) -> str:
        """The axis."""
        return f"dim={self.dim}"


class GLU(Module):
    """a ⊙ σ(b) for the two halves a, b of the input along ``dim`` (its size halves).

    Derivative: ā = ȳ ⊙ σ(b), b̄ = ȳ ⊙ a ⊙ σ(b)(1 - σ(b)).
    """

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = int(dim)

    def forward(self, input: Any) -> Tensor:
        """Apply the activation."""
        return functional.glu(input, self.dim)

    def extra_repr(self) -> str:
        """The axis."""
        return f"dim={self.dim}"


ACTIVATIONS: dict[str, type[Module]] = {
    "relu": ReLU,
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "leaky_relu": LeakyReLU,
    "elu": ELU,
    "softmax": Softmax,
    "gelu": GELU,
    "silu": SiLU,
    "mish": Mish,
    "selu": SELU,
    "celu": CELU,
    "relu6": ReLU6,
    "hardtanh": Hardtanh,
    "hardsigmoid": Hardsigmoid,
    "hardswish": Hardswish,
    "softsign": Softsign,
    "logsigmoid": LogSigmoid,
    "softplus": Softplus,
}
