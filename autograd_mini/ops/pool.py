"""Max pooling as one fused op: the maximum of each window, its gradient routed to the argmax.

For an input of shape (N, C, *S), windows of size K with stride s and dilation d over
the input padded with -inf (``padding`` (lo, hi) per spatial axis; the extra right padding
of ``ceil_mode`` is part of hi),

    y[n, c, p] = max_k x_pad[n, c, p·s + k·d]

The VJP sends each ḡ[n, c, p] to the one input entry that was the window's maximum and
adds up where windows overlap. **Ties** go to the first maximum in the window's row-major
order (the first row of the window, then the first column), as PyTorch's CPU kernels do;
a NaN counts as the maximum, so it propagates.

The routing is a pair of linear ops that are each other's VJPs, so double backward works:
``pool_scatter(ḡ, masks)`` adds ḡ·mask_k at offset k of every window, and
``pool_gather(h, masks)`` = Σ_k mask_k·h[window offset k]; ``masks[k]`` marks the outputs
whose first maximum sits at offset k (constants, found in the rule from x and the saved
maxima). The forward and both routing ops loop over the offsets inside a window (4 for
2×2), each step one strided elementwise operation over all windows at once.
"""

from __future__ import annotations

import functools
import itertools
from typing import Any

import numpy as np

from ..core.broadcasting import shape_of
from .conv import Ints, Pads, _pad, _windows
from .registry import Op, value_of


def _padded(x: np.ndarray, padding: Pads) -> np.ndarray:
    return _pad(x, padding, -np.inf)


def _at(win: np.ndarray, k: tuple[int, ...]) -> np.ndarray:
    """The values at offset ``k`` of every window (a strided view)."""
    index: tuple[Any, ...] = (Ellipsis, *k)
    view: np.ndarray = win[index]
    return view


@functools.lru_cache(maxsize=64)
def _offsets(kernel: Ints) -> tuple[tuple[int, ...], ...]:
    """The positions inside a window, in row-major order (the order ties are broken in)."""
    return tuple(itertools.product(*(range(k) for k in kernel)))


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


def first_max_masks(
    x: np.ndarray, ans: np.ndarray, kernel: Ints, stride: Ints, padding: Pads, dilation: Ints
) -> np.ndarray:
    """Boolean (K, N, C, *P): masks[k] marks the windows whose first maximum is at offset k."""
    if np.isnan(ans).any():  # NaN maxima: PyTorch's rule (the last NaN), from the indices
        offsets = _offsets(kernel)
        win = _windows(_padded(x, padding), kernel, stride, dilation)
        best = _at(win, offsets[0])
        arg = np.zeros(best.shape, dtype=np.intp)
        for i, k in enumerate(offsets[1:], start=1):
            v = _at(win, k)
            better = (v > best) | np.isnan(v)
            arg = np.where(better, i, arg)
            best = np.maximum(best, v)
        return np.stack([arg == i for i in range(len(offsets))])
    win = _windows(_padded(x, padding), kernel, stride, dilation)
    offsets = _offsets(kernel)
    masks = np.empty((len(offsets), *ans.shape), dtype=bool)
    taken = np.zeros(ans.shape, dtype=bool)
    for i, k in enumerate(offsets):
        hit = _at(win, k) == ans
        np.greater(hit, taken, out=masks[i])  # hit and not taken: the first maximum only
        taken |= hit
    return masks


def _slices(k: tuple[int, ...], p: Ints, stride: Ints, dilation: Ints) -> tuple[slice, ...]:
    """Where offset k of every window lies in the padded input."""
    return (
        slice(None),
        slice(None),
        *(slice(i * d, i * d + s * (q - 1) + 1, s) for i, d, s, q in zip(k, dilation, stride, p)),
    )


def _scatter_forward(
    g: Any,
    masks: Any = None,
    kernel: Ints = (1,),
    stride: Ints = (1,),
    padding: Pads = ((0, 0),),
    dilation: Ints = (1,),
    shape: Ints = (),
) -> np.ndarray:
    g = np.asarray(g)
    p = g.shape[2:]
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(shape, padding))
    out = np.zeros((*g.shape[:2], *padded), dtype=g.dtype)
    for i, k in enumerate(_offsets(kernel)):
        out[_slices(k, p, stride, dilation)] += g * masks[i]
    centre = tuple(slice(lo, lo + s) for s, (lo, _) in zip(shape, padding))
    index = (slice(None), slice(None), *centre)
    return out[index] if any(lo or hi for lo, hi in padding) else out


def _gather_forward(
    h: Any,
    masks: Any = None,
    kernel: Ints = (1,),
    stride: Ints = (1,),
    padding: Pads = ((0, 0),),
    dilation: Ints = (1,),
) -> np.ndarray:
    h = np.asarray(h)
    hp = _pad(h, padding)
    p = masks.shape[3:]
    out = np.zeros(masks.shape[1:], dtype=h.dtype)
    for i, k in enumerate(_offsets(kernel)):
        out += hp[_slices(k, p, stride, dilation)] * masks[i]
    return out


def _scatter_vjp(g: Any, ans: Any, x: Any, shape: Ints = (), **params: Any) -> Any:
    return pool_gather(g, **params)


def _gather_vjp(g: Any, ans: Any, h: Any, **params: Any) -> Any:
    return pool_scatter(g, shape=tuple(shape_of(h)[2:]), **params)


pool_scatter: Op = Op(
    "pool_scatter",
    _scatter_forward,
    [_scatter_vjp],
    save_inputs=False,
    rules=["x̄ = pool_gather(ḡ, masks) (scatter and gather are each other's VJPs)"],
    math="y = zeros(shape) with x[n, c, p]·masks[k, n, c, p] added at window position p·s + k·d",
    doc="Max pooling's gradient routing: each value added at its window's marked offset.",
    jvp="linear",
)

pool_gather: Op = Op(
    "pool_gather",
    _gather_forward,
    [_gather_vjp],
    save_inputs=False,
    rules=["x̄ = pool_scatter(ḡ, masks)"],
    math="y[n, c, p] = Σ_k masks[k, n, c, p]·x_pad[n, c, p·s + k·d]",
    doc="The value at each window's marked offset (the adjoint of pool_scatter).",
    jvp="linear",
)


def _masks_of(x: Any, ans: Any, params: dict[str, Any]) -> np.ndarray:
    return first_max_masks(np.asarray(value_of(x)), np.asarray(value_of(ans)), **params)


def _max_pool_vjp(g: Any, ans: Any, x: Any, **params: Any) -> Any:
    masks = _masks_of(x, ans, params)
    return pool_scatter(g, masks=masks, shape=tuple(shape_of(x)[2:]), **params)


def _max_pool_jvp(tangents: list[Any], ans: Any, x: Any, **params: Any) -> Any:
    """ẏ = pool_gather(ẋ, first-maximum masks): ẏ[n, c, p] = ẋ at its window's first maximum"""
    (t,) = tangents
    return pool_gather(t, masks=_masks_of(x, ans, params), **params)


max_pool: Op = Op(
    "max_pool",
    _max_pool_forward,
    [_max_pool_vjp],
    save_output=True,  # the maxima: the rule finds where each came from
    rules=["x̄ = pool_scatter(ḡ, first-maximum masks): each ḡ[n, c, p] added at its window's first maximum"],
    math="y[n, c, p] = max_k x_pad[n, c, p·s + k·d] (padding -inf)",
    doc="Max pooling over 1 or 2 spatial axes (PyTorch's max_pool1d/2d).",
    hint="Shapes: input (N, C, *spatial); every window must hold at least one input value.",
    jvp=_max_pool_jvp,
)
