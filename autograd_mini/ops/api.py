"""The public functions over Tensors (``am.exp``, ``am.sum``, ``am.matmul`` ...).

Each converts its arguments to Tensors, validates parameters (axes, shapes) in the
user's terms and applies one op from the table, or composes a few of them (``var``,
``dot``, ``outer``). Every docstring states the derivative. Axes are validated once, by
:func:`normalize_axis` and :func:`_axis`: a 0-d tensor takes axis 0 and -1 (as in
PyTorch), and a bad axis gets a message with the op, the shape and the valid range.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..tensor import Tensor, apply_op, apply_unary, data_dependent, traced_values
from . import binary, linalg, reduction, selection, unary
from . import einsum as _einsum_ops
from . import shape as shape_ops
from .convert import as_tensor
from .convert import operand as _operand
from .publish import PUBLIC

Axis = int | Sequence[int] | None


def _unary(op: Any, x: Any, params: dict[str, Any] | None = None) -> Tensor:
    return apply_unary(op, x if isinstance(x, Tensor) else as_tensor(x, op.name), params)


# ---------------------------------------------------------------- elementwise
# exp, log, sqrt, abs, sin, cos, tan, tanh, sigmoid, relu, softplus ... are generated from
# their entries in the op table (``public=True``), see :mod:`autograd_mini.ops.publish`.


def leaky_relu(x: Any, negative_slope: float = 0.01) -> Tensor:
    """x for x > 0, else negative_slope·x.  Derivative: x̄ = ȳ·(1 or negative_slope)."""
    return _unary(unary.leaky_relu, x, {"negative_slope": float(negative_slope)})


def elu(x: Any, alpha: float = 1.0) -> Tensor:
    """x for x > 0, else α(eˣ - 1).  Derivative: x̄ = ȳ·(1 or y + α)."""
    return _unary(unary.elu, x, {"alpha": float(alpha)})


def clip(x: Any, lo: float | None = None, hi: float | None = None) -> Tensor:
    """Clamp into [lo, hi] (either bound may be None).

    Derivative: x̄ = ȳ where lo ≤ x ≤ hi, else 0 (the bounds pass the gradient).
    """
    if lo is None and hi is None:
        raise ValueError("clip: give at least one of lo and hi")
    if lo is not None and hi is not None and lo > hi:
        raise ValueError(f"clip: lo ({lo}) must not exceed hi ({hi})")
    return _unary(unary.clip, x, {"lo": lo, "hi": hi})


def astype(x: Any, dtype: Any) -> Tensor:
    """Cast to ``dtype``.  Derivative: x̄ = ȳ cast back to x's dtype."""
    return _unary(unary.astype, x, {"dtype": np.dtype(dtype)})


def maximum(x: Any, y: Any) -> Tensor:
    """Elementwise max(x, y).  Derivative: the larger input gets ȳ; ties split it evenly."""
    return apply_op(binary.maximum, (as_tensor(x), _operand(y, "maximum")), None)


def minimum(x: Any, y: Any) -> Tensor:
    """Elementwise min(x, y).  Derivative: the smaller input gets ȳ; ties split it evenly."""
    return apply_op(binary.minimum, (as_tensor(x), _operand(y, "minimum")), None)


def _truth(c: np.ndarray) -> np.ndarray:
    """``c`` cast to bool (non-zero is True): a condition of :func:`where`."""
    return np.asarray(c).astype(bool)


def where(condition: Any, x: Any = None, y: Any = None) -> Any:
    """x where ``condition`` holds, else y (broadcast together).

    Derivative: x̄ = ḡ·[condition], ȳ = ḡ·[not condition]; no gradient for the condition.
    With the condition alone, ``np.where(condition)``: the indices of its nonzero entries,
    one int64 tensor per axis (``am.nonzero``; positions, no gradient).
    """
    cond = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if x is None and y is None:
        if cond.ndim == 0:
            raise ValueError("where: a 0-d condition has no positions; use am.atleast_1d(cond) first")
        data_dependent((condition,), "where(condition)")
        return tuple(Tensor._wrap(i.astype(np.int64)) for i in np.nonzero(cond))
    if x is None or y is None:
        raise TypeError("where: give the condition alone (its positions), or all of condition, x and y")
    # a condition Tensor goes in as itself, so a compiled step reads its current values on
    # every replay (its bare array would be a constant of the program)
    arg: Any = condition if isinstance(condition, Tensor) else cond
    if cond.dtype != np.bool_:  # a compiled step replays the cast on the new condition
        arg = traced_values(_truth, (arg,))
    return apply_op(selection.where, (arg, as_tensor(x), _operand(y, "where")), None)


# ---------------------------------------------------------------- reductions


