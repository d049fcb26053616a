"""Checking gradients: central finite differences, gradcheck, side-by-side reports."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .autograd.grad_mode import no_grad
from .tensor import Tensor


def _float64(x: Any) -> np.ndarray:
    value = x._data if isinstance(x, Tensor) else x
    return np.array(value, dtype=np.float64, copy=True)


def numerical_grad(
    f: Callable[..., Any], *inputs: Any, eps: float = 1e-6
) -> tuple[np.ndarray, ...]:
    """Central finite differences of a scalar function, one float64 array per input.

    ``∂f/∂xᵢ ≈ (f(x + ε eᵢ) - f(x - ε eᵢ)) / 2ε`` for every entry of every input; ``f``
    receives float64 Tensors and must return a single number (a one-element Tensor,
    array or float). The error of the estimate is O(ε²) plus rounding O(u/ε).

    >>> import autograd_mini as am
    >>> (g,) = am.numerical_grad(lambda x: (x ** 3).sum(), [1.0, 2.0])
    >>> g.round(4)
    array([ 3., 12.])
    """
    arrays = [_float64(x) for x in inputs]

    def evaluate() -> float:
        with no_grad():
            out = f(*[Tensor._wrap(a) for a in arrays])
        value = np.asarray(out._data if isinstance(out, Tensor) else out)
        if value.size != 1:
            raise ValueError(
                f"numerical_grad: f must return a single number, it returned shape "
                f"{value.shape}; reduce it (e.g. .sum()) or use am.jacobian"
            )
        return float(value.reshape(()))

    grads = []
    for a in arrays:
        g = np.zeros_like(a)
        flat, gflat = a.reshape(-1), g.reshape(-1)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + eps
            f_plus = evaluate()
            flat[i] = old - eps
            f_minus = evaluate()
            flat[i] = old
            gflat[i] = (f_plus - f_minus) / (2.0 * eps)
        grads.append(g)
    return tuple(grads)
