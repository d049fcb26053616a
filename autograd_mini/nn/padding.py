"""Padding layers, PyTorch's ``ZeroPad1d/2d``, ``ConstantPad1d/2d``, ``ReflectionPad1d/2d``
and ``ReplicationPad1d/2d``.

Each is ``F.pad`` (the library's ``pad`` op) with its mode fixed: ``padding`` is an int
(every side) or PyTorch's tuple, (left, right) for 1-D and (left, right, top, bottom)
for 2-D layers. Constant padding may be negative (it crops). The derivative is the
``pad`` op's: x̄ = the centre of ȳ, plus, for reflection and replication, each padded
entry of ȳ added onto the input entry it copies.

>>> import numpy as np
>>> from autograd_mini import nn
>>> nn.ReflectionPad1d(2)(np.array([[[1.0, 2.0, 3.0, 4.0]]])).numpy()
array([[[3., 2., 1., 2., 3., 4., 3., 2.]]])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ops.convert import as_tensor
from ..ops.shape_api import torch_pad
from ..tensor import Tensor
from .module import Module

__all__ = [
    "ConstantPad1d",
    "ConstantPad2d",
    "ReflectionPad1d",
    "ReflectionPad2d",
    "ReplicationPad1d",
    "ReplicationPad2d",
    "ZeroPad1d",
    "ZeroPad2d",
]


def _padding(value: Any, n: int, who: str) -> tuple[int, ...]:
    """``value`` as PyTorch's 2·n-tuple (left, right[, top, bottom])."""
    items = tuple(value) if isinstance(value, (tuple, list)) else (value,) * (2 * n)
    if len(items) != 2 * n or not all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in items
    ):
        sides = "(left, right)" if n == 1 else "(left, right, top, bottom)"
        raise ValueError(f"{who}: padding must be an int or a tuple of {2 * n} ints {sides}, got {value!r}")
    return tuple(int(v) for v in items)


class _PadNd(Module):
    _n = 1
    _mode = "constant"

    def __init__(self, padding: Any) -> None:
        super().__init__()
        who = type(self).__name__
        self.padding = _padding(padding, self._n, who)
        if self._mode != "constant" and any(p < 0 for p in self.padding):
            raise ValueError(f"{who}: padding must not be negative, got {self.padding}")

    def forward(self, input: Any) -> Tensor:
        """The input padded on its last axes."""
        who = type(self).__name__
        x = as_tensor(input, who)
        n = self._n
        if self._mode == "constant":
            if x.ndim < n:
                raise ValueError(f"{who}: expected an input with at least {n} axes, got shape {x.shape}")
            return torch_pad(x, self.padding, "constant", getattr(self, "value", 0.0))
        if x.ndim not in (n + 1, n + 2):
            dims = "(C, W) or (N, C, W)" if n == 1 else "(C, H, W) or (N, C, H, W)"
            raise ValueError(f"{who}: expected a {n + 1}-D or {n + 2}-D input {dims}, got shape {x.shape}")
        for i in range(n):  # pairs run from the last axis backwards
            lo, hi = self.padding[2 * i], self.padding[2 * i + 1]
            size = x.shape[x.ndim - 1 - i]
            if size == 0:
                raise ValueError(f"{who}: axis {x.ndim - 1 - i} of the input of shape {x.shape} is empty")
            if self._mode == "reflect" and (lo >= size or hi >= size):
                raise ValueError(
                    f"{who}: padding ({lo}, {hi}) of axis {x.ndim - 1 - i} must be smaller than its "
                    f"size {size} (input shape {x.shape}); reflection does not repeat the edge, so "
                    f"it can add at most size - 1 values per side (use ReplicationPad or a smaller padding)"
                )
        return torch_pad(x, self.padding, self._mode)

    def extra_repr(self) -> str:
        """PyTorch's."""
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding: Any, value: float) -> None:
        super().__init__(padding)
        self.value = float(value)

    def extra_repr(self) -> str:
        """PyTorch's."""
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last axis with ``value``, PyTorch's ``nn.ConstantPad1d(padding, value)``;
    ``padding`` = p or (left, right), negative values crop."""

    _n = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two axes with ``value``, PyTorch's ``nn.ConstantPad2d(padding, value)``;
    ``padding`` = p or (left, right, top, bottom), negative values crop."""

    _n = 2


class ZeroPad1d(ConstantPad1d):
    """Pad the last axis with zeros, PyTorch's ``nn.ZeroPad1d(padding)``."""

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        """PyTorch's."""
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pad the last two axes with zeros, PyTorch's ``nn.ZeroPad2d(padding)``."""

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        """PyTorch's."""
        return f"{self.padding}"


class ReflectionPad1d(_PadNd):
    """Pad the last axis of a (C, W) or (N, C, W) input with its reflection (the edge not
    repeated: 1 2 3 → 3 2 | 1 2 3 | 2 1), PyTorch's ``nn.ReflectionPad1d(padding)``; each
    side's padding must be smaller than the axis."""

    _n = 1
    _mode = "reflect"


class ReflectionPad2d(_PadNd):
    """Pad the last two axes of a (C, H, W) or (N, C, H, W) input with their reflection,
    PyTorch's ``nn.ReflectionPad2d(padding)``; padding (left, right, top, bottom)."""

    _n = 2
    _mode = "reflect"


class ReplicationPad1d(_PadNd):
    """Pad the last axis of a (C, W) or (N, C, W) input by repeating its edge values
    (1 2 3 → 1 1 | 1 2 3 | 3 3), PyTorch's ``nn.ReplicationPad1d(padding)``."""

    _n = 1
    _mode = "replicate"


class ReplicationPad2d(_PadNd):
    """Pad the last two axes of a (C, H, W) or (N, C, H, W) input by repeating their edge
    values, PyTorch's ``nn.ReplicationPad2d(padding)``; padding (left, right, top, bottom)."""

    _n = 2
    _mode = "replicate"
