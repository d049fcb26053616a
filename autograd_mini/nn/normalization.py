"""Normalisation layers: ``BatchNorm1d/2d``, ``LayerNorm``, ``GroupNorm`` (PyTorch's).

Each normalises with the mean and the biased variance (ddof = 0) of a group of values,
x̂ = (x - μ)/√(σ² + ε), then scales and shifts per feature: y = γ x̂ + β. They differ in
the group: batch norm one channel over the batch (and positions), layer norm the last
axes of one sample, group norm a group of channels of one sample.

**Composites.** The forwards are compositions of exact library ops (``mean``, ``var``,
``sqrt``, ``-``, ``*``, ``/``), so the engine differentiates them (to any order) with no
hand-written rule. For batch norm in training this gives the textbook closed form
(with m values per channel)

    x̄ = γ/(m·√(σ² + ε)) · (m·ȳ - Σ ȳ - x̂ Σ (ȳ ⊙ x̂)),   γ̄ = Σ ȳ ⊙ x̂,   β̄ = Σ ȳ,

which the tests compare against the engine.

**Running statistics.** ``BatchNorm`` keeps the buffers ``running_mean``, ``running_var``
and ``num_batches_tracked`` (in ``state_dict`` under PyTorch's keys). Each training call
updates r ← (1 - momentum)·r + momentum·batch statistic, with the *unbiased* variance
(m/(m - 1)·σ²) for ``running_var``, as PyTorch; ``momentum=None`` averages all batches
so far. ``eval()`` normalises with the running statistics instead of the batch's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes
from ..core.grad_mode import no_grad
from ..core.grad_mode import state as _modes
from ..ops import api as ops
from ..ops.convert import as_tensor
from ..tensor import Tensor, traced_values
from .module import Module, Parameter

__all__ = [
    "BatchNorm1d",
    "BatchNorm2d",
    "GroupNorm",
    "LayerNorm",
    "batch_norm",
    "group_norm",
    "layer_norm",
]


def _normalise(x: Tensor, axes: tuple[int, ...], eps: float) -> tuple[Tensor, Tensor, Tensor]:
    """(x - μ)/√(σ² + ε) over ``axes``; also μ and σ² (keepdims), all differentiable."""
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    return (x - mean) / ops.sqrt(var + eps), mean, var


def _channel_shape(x: Tensor) -> tuple[int, ...]:
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


def _affine(y: Tensor, weight: Any, bias: Any, shape: tuple[int, ...]) -> Tensor:
    if weight is not None:
        y = y * as_tensor(weight, "normalisation").reshape(shape)
    if bias is not None:
        y = y + as_tensor(bias, "normalisation").reshape(shape)
    return y


def batch_norm(
    input: Any,
    running_mean: Any,
    running_var: Any,
    weight: Any = None,
    bias: Any = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Batch normalisation of an (N, C, *) input per channel C (PyTorch's ``F.batch_norm``).

    In training (or when no running statistics are given) it normalises with the batch's
    mean and biased variance over every axis but 1, and, if ``running_mean`` /
    ``running_var`` are Tensors, replaces their data by (1 - momentum)·r + momentum·stat
    (unbiased variance for ``running_var``). Otherwise it normalises with the running
    statistics. Then y = weight·x̂ + bias per channel.

    Derivative (training): x̄ = γ/(m√(σ²+ε))·(m ȳ - Σȳ - x̂ Σ ȳx̂), γ̄ = Σ ȳx̂, β̄ = Σ ȳ
    (sums over the m values of a channel); in evaluation x̄ = γ ȳ/√(r_var + ε).
    """
    who = "batch_norm"
    x = as_tensor(input, who)
    if x.ndim < 2:
        raise ValueError(f"{who}: expected an input of shape (N, C, ...), got {x.shape}")
    c = x.shape[1]
    shape = _channel_shape(x)
    _check_per_channel(who, x, running_mean=running_mean, running_var=running_var, weight=weight, bias=bias)
    if training or running_mean is None or running_var is None:
        axes = (0, *range(2, x.ndim))
        m = x.size // c
        if training and m <= 1:
            raise ValueError(
                f"{who}: expected more than 1 value per channel when training, got input of shape "
                f"{x.shape}; use a larger batch, or eval() mode"
            )
        y, mean, var = _normalise(x, axes, eps)
        if training and running_mean is not None and running_var is not None:
            with no_grad():
                for r, stat, count in ((running_mean, mean, 0), (running_var, var, m)):
                    if isinstance(r, Tensor):  # a compiled step replays the update
                        r.data = traced_values(_running_update, (r, stat, momentum), {"count": count})
                    else:  # a NumPy array given by the caller is updated in place
                        if _modes.recorder is not None:
                            _modes.recorder.refuse(
                                "batch_norm updating running statistics held in NumPy arrays",
                                "pass them as Tensors (nn.BatchNorm1d/2d does)",
                            )
                        old = np.asarray(r)
                        r[...] = _running_update(old, stat.data, momentum, count)
    else:  # the running statistics are read on every replay of a compiled step
        rm, inv = traced_values(
            _eval_statistics, (running_mean, running_var), {"dtype": x.dtype, "shape": shape, "eps": eps}
        )
        y = (x - rm) * inv
    return _affine(y, weight, bias, shape)


