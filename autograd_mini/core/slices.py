"""Gradients that are zero except at one slice, summed without expanding each one.

The VJP of ``y = x[index]`` is zeros shaped like ``x`` with ḡ at ``[index]``. A model that
takes the L steps of a sequence as ``x[0], x[1], ...`` (a recurrent layer on an input
that requires grad) would then build L arrays of x's full size and add them: O(L²) work
for O(L) data. During a plain first-order backward pass the engine lets that VJP return
a :class:`SliceGrad` instead (``state.slice_grads``): the engine sums slices into one
buffer of its own (:class:`Buffer`), each in place, and hands a plain array to whatever
reads the total (the next VJP, a hook, ``.grad``). Passes that show or record each
gradient (the ledger and pictures, anomaly mode, ``create_graph``, a compiled step being
recorded) keep the dense arrays.

Only basic indices (ints, slices, ``None``, ``...``) are kept as slices: they select
each element at most once, so adding ``ḡ`` into ``[index]`` in place is exact.
"""

from __future__ import annotations

from typing import Any

import numpy as np

CREATED = [0]  # how many SliceGrads were made (a pass with none skips looking for them)


class SliceGrad:
    """The gradient zeros(shape, dtype) with ``value`` at the basic ``index``."""

    __slots__ = ("dtype", "index", "shape", "value")

    def __init__(self, shape: tuple[int, ...], dtype: Any, index: Any, value: np.ndarray) -> None:
        CREATED[0] += 1
        self.shape = shape
        self.dtype = dtype
        self.index = index
        self.value = value

    def dense(self) -> np.ndarray:
        """The full array (what the VJP would have returned)."""
        out = np.zeros(self.shape, dtype=self.dtype)
        out[self.index] = self.value
        return out


class Buffer:
    """A sum of gradients in an array the engine owns (nobody else holds it), so more
    terms can be added into it in place."""

    __slots__ = ("array",)

    def __init__(self, array: np.ndarray) -> None:
        self.array = array

    @property
    def shape(self) -> tuple[int, ...]:
        """The gradient's shape."""
        return self.array.shape


LAZY = (SliceGrad, Buffer)


def add(a: Any, b: Any) -> Any:
    """``a + b`` where either may be a :class:`SliceGrad` or a :class:`Buffer` (and the
    other a plain array): the sum lands in a buffer the engine owns."""
    if a.__class__ is not Buffer and b.__class__ is Buffer:
        a, b = b, a  # into the buffer we own (one addition commutes exactly)
    if a.__class__ is Buffer:
        total = a
    elif a.__class__ is SliceGrad:
        total = Buffer(a.dense())
    else:  # a plain array someone may hold: copied once, then summed into in place
        total = Buffer(np.array(a, dtype=np.result_type(a, b.dtype if b.__class__ is SliceGrad else b)))
    if b.__class__ is SliceGrad:
        view = total.array[b.index]
        if np.result_type(view, b.value) == total.array.dtype:
            total.array[b.index] += b.value
        else:  # b would widen the sum's dtype: add out of place, as plain arrays do
            total.array = total.array + b.dense()
        return total
    other = b.array if b.__class__ is Buffer else b
    if np.result_type(total.array, other) == total.array.dtype and np.shape(other) == total.array.shape:
        np.add(total.array, other, out=total.array)
    else:
        total.array = total.array + other
    return total


def dense(g: Any) -> Any:
    """The plain array of a gradient (a :class:`SliceGrad` or :class:`Buffer` expanded)."""
    if g.__class__ is SliceGrad:
        return g.dense()
    if g.__class__ is Buffer:
        return g.array
    return g
