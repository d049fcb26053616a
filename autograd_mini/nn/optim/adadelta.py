"""Adadelta: step sizes from running averages of squared gradients and squared updates."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .optimizer import Optimizer, check_non_negative


class Adadelta(Optimizer):
    r"""Adadelta (Zeiler), PyTorch's formulation.

    Both accumulators start at 0. For each step with gradient g_t (ρ = rho, γ = lr):

    - if weight_decay λ ≠ 0: g_t ← g_t + λθ_{t-1}
    - v_t = ρ v_{t-1} + (1 - ρ) g_t²                     (state ``square_avg``)
    - Δx_t = √(u_{t-1} + ε) / √(v_t + ε) · g_t
    - u_t = ρ u_{t-1} + (1 - ρ) Δx_t²                    (state ``acc_delta``)
    - θ_t = θ_{t-1} - γ Δx_t

    >>> from autograd_mini import nn
    >>> w = nn.Parameter([1.0, -2.0])
    >>> opt = Adadelta([w])
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> w.data.round(6)  # the first step is about √ε / √((1-ρ)) = 0.00316 per coordinate
    array([ 0.996838, -1.996838])
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
    ) -> None:
        check_non_negative("Adadelta", lr=lr, eps=eps, weight_decay=weight_decay)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Adadelta: invalid rho {rho!r}; it must be in [0, 1] (default 0.9)")
        defaults = {
            "lr": lr,
            "rho": rho,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> np.ndarray:
        rho, eps = group["rho"], group["eps"]
        grad = self._descent_direction(param, grad, group)
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(param)
            state["acc_delta"] = np.zeros_like(param)
        state["step"] += 1
        square_avg, acc_delta = state["square_avg"], state["acc_delta"]
        square_avg *= rho
        square_avg += (1.0 - rho) * grad * grad
        delta = np.sqrt(acc_delta + eps) / np.sqrt(square_avg + eps) * grad
        acc_delta *= rho
        acc_delta += (1.0 - rho) * delta * delta
        return param - group["lr"] * delta
