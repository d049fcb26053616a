"""Reductions and the normalising ops (softmax, log_softmax, logsumexp).

``axis`` is ``None`` (all axes), an int or a tuple of ints; ``keepdims`` keeps the
reduced axes with size 1. Every rule first restores the reduced axes of the upstream
gradient (``expand``) and then broadcasts it back over the input.

Also here (issue 13): ``prod`` (its rule multiplies the products of the entries left and
right of each position, so zeros need no division), the vector ``norm``, the nuclear
norm, ``trace``, and ``sort``/``topk``/``median`` as gathers at positions computed from
the values (:func:`.scan.gather_op`). Their public functions are in :mod:`.reductions_api`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .registry import Op, mask, value_of
from .scan import cumprod, flip, gather_op
from .selection import where
from .shape import broadcast_to, concatenate, getitem, reshape, transpose
from .unary import abs_, exp

Axis = int | tuple[int, ...] | None


def _kept_shape(shape: tuple[int, ...], axis: Axis) -> tuple[int, ...]:
    if axis is None:
        return (1,) * len(shape)
    axes = (axis,) if isinstance(axis, int) else axis
    axes = tuple(a % len(shape) for a in axes) if shape else ()
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _count(shape: tuple[int, ...], axis: Axis) -> int:
    if axis is None:
        return math.prod(shape)
    axes = (axis,) if isinstance(axis, int) else axis
    return math.prod(shape[a] for a in axes)


def _shape(x: Any) -> tuple[int, ...]:
    return np.shape(value_of(x))


def expand(g: Any, shape: tuple[int, ...], axis: Axis, keepdims: bool) -> Any:
    """Give ``g`` back the reduced axes (size 1) so it broadcasts against ``shape``."""
    if keepdims:
        return g
    return reshape(g, shape=_kept_shape(shape, axis))


# ---------------------------------------------------------------- sums and means


def _sum_forward(x: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    return np.sum(x, axis=axis, keepdims=keepdims)


sum_: Op = Op(
    "sum",
    _sum_forward,
    [
        lambda g, ans, x, axis=None, keepdims=False: broadcast_to(
            expand(g, _shape(x), axis, keepdims), shape=_shape(x)
        )
    ],
    save_inputs=False,
    rules=["x̄ = ḡ broadcast over the summed axes"],
    hint="axis must be in range for the tensor's ndim.",
    math="y = Σ_axis x",
    jvp="linear",
)


_ADD_REDUCE: Any = np.add.reduce


def _mean_forward(x: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    if x.__class__ is np.ndarray and x.dtype.char in "fd" and x.size:
        # np.mean's own steps for float32/float64 (the same sum, the same division by
        # the count as an intp), without its Python wrapper
        total = _ADD_REDUCE(x, axis=axis, keepdims=keepdims)
        count = np.intp(_count(x.shape, axis))
        if total.__class__ is np.ndarray:
            return np.true_divide(total, count, out=total, casting="unsafe")
        return total.dtype.type(total / count)
    return np.mean(x, axis=axis, keepdims=keepdims)


def _mean_vjp(g: Any, ans: Any, x: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    shape = _shape(x)
    scale = 1.0 / max(_count(shape, axis), 1)
    if g.__class__ is np.ndarray:  # first order: scale the small ḡ, then spread it out
        scaled = (g if keepdims else g.reshape(_kept_shape(shape, axis))) * scale
        out = np.empty(shape, dtype=scaled.dtype)
        out[...] = scaled
        return out
    return broadcast_to(expand(g, shape, axis, keepdims), shape=shape) * scale


mean: Op = Op(
    "mean",
    _mean_forward,
    [_mean_vjp],
    save_inputs=False,
    rules=["x̄ = ḡ / n broadcast over the averaged axes (n elements averaged)"],
    hint="axis must be in range for the tensor's ndim.",
    math="y = (1/n) Σ_axis x",
    jvp="linear",
)

# ---------------------------------------------------------------- standard deviation


def _std_forward(x: Any, axis: Axis = None, keepdims: bool = False, ddof: int = 0) -> Any:
    return np.std(x, axis=axis, keepdims=keepdims, ddof=ddof)


def _std_vjp(g: Any, ans: Any, x: Any, axis: Axis = None, keepdims: bool = False, ddof: int = 0) -> Any:
    # s = √(Σ(x - m)²/(n - ddof)), so x̄ = ḡ·(x - m)/((n - ddof)·s). Where s = 0 (one
    # element, or all equal) x - m = 0 too and the gradient is taken as 0, like PyTorch:
    # the masked entries divide by 1, not by 0 (double where, so that create_graph's
    # second derivative does not meet 0·inf either).
    shape = _shape(x)
    s = expand(ans, shape, axis, keepdims)
    flat = value_of(s) == 0
    scale = expand(g, shape, axis, keepdims) * (1.0 / (_count(shape, axis) - ddof))
    scale = where(flat, 0.0, scale / where(flat, 1.0, s)) if np.any(flat) else scale / s
    return scale * (x - mean(x, axis=axis, keepdims=True))


def _std_jvp(
    tangents: list[Any], ans: Any, x: Any, axis: Axis = None, keepdims: bool = False, ddof: int = 0
) -> Any:
    """ẏ = Σ_axis (x - mean) ⊙ ẋ / ((n - ddof) · y)   (0 where y = 0)"""
    # the transpose of the VJP above, with the same mask where y = 0
    centered = x - mean(x, axis=axis, keepdims=True)
    scaled = sum_(centered * tangents[0], axis=axis, keepdims=keepdims) * (
        1.0 / (_count(_shape(x), axis) - ddof)
    )
    flat = value_of(ans) == 0
    return where(flat, 0.0, scaled / where(flat, 1.0, ans)) if np.any(flat) else scaled / ans


std: Op = Op(
    "std",
    _std_forward,
    [_std_vjp],
    save_output=True,
    rules=["x̄ = ḡ · (x - mean) / ((n - ddof) · y)   (0 where y = 0)"],
    hint="axis must be in range for the tensor's ndim.",
    math="y = √(Σ_axis (x - mean)² / (n - ddof))",
    jvp=_std_jvp,
)

# ---------------------------------------------------------------- max and min


def _extremum_vjp(g: Any, ans: Any, x: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    # ties: the gradient is split evenly between all positions holding the extremum
    shape = _shape(x)
    hit = value_of(x) == np.reshape(value_of(ans), _kept_shape(shape, axis))
    share = mask(hit, g) / mask(np.sum(hit, axis=axis, keepdims=True), g)
    return expand(g, shape, axis, keepdims) * share


def _extremum_jvp(tangents: list[Any], ans: Any, x: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    """ẏ = ẋ at the extremum's position (the mean of ẋ over ties)"""
    # the transpose of the VJP above: the same shares, summed instead of spread
    t = tangents[0]
    hit = value_of(x) == np.reshape(value_of(ans), _kept_shape(_shape(x), axis))
    share = mask(hit, t) / mask(np.sum(hit, axis=axis, keepdims=True), t)
    return sum_(t * share, axis=axis, keepdims=keepdims)


