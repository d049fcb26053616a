"""Every differentiable primitive, grouped by kind; ``REGISTRY`` maps names to ops.

Importing this package registers every op (each module's entries) and publishes the
public functions and Tensor methods generated from them. New op modules are added to the
import list below; ``torch_names`` comes last, because it gives every function that takes
``axis=`` PyTorch's ``dim=`` too, including those of the modules above it.
"""

from . import (  # the order of REGISTRY (and so of the docs table) follows these imports
    activation,
    bce,
    binary,
    conv,
    decompositions,
    einsum,
    elementwise,
    embedding,
    linalg,
    linalg_api,
    logic,
    loss,
    methods,  # attaches Tensor's operators and methods
    pool,
    reduction,
    reductions_api,
    scan,
    selection,
    shape,
    shape_api,
    unary,
    windows,
)
from . import api as _api
from .registry import REGISTRY, Op

from . import torch_names  # isort: skip  (last: see the module docstring)

torch_names.accept_dim_names(_api)

__all__ = [
    "REGISTRY",
    "Op",
    "activation",
    "bce",
    "binary",
    "conv",
    "decompositions",
    "einsum",
    "elementwise",
    "embedding",
    "linalg",
    "linalg_api",
    "logic",
    "loss",
    "methods",
    "pool",
    "reduction",
    "reductions_api",
    "scan",
    "selection",
    "shape",
    "shape_api",
    "torch_names",
    "unary",
    "windows",
]
