"""Check cases of the reductions, scans, sorting ops and ``masked_fill`` (issue 13).

Merged into :data:`autograd_mini.checking.cases.SPECS`. Inputs are drawn away from the
points where finite differences are no oracle: distinct values for the sorting and
running-extreme ops (no ties), entries away from 0 for the 1-norm and p < 1, and full-rank
matrices with distinct singular values for the nuclear norm. ``prod`` and ``cumprod``
are polynomials, so they are also checked with exact zeros in a slice (one, two, and, for
``cumprod``, adjacent zeros in several slices), at every checked order. The gradients
at ties and zeros themselves are pinned by hand-derived values in
``tests/test_ops_reductions.py``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ops import logic, reductions_api
from .cases import Case, Maker, _reductions, away_from_zero, case, distinct, normal

am = reductions_api


def _scalar(rng: np.random.Generator) -> np.ndarray:
    return np.asarray(rng.standard_normal())


def _with_zeros(count: int, *shape: int) -> Maker:
    """Normal values with ``count`` exact zeros in the first row (a slice along axis 1)."""

    def make(rng: np.random.Generator) -> np.ndarray:
        x = rng.standard_normal(shape)
        x[0, rng.choice(shape[1], count, replace=False)] = 0.0
        return x

    return make


def _zeros_in_slices(rng: np.random.Generator) -> np.ndarray:
    """A (5, 3) array whose columns hold, along axis 0: two adjacent zeros, a zero first
    and one last, and none."""
    x = rng.standard_normal((5, 3))
    x[[1, 2], 0] = 0.0
    x[[0, 4], 1] = 0.0
    return x


def _scan_cases(fn: Any, make: Any = normal) -> list[Case]:
    return [
        case(lambda x: fn(x, axis=1), make(3, 4), label="axis=1"),
        case(lambda x: fn(x, axis=0), make(3, 4), label="axis=0"),
        case(lambda x: fn(x, axis=-1), make(2, 3, 4), label="3-D axis=-1"),
        case(lambda x: fn(x), make(2, 3), label="axis=None (flattened)"),
        case(lambda x: fn(x, axis=0), make(), label="0-d"),
    ]


def _first(fn: Any) -> Any:
    return lambda *a, **k: fn(*a, **k)[0]


_MASK = np.array([[True, False, False, True], [False, False, True, False], [True, True, False, False]])

SPECS: dict[str, list[Case]] = {
    "prod": [
        *_reductions(am.prod, normal),
        case(lambda x: am.prod(x, axis=1), _with_zeros(1, 2, 4), label="one zero"),
        case(lambda x: am.prod(x, axis=1), _with_zeros(2, 2, 4), label="two zeros"),
        case(lambda x: am.prod(x), _with_zeros(1, 2, 3), label="one zero, all axes"),
    ],
    "cumsum": _scan_cases(am.cumsum),
    "cumprod": [
        *_scan_cases(am.cumprod),
        case(lambda x: am.cumprod(x, axis=1), _with_zeros(1, 2, 5), label="one zero"),
        case(lambda x: am.cumprod(x, axis=1), _with_zeros(2, 2, 5), label="two zeros"),
        case(lambda x: am.cumprod(x, axis=0), _zeros_in_slices, label="zeros in several slices"),
    ],
    "logcumsumexp": _scan_cases(am.logcumsumexp),  # stability: tests/test_ops_reductions.py
    "cummax": _scan_cases(_first(am.cummax), distinct),
    "cummin": _scan_cases(_first(am.cummin), distinct),
    "diff": [
        case(lambda x: am.diff(x), normal(3, 4), label="n=1"),
        case(lambda x: am.diff(x, n=2, axis=0), normal(4, 3), label="n=2 axis=0"),
        case(
            lambda x: am.diff(x, axis=1, prepend=0.5, append=np.ones((2, 1))),
            normal(2, 3),
            label="prepend, append",
        ),
    ],
    "trace": [
        case(lambda x: am.trace(x), normal(3, 3), label="square"),
        case(lambda x: am.trace(x, offset=1), normal(3, 4), label="offset=1"),
        case(
            lambda x: am.trace(x, offset=-1, axis1=2, axis2=0), normal(3, 2, 4), label="batched, axes 2 and 0"
        ),
    ],
    "norm": [
        case(lambda x: am.norm(x), normal(3, 4), label="Frobenius"),
        case(lambda x: am.norm(x, axis=1, keepdims=True), normal(3, 4), label="2-norm keepdims"),
        case(lambda x: am.norm(x, ord="fro", axis=(0, 2)), normal(2, 3, 4), label="fro over (0, 2)"),
        case(lambda x: am.norm(x, ord=1, axis=0), away_from_zero(3, 4), label="p=1"),
        case(lambda x: am.norm(x, ord=3, axis=-1), normal(3, 4), label="p=3"),
        case(lambda x: am.norm(x, ord=0.5, axis=1), away_from_zero(3, 4), label="p=0.5"),
        case(lambda x: am.norm(x, ord=-2, axis=1), away_from_zero(3, 4), label="p=-2"),
        case(lambda x: am.norm(x, ord=np.inf, axis=1), distinct(3, 4), label="inf"),
        case(lambda x: am.norm(x, ord=-np.inf), distinct(5), label="-inf"),
        case(lambda x: am.norm(x, ord=0, axis=1) + am.norm(x, axis=1), normal(3, 4), label="p=0 (count)"),
    ],
    "nuclear_norm": [
        case(lambda x: am.norm(x, ord="nuc"), normal(3, 3), label="square"),
        case(lambda x: am.norm(x, ord="nuc"), normal(4, 2), label="tall"),
        case(lambda x: am.norm(x, ord="nuc"), normal(2, 4), label="wide"),
        case(lambda x: am.norm(x, ord="nuc", axis=(2, 0), keepdims=True), normal(3, 2, 4), label="batched"),
    ],
    "sort": [
        case(lambda x: am.sort(x).values, distinct(2, 3, 4), label="axis=-1"),
        case(lambda x: am.sort(x, axis=0, descending=True).values, distinct(4, 3), label="descending"),
        case(lambda x: am.sort(x, axis=0).values, distinct(), label="0-d"),
    ],
    "topk": [
        case(lambda x: am.topk(x, 2).values, distinct(3, 5), label="k=2"),
        case(lambda x: am.topk(x, 3, axis=0, largest=False).values, distinct(4, 2), label="smallest"),
    ],
    "median": [
        case(lambda x: am.median(x), distinct(3, 5), label="all"),
        case(lambda x: am.median(x, axis=1), distinct(3, 4), label="even count"),
        case(
            lambda x: am.median(x, axis=(0, 2), keepdims=True), distinct(3, 2, 3), label="two axes, keepdims"
        ),
    ],
    "masked_fill": [
        case(lambda x: logic.masked_fill(x, _MASK, -1.5), normal(3, 4), label="number"),
        case(lambda x, v: logic.masked_fill(x, _MASK[0], v), normal(3, 4), _scalar, label="0-d tensor value"),
    ],
}
