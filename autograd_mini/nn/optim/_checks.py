"""Argument checks shared by the optimizers added after Adam (betas, positive counts)."""

from __future__ import annotations

from typing import Any


def check_betas(who: str, betas: Any) -> tuple[float, float]:
    """``(β₁, β₂)`` as floats, each in [0, 1); ``ValueError`` naming the bad one otherwise."""
    try:
        beta1, beta2 = betas
    except (TypeError, ValueError):
        raise ValueError(f"{who}: betas must be a pair (beta1, beta2), got {betas!r}") from None
    for i, beta in enumerate((beta1, beta2)):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"{who}: invalid beta parameter at index {i}: {beta}; need 0 <= beta < 1")
    return float(beta1), float(beta2)


def check_positive_int(who: str, **values: Any) -> None:
    """Raise ``ValueError`` naming the first value that is not an int >= 1."""
    for key, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{who}: {key} must be a positive int, got {value!r}")
