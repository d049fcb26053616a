"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .optimizer import _REQUIRED, Optimizer, check_non_negative


class SGD(Optimizer):
    r"""Gradient descent, optionally with momentum (PyTorch's formulation).

    For each step t = 1, 2, ... with gradient g_t:

    - if weight_decay λ ≠ 0: g_t ← g_t + λθ_{t-1}
    - if momentum μ ≠ 0: b_t = g_t at t = 1, else b_t = μ b_{t-1} + (1 - τ) g_t
      (τ = dampening); then g_t ← g_t + μ b_t (nesterov) or g_t ← b_t
    - θ_t = θ_{t-1} - γ g_t (γ = lr; ``maximize=True`` ascends instead)

    The lecture notes' plain update w ← w - h·∂C/∂w is ``SGD(params, lr=h)``.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = _REQUIRED,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        if lr is not _REQUIRED:
            check_non_negative("SGD", lr=lr)
        check_non_negative("SGD", momentum=momentum, weight_decay=weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: Nesterov momentum requires momentum > 0 and dampening = 0")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def update_param(
        self, p: Any, value: np.ndarray, grad: np.ndarray, group: dict[str, Any]
    ) -> np.ndarray:
        """θ - γ·g into one new array for plain gradient descent (the common case); else the
        general rule (momentum, decay, maximize, mixed dtypes) of :meth:`_update`."""
        if (
            group["momentum"] == 0
            and group["weight_decay"] == 0
            and not group["maximize"]
            and grad.dtype is value.dtype
        ):
            if p not in self.state:
                self.state[p] = {}
            step = grad * group["lr"]  # γ·g (the same product as γ * g), then θ - γ·g into it
            if step.__class__ is not np.ndarray:  # a 0-d parameter: NumPy gave a scalar
                return np.asarray(value - step)
            return np.subtract(value, step, out=step)
        return super().update_param(p, value, grad, group)

    def _update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> np.ndarray:
        momentum = group["momentum"]  # (plain descent in one dtype takes update_param's path)
        grad = self._descent_direction(param, grad, group)
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = np.array(grad, dtype=param.dtype)
            else:
                buf *= momentum
                buf += (1.0 - group["dampening"]) * grad
            grad = grad + momentum * buf if group["nesterov"] else buf
        return param - group["lr"] * grad
