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
from .conv import Ints, Pads, _pad, _windows
from .registry import Op, value_of
from .shape import index_add


def _padded(x: np.ndarray, padding: Pads) -> np.ndarray:
    return _pad(x, padding, -np.inf)


def _at(win: np.ndarray, k: tuple[int, ...]) -> np.ndarray:
    """The values at offset ``k`` of every window (a strided view)."""
    index: tuple[Any, ...] = (Ellipsis, *k)
    view: np.ndarray = win[index]
    return view


def _offsets(kernel: Ints) -> list[tuple[int, ...]]:
    """The positions inside a window, in row-major order (the order ties are broken in)."""
    return [tuple(int(i) for i in k) for k in np.ndindex(*kernel)]


def _max_pool_forward(
    x: Any, kernel: Ints = (1,), stride: Ints = (1,), padding: Pads = ((0, 0),), dilation: Ints = (1,)
) -> np.ndarray:
    x = np.asarray(x)
    win = _windows(_padded(x, padding), kernel, stride, dilation)  # (N, C, *P, *K), a view
    # one elementwise maximum per window offset (4 for 2×2), not a reduction over tiny axes
    out: np.ndarray | None = None
    for k in _offsets(kernel):
        v = _at(win, k)
        out = v.copy() if out is None else np.maximum(out, v, out=out)
    assert out is not None
    return out


def argmax_index(
    x: np.ndarray,
    kernel: Ints,
    stride: Ints,
    padding: Pads,
    dilation: Ints,
    ans: np.ndarray | None = None,
) -> np.ndarray:
    """For each output of ``max_pool``, the flat index into ``x`` of its window's maximum.

    Ties: the first maximum in the window's row-major order (PyTorch's choice); a NaN
    counts as the maximum (the last NaN of the window, as PyTorch's CPU loop). ``ans``,
    the pooled maxima if known, saves recomputing them.
    """
    n = len(kernel)
    win = _windows(_padded(x, padding), kernel, stride, dilation)
    p = win.shape[2 : 2 + n]
    offsets = _offsets(kernel)
    if ans is not None and not np.isnan(ans).any():
        arg = np.zeros(ans.shape, dtype=np.intp)
        for i in range(len(offsets) - 1, 0, -1):  # backwards, so the first maximum wins
            arg = np.where(_at(win, offsets[i]) == ans, i, arg)
        arg = np.where(_at(win, offsets[0]) == ans, 0, arg)
    else:
        best = _at(win, offsets[0])
        arg = np.zeros(best.shape, dtype=np.intp)
        for i, k in enumerate(offsets[1:], start=1):
            v = _at(win, k)
            better = v > best
            if np.isnan(v).any():
                better |= np.isnan(v)
            arg = np.where(better, i, arg)
            best = np.maximum(best, v)
    # flat index = start of the window in x + the offset's displacement
    sizes = x.shape[2:]
    steps = [int(np.prod(sizes[i + 1 :])) for i in range(n)]  # element strides of x's spatial axes
    start = np.zeros((), dtype=np.intp)
    for i in range(n):
        along = (np.arange(p[i]) * stride[i] - padding[i][0]) * steps[i]
        start = start + along.reshape((-1,) + (1,) * (n - 1 - i))
    lead = np.arange(x.shape[0] * x.shape[1]) * int(np.prod(sizes))
    lead = lead.reshape(x.shape[0], x.shape[1], *(1,) * n)
    shift = np.array([sum(k[i] * dilation[i] * steps[i] for i in range(n)) for k in offsets], dtype=np.intp)
    flat: np.ndarray = (lead + start + shift[arg]).reshape(-1)
    return flat


def _max_pool_vjp(g: Any, ans: Any, x: Any, **params: Any) -> Any:
    index = argmax_index(np.asarray(value_of(x)), **params, ans=np.asarray(value_of(ans)))
    shape = shape_of(x)
    flat = index_add(g.reshape(-1), index=index, shape=(int(np.prod(shape)),), dtype=g.dtype)
    return flat.reshape(shape)


def _max_pool_jvp(tangents: list[Any], ans: Any, x: Any, **params: Any) -> Any:
    (t,) = tangents
    index = argmax_index(np.asarray(value_of(x)), **params, ans=np.asarray(value_of(ans)))
    return t.reshape(-1)[index].reshape(shape_of(ans))


max_pool: Op = Op(
    "max_pool",
    _max_pool_forward,
    [_max_pool_vjp],
    save_output=True,  # the maxima: the rule finds where each came from
    rules=["x̄ = index_add(ḡ, argmax): each ḡ[n, c, p] added at its window's (first) maximum"],
    math="y[n, c, p] = max_k x_pad[n, c, p·s + k·d] (padding -inf)",
    doc="Max pooling over 1 or 2 spatial axes (PyTorch's max_pool1d/2d).",
    hint="Shapes: input (N, C, *spatial); every window must hold at least one input value.",
    jvp=_max_pool_jvp,
)
