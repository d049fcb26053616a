"""RAdam: Adam whose adaptive step is switched on gradually (rectified variance)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from ._checks import check_betas
from .optimizer import Optimizer, check_non_negative


class RAdam(Optimizer):
    r"""RAdam (Liu et al.), PyTorch's formulation.

    m and v start at 0; ρ_∞ = 2/(1 - β₂) - 1. For each step t = 1, 2, ... with gradient
    g_t (β₁, β₂ = betas, γ = lr):

    - weight decay λ ≠ 0: θ_{t-1} ← θ_{t-1}(1 - γλ) if ``decoupled_weight_decay``,
      else g_t ← g_t + λθ_{t-1}
    - m_t = β₁ m_{t-1} + (1 - β₁) g_t,   v_t = β₂ v_{t-1} + (1 - β₂) g_t²
    - m̂_t = m_t / (1 - β₁ᵗ),   ρ_t = ρ_∞ - 2tβ₂ᵗ / (1 - β₂ᵗ)
    - if ρ_t > 5: l_t = √(1 - β₂ᵗ) / (√v_t + ε),
      r_t = √((ρ_t - 4)(ρ_t - 2)ρ_∞ / ((ρ_∞ - 4)(ρ_∞ - 2)ρ_t)),
      θ_t = θ_{t-1} - γ m̂_t r_t l_t
    - else (the first steps, while the variance estimate is unreliable):
      θ_t = θ_{t-1} - γ m̂_t
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        decoupled_weight_decay: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        check_non_negative("RAdam", lr=lr, eps=eps, weight_decay=weight_decay)
        defaults = {
            "lr": lr,
            "betas": check_betas("RAdam", betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "decoupled_weight_decay": bool(decoupled_weight_decay),
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> np.ndarray:
        lr, wd, eps = group["lr"], group["weight_decay"], group["eps"]
        beta1, beta2 = group["betas"]
        decoupled = group["decoupled_weight_decay"]
        grad = self._descent_direction(param, grad, group, coupled_decay=not decoupled)
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(param)
            state["exp_avg_sq"] = np.zeros_like(param)
        state["step"] += 1
        t = state["step"]
        if wd != 0 and decoupled:
            param = param * (1.0 - lr * wd)
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m *= beta1
        m += (1.0 - beta1) * grad
        v *= beta2
        v += (1.0 - beta2) * grad * grad
        bias_correction2 = 1.0 - beta2**t
        m_hat = m / (1.0 - beta1**t)
        rho_inf = 2.0 / (1.0 - beta2) - 1.0
        rho_t = rho_inf - 2.0 * t * beta2**t / bias_correction2
        if rho_t > 5.0:
            rect = math.sqrt(
                (rho_t - 4.0) * (rho_t - 2.0) * rho_inf / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t)
            )
            adaptive = math.sqrt(bias_correction2) / (np.sqrt(v) + eps)
            return param - m_hat * lr * adaptive * rect
        return param - m_hat * lr