def normalize_axis(a: Any, positions: int, x: Tensor, who: str) -> int:
    """One axis of ``x`` as a non-negative int below ``positions``, or a clear ValueError.

    ``positions`` is how many places the axis may name: ``x.ndim`` for an existing axis
    (at least 1: a 0-d tensor takes axis 0 and -1, as in PyTorch), ``x.ndim + 1`` where a
    new axis is inserted (``unsqueeze``, ``stack``).
    """
    if isinstance(a, bool) or not isinstance(a, (int, np.integer)):
        raise TypeError(f"{who}: axis must be an int or a tuple of ints, got {a!r}")
    if not -positions <= a < positions:
        zero_d = " (a 0-d tensor takes axis 0 or -1, as in PyTorch)" if x.ndim == 0 else ""
        raise ValueError(
            f"{who}: axis {a} is out of range for a tensor of shape {x.shape} "
            f"(ndim {x.ndim}); valid axes are {-positions}..{positions - 1}{zero_d}"
        )
    return int(a) % positions


def _axis(x: Tensor, axis: Axis, who: str) -> tuple[int, ...] | None:
    """Normalise ``axis`` to None, or a tuple of distinct non-negative ints.

    Every op that takes an existing axis validates it here. On a 0-d tensor axis 0 and
    -1 (as in PyTorch) name the tensor itself: the result is ``()``, no axis to reduce.
    """
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = [normalize_axis(a, builtins.max(x.ndim, 1), x, who) for a in axes]
    if len(set(out)) != len(out):
        raise ValueError(f"{who}: repeated axis in {axis!r}")
    return tuple(out) if x.ndim else ()


def single_axis(x: Tensor, axis: Any, who: str) -> int | None:
    """One axis as a non-negative int, or None: for ``axis=None``, and on a 0-d tensor,
    where axis 0 and -1 name the tensor itself (as in PyTorch)."""
    if axis is None:
        return None
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{who}: axis must be one int, got {axis!r}")
    a = normalize_axis(axis, builtins.max(x.ndim, 1), x, who)
    return a if x.ndim else None


def _softmax_axis(x: Tensor, axis: Any, who: str) -> int | tuple[()]:
    """The softmax family's axis: an int, or ``()`` (normalise over nothing) on a 0-d tensor."""
    a = single_axis(x, axis, who)
    if x.ndim == 0:
        return ()
    return 0 if a is None else a


def _reduce(op: Any, x: Any, axis: Axis, keepdims: bool) -> Tensor:
    t = as_tensor(x, op.name)
    ax = _axis(t, axis, op.name)
    if t.size == 0 and op.name in ("max", "min", "mean"):
        raise ValueError(f"{op.name}: the tensor of shape {t.shape} is empty; nothing to reduce")
    return apply_op(op, (t,), {"axis": ax, "keepdims": bool(keepdims)})


