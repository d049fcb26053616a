"""NAdam: Adam with Nesterov momentum and a momentum-decay schedule."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ._checks import check_betas
from .optimizer import Optimizer, check_non_negative


class NAdam(Optimizer):
    r"""NAdam (Dozat), PyTorch's formulation.

    m and v start at 0 and the product of momentum coefficients Π₀ = 1. For each step
    t = 1, 2, ... with gradient g_t (β₁, β₂ = betas, γ = lr, ψ = momentum_decay):

    - weight decay λ ≠ 0: θ_{t-1} ← θ_{t-1}(1 - γλ) if ``decoupled_weight_decay``,
      else g_t ← g_t + λθ_{t-1}
    - μ_t = β₁(1 - ½·0.96^{tψ}),   μ_{t+1} = β₁(1 - ½·0.96^{(t+1)ψ})
    - Π_t = Π_{t-1} μ_t                                    (state ``mu_product``)
    - m_t = β₁ m_{t-1} + (1 - β₁) g_t,   v_t = β₂ v_{t-1} + (1 - β₂) g_t²
    - m̂_t = μ_{t+1} m_t / (1 - Π_t μ_{t+1}) + (1 - μ_t) g_t / (1 - Π_t)
    - v̂_t = v_t / (1 - β₂ᵗ)
    - θ_t = θ_{t-1} - γ m̂_t / (√v̂_t + ε)
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        check_non_negative(
            "NAdam", lr=lr, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay
        )
        defaults = {
            "lr": lr,
            "betas": check_betas("NAdam", betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum_decay": momentum_decay,
            "decoupled_weight_decay": bool(decoupled_weight_decay),
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> np.ndarray:
        lr, wd, eps, psi = group["lr"], group["weight_decay"], group["eps"], group["momentum_decay"]
        beta1, beta2 = group["betas"]
        decoupled = group["decoupled_weight_decay"]
        grad = self._descent_direction(param, grad, group, coupled_decay=not decoupled)
        if not state:
            state["step"] = 0
            state["mu_product"] = 1.0
            state["exp_avg"] = np.zeros_like(param)
            state["exp_avg_sq"] = np.zeros_like(param)
        state["step"] += 1
        t = state["step"]
        if wd != 0 and decoupled:
            param = param * (1.0 - lr * wd)
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * psi))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
        state["mu_product"] *= mu
        mu_product = state["mu_product"]
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m *= beta1
        m += (1.0 - beta1) * grad
        v *= beta2
        v += (1.0 - beta2) * grad * grad
        denom = np.sqrt(v / (1.0 - beta2**t)) + eps
        m_hat = (mu_next / (1.0 - mu_product * mu_next)) * m + ((1.0 - mu) / (1.0 - mu_product)) * grad
        return param - lr * m_hat / denom
