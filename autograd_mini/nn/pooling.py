"""Pooling and upsampling: ``MaxPool1d/2d``, ``AvgPool1d/2d``, ``AdaptiveAvgPool1d/2d``, ``Upsample``.

- Max pooling is one fused op (:mod:`autograd_mini.ops.pool`): the gradient goes to the
  position of each window's maximum; **ties go to the first maximum in the window**
  (row-major: first row, then first column), as in PyTorch; overlapping windows add up.
- Average pooling is the depthwise convolution of the input with a window of ones (the
  ``conv`` op, exact and linear), divided by each window's count: the window size, or with
  ``count_include_pad=False`` only the input entries it covers.
- Adaptive average pooling is two matrix products with averaging matrices (one per
  spatial axis), PyTorch's bins ⌊i·L/out⌋ .. ⌈(i+1)·L/out⌉.
- Nearest-neighbour upsampling is an index gather (``x[..., rows, cols]``), whose VJP adds
  each output's gradient back onto its source pixel.

All are compositions of ops of the table, so second-order gradients work. Output sizes,
``ceil_mode`` and the padding rules are PyTorch's.

>>> import numpy as np
>>> from autograd_mini.nn import functional as F
>>> x = np.array([[[1.0, 3.0, 2.0, 2.0, 5.0]]])
>>> F.max_pool1d(x, 2).numpy(), F.max_pool1d(x, 2, ceil_mode=True).numpy()
(array([[[3., 2.]]]), array([[[3., 2., 5.]]]))
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..ops import conv as conv_ops
from ..ops import pool as pool_ops
from ..ops.convert import as_tensor
from ..tensor import Tensor, apply_op, traced_values
from .conv import batched, ntuple
from .module import Module

__all__ = [
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AvgPool1d",
    "AvgPool2d",
    "MaxPool1d",
    "MaxPool2d",
    "Upsample",
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "avg_pool1d",
    "avg_pool2d",
    "interpolate",
    "max_pool1d",
    "max_pool2d",
]


def pool_output_size(size: int, k: int, pad: int, stride: int, dilation: int, ceil_mode: bool) -> int:
    """PyTorch's pooling output size along one axis (``ceil_mode``: the last window may run
    past the input, but must start inside the input or its left padding)."""
    span = dilation * (k - 1) + 1
    num = size + 2 * pad - span + (stride - 1 if ceil_mode else 0)
    out = num // stride + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def _pool_setup(
    x: Tensor,
    n: int,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    ceil_mode: bool,
    who: str,
) -> tuple[tuple[int, ...], tuple[int, ...], tuple[tuple[int, int], ...], tuple[int, ...], tuple[int, ...]]:
    """Kernel, stride, (lo, hi) padding (hi including ceil_mode's overhang), dilation, output size."""
    kernel = ntuple(kernel_size, n, "kernel_size", who)
    st = (
        kernel
        if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0)
        else ntuple(stride, n, "stride", who)
    )
    pad = ntuple(padding, n, "padding", who, minimum=0)
    dil = ntuple(dilation, n, "dilation", who)
    if any(2 * p > k for p, k in zip(pad, kernel)):
        raise ValueError(f"{who}: padding {pad} should be at most half of the kernel size {kernel}")
    sizes = x.shape[2:]
    out = tuple(
        pool_output_size(s, k, p, t, d, ceil_mode) for s, k, p, t, d in zip(sizes, kernel, pad, st, dil)
    )
    if any(o < 1 for o in out):
        raise ValueError(
            f"{who}: the input of shape {x.shape} is too small for kernel {kernel} with padding "
            f"{pad} and dilation {dil} (output size {out})"
        )
    pads = tuple(
        (p, p + max(0, (o - 1) * t + d * (k - 1) + 1 - (s + 2 * p)))
        for s, k, p, t, d, o in zip(sizes, kernel, pad, st, dil, out)
    )
    return kernel, st, pads, dil, out


def _max_pool(
    input: Any,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    ceil_mode: bool,
    return_indices: bool,
    n: int,
    who: str,
) -> Any:
    x, unbatched = batched(as_tensor(input, who), n, who)
    kernel, st, pads, dil, _ = _pool_setup(x, n, kernel_size, stride, padding, dilation, ceil_mode, who)
    params: dict[str, Any] = {"kernel": kernel, "stride": st, "padding": pads, "dilation": dil}
    out = apply_op(pool_ops.max_pool, (x,), params)
    if unbatched:
        out = out.reshape(out.shape[1:])
    if not return_indices:
        return out
    # positions of the maxima: values, which a compiled step computes again on each call
    flat = traced_values(_max_positions, (x,), {"params": params, "shape": out.shape})
    return out, Tensor._wrap(flat)


