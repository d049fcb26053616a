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
