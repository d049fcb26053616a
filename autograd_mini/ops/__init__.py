"""Every differentiable primitive, grouped by kind; ``REGISTRY`` maps names to ops."""

from . import (  # the order of REGISTRY (and the docs table): unary, binary, ...
    binary,
    linalg,
    loss,
    methods,  # attaches Tensor's operators and methods
    reduction,
    selection,
    shape,
    unary,
)
from .registry import REGISTRY, Op

__all__ = [
    "REGISTRY", "Op", "binary", "linalg", "loss", "methods", "reduction", "selection", "shape", "unary",
]