def _max_positions(x: np.ndarray, params: dict[str, Any], shape: tuple[int, ...]) -> np.ndarray:
    """The flat index of each window's maximum within its (n, c) plane (PyTorch's
    ``return_indices``), as int64 of the pooled result's ``shape``."""
    flat = pool_ops.argmax_index(x, **params) % int(np.prod(x.shape[2:]))
    return np.asarray(flat.reshape(shape).astype(np.int64))


def max_pool1d(
    input: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """The maximum of each window of an (N, C, L) input (stride defaults to kernel_size).

    Padding counts as -inf (at most half the kernel). Derivative: ȳ goes to the position of
    each window's maximum, the first one on ties (PyTorch's choice); overlaps add up.
    ``return_indices=True`` also returns those positions (flat indices per channel).
    """
    return _max_pool(
        input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 1, "max_pool1d"
    )


def max_pool2d(
    input: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """The maximum of each kH×kW window of an (N, C, H, W) input (stride defaults to kernel_size).

    Padding counts as -inf (at most half the kernel). Derivative: ȳ goes to the position of
    each window's maximum, the first one in row-major order on ties (PyTorch's choice);
    overlapping windows add up. ``return_indices=True`` also returns those positions (flat
    indices into each H×W channel, as PyTorch).
    """
    return _max_pool(
        input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 2, "max_pool2d"
    )


def _avg_pool(
    input: Any,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    ceil_mode: bool,
    count_include_pad: bool,
    divisor_override: int | None,
    n: int,
    who: str,
) -> Tensor:
    x, unbatched = batched(as_tensor(input, who), n, who)
    kernel, st, pads, dil, out_size = _pool_setup(x, n, kernel_size, stride, padding, 1, ceil_mode, who)
    big_n, c = x.shape[:2]
    ones = np.ones((1, 1, *kernel), dtype=x.dtype)
    params = {"stride": st, "padding": pads, "dilation": dil, "groups": 1}
    sums = apply_op(conv_ops.conv, (x.reshape((big_n * c, 1, *x.shape[2:])), ones, None), params)
    if divisor_override is not None:
        if not isinstance(divisor_override, (int, np.integer)) or divisor_override == 0:
            raise ValueError(f"{who}: divisor_override must be a nonzero int, got {divisor_override!r}")
        divisor = np.full(out_size, float(divisor_override))
    else:
        divisor = np.ones(out_size)
        for axis, (size, k, (p, _), s, o) in enumerate(zip(x.shape[2:], kernel, pads, st, out_size)):
            start = np.arange(o) * s - p
            end = np.minimum(start + k, size + p)
            count = end - start if count_include_pad else np.minimum(end, size) - np.maximum(start, 0)
            divisor = divisor * count.reshape((-1,) + (1,) * (n - 1 - axis))
    out = sums.reshape((big_n, c, *out_size)) * (1.0 / divisor).astype(x.dtype)
    return out.reshape(out.shape[1:]) if unbatched else out


def avg_pool1d(
    input: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """The mean of each window of an (N, C, L) input (stride defaults to kernel_size).

    Zero padding counts in the divisor unless ``count_include_pad=False``.
    Derivative: each ȳ spread evenly (ȳ/divisor) over its window.
    """
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, None, 1, "avg_pool1d")


def avg_pool2d(
    input: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """The mean of each kH×kW window of an (N, C, H, W) input (stride defaults to kernel_size).

    Zero padding counts in the divisor unless ``count_include_pad=False``;
    ``divisor_override`` replaces the divisor. Derivative: each ȳ spread evenly
    (ȳ/divisor) over its window.
    """
    return _avg_pool(
        input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, 2, "avg_pool2d"
    )


def _averaging_matrix(size: int, out: int, dtype: Any) -> np.ndarray:
    """(out, size): row i averages PyTorch's bin ⌊i·size/out⌋ .. ⌈(i+1)·size/out⌉."""
    a = np.zeros((out, size), dtype=dtype)
    for i in range(out):  # out rows: a loop over the output size, not over the data
        start, end = (i * size) // out, -((-(i + 1) * size) // out)
        a[i, start:end] = 1.0 / (end - start)
    return a


def _adaptive_sizes(output_size: Any, x: Tensor, n: int, who: str) -> tuple[int, ...]:
    items = tuple(output_size) if isinstance(output_size, (tuple, list)) else (output_size,) * n
    if len(items) != n:
        raise ValueError(
            f"{who}: output_size must be an int or {n} ints (None keeps a size), got {output_size!r}"
        )
    sizes = tuple(x.shape[2 + i] if v is None else v for i, v in enumerate(items))
    return ntuple(sizes, n, "output_size", who)


def adaptive_avg_pool1d(input: Any, output_size: Any) -> Tensor:
    """Average pooling of an (N, C, L) input to ``output_size`` bins (PyTorch's bins).

    Computed as x Aᵀ with an averaging matrix A. Derivative: x̄ = ȳ A.
    """
    x, unbatched = batched(as_tensor(input, "adaptive_avg_pool1d"), 1, "adaptive_avg_pool1d")
    (lo,) = _adaptive_sizes(output_size, x, 1, "adaptive_avg_pool1d")
    out = x @ _averaging_matrix(x.shape[2], lo, x.dtype).T
    return out.reshape(out.shape[1:]) if unbatched else out


def adaptive_avg_pool2d(input: Any, output_size: Any) -> Tensor:
    """Average pooling of an (N, C, H, W) input to ``output_size`` = (oh, ow) bins.

    Bins along each axis run from ⌊i·L/out⌋ to ⌈(i+1)·L/out⌉ (PyTorch's), so they may
    overlap. Computed as A_h x A_wᵀ with averaging matrices. Derivative: x̄ = A_hᵀ ȳ A_w.
    """
    who = "adaptive_avg_pool2d"
    x, unbatched = batched(as_tensor(input, who), 2, who)
    oh, ow = _adaptive_sizes(output_size, x, 2, who)
    out = _averaging_matrix(x.shape[2], oh, x.dtype) @ x @ _averaging_matrix(x.shape[3], ow, x.dtype).T
    return out.reshape(out.shape[1:]) if unbatched else out


def _nearest_source(size: int, out: int, scale: float | None) -> np.ndarray:
    """PyTorch's 'nearest' source index of each output position (float32 arithmetic)."""
    if out == size:
        return np.arange(out)
    if out == 2 * size and scale is None:
        return np.arange(out) >> 1
    ratio = np.float32(1.0 / scale) if scale is not None else np.float32(size) / np.float32(out)
    src = np.floor(np.arange(out, dtype=np.float32) * ratio).astype(np.int64)
    return np.minimum(src, size - 1)


def interpolate(
    input: Any,
    size: Any = None,
    scale_factor: Any = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
) -> Tensor:
    """Resize an (N, C, L) or (N, C, H, W) input by nearest-neighbour sampling.

    Give ``size`` (the output's spatial size) or ``scale_factor`` (output size
    ⌊input size·scale⌋). Only ``mode="nearest"`` is implemented. Output position i reads
    input position ⌊i·scale⌋ (PyTorch's 'nearest'). Derivative: each ȳ added back onto
    the input position it was read from.
    """
    who = "interpolate"
    if mode != "nearest":
        raise ValueError(f"{who}: only mode='nearest' is implemented, got {mode!r}")
    if align_corners is not None:
        raise ValueError(f"{who}: align_corners only applies to linear modes; leave it None for 'nearest'")
    x = as_tensor(input, who)
    n = x.ndim - 2
    if n not in (1, 2):
        raise ValueError(f"{who}: expected a 3-D (N, C, L) or 4-D (N, C, H, W) input, got shape {x.shape}")
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{who}: give exactly one of size and scale_factor")
    scales: tuple[float | None, ...]
    if size is not None:
        out = ntuple(size, n, "size", who)
        scales = (None,) * n
    else:
        factors = tuple(scale_factor) if isinstance(scale_factor, (tuple, list)) else (scale_factor,) * n
        if len(factors) != n or not all(isinstance(f, (int, float)) and f > 0 for f in factors):
            raise ValueError(
                f"{who}: scale_factor must be a positive number or {n} of them, got {scale_factor!r}"
            )
        out = tuple(math.floor(s * float(f)) for s, f in zip(x.shape[2:], factors))
        scales = (None,) * n if recompute_scale_factor else tuple(float(f) for f in factors)
    sources = [_nearest_source(s, o, sc) for s, o, sc in zip(x.shape[2:], out, scales)]
    if n == 1:
        return x[..., sources[0]]
    return x[..., sources[0][:, None], sources[1][None, :]]


# ---------------------------------------------------------------- modules


class _MaxPoolNd(Module):
    _n = 2

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        dilation: Any = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        who, n = type(self).__name__, self._n
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = bool(return_indices)
        self.ceil_mode = bool(ceil_mode)
        kernel = ntuple(kernel_size, n, "kernel_size", who)
        ntuple(self.stride, n, "stride", who)
        ntuple(dilation, n, "dilation", who)
        if any(2 * p > k for p, k in zip(ntuple(padding, n, "padding", who, minimum=0), kernel)):
            raise ValueError(
                f"{who}: padding {padding!r} should be at most half of the kernel size {kernel_size!r}"
            )

    def forward(self, input: Any) -> Any:
        """The maximum of each window (and its positions with ``return_indices``)."""
        return _max_pool(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            self.ceil_mode,
            self.return_indices,
            self._n,
            type(self).__name__,
        )

    def extra_repr(self) -> str:
        """PyTorch's."""
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class MaxPool1d(_MaxPoolNd):
    """Max pooling over (N, C, L) inputs, PyTorch's ``nn.MaxPool1d`` (see :func:`max_pool1d`)."""

    _n = 1


class MaxPool2d(_MaxPoolNd):
    """Max pooling over (N, C, H, W) inputs, PyTorch's ``nn.MaxPool2d`` (see :func:`max_pool2d`).

    ``stride`` defaults to ``kernel_size``; padding (at most half the kernel) counts as -inf;
    ``ceil_mode=True`` keeps a last, partial window. Gradient: to each window's maximum, the
    first one (row-major) on ties, as PyTorch.
    """

    _n = 2


class _AvgPoolNd(Module):
    _n = 2

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__()
        who, n = type(self).__name__, self._n
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = bool(ceil_mode)
        self.count_include_pad = bool(count_include_pad)
        self.divisor_override = divisor_override
        kernel = ntuple(kernel_size, n, "kernel_size", who)
        ntuple(self.stride, n, "stride", who)
        if any(2 * p > k for p, k in zip(ntuple(padding, n, "padding", who, minimum=0), kernel)):
            raise ValueError(
                f"{who}: padding {padding!r} should be at most half of the kernel size {kernel_size!r}"
            )

    def forward(self, input: Any) -> Tensor:
        """The mean of each window."""
        return _avg_pool(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
            self._n,
            type(self).__name__,
        )

    def extra_repr(self) -> str:
        """PyTorch's."""
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(_AvgPoolNd):
    """Average pooling over (N, C, L) inputs, PyTorch's ``nn.AvgPool1d`` (see :func:`avg_pool1d`)."""

    _n = 1

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
    ) -> None:
        super().__init__(kernel_size, stride, padding, ceil_mode, count_include_pad)


class AvgPool2d(_AvgPoolNd):
    """Average pooling over (N, C, H, W) inputs, PyTorch's ``nn.AvgPool2d`` (see :func:`avg_pool2d`)."""

    _n = 2


class AdaptiveAvgPool1d(Module):
    """Average pooling to a fixed output length, PyTorch's ``nn.AdaptiveAvgPool1d``."""

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Any) -> Tensor:
        """``input`` averaged over PyTorch's bins."""
        return adaptive_avg_pool1d(input, self.output_size)

    def extra_repr(self) -> str:
        """The output size."""
        return f"output_size={self.output_size}"


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed output size (oh, ow), PyTorch's ``nn.AdaptiveAvgPool2d``.

    ``output_size``: an int, or a pair in which ``None`` keeps the input's size.
    ``AdaptiveAvgPool2d(1)`` is global average pooling.
    """

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Any) -> Tensor:
        """``input`` averaged over PyTorch's bins."""
        return adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self) -> str:
        """The output size."""
        return f"output_size={self.output_size}"


class Upsample(Module):
    """Nearest-neighbour upsampling, PyTorch's ``nn.Upsample`` (``mode="nearest"`` only).

    Give ``size`` or ``scale_factor``; see :func:`interpolate`.
    """

    def __init__(
        self,
        size: Any = None,
        scale_factor: Any = None,
        mode: str = "nearest",
        align_corners: bool | None = None,
        recompute_scale_factor: bool | None = None,
    ) -> None:
        super().__init__()
        if mode != "nearest":
            raise ValueError(f"Upsample: only mode='nearest' is implemented, got {mode!r}")
        if (size is None) == (scale_factor is None):
            raise ValueError("Upsample: give exactly one of size and scale_factor")
        self.size = size
        self.scale_factor = float(scale_factor) if isinstance(scale_factor, (int, float)) else scale_factor
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Any) -> Tensor:
        """``input`` resized."""
        return interpolate(
            input, self.size, self.scale_factor, self.mode, self.align_corners, self.recompute_scale_factor
        )

    def extra_repr(self) -> str:
        """PyTorch's."""
        what = f"size={self.size}" if self.size is not None else f"scale_factor={self.scale_factor}"
        return f"{what}, mode='{self.mode}'"
