"""``Flatten`` and ``Unflatten``: reshaping modules (PyTorch's), e.g. between a CNN's feature
maps and its linear head.

>>> import autograd_mini as am
>>> from autograd_mini import nn
>>> nn.Flatten()(am.ones((2, 3, 4, 4))).shape
(2, 48)
>>> nn.Unflatten(1, (3, 4, 4))(am.ones((2, 48))).shape
(2, 3, 4, 4)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ops.convert import as_tensor
from ..tensor import Tensor
from .module import Module

__all__ = ["Flatten", "Unflatten"]


def _axis(dim: int, ndim: int, who: str) -> int:
    if not isinstance(dim, (int, np.integer)) or not -ndim <= dim < ndim:
        raise ValueError(f"{who}: dim {dim!r} is out of range for a tensor with {ndim} axes")
    return int(dim) % ndim


class Flatten(Module):
    """Merge axes ``start_dim`` .. ``end_dim`` (inclusive) into one (default: all but the batch axis).

    Derivative: the gradient reshaped back.
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Any) -> Tensor:
        """``input`` with the axes merged."""
        x = as_tensor(input, "Flatten")
        nd = max(x.ndim, 1)
        s, e = _axis(self.start_dim, nd, "Flatten"), _axis(self.end_dim, nd, "Flatten")
        if s > e:
            raise ValueError(
                f"Flatten: start_dim {self.start_dim} comes after end_dim {self.end_dim} "
                f"for an input of shape {x.shape}"
            )
        if x.ndim == 0:
            return x.reshape((1,))
        return x.reshape((*x.shape[:s], int(np.prod(x.shape[s : e + 1])), *x.shape[e + 1 :]))

    def extra_repr(self) -> str:
        """PyTorch's."""
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split axis ``dim`` into the shape ``unflattened_size`` (one entry may be -1).

    Derivative: the gradient reshaped back.
    """

    def __init__(self, dim: int, unflattened_size: Any) -> None:
        super().__init__()
        sizes = tuple(unflattened_size)
        if not sizes or not all(isinstance(v, (int, np.integer)) and (v > 0 or v == -1) for v in sizes):
            raise ValueError(
                f"Unflatten: unflattened_size must be a tuple of positive ints (one may be -1), "
                f"got {unflattened_size!r}"
            )
        self.dim = dim
        self.unflattened_size = sizes

    def forward(self, input: Any) -> Tensor:
        """``input`` with axis ``dim`` split."""
        x = as_tensor(input, "Unflatten")
        d = _axis(self.dim, x.ndim, "Unflatten")
        known = int(np.prod([v for v in self.unflattened_size if v != -1]))
        fits = x.shape[d] % known == 0 if -1 in self.unflattened_size else x.shape[d] == known
        if not fits:
            raise ValueError(
                f"Unflatten: axis {self.dim} of the input of shape {x.shape} has size "
                f"{x.shape[d]}, which cannot be split into {self.unflattened_size}"
            )
        return x.reshape(x.shape[:d] + self.unflattened_size + x.shape[d + 1 :])

    def extra_repr(self) -> str:
        """PyTorch's."""
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
