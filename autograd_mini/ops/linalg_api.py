"""Public functions of the products and of ``am.linalg``.

``tensordot``, ``inner``, ``vdot``, ``kron`` and ``cross`` (published as ``am.<name>``)
validate their arguments in the user's terms and contract with the ``einsum`` op (so each
has einsum's exact, any-order derivative) or apply ``cross``. ``dot`` (NumPy's N-d rule)
is in :mod:`autograd_mini.ops.api`.

The functions of ``am.linalg`` (``inv, solve, det, slogdet, cholesky, eigh, eigvalsh,
svd, svdvals, qr, pinv, lstsq, matrix_power, norm``) apply the ops of
:mod:`autograd_mini.ops.decompositions`; their docstrings state the derivative and the
conditions under which it exists.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from ..tensor import Tensor, apply_op, data_dependent, traced_values
from . import api as _api
from . import decompositions as dec
from . import einsum as einsum_ops
from .api import normalize_axis, reshape, transpose
from .convert import as_tensor
from .decompositions import GradientUndefinedError as GradientUndefinedError
from .einsum import LETTERS, contract
from .publish import public
from .unary import abs_


def _letters(n: int, who: str) -> list[str]:
    if n > len(LETTERS):
        raise ValueError(f"{who}: {n} axes in all are more than einsum's 52 index letters")
    return list(LETTERS[:n])


def _axes_list(spec: Any, x: Tensor, who: str, which: str) -> list[int]:
    items = [spec] if isinstance(spec, (int, np.integer)) else list(spec)
    out = [normalize_axis(a, x.ndim, x, who) for a in items]
    if len(set(out)) != len(out):
        raise ValueError(f"{who}: the axes {items} of the {which} operand repeat an axis")
    return out


@public
def tensordot(a: Any, b: Any, axes: int | Sequence[Any] = 2) -> Tensor:
    """Sum products over the given axes (``np.tensordot``).

    ``axes=N``: the last N axes of ``a`` against the first N of ``b``; ``axes=(axes_a,
    axes_b)``: those axes pairwise (ints or sequences of equal length). The result has
    ``a``'s remaining axes, then ``b``'s.

    Derivative (through einsum): ā = ḡ contracted with b over b's remaining axes, placed
    on a's axes; b̄ likewise with a.
    """
    x, y = as_tensor(a, "tensordot"), as_tensor(b, "tensordot")
    if isinstance(axes, (int, np.integer)) and not isinstance(axes, bool):
        n = int(axes)
        if n < 0 or n > x.ndim or n > y.ndim:
            raise ValueError(
                f"tensordot: axes={n} needs at least {n} axes on both operands, got shapes "
                f"{x.shape} and {y.shape} (and axes >= 0)"
            )
        ax_a, ax_b = list(range(x.ndim - n, x.ndim)), list(range(n))
    else:
        try:
            spec_a, spec_b = axes  # type: ignore[misc]
        except (TypeError, ValueError):
            raise TypeError(
                f"tensordot: axes must be an int or a pair (axes_a, axes_b), got {axes!r}"
            ) from None
        ax_a = _axes_list(spec_a, x, "tensordot", "first")
        ax_b = _axes_list(spec_b, y, "tensordot", "second")
        if len(ax_a) != len(ax_b):
            raise ValueError(
                f"tensordot: {len(ax_a)} axes of the first operand but {len(ax_b)} of the "
                f"second; axes pair up one to one"
            )
    for i, j in zip(ax_a, ax_b):
        if x.shape[i] != y.shape[j]:
            raise ValueError(
                f"tensordot: axis {i} of the first operand (shape {x.shape}) has size "
                f"{x.shape[i]} but axis {j} of the second (shape {y.shape}) has size "
                f"{y.shape[j]}; contracted axes must have equal sizes"
            )
    letters = iter(_letters(x.ndim + y.ndim, "tensordot"))
    ta = [next(letters) for _ in range(x.ndim)]
    tb = [next(letters) for _ in range(y.ndim)]
    for i, j in zip(ax_a, ax_b):
        tb[j] = ta[i]
    out = [c for k, c in enumerate(ta) if k not in ax_a] + [c for k, c in enumerate(tb) if k not in ax_b]
    return contract(f"{''.join(ta)},{''.join(tb)}->{''.join(out)}", x, y)


@public
def inner(a: Any, b: Any) -> Tensor:
    """Inner product over the last axes (``np.inner``): ``Σₛ a[..., s] b[..., s]``.

    Scalars multiply. The result has ``a``'s other axes, then ``b``'s.
    Derivative (through einsum): ā = ḡ contracted with b, b̄ = ḡ contracted with a.
    """
    x, y = as_tensor(a, "inner"), as_tensor(b, "inner")
    if x.ndim == 0 or y.ndim == 0:
        return x * y
    if x.shape[-1] != y.shape[-1]:
        raise ValueError(
            f"inner: the last axes differ: shapes {x.shape} and {y.shape}; inner contracts "
            f"the last axis of both operands"
        )
    letters = _letters(x.ndim + y.ndim - 1, "inner")
    s = letters[0]
    ta = "".join(letters[1 : x.ndim]) + s
    tb = "".join(letters[x.ndim :]) + s
    return contract(f"{ta},{tb}->{ta[:-1]}{tb[:-1]}", x, y)


@public
def vdot(a: Any, b: Any) -> Tensor:
    """Dot product of the two operands flattened (``np.vdot``, real): ``Σ aᵢ bᵢ``.

    Derivative: ā = ḡ · b, b̄ = ḡ · a (reshaped like each operand).
    """
    x, y = as_tensor(a, "vdot"), as_tensor(b, "vdot")
    if x.size != y.size:
        raise ValueError(
            f"vdot: the operands hold {x.size} and {y.size} elements (shapes {x.shape} and "
            f"{y.shape}); vdot flattens both, so they need the same number of elements"
        )
    return contract("a,a->", reshape(x, (-1,)), reshape(y, (-1,)))


@public
def kron(a: Any, b: Any) -> Tensor:
    """Kronecker product (``np.kron``): blocks ``a[i, j] · b``.

    The operand with fewer axes gets leading axes of size 1; the result's axis k has size
    ``a.shape[k] · b.shape[k]``. Derivative (through einsum and reshape): ā[i, j] =
    Σ over block (i, j) of ḡ ⊙ b, b̄ = Σ over the blocks of ḡ-block · a[i, j].
    """
    x, y = as_tensor(a, "kron"), as_tensor(b, "kron")
    nd = builtins.max(x.ndim, y.ndim)
    if nd == 0:
        return x * y
    xs = reshape(x, (1,) * (nd - x.ndim) + x.shape) if x.ndim < nd else x
    ys = reshape(y, (1,) * (nd - y.ndim) + y.shape) if y.ndim < nd else y
    letters = _letters(2 * nd, "kron")
    ta, tb = letters[:nd], letters[nd:]
    out = "".join(p + q for p, q in zip(ta, tb))
    blocks = contract(f"{''.join(ta)},{''.join(tb)}->{out}", xs, ys)
    return reshape(blocks, tuple(p * q for p, q in zip(xs.shape, ys.shape)))


def _move_last(x: Tensor, axis: int) -> Tensor:
    perm = [i for i in range(x.ndim) if i != axis] + [axis]
    return transpose(x, perm)


@public
def cross(a: Any, b: Any, axis: int = -1) -> Tensor:
    """Cross product of 3-vectors along ``axis`` of both operands (``np.cross(a, b, axis=)``).

    Other axes broadcast (after the vector axis is set aside, as in NumPy); the result's
    vectors lie along ``axis``. Derivative: ā = b × ḡ, b̄ = ḡ × a.
    """
    x, y = as_tensor(a, "cross"), as_tensor(b, "cross")
    if x.ndim == 0 or y.ndim == 0:
        raise ValueError(f"cross: needs vectors, got shapes {x.shape} and {y.shape}")
    ax = normalize_axis(axis, x.ndim, x, "cross")
    ay = normalize_axis(axis, y.ndim, y, "cross")
    for t, k in ((x, ax), (y, ay)):
        if t.shape[k] != 3:
            two = " (2-vectors: append a zero component to get 3-vectors)" if t.shape[k] == 2 else ""
            raise ValueError(
                f"cross: axis {axis} of shape {t.shape} has size {t.shape[k]}, but cross needs "
                f"3-vectors along it{two}"
            )
    if x.ndim == y.ndim and ax == ay:
        return apply_op(einsum_ops.cross_op, (x, y), {"axis": ax})
    # NumPy sets the vector axis aside before broadcasting: do that, then put it back
    out = apply_op(einsum_ops.cross_op, (_move_last(x, ax), _move_last(y, ay)), {"axis": -1})
    ac = normalize_axis(axis, out.ndim, out, "cross")
    perm = list(range(out.ndim - 1))
    perm.insert(ac, out.ndim - 1)
    return transpose(out, perm)


# ---------------------------------------------------------------- am.linalg


class SlogdetResult(NamedTuple):
    sign: Tensor
    logabsdet: Tensor


class EighResult(NamedTuple):
    eigenvalues: Tensor
    eigenvectors: Tensor


class SVDResult(NamedTuple):
    U: Tensor
    S: Tensor
    Vh: Tensor


class QRResult(NamedTuple):
    Q: Tensor
    R: Tensor


class LstsqResult(NamedTuple):
    solution: Tensor
    residuals: Tensor
    rank: np.ndarray
    singular_values: Tensor


def _matrices(x: Any, who: str, square: bool = True) -> Tensor:
    t = as_tensor(x, who)
    if t.ndim < 2 or (square and t.shape[-1] != t.shape[-2]):
        what = "square matrices (..., n, n)" if square else "matrices (..., m, n)"
        raise ValueError(
            f"{who}: expected {what}, got shape {t.shape}. Fix: reshape the input"
            f"{'' if t.ndim < 2 else ', or use am.linalg.pinv / am.linalg.lstsq for non-square matrices'}"
        )
    if t.dtype.kind != "f":
        t = t.astype(np.float64)
    return t


def inv(a: Any) -> Tensor:
    """Inverse ``A⁻¹`` of square matrices (batched like NumPy).

    Derivative: Ā = -A⁻ᵀ Ḡ A⁻ᵀ. A singular matrix raises (use :func:`pinv`).
    """
    return apply_op(dec.inv_op, (_matrices(a, "inv"),), None)


def solve(a: Any, b: Any) -> Tensor:
    """Solution X of ``A X = B`` (``b`` of shape (..., n, k), or (n,) for one vector).

    Derivative: B̄ = A⁻ᵀ Ḡ, Ā = -B̄ Xᵀ. A singular A raises (use :func:`lstsq`).
    """
    x = _matrices(a, "solve")
    y = as_tensor(b, "solve")
    n = x.shape[-1]
    vector = y.ndim == 1
    if vector:
        y = reshape(y, (n, 1)) if y.shape == (n,) else y
    if y.ndim < 2 or y.shape[-2] != n:
        raise ValueError(
            f"solve: A has shape {x.shape}, so B needs shape ({n},) or (..., {n}, k); got "
            f"{as_tensor(b).shape}"
        )
    out = apply_op(dec.solve_op, (x, y), None)
    return reshape(out, out.shape[:-1]) if vector else out


def det(a: Any) -> Tensor:
    """Determinant of square matrices.  Derivative: Ā = ḡ · det(A) · A⁻ᵀ (A invertible)."""
    return apply_op(dec.det_op, (_matrices(a, "det"),), None)


def _det_sign(a: np.ndarray) -> np.ndarray:
    """The sign of det(a) (-1, 0 or 1 per matrix), as an array."""
    return np.asarray(np.linalg.slogdet(a)[0])


def slogdet(a: Any) -> SlogdetResult:
    """``(sign, log|det A|)``; the sign is a constant.  Derivative: Ā = ḡ · A⁻ᵀ (A invertible)."""
    x = _matrices(a, "slogdet")
    sign = Tensor._wrap(traced_values(_det_sign, (x,)))  # a compiled step recomputes it
    return SlogdetResult(sign, apply_op(dec.slogdet_op, (x,), None))


def cholesky(a: Any) -> Tensor:
    """Lower-triangular L with ``A = L Lᵀ`` for symmetric positive definite A.

    Only the lower triangle of A is read (NumPy's convention). Derivative (Murray 2016):
    Ā = sym(L⁻ᵀ Φ(Lᵀ L̄) L⁻¹), Φ the lower triangle with the diagonal halved; the gradient
    is symmetric (that of A ↦ cholesky((A + Aᵀ)/2), as in PyTorch).
    """
    return apply_op(dec.cholesky_op, (_matrices(a, "cholesky"),), None)


def _uplo(uplo: str) -> str:
    if uplo not in ("L", "U"):
        raise ValueError(f"eigh: UPLO must be 'L' or 'U', got {uplo!r}")
    return uplo


def eigh(a: Any, UPLO: str = "L") -> EighResult:
    """Eigenvalues (ascending) and eigenvectors (columns) of symmetric matrices.

    Only the ``UPLO`` triangle is read. Derivative: Ā = V (diag(w̄) + F ∘ skew(Vᵀ V̄)) Vᵀ
    with F_ij = 1/(w_j - w_i), symmetric. It exists only where the eigenvalues are
    distinct: if the eigenvectors receive a gradient and two eigenvalues are closer than
    1e3·eps·max|w|, backward raises :class:`GradientUndefinedError` (PyTorch returns
    inf/nan there). Gradients of the eigenvalues alone always exist (use
    :func:`eigvalsh`). Eigenvector signs are arbitrary: differentiate functions that do not
    depend on them (V diag(c) Vᵀ, v ⊙ v).
    """
    x = _matrices(a, "eigh")
    n = x.shape[-1]
    packed = apply_op(dec.eigh_op, (x,), {"UPLO": _uplo(UPLO)})
    w, v = dec.unpack(packed, [(n,), (n, n)])
    return EighResult(w, v)


def eigvalsh(a: Any, UPLO: str = "L") -> Tensor:
    """Eigenvalues (ascending) of symmetric matrices.  Derivative: Ā = V diag(w̄) Vᵀ (always exists)."""
    return eigh(a, UPLO).eigenvalues


def svd(a: Any, full_matrices: bool = True, compute_uv: bool = True) -> Any:
    """Singular value decomposition ``A = U diag(S) Vh`` (S descending), like ``np.linalg.svd``.

    Derivative: through S alone Ā = U diag(S̄) Vh (always exists); through U or Vh it needs
    ``full_matrices=False`` (for non-square A), distinct singular values and, for
    non-square A, nonzero ones: else backward raises :class:`GradientUndefinedError`.
    Singular-vector signs are arbitrary: differentiate sign-free functions (U diag(c) Vh,
    u ⊙ u). With ``compute_uv=False`` returns S only.
    """
    x = _matrices(a, "svd", square=False)
    if not compute_uv:
        return svdvals(x)
    full = bool(full_matrices)
    packed = apply_op(dec.svd_op, (x,), {"full_matrices": full})
    u, s, vh = dec.unpack(packed, dec._svd_shapes(x, full))
    return SVDResult(u, s, vh)


def svdvals(a: Any) -> Tensor:
    """Singular values, descending.  Derivative: Ā = U diag(S̄) Vh (always exists)."""
    x = _matrices(a, "svdvals", square=False)
    packed = apply_op(dec.svd_op, (x,), {"full_matrices": False})
    return dec.unpack(packed, dec._svd_shapes(x, False))[1]


def qr(a: Any, mode: str = "reduced") -> QRResult:
    """QR decomposition ``A = Q R`` (``mode='reduced'`` or ``'complete'``), like NumPy.

    Derivative: Ā = (Q̄ + Q copyltu(R R̄ᵀ - Q̄ᵀ Q)) R⁻ᵀ for m ≥ n, and a block rule for
    m < n; it needs the first min(m, n) columns linearly independent (else
    :class:`GradientUndefinedError`). In 'complete' mode the extra columns of Q (m > n)
    are not unique and take no gradient.
    """
    if mode not in ("reduced", "complete"):
        raise ValueError(f"qr: mode must be 'reduced' or 'complete', got {mode!r}")
    x = _matrices(a, "qr", square=False)
    packed = apply_op(dec.qr_op, (x,), {"mode": mode})
    q, r = dec.unpack(packed, dec._qr_shapes(x, mode))
    return QRResult(q, r)


def pinv(a: Any) -> Tensor:
    """Moore-Penrose pseudo-inverse A⁺ (NumPy's default cutoff for small singular values).

    Derivative (Golub & Pereyra): Ā = -Xᵀ Ḡ Xᵀ + (I - A X) Ḡᵀ X Xᵀ + Xᵀ X Ḡᵀ (I - X A),
    X = A⁺; it exists where the rank is locally constant: backward needs full rank.
    """
    return apply_op(dec.pinv_op, (_matrices(a, "pinv", square=False),), None)


def lstsq(a: Any, b: Any, rcond: float | None = None) -> LstsqResult:
    """Least-squares solution of ``A X = B`` (minimum norm), like ``np.linalg.lstsq``.

    Returns ``(solution, residuals, rank, singular_values)`` (NumPy's order; the fields
    have PyTorch's names). ``residuals`` (squared residual norms per column when A has
    full column rank and m > n, else empty) and ``singular_values`` are differentiable.
    Derivative of the solution: B̄ = A⁺ᵀ Ḡ, Ā = -A⁺ᵀ Ḡ Xᵀ + R Ḡᵀ A⁺A⁺ᵀ + A⁺ᵀ X Ḡᵀ (I - A⁺A),
    R = B - A X; it needs full-rank A (else backward raises).
    """
    x = _matrices(a, "lstsq", square=False)
    y = as_tensor(b, "lstsq")
    m, n = x.shape[-2:]
    vector = y.ndim == 1
    if vector:
        y = reshape(y, (-1, 1))
    if y.ndim < 2 or y.shape[-2] != m:
        raise ValueError(
            f"lstsq: A has shape {x.shape}, so B needs shape ({m},) or (..., {m}, k); got "
            f"{as_tensor(b).shape}"
        )
    sol = apply_op(dec.lstsq_op, (x, y), {"rcond": rcond})
    data_dependent((x,), "lstsq (the shape of its residuals depends on the rank)")
    rank = np.linalg.matrix_rank(x._data)
    if np.all(rank == n) and m > n:
        diff = y - x @ sol
        residuals = _api.sum(diff * diff, axis=-2)
    else:
        residuals = Tensor._wrap(np.zeros((0,), dtype=sol.dtype))
    if vector:
        sol = reshape(sol, sol.shape[:-1])
    return LstsqResult(sol, residuals, rank, svdvals(x))


def matrix_power(a: Any, n: int) -> Tensor:
    """A multiplied by itself n times (n < 0: powers of A⁻¹; n = 0: the identity).

    Derivative: through the matrix products (and :func:`inv` for n < 0).
    """
    x = _matrices(a, "matrix_power")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"matrix_power: the exponent must be an integer, got {n!r}")
    k = int(n)
    if k == 0:
        return x * 0.0 + np.eye(x.shape[-1], dtype=x.dtype)
    base = inv(x) if k < 0 else x
    k = abs(k)
    result: Tensor | None = None
    while True:  # binary exponentiation: O(log n) products
        if k & 1:
            result = base if result is None else result @ base
        k >>= 1
        if not k:
            break
        base = base @ base
    assert result is not None
    return result


_VECTOR_ORDS = "a number: 2 (default), 1, inf, -inf, 0 or any p"
_MATRIX_ORDS = (None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf)


def _vector_norm(t: Tensor, ord: Any, axes: tuple[int, ...] | None, keepdims: bool) -> Tensor:
    if isinstance(ord, (str, bool)) or not isinstance(ord, (int, float, np.number)):
        raise ValueError(f"norm: invalid ord {ord!r} for a vector norm; ord is {_VECTOR_ORDS}")
    return apply_op(dec.vector_norm_op, (t,), {"ord": float(ord), "axis": axes, "keepdims": bool(keepdims)})


def _matrix_norm(t: Tensor, ord: Any, r: int, c: int, keepdims: bool) -> Tensor:
    if ord is None or ord == "fro":
        return _vector_norm(t, 2, (r, c), keepdims)
    if (isinstance(ord, str) and ord != "nuc") or not any(ord is o or ord == o for o in _MATRIX_ORDS):
        raise ValueError(
            f"norm: invalid ord {ord!r} for a matrix norm; use 'fro', 'nuc', 1, -1, 2, -2, inf or -inf"
        )
    if ord in ("nuc", 2, -2):
        others = [i for i in range(t.ndim) if i not in (r, c)]
        s = svdvals(transpose(t, [*others, r, c]))
        out = _api.sum(s, axis=-1) if ord == "nuc" else (_api.max if ord == 2 else _api.min)(s, axis=-1)
    else:
        a = apply_op(abs_, (t,), None)
        along, across = (r, c) if ord in (1, -1) else (c, r)  # 1: max column sum; inf: max row sum
        sums = _api.sum(a, axis=along, keepdims=True)
        pick = _api.max if ord in (1, np.inf) else _api.min
        out = pick(sums, axis=across, keepdims=True)
        out = reshape(out, tuple(n for i, n in enumerate(t.shape) if i not in (r, c)))
    if keepdims:
        out = reshape(out, tuple(1 if i in (r, c) else n for i, n in enumerate(t.shape)))
    return out


def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Vector and matrix norms, like ``np.linalg.norm``.

    ``axis=None``: the 2-norm of all entries for ``ord=None``, else a vector norm of a 1-D
    or a matrix norm of a 2-D input; an int axis: vector norms along it; a pair of axes:
    matrix norms ('fro' by default, 'nuc', ±1 (max/min column sum), ±2 (largest/smallest
    singular value), ±inf (max/min row sum)).

    Derivative: vector p-norms x̄ = ḡ sign(x)|x|^(p-1)/‖x‖^(p-1) (0 at x = 0, as PyTorch);
    ±inf and the max/min in matrix norms pass ḡ to the extreme entries (ties split
    evenly); 'nuc' Ā = ḡ U Vh; ±2 through the extreme singular value (ḡ u vᵀ).
    """
    t = as_tensor(x, "norm")
    if t.dtype.kind != "f":
        t = t.astype(np.float64)
    if axis is None:
        if ord is None:
            return _vector_norm(t, 2, None, keepdims)
        if t.ndim == 1:
            return _vector_norm(t, ord, None, keepdims)
        if t.ndim == 2:
            return _matrix_norm(t, ord, 0, 1, keepdims)
        raise ValueError(
            f"norm: ord={ord!r} with axis=None needs a 1-D or 2-D tensor, got shape {t.shape}; "
            f"pass axis= (an int for vector norms, a pair for matrix norms)"
        )
    axes = _axes_list(axis, t, "norm", "only") if not isinstance(axis, (int, np.integer)) else [
        normalize_axis(axis, builtins.max(t.ndim, 1), t, "norm")
    ]
    if len(axes) == 1:
        return _vector_norm(t, 2 if ord is None else ord, (axes[0],), keepdims)
    if len(axes) == 2:
        return _matrix_norm(t, ord, axes[0], axes[1], keepdims)
    raise ValueError(f"norm: axis must be an int or a pair of ints, got {axis!r}")
