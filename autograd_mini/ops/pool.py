"""Max pooling as one fused op: the maximum of each window, its gradient routed to the argmax.

For an input of shape (N, C, *S), windows of size K with stride s and dilation d over
the input padded with -inf (``padding`` (lo, hi) per spatial axis; the extra right padding
of ``ceil_mode`` is part of hi),

    y[n, c, p] = max_k x_pad[n, c, p·s + k·d]

The VJP sends each ḡ[n, c, p] to the one input entry that was the window's maximum and
adds up where windows overlap: ``x̄ = index_add(ḡ, argmax)``, written with the
``index_add`` op, whose own VJP is ``getitem``, so double backward works (the argmax
positions are constants, recomputed from x in the rule). **Ties** go to the first
maximum in the window's row-major order (the first row of the window, then the first
column), as PyTorch's CPU kernels do; a NaN counts as the maximum, so it propagates.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.broadcasting import shape_of
from .conv import Ints, Pads, _windows
from .registry import Op, value_of
from .shape import index_add


def _padded(x: np.ndarray, padding: Pads) -> np.ndarray:
    if not any(lo or hi for lo, hi in padding):
        return x
    return np.pad(x, ((0, 0), (0, 0), *padding), constant_values=-np.inf)


def _max_pool_forward(
    x: Any, kernel: Ints = (1,), stride: Ints = (1,), padding: Pads = ((0, 0),), dilation: Ints = (1,)
) -> np.ndarray:
    x = np.asarray(x)
    n = len(kernel)
    win = _windows(_padded(x, padding), kernel, stride, dilation)  # (N, C, *P, *K)
    return win.max(axis=tuple(range(-n, 0)))


def argmax_index(x: np.ndarray, kernel: Ints, stride: Ints, padding: Pads, dilation: Ints) -> np.ndarray:
    """For each output of ``max_pool``, the flat index into ``x`` of its window's maximum.

    Ties: the first maximum in the window's row-major order (PyTorch's choice).
    """
    n = len(kernel)
    win = _windows(_padded(x, padding), kernel, stride, dilation)
    p = win.shape[2 : 2 + n]
    first = win.reshape(*win.shape[: 2 + n], -1).argmax(axis=-1)  # (N, C, *P): offset in window
    offsets = np.unravel_index(first, kernel)
    grid = np.indices(p, sparse=True)
    coords = [grid[i] * stride[i] + offsets[i] * dilation[i] - padding[i][0] for i in range(n)]
    big_n, c = x.shape[:2]
    lead = [a.reshape(a.shape + (1,) * n) for a in np.indices((big_n, c), sparse=True)]
    flat: np.ndarray = np.ravel_multi_index((*lead, *coords), x.shape).reshape(-1)
    return flat


def _max_pool_vjp(g: Any, ans: Any, x: Any, **params: Any) -> Any:
    index = argmax_index(np.asarray(value_of(x)), **params)
    shape = shape_of(x)
    flat = index_add(g.reshape(-1), index=index, shape=(int(np.prod(shape)),), dtype=g.dtype)
    return flat.reshape(shape)


def _max_pool_jvp(tangents: list[Any], ans: Any, x: Any, **params: Any) -> Any:
    (t,) = tangents
    index = argmax_index(np.asarray(value_of(x)), **params)
    return t.reshape(-1)[index].reshape(shape_of(ans))


max_pool: Op = Op(
    "max_pool",
    _max_pool_forward,
    [_max_pool_vjp],
    rules=["x̄ = index_add(ḡ, argmax): each ḡ[n, c, p] added at its window's (first) maximum"],
    math="y[n, c, p] = max_k x_pad[n, c, p·s + k·d] (padding -inf)",
    doc="Max pooling over 1 or 2 spatial axes (PyTorch's max_pool1d/2d).",
    hint="Shapes: input (N, C, *spatial); every window must hold at least one input value.",
    jvp=_max_pool_jvp,
)
