"""RMSprop: divide the gradient by a running root-mean-square of recent gradients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .optimizer import Optimizer, check_non_negative


class RMSprop(Optimizer):
    r"""RMSprop (Hinton), PyTorch's formulation.

    For each step with gradient g_t (α = alpha, γ = lr, μ = momentum):

    - if weight_decay λ ≠ 0: g_t ← g_t + λθ_{t-1}
    - v_t = α v_{t-1} + (1 - α) g_t²;   ṽ_t = v_t
    - if centered: g̅_t = α g̅_{t-1} + (1 - α) g_t;   ṽ_t = v_t - g̅_t²
    - if μ > 0: b_t = μ b_{t-1} + g_t / (√ṽ_t + ε);   θ_t = θ_{t-1} - γ b_t
    - else: θ_t = θ_{t-1} - γ g_t / (√ṽ_t + ε)
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        check_non_negative(
            "RMSprop", lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum
        )
        defaults = {
            "lr": lr,
            "alpha": alpha,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum": momentum,
            "centered": centered,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> np.ndarray:
        alpha, eps, momentum = group["alpha"], group["eps"], group["momentum"]
        grad = self._descent_direction(param, grad, group)
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(param)
            if momentum > 0:
                state["momentum_buffer"] = np.zeros_like(param)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(param)
        state["step"] += 1
        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1.0 - alpha) * grad * grad
        if group["centered"]:
            grad_avg = state.setdefault("grad_avg", np.zeros_like(param))
            grad_avg *= alpha
            grad_avg += (1.0 - alpha) * grad
            denom = np.sqrt(square_avg - grad_avg * grad_avg) + eps
        else:
            denom = np.sqrt(square_avg) + eps
        if momentum > 0:
            buf = state.setdefault("momentum_buffer", np.zeros_like(param))
            buf *= momentum
            buf += grad / denom
            return param - group["lr"] * buf
        return param - group["lr"] * grad / denom
