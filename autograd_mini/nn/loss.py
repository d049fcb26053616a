"""Loss functions as modules: ``loss_fn = nn.CrossEntropyLoss(); loss = loss_fn(output, target)``.

Each one stores its options and calls the function of the same name in
:mod:`autograd_mini.nn.functional`, where the formulas and derivatives are documented.
"""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from . import functional
from .module import Module


class _Loss(Module):
    _reductions: tuple[str, ...] = ("mean", "sum", "none")

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        if reduction not in self._reductions:
            raise ValueError(
                f"{type(self).__name__}: reduction must be one of "
                f"{', '.join(map(repr, self._reductions))}, got {reduction!r}"
            )
        self.reduction = reduction

    def extra_repr(self) -> str:
        """The reduction, when it is not the default."""
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class MSELoss(_Loss):
    """Mean squared error (x - y)², reduced by ``reduction`` ("mean", "sum", "none", or
    "half_sum" for the lecture notes' J = ½ Σ (x - y)²)."""

    _reductions = ("mean", "sum", "none", "half_sum")

    def forward(self, input: Any, target: Any) -> Tensor:
        """The loss of ``input`` against ``target`` (same shape)."""
        return functional.mse_loss(input, target, self.reduction)


class BCELoss(_Loss):
    """Binary cross-entropy on probabilities, logs clamped at -100 (like PyTorch)."""

    def __init__(self, weight: Any = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.weight = weight

    def forward(self, input: Any, target: Any) -> Tensor:
        """The loss of probabilities ``input`` against 0/1 (or soft) ``target``."""
        return functional.binary_cross_entropy(input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy on raw scores (a sigmoid and BCE fused), stable for |z| ~ 1000."""

    def __init__(self, weight: Any = None, reduction: str = "mean", pos_weight: Any = None) -> None:
        super().__init__(reduction)
        self.weight = weight
        self.pos_weight = pos_weight

    def forward(self, input: Any, target: Any) -> Tensor:
        """The loss of logits ``input`` against 0/1 (or soft) ``target``."""
        return functional.binary_cross_entropy_with_logits(
            input, target, self.weight, self.reduction, self.pos_weight
        )


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy on logits, computed via log_softmax (stable); see
    :func:`~autograd_mini.nn.functional.cross_entropy`.

    Logits (N, C), (N, C, d1, ..., dk) or (C,); targets are class indices (N,),
    (N, d1, ..., dk) or (), or class probabilities / one-hot rows of the input's shape.
    ``weight`` (C,) rescales classes, targets equal to ``ignore_index`` are skipped, and
    ``label_smoothing`` ε mixes the target with the uniform distribution (PyTorch's
    keywords, defaults and formulas).
    """

    def __init__(
        self,
        weight: Any = None,
        reduction: str = "mean",
        *,
        ignore_index: int = -100,
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(reduction)
        self.weight = weight
        self.ignore_index = ignore_index
        self.label_smoothing = functional._check_smoothing(label_smoothing, "CrossEntropyLoss")

    def forward(self, input: Any, target: Any) -> Tensor:
        """The loss of logits ``input`` against ``target``."""
        return functional.cross_entropy(
            input,
            target,
            self.weight,
            self.reduction,
            ignore_index=self.ignore_index,
            label_smoothing=self.label_smoothing,
        )

    def extra_repr(self) -> str:
        """The options that differ from their defaults."""
        options = [super().extra_repr()]
        if self.ignore_index != -100:
            options.append(f"ignore_index={self.ignore_index}")
        if self.label_smoothing != 0.0:
            options.append(f"label_smoothing={self.label_smoothing}")
        return ", ".join(o for o in options if o)


class NLLLoss(_Loss):
    """Negative log-likelihood on log-probabilities (N, C), (N, C, d1, ..., dk) or (C,) with
    class-index targets; ``weight`` and ``ignore_index`` as in PyTorch (see
    :func:`~autograd_mini.nn.functional.nll_loss`)."""

    def __init__(self, weight: Any = None, reduction: str = "mean", *, ignore_index: int = -100) -> None:
        super().__init__(reduction)
        self.weight = weight
        self.ignore_index = ignore_index

    def forward(self, input: Any, target: Any) -> Tensor:
        """The loss of log-probabilities ``input`` against class indices ``target``."""
        return functional.nll_loss(
            input, target, self.weight, self.reduction, ignore_index=self.ignore_index
        )

    def extra_repr(self) -> str:
        """The options that differ from their defaults."""
        options = [super().extra_repr()]
        if self.ignore_index != -100:
            options.append(f"ignore_index={self.ignore_index}")
        return ", ".join(o for o in options if o)


# ---------------------------------------------------------------- issue 15


class L1Loss(_Loss):
    """Mean absolute error |x - y| (see :func:`~autograd_mini.nn.functional.l1_loss`)."""

    def forward(self, input: Any, target: Any) -> Tensor:
        """The loss of ``input`` against ``target`` (same shape)."""
        return functional.l1_loss(input, target, self.reduction)


class SmoothL1Loss(_Loss):
    """½d²/β where |d| < β, else |d| - ½β (see :func:`~autograd_mini.nn.functional.smooth_l1_loss`)."""

    def __init__(self, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction)
        if not isinstance(beta, (int, float)) or beta < 0:
            raise ValueError(f"SmoothL1Loss: beta must be a non-negative number, got {beta!r}")
        self.beta = float(beta)

    def forward(self, input: Any, target: Any) -> Tensor:
        """The loss of ``input`` against ``target`` (same shape)."""
        return functional.smooth_l1_loss(input, target, self.reduction, self.beta)

    def extra_repr(self) -> str:
        """The options that differ from their defaults."""
        return ", ".join(o for o in (super().extra_repr(), _option("beta", self.beta, 1.0)) if o)


class HuberLoss(_Loss):
    """½d² where |d| < δ, else δ(|d| - ½δ) (see :func:`~autograd_mini.nn.functional.huber_loss`)."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        if not isinstance(delta, (int, float)) or not delta > 0:
            raise ValueError(f"HuberLoss: delta must be a positive number, got {delta!r}")
        self.delta = float(delta)

    def forward(self, input: Any, target: Any) -> Tensor:
        """The loss of ``input`` against ``target`` (same shape)."""
        return functional.huber_loss(input, target, self.reduction, self.delta)

    def extra_repr(self) -> str:
        """The options that differ from their defaults."""
        return ", ".join(o for o in (super().extra_repr(), _option("delta", self.delta, 1.0)) if o)


class KLDivLoss(_Loss):
    """KL divergence terms y·(log y - x) of log-probabilities x against probabilities y
    (``log_target=True``: log-probabilities y); ``reduction="batchmean"`` gives the KL
    divergence per sample (see :func:`~autograd_mini.nn.functional.kl_div`)."""

    _reductions = ("mean", "sum", "none", "batchmean")

    def __init__(self, reduction: str = "mean", log_target: bool = False) -> None:
        super().__init__(reduction)
        self.log_target = bool(log_target)

    def forward(self, input: Any, target: Any) -> Tensor:
        """The loss of log-probabilities ``input`` against ``target`` (same shape)."""
        return functional.kl_div(input, target, self.reduction, self.log_target)

    def extra_repr(self) -> str:
        """The options that differ from their defaults."""
        extra = "log_target=True" if self.log_target else ""
        return ", ".join(o for o in (super().extra_repr(), extra) if o)


class CosineEmbeddingLoss(_Loss):
    """1 - cos(x₁, x₂) for target 1, max(0, cos(x₁, x₂) - margin) for target -1 (see
    :func:`~autograd_mini.nn.functional.cosine_embedding_loss`)."""

    def __init__(self, margin: float = 0.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.margin = float(margin)

    def forward(self, input1: Any, input2: Any, target: Any) -> Tensor:
        """The loss of the pairs (``input1``, ``input2``) labelled 1 or -1 by ``target``."""
        return functional.cosine_embedding_loss(input1, input2, target, self.margin, self.reduction)

    def extra_repr(self) -> str:
        """The options that differ from their defaults."""
        return ", ".join(o for o in (_option("margin", self.margin, 0.0), super().extra_repr()) if o)


class MarginRankingLoss(_Loss):
    """max(0, -y·(x₁ - x₂) + margin) (see :func:`~autograd_mini.nn.functional.margin_ranking_loss`)."""

    def __init__(self, margin: float = 0.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.margin = float(margin)

    def forward(self, input1: Any, input2: Any, target: Any) -> Tensor:
        """The loss of the scores ``input1``, ``input2`` ranked by ``target`` (1 or -1)."""
        return functional.margin_ranking_loss(input1, input2, target, self.margin, self.reduction)

    def extra_repr(self) -> str:
        """The options that differ from their defaults."""
        return ", ".join(o for o in (_option("margin", self.margin, 0.0), super().extra_repr()) if o)


class GaussianNLLLoss(_Loss):
    """Negative log-likelihood of the target under N(input, var) (see
    :func:`~autograd_mini.nn.functional.gaussian_nll_loss`); called as ``loss(input, target, var)``."""

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> None:
        super().__init__(reduction)
        if not isinstance(eps, (int, float)) or not eps > 0:
            raise ValueError(f"GaussianNLLLoss: eps must be a positive number, got {eps!r}")
        self.full = bool(full)
        self.eps = float(eps)

    def forward(self, input: Any, target: Any, var: Any) -> Tensor:
        """The loss of the predicted means ``input`` and variances ``var`` against ``target``."""
        return functional.gaussian_nll_loss(input, target, var, self.full, self.eps, self.reduction)

    def extra_repr(self) -> str:
        """The options that differ from their defaults."""
        extra = ["full=True" if self.full else "", _option("eps", self.eps, 1e-6), super().extra_repr()]
        return ", ".join(o for o in extra if o)


def _option(name: str, value: float, default: float) -> str:
    return "" if value == default else f"{name}={value}"
