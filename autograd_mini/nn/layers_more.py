"""More of PyTorch's everyday layers: ``PReLU``, ``Bilinear``, ``InstanceNorm1d/2d``,
``Dropout1d/2d``, ``AlphaDropout``, ``PixelShuffle``/``PixelUnshuffle``,
``CosineSimilarity``, ``PairwiseDistance`` and ``AdaptiveMaxPool1d/2d``, with their
functional forms (exported by :mod:`autograd_mini.nn.functional`).

**Composites.** Every forward here is a composition of the library's ops (``where``,
``einsum``, ``mean``/``var``, ``reshape``/``transpose``, ``norm``, ``take_along_axis``,
products with random masks), so first and higher derivatives and forward mode come from
those ops' rules: nothing here has a hand-written derivative. The values that are not
differentiated (masks of positive entries, the positions of maxima, dropout masks) are
computed by :func:`~autograd_mini.tensor.traced_values` or drawn by
:func:`~autograd_mini.core.grad_mode.random_draw`, so a compiled step (``am.compile``)
computes or draws them again on every replay.

Names, signatures, defaults, parameter and buffer names (so ``state_dict`` keys) and
shapes are PyTorch's.

>>> import numpy as np
>>> from autograd_mini import nn
>>> nn.PixelShuffle(2)(np.zeros((1, 8, 3, 3))).shape
(1, 2, 6, 6)
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from ..core.grad_mode import no_grad, random_draw
from ..ops import api as ops
from ..ops.convert import as_tensor
from ..tensor import Tensor, traced_values
from . import init
from .conv import batched
from .module import Module, Parameter
from .normalization import (
    _affine,
    _check_per_channel,
    _dtype,
    _eval_statistics,
    _normalise,
    _NormBase,
    _running_update,
)
from .pooling import _adaptive_sizes

__all__ = [  # the modules (nn exports them); the functions are exported by nn.functional
    "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d",
    "AlphaDropout",
    "Bilinear",
    "CosineSimilarity",
    "Dropout1d",
    "Dropout2d",
    "InstanceNorm1d",
    "InstanceNorm2d",
    "PReLU",
    "PairwiseDistance",
    "PixelShuffle",
    "PixelUnshuffle",
]

# SELU's negative saturation -λα is -ALPHA: AlphaDropout sets dropped units there
ALPHA = 1.7580993408473766


# ---------------------------------------------------------------- small helpers


def _positive_int(value: Any, what: str, who: str) -> int:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{who}: {what} must be a positive int, got {value!r}")
    return int(value)


def _probability(p: Any, who: str) -> float:
    if not isinstance(p, (int, float, np.floating)) or isinstance(p, bool) or not 0.0 <= float(p) <= 1.0:
        raise ValueError(f"{who}: p must be a probability in [0, 1], got {p!r}")
    return float(p)


def _float_input(input: Any, who: str) -> Tensor:
    x = as_tensor(input, who)
    if x.dtype.kind != "f":
        raise TypeError(f"{who}: the input must be floating point, got {x.dtype}")
    return x


def _is_positive(values: np.ndarray) -> np.ndarray:
    """``values > 0`` as a boolean array (a mask a compiled step recomputes)."""
    return np.asarray(values > 0)


# ---------------------------------------------------------------- PReLU


class _Count(int):
    """An int that also answers a call with itself: ``PReLU.num_parameters`` is PyTorch's
    attribute (the number of slopes) and ``Module.num_parameters()`` (the same count)."""

    def __call__(self) -> int:
        return int(self)


def prelu(input: Any, weight: Any) -> Tensor:
    """x where x > 0, else a·x, with a learned slope a per channel (PyTorch's ``F.prelu``).

    ``weight`` has one entry (shared by every channel) or one per channel, the channels
    being axis 1 of the input (an input with fewer than 2 axes has one channel).

    Derivative: x̄ = ȳ where x > 0, else a·ȳ (so a·ȳ at x = 0, as PyTorch);
    ā = Σ ȳ·x over the entries of its channel with x ≤ 0.
    """
    return _prelu(input, weight, "prelu")


def _prelu(input: Any, weight: Any, who: str) -> Tensor:
    x = _float_input(input, who)
    w = as_tensor(weight, who)
    if w.ndim > 1:
        raise ValueError(f"{who}: weight must be 0-D or 1-D (one slope per channel), got shape {w.shape}")
    channels = x.shape[1] if x.ndim >= 2 else 1
    if w.size not in (1, channels):
        raise ValueError(
            f"{who}: weight has {w.size} slopes but the input of shape {x.shape} has {channels} "
            f"channel(s) (axis 1); give 1 slope or {channels} (nn.PReLU(num_parameters={channels}))"
        )
    slope = w.reshape(()) if w.size == 1 else w.reshape((1, channels) + (1,) * (x.ndim - 2))
    positive = traced_values(_is_positive, (x,))
    return ops.where(positive, x, slope * x)


class PReLU(Module):
    """PReLU(x) = max(0, x) + a·min(0, x) with learned slopes a, PyTorch's ``nn.PReLU``.

    ``weight`` has shape (num_parameters,), every entry ``init`` (0.25); give
    ``num_parameters`` = the number of channels (axis 1 of the input) for one slope per
    channel. See :func:`prelu` for the derivative.

    >>> from autograd_mini import nn
    >>> nn.PReLU()(np.array([-2.0, 3.0])).numpy()
    array([-0.5,  3. ])
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, dtype: Any = None) -> None:
        super().__init__()
        who = "PReLU"
        count = _positive_int(num_parameters, "num_parameters", who)
        self.init = float(init)
        self.weight = Parameter(np.full(count, self.init, dtype=_dtype(dtype, who)))

    @property
    def num_parameters(self) -> _Count:
        """The number of slopes (PyTorch's attribute); also callable, as
        ``Module.num_parameters()``, which counts the same entries."""
        return _Count(self.weight.size if self.weight is not None else 0)

    def reset_parameters(self) -> None:
        """Every slope back to ``init``."""
        self.weight.data = np.full_like(self.weight.data, self.init)

    def forward(self, input: Any) -> Tensor:
        """The input with its negative entries scaled by the slopes."""
        return _prelu(input, self.weight, "PReLU")

    def extra_repr(self) -> str:
        """PyTorch's."""
        return f"num_parameters={self.num_parameters}"


