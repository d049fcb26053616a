"""Padding and sliding windows: the two ops convolution and pooling are built on.

Both are linear maps that copy each input value to one or more output places, so each
has an adjoint op that adds the gradient back from every place a value was copied to,
and the two are each other's VJPs (as ``getitem`` and ``index_add``):

- ``pad`` (NumPy's ``np.pad`` with zeros, or with edge, reflect, symmetric or wrap
  copies) and ``pad_adjoint`` (the centre of ḡ plus every padded entry of ḡ added back
  onto the value it was copied from);
- ``sliding_window`` (NumPy's ``sliding_window_view``, with a step and a dilation;
  PyTorch's ``Tensor.unfold``) and ``fold_windows`` (each window of ḡ added back at its
  place, overlaps adding up).

Each rule is written with the other op, so second- and higher-order gradients work, and
each op is linear (``jvp="linear"``). A nonzero constant pad value is added by the public
function as a constant (the op itself always pads a linear map: zeros).

The forwards are NumPy only: ``pad`` is ``np.pad``; ``pad_adjoint`` copies the centre and adds
the padded entries back onto their sources with one ``np.add.at`` per axis (no loop over
positions);
``sliding_window`` is a strided view (no copy); ``fold_windows`` loops over the offsets
inside a window (9 for a 3×3 kernel), each a strided slice-add over all windows at once.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from ..core.broadcasting import shape_of
from .registry import Op

Widths = tuple[tuple[int, int], ...]

# np.pad's modes that copy values (a linear map); the public functions accept PyTorch's
# names too ("replicate" = "edge", "circular" = "wrap")
PAD_MODES = ("constant", "edge", "reflect", "symmetric", "wrap")

# ---------------------------------------------------------------- pad


def _pad_forward(x: Any, widths: Widths = (), mode: str = "constant") -> Any:
    return np.pad(x, widths, mode=mode)  # type: ignore[call-overload]


def _sources(n: int, before: int, after: int, mode: str) -> np.ndarray:
    """For each place of one padded axis, the index of the input value copied there."""
    return np.pad(np.arange(n), (before, after), mode=mode)  # type: ignore[call-overload]


def _pad_adjoint_forward(g: Any, widths: Widths = (), mode: str = "constant") -> Any:
    g = np.asarray(g)
    if mode == "constant":  # padded entries are constants: only the centre receives ḡ
        return g[tuple(slice(lo, g.shape[a] - hi) for a, (lo, hi) in enumerate(widths))]
    out = g
    for axis, (lo, hi) in enumerate(widths):
        if lo == 0 and hi == 0:
            continue
        n = out.shape[axis] - lo - hi
        src = _sources(n, lo, hi, mode)
        moved = np.moveaxis(out, axis, 0)
        folded = moved[lo : lo + n].copy()  # the centre, then every padded entry onto its source
        edges = np.r_[0:lo, lo + n : lo + n + hi]
        np.add.at(folded, src[edges], moved[edges])
        out = np.moveaxis(folded, 0, axis)
    return out


def _pad_vjp(g: Any, ans: Any, x: Any, widths: Widths = (), mode: str = "constant") -> Any:
    return pad_adjoint(g, widths=widths, mode=mode)


def _pad_adjoint_vjp(g: Any, ans: Any, x: Any, widths: Widths = (), mode: str = "constant") -> Any:
    return pad(g, widths=widths, mode=mode)


pad: Op = Op(
    "pad",
    _pad_forward,
    [_pad_vjp],
    save_inputs=False,
    rules=[
        "x̄ = padᵀ(ḡ): the centre of ḡ, plus (edge, reflect, symmetric, wrap) each padded "
        "entry of ḡ added onto the value it copies"
    ],
    math="y = x padded by (before, after) per axis: zeros, or copies of x's edge, reflection or other end",
    hint="Widths are (before, after) pairs of non-negative ints, one per axis.",
    jvp="linear",
)

pad_adjoint: Op = Op(
    "pad_adjoint",
    _pad_adjoint_forward,
    [_pad_adjoint_vjp],
    save_inputs=False,
    rules=["x̄ = pad(ḡ) (pad and its adjoint are each other's VJPs)"],
    math="y = padᵀ(x): the centre of x plus each padded entry added onto its source",
    jvp="linear",
)

# ---------------------------------------------------------------- sliding windows

Ints = tuple[int, ...]


def _window_index(ndim: int, axes: Ints, step: Ints, dilation: Ints) -> tuple[slice, ...]:
    index = [slice(None)] * (ndim + len(axes))
    for i, (a, s, d) in enumerate(zip(axes, step, dilation)):
        index[a] = slice(None, None, s)
        index[ndim + i] = slice(None, None, d)
    return tuple(index)


def _windows_forward(x: Any, axes: Ints = (), size: Ints = (), step: Ints = (), dilation: Ints = ()) -> Any:
    x = np.asarray(x)
    span = tuple((k - 1) * d + 1 for k, d in zip(size, dilation))
    view = np.lib.stride_tricks.sliding_window_view(x, span, axis=axes)
    return view[_window_index(x.ndim, axes, step, dilation)]


def _fold_forward(
    g: Any,
    shape: Ints = (),
    axes: Ints = (),
    size: Ints = (),
    step: Ints = (),
    dilation: Ints = (),
) -> Any:
    g = np.asarray(g)
    out = np.zeros(shape, dtype=g.dtype)
    ndim = len(shape)
    counts = [g.shape[a] for a in axes]  # windows along each axis
    for offset in itertools.product(*(range(k) for k in size)):  # offsets inside a window
        index: list[Any] = [slice(None)] * ndim
        for a, o, n, s, d in zip(axes, offset, counts, step, dilation):
            index[a] = slice(o * d, o * d + s * (n - 1) + 1, s)
        window_entry = (Ellipsis, *offset)  # this offset in every window
        out[tuple(index)] += g[window_entry]
    return out


def _windows_vjp(g: Any, ans: Any, x: Any, **params: Any) -> Any:
    return fold_windows(g, shape=shape_of(x), **params)


def _fold_vjp(g: Any, ans: Any, x: Any, shape: Ints = (), **params: Any) -> Any:
    return sliding_window(g, **params)


sliding_window: Op = Op(
    "sliding_window",
    _windows_forward,
    [_windows_vjp],
    save_inputs=False,
    rules=["x̄ = fold_windows(ḡ): each window of ḡ added back at its place (overlaps add up)"],
    math="y[..., i, ..., k] = x[..., i·step + k·dilation, ...] (windows along the axes, "
    "window positions appended last)",
    hint="Each window (with its dilation) must fit in its axis.",
    view=True,
    jvp="linear",
)

fold_windows: Op = Op(
    "fold_windows",
    _fold_forward,
    [_fold_vjp],
    save_inputs=False,
    rules=["x̄ = sliding_window(ḡ) (the windows and their fold are each other's VJPs)"],
    math="y = zeros(shape) with each window of x added at its place",
    jvp="linear",
)