def _check_per_channel(who: str, x: Tensor, **per_channel: Any) -> None:
    """Each given array or tensor holds one value per channel (axis 1 of ``x``), or raise."""
    c = x.shape[1]
    for name, t in per_channel.items():
        if t is not None and tuple(np.shape(getattr(t, "data", t))) != (c,):
            raise ValueError(
                f"{who}: {name} must have shape ({c},) for an input with {c} channels (shape "
                f"{x.shape}), got {tuple(np.shape(getattr(t, 'data', t)))}"
            )


def _running_update(old: np.ndarray, stat: np.ndarray, momentum: Any, count: int = 0) -> np.ndarray:
    """(1 - momentum)·old + momentum·stat in ``old``'s dtype; with ``count`` = m > 0 the
    statistic is a biased variance over m values, made unbiased (·m/(m - 1)).

    ``momentum`` may be a 0-d array (BatchNorm's cumulative average, 1/n of a compiled
    step's counter): it is read as a Python float, as the eager code always did."""
    mom = float(momentum)
    value = stat.reshape(old.shape[0])
    if count:
        value = value * count / (count - 1)
    return np.asarray(((1.0 - mom) * old + mom * value).astype(old.dtype))


def _eval_statistics(
    rm: Any, rv: Any, dtype: Any, shape: tuple[int, ...], eps: float
) -> tuple[np.ndarray, np.ndarray]:
    """The running mean in the input's layout and 1/√(running var + ε), for evaluation."""
    mean = np.asarray(rm, dtype=dtype).reshape(shape)
    var = np.asarray(rv, dtype=dtype).reshape(shape)
    return mean, np.asarray((1.0 / np.sqrt(var + eps)).astype(dtype))


def _plus_one(n: np.ndarray) -> np.ndarray:
    """A counter's next value."""
    return np.asarray(n + 1)


def _inverse(n: np.ndarray) -> np.ndarray:
    """1/n as a 0-d float64 array (BatchNorm's cumulative-average momentum)."""
    return np.asarray(1.0 / float(n))


def layer_norm(
    input: Any, normalized_shape: Any, weight: Any = None, bias: Any = None, eps: float = 1e-5
) -> Tensor:
    """Normalise over the last ``len(normalized_shape)`` axes of each sample (PyTorch's ``F.layer_norm``).

    y = weight ⊙ (x - μ)/√(σ² + ε) + bias with μ, σ² over those axes (biased variance).
    Derivative: x̄ = (1/√(σ²+ε))·(ĝ - mean(ĝ) - x̂·mean(ĝ ⊙ x̂)) with ĝ = weight ⊙ ȳ.
    """
    who = "layer_norm"
    x = as_tensor(input, who)
    ns = _shape_tuple(normalized_shape, who)
    k = len(ns)
    if x.ndim < k or tuple(x.shape[x.ndim - k :]) != ns:
        raise ValueError(
            f"{who}: given normalized_shape={list(ns)}, expected an input with shape [*, "
            f"{', '.join(map(str, ns))}], but got an input of shape {x.shape}"
        )
    y, _, _ = _normalise(x, tuple(range(x.ndim - k, x.ndim)), eps)
    return _affine(y, weight, bias, ns)


