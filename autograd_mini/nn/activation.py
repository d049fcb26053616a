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


ACTIVATIONS: dict[str, type[Module]] = {
    "relu": ReLU,
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "leaky_relu": LeakyReLU,
    "elu": ELU,
    "softmax": Softmax,
}
