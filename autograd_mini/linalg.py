"""``am.linalg``: linear algebra with NumPy's (and PyTorch's) names, differentiable.

Matrices may be batched, ``(..., m, n)``, as in NumPy. Every function states its
derivative and the conditions under which it exists (invertible or full-rank matrices,
distinct eigenvalues or singular values for eigenvectors and singular vectors); where a
gradient does not exist, backward raises :class:`GradientUndefinedError` rather than
returning inf or nan.

>>> import numpy as np
>>> import autograd_mini as am
>>> a = am.tensor([[4.0, 1.0], [1.0, 3.0]], requires_grad=True)
>>> am.linalg.det(a).backward()
>>> a.grad  # ∂det/∂A = det(A) A⁻ᵀ = the cofactor matrix
Tensor([[ 3., -1.],
        [-1.,  4.]])
"""

from .ops.api import matmul
from .ops.linalg_api import (
    EighResult,
    GradientUndefinedError,
    LstsqResult,
    QRResult,
    SlogdetResult,
    SVDResult,
    cholesky,
    cross,
    det,
    eigh,
    eigvalsh,
    inv,
    lstsq,
    matrix_power,
    norm,
    pinv,
    qr,
    slogdet,
    solve,
    svd,
    svdvals,
    tensordot,
    vdot,
)

__all__ = [
    "EighResult",
    "GradientUndefinedError",
    "LstsqResult",
    "QRResult",
    "SVDResult",
    "SlogdetResult",
    "cholesky",
    "cross",
    "det",
    "eigh",
    "eigvalsh",
    "inv",
    "lstsq",
    "matmul",
    "matrix_power",
    "norm",
    "pinv",
    "qr",
    "slogdet",
    "solve",
    "svd",
    "svdvals",
    "tensordot",
    "vdot",
]