def sum(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Σ over ``axis``.  Derivative: x̄ = ȳ broadcast back over the summed axes."""
    return _reduce(reduction.sum_, x, axis, keepdims)


def mean(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Mean over ``axis``.  Derivative: x̄ = ȳ / n broadcast over the n averaged elements."""
    return _reduce(reduction.mean, x, axis, keepdims)


def max(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Maximum over ``axis``.  Derivative: ȳ goes to the argmax; ties split it evenly."""
    return _reduce(reduction.max_, x, axis, keepdims)


def min(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Minimum over ``axis``.  Derivative: ȳ goes to the argmin; ties split it evenly."""
    return _reduce(reduction.min_, x, axis, keepdims)


def _degrees_of_freedom(t: Tensor, ax: tuple[int, ...] | None, ddof: int, who: str) -> int:
    n = t.size if ax is None else int(np.prod([t.shape[a] for a in ax]))
    if n - ddof <= 0:
        raise ValueError(f"{who}: {n} element(s) with ddof={ddof} leaves no degrees of freedom")
    return n - ddof


def var(x: Any, axis: Axis = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
    """Variance Σ(x - x̄)² / (n - ddof) over ``axis`` (ddof = 0: NumPy's convention).

    Derivative: x̄ = ȳ·2(x - mean)/(n - ddof) (composed from mean, sub, mul and sum; 0
    where all averaged values are equal).
    """
    t = as_tensor(x, "var")
    ax = _axis(t, axis, "var")
    dof = _degrees_of_freedom(t, ax, ddof, "var")
    centered = t - mean(t, ax, keepdims=True)
    return sum(centered * centered, ax, keepdims) * (1.0 / dof)


def std(x: Any, axis: Axis = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
    """Standard deviation √var over ``axis`` (ddof = 0 by default), one op.

    Derivative: x̄ = ȳ·(x - mean)/((n - ddof)·std), taken as 0 where std = 0 (one
    element, or all equal), like PyTorch: there x - mean = 0 too.
    """
    t = as_tensor(x, "std")
    ax = _axis(t, axis, "std")
    _degrees_of_freedom(t, ax, ddof, "std")
    return apply_op(reduction.std, (t,), {"axis": ax, "keepdims": bool(keepdims), "ddof": int(ddof)})


def logsumexp(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """log Σ exp(x) over ``axis``, stable for |x| ~ 1000.  Derivative: x̄ = ȳ·softmax(x)."""
    return _reduce(reduction.logsumexp, x, axis, keepdims)


def softmax(x: Any, axis: int = -1) -> Tensor:
    """exp(x) / Σ exp(x) along ``axis``, stable.  Derivative: x̄ = y ⊙ (ȳ - Σ ȳ⊙y)."""
    t = as_tensor(x, "softmax")
    return apply_op(reduction.softmax, (t,), {"axis": _softmax_axis(t, axis, "softmax")})


def log_softmax(x: Any, axis: int = -1) -> Tensor:
    """x - logsumexp(x) along ``axis``, stable.  Derivative: x̄ = ȳ - softmax(x)·Σ ȳ."""
    t = as_tensor(x, "log_softmax")
    return apply_op(reduction.log_softmax, (t,), {"axis": _softmax_axis(t, axis, "log_softmax")})


# ---------------------------------------------------------------- shape and indexing


def reshape(x: Any, shape: Any) -> Tensor:
    """The same values in ``shape`` (one -1 is inferred).  Derivative: x̄ = reshape(ȳ, x.shape)."""
    t = as_tensor(x, "reshape")
    if isinstance(shape, Tensor):
        data_dependent((shape,), "reshape with the shape given as a tensor")
    new = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(n) for n in shape)
    return apply_op(shape_ops.reshape, (t,), {"shape": new})


def transpose(x: Any, axes: Sequence[int] | None = None) -> Tensor:
    """Permute axes (reverse them when ``axes`` is None).

    Derivative: x̄ = transpose(ȳ, inverse permutation).
    """
    t = as_tensor(x, "transpose")
    perm = None
    if axes is not None:
        given = tuple(axes)
        if len(given) != t.ndim:
            raise ValueError(
                f"transpose: axes {given} are not a permutation of range({t.ndim}) for a "
                f"tensor of shape {t.shape}: give all {t.ndim} axes in their new order"
                f"{_swap_hint(t, given)}"
            )
        perm = tuple(normalize_axis(a, builtins.max(t.ndim, 1), t, "transpose") for a in given)
        if len(set(perm)) != len(perm):
            raise ValueError(
                f"transpose: axes {given} are not a permutation of range({t.ndim}) for a "
                f"tensor of shape {t.shape}: axis {_repeated(perm)} is repeated"
            )
    return apply_op(shape_ops.transpose, (t,), {"axes": perm})


def _swap_hint(t: Tensor, given: tuple[Any, ...]) -> str:
    """For two axes on a tensor that is not 2-D: how to swap them, or to permute all."""
    if len(given) != 2 or t.ndim < 2:
        return "."
    a, b = given
    example = list(range(t.ndim))
    if all(isinstance(v, (int, np.integer)) and -t.ndim <= v < t.ndim for v in given):
        example[int(a) % t.ndim], example[int(b) % t.ndim] = int(b) % t.ndim, int(a) % t.ndim
    else:
        example.reverse()
    return (
        f". To exchange two axes use x.swapaxes({a}, {b}); to reorder all of them pass a "
        f"full permutation, e.g. x.transpose({', '.join(map(str, example))})."
    )


def _repeated(perm: tuple[int, ...]) -> int:
    return next(a for i, a in enumerate(perm) if a in perm[:i])


def swapaxes(x: Any, axis1: int, axis2: int) -> Tensor:
    """Exchange two axes.  Derivative: swap them back in ȳ."""
    t = as_tensor(x, "swapaxes")
    a, b = (normalize_axis(v, builtins.max(t.ndim, 1), t, "swapaxes") for v in (axis1, axis2))
    perm = list(range(t.ndim))
    if t.ndim:  # on a 0-d tensor axis 0 and -1 name the tensor itself: nothing to swap
        perm[a], perm[b] = perm[b], perm[a]
    return apply_op(shape_ops.transpose, (t,), {"axes": tuple(perm)})


def squeeze(x: Any, axis: Axis = None) -> Tensor:
    """Remove axes of size 1.  Derivative: x̄ = reshape(ȳ, x.shape)."""
    t = as_tensor(x, "squeeze")
    ax = _axis(t, axis, "squeeze")
    if ax is not None:
        for a in ax:
            if t.shape[a] != 1:
                raise ValueError(
                    f"squeeze: axis {a} of shape {t.shape} has size {t.shape[a]}, not 1"
                )
    return apply_op(shape_ops.squeeze, (t,), {"axis": ax})


def unsqueeze(x: Any, axis: int) -> Tensor:
    """Insert a size-1 axis at ``axis``.  Derivative: x̄ = reshape(ȳ, x.shape)."""
    t = as_tensor(x, "unsqueeze")
    ax = normalize_axis(axis, t.ndim + 1, t, "unsqueeze")
    return apply_op(shape_ops.expand_dims, (t,), {"axis": ax})


expand_dims = unsqueeze


def flatten(x: Any, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Axes ``start_dim`` .. ``end_dim`` (inclusive) merged into one, as ``torch.flatten``;
    ``flatten(x)`` gives the values as a 1-D tensor.  Derivative: x̄ = reshape(ȳ, x.shape)."""
    t = as_tensor(x, "flatten")
    nd = builtins.max(t.ndim, 1)  # a 0-d tensor flattens to shape (1,), as in PyTorch
    s, e = (normalize_axis(a, nd, t, "flatten") for a in (start_dim, end_dim))
    if s > e:
        raise ValueError(
            f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for a tensor of "
            f"shape {t.shape}; give start_dim <= end_dim"
        )
    if t.ndim == 0 or (s == 0 and e == t.ndim - 1):
        return reshape(t, (-1,))
    return reshape(t, (*t.shape[:s], int(np.prod(t.shape[s : e + 1])), *t.shape[e + 1 :]))


def broadcast_to(x: Any, shape: Sequence[int]) -> Tensor:
    """Repeat along size-1 and new leading axes to reach ``shape``.

    Derivative: x̄ = ȳ summed over the broadcast axes.
    """
    t = as_tensor(x, "broadcast_to")
    return apply_op(shape_ops.broadcast_to, (t,), {"shape": tuple(int(n) for n in shape)})


def concatenate(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis.  Derivative: each input gets its slice of ȳ."""
    ts = _sequence(tensors, "concatenate")
    ax = normalize_axis(axis, builtins.max(ts[0].ndim, 1), ts[0], "concatenate")
    return apply_op(shape_ops.concatenate, ts, {"axis": ax})


def stack(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join same-shaped tensors along a new axis.  Derivative: input i gets ȳ[..., i, ...]."""
    ts = _sequence(tensors, "stack")
    ax = normalize_axis(axis, ts[0].ndim + 1, ts[0], "stack")
    return apply_op(shape_ops.stack, ts, {"axis": ax})


def _sequence(tensors: Sequence[Any], who: str) -> tuple[Tensor, ...]:
    if isinstance(tensors, (Tensor, np.ndarray)) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{who}: expected a list or tuple of tensors, got {type(tensors).__name__}")
    if not tensors:
        raise ValueError(f"{who}: needs at least one tensor")
    return tuple(as_tensor(t, who) for t in tensors)


# ---------------------------------------------------------------- linear algebra


def matmul(x: Any, y: Any) -> Tensor:
    """Matrix product with NumPy's rules for 1-D and batched N-D operands.

    Derivative (2-D): X̄ = Ȳ Wᵀ, W̄ = Xᵀ Ȳ; batch axes broadcast and their gradients are
    summed back.
    """
    return apply_op(linalg.matmul, (as_tensor(x, "matmul"), _operand(y, "matmul")), None)


def dot(x: Any, y: Any) -> Tensor:
    """Dot product with NumPy's N-d rule (``np.dot``).

    Scalars multiply; two vectors give their inner product; matrices their product; in
    general ``dot(a, b)[i, j, k, m] = Σₛ a[i, j, s] · b[k, s, m]`` (the last axis of ``a``
    against the second-to-last of ``b``, or its only axis when ``b`` is 1-D).

    Derivative: as :func:`matmul` for 1-D and 2-D operands (x̄ = Ḡ Yᵀ, ȳ = Xᵀ Ḡ); for
    N-d operands the einsum rule: each operand receives ḡ contracted with the other.
    """
    a, b = as_tensor(x, "dot"), as_tensor(y, "dot")
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if a.ndim > 2 or b.ndim > 2:
        return _einsum_ops.dot_nd(a, b)
    return matmul(a, b)


def outer(x: Any, y: Any) -> Tensor:
    """Outer product of two vectors (flattened first, like ``np.outer``).

    Derivative: x̄ = Ḡ y, ȳ = Ḡᵀ x (Ḡ: upstream gradient).
    """
    a, b = as_tensor(x, "outer"), as_tensor(y, "outer")
    return reshape(a, (-1, 1)) * reshape(b, (1, -1))


# ---------------------------------------------------------------- published from the table

globals().update(PUBLIC)  # the generated functions, as module attributes (fast lookups)


def __getattr__(name: str) -> Any:
    """Ops registered after this module loaded (generated from their entries)."""
    try:
        return PUBLIC[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
