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
from . import activation, elementwise  # issue 13: activations; elementwise ops with parameters
from . import shape_api, windows  # issue 13: shape, indexing, padding, sliding windows
from . import decompositions, einsum, linalg_api  # issue 13: linear algebra (einsum, products, am.linalg)
from . import logic, reductions_api, scan  # issue 13: comparisons and logic; reductions and scans
from . import conv, embedding, pool  # issue 15: convolution, max pooling, embedding lookup
from . import bce  # issue 15: binary cross-entropy with PyTorch's gradient rule

__all__ = [
    "REGISTRY", "Op", "binary", "linalg", "loss", "methods", "reduction", "selection", "shape", "unary",
]

# Last, after every module above registered its ops and functions: PyTorch's spellings
# (dim=/keepdim= for every axis=/keepdims=, cat, clamp, x.mT ...). New op modules are
# imported above this line.
from . import api as _api
from . import torch_names

torch_names.accept_dim_names(_api)
