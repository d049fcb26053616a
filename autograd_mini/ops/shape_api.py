"""Shape and indexing functions: NumPy's names and meanings, PyTorch's where they differ.

Each function validates its arguments in the user's terms (errors name the function,
the shapes and the fix) and applies ops of the table. Most are compositions of a few
linear ops whose rules are already there (``reshape``, ``transpose``, ``getitem`` and
its adjoint ``index_add``, ``broadcast_to``, ``concatenate``, ``where``), so their
gradients (of every order) and forward-mode rules come with them; ``pad`` and the
sliding windows have their own entries (:mod:`autograd_mini.ops.windows`).

Where NumPy and PyTorch give one name two meanings, ``am.<name>`` is NumPy's and the
Tensor method is PyTorch's (documented on each):

- ``am.repeat`` / ``am.repeat_interleave`` repeat each element (``np.repeat``);
  ``x.repeat(*sizes)`` tiles the whole tensor (PyTorch), like ``am.tile``.
- ``am.split(x, sections_or_indices, axis)`` is ``np.split`` (equal sections or split
  indices); ``x.split(size_or_sizes, dim)`` is ``torch.split`` (chunk sizes).
- ``am.nonzero(x)`` is ``np.nonzero`` (a tuple of index tensors);
  ``x.nonzero()`` is ``torch.nonzero`` (one (n, ndim) tensor, ``as_tuple=True`` for the tuple).
- ``am.pad`` takes NumPy's ``pad_width`` (first axis first);
  ``nn.functional.pad`` takes PyTorch's flat ``pad`` (last axis first).
- ``am.take`` takes an ``axis`` (NumPy); ``x.take(index)`` indexes the flattened tensor
  (PyTorch, the same as ``axis=None``).

Gathers and scatters accept negative indices (counted from the end, NumPy's rule).
"""

from __future__ import annotations

import builtins
import itertools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np

from ..core.grad_mode import state as _modes
from ..tensor import Tensor, apply_unary, data_dependent, traced_values
from . import shape as shape_ops
from . import windows
from .api import broadcast_to, concatenate, normalize_axis, reshape, where
from .convert import as_tensor
from .publish import public, tensor_method

_F = TypeVar("_F", bound=Callable[..., Any])


def _method(name: str) -> Callable[[_F], _F]:
    """Attach ``fn`` as the Tensor method ``name`` (when it differs from the function's)."""

    def attach(fn: _F) -> _F:
        fn.__name__ = fn.__qualname__ = name
        return tensor_method(fn)

    return attach


def _t(x: Any, who: str) -> Tensor:
    return x if isinstance(x, Tensor) else as_tensor(x, who)


def _ax(t: Tensor, axis: Any, who: str) -> int:
    """One existing axis of ``t`` as a non-negative int (a 0-d tensor takes 0 and -1)."""
    return normalize_axis(axis, builtins.max(t.ndim, 1), t, who)


def _need_ndim(t: Tensor, n: int, who: str, fix: str = "") -> None:
    if t.ndim < n:
        raise ValueError(
            f"{who}: needs a tensor with at least {n} axes, got shape {t.shape}" + (f"; {fix}" if fix else "")
        )


def _int(v: Any, who: str, what: str) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
        raise TypeError(f"{who}: {what} must be an int, got {v!r}")
    return int(v)


def _ints(v: Any, who: str, what: str) -> tuple[int, ...]:
    """An int or a sequence of ints as a tuple."""
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return (int(v),)
    if isinstance(v, Tensor):
        data_dependent((v,), f"{who} with {what} given as a tensor")
        v = v.numpy()
    if isinstance(v, np.ndarray):
        v = v.tolist()
    if not isinstance(v, (list, tuple)):
        raise TypeError(f"{who}: {what} must be an int or a sequence of ints, got {v!r}")
    return tuple(_int(i, who, what) for i in v)


def _varargs(args: tuple[Any, ...]) -> Any:
    """``f(x, 1, 2)`` and ``f(x, (1, 2))`` alike."""
    return args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else args


def _alias(who: str, numpy_name: str, value: Any, torch_name: str, torch_value: Any) -> Any:
    if torch_value is not None:
        if value is not None:
            raise TypeError(f"{who}: give {numpy_name}= or {torch_name}=, not both")
        return torch_value
    return value


def _index_along(ndim: int, axis: int, index: Any) -> tuple[Any, ...]:
    return (slice(None),) * axis + (index,)


def _get(t: Tensor, index: Any) -> Tensor:
    return apply_unary(shape_ops.getitem, t, {"index": index})


# ---------------------------------------------------------------- reshaping


@public
@tensor_method
def ravel(x: Any) -> Tensor:
    """The values as a 1-D tensor (row-major order).  Derivative: x̄ = reshape(ȳ, x.shape)."""
    return reshape(_t(x, "ravel"), (-1,))


@public
@tensor_method
def view(x: Any, *shape: Any) -> Tensor:
    """PyTorch's ``view``: the same values in a new shape, an alias of :func:`reshape`
    (one -1 is inferred; ``x.view(4, -1)`` or ``x.view((4, -1))``).

    Derivative: x̄ = reshape(ȳ, x.shape).
    """
    t = _t(x, "view")
    return reshape(t, _ints(_varargs(shape), "view", "the shape"))


@public
@tensor_method
def permute(x: Any, *dims: Any) -> Tensor:
    """Reorder the axes: axis i of the result is axis ``dims[i]`` of x (PyTorch's
    ``permute``; ``x.permute(2, 0, 1)`` or ``am.permute(x, (2, 0, 1))``).

    Derivative: x̄ = transpose(ȳ, inverse permutation).
    """
    t = _t(x, "permute")
    given = _ints(_varargs(dims), "permute", "dims")
    perm = tuple(_ax(t, d, "permute") for d in given)
    if len(perm) != t.ndim or sorted(perm) != list(range(t.ndim)):
        raise ValueError(
            f"permute: dims {given} are not a permutation of range({t.ndim}) for a tensor of "
            f"shape {t.shape}: give each of the {t.ndim} axes once, in their new order"
        )
    return apply_unary(shape_ops.transpose, t, {"axes": perm})


def _axes_list(t: Tensor, v: Any, who: str, what: str) -> list[int]:
    return [_ax(t, a, who) for a in _ints(v, who, what)]


