"""Every differentiable primitive, grouped by kind; ``REGISTRY`` maps names to ops."""

from . import binary, linalg, loss, reduction, shape, unary  # binary first: unary imports where
from .registry import REGISTRY, Op

__all__ = ["REGISTRY", "Op", "binary", "linalg", "loss", "reduction", "shape", "unary"]
