"""More of PyTorch's losses: ``TripletMarginLoss``, ``SoftMarginLoss``,
``MultiLabelSoftMarginLoss``, ``MultiMarginLoss`` and ``PoissonNLLLoss``, as modules and
as functions (exported by :mod:`autograd_mini.nn.functional`).

Each is composed of the library's ops (``norm``, ``clip``, ``logsigmoid``, ``exp``,
``log``, ``take_along_axis``, sums), so its first and higher derivatives and forward mode
come from their rules. Values read from integer labels or targets (which entries count)
are computed by :func:`~autograd_mini.tensor.traced_values`, so a compiled step computes
them again for each batch.

Signatures, defaults and formulas are PyTorch's, including the deprecated
``size_average`` and ``reduce`` arguments in their positions: they must stay ``None``
(use ``reduction``). ``MultiMarginLoss`` and ``MultiLabelSoftMarginLoss`` keep their class
weights as the buffer ``weight`` (in ``state_dict``, as PyTorch's).

>>> import numpy as np
>>> from autograd_mini import nn
>>> round(nn.SoftMarginLoss()(np.array([0.0, 0.0]), np.array([1.0, -1.0])).item(), 6)  # log 2
0.693147
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..ops import api as ops
from ..ops.convert import as_tensor
from ..tensor import Tensor, traced_values
from .layers_more import pairwise_distance
from .module import Module

__all__ = [  # the modules (nn exports them); the functions are exported by nn.functional
    "MultiLabelSoftMarginLoss",
    "MultiMarginLoss",
    "PoissonNLLLoss",
    "SoftMarginLoss",
    "TripletMarginLoss",
]

_REDUCTIONS = ("mean", "sum", "none")


# ---------------------------------------------------------------- helpers


def _reduction(reduction: Any, size_average: Any, reduce: Any, who: str) -> str:
    """The reduction, after refusing PyTorch's deprecated ``size_average``/``reduce``."""
    if size_average is not None or reduce is not None:
        raise ValueError(
            f"{who}: size_average and reduce are deprecated in PyTorch and not supported here; "
            f"use reduction='mean' (size_average=True), 'sum' (size_average=False) or 'none' "
            f"(reduce=False)"
        )
    if reduction not in _REDUCTIONS:
        raise ValueError(f'{who}: reduction must be "mean", "sum" or "none", got {reduction!r}')
    return str(reduction)