# ---------------------------------------------------------------- Bilinear


def bilinear(input1: Any, input2: Any, weight: Any, bias: Any = None) -> Tensor:
    """y_o = x₁ᵀ A_o x₂ + b_o for each output o (PyTorch's ``F.bilinear``).

    ``input1`` (*, in1), ``input2`` (*, in2) with the same leading axes, ``weight``
    (out, in1, in2), ``bias`` (out,); the result is (*, out). One ``einsum``.

    Derivative: x̄₁ = Σ_o ȳ_o A_o x₂, x̄₂ = Σ_o ȳ_o A_oᵀ x₁, Ā_o = Σ ȳ_o x₁ x₂ᵀ (summed over
    the leading axes), b̄ = Σ ȳ.
    """
    return _bilinear(input1, input2, weight, bias, "bilinear")


def _bilinear(input1: Any, input2: Any, weight: Any, bias: Any, who: str) -> Tensor:
    x1, x2 = _float_input(input1, who), _float_input(input2, who)
    w = as_tensor(weight, who)
    if w.ndim != 3:
        raise ValueError(
            f"{who}: weight must have shape (out_features, in1_features, in2_features), got {w.shape}"
        )
    if x1.ndim == 0 or x2.ndim == 0 or x1.shape[:-1] != x2.shape[:-1]:
        raise ValueError(
            f"{who}: input1 {x1.shape} and input2 {x2.shape} must have the same leading axes "
            f"(*, in1_features) and (*, in2_features)"
        )
    if x1.shape[-1] != w.shape[1] or x2.shape[-1] != w.shape[2]:
        raise ValueError(
            f"{who}: the weight of shape {w.shape} expects input1 (*, {w.shape[1]}) and input2 "
            f"(*, {w.shape[2]}), got {x1.shape} and {x2.shape}"
        )
    out = ops.einsum("...i,oij,...j->...o", x1, w, x2)
    if bias is not None:
        b = as_tensor(bias, who)
        if b.shape != (w.shape[0],):
            raise ValueError(f"{who}: bias must have shape ({w.shape[0]},) (out_features), got {b.shape}")
        out = out + b
    return out