@public
@tensor_method
def moveaxis(x: Any, source: Any, destination: Any) -> Tensor:
    """Move axes ``source`` to the places ``destination`` (ints or sequences), the others
    keeping their order (``np.moveaxis``; PyTorch's ``movedim``).

    Derivative: x̄ = transpose(ȳ, inverse permutation).
    """
    t = _t(x, "moveaxis")
    src = _axes_list(t, source, "moveaxis", "source")
    dst = _axes_list(t, destination, "moveaxis", "destination")
    if len(src) != len(dst):
        raise ValueError(
            f"moveaxis: source {source!r} and destination {destination!r} must name as many axes"
        )
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise ValueError(f"moveaxis: repeated axis in source {source!r} or destination {destination!r}")
    if t.ndim == 0:
        return reshape(t, ())
    order = [n for n in range(t.ndim) if n not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return apply_unary(shape_ops.transpose, t, {"axes": tuple(order)})


@public
@tensor_method
def movedim(x: Any, source: Any, destination: Any) -> Tensor:
    """PyTorch's name of :func:`moveaxis`.  Derivative: x̄ = transpose(ȳ, inverse permutation)."""
    return moveaxis(x, source, destination)


@public
@tensor_method
def unflatten(x: Any, dim: int, sizes: Sequence[int]) -> Tensor:
    """Split axis ``dim`` into axes of ``sizes`` (one may be -1), ``torch.unflatten``.

    Derivative: x̄ = reshape(ȳ, x.shape).
    """
    t = _t(x, "unflatten")
    _need_ndim(t, 1, "unflatten")
    d = _ax(t, dim, "unflatten")
    new = _ints(sizes, "unflatten", "sizes")
    n = t.shape[d]
    known = int(np.prod([s for s in new if s != -1]))
    bad = (
        not new
        or new.count(-1) > 1
        or any(s < -1 for s in new)
        or (-1 not in new and known != n)
        or (-1 in new and (known == 0 or n % known))
    )
    if bad:
        raise ValueError(
            f"unflatten: sizes {new} do not multiply to {n}, the size of axis {dim} of shape "
            f"{t.shape}; give sizes whose product is {n} (one of them may be -1)"
        )
    return reshape(t, t.shape[:d] + new + t.shape[d + 1 :])


def _atleast(xs: tuple[Any, ...], n: int, who: str) -> Any:
    out = []
    for x in xs:
        t = _t(x, who)
        if t.ndim >= n:
            out.append(t)
            continue
        if n == 1:
            shape: tuple[int, ...] = (1,)
        elif n == 2:
            shape = (1,) * (2 - t.ndim) + t.shape
        else:
            shape = {0: (1, 1, 1), 1: (1, *t.shape, 1), 2: (*t.shape, 1)}[t.ndim]
        out.append(reshape(t, shape))
    return out[0] if len(out) == 1 else tuple(out)


@public
def atleast_1d(*xs: Any) -> Any:
    """Each input with at least one axis (a 0-d tensor becomes shape (1,)); one tensor
    for one input, else a tuple (``np.atleast_1d``).  Derivative: x̄ = reshape(ȳ, x.shape)."""
    return _atleast(xs, 1, "atleast_1d")


@public
def atleast_2d(*xs: Any) -> Any:
    """Each input with at least two axes (leading size-1 axes added, ``np.atleast_2d``).

    Derivative: x̄ = reshape(ȳ, x.shape).
    """
    return _atleast(xs, 2, "atleast_2d")


@public
def atleast_3d(*xs: Any) -> Any:
    """Each input with at least three axes: (n,) → (1, n, 1), (m, n) → (m, n, 1)
    (``np.atleast_3d``).  Derivative: x̄ = reshape(ȳ, x.shape)."""
    return _atleast(xs, 3, "atleast_3d")


# ---------------------------------------------------------------- flips and rolls


@public
@tensor_method
def flip(x: Any, axis: Any = None, *, dims: Any = None) -> Tensor:
    """Reverse the order along ``axis`` (an int, a sequence, or None for all axes;
    ``dims=`` as in PyTorch).  Derivative: x̄ = flip(ȳ) along the same axes."""
    t = _t(x, "flip")
    axis = _alias("flip", "axis", axis, "dims", dims)
    axes = range(t.ndim) if axis is None else _axes_list(t, axis, "flip", "axis")
    if t.ndim == 0:
        return reshape(t, ())
    index = [slice(None)] * t.ndim
    for a in axes:
        index[a] = slice(None, None, -1)
    return _get(t, tuple(index))


@public
@tensor_method
def fliplr(x: Any) -> Tensor:
    """Reverse axis 1 (left-right; at least 2-D).  Derivative: x̄ = fliplr(ȳ)."""
    t = _t(x, "fliplr")
    _need_ndim(t, 2, "fliplr", "use flip(x, 0) for a 1-D tensor")
    return flip(t, 1)


@public
@tensor_method
def flipud(x: Any) -> Tensor:
    """Reverse axis 0 (up-down; at least 1-D).  Derivative: x̄ = flipud(ȳ)."""
    t = _t(x, "flipud")
    _need_ndim(t, 1, "flipud")
    return flip(t, 0)


@public
@tensor_method
def rot90(x: Any, k: int = 1, axes: Any = None, *, dims: Any = None) -> Tensor:
    """Rotate by 90° ``k`` times in the plane of ``axes`` (default (0, 1); from the first
    axis towards the second, ``np.rot90``; ``dims=`` as in PyTorch).

    Derivative: x̄ = rot90(ȳ, -k, axes).
    """
    t = _t(x, "rot90")
    given = _ints(_alias("rot90", "axes", axes, "dims", dims) or (0, 1), "rot90", "axes")
    if len(given) != 2:
        raise ValueError(f"rot90: axes must be two axes, got {given!r}")
    _need_ndim(t, 2, "rot90")
    a, b = (_ax(t, v, "rot90") for v in given)
    if a == b:
        raise ValueError(
            f"rot90: axes {given} name the same axis of shape {t.shape}; give two different axes"
        )
    k = _int(k, "rot90", "k") % 4
    if k == 0:
        return reshape(t, t.shape)
    if k == 2:
        return flip(t, (a, b))
    perm = list(range(t.ndim))
    perm[a], perm[b] = perm[b], perm[a]
    if k == 1:
        return apply_unary(shape_ops.transpose, flip(t, b), {"axes": tuple(perm)})
    return flip(apply_unary(shape_ops.transpose, t, {"axes": tuple(perm)}), b)


@public
@tensor_method
def roll(x: Any, shift: Any = None, axis: Any = None, *, shifts: Any = None, dims: Any = None) -> Tensor:
    """Shift values ``shift`` places along ``axis``, wrapping round (``np.roll``; None:
    over the flattened tensor; ``shifts=``/``dims=`` as in PyTorch).

    Derivative: x̄ = roll(ȳ, -shift, axis).
    """
    t = _t(x, "roll")
    shift = _alias("roll", "shift", shift, "shifts", shifts)
    axis = _alias("roll", "axis", axis, "dims", dims)
    if shift is None:
        raise TypeError("roll: give the shift (an int, or one int per axis)")
    steps = _ints(shift, "roll", "shift")
    if axis is None:
        if len(steps) != 1:
            raise ValueError(f"roll: {len(steps)} shifts need as many axes (axis=...), got axis=None")
        return reshape(roll(reshape(t, (-1,)), steps[0], 0), t.shape)
    axes = _axes_list(t, axis, "roll", "axis")
    if len(steps) == 1:
        steps = steps * len(axes)
    if len(steps) != len(axes):
        raise ValueError(f"roll: {len(steps)} shifts for {len(axes)} axes; give one shift per axis")
    if t.ndim == 0:
        return reshape(t, ())
    total = dict.fromkeys(axes, 0)
    for a, s in zip(axes, steps):
        total[a] += s
    out = t
    for a, s in total.items():
        n = t.shape[a]
        s = s % n if n else 0
        if s:
            tail = _get(out, _index_along(t.ndim, a, slice(n - s, None)))
            head = _get(out, _index_along(t.ndim, a, slice(None, n - s)))
            out = concatenate([tail, head], axis=a)
    return out if out is not t else reshape(t, t.shape)


# ---------------------------------------------------------------- repeating


def _repeat(t: Tensor, repeats: Any, axis: Any, who: str) -> Tensor:
    if axis is None:
        t, a = reshape(t, (-1,)), 0
    else:
        a = _ax(t, axis, who)
        if t.ndim == 0:
            t = reshape(t, (1,))
    n = t.shape[a]
    if isinstance(repeats, Tensor):
        data_dependent((repeats,), f"{who} with repeats given as a tensor")
    reps = np.asarray(repeats.numpy() if isinstance(repeats, Tensor) else repeats)
    if reps.dtype.kind not in "iu" or reps.ndim > 1:
        raise TypeError(f"{who}: repeats must be an int or a 1-D sequence of ints, got {repeats!r}")
    if (reps < 0).any():
        raise ValueError(f"{who}: repeats must not be negative, got {reps.tolist()}")
    if reps.ndim == 1 and reps.size == 1:
        reps = reps.reshape(())
    if reps.ndim == 0:  # every element r times: broadcast along a new axis after a
        r = int(reps)
        widened = reshape(t, (*t.shape[: a + 1], 1, *t.shape[a + 1 :]))
        spread = broadcast_to(widened, (*t.shape[: a + 1], r, *t.shape[a + 1 :]))
        return reshape(spread, (*t.shape[:a], n * r, *t.shape[a + 1 :]))
    if reps.size != n:
        raise ValueError(
            f"{who}: {reps.size} repeats for axis {axis} of size {n} (shape {t.shape}); give "
            f"one int, or one per element along the axis"
        )
    return _get(t, _index_along(t.ndim, a, np.repeat(np.arange(n), reps)))


@public
def repeat(x: Any, repeats: Any, axis: int | None = None) -> Tensor:
    """Repeat each element ``repeats`` times along ``axis`` (``np.repeat``: an int, or one
    count per element; ``axis=None`` repeats the flattened values). The Tensor method
    ``x.repeat(*sizes)`` is PyTorch's, which tiles the whole tensor (see :func:`tile`).

    Derivative: x̄ = ȳ summed over the copies of each element.
    """
    return _repeat(_t(x, "repeat"), repeats, axis, "repeat")


@public
@tensor_method
def repeat_interleave(x: Any, repeats: Any, dim: int | None = None) -> Tensor:
    """PyTorch's name of :func:`repeat` (the same meaning: each element ``repeats`` times).

    Derivative: x̄ = ȳ summed over the copies of each element.
    """
    return _repeat(_t(x, "repeat_interleave"), repeats, dim, "repeat_interleave")


def _tile(t: Tensor, reps: tuple[int, ...], who: str) -> Tensor:
    if any(r < 0 for r in reps):
        raise ValueError(f"{who}: repetitions must not be negative, got {reps}")
    if len(reps) < t.ndim:
        reps = (1,) * (t.ndim - len(reps)) + reps
    shape = (1,) * (len(reps) - t.ndim) + t.shape
    if all(r == 1 for r in reps):
        return reshape(t, shape)
    widened = reshape(t, tuple(v for n in shape for v in (1, n)))
    spread = broadcast_to(widened, tuple(v for r, n in zip(reps, shape) for v in (r, n)))
    return reshape(spread, tuple(r * n for r, n in zip(reps, shape)))


@public
@tensor_method
def tile(x: Any, reps: Any) -> Tensor:
    """The whole tensor repeated ``reps`` times along each axis (``np.tile``: fewer reps
    than axes repeat the last axes; more add leading axes).

    Derivative: x̄ = ȳ summed over the tiles.
    """
    t = _t(x, "tile")
    return _tile(t, _ints(reps, "tile", "reps"), "tile")


@_method("repeat")
def _repeat_method(self: Tensor, *sizes: Any) -> Tensor:
    """PyTorch's ``Tensor.repeat(*sizes)``: the whole tensor tiled ``sizes[i]`` times along
    axis i (at least one size per axis; more add leading axes). This is :func:`tile`, not
    ``am.repeat`` (NumPy's element-wise repeat, ``x.repeat_interleave``).

    Derivative: x̄ = ȳ summed over the tiles.
    """
    reps = _ints(_varargs(sizes), "repeat", "sizes")
    if len(reps) < self.ndim:
        raise ValueError(
            f"repeat: {len(reps)} sizes for a tensor of shape {self.shape}; x.repeat(*sizes) "
            f"(PyTorch) needs one size per axis at least. For NumPy's element-wise repeat use "
            f"am.repeat(x, repeats, axis) or x.repeat_interleave(repeats, dim)"
        )
    return _tile(self, reps, "repeat")


# ---------------------------------------------------------------- splitting


def _pieces(t: Tensor, a: int, bounds: Sequence[int]) -> list[Tensor]:
    edges = [0, *bounds, t.shape[a]]
    return [_get(t, _index_along(t.ndim, a, slice(lo, hi))) for lo, hi in itertools.pairwise(edges)]


def _split_axis(t: Tensor, axis: Any, who: str) -> int:
    _need_ndim(t, 1, who)
    return _ax(t, axis, who)


def _np_split(t: Tensor, spec: Any, axis: Any, who: str, equal: bool) -> list[Tensor]:
    a = _split_axis(t, axis, who)
    n = t.shape[a]
    if isinstance(spec, (int, np.integer)) and not isinstance(spec, bool):
        k = int(spec)
        if k <= 0:
            raise ValueError(f"{who}: the number of sections must be positive, got {k}")
        if equal and n % k:
            raise ValueError(
                f"{who}: axis {axis} of shape {t.shape} (size {n}) does not divide into {k} equal "
                f"sections; use am.array_split for unequal ones, or give split indices"
            )
        q, r = divmod(n, k)
        sizes = [q + 1] * r + [q] * (k - r)
        return _pieces(t, a, list(np.cumsum(sizes)[:-1]))
    return _pieces(t, a, list(_ints(spec, who, "the split indices")))


@public
def split(x: Any, indices_or_sections: Any, axis: int = 0, **kwargs: Any) -> list[Tensor]:
    """``np.split``: an int N gives N equal sections along ``axis`` (it must divide the
    size), a sequence of indices the pieces between them. Returns a list.

    PyTorch's ``torch.split(x, size_or_sizes, dim)`` (pieces of a given size) is the Tensor
    method ``x.split``. Derivative: each piece's ȳ goes back to its slice of x̄.
    """
    if "dim" in kwargs:
        raise TypeError(
            "split: am.split follows NumPy (sections or split indices along axis=); for "
            "PyTorch's split into pieces of a given size use x.split(size_or_sizes, dim)"
        )
    if kwargs:
        raise TypeError(f"split: unexpected keyword arguments {sorted(kwargs)}")
    return _np_split(_t(x, "split"), indices_or_sections, axis, "split", equal=True)


# PyTorch's dim= would silently give NumPy's meaning to a PyTorch-style call: split handles
# (and refuses) dim= itself, so the dim=/keepdim= aliases (ops/torch_names.py) leave it alone
split._dim_names = True  # type: ignore[attr-defined]


@public
def array_split(x: Any, indices_or_sections: Any, axis: int = 0) -> list[Tensor]:
    """``np.array_split``: like :func:`split`, but N sections need not be equal (the first
    n mod N get one more element).  Derivative: each piece's ȳ goes back to its slice."""
    return _np_split(_t(x, "array_split"), indices_or_sections, axis, "array_split", equal=False)


@public
def hsplit(x: Any, indices_or_sections: Any) -> list[Tensor]:
    """``np.hsplit``: :func:`split` along axis 1 (axis 0 for a 1-D tensor)."""
    t = _t(x, "hsplit")
    _need_ndim(t, 1, "hsplit")
    return _np_split(t, indices_or_sections, 1 if t.ndim > 1 else 0, "hsplit", equal=True)


@public
def vsplit(x: Any, indices_or_sections: Any) -> list[Tensor]:
    """``np.vsplit``: :func:`split` along axis 0 of a tensor with at least 2 axes."""
    t = _t(x, "vsplit")
    _need_ndim(t, 2, "vsplit", "use am.split(x, n) for a 1-D tensor")
    return _np_split(t, indices_or_sections, 0, "vsplit", equal=True)


@public
def dsplit(x: Any, indices_or_sections: Any) -> list[Tensor]:
    """``np.dsplit``: :func:`split` along axis 2 of a tensor with at least 3 axes."""
    t = _t(x, "dsplit")
    _need_ndim(t, 3, "dsplit")
    return _np_split(t, indices_or_sections, 2, "dsplit", equal=True)


@public
@tensor_method
def chunk(x: Any, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """``torch.chunk``: ``chunks`` pieces along ``dim`` of ceil(n / chunks) elements each
    (the last smaller; fewer pieces when they run out). Returns a tuple.

    Derivative: each piece's ȳ goes back to its slice of x̄.
    """
    t = _t(x, "chunk")
    a = _split_axis(t, dim, "chunk")
    k = _int(chunks, "chunk", "chunks")
    if k <= 0:
        raise ValueError(f"chunk: chunks must be positive, got {k}")
    n = t.shape[a]
    size = -(-n // k) if n else 0
    if size == 0:
        return (_get(t, _index_along(t.ndim, a, slice(None))),)
    return tuple(_pieces(t, a, list(range(size, n, size))))


@_method("split")
def _split_method(self: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """PyTorch's ``Tensor.split``: an int gives pieces of that size along ``dim`` (the last
    smaller), a sequence the size of each piece (they must add up to the axis size).
    ``am.split`` is NumPy's (sections or split indices). Returns a tuple.

    Derivative: each piece's ȳ goes back to its slice of x̄.
    """
    a = _split_axis(self, dim, "split")
    n = self.shape[a]
    spec = split_size_or_sections
    if isinstance(spec, (int, np.integer)) and not isinstance(spec, bool):
        size = int(spec)
        if size <= 0:
            raise ValueError(f"split: the piece size must be positive, got {size}")
        return tuple(_pieces(self, a, list(range(size, n, size))))
    sizes = _ints(spec, "split", "the piece sizes")
    if builtins.sum(sizes) != n or any(s < 0 for s in sizes):
        raise ValueError(
            f"split: piece sizes {list(sizes)} must be non-negative and add up to {n}, the size "
            f"of dim {dim} of shape {self.shape}"
        )
    return tuple(_pieces(self, a, list(np.cumsum(sizes)[:-1])))


# ---------------------------------------------------------------- joining


def _tensors(tensors: Any, who: str) -> list[Tensor]:
    if isinstance(tensors, (Tensor, np.ndarray)) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{who}: expected a list or tuple of tensors, got {type(tensors).__name__}")
    if not tensors:
        raise ValueError(f"{who}: needs at least one tensor")
    return [_t(t, who) for t in tensors]


def _as_list(v: Any) -> list[Tensor]:
    return list(v) if isinstance(v, tuple) else [v]


@public
def vstack(tensors: Sequence[Any]) -> Tensor:
    """Stack rows: inputs made at least 2-D, joined along axis 0 (``np.vstack``).

    Derivative: each input gets its slice of ȳ.
    """
    ts = _tensors(tensors, "vstack")
    return concatenate(_as_list(atleast_2d(*ts)), axis=0)


@public
def hstack(tensors: Sequence[Any]) -> Tensor:
    """Join along axis 1 (axis 0 when all inputs are 1-D), ``np.hstack``.

    Derivative: each input gets its slice of ȳ.
    """
    ts = _as_list(atleast_1d(*_tensors(tensors, "hstack")))
    return concatenate(ts, axis=0 if ts[0].ndim == 1 else 1)


@public
def dstack(tensors: Sequence[Any]) -> Tensor:
    """Join along axis 2 after making inputs at least 3-D, ``np.dstack``.

    Derivative: each input gets its slice of ȳ.
    """
    return concatenate(_as_list(atleast_3d(*_tensors(tensors, "dstack"))), axis=2)


@public
def column_stack(tensors: Sequence[Any]) -> Tensor:
    """1-D inputs as columns, 2-D ones as they are, joined along axis 1 (``np.column_stack``).

    Derivative: each input gets its slice of ȳ.
    """
    ts = _tensors(tensors, "column_stack")
    cols = [reshape(t, (-1, 1)) if t.ndim < 2 else t for t in ts]
    return concatenate(cols, axis=1)


@public
def meshgrid(*xs: Any, indexing: str = "xy") -> tuple[Tensor, ...]:
    """Coordinate grids from 1-D inputs (``np.meshgrid``; N-d inputs are flattened).

    ``indexing="xy"`` (NumPy's default) gives the first two grids shape (len(x₁), len(x₀),
    ...); ``"ij"`` (PyTorch's default) shape (len(x₀), len(x₁), ...). Derivative: xᵢ's
    gradient is ȳᵢ summed over the other axes.
    """
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    if len(xs) == 1 and isinstance(xs[0], (list, tuple)) and xs[0] and isinstance(xs[0][0], Tensor):
        xs = tuple(xs[0])
    ts = [reshape(_t(x, "meshgrid"), (-1,)) for x in xs]
    k = len(ts)
    place = list(range(k))
    if indexing == "xy" and k >= 2:
        place[0], place[1] = 1, 0
    out_shape = [0] * k
    for t, p in zip(ts, place):
        out_shape[p] = t.shape[0]
    grids = []
    for t, p in zip(ts, place):
        shape = [1] * k
        shape[p] = t.shape[0]
        grids.append(broadcast_to(reshape(t, tuple(shape)), tuple(out_shape)))
    return tuple(grids)


# ---------------------------------------------------------------- diagonals and triangles


def _diagonal_index(n1: int, n2: int, offset: int) -> tuple[np.ndarray, np.ndarray]:
    i0, j0 = builtins.max(-offset, 0), builtins.max(offset, 0)
    k = builtins.max(0, builtins.min(n1 - i0, n2 - j0))
    return np.arange(k) + i0, np.arange(k) + j0


@public
@tensor_method
def diagonal(
    x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1, *, dim1: Any = None, dim2: Any = None
) -> Tensor:
    """The diagonal ``offset`` above the main one of the planes (axis1, axis2), as the last
    axis (``np.diagonal``; ``dim1``/``dim2`` as in PyTorch).

    Derivative: x̄ = zeros with ȳ on that diagonal.
    """
    t = _t(x, "diagonal")
    _need_ndim(t, 2, "diagonal")
    a = _ax(t, axis1 if dim1 is None else dim1, "diagonal")
    b = _ax(t, axis2 if dim2 is None else dim2, "diagonal")
    if a == b:
        raise ValueError(f"diagonal: axis1 and axis2 name the same axis {a} of shape {t.shape}")
    off = _int(offset, "diagonal", "offset")
    perm = (*(n for n in range(t.ndim) if n not in (a, b)), a, b)
    moved = t if perm == tuple(range(t.ndim)) else apply_unary(shape_ops.transpose, t, {"axes": perm})
    i, j = _diagonal_index(t.shape[a], t.shape[b], off)
    return _get(moved, (Ellipsis, i, j))


@public
@tensor_method
def diag_embed(x: Any, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Matrices with the last axis of x on their diagonal ``offset`` (``torch.diag_embed``),
    in the new axes ``dim1``, ``dim2`` of the result; zeros elsewhere.

    Derivative: x̄ = the diagonal ``offset`` of ȳ in (dim1, dim2).
    """
    t = _t(x, "diag_embed")
    _need_ndim(t, 1, "diag_embed", "use am.diag for a number")
    out_nd = t.ndim + 1
    probe = Tensor._wrap(np.empty((0,) * out_nd))
    d1, d2 = (normalize_axis(d, out_nd, probe, "diag_embed") for d in (dim1, dim2))
    if d1 == d2:
        raise ValueError(f"diag_embed: dim1 and dim2 name the same axis {d1} of the {out_nd}-d result")
    off = _int(offset, "diag_embed", "offset")
    n = t.shape[-1]
    m = n + abs(off)
    i, j = _diagonal_index(m, m, off)
    mat = apply_unary(
        shape_ops.index_add,
        t,
        {"index": (Ellipsis, i, j), "shape": (*t.shape[:-1], m, m), "dtype": t.dtype},
    )
    return moveaxis(mat, (-2, -1), (d1, d2))


@public
@tensor_method
def diag(x: Any, k: int = 0) -> Tensor:
    """``np.diag``: a 1-D input becomes the square matrix with it on diagonal ``k``; a 2-D
    input gives its diagonal ``k``.

    Derivative: the diagonal of ȳ (1-D input); zeros with ȳ on the diagonal (2-D input).
    """
    t = _t(x, "diag")
    off = _int(k, "diag", "k")
    if t.ndim == 1:
        return diag_embed(t, off)
    if t.ndim == 2:
        return diagonal(t, off)
    raise ValueError(
        f"diag: needs a 1-D or 2-D tensor, got shape {t.shape}; use am.diagonal or am.diag_embed for batches"
    )


def _triangle(x: Any, k: int, who: str, upper: bool) -> Tensor:
    t = _t(x, who)
    _need_ndim(t, 2, who)
    off = _int(k, who, "k")
    rows, cols = t.shape[-2:]
    keep = np.triu(np.ones((rows, cols), bool), off) if upper else np.tril(np.ones((rows, cols), bool), off)
    return where(keep, t, np.zeros((), t.dtype))


@public
@tensor_method
def triu(x: Any, k: int = 0) -> Tensor:
    """The upper triangle of the last two axes: entries below diagonal ``k`` set to 0
    (``np.triu``).  Derivative: x̄ = triu(ȳ, k)."""
    return _triangle(x, k, "triu", upper=True)


@public
@tensor_method
def tril(x: Any, k: int = 0) -> Tensor:
    """The lower triangle of the last two axes: entries above diagonal ``k`` set to 0
    (``np.tril``).  Derivative: x̄ = tril(ȳ, k)."""
    return _triangle(x, k, "tril", upper=False)


# ---------------------------------------------------------------- gather and scatter


def _index_array(indices: Any, who: str) -> Any:
    """The integer indices as given: a Tensor (kept, so that a compiled step follows it) or
    an array. Only their dtype is checked here; :func:`_in_range` reads their values."""
    idx = indices if isinstance(indices, Tensor) else np.asarray(indices)
    if idx.dtype.kind not in "iu":
        raise TypeError(
            f"{who}: indices must be integers, got dtype {idx.dtype}; convert them with .astype(int)"
        )
    return idx


def _in_range(idx: Any, n: int, who: str, axis: int, shape: tuple[int, ...]) -> np.ndarray:
    """The indices checked to lie in [-n, n), negatives wrapped, as NumPy's index type.

    A compiled step replays the check and the wrap on each call's indices (they are
    values: indices from an argument or an argmax change from batch to batch)."""
    return traced_values(_wrapped_index, (idx,), {"n": n, "who": who, "axis": axis, "shape": shape})


def _wrapped_index(idx: np.ndarray, n: int, who: str, axis: int, shape: tuple[int, ...]) -> np.ndarray:
    """:func:`_in_range` on arrays: raises IndexError for an index outside [-n, n)."""
    idx = idx.astype(np.intp, copy=False)
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise IndexError(
            f"{who}: index {int(idx.min() if idx.min() < -n else idx.max())} is out of range "
            f"for axis {axis} of size {n} (shape {shape}); indices must be in [{-n}, {n})"
        )
    return np.asarray(np.where(idx < 0, idx + n, idx))


def _along_index(
    shape: tuple[int, ...], idx: np.ndarray, axis: int, sizes: tuple[int, ...]
) -> tuple[np.ndarray, ...]:
    """The fancy index picking ``idx`` along ``axis`` and ``arange(sizes[d])`` elsewhere."""
    out = []
    for d in range(len(shape)):
        if d == axis:
            out.append(idx)
        else:
            s = [1] * len(shape)
            s[d] = sizes[d]
            out.append(np.arange(sizes[d]).reshape(s))
    return tuple(out)


@public
@tensor_method
def take(x: Any, indices: Any, axis: int | None = None) -> Tensor:
    """``np.take``: the entries at ``indices`` along ``axis`` (of the flattened tensor when
    ``axis`` is None; the method ``x.take(index)`` is PyTorch's, the flattened one).

    Derivative: x̄ = zeros with ȳ added at the indices (repeated indices add up).
    """
    t = _t(x, "take")
    idx = _index_array(indices, "take")
    if axis is None:
        flat = reshape(t, (-1,))
        return _get(flat, (_in_range(idx, flat.shape[0], "take", 0, t.shape),))
    _need_ndim(t, 1, "take")
    a = _ax(t, axis, "take")
    return _get(t, _index_along(t.ndim, a, _in_range(idx, t.shape[a], "take", a, t.shape)))


def _check_index_shape(t: Tensor, idx: np.ndarray, who: str) -> None:
    if idx.ndim != t.ndim:
        raise ValueError(
            f"{who}: indices of shape {idx.shape} need as many axes as the tensor of shape "
            f"{t.shape}; add axes with unsqueeze/reshape (size 1 broadcasts in take_along_axis)"
        )


@public
def take_along_axis(x: Any, indices: Any, axis: int | None = -1) -> Tensor:
    """``np.take_along_axis``: out[..., i, ...] = x[..., indices[..., i, ...], ...] along
    ``axis`` (other axes of ``indices`` broadcast against x's; None: the flattened x).

    Derivative: x̄ = zeros with ȳ added at the indices (repeated indices add up).
    """
    t = _t(x, "take_along_axis")
    idx = _index_array(indices, "take_along_axis")
    if axis is None:
        t, a = reshape(t, (-1,)), 0
    else:
        _need_ndim(t, 1, "take_along_axis")
        a = _ax(t, axis, "take_along_axis")
    _along_checks(t, idx, a, "take_along_axis")
    idx = _in_range(idx, t.shape[a], "take_along_axis", a, t.shape)
    return _get(t, _along_index(t.shape, idx, a, t.shape))


def _along_checks(t: Tensor, idx: np.ndarray, a: int, who: str) -> None:
    _check_index_shape(t, idx, who)
    for d in range(t.ndim):
        if d != a and idx.shape[d] not in (1, t.shape[d]):
            raise ValueError(
                f"{who}: indices of shape {idx.shape} do not broadcast against the tensor of "
                f"shape {t.shape} outside axis {a}: axis {d} of the indices must be 1 or {t.shape[d]}"
            )


def _gather_checks(t: Tensor, idx: np.ndarray, a: int, who: str) -> None:
    _check_index_shape(t, idx, who)
    for d in range(t.ndim):
        if d != a and idx.shape[d] > t.shape[d]:
            raise ValueError(
                f"{who}: index of shape {idx.shape} is larger than the tensor of shape "
                f"{t.shape} in dim {d}; outside dim {a} the index may not exceed the tensor"
            )


@public
@tensor_method
def gather(x: Any, dim: int, index: Any) -> Tensor:
    """``torch.gather``: out[i][j] = x[index[i][j]][j] for dim 0 (and so on): the result has
    index's shape, which may be smaller than x outside ``dim`` (no broadcasting).

    Derivative: x̄ = zeros with ȳ added at the indices (repeated indices add up).
    """
    t = _t(x, "gather")
    _need_ndim(t, 1, "gather")
    a = _ax(t, dim, "gather")
    idx = _index_array(index, "gather")
    _gather_checks(t, idx, a, "gather")
    idx = _in_range(idx, t.shape[a], "gather", a, t.shape)
    return _get(t, _along_index(t.shape, idx, a, idx.shape))


@_method("take_along_dim")
def _take_along_dim(self: Tensor, indices: Any, dim: int | None = None) -> Tensor:
    """PyTorch's ``take_along_dim`` (:func:`take_along_axis`; ``dim=None`` flattens)."""
    return take_along_axis(self, indices, dim)


def _put(t: Tensor, index: tuple[np.ndarray, ...], values: Any, add: bool, who: str) -> Tensor:
    """x with ``values`` (shaped like the broadcast index) put or added at ``index``."""
    target = np.broadcast_shapes(*(i.shape for i in index))
    v = values if isinstance(values, Tensor) else as_tensor(values, who)
    if v.dtype != t.dtype:
        v = v.astype(t.dtype)
    if v.shape != target:
        try:
            np.broadcast_shapes(v.shape, target)
        except ValueError:
            raise ValueError(
                f"{who}: values of shape {v.shape} do not broadcast to the {target} places of "
                f"the index (tensor of shape {t.shape})"
            ) from None
        v = broadcast_to(v, target)
    params = {"index": index, "shape": t.shape, "dtype": t.dtype}
    if add:
        return t + apply_unary(shape_ops.index_add, v, params)
    # replace: the last write to a place wins (NumPy's order); only it gets a gradient.
    # The masks depend on the indices' values: a compiled step recomputes them, and always
    # applies the winner mask (all True it changes nothing), so one program fits every batch.
    keep, winner = traced_values(_put_masks, index, {"shape": t.shape})
    if _modes.recorder is not None or not winner.all():
        v = where(winner, v, np.zeros((), t.dtype))
    kept = where(keep, t, np.zeros((), t.dtype))
    return kept + apply_unary(shape_ops.index_add, v, params)


def _put_masks(*index: np.ndarray, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """For a put at ``index`` into an array of ``shape``: where nothing is written (shape
    ``shape``), and which writes are the last to their place (the index's shape)."""
    target = np.broadcast_shapes(*(i.shape for i in index))
    flat = np.ravel_multi_index(np.broadcast_arrays(*index), shape).ravel()
    keep = np.ones(int(np.prod(shape)), bool)
    keep[flat] = False
    _, last_rev = np.unique(flat[::-1], return_index=True)
    winner = np.zeros(flat.size, bool)
    winner[flat.size - 1 - last_rev] = True
    return keep.reshape(shape), winner.reshape(target)


@public
def put_along_axis(x: Any, indices: Any, values: Any, axis: int | None) -> Tensor:
    """``np.put_along_axis``, out of place: a copy of x with ``values`` written at
    ``indices`` along ``axis`` (indices as in :func:`take_along_axis`; values broadcast).
    Where an index repeats, the last value written wins (NumPy's order).

    Derivative: x̄ = ȳ where nothing was written, else 0; values get ȳ at their places
    (0 for values overwritten by a later one).
    """
    t = _t(x, "put_along_axis")
    shape = t.shape
    idx = _index_array(indices, "put_along_axis")
    if axis is None:
        t, a = reshape(t, (-1,)), 0
    else:
        _need_ndim(t, 1, "put_along_axis")
        a = _ax(t, axis, "put_along_axis")
    _along_checks(t, idx, a, "put_along_axis")
    idx = _in_range(idx, t.shape[a], "put_along_axis", a, t.shape)
    sizes = tuple(idx.shape[d] if d == a else t.shape[d] for d in range(t.ndim))
    index = _along_index(t.shape, idx, a, sizes)
    return reshape(_put(t, index, values, False, "put_along_axis"), shape)


def _scatter(t: Tensor, dim: int, index: Any, src: Any, add: bool, who: str) -> Tensor:
    _need_ndim(t, 1, who)
    a = _ax(t, dim, who)
    idx = _index_array(index, who)
    _gather_checks(t, idx, a, who)
    idx = _in_range(idx, t.shape[a], who, a, t.shape)
    if isinstance(src, Tensor) or (np.ndim(src) and not isinstance(src, (float, int))):
        s = _t(src, who)
        if s.ndim != idx.ndim or any(i > n for i, n in zip(idx.shape, s.shape)):
            raise ValueError(
                f"{who}: src of shape {s.shape} must have index's number of axes and be at least "
                f"as large as index ({idx.shape}) in every axis"
            )
        if s.shape != idx.shape:
            s = _get(s, tuple(slice(0, n) for n in idx.shape))
        values: Any = s
    else:
        values = np.full(idx.shape, src, dtype=t.dtype)
    return _put(t, _along_index(t.shape, idx, a, idx.shape), values, add, who)


@public
@tensor_method
def scatter(
    x: Any, dim: int, index: Any, src: Any = None, *, value: Any = None, reduce: str | None = None
) -> Tensor:
    """``torch.scatter``, out of place: a copy of x with out[index[i][j]][j] = src[i][j]
    (dim 0, and so on); ``src`` may be a number (or ``value=``). Where an index repeats
    the last value wins (PyTorch leaves it unspecified). ``reduce="add"`` is
    :func:`scatter_add`.

    Derivative: x̄ = ȳ where nothing was written, else 0; src gets ȳ at its places
    (0 for values overwritten by a later one).
    """
    t = _t(x, "scatter")
    src = _alias("scatter", "src", src, "value", value)
    if src is None:
        raise TypeError("scatter: give src (a tensor or a number) or value=")
    if reduce not in (None, "add"):
        raise ValueError(f"scatter: reduce must be None or 'add', got {reduce!r}")
    return _scatter(t, dim, index, src, reduce == "add", "scatter")


@public
@tensor_method
def scatter_add(x: Any, dim: int, index: Any, src: Any) -> Tensor:
    """``torch.scatter_add``, out of place: a copy of x with src[i][j] added at
    out[index[i][j]][j] (dim 0, and so on); repeated indices add up.

    Derivative: x̄ = ȳ; src̄ = ȳ gathered at the indices.
    """
    return _scatter(_t(x, "scatter_add"), dim, index, src, True, "scatter_add")


# ---------------------------------------------------------------- no gradient: positions


def _values(x: Any, who: str) -> np.ndarray:
    return x._data if isinstance(x, Tensor) else _t(x, who)._data


@public
def nonzero(x: Any) -> tuple[Tensor, ...]:
    """``np.nonzero``: one int64 tensor per axis with the indices of the nonzero entries
    (usable as ``x[am.nonzero(x)]``). No gradient: these are positions, not values.
    The method ``x.nonzero()`` is PyTorch's (one (n, ndim) tensor)."""
    v = _values(x, "nonzero")
    data_dependent((x,), "nonzero")
    if v.ndim == 0:
        raise ValueError("nonzero: a 0-d tensor has no positions; use am.atleast_1d(x) first")
    return tuple(Tensor._wrap(i.astype(np.int64)) for i in np.nonzero(v))


@public
def argwhere(x: Any) -> Tensor:
    """``np.argwhere``: the indices of the nonzero entries as an int64 tensor of shape
    (n, x.ndim). No gradient."""
    v = _values(x, "argwhere")
    data_dependent((x,), "argwhere")
    return Tensor._wrap(np.argwhere(v).astype(np.int64))


@_method("nonzero")
def _nonzero_method(self: Tensor, *, as_tuple: bool = False) -> Any:
    """PyTorch's ``Tensor.nonzero``: the (n, ndim) int64 tensor of the nonzero entries'
    indices, or with ``as_tuple=True`` one tensor per axis (``am.nonzero``). No gradient."""
    if as_tuple:
        return nonzero(self)
    return argwhere(self)


# ---------------------------------------------------------------- sliding windows and padding


def _per_axis(v: Any, k: int, who: str, what: str) -> tuple[int, ...]:
    vals = _ints(v, who, what)
    if len(vals) == 1:
        vals = vals * k
    if len(vals) != k:
        raise ValueError(f"{who}: {len(vals)} values of {what} for {k} axes; give one per axis")
    if any(s < 1 for s in vals):
        raise ValueError(f"{who}: {what} must be at least 1, got {vals}")
    return vals


def _windows(
    t: Tensor, axes: tuple[int, ...], size: tuple[int, ...], step: Any, dilation: Any, who: str
) -> Tensor:
    steps = _per_axis(step, len(axes), who, "step")
    dil = _per_axis(dilation, len(axes), who, "dilation")
    for a, k, d in zip(axes, size, dil):
        if k < 1 or (k - 1) * d + 1 > t.shape[a]:
            extra = f" with dilation {d}" if d > 1 else ""
            raise ValueError(
                f"{who}: a window of size {k}{extra} does not fit in axis {a} of size "
                f"{t.shape[a]} (shape {t.shape}); use a window of 1..{(t.shape[a] - 1) // d + 1}"
                f" or pad first (am.pad)"
            )
    params = {"axes": axes, "size": size, "step": steps, "dilation": dil}
    return apply_unary(windows.sliding_window, t, params)


@public
def sliding_window_view(
    x: Any, window_shape: Any, axis: Any = None, *, step: Any = 1, dilation: Any = 1
) -> Tensor:
    """``np.lib.stride_tricks.sliding_window_view``: every window of ``window_shape``
    along ``axis`` (all axes when None). Each windowed axis becomes the window positions
    and the window's own axes are appended last, in the order of ``axis``. Extensions for
    convolution: ``step`` (stride) and ``dilation`` per axis. A read-only view, no copy.

    Derivative: x̄ = each window of ȳ added back at its place (overlapping windows add up),
    the op ``fold_windows``, whose own VJP is this op (so all orders work).
    """
    t = _t(x, "sliding_window_view")
    shape = _ints(window_shape, "sliding_window_view", "window_shape")
    if axis is None:
        if len(shape) != t.ndim:
            raise ValueError(
                f"sliding_window_view: window_shape {shape} needs one size per axis of the "
                f"tensor of shape {t.shape}, or give axis="
            )
        axes: tuple[int, ...] = tuple(range(t.ndim))
    else:
        _need_ndim(t, 1, "sliding_window_view")
        axes = tuple(_ax(t, a, "sliding_window_view") for a in _ints(axis, "sliding_window_view", "axis"))
        if len(axes) != len(shape):
            raise ValueError(
                f"sliding_window_view: {len(shape)} window sizes for {len(axes)} axes {axes}; "
                f"give one size per axis"
            )
    if len(set(axes)) != len(axes):
        raise ValueError(f"sliding_window_view: repeated axis in {axis!r}")
    return _windows(t, axes, shape, step, dilation, "sliding_window_view")


@public
@tensor_method
def unfold(x: Any, dimension: int, size: int, step: int) -> Tensor:
    """PyTorch's ``Tensor.unfold``: the windows of ``size`` along ``dimension``, ``step``
    apart. That axis becomes the window positions and a new last axis of ``size`` holds
    each window (a read-only view). For several axes, strides and dilation use
    :func:`sliding_window_view`.

    Derivative: x̄ = each window of ȳ added back at its place (overlaps add up).
    """
    t = _t(x, "unfold")
    _need_ndim(t, 1, "unfold")
    a = _ax(t, dimension, "unfold")
    return _windows(t, (a,), (_int(size, "unfold", "size"),), step, 1, "unfold")


_MODE_NAMES = {"replicate": "edge", "circular": "wrap"}


def pad_widths(t: Tensor, widths: tuple[tuple[int, int], ...], mode: str, value: Any, who: str) -> Tensor:
    """``t`` padded by (before, after) per axis; ``mode`` in NumPy's or PyTorch's names."""
    np_mode = _MODE_NAMES.get(mode, mode)
    if np_mode not in windows.PAD_MODES:
        raise ValueError(
            f"{who}: mode {mode!r} is not supported; use 'constant', 'edge' (= 'replicate'), "
            f"'reflect', 'symmetric' or 'wrap' (= 'circular')"
        )
    if any(lo < 0 or hi < 0 for lo, hi in widths):
        raise ValueError(f"{who}: pad widths must not be negative, got {widths}")
    if np_mode != "constant":
        for a, (lo, hi) in enumerate(widths):
            if (lo or hi) and t.shape[a] == 0:
                raise ValueError(
                    f"{who}: axis {a} of shape {t.shape} is empty; mode {mode!r} copies values "
                    f"from it, so only mode 'constant' can pad it"
                )
    elif value is not None and np.any(np.asarray(value) != 0) and not all(w == (0, 0) for w in widths):
        padded = apply_unary(windows.pad, t, {"widths": widths, "mode": "constant"})
        border = np.pad(np.zeros(t.shape, t.dtype), widths, constant_values=value)
        return padded + border
    if t.ndim == 0:
        return reshape(t, ())
    return apply_unary(windows.pad, t, {"widths": widths, "mode": np_mode})


@public
def pad(x: Any, pad_width: Any, mode: str = "constant", constant_values: Any = 0) -> Tensor:
    """``np.pad``: pad_width is one int, one (before, after) pair, or one pair per axis
    (first axis first). Modes: ``"constant"`` (``constant_values``: a number, or pairs as
    in NumPy), ``"edge"``/``"replicate"``, ``"reflect"``, ``"symmetric"``,
    ``"wrap"``/``"circular"``; widths may exceed the axis (NumPy's rule). PyTorch's flat
    ``pad=(left, right, top, bottom, ...)`` form is ``nn.functional.pad``.

    Derivative: x̄ = the centre of ȳ, plus each padded entry of ȳ added onto the value it
    copies (op ``pad_adjoint``, whose VJP is ``pad``).
    """
    t = _t(x, "pad")
    try:
        w = np.asarray(pad_width.numpy() if isinstance(pad_width, Tensor) else pad_width)
        if w.dtype.kind not in "iu":
            raise TypeError
        widths = tuple((int(lo), int(hi)) for lo, hi in np.broadcast_to(w, (t.ndim, 2)))
    except (TypeError, ValueError):
        raise ValueError(
            f"pad: pad_width {pad_width!r} does not fit a tensor of shape {t.shape}; give an "
            f"int, a (before, after) pair, or {t.ndim} pairs of ints (one per axis, NumPy's "
            f"form; nn.functional.pad takes PyTorch's flat last-axis-first form)"
        ) from None
    if mode != "constant" and np.any(np.asarray(constant_values) != 0):
        raise ValueError(f"pad: constant_values only applies to mode 'constant', not {mode!r}")
    return pad_widths(t, widths, mode, constant_values, "pad")


def torch_pad(input: Any, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:
    """PyTorch's ``F.pad`` form: ``pad=(left, right, top, bottom, ...)`` pads the last axis
    by (left, right), the one before it by (top, bottom), and so on. Negative widths crop
    (mode ``"constant"``). Modes ``"constant"`` (``value``, default 0), ``"reflect"``,
    ``"replicate"``, ``"circular"`` (NumPy's names are accepted too).

    Derivative: as :func:`pad` (crops: x̄ = ȳ placed back into zeros).
    """
    t = _t(input, "pad")
    flat = _ints(pad, "pad", "pad")
    if len(flat) % 2 or len(flat) // 2 > t.ndim:
        raise ValueError(
            f"pad: pad={flat} must hold (before, after) pairs for at most {t.ndim} axes "
            f"(last axis first) of the input of shape {t.shape}"
        )
    k = len(flat) // 2
    widths = [(0, 0)] * t.ndim
    for i in range(k):
        widths[t.ndim - 1 - i] = (flat[2 * i], flat[2 * i + 1])
    if any(lo < 0 or hi < 0 for lo, hi in widths):
        if mode != "constant":
            raise ValueError(f"pad: negative widths {flat} crop, which needs mode 'constant', not {mode!r}")
        crop = tuple(
            slice(-builtins.min(lo, 0), n + builtins.min(hi, 0)) for (lo, hi), n in zip(widths, t.shape)
        )
        t = _get(t, crop)
        widths = [(builtins.max(lo, 0), builtins.max(hi, 0)) for lo, hi in widths]
    return pad_widths(t, tuple(widths), mode, value, "pad")