def _reduce(losses: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    return losses


def _input(input: Any, who: str) -> Tensor:
    x = as_tensor(input, who)
    if x.dtype.kind != "f":
        raise TypeError(f"{who}: the input must be floating point, got {x.dtype}")
    return x


def _target(target: Any, x: Tensor, who: str) -> Any:
    """The target, of the input's shape: a Tensor (kept, so one that requires grad is
    differentiated) or a floating array."""
    y = target if isinstance(target, (Tensor, np.ndarray)) else as_tensor(target, who)
    if tuple(y.shape) != x.shape:
        raise ValueError(
            f"{who}: the input has shape {x.shape} but the target has shape {tuple(y.shape)}; they must match"
        )
    if y.dtype.kind != "f":
        y = y.astype(x.dtype)
    return y


def _weight(weight: Any, x: Tensor, who: str) -> Tensor | None:
    """Class weights (C,) as a Tensor (one that requires grad is kept and differentiated)."""
    if weight is None:
        return None
    w = weight if isinstance(weight, Tensor) else Tensor._wrap(np.asarray(weight, dtype=x.dtype))
    c = x.shape[-1]
    if w.shape != (c,):
        raise ValueError(
            f"{who}: weight must hold one entry per class, shape ({c},) for an input of shape "
            f"{x.shape}, got shape {w.shape}"
        )
    return w


# ---------------------------------------------------------------- triplet margin


def triplet_margin_loss(
    anchor: Any,
    positive: Any,
    negative: Any,
    margin: float = 1.0,
    p: float = 2,
    eps: float = 1e-6,
    swap: bool = False,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:
    """max(d(a, p) - d(a, n) + margin, 0) per triplet, with d the pairwise distance
    ‖x - y + ε‖_p along the last axis (PyTorch's ``F.triplet_margin_loss``).

    ``swap=True`` uses min(d(a, n), d(p, n)) as the negative distance (the distance swap).
    Inputs are (N, D) or (D,), all with the same number of axes.

    Derivative where the hinge is active (at its kink too, as PyTorch's clamp):
    ā = ∂d(a,p)/∂a - ∂d(a,n)/∂a, p̄ = ∂d(a,p)/∂p, n̄ = -∂d(a,n)/∂n, with ∂‖u‖₂/∂u = u/‖u‖;
    0 elsewhere.
    """
    who = "triplet_margin_loss"
    red = _reduction(reduction, size_average, reduce, who)
    a, pos, neg = (_input(t, who) for t in (anchor, positive, negative))
    if not a.ndim == pos.ndim == neg.ndim or a.ndim == 0:
        raise ValueError(
            f"{who}: anchor, positive and negative must have the same number of axes, (N, D) or "
            f"(D,), got shapes {a.shape}, {pos.shape} and {neg.shape}"
        )
    d_pos = pairwise_distance(a, pos, p, eps)
    d_neg = pairwise_distance(a, neg, p, eps)
    if swap:
        d_neg = ops.minimum(d_neg, pairwise_distance(pos, neg, p, eps))
    return _reduce(ops.clip(d_pos - d_neg + float(margin), 0.0, None), red)


# ---------------------------------------------------------------- soft margins


def soft_margin_loss(
    input: Any, target: Any, size_average: Any = None, reduce: Any = None, reduction: str = "mean"
) -> Tensor:
    """log(1 + exp(-y·x)) per entry, for targets y = ±1 (PyTorch's ``F.soft_margin_loss``).

    Computed as -logsigmoid(y·x), exact and finite for any x. Derivative:
    x̄ = -ḡ·y·σ(-y·x).
    """
    who = "soft_margin_loss"
    red = _reduction(reduction, size_average, reduce, who)
    x = _input(input, who)
    y = _target(target, x, who)
    return _reduce(-ops.logsigmoid(y * x), red)


def multilabel_soft_margin_loss(
    input: Any,
    target: Any,
    weight: Any = None,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:
    """-(1/C)·Σ_c w_c·(y_c log σ(x_c) + (1 - y_c) log σ(-x_c)) per sample of an (N, C) or
    (C,) input against 0/1 targets of its shape (PyTorch's ``F.multilabel_soft_margin_loss``).

    ``weight`` (C,) rescales the classes; ``reduction="none"`` gives one loss per sample.
    Derivative: x̄_c = ḡ·w_c·(σ(x_c) - y_c)/C.
    """
    who = "multilabel_soft_margin_loss"
    red = _reduction(reduction, size_average, reduce, who)
    x = _input(input, who)
    if x.ndim not in (1, 2):
        raise ValueError(f"{who}: expected an input (N, C) or (C,), got shape {x.shape}")
    y = _target(target, x, who)
    losses = -(y * ops.logsigmoid(x) + (1.0 - y) * ops.logsigmoid(-x))
    w = _weight(weight, x, who)
    if w is not None:
        losses = losses * w
    return _reduce(losses.sum(axis=-1) / float(x.shape[-1]), red)


def _margin_picks(labels: np.ndarray, classes: int, dtype: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """From N class labels: the labels as an (N, 1) column and as (N,) (NumPy's index type)
    and the (N, C) mask of the other classes (1.0, the target's class 0.0). ``IndexError``
    for a label outside [0, C) (a compiled step checks each batch's labels here)."""
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise IndexError(
            f"multi_margin_loss: class labels must be in [0, {classes}) for {classes} classes, "
            f"got values in [{labels.min()}, {labels.max()}]"
        )
    flat = labels.reshape(-1).astype(np.intp)  # a 0-d label (one sample of (C,) scores) too
    others = np.ones((flat.shape[0], classes), dtype=dtype)
    others[np.arange(flat.shape[0]), flat] = 0.0
    return flat[:, None], flat, others


def multi_margin_loss(
    input: Any,
    target: Any,
    p: int = 1,
    margin: float = 1.0,
    weight: Any = None,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:
    """Multi-class hinge loss (PyTorch's ``F.multi_margin_loss``): per sample,
    (1/C)·Σ_{i ≠ y} w_y·max(0, margin - x_y + x_i)^p for scores x (N, C) or (C,) and class
    labels y (N,) or 0-d; p is 1 or 2.

    Derivative, per active term (margin - x_y + x_i > 0; at the kink too, as PyTorch's
    clamp) with h its value: x̄_i += ḡ·w_y·p·h^(p-1)/C and x̄_y -= the same.
    """
    who = "multi_margin_loss"
    red = _reduction(reduction, size_average, reduce, who)
    if p not in (1, 2):
        raise ValueError(f"{who}: only p = 1 and p = 2 are supported, got p={p!r}")
    x = _input(input, who)
    if x.ndim not in (1, 2):
        raise ValueError(f"{who}: expected scores (N, C) or (C,), got shape {x.shape}")
    labels = target.data if isinstance(target, Tensor) else np.asarray(target)
    if labels.dtype.kind not in "iu":
        raise TypeError(
            f"{who}: the target must hold integer class labels, got {labels.dtype}; use target.astype(int)"
        )
    expected = x.shape[:1] if x.ndim == 2 else ()
    if labels.shape != expected:
        wanted = "a 0-d label" if x.ndim == 1 else f"{x.shape[0]} labels"
        raise ValueError(
            f"{who}: scores of shape {x.shape} need {wanted} (shape {expected}), got a target of "
            f"shape {labels.shape}"
        )
    unbatched = x.ndim == 1
    scores = x.reshape((1, -1)) if unbatched else x
    classes = scores.shape[1]
    source = target if isinstance(target, Tensor) else labels  # a Tensor is followed by am.compile
    column, flat, others = traced_values(_margin_picks, (source,), {"classes": classes, "dtype": x.dtype})
    picked = ops.take_along_axis(scores, column, axis=1)  # x_y, (N, 1)
    hinge = ops.clip(scores - picked + float(margin), 0.0, None)
    if p == 2:
        hinge = hinge * hinge
    losses = (hinge * others).sum(axis=1)
    w = _weight(weight, x, who)
    if w is not None:
        losses = losses * w[flat]
    losses = losses / float(classes)
    if unbatched:
        losses = losses.reshape(())
    return _reduce(losses, red)


# ---------------------------------------------------------------- Poisson


def _above_one(target: np.ndarray) -> np.ndarray:
    """``target > 1`` (where the Stirling term applies), recomputed by a compiled step."""
    return np.asarray(target > 1)


def poisson_nll_loss(
    input: Any,
    target: Any,
    log_input: bool = True,
    full: bool = False,
    size_average: Any = None,
    eps: float = 1e-8,
    reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of ``target`` under Poisson(λ) (PyTorch's ``F.poisson_nll_loss``).

    ``log_input=True``: the input is log λ and the loss exp(x) - y·x; else the input is λ
    and the loss x - y·log(x + eps). ``full=True`` adds Stirling's approximation of
    log(y!), y·log y - y + ½·log(2πy), where y > 1 (0 elsewhere).

    Derivative: x̄ = ḡ·(exp(x) - y) (log input) or ḡ·(1 - y/(x + eps)); a target that
    requires grad gets ȳ = -ḡ·x or -ḡ·log(x + eps), plus the Stirling term's
    ḡ·(log y + 1/(2y)) where y > 1.
    """
    who = "poisson_nll_loss"
    red = _reduction(reduction, size_average, reduce, who)
    x = _input(input, who)
    y = _target(target, x, who)
    losses = ops.exp(x) - y * x if log_input else x - y * ops.log(x + float(eps))
    if full:
        above = traced_values(_above_one, (y,))
        # y replaced by 1 where the term does not apply, so log never sees 0 (no nan in
        # the unused branch's gradient)
        safe = ops.where(above, y, np.ones((), dtype=x.dtype))
        stirling = safe * ops.log(safe) - safe + 0.5 * ops.log(safe * float(2.0 * math.pi))
        losses = losses + ops.where(above, stirling, np.zeros((), dtype=x.dtype))
    return _reduce(losses, red)


# ---------------------------------------------------------------- modules


class _Loss(Module):
    def __init__(self, size_average: Any, reduce: Any, reduction: str) -> None:
        super().__init__()
        self.reduction = _reduction(reduction, size_average, reduce, type(self).__name__)

    def _options(self, *pairs: tuple[str, Any, Any]) -> str:
        """``name=value`` for the options that differ from their defaults."""
        parts = [f"{name}={value!r}" for name, value, default in pairs if value != default]
        if self.reduction != "mean":
            parts.append(f"reduction={self.reduction!r}")
        return ", ".join(parts)


class _WeightedLoss(_Loss):
    def __init__(self, weight: Any, size_average: Any, reduce: Any, reduction: str) -> None:
        super().__init__(size_average, reduce, reduction)
        if weight is not None and not isinstance(weight, Tensor):
            weight = np.asarray(weight)
            if weight.dtype.kind != "f":
                weight = weight.astype(np.float64)
        self.register_buffer("weight", weight)  # PyTorch's buffer: in state_dict as 'weight'


class TripletMarginLoss(_Loss):
    """PyTorch's ``nn.TripletMarginLoss(margin=1.0, p=2.0, eps=1e-6, swap=False, reduction='mean')``;
    called as ``loss(anchor, positive, negative)``. See :func:`triplet_margin_loss`."""

    def __init__(
        self,
        margin: float = 1.0,
        p: float = 2.0,
        eps: float = 1e-6,
        swap: bool = False,
        size_average: Any = None,
        reduce: Any = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        if not isinstance(margin, (int, float)) or margin <= 0:
            raise ValueError(f"TripletMarginLoss: margin must be greater than 0, got {margin!r}")
        self.margin = float(margin)
        self.p = float(p)
        self.eps = float(eps)
        self.swap = bool(swap)

    def forward(self, anchor: Any, positive: Any, negative: Any) -> Tensor:
        """The loss of the triplets."""
        return triplet_margin_loss(
            anchor, positive, negative, self.margin, self.p, self.eps, self.swap, reduction=self.reduction
        )

    def extra_repr(self) -> str:
        """The options that differ from their defaults."""
        return self._options(("margin", self.margin, 1.0), ("p", self.p, 2.0), ("swap", self.swap, False))


class SoftMarginLoss(_Loss):
    """log(1 + exp(-y·x)), PyTorch's ``nn.SoftMarginLoss(reduction='mean')``. See
    :func:`soft_margin_loss`."""

    def __init__(self, size_average: Any = None, reduce: Any = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)

    def forward(self, input: Any, target: Any) -> Tensor:
        """The loss of scores ``input`` against ±1 ``target``."""
        return soft_margin_loss(input, target, reduction=self.reduction)

    def extra_repr(self) -> str:
        """The options that differ from their defaults."""
        return self._options()


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """One-versus-all logistic loss averaged over the classes, PyTorch's
    ``nn.MultiLabelSoftMarginLoss(weight=None, reduction='mean')``. See
    :func:`multilabel_soft_margin_loss`."""

    def __init__(
        self, weight: Any = None, size_average: Any = None, reduce: Any = None, reduction: str = "mean"
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)

    def forward(self, input: Any, target: Any) -> Tensor:
        """The loss of scores ``input`` against 0/1 ``target`` of its shape."""
        return multilabel_soft_margin_loss(input, target, self.weight, reduction=self.reduction)

    def extra_repr(self) -> str:
        """The options that differ from their defaults."""
        return self._options()


class MultiMarginLoss(_WeightedLoss):
    """Multi-class hinge loss, PyTorch's ``nn.MultiMarginLoss(p=1, margin=1.0, weight=None,
    reduction='mean')``. See :func:`multi_margin_loss`."""

    def __init__(
        self,
        p: int = 1,
        margin: float = 1.0,
        weight: Any = None,
        size_average: Any = None,
        reduce: Any = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        if p not in (1, 2):
            raise ValueError(f"MultiMarginLoss: only p = 1 and p = 2 are supported, got p={p!r}")
        if weight is not None and np.ndim(getattr(weight, "data", weight)) != 1:
            raise ValueError(
                f"MultiMarginLoss: weight must be 1-D (one entry per class), got shape "
                f"{np.shape(getattr(weight, 'data', weight))}"
            )
        self.p = int(p)
        self.margin = float(margin)

    def forward(self, input: Any, target: Any) -> Tensor:
        """The loss of scores ``input`` against class labels ``target``."""
        return multi_margin_loss(input, target, self.p, self.margin, self.weight, reduction=self.reduction)

    def extra_repr(self) -> str:
        """The options that differ from their defaults."""
        return self._options(("p", self.p, 1), ("margin", self.margin, 1.0))


class PoissonNLLLoss(_Loss):
    """Poisson negative log-likelihood, PyTorch's ``nn.PoissonNLLLoss(log_input=True,
    full=False, eps=1e-8, reduction='mean')``. See :func:`poisson_nll_loss`."""

    def __init__(
        self,
        log_input: bool = True,
        full: bool = False,
        size_average: Any = None,
        eps: float = 1e-8,
        reduce: Any = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_input = bool(log_input)
        self.full = bool(full)
        self.eps = float(eps)

    def forward(self, log_input: Any, target: Any) -> Tensor:
        """The loss of the predicted rates (or log-rates) against the counts ``target``."""
        return poisson_nll_loss(
            log_input, target, self.log_input, self.full, eps=self.eps, reduction=self.reduction
        )

    def extra_repr(self) -> str:
        """The options that differ from their defaults."""
        return self._options(
            ("log_input", self.log_input, True), ("full", self.full, False), ("eps", self.eps, 1e-8)
        )