class Bilinear(Module):
    """y = x₁ᵀ A x₂ + b, PyTorch's ``nn.Bilinear(in1_features, in2_features, out_features, bias=True)``.

    ``weight`` (out_features, in1_features, in2_features) and ``bias`` (out_features,),
    both drawn from U(-1/√in1_features, 1/√in1_features) as PyTorch does. Give ``seed`` or
    ``generator`` for reproducible weights. See :func:`bilinear` for the derivative.
    """

    def __init__(
        self,
        in1_features: int,
        in2_features: int,
        out_features: int,
        bias: bool = True,
        dtype: Any = None,
        seed: int | None = None,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        who = "Bilinear"
        self.in1_features = _positive_int(in1_features, "in1_features", who)
        self.in2_features = _positive_int(in2_features, "in2_features", who)
        self.out_features = _positive_int(out_features, "out_features", who)
        if seed is not None and generator is not None:
            raise ValueError(f"{who}: give seed or generator, not both")
        dt = _dtype(dtype, who)
        shape = (self.out_features, self.in1_features, self.in2_features)
        self.weight = Parameter(np.zeros(shape, dtype=dt))
        if bias:
            self.bias = Parameter(np.zeros(self.out_features, dtype=dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters(generator if generator is not None else seed)

    def reset_parameters(self, generator: init.Generator = None) -> None:
        """Weight and bias from U(-1/√in1_features, 1/√in1_features)."""
        rng = init.as_generator(generator, "Bilinear")
        bound = 1.0 / math.sqrt(self.in1_features)
        init.uniform_(self.weight, -bound, bound, generator=rng)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound, generator=rng)

    def forward(self, input1: Any, input2: Any) -> Tensor:
        """x₁ᵀ A x₂ + b on the last axes of the two inputs."""
        return _bilinear(input1, input2, self.weight, self.bias, "Bilinear")

    def extra_repr(self) -> str:
        """PyTorch's."""
        return (
            f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
            f"out_features={self.out_features}, bias={self.bias is not None}"
        )


# ---------------------------------------------------------------- instance normalisation


def instance_norm(
    input: Any,
    running_mean: Any = None,
    running_var: Any = None,
    weight: Any = None,
    bias: Any = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel of each sample of an (N, C, *spatial) input over its spatial
    positions (PyTorch's ``F.instance_norm``), then y = weight·x̂ + bias per channel.

    With ``use_input_stats`` (the default) the statistics are each instance's mean and
    biased variance; ``running_mean``/``running_var`` Tensors, if given, are then updated
    to (1 - momentum)·r + momentum·s with s the batch average of the instances' means
    (and of their unbiased variances, ·L/(L - 1) for L spatial positions), as PyTorch.
    Without it the running statistics normalise instead.

    Derivative (input statistics, per instance of L positions): x̄ = γ/√(σ² + ε)·(ȳ -
    mean(ȳ) - x̂·mean(ȳ ⊙ x̂)), γ̄ = Σ ȳ ⊙ x̂, β̄ = Σ ȳ (sums over batch and positions).
    """
    who = "instance_norm"
    x = _float_input(input, who)
    if x.ndim < 3:
        raise ValueError(
            f"{who}: expected an input (N, C, L), (N, C, H, W) or with more spatial axes, got "
            f"shape {x.shape}; add the batch axis with x.unsqueeze(0)"
        )
    c = x.shape[1]
    _check_per_channel(who, x, running_mean=running_mean, running_var=running_var, weight=weight, bias=bias)
    shape = (1, c) + (1,) * (x.ndim - 2)
    spatial = int(np.prod(x.shape[2:]))
    if use_input_stats:
        if spatial <= 1:
            raise ValueError(
                f"{who}: expected more than 1 spatial element when using the input's statistics, "
                f"got input of shape {x.shape}; instance norm of a single position is always 0"
            )
        y, mean, var = _normalise(x, tuple(range(2, x.ndim)), eps)
        if running_mean is not None and running_var is not None:
            with no_grad():
                for r, stat, count in ((running_mean, mean, 0), (running_var, var, spatial)):
                    if not isinstance(r, Tensor):
                        raise TypeError(
                            f"{who}: running statistics to update must be Tensors (nn.InstanceNorm "
                            f"registers them as buffers), got {type(r).__name__}"
                        )
                    r.data = traced_values(_instance_update, (r, stat, momentum), {"count": count})
    else:
        if running_mean is None or running_var is None:
            raise ValueError(f"{who}: running_mean and running_var must be given when use_input_stats=False")
        rm, inv = traced_values(
            _eval_statistics, (running_mean, running_var), {"dtype": x.dtype, "shape": shape, "eps": eps}
        )
        y = (x - rm) * inv
    return _affine(y, weight, bias, shape)


def _instance_update(old: np.ndarray, stat: np.ndarray, momentum: Any, count: int = 0) -> np.ndarray:
    """The running statistic after one batch: its instances' statistics (N, C, 1, ...)
    averaged over the batch, then as batch norm's update (count > 0: unbiased variance)."""
    return _running_update(old, np.asarray(stat.mean(axis=0)), momentum, count)


class _InstanceNorm(_NormBase):
    _spatial = 1

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = False,
        track_running_stats: bool = False,
        dtype: Any = None,
    ) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, dtype)

    def forward(self, input: Any) -> Tensor:
        """Each channel of each sample normalised over its positions (or by the running
        statistics in evaluation when they are tracked)."""
        who = type(self).__name__
        x = _float_input(input, who)
        n = self._spatial
        if x.ndim not in (n + 1, n + 2):
            dims = "(C, L) or (N, C, L)" if n == 1 else "(C, H, W) or (N, C, H, W)"
            raise ValueError(f"{who}: expected a {n + 1}-D or {n + 2}-D input {dims}, got shape {x.shape}")
        axis = x.ndim - n - 1
        if x.shape[axis] != self.num_features:
            message = (
                f"{who}: the input of shape {x.shape} has {x.shape[axis]} channels on axis {axis}, "
                f"but num_features={self.num_features}"
            )
            if self.affine or self.track_running_stats:
                raise ValueError(f"{message}; build the layer with num_features={x.shape[axis]}")
            # PyTorch only warns: without affine parameters or running statistics
            # num_features is not used
            warnings.warn(f"{message} (not used, since affine=False)", UserWarning, stacklevel=2)
        unbatched = x.ndim == n + 1
        if unbatched:
            x = x.reshape((1, *x.shape))
        out = instance_norm(
            x,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            self.training or not self.track_running_stats,
            0.0 if self.momentum is None else float(self.momentum),
            self.eps,
        )
        return out.reshape(out.shape[1:]) if unbatched else out


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation of (N, C, L) or (C, L) inputs, PyTorch's ``nn.InstanceNorm1d``.

    Each channel of each sample is normalised over its L positions (biased variance),
    in training and evaluation alike. ``affine=True`` adds ``weight`` (ones) and ``bias``
    (zeros) of shape (num_features,); ``track_running_stats=True`` adds the buffers
    ``running_mean``, ``running_var`` and ``num_batches_tracked`` (batch norm's names,
    updated in training, used in evaluation). See :func:`instance_norm`.
    """

    _spatial = 1


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation of (N, C, H, W) or (C, H, W) inputs, PyTorch's ``nn.InstanceNorm2d``.

    Each channel of each sample is normalised over its H·W positions; otherwise as
    :class:`InstanceNorm1d`.
    """

    _spatial = 2


# ---------------------------------------------------------------- dropout variants


def _channel_dropout(
    x: Tensor, p: float, mask_shape: tuple[int, ...], generator: init.Generator, who: str
) -> Tensor:
    """``x`` times a mask of ``mask_shape`` (1 on the axes a channel spans): each channel
    is zeroed with probability p, the others scaled by 1/(1 - p)."""
    if p == 1.0:
        return x * np.zeros(mask_shape, dtype=x.dtype)
    rng = init.as_generator(generator, who)
    dtype = x.dtype

    def mask() -> np.ndarray:  # a compiled step draws a fresh mask on every replay
        return ((rng.random(mask_shape) >= p) / (1.0 - p)).astype(dtype)

    return x * random_draw(mask)


def dropout1d(
    input: Any,
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
    *,
    generator: init.Generator = None,
) -> Tensor:
    """Zero whole channels of an (N, C, L) or (C, L) input, each with probability ``p``,
    and scale the others by 1/(1 - p) (PyTorch's ``F.dropout1d``); identity when not
    ``training``. ``inplace`` is accepted and computes out of place; ``generator`` (an
    int seed or a ``np.random.Generator``, not in PyTorch) makes the masks reproducible.

    Derivative: x̄ = ȳ·m/(1 - p) with the channel's mask m ∈ {0, 1}.
    """
    return _dropout1d(input, p, training, generator, "dropout1d")


def _dropout1d(input: Any, p: float, training: bool, generator: init.Generator, who: str) -> Tensor:
    p = _probability(p, who)
    x = _float_input(input, who)
    if x.ndim not in (2, 3):
        raise ValueError(
            f"{who}: expected a 2-D (C, L) or 3-D (N, C, L) input, got shape {x.shape}; "
            f"dropout1d drops channels of inputs with one spatial axis (dropout2d: two)"
        )
    if not training or p == 0.0:
        return x
    return _channel_dropout(x, p, (*x.shape[:-1], 1), generator, who)


def dropout2d(
    input: Any,
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
    *,
    generator: init.Generator = None,
) -> Tensor:
    """Zero whole channels (H×W maps) of an (N, C, H, W) input, each with probability
    ``p``, and scale the others by 1/(1 - p) (PyTorch's ``F.dropout2d``).

    A 3-D input is read as (N, C, L) and its channels are dropped as by
    :func:`dropout1d`, with a warning, as PyTorch does (for historical reasons); use
    ``dropout1d`` for such inputs. Derivative: x̄ = ȳ·m/(1 - p).
    """
    return _dropout2d(input, p, training, generator, "dropout2d")


def _dropout2d(input: Any, p: float, training: bool, generator: init.Generator, who: str) -> Tensor:
    p = _probability(p, who)
    x = _float_input(input, who)
    if x.ndim not in (3, 4):
        raise ValueError(
            f"{who}: expected a 4-D (N, C, H, W) input, got shape {x.shape}; add the batch "
            f"axis to a (C, H, W) input with x.unsqueeze(0)"
        )
    if x.ndim == 3:
        warnings.warn(
            f"{who}: received a 3-D input of shape {x.shape}; it is read as (N, C, L) and its "
            f"channels are dropped as by dropout1d (PyTorch's behaviour). Use dropout1d for "
            f"such inputs, or add the batch axis to a (C, H, W) image with x.unsqueeze(0)",
            UserWarning,
            stacklevel=2,
        )
    if not training or p == 0.0:
        return x
    return _channel_dropout(x, p, x.shape[:2] + (1,) * (x.ndim - 2), generator, who)


def alpha_dropout(
    input: Any,
    p: float = 0.5,
    training: bool = False,
    inplace: bool = False,
    *,
    generator: init.Generator = None,
) -> Tensor:
    """Alpha dropout (PyTorch's ``F.alpha_dropout``; note ``training=False`` by default).

    Each entry is kept with probability 1 - p; dropped ones become SELU's negative
    saturation -α (α = 1.7580993…), then everything is mapped by y = a·x + b with
    a = ((1 - p)(1 + p·α²))^(-1/2) and b = a·α·p, so an input of mean 0 and variance 1
    keeps mean 0 and variance 1. Identity when not ``training`` or p = 0; zeros for p = 1.

    Derivative: x̄ = a·ȳ on the kept entries, 0 on the dropped ones.
    """
    return _alpha_dropout(input, p, training, generator, "alpha_dropout")


def _alpha_dropout(input: Any, p: float, training: bool, generator: init.Generator, who: str) -> Tensor:
    p = _probability(p, who)
    x = _float_input(input, who)
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * np.zeros(x.shape, dtype=x.dtype)
    rng = init.as_generator(generator, who)
    a = 1.0 / math.sqrt((ALPHA * ALPHA * p + 1.0) * (1.0 - p))
    shape, dtype = x.shape, x.dtype

    def scaled_mask() -> np.ndarray:  # a·m with m ∈ {0, 1}: drawn afresh on every replay
        return ((rng.random(shape) >= p) * a).astype(dtype)

    # kept: a·x + a·α·p; dropped: a·(-α) + a·α·p, both as (x + α)·a·m + a·α·(p - 1)
    return (x + ALPHA) * random_draw(scaled_mask) + a * ALPHA * (p - 1.0)


class _DropoutNd(Module):
    _who = "Dropout"

    def __init__(
        self,
        p: float = 0.5,
        inplace: bool = False,
        *,
        seed: int | None = None,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        who = type(self).__name__
        self.p = _probability(p, who)
        self.inplace = bool(inplace)
        if seed is not None and generator is not None:
            raise ValueError(f"{who}: give seed or generator, not both")
        self._rng = init.as_generator(generator if generator is not None else seed, who)

    def extra_repr(self) -> str:
        """PyTorch's."""
        return f"p={self.p}, inplace={self.inplace}"


class Dropout1d(_DropoutNd):
    """Channel dropout for (N, C, L) or (C, L) inputs, PyTorch's ``nn.Dropout1d(p=0.5)``.

    In training each channel (a whole length-L row) is zeroed with probability ``p`` and
    the others are scaled by 1/(1 - p); in evaluation the identity. Give ``seed`` or
    ``generator`` (keywords) for reproducible masks. See :func:`dropout1d`.
    """

    def forward(self, input: Any) -> Tensor:
        """The input with random channels zeroed (training) or unchanged (evaluation)."""
        return _dropout1d(input, self.p, self.training, self._rng, "Dropout1d")


class Dropout2d(_DropoutNd):
    """Channel dropout for (N, C, H, W) inputs, PyTorch's ``nn.Dropout2d(p=0.5)``.

    In training each channel (a whole H×W map) is zeroed with probability ``p`` and the
    others are scaled by 1/(1 - p); in evaluation the identity. A 3-D input is read as
    (N, C, L), with a warning, as PyTorch does. See :func:`dropout2d`.
    """

    def forward(self, input: Any) -> Tensor:
        """The input with random channels zeroed (training) or unchanged (evaluation)."""
        return _dropout2d(input, self.p, self.training, self._rng, "Dropout2d")


class AlphaDropout(_DropoutNd):
    """Dropout that keeps a standardised input standardised, for SELU networks,
    PyTorch's ``nn.AlphaDropout(p=0.5)``; the identity in evaluation. See :func:`alpha_dropout`."""

    def forward(self, input: Any) -> Tensor:
        """Alpha dropout of the input (training) or the input (evaluation)."""
        return _alpha_dropout(input, self.p, self.training, self._rng, "AlphaDropout")


# ---------------------------------------------------------------- pixel shuffle


def _factor(value: Any, what: str, who: str) -> int:
    return _positive_int(value, what, who)


def pixel_shuffle(input: Any, upscale_factor: int) -> Tensor:
    """Rearrange (*, C·r², H, W) into (*, C, H·r, W·r) (PyTorch's ``F.pixel_shuffle``):
    out[..., c, h·r + i, w·r + j] = x[..., c·r² + i·r + j, h, w].

    A reshape, a transpose and a reshape; derivative: x̄ = pixel_unshuffle(ȳ, r).
    """
    return _pixel_shuffle(input, upscale_factor, "pixel_shuffle")


def _pixel_shuffle(input: Any, upscale_factor: int, who: str) -> Tensor:
    r = _factor(upscale_factor, "upscale_factor", who)
    x = as_tensor(input, who)
    if x.ndim < 3 or x.shape[-3] % (r * r):
        raise ValueError(
            f"{who}: expected an input (*, C·r², H, W) whose channel axis (-3) is divisible by "
            f"upscale_factor² = {r * r}, got shape {x.shape}"
        )
    *lead, c, h, w = x.shape
    k = len(lead)
    y = x.reshape((*lead, c // (r * r), r, r, h, w))
    y = ops.transpose(y, (*range(k), k, k + 3, k + 1, k + 4, k + 2))
    return y.reshape((*lead, c // (r * r), h * r, w * r))


def pixel_unshuffle(input: Any, downscale_factor: int) -> Tensor:
    """Rearrange (*, C, H·r, W·r) into (*, C·r², H, W), the inverse of
    :func:`pixel_shuffle` (PyTorch's ``F.pixel_unshuffle``).

    Derivative: x̄ = pixel_shuffle(ȳ, r).
    """
    return _pixel_unshuffle(input, downscale_factor, "pixel_unshuffle")


def _pixel_unshuffle(input: Any, downscale_factor: int, who: str) -> Tensor:
    r = _factor(downscale_factor, "downscale_factor", who)
    x = as_tensor(input, who)
    if x.ndim < 3 or x.shape[-2] % r or x.shape[-1] % r:
        raise ValueError(
            f"{who}: expected an input (*, C, H, W) whose height and width are divisible by "
            f"downscale_factor = {r}, got shape {x.shape}"
        )
    *lead, c, h, w = x.shape
    k = len(lead)
    y = x.reshape((*lead, c, h // r, r, w // r, r))
    y = ops.transpose(y, (*range(k), k, k + 2, k + 4, k + 1, k + 3))
    return y.reshape((*lead, c * r * r, h // r, w // r))


class PixelShuffle(Module):
    """(*, C·r², H, W) → (*, C, H·r, W·r), PyTorch's ``nn.PixelShuffle(upscale_factor)``."""

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = _factor(upscale_factor, "upscale_factor", "PixelShuffle")

    def forward(self, input: Any) -> Tensor:
        """The input's channels moved into space."""
        return _pixel_shuffle(input, self.upscale_factor, "PixelShuffle")

    def extra_repr(self) -> str:
        """PyTorch's."""
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """(*, C, H·r, W·r) → (*, C·r², H, W), PyTorch's ``nn.PixelUnshuffle(downscale_factor)``."""

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = _factor(downscale_factor, "downscale_factor", "PixelUnshuffle")

    def forward(self, input: Any) -> Tensor:
        """The input's space moved into channels."""
        return _pixel_unshuffle(input, self.downscale_factor, "PixelUnshuffle")

    def extra_repr(self) -> str:
        """PyTorch's."""
        return f"downscale_factor={self.downscale_factor}"


# ---------------------------------------------------------------- distances


def _broadcast_pair(x1: Tensor, x2: Tensor, who: str) -> tuple[int, ...]:
    try:
        return tuple(np.broadcast_shapes(x1.shape, x2.shape))
    except ValueError:
        raise ValueError(
            f"{who}: x1 of shape {x1.shape} and x2 of shape {x2.shape} do not broadcast"
        ) from None


def cosine_similarity(x1: Any, x2: Any, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """x₁·x₂ / (max(‖x₁‖, ε)·max(‖x₂‖, ε)) along ``dim`` (PyTorch's ``F.cosine_similarity``).

    The inputs broadcast to a common shape, ``dim`` indexes it and is removed. Each
    clamped norm is computed as √max(Σx², ε²) (the same value), so no square root is taken
    of zero and a zero vector gets similarity 0 with a finite gradient.

    Derivative (norms above ε): x̄₁ = ȳ·(x₂/(‖x₁‖‖x₂‖) - cos·x₁/‖x₁‖²), and alike for x₂.
    """
    return _cosine_similarity(x1, x2, dim, eps, "cosine_similarity")


def _cosine_similarity(x1: Any, x2: Any, dim: int, eps: float, who: str) -> Tensor:
    a, b = _float_input(x1, who), _float_input(x2, who)
    shape = _broadcast_pair(a, b, who)
    if not isinstance(dim, (int, np.integer)) or not -len(shape) <= dim < max(len(shape), 1):
        raise ValueError(f"{who}: dim={dim!r} is out of range for inputs broadcast to shape {shape}")
    eps2 = float(eps) * float(eps)
    norm1 = ops.sqrt(ops.maximum((a * a).sum(axis=dim), eps2))
    norm2 = ops.sqrt(ops.maximum((b * b).sum(axis=dim), eps2))
    return (a * b).sum(axis=dim) / (norm1 * norm2)


def pairwise_distance(x1: Any, x2: Any, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """‖x₁ - x₂ + ε‖_p along the last axis (PyTorch's ``F.pairwise_distance``).

    The inputs broadcast; p may be any real (inf: the largest |d|, 0: the count of
    non-zeros). Computed with ``am.norm``, whose derivative is x̄₁ = ȳ·sign(d)|d|^(p-1) /
    ‖d‖^(p-1) (p = 2: ȳ·d/‖d‖), 0 where d = 0; x̄₂ = -x̄₁.
    """
    return _pairwise_distance(x1, x2, p, eps, keepdim, "pairwise_distance")


def _pairwise_distance(x1: Any, x2: Any, p: float, eps: float, keepdim: bool, who: str) -> Tensor:
    a, b = _float_input(x1, who), _float_input(x2, who)
    shape = _broadcast_pair(a, b, who)
    if not shape:
        raise ValueError(f"{who}: expected vectors (D,) or batches of them (N, D), got 0-D inputs")
    return ops.norm(a - b + float(eps), ord=float(p), axis=-1, keepdims=bool(keepdim))


class CosineSimilarity(Module):
    """Cosine similarity along ``dim``, PyTorch's ``nn.CosineSimilarity(dim=1, eps=1e-8)``;
    called as ``cos(x1, x2)``. See :func:`cosine_similarity`."""

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim = int(dim)
        self.eps = float(eps)

    def forward(self, x1: Any, x2: Any) -> Tensor:
        """The cosine of the angle between the vectors along ``dim``."""
        return _cosine_similarity(x1, x2, self.dim, self.eps, "CosineSimilarity")


class PairwiseDistance(Module):
    """‖x₁ - x₂ + ε‖_p along the last axis, PyTorch's
    ``nn.PairwiseDistance(p=2.0, eps=1e-6, keepdim=False)``. See :func:`pairwise_distance`."""

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm = float(p)
        self.eps = float(eps)
        self.keepdim = bool(keepdim)

    def forward(self, x1: Any, x2: Any) -> Tensor:
        """The distance between the rows of ``x1`` and ``x2``."""
        return _pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim, "PairwiseDistance")


# ---------------------------------------------------------------- adaptive max pooling


def _bin_indices(size: int, out: int) -> np.ndarray:
    """(out, kmax): the positions of PyTorch's bin i, ⌊i·size/out⌋ .. ⌈(i+1)·size/out⌉ - 1,
    shorter bins padded by repeating their last position (a copy never wins the first-max
    search, so the padding changes nothing)."""
    i = np.arange(out)
    start = (i * size) // out
    end = -((-(i + 1) * size) // out)
    width = int((end - start).max())
    return np.asarray(np.minimum(start[:, None] + np.arange(width)[None, :], (end - 1)[:, None]))


def _adaptive_max_positions(
    x: np.ndarray, sizes: tuple[int, ...], unbatched: bool
) -> tuple[np.ndarray, np.ndarray]:
    """The flat index (within its channel's plane) of each bin's first maximum (row-major,
    PyTorch's ``return_indices``): as (N, C, prod(sizes)) for the gather, and int64 in the
    output's layout, (N, C, *sizes) or (C, *sizes) (both returned, so that a compiled step
    recomputes each on a replay)."""
    spatial = x.shape[2:]
    if len(sizes) == 1:
        bins = _bin_indices(spatial[0], sizes[0])  # (o, k)
        first = x[..., bins].argmax(axis=-1)  # (N, C, o)
        flat = bins[np.arange(sizes[0]), first]
    else:
        rows = _bin_indices(spatial[0], sizes[0])  # (oh, kh)
        cols = _bin_indices(spatial[1], sizes[1])  # (ow, kw)
        windows = x[:, :, rows[:, None, :, None], cols[None, :, None, :]]  # (N, C, oh, ow, kh, kw)
        first = windows.reshape((*windows.shape[:4], -1)).argmax(axis=-1)
        kw = cols.shape[1]
        oh, ow = np.arange(sizes[0])[:, None], np.arange(sizes[1])[None, :]
        flat = rows[oh, first // kw] * spatial[1] + cols[ow, first % kw]
    flat = flat.astype(np.int64)
    return flat.reshape((*x.shape[:2], -1)), flat[0] if unbatched else flat


def _adaptive_max_pool(input: Any, output_size: Any, return_indices: bool, n: int, who: str) -> Any:
    x, unbatched = batched(_float_input(input, who), n, who)
    if any(s == 0 for s in x.shape[2:]):
        raise ValueError(f"{who}: the input of shape {x.shape} has an empty spatial axis")
    sizes = _adaptive_sizes(output_size, x, n, who)
    gather, positions = traced_values(_adaptive_max_positions, (x,), {"sizes": sizes, "unbatched": unbatched})
    big_n, c = x.shape[:2]
    out = ops.take_along_axis(x.reshape((big_n, c, -1)), gather, axis=2).reshape((big_n, c, *sizes))
    if unbatched:
        out = out.reshape(out.shape[1:])
    return (out, Tensor._wrap(positions)) if return_indices else out


def adaptive_max_pool1d(input: Any, output_size: Any, return_indices: bool = False) -> Any:
    """The maximum of each of ``output_size`` bins of an (N, C, L) or (C, L) input
    (PyTorch's ``F.adaptive_max_pool1d``; bins ⌊i·L/out⌋ .. ⌈(i+1)·L/out⌉ - 1).

    ``return_indices=True`` also returns the position of each maximum (an int64 Tensor).
    A gather at those positions (``take_along_axis``); derivative: ȳ goes to each bin's
    first maximum (PyTorch's tie rule), overlapping bins add up.
    """
    return _adaptive_max_pool(input, output_size, return_indices, 1, "adaptive_max_pool1d")


def adaptive_max_pool2d(input: Any, output_size: Any, return_indices: bool = False) -> Any:
    """The maximum of each of the (oh, ow) bins of an (N, C, H, W) or (C, H, W) input
    (PyTorch's ``F.adaptive_max_pool2d``; ``None`` in ``output_size`` keeps that size).

    ``return_indices=True`` also returns the flat index h·W + w of each maximum within its
    channel. Derivative: ȳ goes to each bin's first maximum in row-major order (PyTorch's
    tie rule), overlapping bins add up.
    """
    return _adaptive_max_pool(input, output_size, return_indices, 2, "adaptive_max_pool2d")


class _AdaptiveMaxPoolNd(Module):
    _n = 1

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size = output_size
        self.return_indices = bool(return_indices)

    def forward(self, input: Any) -> Any:
        """The maximum of each bin (and its positions with ``return_indices``)."""
        return _adaptive_max_pool(input, self.output_size, self.return_indices, self._n, type(self).__name__)

    def extra_repr(self) -> str:
        """PyTorch's."""
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """Max pooling to a fixed output length, PyTorch's ``nn.AdaptiveMaxPool1d(output_size,
    return_indices=False)``. See :func:`adaptive_max_pool1d`."""

    _n = 1


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """Max pooling to a fixed output size (oh, ow), PyTorch's ``nn.AdaptiveMaxPool2d(output_size,
    return_indices=False)``; ``None`` keeps an input size. See :func:`adaptive_max_pool2d`."""

    _n = 2
