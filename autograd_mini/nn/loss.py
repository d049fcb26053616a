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
    "half_sum" for the seeds' J = ½ Σ (x - y)²)."""

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
    """Softmax cross-entropy on logits (N, C) with class indices or one-hot/probability
    targets, computed via log_softmax (stable)."""

    def __init__(self, weight: Any = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.weight = weight

    def forward(self, input: Any, target: Any) -> Tensor:
        """The loss of logits ``input`` against ``target``."""
        return functional.cross_entropy(input, target, self.weight, self.reduction)


class NLLLoss(_Loss):
    """Negative log-likelihood on log-probabilities (N, C) with class-index targets."""

    def __init__(self, weight: Any = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.weight = weight

    def forward(self, input: Any, target: Any) -> Tensor:
        """The loss of log-probabilities ``input`` against class indices ``target``."""
        return functional.nll_loss(input, target, self.weight, self.reduction)