def group_norm(
    input: Any, num_groups: int, weight: Any = None, bias: Any = None, eps: float = 1e-5
) -> Tensor:
    """Normalise each group of C/num_groups channels of each sample (PyTorch's ``F.group_norm``).

    The input (N, C, *) is seen as (N, G, C/G·prod(*)); each row is normalised
    (biased variance), then y = weight·x̂ + bias per channel.
    """
    who = "group_norm"
    x = as_tensor(input, who)
    if x.ndim < 2:
        raise ValueError(f"{who}: expected an input of shape (N, C, ...), got {x.shape}")
    c = x.shape[1]
    if not isinstance(num_groups, (int, np.integer)) or num_groups < 1 or c % num_groups:
        raise ValueError(
            f"{who}: the {c} channels of the input of shape {x.shape} cannot be split "
            f"into num_groups={num_groups!r} groups"
        )
    grouped = x.reshape((x.shape[0], int(num_groups), -1))
    y, _, _ = _normalise(grouped, (2,), eps)
    return _affine(y.reshape(x.shape), weight, bias, _channel_shape(x))


def _shape_tuple(shape: Any, who: str) -> tuple[int, ...]:
    items = tuple(shape) if isinstance(shape, (tuple, list)) else (shape,)
    if not items or not all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v > 0 for v in items
    ):
        raise ValueError(f"{who}: normalized_shape must be a positive int or a tuple of them, got {shape!r}")
    return tuple(int(v) for v in items)


def _dtype(dtype: Any, who: str) -> np.dtype[Any]:
    dt = np.dtype(dtypes.get_default_dtype() if dtype is None else dtype)
    if dt.kind != "f":
        raise TypeError(f"{who}: dtype must be floating point, got {dt}")
    return dt


# ---------------------------------------------------------------- modules


