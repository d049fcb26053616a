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
from ..ops import linalg_api as la
from ..ops.einsum import einsum
from .cases import Case, Maker, away_from_zero, case, normal


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


def spectrum(values: tuple[float, ...], *batch: int) -> Maker:
    """A symmetric matrix Q diag(values) Qᵀ with a random rotation Q: known, distinct eigenvalues."""

    def make(rng: np.random.Generator) -> np.ndarray:
        n = len(values)
        q = np.linalg.qr(rng.standard_normal((*batch, n, n)))[0]
        return (q * np.asarray(values)) @ np.swapaxes(q, -1, -2)

    return make


def singular(m: int, n: int, values: tuple[float, ...] = (3.0, 2.0, 1.2), *batch: int) -> Maker:
    """U diag(values) Vᵀ with random orthonormal U (m × k) and V (n × k): distinct singular values."""

    def make(rng: np.random.Generator) -> np.ndarray:
        k = min(m, n)
        u = np.linalg.qr(rng.standard_normal((*batch, m, k)))[0]
        v = np.linalg.qr(rng.standard_normal((*batch, n, k)))[0]
        return (u * np.asarray(values[:k])) @ np.swapaxes(v, -1, -2)

    return make


def negative_det(n: int) -> Maker:
    """A well-conditioned matrix with two rows swapped: det < 0."""
    return lambda rng: well_conditioned(n, n)(rng)[[1, 0, *range(2, n)]]


def distinct_magnitudes(*shape: int) -> Maker:
    """Values with distinct |x| in [0.3, 2] and random signs (no ties for inf-norms)."""
    size = int(np.prod(shape))
    def make(rng: np.random.Generator) -> np.ndarray:
        magnitudes = rng.permutation(np.linspace(0.3, 2.0, size))
        return (magnitudes * rng.choice([-1.0, 1.0], size)).reshape(shape)

    return make


def _gauge_free(v: Any, c: tuple[float, ...]) -> Any:
    """V diag(c) Vᵀ: unchanged when columns of V flip sign."""
    return (v * np.asarray(c, dtype=v.dtype)) @ ops.swapaxes(v, -1, -2)


