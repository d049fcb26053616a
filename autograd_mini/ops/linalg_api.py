"""Public functions of the products (``tensordot``, ``inner``, ``vdot``, ``kron``, ``cross``).

Each validates its arguments in the user's terms and contracts with the ``einsum`` op
(so every one of them has einsum's exact, any-order derivative) or applies ``cross``.
``dot`` (NumPy's N-d rule) is in :mod:`autograd_mini.ops.api`.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..tensor import Tensor, apply_op
from . import einsum as einsum_ops
from .api import normalize_axis, reshape, transpose
from .convert import as_tensor
from .einsum import LETTERS, contract
from .publish import public


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
