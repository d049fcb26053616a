"""Convolution layers and functions: ``Conv1d``, ``Conv2d``, ``ConvTranspose1d/2d`` (PyTorch's).

Each layer is one fused op of the table (:mod:`autograd_mini.ops.conv`): the windows of
the zero-padded input contracted with the weight by one matmul, the bias added in the
same op. Its VJPs are the other convolution ops (the input's gradient is a transposed
convolution of ḡ with the weight, the weight's gradient the correlation of the input
with ḡ), so gradients of any order work. Padding modes other than zeros pad the input
first with the ``pad`` op (reflect, replicate, circular), as PyTorch does.

Shapes, parameter names, defaults, initialisation and ``state_dict`` keys are PyTorch's:
``Conv2d(3, 8, 3).weight`` is (8, 3, 3, 3), ``ConvTranspose2d(8, 3, 3).weight`` is
(8, 3, 3, 3) = (in_channels, out_channels/groups, *kernel), both drawn by
``kaiming_uniform_(a=√5)`` with the bias U(-1/√fan_in, 1/√fan_in).

>>> import autograd_mini as am
>>> from autograd_mini import nn
>>> conv = nn.Conv2d(1, 4, kernel_size=3, padding="same", seed=0)
>>> conv(am.ones((2, 1, 8, 8))).shape
(2, 4, 8, 8)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import dtypes
from ..ops import conv as conv_ops
from ..ops import windows
from ..ops.convert import as_tensor
from ..tensor import Tensor, apply_op
from . import init
from .module import Module, Parameter

__all__ = [
    "Conv1d",
    "Conv2d",
    "ConvTranspose1d",
    "ConvTranspose2d",
    "conv1d",
    "conv2d",
    "conv_transpose1d",
    "conv_transpose2d",
]

PADDING_MODES = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


# ---------------------------------------------------------------- argument checks


def ntuple(value: Any, n: int, what: str, who: str, minimum: int = 1) -> tuple[int, ...]:
    """``value`` (an int or a sequence of ``n`` ints, each >= ``minimum``) as an n-tuple."""
    items = tuple(value) if isinstance(value, (tuple, list)) else (value,) * n
    if len(items) != n or not all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= minimum for v in items
    ):
        kind = "positive" if minimum >= 1 else "non-negative"
        raise ValueError(f"{who}: {what} must be a {kind} int or a tuple of {n} such ints, got {value!r}")
    return tuple(int(v) for v in items)


def batched(x: Tensor, n: int, who: str) -> tuple[Tensor, bool]:
    """``x`` as (N, C, *spatial) with ``n`` spatial axes; True if a batch axis was added."""
    if x.ndim == n + 2:
        return x, False
    if x.ndim == n + 1:
        return x.reshape((1, *x.shape)), True
    raise ValueError(
        f"{who}: expected a {n + 1}-D (unbatched: C, {_names(n)}) or {n + 2}-D (batched: N, C, "
        f"{_names(n)}) input, got shape {x.shape}"
    )


def _names(n: int) -> str:
    return "L" if n == 1 else ", ".join("DHW"[3 - n :])


def _same_padding(kernel: tuple[int, ...], dilation: tuple[int, ...]) -> tuple[tuple[int, int], ...]:
    """PyTorch's ``padding="same"``: d(k-1) in total per axis, the odd one on the right."""
    out = []
    for k, d in zip(kernel, dilation):
        total = d * (k - 1)
        out.append((total // 2, total - total // 2))
    return tuple(out)


def conv_padding(
    padding: Any,
    n: int,
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
    who: str,
) -> tuple[tuple[int, int], ...]:
    """``padding`` (an int, a tuple, ``"same"`` or ``"valid"``) as (before, after) per axis."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * n
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(
                    f"{who}: padding='same' is not supported for strided convolutions "
                    f"(stride={stride}); give the padding as ints, or stride=1"
                )
            return _same_padding(kernel, dilation)
        raise ValueError(
            f"{who}: padding must be 'same', 'valid', an int or a tuple of ints, got {padding!r}"
        )
    return tuple((p, p) for p in ntuple(padding, n, "padding", who, minimum=0))


def _check_channels(x: Tensor, expected: int, weight_shape: tuple[int, ...], groups: int, who: str) -> None:
    if x.shape[1] != expected:
        raise ValueError(
            f"{who}: the weight of shape {weight_shape} with groups={groups} expects an input "
            f"with {expected} channels, but the input of shape {x.shape} has {x.shape[1]}; "
            f"inputs are (N, C, ...) with channels on axis 1"
        )


def _mode_pad(x: Tensor, pads: tuple[tuple[int, int], ...], padding_mode: str, who: str) -> Tensor:
    """``x`` padded along its spatial axes by reflection, replication or wrapping."""
    for axis, (lo, hi) in enumerate(pads):
        size = x.shape[2 + axis]
        if padding_mode == "reflect" and max(lo, hi) >= size:
            raise ValueError(
                f"{who}: padding_mode='reflect' needs each padding ({lo}, {hi}) smaller than "
                f"the input size {size} along spatial axis {axis}"
            )
        if padding_mode == "circular" and max(lo, hi) > size:
            raise ValueError(
                f"{who}: padding_mode='circular' needs each padding ({lo}, {hi}) at most the "
                f"input size {size} along spatial axis {axis}"
            )
    widths = ((0, 0), (0, 0), *pads)
    out: Tensor = windows.pad(x, widths=widths, mode=PADDING_MODES[padding_mode])
    return out


def _convnd(
    input: Any,
    weight: Any,
    bias: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    groups: int,
    n: int,
    who: str,
    padding_mode: str = "zeros",
) -> Tensor:
    x, unbatched = batched(as_tensor(input, who), n, who)
    w = as_tensor(weight, who)
    if w.ndim != n + 2:
        raise ValueError(
            f"{who}: the weight must have {n + 2} axes (out_channels, in_channels/groups, "
            f"{'kernel' if n == 1 else 'kH, kW'}), got shape {w.shape}"
        )
    if not isinstance(groups, (int, np.integer)) or groups < 1 or w.shape[0] % groups:
        raise ValueError(
            f"{who}: groups must be a positive int dividing out_channels ({w.shape[0]}), got {groups!r}"
        )
    _check_channels(x, w.shape[1] * int(groups), w.shape, int(groups), who)
    kernel = w.shape[2:]
    st = ntuple(stride, n, "stride", who)
    dil = ntuple(dilation, n, "dilation", who)
    pads = conv_padding(padding, n, kernel, st, dil, who)
    if padding_mode != "zeros" and any(lo or hi for lo, hi in pads):
        x = _mode_pad(x, pads, padding_mode, who)
        pads = ((0, 0),) * n
    for axis, ((lo, hi), k, d) in enumerate(zip(pads, kernel, dil)):
        if x.shape[2 + axis] + lo + hi < d * (k - 1) + 1:
            raise ValueError(
                f"{who}: the kernel {kernel} with dilation {dil} spans {d * (k - 1) + 1} along "
                f"spatial axis {axis}, more than the padded input ({x.shape[2 + axis]} + {lo} + {hi}); "
                f"use a smaller kernel or more padding"
            )
    b = None
    if bias is not None:
        b = as_tensor(bias, who)
        if b.shape != (w.shape[0],):
            raise ValueError(f"{who}: the bias must have shape ({w.shape[0]},), got {b.shape}")
    params = {"stride": st, "padding": pads, "dilation": dil, "groups": int(groups)}
    out = apply_op(conv_ops.conv, (x, w, b), params)
    return out.reshape(out.shape[1:]) if unbatched else out


def conv1d(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """1-D convolution (cross-correlation) of an (N, C, L) input with an (O, C/groups, K) weight.

    ``padding``: an int, ``"valid"`` (none) or ``"same"`` (output length = input length,
    stride 1). Derivative: x̄ = conv_transpose1d(ȳ, w), w̄[o, c, k] = Σₙ Σₚ
    x[n, c, p·s + k·d] ȳ[n, o, p], b̄ = Σ ȳ over batch and positions.
    """
    return _convnd(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """2-D convolution (cross-correlation) of an (N, C, H, W) input with an (O, C/groups, kH, kW) weight.

    ``stride``, ``padding`` and ``dilation`` are ints or pairs; ``padding`` may also be
    ``"valid"`` or ``"same"``. Derivative: x̄ = conv_transpose2d(ȳ, w) (ȳ spread by the
    stride, correlated with the flipped kernel), w̄[o, c, i, j] = Σₙ Σₚ
    x_pad[n, c, p₀s₀ + i·d₀, p₁s₁ + j·d₁] ȳ[n, o, p₀, p₁] (the input correlated with ȳ),
    b̄ = Σ ȳ over batch and positions.

    >>> import numpy as np
    >>> from autograd_mini.nn import functional as F
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> F.conv2d(x, np.ones((1, 1, 2, 2)), stride=2).numpy()[0, 0]
    array([[10., 18.],
           [42., 50.]])
    """
    return _convnd(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def _conv_transposend(
    input: Any,
    weight: Any,
    bias: Any,
    stride: Any,
    padding: Any,
    output_padding: Any,
    groups: int,
    dilation: Any,
    n: int,
    who: str,
    output_size: Sequence[int] | None = None,
) -> Tensor:
    x, unbatched = batched(as_tensor(input, who), n, who)
    w = as_tensor(weight, who)
    if w.ndim != n + 2:
        raise ValueError(
            f"{who}: the weight must have {n + 2} axes (in_channels, out_channels/groups, "
            f"*kernel), got shape {w.shape}"
        )
    if not isinstance(groups, (int, np.integer)) or groups < 1 or w.shape[0] % groups:
        raise ValueError(
            f"{who}: groups must be a positive int dividing in_channels ({w.shape[0]}), got {groups!r}"
        )
    if x.shape[1] != w.shape[0]:
        raise ValueError(
            f"{who}: the weight of shape {w.shape} (in_channels, out_channels/groups, *kernel) "
            f"expects an input with {w.shape[0]} channels, got shape {x.shape}"
        )
    kernel = w.shape[2:]
    st = ntuple(stride, n, "stride", who)
    dil = ntuple(dilation, n, "dilation", who)
    pad = ntuple(padding, n, "padding", who, minimum=0)
    extra = ntuple(output_padding, n, "output_padding", who, minimum=0)
    sizes = [
        (p - 1) * s - 2 * q + d * (k - 1) + 1 for p, s, q, d, k in zip(x.shape[2:], st, pad, dil, kernel)
    ]
    if output_size is not None:
        wanted = tuple(output_size)[-n:]
        if len(wanted) != n:
            raise ValueError(f"{who}: output_size must give {n} spatial sizes, got {output_size!r}")
        extra = tuple(int(o) - m for o, m in zip(wanted, sizes))
        if any(e < 0 or e >= max(s, d) for e, s, d in zip(extra, st, dil)):
            raise ValueError(
                f"{who}: output_size {tuple(wanted)} is not reachable: the sizes must lie between "
                f"{tuple(sizes)} and {tuple(m + max(s, d) - 1 for m, s, d in zip(sizes, st, dil))}"
            )
    for e, s, d in zip(extra, st, dil):
        if e >= max(s, d):
            raise ValueError(
                f"{who}: output_padding {extra} must be smaller than either stride {st} or "
                f"dilation {dil} along each axis"
            )
    shape = tuple(m + e for m, e in zip(sizes, extra))
    if any(v <= 0 for v in shape):
        raise ValueError(f"{who}: the output size {shape} is not positive; use less padding")
    b = None
    if bias is not None:
        b = as_tensor(bias, who)
        if b.shape != (w.shape[1] * int(groups),):
            raise ValueError(f"{who}: the bias must have shape ({w.shape[1] * int(groups)},), got {b.shape}")
    params = {
        "stride": st,
        "padding": tuple((q, q) for q in pad),
        "dilation": dil,
        "groups": int(groups),
        "shape": shape,
    }
    out = apply_op(conv_ops.conv_transpose, (x, w, b), params)
    return out.reshape(out.shape[1:]) if unbatched else out


def conv_transpose1d(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Tensor:
    """1-D transposed convolution: the adjoint of :func:`conv1d` in its input.

    ``weight`` is (in_channels, out_channels/groups, K); output length
    (L - 1)·s - 2·padding + d·(K - 1) + output_padding + 1. Derivative: x̄ = conv1d(ȳ, w),
    w̄ = the correlation of ȳ with x, b̄ = Σ ȳ over batch and positions.
    """
    return _conv_transposend(
        input, weight, bias, stride, padding, output_padding, groups, dilation, 1, "conv_transpose1d"
    )


def conv_transpose2d(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Tensor:
    """2-D transposed convolution ("deconvolution"): the adjoint of :func:`conv2d` in its input.

    Each input value x[n, o, p] adds x[n, o, p]·w[o, c, k] at output position p·s + k·d
    (minus the padding). ``weight`` is (in_channels, out_channels/groups, kH, kW); output
    size per axis (L - 1)·s - 2·padding + d·(k - 1) + output_padding + 1. Derivative:
    x̄ = conv2d(ȳ, w), w̄ = the correlation of ȳ with x, b̄ = Σ ȳ over batch and positions.
    """
    return _conv_transposend(
        input, weight, bias, stride, padding, output_padding, groups, dilation, 2, "conv_transpose2d"
    )


# ---------------------------------------------------------------- modules


class _ConvNd(Module):
    """What the convolution layers share: arguments, parameters, initialisation, repr."""

    _n = 2
    _transposed = False

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        output_padding: Any = 0,
        dtype: Any = None,
        seed: int | None = None,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        who = type(self).__name__
        n = self._n
        for what, v in (("in_channels", in_channels), ("out_channels", out_channels), ("groups", groups)):
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v <= 0:
                raise ValueError(f"{who}: {what} must be a positive int, got {v!r}")
        if in_channels % groups or out_channels % groups:
            raise ValueError(
                f"{who}: in_channels ({in_channels}) and out_channels ({out_channels}) must both "
                f"be divisible by groups ({groups})"
            )
        if padding_mode not in PADDING_MODES:
            raise ValueError(
                f"{who}: padding_mode must be one of {', '.join(map(repr, PADDING_MODES))}, "
                f"got {padding_mode!r}"
            )
        if self._transposed and padding_mode != "zeros":
            raise ValueError(f"{who}: only padding_mode='zeros' is supported for transposed convolutions")
        if seed is not None and generator is not None:
            raise ValueError(f"{who}: give seed or generator, not both")
        dt = np.dtype(dtypes.get_default_dtype() if dtype is None else dtype)
        if dt.kind != "f":
            raise TypeError(f"{who}: dtype must be floating point, got {dt}")
        self.in_channels = int(in_channels)
        self.out_channels = int(out_channels)
        self.kernel_size = ntuple(kernel_size, n, "kernel_size", who)
        self.stride = ntuple(stride, n, "stride", who)
        self.dilation = ntuple(dilation, n, "dilation", who)
        if isinstance(padding, str):
            if self._transposed:
                raise ValueError(f"{who}: padding must be an int or a tuple of ints, got {padding!r}")
            conv_padding(padding, n, self.kernel_size, self.stride, self.dilation, who)  # validates
            self.padding: tuple[int, ...] | str = padding
        else:
            self.padding = ntuple(padding, n, "padding", who, minimum=0)
        self.output_padding = ntuple(output_padding, n, "output_padding", who, minimum=0)
        self.groups = int(groups)
        self.padding_mode = padding_mode
        if self._transposed:
            shape = (self.in_channels, self.out_channels // self.groups, *self.kernel_size)
            n_bias = self.out_channels
        else:
            shape = (self.out_channels, self.in_channels // self.groups, *self.kernel_size)
            n_bias = self.out_channels
        self.weight = Parameter(np.zeros(shape, dtype=dt))
        self.bias = Parameter(np.zeros(n_bias, dtype=dt)) if bias else None
        self.reset_parameters(generator if generator is not None else seed)

    def reset_parameters(self, generator: init.Generator = None) -> None:
        """PyTorch's default: ``kaiming_uniform_(weight, a=√5)``, i.e. U(-1/√fan_in, 1/√fan_in)
        with fan_in = weight.shape[1]·prod(kernel), and the bias U(-1/√fan_in, 1/√fan_in)."""
        rng = init.as_generator(generator, type(self).__name__)
        init.kaiming_uniform_(self.weight, a=math.sqrt(5.0), generator=rng)
        if self.bias is not None:
            fan_in, _ = init.calculate_fan_in_and_fan_out(self.weight)
            if fan_in:
                bound = 1.0 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound, generator=rng)

    def extra_repr(self) -> str:
        """PyTorch's: channels, kernel size, stride, and the settings that are not default."""
        n = self._n
        text = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        )
        if self.padding != (0,) * n:
            text += f", padding={self.padding!r}"
        if self.dilation != (1,) * n:
            text += f", dilation={self.dilation}"
        if self.output_padding != (0,) * n:
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode!r}"
        return text

    def forward(self, input: Any) -> Tensor:
        """The convolution of ``input`` with ``weight``, plus ``bias``."""
        return _convnd(
            input,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            self.dilation,
            self.groups,
            self._n,
            type(self).__name__,
            self.padding_mode,
        )