def _max_forward(x: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    return np.max(x, axis=axis, keepdims=keepdims)


def _min_forward(x: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    return np.min(x, axis=axis, keepdims=keepdims)


max_: Op = Op(
    "max",
    _max_forward,
    [_extremum_vjp],
    save_output=True,
    rules=["x̄ = ḡ at the maximum's position (split evenly between ties)"],
    hint="max of an empty axis is undefined; axis must be in range.",
    math="y = max_axis x",
    jvp=_extremum_jvp,
)

min_: Op = Op(
    "min",
    _min_forward,
    [_extremum_vjp],
    save_output=True,
    rules=["x̄ = ḡ at the minimum's position (split evenly between ties)"],
    hint="min of an empty axis is undefined; axis must be in range.",
    math="y = min_axis x",
    jvp=_extremum_jvp,
)

# ---------------------------------------------------------------- log-sum-exp and softmax


def _stable_shift(x: Any, axis: Axis) -> Any:
    m = np.max(x, axis=axis, keepdims=True)
    # all -inf along the axis: shift by 0 so the result is -inf, not nan
    return np.where(np.isfinite(m), m, 0.0).astype(m.dtype, copy=False)


def _logsumexp_forward(x: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    # log Σ eˣ = m + log Σ e^{x-m} with m = max x: no overflow for |x| ~ 1000
    x = np.asarray(x)
    m = _stable_shift(x, axis)
    with np.errstate(divide="ignore"):  # all -inf along the axis: log 0 = -inf is the answer
        out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


def _logsumexp_jvp(tangents: list[Any], ans: Any, x: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    """ẏ = Σ_axis softmax(x) ⊙ ẋ = Σ_axis exp(x - y) ⊙ ẋ"""
    return sum_(exp(x - expand(ans, _shape(x), axis, keepdims)) * tangents[0], axis=axis, keepdims=keepdims)


logsumexp: Op = Op(
    "logsumexp",
    _logsumexp_forward,
    [
        lambda g, ans, x, axis=None, keepdims=False: expand(g, _shape(x), axis, keepdims)
        * exp(x - expand(ans, _shape(x), axis, keepdims))
    ],
    save_output=True,
    rules=["x̄ = ḡ · softmax(x) = ḡ · exp(x - y)"],
    hint="axis must be in range for the tensor's ndim.",
    math="y = log Σ_axis eˣ",
    jvp=_logsumexp_jvp,
)


def _softmax_forward(x: Any, axis: int = -1) -> Any:
    x = np.asarray(x)
    e = np.exp(x - _stable_shift(x, axis))
    return e / np.sum(e, axis=axis, keepdims=True)


def _softmax_jvp(tangents: list[Any], ans: Any, x: Any, axis: int = -1) -> Any:
    """ẏ = y ⊙ (ẋ - Σ_axis ẋ ⊙ y)"""
    # the Jacobian diag(y) - y yᵀ is symmetric: the VJP's formula with the tangent
    t = tangents[0]
    return ans * (t - sum_(t * ans, axis=axis, keepdims=True))


softmax: Op = Op(
    "softmax",
    _softmax_forward,
    [lambda g, ans, x, axis=-1: ans * (g - sum_(g * ans, axis=axis, keepdims=True))],
    save_inputs=False,
    save_output=True,
    rules=["x̄ = y ⊙ (ḡ - Σ_axis ḡ ⊙ y)"],
    hint="axis must be in range for the tensor's ndim.",
    math="y = eˣ / Σ_axis eˣ",
    jvp=_softmax_jvp,
)


def _log_softmax_forward(x: Any, axis: int = -1) -> Any:
    x = np.asarray(x)
    shifted = x - _stable_shift(x, axis)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def _log_softmax_jvp(tangents: list[Any], ans: Any, x: Any, axis: int = -1) -> Any:
    """ẏ = ẋ - Σ_axis softmax(x) ⊙ ẋ = ẋ - Σ_axis exp(y) ⊙ ẋ"""
    t = tangents[0]
    return t - sum_(exp(ans) * t, axis=axis, keepdims=True)


log_softmax: Op = Op(
    "log_softmax",
    _log_softmax_forward,
    [lambda g, ans, x, axis=-1: g - exp(ans) * sum_(g, axis=axis, keepdims=True)],
    save_inputs=False,
    save_output=True,
    rules=["x̄ = ḡ - softmax(x) · Σ_axis ḡ = ḡ - exp(y) Σ ḡ"],
    hint="axis must be in range for the tensor's ndim.",
    math="y = x - log Σ_axis eˣ",
    jvp=_log_softmax_jvp,
)


# ---------------------------------------------------------------- sum of squares


def _sum_squares_forward(*xs: Any) -> Any:
    # Σᵢ Σ xᵢ²: the L2 penalty of a whole model as one node
    return sum(np.vdot(x, x) for x in xs)


def _sum_squares_vjp(g: Any, ans: Any, values: Any, needs: Any) -> list[Any]:
    return [(g * 2.0) * x if need else None for x, need in zip(values, needs)]


def _sum_squares_jvp(tangents: list[Any], ans: Any, *xs: Any) -> Any:
    """ẏ = Σᵢ 2 ⟨xᵢ, ẋᵢ⟩"""
    total = None
    for x, t in zip(xs, tangents):
        if t is not None:
            term = sum_(x * t) * 2.0
            total = term if total is None else total + term
    return total


sum_squares: Op = Op(
    "sum_squares",
    _sum_squares_forward,
    vjp_all=_sum_squares_vjp,
    rules=["x̄ᵢ = 2 ḡ xᵢ"],
    hint="All inputs must be numeric tensors.",
    math="y = Σᵢ Σ xᵢ² (an L2 penalty as one node)",
    jvp=_sum_squares_jvp,
)


# ---------------------------------------------------------------- product


def _reduced_axes(shape: tuple[int, ...], axis: Axis) -> tuple[int, ...]:
    if not shape:
        return ()
    if axis is None:
        return tuple(range(len(shape)))
    axes = (axis,) if isinstance(axis, int) else axis
    return tuple(sorted(a % len(shape) for a in axes))


def products_of_others(x: Any, axis: Axis) -> Any:
    """Π_{j ≠ i} xⱼ over the reduced axes, shaped like ``x``, without dividing by x.

    The reduced axes are moved last and flattened; the product of the entries left of i
    (an exclusive cumulative product) times the product of those right of i. One zero
    in a slice: only its position gets a non-zero value (the product of the others);
    two or more: all zero. Library ops only, so it is differentiable again.
    """
    shape = _shape(x)
    axes = _reduced_axes(shape, axis)
    if not axes:
        return mask(np.ones(shape), x)
    if math.prod(shape) == 0:
        return mask(np.zeros(shape), x)
    keep = [d for d in range(len(shape)) if d not in axes]
    perm = tuple(keep + list(axes))
    moved = x if perm == tuple(range(len(shape))) else transpose(x, axes=perm)
    lead = tuple(shape[d] for d in keep)
    n = math.prod(shape[a] for a in axes)
    last = len(lead)
    flat = reshape(moved, shape=(*lead, n))
    one = mask(np.ones((*lead, 1)), x)
    before = getitem(flat, index=(Ellipsis, slice(None, -1)))
    after = getitem(flat, index=(Ellipsis, slice(1, None)))
    left = cumprod(concatenate(one, before, axis=last), axis=last)  # Π_{j < i}
    right = flip(cumprod(flip(concatenate(after, one, axis=last), last), axis=last), last)  # Π_{j > i}
    both = reshape(left * right, shape=tuple(shape[d] for d in perm))
    if perm == tuple(range(len(shape))):
        return both
    return transpose(both, axes=tuple(int(i) for i in np.argsort(perm)))


def _prod_forward(x: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    return np.prod(x, axis=axis, keepdims=keepdims)


def _prod_vjp(g: Any, ans: Any, x: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    return expand(g, _shape(x), axis, keepdims) * products_of_others(x, axis)


def _prod_jvp(tangents: list[Any], ans: Any, x: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    """ẏ = Σ_axis ẋᵢ · Π_{j ≠ i} xⱼ (products left and right of i: no division, exact at zeros)"""
    return sum_(tangents[0] * products_of_others(x, axis), axis=axis, keepdims=keepdims)


prod: Op = Op(
    "prod",
    _prod_forward,
    [_prod_vjp],
    rules=["x̄ᵢ = ḡ · Π_{j ≠ i} xⱼ (products left and right of i: no division, exact at zeros)"],
    hint="axis must be in range for the tensor's ndim.",
    math="y = Π_axis x",
    jvp=_prod_jvp,
)

# ---------------------------------------------------------------- vector norms


def _norm_forward(x: Any, ord: float = 2.0, axis: Axis = None, keepdims: bool = False) -> Any:
    x = np.asarray(x)
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    if ord == 2:
        return np.sqrt(np.sum(x * x, axis=axis, keepdims=keepdims))
    a = np.abs(x)
    if ord == math.inf:
        return np.max(a, axis=axis, keepdims=keepdims)
    if ord == -math.inf:
        return np.min(a, axis=axis, keepdims=keepdims)
    if ord == 0:
        return np.sum(x != 0, axis=axis, keepdims=keepdims).astype(x.dtype)
    if ord == 1:
        return np.sum(a, axis=axis, keepdims=keepdims)
    with np.errstate(divide="ignore"):  # negative p with a zero entry: the norm is 0
        return np.sum(a**ord, axis=axis, keepdims=keepdims) ** (1.0 / ord)


def norm_slope(x: Any, ans: Any, ord: float = 2.0, axis: Axis = None, keepdims: bool = False) -> Any:
    """∂y/∂x shaped like x (the VJP is ḡ times it, the JVP its product with ṫ summed).

    p = 2: x / y, 0 where y = 0 (PyTorch's convention at the origin); ±inf: sign(x) at
    the entries with |x| = y, split evenly between ties; 0: zero; 1: sign(x); other p:
    sign(x)·|x|^(p-1) / y^(p-1), 0 where y = 0 or x = 0.
    """
    shape = _shape(x)
    xv = np.asarray(value_of(x))
    y = expand(ans, shape, axis, keepdims)
    yv = np.asarray(value_of(y))
    sign = mask(np.sign(xv), x)
    if ord == 0:
        return mask(np.zeros(shape), x)
    if ord == 1:
        return sign
    if ord in (math.inf, -math.inf):
        hit = np.abs(xv) == yv
        return sign * (mask(hit, x) / mask(np.sum(hit, axis=axis, keepdims=True), x))
    flat = yv == 0
    safe_y = where(flat, 1.0, y) if np.any(flat) else y
    if ord == 2:
        slope = x / safe_y
    else:
        zero = xv == 0
        safe_abs = where(zero, 1.0, abs_(x)) if np.any(zero) else abs_(x)
        slope = where(zero, 0.0, sign * (safe_abs / safe_y) ** (ord - 1.0))
    return where(flat, 0.0, slope) if np.any(flat) else slope


def _norm_vjp(g: Any, ans: Any, x: Any, ord: float = 2.0, axis: Axis = None, keepdims: bool = False) -> Any:
    return expand(g, _shape(x), axis, keepdims) * norm_slope(x, ans, ord, axis, keepdims)


def _norm_jvp(
    tangents: list[Any], ans: Any, x: Any, ord: float = 2.0, axis: Axis = None, keepdims: bool = False
) -> Any:
    """ẏ = Σ_axis s ⊙ ẋ, s = sign(x)·|x|^(p-1) / y^(p-1) (p = 2: x/y; 0 where y = 0); ±inf: s =
    sign(x) at the extreme |x| (ties split evenly); p = 0: 0"""
    slope = norm_slope(x, ans, ord, axis, keepdims)
    return sum_(tangents[0] * slope, axis=axis, keepdims=keepdims)


norm: Op = Op(
    "norm",
    _norm_forward,
    [_norm_vjp],
    save_output=True,
    rules=[
        "x̄ = ḡ · sign(x)·|x|^(p-1) / y^(p-1) (p = 2: ḡ·x/y; 0 where y = 0); ±inf: ḡ·sign(x) at "
        "the extreme |x| (ties split evenly); p = 0: 0"
    ],
    hint="axis must be in range for the tensor's ndim.",
    math="y = (Σ_axis |x|^p)^(1/p) (p = ord; inf: max |x|, -inf: min |x|, 0: count of non-zeros)",
    jvp=_norm_jvp,
)

# ---------------------------------------------------------------- trace


def _trace_forward(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    return np.trace(x, offset=offset, axis1=axis1, axis2=axis2)


def diagonal_mask(shape: tuple[int, ...], offset: int, axis1: int, axis2: int) -> np.ndarray:
    """1 on the ``offset`` diagonal of the (axis1, axis2) planes, shaped to broadcast."""
    eye = np.eye(shape[axis1], shape[axis2], k=offset)
    if axis1 > axis2:
        eye = eye.T
    out = [1] * len(shape)
    out[axis1], out[axis2] = shape[axis1], shape[axis2]
    return eye.reshape(out)


def _trace_vjp(g: Any, ans: Any, x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    shape = _shape(x)
    kept = tuple(1 if d in (axis1, axis2) else n for d, n in enumerate(shape))
    return reshape(g, shape=kept) * mask(diagonal_mask(shape, offset, axis1, axis2), g)


trace: Op = Op(
    "trace",
    _trace_forward,
    [_trace_vjp],
    save_inputs=False,
    rules=["x̄ = ḡ on the traced diagonal, 0 elsewhere"],
    hint="axis1 and axis2 must be two different axes in range.",
    math="y = Σᵢ x[…, i, …, i + offset, …] (the sum of a diagonal)",
    jvp="linear",
)

# ---------------------------------------------------------------- sorting (gathers)

sort: Op = gather_op(
    "sort",
    "y = x permuted into order along the axis (a stable sort)",
    "x̄ = ḡ sent back through the sort's permutation (each entry gets the ḡ of the place it went to)",
)

topk: Op = gather_op(
    "topk",
    "y = the k largest (or smallest) entries along the axis, in order",
    "x̄ = ḡ at the k selected positions, 0 elsewhere",
)

median: Op = gather_op(
    "median",
    "y = the lower median along the axis (the ⌊(n-1)/2⌋-th of the stably sorted values)",
    "x̄ = ḡ at the position of the median, 0 elsewhere",
)

# ---------------------------------------------------------------- nuclear norm


def _nuclear_forward(x: Any) -> Any:
    return np.sum(np.linalg.svd(np.asarray(x), compute_uv=False), axis=-1)


def _polar_forward(x: Any) -> Any:
    u, _, vt = np.linalg.svd(np.asarray(x), full_matrices=False)
    return u @ vt


def _swap_last(a: np.ndarray) -> np.ndarray:
    return np.swapaxes(a, -1, -2)


def _sylvester_forward(p: Any, c: Any) -> Any:
    # Ω with S Ω + Ω S = C for S = (P + Pᵀ)/2, by S = W Λ Wᵀ: Ω = W ((Wᵀ C W) / (λᵢ + λⱼ)) Wᵀ
    p, c = np.asarray(p), np.asarray(c)
    lam, w = np.linalg.eigh((p + _swap_last(p)) / 2)
    pair = lam[..., :, None] + lam[..., None, :]
    scale = np.max(np.abs(lam), axis=-1, keepdims=True)[..., None]
    if np.any(pair <= 10 * lam.shape[-1] * np.finfo(lam.dtype).eps * scale):
        raise RuntimeError(
            "nuclear_norm: its second and higher derivatives (the derivatives of the polar "
            f"factor U Vᵀ) need every matrix of shape {p.shape[-2:]} to have full rank, "
            f"but a singular value is {float(np.sqrt(max(np.min(lam), 0.0))):.3g} "
            "(the derivative is unbounded there). Fix: use the first derivative only, or "
            "move the matrix away from rank deficiency (e.g. add a small multiple of the identity)"
        )
    return w @ ((_swap_last(w) @ c @ w) / pair) @ _swap_last(w)


def _sym(a: Any) -> Any:
    return (a + _mT(a)) * 0.5


def _sylvester_vjp_p(g: Any, ans: Any, p: Any, c: Any) -> Any:
    # S dΩ + dΩ S = -(dS Ω + Ω dS): P̄ = -sym(C̄ Ωᵀ + Ωᵀ C̄) with C̄ = L⁻¹(Ḡ)
    cbar = sylvester(p, g)
    return -_sym(cbar @ _mT(ans) + _mT(ans) @ cbar)


def _sylvester_jvp(tangents: list[Any], ans: Any, p: Any, c: Any) -> Any:
    tp, tc = tangents
    rhs = tc if tc is not None else np.zeros(_shape(ans), dtype=np.asarray(value_of(ans)).dtype)
    if tp is not None:
        sp = _sym(tp)
        rhs = rhs - (sp @ ans + ans @ sp)
    return sylvester(p, rhs)


sylvester: Op = Op(
    "sylvester",
    _sylvester_forward,
    # the map L(Ω) = S Ω + Ω S is self-adjoint (S symmetric): C̄ = L⁻¹(Ḡ)
    [_sylvester_vjp_p, lambda g, ans, p, c: sylvester(p, g)],
    save_output=True,
    rules=[
        "P̄ = -sym(C̄ Ωᵀ + Ωᵀ C̄), sym(A) = (A + Aᵀ)/2",
        "C̄ = Ω̄ solved like C: S C̄ + C̄ S = Ḡ",
    ],
    math="Ω solving S Ω + Ω S = C, S = (P + Pᵀ)/2 positive definite (a Sylvester equation)",
    jvp=_sylvester_jvp,
    # Not in the table: a helper of polar's rules. Its rules are written with itself and
    # matmul, so every order of polar (and of nuclear_norm) is exact.
    register=False,
)


def _mT(a: Any) -> Any:
    axes = list(range(len(_shape(a))))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return transpose(a, axes=tuple(axes))


def _polar_rule(d: Any, q: Any, x: Any) -> Any:
    """The VJP (and, equally, the JVP) of Q = polar(X) for a square or tall X, applied to ``d``.

    With P = Qᵀ X = V S Vᵀ (symmetric positive definite) and L(Ω) = P Ω + Ω P: the JVP is
    Q̇ = Q L⁻¹(QᵀẊ - ẊᵀQ) + (I - QQᵀ) Ẋ P⁻¹ and the VJP X̄ = Q L⁻¹(QᵀḠ - ḠᵀQ) +
    (I - QQᵀ) Ḡ P⁻¹: the same expression. Written with ``sylvester`` and matmul only (Q is the
    op's own output, P⁻¹ = L⁻¹(2I)), so under ``create_graph`` or nested forward mode its
    own derivative is exact, to every order.
    """
    qt = _mT(q)
    p = qt @ x
    b = qt @ d
    out = q @ sylvester(p, b - _mT(b))
    rows, cols = _shape(x)[-2:]
    if rows > cols:
        two = np.broadcast_to(2.0 * np.eye(cols, dtype=np.asarray(value_of(p)).dtype), _shape(p))
        out = out + (d - q @ b) @ sylvester(p, two)
    return out


def _polar_vjp(g: Any, ans: Any, x: Any) -> Any:
    rows, cols = _shape(x)[-2:]
    if cols > rows:  # polar(Xᵀ) = polar(X)ᵀ: the wide case is the tall one transposed
        return _mT(_polar_rule(_mT(g), _mT(ans), _mT(x)))
    return _polar_rule(g, ans, x)


def _polar_jvp(tangents: list[Any], ans: Any, x: Any) -> Any:
    return _polar_vjp(tangents[0], ans, x)  # the rule is self-adjoint (see _polar_rule)


def _row(v: Any) -> Any:
    return reshape(v, shape=(*_shape(v)[:-1], 1, _shape(v)[-1]))


def _col(v: Any) -> Any:
    return reshape(v, shape=(*_shape(v), 1))


polar: Op = Op(
    "polar",
    _polar_forward,
    [_polar_vjp],
    save_output=True,
    rules=[
        "X̄ = Q L⁻¹(QᵀḠ - ḠᵀQ) + (I - QQᵀ) Ḡ P⁻¹ [tall or square; wide: transposed], "
        "P = QᵀX = V S Vᵀ, L(Ω) = PΩ + ΩP (full rank; written with Q itself and a Sylvester "
        "solve, so exact to every order)"
    ],
    math="Q = U Vᵀ for X = U S Vᵀ (the polar factor, the gradient of the nuclear norm)",
    jvp=_polar_jvp,
    # Not in the table: a helper of nuclear_norm's rule. Its rules are written with Q (its
    # own output), ``sylvester`` and matmul, so nuclear_norm's derivatives of every order
    # are exact (the third is checked by tests/test_higher_order.py).
    register=False,
)


def _nuclear_vjp(g: Any, ans: Any, x: Any) -> Any:
    return _col(_col(g)) * polar(x)


def _nuclear_jvp(tangents: list[Any], ans: Any, x: Any) -> Any:
    """ẏ = Σ (U Vᵀ) ⊙ Ẋ = tr(Uᵀ Ẋ V) for X = U S Vᵀ (full rank)"""
    return sum_(tangents[0] * polar(x), axis=(-2, -1))


nuclear_norm: Op = Op(
    "nuclear_norm",
    _nuclear_forward,
    [_nuclear_vjp],
    rules=["X̄ = ḡ · U Vᵀ for X = U S Vᵀ (full rank)"],
    hint="the last two axes hold the matrices.",
    math="y = Σᵢ sᵢ(X) (the sum of the singular values, over the last two axes)",
    jvp=_nuclear_jvp,
)
