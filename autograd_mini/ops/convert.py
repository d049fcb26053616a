"""User data to Tensors: the arguments of every public function pass through here.

Tensors pass as they are; numbers, arrays and nested lists become constants; nested
lists and tuples that hold Tensors are stacked differentiably (a Tensor that requires
grad is never turned into a constant silently).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes
from ..tensor import _ALLOWED_KINDS, Tensor, _to_array, apply_op, find_tensor
from . import shape as shape_ops
from . import unary


def as_tensor(x: Any, who: str = "Tensor") -> Tensor:
    """``x`` itself if it is a Tensor, else a Tensor made from it.

    Nested lists and tuples that hold Tensors are stacked differentiably (as
    ``jax.numpy.array`` does), so ``am.sum([a, b])`` differentiates into ``a`` and ``b``;
    other data becomes a constant.
    """
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (list, tuple)) and find_tensor(x) is not None:
        return stack_nested(x, who)
    return Tensor._wrap(_to_array(x, who=who))


def operand(x: Any, op_name: str) -> Any:
    """A second argument (of an operator or a function): Tensors, arrays and real numbers
    pass through as they are; lists become arrays, or are stacked differentiably when they
    hold Tensors; anything else is refused with the op's name."""
    if x.__class__ in _PASS_THROUGH:
        return x
    if isinstance(x, (Tensor, np.ndarray, float, int, np.generic)) and not isinstance(x, complex):
        if isinstance(x, np.generic) and np.asarray(x).dtype.kind not in _ALLOWED_KINDS:
            raise TypeError(f"{op_name}: unsupported operand of dtype {np.asarray(x).dtype}")
        return x
    if isinstance(x, (list, tuple)):
        if find_tensor(x) is not None:
            return stack_nested(x, op_name)  # differentiable, never a silent constant
        return _to_array(x, who=op_name)
    raise TypeError(
        f"{op_name}: unsupported operand of type {type(x).__name__}; expected a Tensor, a "
        f"NumPy array or a real number"
    )


_PASS_THROUGH = {Tensor, float, int, np.ndarray, np.float64, np.float32}


def stack_nested(data: list[Any] | tuple[Any, ...], who: str = "stack_nested") -> Tensor:
    """One Tensor from nested lists/tuples of Tensors and numbers, stacked differentiably.

    The nesting becomes the leading axes, as in ``np.array``: ``[[a, b], [c, d]]`` with
    ``a`` of shape ``s`` gives shape ``(2, 2, *s)``. Entries of one list must have one
    shape; mixed dtypes are promoted as NumPy promotes them (through the differentiable
    ``astype``). Derivative: each entry receives its slice of ȳ.

    >>> import autograd_mini as am
    >>> a = am.tensor(1.0, requires_grad=True)
    >>> from autograd_mini.ops.convert import stack_nested
    >>> stack_nested([[a, 2.0], [3.0, a]]).sum().backward()
    >>> float(a.grad)
    2.0
    """
    # Post-order walk with an explicit stack: each frame is [sequence, next index, entries].
    frames: list[list[Any]] = [[data, 0, []]]
    while True:
        frame = frames[-1]
        seq, i, entries = frame
        if i < len(seq):
            frame[1] = i + 1
            item = seq[i]
            if isinstance(item, (list, tuple)):
                frames.append([item, 0, []])
            else:
                entries.append(item)
            continue
        frames.pop()
        joined = _stack_entries(entries, who)
        if not frames:
            return joined
        frames[-1][2].append(joined)


def _stack_entries(entries: list[Any], who: str) -> Tensor:
    """Stack one list level: Tensors as they are, other entries as constants."""
    if not entries:
        return Tensor._wrap(np.zeros((0,), dtype=dtypes.get_default_dtype()))
    ts = [e if isinstance(e, Tensor) else Tensor._wrap(_to_array(e, who=who)) for e in entries]
    shapes = {t.shape for t in ts}
    if len(shapes) > 1:
        raise ValueError(
            f"{who}: a nested list holds entries of different shapes {sorted(shapes)} at one "
            f"level (ragged); every entry of a list must have the same shape"
        )
    dtype = np.result_type(*[t.dtype for t in ts])
    ts = [t if t.dtype == dtype else apply_op(unary.astype, (t,), {"dtype": dtype}) for t in ts]
    return apply_op(shape_ops.stack, tuple(ts), {"axis": 0})