class Conv1d(_ConvNd):
    """1-D convolution over (N, C_in, L) inputs (or unbatched (C_in, L)), PyTorch's ``nn.Conv1d``.

    ``weight``: (out_channels, in_channels/groups, kernel_size), ``bias``: (out_channels,).
    ``padding``: an int, ``"valid"`` or ``"same"``; ``padding_mode``: ``"zeros"``,
    ``"reflect"``, ``"replicate"`` or ``"circular"``. Output length
    ⌊(L + 2·padding - dilation·(kernel_size - 1) - 1)/stride⌋ + 1.
    """

    _n = 1

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        dtype: Any = None,
        seed: int | None = None,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            padding_mode,
            0,
            dtype,
            seed,
            generator,
        )


class Conv2d(_ConvNd):
    """2-D convolution over (N, C_in, H, W) inputs (or unbatched (C_in, H, W)), PyTorch's ``nn.Conv2d``.

    ``weight``: (out_channels, in_channels/groups, kH, kW), ``bias``: (out_channels,).
    ``kernel_size``, ``stride``, ``padding``, ``dilation``: ints or pairs; ``padding`` may
    also be ``"valid"`` or ``"same"``; ``padding_mode``: ``"zeros"``, ``"reflect"``,
    ``"replicate"`` or ``"circular"``. ``groups`` splits the channels into independent
    groups (``groups=in_channels``: depthwise). Give ``seed`` or ``generator`` for
    reproducible weights, ``dtype`` for float32.

    Derivative (one fused op): x̄ = conv_transpose2d(ȳ, W), W̄ = the correlation of the
    input with ȳ, b̄ = Σ ȳ over batch and positions.
    """

    _n = 2

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        dtype: Any = None,
        seed: int | None = None,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            padding_mode,
            0,
            dtype,
            seed,
            generator,
        )


