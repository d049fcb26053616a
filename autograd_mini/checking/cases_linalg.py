"""Check cases of the linear-algebra ops (issue 13): einsum, cross and ``am.linalg``.

Merged into :data:`autograd_mini.checking.cases.SPECS`. ``einsum`` is checked on every
form of subscripts (explicit and implicit output, ``...`` with broadcasting, traces and
diagonals, three operands, a scalar operand) and through every function built on it
(``dot``, ``tensordot``, ``inner``, ``vdot``, ``kron``).

The decompositions are checked where their derivatives exist: inputs are well
conditioned (an SPD matrix ``X Xᵀ + n I`` for cholesky and eigh, distinct eigenvalues
and singular values), symmetric inputs are made symmetric inside the case (so that the
finite differences see the same function the rule differentiates), and eigenvectors and
singular vectors enter only through gauge-invariant expressions (``V diag(c) Vᵀ``,
``v ⊙ v``), because their signs are arbitrary.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ops import api as ops
from ..ops import linalg_api
from ..ops.einsum import einsum
from .cases import Case, Maker, case, normal


def _einsum_cases() -> list[Case]:
    return [
        case(lambda a, b: einsum("ij,jk->ik", a, b), normal(3, 4), normal(4, 2), label="matmul"),
        case(lambda a, b: einsum("ij,jk", a, b), normal(3, 4), normal(4, 2), label="implicit"),
        case(lambda a: einsum("ii", a), normal(3, 3), label="trace"),
        case(lambda a: einsum("ii->i", a), normal(3, 3), label="diagonal"),
        case(lambda a, b: einsum("iij,jk->ik", a, b), normal(3, 3, 2), normal(2, 4), label="repeated in one"),
        case(lambda a: einsum("ij->", a), normal(2, 3), label="sum"),
        case(lambda a: einsum("ji", a), normal(2, 3), label="transpose"),
        case(lambda a, b: einsum("i,j->ij", a, b), normal(3), normal(4), label="outer"),
        case(lambda a, b: einsum("...ij,...jk->...ik", a, b), normal(2, 1, 3, 4), normal(5, 4, 2),
             label="ellipsis broadcast"),
        case(lambda a, b: einsum("bhqd,bhkd->bhqk", a, b), normal(2, 2, 3, 4), normal(2, 2, 5, 4),
             label="attention scores"),
        case(lambda a, b, c: einsum("abc,cd,de->abe", a, b, c), normal(2, 3, 4), normal(4, 5), normal(5, 2),
             label="three operands"),
        case(lambda s, x: einsum(",i->i", s, x), normal(), normal(3), label="scalar operand"),
        case(lambda a, b: einsum("ij,ij->ij", a, b), normal(1, 3), normal(2, 3), label="size-1 broadcast"),
        case(lambda a: einsum("i,i", a, a), normal(4), label="same operand twice"),
        # the functions built on einsum
        case(lambda a, b: ops.dot(a, b), normal(2, 3, 4), normal(5, 4, 2), label="dot N-d"),
        case(lambda a, b: ops.dot(a, b), normal(2, 3, 4), normal(4), label="dot N-d, 1-D"),
        case(lambda a, b: linalg_api.tensordot(a, b), normal(2, 3, 4), normal(3, 4, 5), label="tensordot 2"),
        case(lambda a, b: linalg_api.tensordot(a, b, axes=([0, 2], [2, 0])), normal(2, 3, 4),
             normal(4, 5, 2), label="tensordot pairs"),
        case(lambda a, b: linalg_api.tensordot(a, b, axes=0), normal(2), normal(3), label="tensordot 0"),
        case(lambda a, b: linalg_api.inner(a, b), normal(2, 3), normal(4, 3), label="inner"),
        case(lambda a, b: linalg_api.vdot(a, b), normal(2, 3), normal(3, 2), label="vdot"),
        case(lambda a, b: linalg_api.kron(a, b), normal(2, 3), normal(3, 2), label="kron"),
        case(lambda a, b: linalg_api.kron(a, b), normal(2), normal(2, 3), label="kron mixed ndim"),
    ]


def _cross_cases() -> list[Case]:
    return [
        case(lambda a, b: linalg_api.cross(a, b), normal(4, 3), normal(4, 3), label="last axis"),
        case(lambda a, b: linalg_api.cross(a, b, axis=0), normal(3, 2), normal(3, 1),
             label="axis 0, broadcast"),
        case(lambda a, b: linalg_api.cross(a, b), normal(3), normal(2, 3), label="broadcast"),
        case(lambda a, b: linalg_api.cross(a, b, axis=0), normal(3, 2), normal(3),
             label="axis 0, mixed ndim"),
    ]


def spd(n: int, *batch: int) -> Maker:
    """A symmetric positive definite matrix X Xᵀ/n + I (eigenvalues ≥ 1)."""

    def make(rng: np.random.Generator) -> np.ndarray:
        x = rng.standard_normal((*batch, n, n))
        return x @ np.swapaxes(x, -1, -2) / n + np.eye(n)

    return make


def well_conditioned(*shape: int) -> Maker:
    """A square (or batched) matrix close to 2·I: invertible, condition number ~ 3."""
    m, n = shape[-2:]

    def make(rng: np.random.Generator) -> np.ndarray:
        return 2.0 * np.eye(m, n) + 0.3 * rng.standard_normal(shape)

    return make


def _sym(x: Any) -> Any:
    """(X + Xᵀ)/2: a symmetric matrix whose every entry the finite differences can move."""
    return (x + ops.swapaxes(x, -1, -2)) * 0.5


SPECS: dict[str, list[Case]] = {
    "einsum": _einsum_cases(),
    "cross": _cross_cases(),
}