class _NormBase(Module):
    """What batch and instance normalisation share (PyTorch's ``_NormBase``): the
    arguments, the affine parameters ``weight``/``bias`` and the running-statistics
    buffers ``running_mean``, ``running_var``, ``num_batches_tracked``."""

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        who = type(self).__name__
        if (
            not isinstance(num_features, (int, np.integer))
            or isinstance(num_features, bool)
            or num_features <= 0
        ):
            raise ValueError(f"{who}: num_features must be a positive int, got {num_features!r}")
        dt = _dtype(dtype, who)
        self.num_features = int(num_features)
        self.eps = float(eps)
        self.momentum = momentum
        self.affine = bool(affine)
        self.track_running_stats = bool(track_running_stats)
        if self.affine:
            self.weight = Parameter(np.ones(self.num_features, dtype=dt))
            self.bias = Parameter(np.zeros(self.num_features, dtype=dt))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if self.track_running_stats:
            self.register_buffer("running_mean", np.zeros(self.num_features, dtype=dt))
            self.register_buffer("running_var", np.ones(self.num_features, dtype=dt))
            self.register_buffer("num_batches_tracked", np.zeros((), dtype=np.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches tracked."""
        if self.track_running_stats:
            self.running_mean.data = np.zeros_like(self.running_mean.data)
            self.running_var.data = np.ones_like(self.running_var.data)
            self.num_batches_tracked.data = np.zeros((), dtype=np.int64)

    def reset_parameters(self) -> None:
        """Running statistics reset, weight 1, bias 0 (PyTorch's)."""
        self.reset_running_stats()
        if self.affine:
            self.weight.data = np.ones_like(self.weight.data)
            self.bias.data = np.zeros_like(self.bias.data)

    def extra_repr(self) -> str:
        """PyTorch's."""
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"track_running_stats={self.track_running_stats}"
        )


class _BatchNorm(_NormBase):
    _dims: tuple[int, ...] = (2, 3)

    def forward(self, input: Any) -> Tensor:
        """Normalise with the batch's statistics (training; running ones updated) or the
        running statistics (evaluation)."""
        who = type(self).__name__
        x = as_tensor(input, who)
        if x.ndim not in self._dims:
            raise ValueError(
                f"{who}: expected a {' or '.join(f'{d}-D' for d in self._dims)} input, got shape {x.shape}"
            )
        if x.shape[1] != self.num_features:
            raise ValueError(
                f"{who}: expected {self.num_features} channels on axis 1, got input of shape {x.shape}"
            )
        factor = 0.0 if self.momentum is None else float(self.momentum)
        if self.training and self.track_running_stats:
            # (a compiled step replays the count and the factor derived from it)
            self.num_batches_tracked.data = traced_values(_plus_one, (self.num_batches_tracked,))
            if self.momentum is None:  # the cumulative average over all batches so far
                factor = traced_values(_inverse, (self.num_batches_tracked,))
        use_batch = self.training or self.running_mean is None
        tracked = not self.training or self.track_running_stats
        return batch_norm(
            x,
            self.running_mean if tracked else None,
            self.running_var if tracked else None,
            self.weight,
            self.bias,
            use_batch,
            factor,
            self.eps,
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) inputs per channel, PyTorch's ``nn.BatchNorm1d``.

    Parameters ``weight`` (γ, ones) and ``bias`` (β, zeros) of shape (num_features,) if
    ``affine``; buffers ``running_mean``, ``running_var`` (unbiased) and
    ``num_batches_tracked`` if ``track_running_stats``. See the module docstring for the
    update rule and the derivative.
    """

    _dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) inputs per channel, PyTorch's ``nn.BatchNorm2d``.

    Statistics over N, H and W per channel; otherwise as :class:`BatchNorm1d`.

    >>> import numpy as np
    >>> from autograd_mini import nn
    >>> bn = nn.BatchNorm2d(3)
    >>> y = bn(np.random.default_rng(0).normal(2.0, 3.0, (8, 3, 4, 4)))
    >>> bool(abs(y.data.mean()) < 1e-6), list(bn.state_dict())
    (True, ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked'])
    """

    _dims = (4,)


class LayerNorm(Module):
    """Normalise the last axes of each sample, PyTorch's ``nn.LayerNorm``.

    ``normalized_shape``: the trailing shape normalised over (an int for the last axis).
    ``weight`` (ones) and ``bias`` (zeros) of that shape if ``elementwise_affine``
    (``bias=False`` drops the bias). Same in training and evaluation.
    """

    def __init__(
        self,
        normalized_shape: Any,
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        who = "LayerNorm"
        self.normalized_shape = _shape_tuple(normalized_shape, who)
        self.eps = float(eps)
        self.elementwise_affine = bool(elementwise_affine)
        dt = _dtype(dtype, who)
        if self.elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype=dt))
            self.bias = Parameter(np.zeros(self.normalized_shape, dtype=dt)) if bias else None
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, input: Any) -> Tensor:
        """``input`` normalised over its last axes, scaled and shifted."""
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        """PyTorch's."""
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class GroupNorm(Module):
    """Normalise groups of channels of each sample, PyTorch's ``nn.GroupNorm``.

    ``num_channels`` must be divisible by ``num_groups``; ``weight`` (ones) and ``bias``
    (zeros) of shape (num_channels,) if ``affine``. ``GroupNorm(1, C)`` normalises each
    sample as a whole; ``GroupNorm(C, C)`` each channel (instance norm).
    """

    def __init__(
        self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True, dtype: Any = None
    ) -> None:
        super().__init__()
        who = "GroupNorm"
        for what, v in (("num_groups", num_groups), ("num_channels", num_channels)):
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v <= 0:
                raise ValueError(f"{who}: {what} must be a positive int, got {v!r}")
        if num_channels % num_groups:
            raise ValueError(
                f"{who}: num_channels ({num_channels}) must be divisible by num_groups ({num_groups})"
            )
        self.num_groups = int(num_groups)
        self.num_channels = int(num_channels)
        self.eps = float(eps)
        self.affine = bool(affine)
        dt = _dtype(dtype, who)
        if self.affine:
            self.weight = Parameter(np.ones(self.num_channels, dtype=dt))
            self.bias = Parameter(np.zeros(self.num_channels, dtype=dt))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, input: Any) -> Tensor:
        """``input`` normalised per group of channels, scaled and shifted per channel."""
        x = as_tensor(input, "GroupNorm")
        if x.ndim < 2 or x.shape[1] != self.num_channels:
            raise ValueError(
                f"GroupNorm: expected an input (N, {self.num_channels}, ...), got shape {x.shape}"
            )
        return group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        """PyTorch's."""
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"