def _decomposition_cases() -> dict[str, list[Case]]:
    c3 = (0.3, -1.1, 2.0)
    return {
        "inv": [
            case(lambda a: la.inv(a), well_conditioned(3, 3), label="3x3"),
            case(lambda a: la.inv(a), well_conditioned(2, 3, 3), label="batched"),
        ],
        "solve": [
            case(lambda a, b: la.solve(a, b), well_conditioned(3, 3), normal(3, 2), label="matrix B"),
            case(lambda a, b: la.solve(a, b), well_conditioned(3, 3), normal(3), label="vector b"),
            case(lambda a, b: la.solve(a, b), well_conditioned(2, 3, 3), normal(3, 2),
                 label="batch broadcast"),
        ],
        "det": [
            case(lambda a: la.det(a), well_conditioned(3, 3), label="3x3"),
            case(lambda a: la.det(a), well_conditioned(2, 2, 2), label="batched"),
        ],
        "slogdet": [
            case(lambda a: la.slogdet(a).logabsdet, well_conditioned(3, 3), label="det > 0"),
            case(lambda a: la.slogdet(a).logabsdet, negative_det(3), label="det < 0"),
            case(lambda a: la.slogdet(a)[1], well_conditioned(2, 3, 3), label="batched"),
        ],
        "cholesky": [
            case(lambda a: la.cholesky(_sym(a)), spd(3), label="3x3"),
            case(lambda a: la.cholesky(_sym(a)), spd(3, 2), label="batched"),
            case(lambda x: la.cholesky(x @ ops.swapaxes(x, -1, -2) + np.eye(4, dtype=x.dtype)), normal(4, 4),
                 label="X Xᵀ + I"),
        ],
        "eigh": [
            case(lambda a: la.eigh(_sym(a)).eigenvalues, spectrum((-1.5, 0.5, 2.0, 3.7)),
                 label="eigenvalues"),
            case(lambda a: la.eigvalsh(_sym(a)), spectrum((-1.5, 0.5, 2.0), 2), label="eigvalsh batched"),
            case(lambda a: _gauge_free(la.eigh(_sym(a))[1], c3), spectrum((-1.0, 0.4, 2.2)),
                 label="V diag(c) Vᵀ"),
            case(lambda a: la.eigh(_sym(a), UPLO="U")[1] ** 2, spectrum((-1.0, 0.4, 2.2, 3.5)),
                 label="v ⊙ v, UPLO=U"),
            case(lambda a: ops.stack([la.eigh(_sym(a))[0], (la.eigh(_sym(a))[1] ** 2).sum(-2) * 0.0 + 1.0]),
                 spectrum((0.5, 1.5, 3.0)), label="both results"),
        ],
        "svd": [
            case(lambda a: la.svd(a).S, singular(4, 3), label="S, full_matrices=True"),
            case(lambda a: la.svdvals(a), singular(3, 4, (2.5, 1.5, 0.7), 2), label="svdvals batched"),
            case(lambda a: _svd_gauge_free(a, c3), singular(3, 3), label="U diag(c) Vh square"),
            case(lambda a: _svd_gauge_free(a, c3), singular(5, 3), label="U diag(c) Vh tall"),
            case(lambda a: _svd_gauge_free(a, c3), singular(3, 5), label="U diag(c) Vh wide"),
            case(lambda a: la.svd(a, full_matrices=False).U ** 2, singular(4, 3), label="u ⊙ u"),
            case(lambda a: la.svd(a, full_matrices=False).Vh ** 2, singular(3, 4), label="v ⊙ v"),
            case(lambda a: la.norm(a, "nuc"), singular(3, 4), label="norm nuc"),
            case(lambda a: la.norm(a, 2, axis=(0, 2)), normal(3, 2, 4), label="norm 2, axes (0, 2)"),
            case(lambda a: la.norm(a, -2, keepdims=True), singular(4, 3), label="norm -2 keepdims"),
        ],
        "qr": [
            case(lambda a: _qr_gauge_free(a), well_conditioned(3, 3), label="square"),
            case(lambda a: _qr_gauge_free(a), well_conditioned(5, 3), label="tall"),
            case(lambda a: _qr_gauge_free(a), well_conditioned(3, 5), label="wide"),
            case(lambda a: _qr_gauge_free(a), well_conditioned(2, 4, 3), label="batched"),
            case(lambda a: la.qr(a, mode="complete").R ** 2, well_conditioned(4, 3), label="complete, R"),
        ],
        "pinv": [
            case(lambda a: la.pinv(a), well_conditioned(4, 3), label="tall"),
            case(lambda a: la.pinv(a), well_conditioned(3, 4), label="wide"),
            case(lambda a: la.pinv(a), well_conditioned(2, 3, 3), label="batched square"),
        ],
        "lstsq": [
            case(lambda a, b: la.lstsq(a, b).solution, well_conditioned(5, 3), normal(5, 2),
                 label="overdetermined"),
            case(lambda a, b: la.lstsq(a, b)[0], well_conditioned(3, 5), normal(3),
                 label="underdetermined, vector"),
            case(lambda a, b: la.lstsq(a, b).residuals, well_conditioned(5, 3), normal(5, 2),
                 label="residuals"),
        ],
        "vector_norm": [
            case(lambda x: la.norm(x), normal(3, 4), label="2-norm of all"),
            case(lambda x: la.norm(x, axis=1, keepdims=True), normal(3, 4), label="2, axis 1, keepdims"),
            case(lambda x: la.norm(x, 1, axis=0), away_from_zero(3, 4), label="1"),
            case(lambda x: la.norm(x, np.inf, axis=-1), distinct_magnitudes(3, 4), label="inf"),
            case(lambda x: la.norm(x, -np.inf), distinct_magnitudes(5), label="-inf"),
            case(lambda x: la.norm(x, 3.0, axis=1), away_from_zero(3, 4), label="p = 3"),
            case(lambda x: la.norm(x, 0.5), away_from_zero(4), label="p = 0.5"),
            case(lambda x: la.norm(x, 0, axis=0) + la.norm(x), away_from_zero(2, 3), label="0 (count)"),
            case(lambda x: la.norm(x, "fro", axis=(0, 2)), normal(2, 3, 4), label="fro, axes (0, 2)"),
        ],
    }


def _svd_gauge_free(a: Any, c: tuple[float, ...]) -> Any:
    u, _, vh = la.svd(a, full_matrices=False)
    k = min(a.shape[-2:])
    return (u * np.asarray(c[:k], dtype=u.dtype)) @ vh


def _qr_gauge_free(a: Any) -> Any:
    """Q diag(c) R and R ⊙ R: unchanged when a column of Q and the row of R flip sign."""
    q, r = la.qr(a)
    k = r.shape[-2]
    c = np.linspace(0.5, 1.5, k, dtype=q.dtype)
    return ops.concatenate([((q * c) @ r).reshape(-1), (r * r).reshape(-1)])


SPECS: dict[str, list[Case]] = {
    "einsum": _einsum_cases(),
    "cross": _cross_cases(),
    **_decomposition_cases(),
}
