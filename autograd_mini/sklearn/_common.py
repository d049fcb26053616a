"""Helpers shared by the estimators: parameter checks, seeds, NumPy activations."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

# The largest seed handed to DataLoader / nn.MLP, drawn from an estimator's random_state.
MAX_SEED = 2**31 - 1


def draw_seed(rng: np.random.RandomState) -> int:
    """An int seed drawn from ``rng`` (a ``check_random_state`` result)."""
    return int(rng.randint(MAX_SEED))


def check_int(who: str, name: str, value: Any, low: int) -> int:
    """``value`` as an int ``>= low``, or a ValueError naming the parameter."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"{who}: {name} must be an int >= {low}, got {value!r}")
    return int(value)


def check_real(
    who: str,
    name: str,
    value: Any,
    low: float,
    high: float = np.inf,
    *,
    open_low: bool = False,
    open_high: bool = False,
) -> float:
    """``value`` as a float in the interval, or a ValueError naming it."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if ok:
        v = float(value)
        ok = (
            bool(np.isfinite(v))
            and (v > low if open_low else v >= low)
            and (v < high if open_high else v <= high)
        )
    if not ok:
        lo = "(" if open_low else "["
        hi = ")" if open_high else "]"
        raise ValueError(f"{who}: {name} must be a real number in {lo}{low}, {high}{hi}, got {value!r}")
    return float(value)


def check_choice(who: str, name: str, value: Any, choices: tuple[str, ...]) -> str:
    """``value`` if it is one of ``choices``, else a ValueError listing them."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{who}: {name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value


def logistic(z: np.ndarray) -> np.ndarray:
    """σ(z) = 1 / (1 + e⁻ᶻ), written as (1 + tanh(z/2)) / 2 so no exp overflows."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax, shifted by the row maximum for stability."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def relu(z: np.ndarray) -> np.ndarray:
    """max(z, 0)."""
    return np.maximum(z, 0.0)


def identity(z: np.ndarray) -> np.ndarray:
    """z."""
    return z
