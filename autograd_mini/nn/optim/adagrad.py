"""Adagrad: per-coordinate learning rates from the sum of past squared gradients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .optimizer import Optimizer, check_non_negative


class Adagrad(Optimizer):
    r"""Adagrad (Duchi et al.), PyTorch's formulation.

    The accumulator starts at ``initial_accumulator_value`` τ. For each step t = 1, 2, ...
    with gradient g_t (γ = lr, η = lr_decay):

    - γ̃ = γ / (1 + (t - 1) η)
    - if weight_decay λ ≠ 0: g_t ← g_t + λθ_{t-1}
    - s_t = s_{t-1} + g_t²
    - θ_t = θ_{t-1} - γ̃ g_t / (√s_t + ε)
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        check_non_negative(
            "Adagrad",
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
        )
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "eps": eps,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> np.ndarray:
        grad = self._descent_direction(param, grad, group)
        if not state:
            state["step"] = 0
            state["sum"] = np.full_like(param, group["initial_accumulator_value"])
        state["step"] += 1
        clr = group["lr"] / (1.0 + (state["step"] - 1) * group["lr_decay"])
        state["sum"] += grad * grad
        return param - clr * grad / (np.sqrt(state["sum"]) + group["eps"])