class _ConvTransposeNd(_ConvNd):
    _transposed = True

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        output_padding: Any = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: Any = 1,
        padding_mode: str = "zeros",
        dtype: Any = None,
        seed: int | None = None,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            padding_mode,
            output_padding,
            dtype,
            seed,
            generator,
        )
        for e, s, d in zip(self.output_padding, self.stride, self.dilation):
            if e >= max(s, d):
                raise ValueError(
                    f"{type(self).__name__}: output_padding {self.output_padding} must be smaller "
                    f"than either stride {self.stride} or dilation {self.dilation} along each axis"
                )

    def forward(self, input: Any, output_size: Sequence[int] | None = None) -> Tensor:
        """The transposed convolution of ``input``; ``output_size`` picks among the sizes
        that the stride leaves open (instead of ``output_padding``)."""
        return _conv_transposend(
            input,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            self.output_padding,
            self.groups,
            self.dilation,
            self._n,
            type(self).__name__,
            output_size,
        )


class ConvTranspose1d(_ConvTransposeNd):
    """1-D transposed convolution, PyTorch's ``nn.ConvTranspose1d`` (see :class:`ConvTranspose2d`)."""

    _n = 1


class ConvTranspose2d(_ConvTransposeNd):
    """2-D transposed convolution ("deconvolution"), PyTorch's ``nn.ConvTranspose2d``.

    The adjoint of a ``Conv2d`` with the same settings in its input: it maps (N, in_channels,
    H, W) to (N, out_channels, H', W') with H' = (H - 1)·stride - 2·padding +
    dilation·(kH - 1) + output_padding + 1 (so a stride-2 layer doubles the size, with
    ``output_padding`` choosing among the sizes a stride-2 ``Conv2d`` maps to the same
    size). ``weight``: (in_channels, out_channels/groups, kH, kW); ``bias``: (out_channels,).

    Derivative (one fused op): x̄ = conv2d(ȳ, W), W̄ = the correlation of ȳ with the
    input, b̄ = Σ ȳ over batch and positions.
    """

    _n = 2
