"""Check cases of issue 13's elementwise ops and activations that take parameters.

Merged into :data:`autograd_mini.checking.cases.SPECS`; the ops without parameters get
their cases generated from the ``domain`` of their entries. Inputs stay away from kinks and
jumps, where central finite differences are no oracle.
"""

from __future__ import annotations

import numpy as np

import autograd_mini.ops.activation as act
from autograd_mini.ops.elementwise import lerp, mod, nan_to_num

from .cases import BROADCAST_PAIRS, Case, Maker, away_from_zero, case, in_domain, normal

# ---------------------------------------------------------------- remainder and floor_divide
# x = k + f with an integer k in [-3, 3] and f in [0.2, 0.8], y = ±1 or ±2 (times a factor
# in [1, 1.02]): x/y stays at least 0.09 from an integer, so no jump of ⌊x/y⌋ is near.


def _dividends(*shape: int) -> Maker:
    return lambda rng: rng.integers(-3, 4, shape) + rng.uniform(0.2, 0.8, shape)


def _divisors(*shape: int) -> Maker:
    return lambda rng: rng.choice([-2.0, -1.0, 1.0, 2.0], shape) * rng.uniform(1.0, 1.02, shape)


def _pairs(fn: object) -> list[Case]:
    return [case(fn, _dividends(*a), _divisors(*b), label=f"{a}x{b}") for a, b in BROADCAST_PAIRS]  # type: ignore[arg-type]


def _with_non_finite(rng: np.random.Generator) -> np.ndarray:
    x = rng.standard_normal((3, 4))
    x[0, 1], x[1, 2], x[2, 3] = np.nan, np.inf, -np.inf
    return x


def _around(points: tuple[float, ...], low: float, high: float, *shape: int) -> Maker:
    """Values in [low, high] kept 0.2 away from ``points`` (the kinks)."""
    return in_domain(low, high, points, 0.2, *shape)


SPECS: dict[str, list[Case]] = {
    "nan_to_num": [
        case(lambda x: nan_to_num(x), normal(3, 4), label="finite"),
        # FD at a replaced entry: x ± ε is still nan/±inf, replaced by the same constant: 0
        case(lambda x: nan_to_num(x, nan=1.5, posinf=3.0, neginf=-3.0), _with_non_finite, label="nan, ±inf"),
    ],
    "remainder": [
        *_pairs(lambda x, y: x % y),
        case(lambda x, y: mod(x, y), _dividends(3, 4), _divisors(4), label="am.mod"),
        case(lambda y: 7.3 % y, _divisors(5), label="number % y"),
    ],
    "floor_divide": [
        *_pairs(lambda x, y: x // y),
        case(lambda x: x // 1.5 + x, _dividends(5), label="x // 1.5 + x"),
    ],
    "lerp": [
        case(lambda s, e, w: lerp(s, e, w), normal(3, 4), normal(3, 4), in_domain(0.0, 1.0, (), 0.0, 3, 4)),
        case(lambda s, e, w: lerp(s, e, w), normal(2, 1, 3), normal(4, 1), normal(3), label="broadcast"),
        case(lambda s, e: lerp(s, e, 0.3), normal(3, 4), normal(4), label="weight 0.3"),
        case(lambda s, e: lerp(s, e, 0.8), normal(3, 4), normal(3, 4), label="weight 0.8"),
    ],
    "softplus": [
        case(lambda x: act.softplus(x), in_domain(-3.0, 3.0, (), 0.0, 3, 4), label="default"),
        case(lambda x: act.softplus(x), in_domain(-3.0, 3.0, (), 0.0), label="0-d"),
        case(lambda x: act.softplus(x, beta=2.0, threshold=3.0), _around((1.5,), -3.0, 3.0, 3, 4),
             label="beta=2, threshold=3"),
        case(lambda x: act.softplus(x, beta=0.5, threshold=None), normal(3, 4),
             label="beta=0.5, no threshold"),
    ],
    "gelu": [
        case(lambda x: act.gelu(x), in_domain(-3.0, 3.0, (), 0.0, 3, 4), label="exact"),
        case(lambda x: act.gelu(x, approximate="tanh"), in_domain(-3.0, 3.0, (), 0.0, 3, 4), label="tanh"),
        case(lambda x: act.gelu(x), in_domain(-3.0, 3.0, (), 0.0), label="0-d"),
    ],
    "celu": [
        case(lambda x: act.celu(x), away_from_zero(3, 4), label="alpha=1"),
        case(lambda x: act.celu(x, alpha=0.5), away_from_zero(3, 4), label="alpha=0.5"),
    ],
    "hardtanh": [
        case(lambda x: act.hardtanh(x), _around((-1.0, 1.0), -2.0, 2.0, 3, 4), label="[-1, 1]"),
        case(lambda x: act.hardtanh(x, -0.5, 2.0), _around((-0.5, 2.0), -2.0, 3.0, 3, 4), label="[-0.5, 2]"),
        case(lambda x: act.relu6(x), _around((0.0, 6.0), -2.0, 8.0, 3, 4), label="relu6"),
    ],
}
