"""First- and second-order finite-difference checks for the layer tests (issue 15).

``check_first_and_second(f, *arrays)`` runs ``am.gradcheck`` on ``f`` (first order) and on
the directional gradient x ↦ Σᵢ ⟨∂f/∂xᵢ, vᵢ⟩ for fixed random vᵢ, differentiated by AD
through ``create_graph=True`` (second order: the VJP rules run on Tensors), both against
float64 central differences.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import autograd_mini as am


def projected(f: Callable[..., Any], shape_seed: int = 7) -> Callable[..., Any]:
    """``f`` made scalar: Σ r ⊙ f(xs) for a fixed random r (so every output entry counts)."""
    cache: dict[tuple[int, ...], np.ndarray] = {}

    def g(*xs: Any) -> Any:
        out = f(*xs)
        shape = tuple(out.shape)
        if shape not in cache:
            cache[shape] = np.random.default_rng(shape_seed).standard_normal(shape)
        return (out * cache[shape]).sum()

    return g


def directional_gradient(
    f: Callable[..., Any], arrays: list[np.ndarray], seed: int = 11
) -> Callable[..., Any]:
    """x ↦ Σᵢ ⟨∇ᵢ f(x), vᵢ⟩, computed with create_graph=True (so it is differentiable)."""
    rng = np.random.default_rng(seed)
    vs = [rng.standard_normal(a.shape) for a in arrays]
    scalar = projected(f)

    def h(*xs: Any) -> Any:
        # finite differences call h on plain Tensors (maybe under no_grad): make them
        # leaves that require grad, in grad mode
        xs = tuple(x if x.requires_grad else am.tensor(x.data, requires_grad=True) for x in xs)
        with am.enable_grad():
            grads = am.autograd.grad(scalar(*xs), list(xs), create_graph=True, allow_unused=True)
        total = None
        for gi, vi in zip(grads, vs):
            if gi is None:
                continue
            term = (gi * vi).sum()
            total = term if total is None else total + term
        return total

    return h


def check_first_and_second(f: Callable[..., Any], *arrays: np.ndarray, second: bool = True) -> None:
    arrays64 = [np.asarray(a, dtype=np.float64) for a in arrays]
    assert am.gradcheck(projected(f), *arrays64, atol=1e-6, rtol=1e-4)
    if second:
        assert am.gradcheck(directional_gradient(f, arrays64), *arrays64, atol=1e-5, rtol=1e-3)
