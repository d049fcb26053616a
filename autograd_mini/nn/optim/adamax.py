"""Adamax: Adam with the infinity norm of past gradients in place of their RMS."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ._checks import check_betas
from .optimizer import Optimizer, check_non_negative


class Adamax(Optimizer):
    r"""Adamax (Kingma & Ba, section 7), PyTorch's formulation.

    m and u start at 0. For each step t = 1, 2, ... with gradient g_t (β₁, β₂ = betas,
    γ = lr):

    - if weight_decay λ ≠ 0: g_t ← g_t + λθ_{t-1}
    - m_t = β₁ m_{t-1} + (1 - β₁) g_t                     (state ``exp_avg``)
    - u_t = max(β₂ u_{t-1}, |g_t| + ε)                    (state ``exp_inf``)
    - θ_t = θ_{t-1} - γ m_t / ((1 - β₁ᵗ) u_t)
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
    ) -> None:
        check_non_negative("Adamax", lr=lr, eps=eps, weight_decay=weight_decay)
        defaults = {
            "lr": lr,
            "betas": check_betas("Adamax", betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> np.ndarray:
        beta1, beta2 = group["betas"]
        grad = self._descent_direction(param, grad, group)
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(param)
            state["exp_inf"] = np.zeros_like(param)
        state["step"] += 1
        exp_avg, exp_inf = state["exp_avg"], state["exp_inf"]
        exp_avg *= beta1
        exp_avg += (1.0 - beta1) * grad
        exp_inf *= beta2
        np.maximum(exp_inf, np.abs(grad) + group["eps"], out=exp_inf)
        clr = group["lr"] / (1.0 - beta1 ** state["step"])
        return param - clr * exp_avg / exp_inf
