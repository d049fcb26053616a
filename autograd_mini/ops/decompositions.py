"""Matrix functions and decompositions: the ops behind ``am.linalg``.

Every op works on a matrix or a batch of matrices ``(..., m, n)``, like NumPy. The
rules are the standard matrix-calculus results (M. Giles, "An extended collection of
matrix derivative results for forward and reverse mode AD", 2008; I. Murray,
"Differentiation of the Cholesky decomposition", 2016; M. Seeger et al., "Auto-
differentiating linear algebra", 2017), written with the library's own ops (matmul,
transpose, einsum, solve, inv ...) so that ``create_graph=True`` differentiates them
again. Each op also has its forward-mode rule, written the same way.

Ops with several results (``eigh``: w, V; ``svd``: U, S, Vh; ``qr``: Q, R) return them
packed into one array (each result flattened over its matrix axes and concatenated along
the last axis); the public functions in :mod:`autograd_mini.ops.linalg_api` unpack them
with differentiable indexing, so a result that is not used sends a zero gradient.

Where the derivative does not exist the backward pass raises instead of returning
inf/nan (see each op): singular matrices (inv, solve, det, slogdet), repeated eigenvalues
(eigenvectors of eigh) and singular values (singular vectors of svd), rank-deficient
matrices (qr, pinv, lstsq). Symmetric inputs (cholesky, eigh) are read from their lower
triangle, as NumPy does; their gradients are symmetric (those of A ↦ f((A + Aᵀ)/2), as in
PyTorch).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from ..core.broadcasting import shape_of
from .einsum import LETTERS, einsum_op
from .linalg import matmul
from .reduction import expand, sum_
from .registry import Op, dtype_of, value_of
from .shape import concatenate, expand_dims, getitem, reshape, transpose
from .unary import abs_

# ---------------------------------------------------------------- helpers (arrays or Tensors)


def _float(x: Any) -> np.dtype[Any]:
    dtype = dtype_of(x)
    return dtype if dtype.kind == "f" else np.dtype(np.float64)


def mT(x: Any) -> Any:
    """Swap the last two axes."""
    nd = len(shape_of(x))
    perm = list(range(nd))
    perm[-1], perm[-2] = perm[-2], perm[-1]
    return transpose(x, axes=tuple(perm))


def _batch(x: Any) -> str:
    return LETTERS[: len(shape_of(x)) - 2]


def diagonal(x: Any) -> Any:
    """The diagonal of each matrix, (..., n, n) -> (..., n)."""
    b = _batch(x)
    return einsum_op(x, subscripts=f"{b}yy->{b}y")


def trace(x: Any) -> Any:
    b = _batch(x)
    return einsum_op(x, subscripts=f"{b}yy->{b}")


def diag_embed(v: Any) -> Any:
    """Vectors (..., n) -> diagonal matrices (..., n, n)."""
    n = shape_of(v)[-1]
    return expand_dims(v, axis=-1) * np.eye(n, dtype=_float(v))


def _tril(n: int, k: int, like: Any) -> np.ndarray:
    return np.tril(np.ones((n, n), dtype=_float(like)), k)


def _nonzero(x: Any) -> bool:
    return bool(np.any(np.asarray(value_of(x)) != 0))


def _tolerance(scale: Any, dtype: Any) -> np.ndarray:
    """How close two eigen/singular values may be before their gradient is refused."""
    return 1e3 * float(np.finfo(np.dtype(dtype) if np.dtype(dtype).kind == "f" else np.float64).eps) * scale


def pack(parts: Sequence[Any], batch: tuple[int, ...]) -> Any:
    """Results (each (*batch, ...)) as one array (*batch, total): flattened and joined."""
    flat = [reshape(p, shape=(*batch, -1)) for p in parts]
    return concatenate(*flat, axis=-1)


def unpack(packed: Any, shapes: Sequence[tuple[int, ...]]) -> list[Any]:
    """The results of :func:`pack` back in their shapes (trailing shapes given)."""
    batch = shape_of(packed)[:-1]
    out, start = [], 0
    for s in shapes:
        size = math.prod(s)
        piece = getitem(packed, index=(Ellipsis, slice(start, start + size)))
        out.append(reshape(piece, shape=(*batch, *s)))
        start += size
    return out


def _pack_np(parts: Sequence[np.ndarray], batch: tuple[int, ...]) -> np.ndarray:
    return np.concatenate([np.reshape(p, (*batch, -1)) for p in parts], axis=-1)


class GradientUndefinedError(RuntimeError):
    """The derivative does not exist at this input (repeated eigenvalues, singular matrix ...)."""


def _solve_right(x: Any, r: Any) -> Any:
    """X R⁻¹ (R square, invertible)."""
    return mT(solve_op(mT(r), mT(x)))


# ---------------------------------------------------------------- inv, solve, det, slogdet


def _singular(who: str) -> ValueError:
    return ValueError(
        "the matrix is singular (not invertible). Fix: use am.linalg.pinv or am.linalg.lstsq "
        "for a least-squares answer, or regularise it (A + λI)"
    )


def _inv_forward(a: Any) -> Any:
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        raise _singular("inv") from None


def _inv_jvp(t: Sequence[Any], ans: Any, a: Any) -> Any:
    """Ẏ = -Y Ȧ Y (Y = A⁻¹)"""
    return -matmul(matmul(ans, t[0]), ans)


inv_op: Op = Op(
    "inv",
    _inv_forward,
    [lambda g, ans, a: -matmul(matmul(mT(ans), g), mT(ans))],
    save_inputs=False,
    save_output=True,
    jvp=_inv_jvp,
    rules=["Ā = -Yᵀ Ḡ Yᵀ (Y = A⁻¹)"],
    math="Y = A⁻¹",
    doc="Inverse of square matrices.",
)


def _solve_forward(a: Any, b: Any) -> Any:
    try:
        return np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        raise _singular("solve") from None


def _solve_vjp_b(g: Any, ans: Any, a: Any, b: Any) -> Any:
    return solve_op(mT(a), g)


def _solve_vjp_a(g: Any, ans: Any, a: Any, b: Any) -> Any:
    return -matmul(solve_op(mT(a), g), mT(ans))


def _solve_jvp(t: Sequence[Any], ans: Any, a: Any, b: Any) -> Any:
    """Ẋ = A⁻¹ (Ḃ - Ȧ X) (a solve with A)"""
    rhs = None
    if t[1] is not None:
        rhs = t[1]
    if t[0] is not None:
        term = -matmul(t[0], ans)
        rhs = term if rhs is None else rhs + term
    if rhs is None:
        return np.zeros(shape_of(ans), dtype=dtype_of(ans))
    return solve_op(a, rhs)


solve_op: Op = Op(
    "solve",
    _solve_forward,
    [_solve_vjp_a, _solve_vjp_b],
    save_output=True,
    jvp=_solve_jvp,
    rules=["Ā = -B̄ Xᵀ", "B̄ = A⁻ᵀ Ḡ (a solve with Aᵀ)"],
    math="X = A⁻¹ B (solves A X = B)",
    doc="Solution of the linear systems A X = B.",
)


def _det_vjp(g: Any, ans: Any, a: Any) -> Any:
    if not np.all(np.asarray(value_of(ans)) != 0):
        raise GradientUndefinedError(
            "det: the gradient at a singular matrix (det = 0) is its adjugate, which is not "
            "implemented; the gradient det(A)·A⁻ᵀ needs an invertible A"
        )
    return expand_dims(expand_dims(g * ans, axis=-1), axis=-1) * mT(inv_op(a))


def _det_jvp(t: Sequence[Any], ans: Any, a: Any) -> Any:
    """ẏ = det(A) · tr(A⁻¹ Ȧ) (A invertible)"""
    return ans * trace(matmul(inv_op(a), t[0]))


det_op: Op = Op(
    "det",
    np.linalg.det,
    [_det_vjp],
    save_output=True,
    jvp=_det_jvp,
    rules=["Ā = ḡ · det(A) · A⁻ᵀ (A invertible)"],
    math="y = det A",
    doc="Determinant of square matrices.",
)


def _slogdet_vjp(g: Any, ans: Any, a: Any) -> Any:
    if not np.all(np.isfinite(np.asarray(value_of(ans)))):
        raise GradientUndefinedError(
            "slogdet: log|det A| = -inf at a singular matrix; its gradient A⁻ᵀ needs an "
            "invertible A"
        )
    return expand_dims(expand_dims(g, axis=-1), axis=-1) * mT(inv_op(a))


def _slogdet_jvp(t: Sequence[Any], ans: Any, a: Any) -> Any:
    """ẏ = tr(A⁻¹ Ȧ) (A invertible)"""
    return trace(matmul(inv_op(a), t[0]))


slogdet_op: Op = Op(
    "slogdet",
    lambda a: np.linalg.slogdet(a)[1],
    [_slogdet_vjp],
    save_output=True,
    jvp=_slogdet_jvp,
    rules=["Ā = ḡ · A⁻ᵀ (A invertible)"],
    math="y = log |det A|",
    doc="Logarithm of the absolute determinant of square matrices.",
)


# ---------------------------------------------------------------- cholesky


def _phi(x: Any) -> Any:
    """Lower triangle with the diagonal halved."""
    n = shape_of(x)[-1]
    return x * (_tril(n, -1, x) + 0.5 * np.eye(n, dtype=_float(x)))


def _sym(x: Any) -> Any:
    return (x + mT(x)) * 0.5


def _cholesky_forward(a: Any) -> Any:
    try:
        return np.linalg.cholesky(a)
    except np.linalg.LinAlgError:
        raise ValueError(
            "the matrix is not positive definite. Fix: pass a symmetric positive definite "
            "matrix (e.g. X Xᵀ + εI); only its lower triangle is read"
        ) from None


def _cholesky_vjp(g: Any, ans: Any, a: Any) -> Any:
    linv = inv_op(ans)
    return _sym(matmul(matmul(mT(linv), _phi(matmul(mT(ans), g))), linv))


def _cholesky_jvp(t: Sequence[Any], ans: Any, a: Any) -> Any:
    """L̇ = L Φ(L⁻¹ sym(Ȧ) L⁻ᵀ), Φ = lower triangle with halved diagonal, sym(X) = (X + Xᵀ)/2"""
    linv = inv_op(ans)
    return matmul(ans, _phi(matmul(matmul(linv, _sym(t[0])), mT(linv))))


cholesky_op: Op = Op(
    "cholesky",
    _cholesky_forward,
    [_cholesky_vjp],
    save_inputs=False,
    save_output=True,
    jvp=_cholesky_jvp,
    rules=["Ā = sym(L⁻ᵀ Φ(Lᵀ L̄) L⁻¹), Φ = lower triangle with halved diagonal, sym(X) = (X + Xᵀ)/2"],
    math="A = L Lᵀ, L lower triangular",
    doc="Cholesky factor of symmetric positive definite matrices.",
)


# ---------------------------------------------------------------- eigh


def _eigh_forward(a: Any, UPLO: Literal["L", "U"] = "L") -> Any:
    w, v = np.linalg.eigh(a, UPLO=UPLO)
    return _pack_np([w, v], np.shape(a)[:-2])


def _eigh_parts(x: Any, a: Any) -> list[Any]:
    n = shape_of(a)[-1]
    return unpack(x, [(n,), (n, n)])


def _gaps(w: Any, who: str, what: str) -> Any:
    """w_j - w_i as a matrix (..., i, j), after checking that the values are distinct."""
    values = np.asarray(value_of(w))
    eig = who == "eigh"
    values_only = "eigenvalues (am.linalg.eigvalsh)" if eig else "singular values (am.linalg.svdvals)"
    n = values.shape[-1]
    diff = values[..., None, :] - values[..., :, None]
    scale = np.max(np.abs(values), axis=-1, initial=0.0)[..., None, None]
    close = (np.abs(diff) <= _tolerance(scale, values.dtype)) & ~np.eye(n, dtype=bool)
    if np.any(close):
        where = tuple(int(k) for k in np.argwhere(close)[0])
        i, j = where[-2:]
        gap = abs(float(diff[where]))
        raise GradientUndefinedError(
            f"{who}: the gradient with respect to the {what} does not exist where two "
            f"{'eigenvalues' if eig else 'singular values'} coincide (values {i} and {j}"
            f"{'' if eig else ', squared,'} differ by {gap:.3g}, within "
            f"the tolerance 1e3·eps·max|value|): the {what} are not unique there. Fix: use "
            f"only the {values_only}, or perturb the matrix"
        )
    return expand_dims(w, axis=-2) - expand_dims(w, axis=-1)


def _eigh_vjp(g: Any, ans: Any, a: Any, UPLO: str = "L") -> Any:
    gw, gv = _eigh_parts(g, a)
    w, v = _eigh_parts(ans, a)
    inner = diag_embed(gw)
    if _nonzero(gv):
        n = shape_of(a)[-1]
        eye = np.eye(n, dtype=_float(a))
        e = _gaps(w, "eigh", "eigenvectors")
        k = matmul(mT(v), gv)
        inner = inner + (k - mT(k)) * 0.5 / (e + eye) * (1.0 - eye)
    return matmul(matmul(v, inner), mT(v))


def _eigh_jvp(t: Sequence[Any], ans: Any, a: Any, UPLO: str = "L") -> Any:
    """ẇ = diag(K), V̇ = V (F ∘ K), K = Vᵀ sym(Ȧ) V, F_ij = 1/(w_j - w_i) (i ≠ j), F_ii = 0
    (distinct eigenvalues)"""
    w, v = _eigh_parts(ans, a)
    n = shape_of(a)[-1]
    eye = np.eye(n, dtype=_float(a))
    k = matmul(matmul(mT(v), _sym(t[0])), v)
    dw = diagonal(k)
    e = _gaps(w, "eigh", "eigenvectors")
    dv = matmul(v, k / (e + eye) * (1.0 - eye))
    return pack([dw, dv], shape_of(a)[:-2])


eigh_op: Op = Op(
    "eigh",
    _eigh_forward,
    [_eigh_vjp],
    save_output=True,
    jvp=_eigh_jvp,
    rules=[
        "Ā = V (diag(w̄) + F ∘ skew(Vᵀ V̄)) Vᵀ, F_ij = 1/(w_j - w_i) (i ≠ j, distinct "
        "eigenvalues needed when V̄ ≠ 0), skew(X) = (X - Xᵀ)/2"
    ],
    math="A = V diag(w) Vᵀ (w ascending; packed [w, V])",
    doc="Eigenvalues and eigenvectors of symmetric matrices.",
)


# ---------------------------------------------------------------- svd


def _svd_forward(a: Any, full_matrices: bool = False) -> Any:
    u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
    return _pack_np([u, s, vh], np.shape(a)[:-2])


def _svd_shapes(a: Any, full_matrices: bool) -> list[tuple[int, ...]]:
    m, n = shape_of(a)[-2:]
    k = min(m, n)
    return [(m, m if full_matrices else k), (k,), (n if full_matrices else k, n)]


def _svd_vjp(g: Any, ans: Any, a: Any, full_matrices: bool = False) -> Any:
    gu, gs, gvh = unpack(g, _svd_shapes(a, full_matrices))
    u, s, vh = unpack(ans, _svd_shapes(a, full_matrices))
    m, n = shape_of(a)[-2:]
    k = min(m, n)
    if full_matrices and m != n:
        # the first k columns of U (rows of Vh) are those of the reduced SVD; the others
        # are not unique, so they must not receive a gradient
        extra_u = getitem(gu, index=(Ellipsis, slice(k, None)))
        extra_vh = getitem(gvh, index=(Ellipsis, slice(k, None), slice(None)))
        if _nonzero(extra_u) or _nonzero(extra_vh):
            raise GradientUndefinedError(
                f"svd: the last {max(m, n) - k} singular vectors of a {m}×{n} matrix with "
                f"full_matrices=True are not unique, so no gradient flows through them. Fix: "
                f"am.linalg.svd(A, full_matrices=False)"
            )
        u = getitem(u, index=(Ellipsis, slice(0, k)))
        gu = getitem(gu, index=(Ellipsis, slice(0, k)))
        vh = getitem(vh, index=(Ellipsis, slice(0, k), slice(None)))
        gvh = getitem(gvh, index=(Ellipsis, slice(0, k), slice(None)))
    vectors = _nonzero(gu) or _nonzero(gvh)
    inner = diag_embed(gs)
    if not vectors:
        return matmul(matmul(u, inner), vh)
    dtype = _float(a)
    eye = np.eye(k, dtype=dtype)
    e = _gaps(s * s, "svd", "singular vectors")
    if m != n:
        smallest = np.min(np.abs(np.asarray(value_of(s))))
        scale = np.max(np.abs(np.asarray(value_of(s))))
        if smallest <= _tolerance(scale, dtype):
            raise GradientUndefinedError(
                f"svd: the gradient with respect to the singular vectors of a {m}×{n} "
                f"matrix needs nonzero singular values (full rank); the smallest is "
                f"{smallest:.3g}. Fix: use only the singular values (am.linalg.svdvals)"
            )
    v = mT(vh)
    gv = mT(gvh)
    uhgu = matmul(mT(u), gu)
    vhgv = matmul(mT(v), gv)
    f = (1.0 - eye) / (e + eye)
    s_row = expand_dims(s, axis=-2)  # scales columns: X diag(s)
    s_col = expand_dims(s, axis=-1)  # scales rows: diag(s) X
    inner = inner + (uhgu - mT(uhgu)) * f * s_row + s_col * ((vhgv - mT(vhgv)) * f)
    out = matmul(matmul(u, inner), vh)
    if m > k:
        out = out + matmul((gu - matmul(u, uhgu)) / s_row, vh)
    if n > k:
        out = out + matmul(u, mT((gv - matmul(v, vhgv)) / s_row))
    return out


def _svd_jvp(t: Sequence[Any], ans: Any, a: Any, full_matrices: bool = False) -> Any:
    """Ṡ = diag(P), U̇ = U F∘(P S + S Pᵀ) + (I - UUᵀ) Ȧ V S⁻¹ [tall], V̇ = V F∘(S P + Pᵀ S) + (I - VVᵀ)
    Ȧᵀ U S⁻¹ [wide], Vḣ = V̇ᵀ; P = Uᵀ Ȧ V, F_ij = 1/(s_j² - s_i²) (i ≠ j), F_ii = 0 (distinct
    singular values, nonzero if m ≠ n; full_matrices' extra vectors: NaN)"""
    m, n = shape_of(a)[-2:]
    k = min(m, n)
    u, s, vh = unpack(ans, _svd_shapes(a, full_matrices))
    extra = full_matrices and m != n
    if extra:  # the first k singular vectors are the reduced SVD's
        u = getitem(u, index=(Ellipsis, slice(0, k)))
        vh = getitem(vh, index=(Ellipsis, slice(0, k), slice(None)))
    eye = np.eye(k, dtype=_float(a))
    da = t[0]
    v = mT(vh)
    ds_mat = matmul(matmul(mT(u), da), v)
    ds = diagonal(ds_mat)
    e = _gaps(s * s, "svd", "singular vectors")
    f = (1.0 - eye) / (e + eye)
    s_row = expand_dims(s, axis=-2)
    s_col = expand_dims(s, axis=-1)
    dss = ds_mat * s_row  # dS diag(s)
    sds = s_col * ds_mat  # diag(s) dS
    du = matmul(u, f * (dss + mT(dss)))
    dv = matmul(v, f * (sds + mT(sds)))
    if m > n:
        dav = matmul(da, v)
        du = du + (dav - matmul(u, matmul(mT(u), dav))) / s_row
    if n > m:
        dahu = matmul(mT(da), u)
        dv = dv + (dahu - matmul(v, matmul(mT(v), dahu))) / s_row
    dvh = mT(dv)
    if extra:
        # the other columns of U (rows of Vh) are not unique: they have no derivative, and
        # their tangent is NaN so that any use of it shows (never a silent wrong value)
        batch = shape_of(a)[:-2]
        if m > n:
            du = concatenate(du, np.full((*batch, m, m - k), np.nan, dtype=_float(a)), axis=-1)
        else:
            dvh = concatenate(dvh, np.full((*batch, n - k, n), np.nan, dtype=_float(a)), axis=-2)
    return pack([du, ds, dvh], shape_of(a)[:-2])


svd_op: Op = Op(
    "svd",
    _svd_forward,
    [_svd_vjp],
    save_output=True,
    jvp=_svd_jvp,
    rules=[
        "Ā = U [F∘(UᵀŪ - ŪᵀU) S + S F∘(VᵀV̄ - V̄ᵀV) + diag(S̄)] Vᵀ + (I - UUᵀ) Ū S⁻¹ Vᵀ "
        "+ U S⁻¹ V̄ᵀ (I - VVᵀ), F_ij = 1/(s_j² - s_i²) (distinct singular values, and "
        "nonzero ones if m ≠ n, needed when Ū or V̄ ≠ 0)"
    ],
    math="A = U diag(S) Vh (packed [U, S, Vh])",
    doc="Singular value decomposition.",
)


# ---------------------------------------------------------------- qr


def _qr_forward(a: Any, mode: Literal["reduced", "complete"] = "reduced") -> Any:
    q, r = np.linalg.qr(a, mode=mode)
    return _pack_np([q, r], np.shape(a)[:-2])


def _qr_shapes(a: Any, mode: str) -> list[tuple[int, ...]]:
    m, n = shape_of(a)[-2:]
    k = m if mode == "complete" else min(m, n)
    return [(m, k), (k, n)]


def _check_rank(r: Any, who: str) -> None:
    d = np.abs(np.diagonal(np.asarray(value_of(r)), axis1=-2, axis2=-1))
    scale = np.max(np.abs(np.asarray(value_of(r))), initial=0.0)
    if d.size and np.min(d) <= _tolerance(scale, np.asarray(value_of(r)).dtype):
        raise GradientUndefinedError(
            f"{who}: the gradient needs the first min(m, n) columns to be linearly independent "
            f"(a zero on the diagonal of R: the factors are not unique there)"
        )


def _qr_square_vjp(q: Any, r: Any, gq: Any, gr: Any) -> Any:
    """A = QR with A m×n, m ≥ n: Ā = (Q̄ + Q copyltu(M)) R⁻ᵀ, M = R R̄ᵀ - Q̄ᵀ Q."""
    n = shape_of(r)[-1]
    mm = matmul(r, mT(gr)) - matmul(mT(gq), q)
    low = _tril(n, 0, r)
    strict = _tril(n, -1, r)
    copyltu = mm * low + mT(mm * strict)
    return _solve_right(gq + matmul(q, copyltu), mT(r))


def _qr_vjp(g: Any, ans: Any, a: Any, mode: str = "reduced") -> Any:
    m, n = shape_of(a)[-2:]
    gq, gr = unpack(g, _qr_shapes(a, mode))
    q, r = unpack(ans, _qr_shapes(a, mode))
    if mode == "complete" and m > n:
        if _nonzero(getitem(gq, index=(Ellipsis, slice(n, None)))):
            raise GradientUndefinedError(
                f"qr: the last {m - n} columns of Q of a {m}×{n} matrix in mode='complete' are "
                f"not unique, so nothing differentiates through them. Fix: mode='reduced'"
            )
        q = getitem(q, index=(Ellipsis, slice(0, n)))
        gq = getitem(gq, index=(Ellipsis, slice(0, n)))
        r = getitem(r, index=(Ellipsis, slice(0, n), slice(None)))
        gr = getitem(gr, index=(Ellipsis, slice(0, n), slice(None)))
    _check_rank(r, "qr")
    if m >= n:
        return _qr_square_vjp(q, r, gq, gr)
    # wide: A = [X | Y], X = Q U square, V = Qᵀ Y
    u = getitem(r, index=(Ellipsis, slice(0, m)))
    gu = getitem(gr, index=(Ellipsis, slice(0, m)))
    gv = getitem(gr, index=(Ellipsis, slice(m, None)))
    y = getitem(a, index=(Ellipsis, slice(m, None)))
    gx = _qr_square_vjp(q, u, gq + matmul(y, mT(gv)), gu)
    return concatenate(gx, matmul(q, gv), axis=-1)


def _qr_square_jvp(q: Any, r: Any, dx: Any) -> tuple[Any, Any]:
    n = shape_of(r)[-1]
    dx_rinv = _solve_right(dx, r)
    qt = matmul(mT(q), dx_rinv)
    low = qt * _tril(n, -1, r)
    do = low - mT(low)
    return matmul(q, do - qt) + dx_rinv, matmul(qt - do, r)


def _qr_jvp(t: Sequence[Any], ans: Any, a: Any, mode: str = "reduced") -> Any:
    """Q̇ = Ȧ R⁻¹ + Q (Ω - C), Ṙ = (C - Ω) R, C = Qᵀ Ȧ R⁻¹, Ω = tril₋₁(C) - tril₋₁(C)ᵀ (m ≥ n, full
    column rank; for m < n, A = [X | Y]: X's rule, and Ṙ_Y = Q̇ᵀ Y + Qᵀ Ẏ)"""
    m, n = shape_of(a)[-2:]
    q, r = unpack(ans, _qr_shapes(a, mode))
    extra = mode == "complete" and m > n
    if extra:  # the first n columns of Q and rows of R are the reduced factorisation's
        q = getitem(q, index=(Ellipsis, slice(0, n)))
        r = getitem(r, index=(Ellipsis, slice(0, n), slice(None)))
    _check_rank(r, "qr")
    da = t[0]
    if m >= n:
        dq, dr = _qr_square_jvp(q, r, da)
    else:
        u = getitem(r, index=(Ellipsis, slice(0, m)))
        dq, du = _qr_square_jvp(q, u, getitem(da, index=(Ellipsis, slice(0, m))))
        y = getitem(a, index=(Ellipsis, slice(m, None)))
        dy = getitem(da, index=(Ellipsis, slice(m, None)))
        dv = matmul(mT(dq), y) + matmul(mT(q), dy)
        dr = concatenate(du, dv, axis=-1)
    if extra:
        # the other columns of Q are not unique: NaN tangent (no derivative; any use shows);
        # the extra rows of R are zero whatever A is
        batch = shape_of(a)[:-2]
        dq = concatenate(dq, np.full((*batch, m, m - n), np.nan, dtype=_float(a)), axis=-1)
        dr = concatenate(dr, np.zeros((*batch, m - n, n), dtype=_float(a)), axis=-2)
    return pack([dq, dr], shape_of(a)[:-2])


qr_op: Op = Op(
    "qr",
    _qr_forward,
    [_qr_vjp],
    save_output=True,
    jvp=_qr_jvp,
    rules=[
        "Ā = (Q̄ + Q copyltu(M)) R⁻ᵀ, M = R R̄ᵀ - Q̄ᵀ Q (m ≥ n, full column rank; for m < n "
        "A = [X | Y]: Ȳ = Q R̄_Y and X's rule with Q̄ + Y R̄_Yᵀ)"
    ],
    math="A = Q R (reduced; packed [Q, R])",
    doc="QR decomposition.",
)


# ---------------------------------------------------------------- pinv, lstsq


def _full_rank(a: Any, who: str) -> None:
    s = np.linalg.svd(np.asarray(value_of(a)), compute_uv=False)
    m, n = np.shape(value_of(a))[-2:]
    tol = np.max(s, axis=-1, initial=0.0) * max(m, n) * np.finfo(_float(a)).eps
    if np.any(np.min(s, axis=-1, initial=np.inf) <= tol):
        raise GradientUndefinedError(
            f"{who}: the gradient needs a full-rank matrix (rank min(m, n) = {min(m, n)}); at a "
            f"rank-deficient one the result jumps under small changes, so there is no "
            f"derivative. Fix: regularise (A + λI, or ridge: solve(AᵀA + λI, AᵀB))"
        )


def _eye_like(n: int, x: Any) -> np.ndarray:
    return np.eye(n, dtype=_float(x))


def _pinv_vjp(g: Any, ans: Any, a: Any) -> Any:
    _full_rank(a, "pinv")
    m, n = shape_of(a)[-2:]
    x, gt = ans, mT(g)
    first = -matmul(matmul(mT(x), g), mT(x))
    left = _eye_like(m, a) - matmul(a, x)  # I - A A⁺ (m × m)
    right = _eye_like(n, a) - matmul(x, a)  # I - A⁺ A (n × n)
    return (
        first
        + matmul(matmul(left, gt), matmul(x, mT(x)))
        + matmul(matmul(mT(x), x), matmul(gt, right))
    )


def _pinv_jvp(t: Sequence[Any], ans: Any, a: Any) -> Any:
    """Ẋ = -X Ȧ X + X Xᵀ Ȧᵀ (I - A X) + (I - X A) Ȧᵀ Xᵀ X, X = A⁺ (full rank)"""
    _full_rank(a, "pinv")
    m, n = shape_of(a)[-2:]
    x, da = ans, t[0]
    left = _eye_like(m, a) - matmul(a, x)
    right = _eye_like(n, a) - matmul(x, a)
    return (
        -matmul(matmul(x, da), x)
        + matmul(matmul(x, mT(x)), matmul(mT(da), left))
        + matmul(matmul(right, mT(da)), matmul(mT(x), x))
    )


pinv_op: Op = Op(
    "pinv",
    np.linalg.pinv,
    [_pinv_vjp],
    save_output=True,
    jvp=_pinv_jvp,
    rules=[
        "Ā = -Xᵀ Ḡ Xᵀ + (I - A X) Ḡᵀ X Xᵀ + Xᵀ X Ḡᵀ (I - X A), X = A⁺ (full rank)"
    ],
    math="X = A⁺ (Moore-Penrose pseudo-inverse)",
    doc="Moore-Penrose pseudo-inverse.",
)


def _lstsq_forward(a: Any, b: Any, rcond: float | None = None) -> Any:
    a, b = np.asarray(a), np.asarray(b)
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = np.broadcast_to(a, (*batch, *a.shape[-2:]))
    b = np.broadcast_to(b, (*batch, *b.shape[-2:]))
    dtype = np.result_type(a, b)
    out = np.empty((*batch, a.shape[-1], b.shape[-1]), dtype=dtype)
    for idx in np.ndindex(*batch):
        out[idx] = np.linalg.lstsq(a[idx], b[idx], rcond=rcond)[0]
    return out


def _lstsq_vjp_a(g: Any, ans: Any, a: Any, b: Any, rcond: float | None = None) -> Any:
    _full_rank(a, "lstsq")
    n = shape_of(a)[-1]
    p = pinv_op(a)
    r = b - matmul(a, ans)
    gt = mT(g)
    return (
        -matmul(matmul(mT(p), g), mT(ans))
        + matmul(matmul(r, gt), matmul(p, mT(p)))
        + matmul(matmul(mT(p), ans), matmul(gt, _eye_like(n, a) - matmul(p, a)))
    )


def _lstsq_vjp_b(g: Any, ans: Any, a: Any, b: Any, rcond: float | None = None) -> Any:
    _full_rank(a, "lstsq")
    return matmul(mT(pinv_op(a)), g)


def _lstsq_jvp(t: Sequence[Any], ans: Any, a: Any, b: Any, rcond: float | None = None) -> Any:
    """Ẋ = -A⁺ Ȧ X + A⁺A⁺ᵀ Ȧᵀ R + (I - A⁺A) Ȧᵀ A⁺ᵀ X + A⁺ Ḃ, R = B - A X (full rank)"""
    _full_rank(a, "lstsq")
    n = shape_of(a)[-1]
    p = pinv_op(a)
    total = None
    if t[0] is not None:
        da = t[0]
        r = b - matmul(a, ans)
        total = (
            -matmul(matmul(p, da), ans)
            + matmul(matmul(p, mT(p)), matmul(mT(da), r))
            + matmul(matmul(_eye_like(n, a) - matmul(p, a), mT(da)), matmul(mT(p), ans))
        )
    if t[1] is not None:
        term = matmul(p, t[1])
        total = term if total is None else total + term
    return total if total is not None else np.zeros(shape_of(ans), dtype=dtype_of(ans))


lstsq_op: Op = Op(
    "lstsq",
    _lstsq_forward,
    [_lstsq_vjp_a, _lstsq_vjp_b],
    save_output=True,
    jvp=_lstsq_jvp,
    rules=[
        "Ā = -A⁺ᵀ Ḡ Xᵀ + R Ḡᵀ A⁺A⁺ᵀ + A⁺ᵀ X Ḡᵀ (I - A⁺A), R = B - A X (full rank)",
        "B̄ = A⁺ᵀ Ḡ",
    ],
    math="X = argmin ‖A X - B‖ (minimum norm) = A⁺ B",
    doc="Least-squares solution of A X = B.",
)


# ---------------------------------------------------------------- vector norms


def _norm_forward(
    x: Any, ord: float = 2.0, axis: tuple[int, ...] | None = None, keepdims: bool = False
) -> Any:
    x = np.asarray(x)
    a = np.abs(x)
    if ord == 2.0:
        out = np.sqrt(np.sum(x * x, axis=axis, keepdims=keepdims))
    elif ord == np.inf:
        out = np.max(a, axis=axis, keepdims=keepdims, initial=0.0)
    elif ord == -np.inf:
        out = np.min(a, axis=axis, keepdims=keepdims)
    elif ord == 0.0:
        out = np.sum(x != 0, axis=axis, keepdims=keepdims)
    elif ord == 1.0:
        out = np.sum(a, axis=axis, keepdims=keepdims)
    else:
        with np.errstate(divide="ignore"):
            out = np.sum(a**ord, axis=axis, keepdims=keepdims) ** (1.0 / ord)
    return np.asarray(out, dtype=x.dtype if x.dtype.kind == "f" else np.float64)


def _norm_vjp(g: Any, ans: Any, x: Any, ord: float = 2.0, axis: Any = None, keepdims: bool = False) -> Any:
    shape = shape_of(x)
    gk = expand(g, shape, axis, keepdims)
    yk = expand(ans, shape, axis, keepdims)
    xv = np.asarray(value_of(x))
    yv = np.asarray(value_of(yk))
    dtype = _float(x)
    sign = np.sign(xv).astype(dtype)
    if ord == 0.0:
        return gk * np.zeros(shape, dtype=dtype)  # piecewise constant
    if ord == 1.0:
        return gk * sign
    if ord in (np.inf, -np.inf):
        hit = (np.abs(xv) == yv).astype(dtype)
        count = np.sum(hit, axis=axis, keepdims=True)
        return gk * (sign * hit / np.maximum(count, 1))
    nonzero = (yv != 0).astype(dtype)
    safe_y = yk + (1.0 - nonzero)  # 1 where the norm is 0: the gradient there is 0 (PyTorch)
    if ord == 2.0:
        return x * (gk * nonzero / safe_y)
    safe_abs = abs_(x) + (xv == 0).astype(dtype)
    return gk * nonzero * sign * (safe_abs / safe_y) ** (ord - 1.0)


def _norm_jvp(
    t: Sequence[Any], ans: Any, x: Any, ord: float = 2.0, axis: Any = None, keepdims: bool = False
) -> Any:
    """ẏ = Σ_axes s ⊙ ẋ, s = sign(x) |x|^(p-1) / y^(p-1) (p = 2: x / y; 0 where y = 0); p = ±∞: s =
    sign(x) at the entries of largest/smallest |x| (ties split evenly); p = 0: 0"""
    ones = np.ones(shape_of(ans), dtype=dtype_of(ans))
    row = _norm_vjp(ones, ans, x, ord=ord, axis=axis, keepdims=keepdims)
    return sum_(row * t[0], axis=axis, keepdims=keepdims)


vector_norm_op: Op = Op(
    "vector_norm",
    _norm_forward,
    [_norm_vjp],
    save_output=True,
    jvp=_norm_jvp,
    rules=[
        "x̄ = ḡ · sign(x) |x|^(p-1) / y^(p-1) (p = 2: ḡ x / y; 0 where y = 0); p = ±∞: ḡ · sign(x) "
        "at the entries of largest/smallest |x| (ties split evenly); p = 0: 0"
    ],
    math="y = (Σ |x|ᵖ)^(1/p) over the axes (p = ∞: max |x|, -∞: min |x|, 0: count of nonzeros)",
    doc="Vector p-norm over one or more axes.",
)
