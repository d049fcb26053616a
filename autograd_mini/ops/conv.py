"""Convolution as three fused ops that are each other's VJPs: ``conv``, ``conv_transpose``, ``conv_weight``.

For an input x of shape (N, C, *S) (S: one or two spatial sizes), a weight w of shape
(O, C/groups, *K) and zero padding (lo, hi) per spatial axis, stride s and dilation d,

    conv(x, w)[n, o, p] = Σ_c Σ_k x_pad[n, c, p·s + k·d] · w[o, c, k]      (+ b[o])

(a cross-correlation, as in PyTorch; c runs over the channels of o's group). The three
ops are the three faces of one trilinear form T(x, w, ḡ) = ⟨conv(x, w), ḡ⟩:

- ``conv(x, w)`` = ∂T/∂ḡ, the layer's forward;
- ``conv_transpose(ḡ, w)`` = ∂T/∂x: each ḡ[n, o, p]·w[o, c, k] added back at x_pad[n, c,
  p·s + k·d], then the padding cropped (PyTorch's ``conv_transpose2d``, which is also the
  forward of ``nn.ConvTranspose2d``);
- ``conv_weight(x, ḡ)`` = ∂T/∂w: the correlation of the input with the upstream
  gradient, w̄[o, c, k] = Σ_n Σ_p x_pad[n, c, p·s + k·d] · ḡ[n, o, p].

So each op's VJPs are the other two (like ``sum_to`` and ``broadcast_to``), written with
the ops themselves: second- and higher-order gradients work, and each op is bilinear
(the bias, an extra input of ``conv`` and ``conv_transpose``, makes them affine: their
forward-mode rules are written out, three terms each).

The forwards are NumPy only, with no Python loop over positions: the padded input's
windows are a strided view (``sliding_window_view``, stepped by the stride and the
dilation), and one batched matmul contracts them with the weight (the window copy made
by the matmul is im2col). ``conv_transpose`` runs the other way: one batched matmul of
the weight with ḡ gives every window's contribution, and one strided slice-add per
kernel offset (9 for a 3×3 kernel, never one per position) adds them back at their
places (col2im), in a channels-last layout when the maps are small.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.broadcasting import shape_of
from .registry import Op

Ints = tuple[int, ...]
Pads = tuple[tuple[int, int], ...]

# ---------------------------------------------------------------- NumPy kernels


def _pad(x: np.ndarray, padding: Pads, value: float = 0.0) -> np.ndarray:
    """``x`` padded along its spatial axes (2, 3, ...) with ``value`` (np.pad, without its
    per-call overhead)."""
    if not any(lo or hi for lo, hi in padding):
        return x
    shape = (*x.shape[:2], *(s + lo + hi for s, (lo, hi) in zip(x.shape[2:], padding)))
    out = np.full(shape, value, dtype=x.dtype) if value else np.zeros(shape, dtype=x.dtype)
    centre = (slice(None), slice(None), *(slice(lo, lo + s) for s, (lo, _) in zip(x.shape[2:], padding)))
    out[centre] = x
    return out


def _windows(xp: np.ndarray, size: Ints, stride: Ints, dilation: Ints) -> np.ndarray:
    """The windows of the padded input: a view of shape (N, C, *P, *K), no copy."""
    n = len(size)
    axes = tuple(range(2, 2 + n))
    span = tuple((k - 1) * d + 1 for k, d in zip(size, dilation))
    view = np.lib.stride_tricks.sliding_window_view(xp, span, axis=axes)
    index = (
        slice(None),
        slice(None),
        *(slice(None, None, s) for s in stride),
        *(slice(None, None, d) for d in dilation),
    )
    return view[index]


def _conv_forward(
    x: Any,
    w: Any,
    b: Any = None,
    stride: Ints = (1,),
    padding: Pads = ((0, 0),),
    dilation: Ints = (1,),
    groups: int = 1,
) -> np.ndarray:
    x, w = np.asarray(x), np.asarray(w)
    n = w.ndim - 2
    if x.ndim != n + 2:
        raise ValueError(f"the input must have {n + 2} axes (N, C, *spatial), got shape {x.shape}")
    size = w.shape[2:]
    big_n, c = x.shape[:2]
    o = w.shape[0]
    cg, og = c // groups, o // groups
    if cg * groups != c or w.shape[1] != cg or og * groups != o:
        raise ValueError(
            f"weight of shape {w.shape} does not fit an input with {c} channels in {groups} "
            f"group(s): it must be (out_channels, in_channels/groups, *kernel) with both "
            f"channel counts divisible by groups"
        )
    win = _windows(_pad(x, padding), size, stride, dilation)  # (N, C, *P, *K)
    p = win.shape[2 : 2 + n]
    if 0 in p:
        raise ValueError(f"the kernel (with its dilation) does not fit the padded input of shape {x.shape}")
    kk, pp = int(np.prod(size)), int(np.prod(p))
    # (N, G, Cg, *P, *K) -> (N, G, Cg, *K, *P) -> (N, G, Cg·K, P): the im2col copy
    order = (0, 1, 2, *range(3 + n, 3 + 2 * n), *range(3, 3 + n))
    cols = win.reshape(big_n, groups, cg, *p, *size).transpose(order).reshape(big_n, groups, cg * kk, pp)
    out = np.matmul(w.reshape(groups, og, cg * kk), cols)  # (N, G, Og, P)
    out = out.reshape(big_n, o, *p)
    if b is not None:
        out += np.asarray(b).reshape(o, *(1,) * n)
    return out


def _conv_transpose_forward(
    g: Any,
    w: Any,
    b: Any = None,
    stride: Ints = (1,),
    padding: Pads = ((0, 0),),
    dilation: Ints = (1,),
    groups: int = 1,
    shape: Ints = (),
) -> np.ndarray:
    g, w = np.asarray(g), np.asarray(w)
    n = w.ndim - 2
    if g.ndim != n + 2 or g.shape[1] != w.shape[0]:
        raise ValueError(
            f"conv_transpose: the input must be (N, {w.shape[0]}, *spatial) for a weight of "
            f"shape {w.shape} (in_channels, out_channels/groups, *kernel), got {g.shape}"
        )
    size = w.shape[2:]
    o, cg = w.shape[0], w.shape[1]
    og = o // groups
    if og * groups != o:
        raise ValueError(f"the weight's first axis ({o}) is not divisible by groups={groups}")
    p = g.shape[2:]
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(shape, padding))
    for q, length, k, d, s in zip(p, padded, size, dilation, stride):
        if length < (q - 1) * s + (k - 1) * d + 1:
            raise ValueError(
                f"the output size {shape} (padded {padded}) is too small for an input of shape "
                f"{g.shape} and a kernel {size} with dilation {dilation} and stride {stride}"
            )
    big_n = g.shape[0]
    kk, pp = int(np.prod(size)), int(np.prod(p))
    if p[-1] >= 16:  # wide maps: fold in (N, C, *S), each slice-add runs along the rows
        # one batched matmul gives every window's contribution: (N, G, Cg·K, P) ...
        cols = np.matmul(w.reshape(groups, og, cg * kk).transpose(0, 2, 1), g.reshape(big_n, groups, og, pp))
        cols = cols.reshape(big_n, groups * cg, *size, *p)
        # ... added back at its place, one strided slice-add per kernel offset (col2im)
        out = np.zeros((big_n, groups * cg, *padded), dtype=cols.dtype)
        for k in np.ndindex(*size):
            at = tuple(slice(i * d, i * d + s * (q - 1) + 1, s) for i, d, s, q in zip(k, dilation, stride, p))
            dst = (slice(None), slice(None), *at)
            src = (slice(None), slice(None), *k)
            out[dst] += cols[src]
        centre = tuple(slice(lo, lo + s) for s, (lo, _) in zip(shape, padding))
        index = (slice(None), slice(None), *centre)
        result = np.ascontiguousarray(out[index])
    else:  # small maps (the digits' 4×4): fold channels-last, (*S, N, C), so that each
        # slice-add runs along N·C values instead of a few pixels
        gt = g.reshape(big_n, groups, og, pp).transpose(1, 3, 0, 2).reshape(groups, pp * big_n, og)
        wk = w.reshape(groups, og, cg, kk).transpose(0, 1, 3, 2).reshape(groups, og, kk * cg)
        cols = np.matmul(gt, wk).reshape(groups, *p, big_n, *size, cg)  # (G, *P, N, *K, Cg)
        out = np.zeros((*padded, big_n, groups, cg), dtype=cols.dtype)
        for k in np.ndindex(*size):
            at = tuple(slice(i * d, i * d + s * (q - 1) + 1, s) for i, d, s, q in zip(k, dilation, stride, p))
            index = (*(slice(None),) * (n + 2), *k)
            block = cols[index]  # (G, *P, N, Cg)
            out[at] += np.moveaxis(block, 0, -2)
        centre = tuple(slice(lo, lo + s) for s, (lo, _) in zip(shape, padding))
        flat = out[centre].reshape(*shape, big_n, groups * cg)
        result = np.ascontiguousarray(np.moveaxis(flat, (n, n + 1), (0, 1)))
    if b is not None:
        result += np.asarray(b).reshape(-1, *(1,) * n)
    return result


def _conv_weight_forward(
    x: Any,
    g: Any,
    stride: Ints = (1,),
    padding: Pads = ((0, 0),),
    dilation: Ints = (1,),
    groups: int = 1,
    size: Ints = (),
) -> np.ndarray:
    x, g = np.asarray(x), np.asarray(g)
    n = len(size)
    big_n, c = x.shape[:2]
    o = g.shape[1]
    cg, og = c // groups, o // groups
    win = _windows(_pad(x, padding), size, stride, dilation)  # (N, C, *P', *K)
    p = g.shape[2:]
    first = tuple(slice(0, q) for q in p)
    index = (slice(None), slice(None), *first)
    win = win[index]  # P' > P only with output padding
    kk, pp = int(np.prod(size)), int(np.prod(p))
    # (N, G, Cg, *P, *K) -> (G, N, *P, Cg, *K) -> (G, N·P, Cg·K)
    order = (1, 0, *range(3, 3 + n), 2, *range(3 + n, 3 + 2 * n))
    cols = win.reshape(big_n, groups, cg, *p, *size).transpose(order).reshape(groups, big_n * pp, cg * kk)
    gg = g.reshape(big_n, groups, og, pp).transpose(1, 2, 0, 3).reshape(groups, og, big_n * pp)
    return np.matmul(gg, cols).reshape(o, cg, *size)


# ---------------------------------------------------------------- the rules


def _spatial(x: Any) -> Ints:
    return tuple(shape_of(x)[2:])


def _crop_to(y: Any, p: Ints) -> Any:
    """``y`` cut to spatial size ``p`` (only an output padding ≥ stride makes it bigger)."""
    if _spatial(y) == tuple(p):
        return y
    first = tuple(slice(0, q) for q in p)
    index = (slice(None), slice(None), *first)
    return y[index]


def _channel_sum(g: Any) -> Any:
    return g.sum(axis=(0, *range(2, len(shape_of(g)))))


def _conv_vjp_x(g: Any, ans: Any, x: Any, w: Any, b: Any, **p: Any) -> Any:
    return conv_transpose(g, w, None, shape=_spatial(x), **p)


def _conv_vjp_w(g: Any, ans: Any, x: Any, w: Any, b: Any, **p: Any) -> Any:
    return conv_weight(x, g, size=tuple(shape_of(w)[2:]), **p)


def _conv_vjp_b(g: Any, ans: Any, x: Any, w: Any, b: Any, **p: Any) -> Any:
    return _channel_sum(g)


def _with_bias(out: Any, tb: Any, n: int) -> Any:
    bias = tb.reshape((-1,) + (1,) * n)
    return bias if out is None else out + bias


def _conv_jvp(tangents: list[Any], ans: Any, x: Any, w: Any, b: Any, **p: Any) -> Any:
    """ẏ = conv(ẋ, w) + conv(x, ẇ) + ḃ[o] (bilinear in x and w, linear in b)"""
    tx, tw, tb = tangents
    out = None
    if tx is not None:
        out = conv(tx, w, None, **p)
    if tw is not None:
        term = conv(x, tw, None, **p)
        out = term if out is None else out + term
    if tb is not None:
        out = _with_bias(out, tb, len(shape_of(w)) - 2)
    return out


conv: Op = Op(
    "conv",
    _conv_forward,
    [_conv_vjp_x, _conv_vjp_w, _conv_vjp_b],
    rules=[
        "x̄ = conv_transpose(ḡ, w): each ḡ[n, o, p]·w[o, c, k] added back at x[n, c, p·s + k·d]",
        "w̄ = conv_weight(x, ḡ): w̄[o, c, k] = Σₙ Σₚ x[n, c, p·s + k·d] ḡ[n, o, p] "
        "(the input correlated with ḡ)",
        "b̄ = Σ over batch and positions of ḡ",
    ],
    math="y[n, o, p] = Σ_c Σ_k x_pad[n, c, p·s + k·d] w[o, c, k] + b[o]",
    doc="N-d convolution (cross-correlation, PyTorch's conv1d/conv2d) with zero padding, "
    "stride, dilation and groups.",
    hint="Shapes: input (N, C, *spatial), weight (out_channels, C/groups, *kernel), bias (out_channels,).",
    jvp=_conv_jvp,
)


def _conv_transpose_vjp_g(g: Any, ans: Any, x: Any, w: Any, b: Any, shape: Ints = (), **p: Any) -> Any:
    return _crop_to(conv(g, w, None, **p), _spatial(x))


def _conv_transpose_vjp_w(g: Any, ans: Any, x: Any, w: Any, b: Any, shape: Ints = (), **p: Any) -> Any:
    return conv_weight(g, x, size=tuple(shape_of(w)[2:]), **p)


def _conv_transpose_vjp_b(g: Any, ans: Any, x: Any, w: Any, b: Any, shape: Ints = (), **p: Any) -> Any:
    return _channel_sum(g)


def _conv_transpose_jvp(tangents: list[Any], ans: Any, x: Any, w: Any, b: Any, **p: Any) -> Any:
    """ẏ = conv_transpose(ẋ, w) + conv_transpose(x, ẇ) + ḃ[c] (bilinear in x and w, linear in b)"""
    tx, tw, tb = tangents
    out = None
    if tx is not None:
        out = conv_transpose(tx, w, None, **p)
    if tw is not None:
        term = conv_transpose(x, tw, None, **p)
        out = term if out is None else out + term
    if tb is not None:
        out = _with_bias(out, tb, len(shape_of(w)) - 2)
    return out


conv_transpose: Op = Op(
    "conv_transpose",
    _conv_transpose_forward,
    [_conv_transpose_vjp_g, _conv_transpose_vjp_w, _conv_transpose_vjp_b],
    rules=[
        "x̄ = conv(ḡ, w) (the convolution is the transposed convolution's adjoint)",
        "w̄ = conv_weight(ḡ, x): w̄[o, c, k] = Σₙ Σₚ ḡ[n, c, p·s + k·d] x[n, o, p]",
        "b̄ = Σ over batch and positions of ḡ",
    ],
    math="y[n, c, p·s + k·d] += Σ_o x[n, o, p] w[o, c, k], padding cropped, + b[c]",
    doc="Transposed convolution (PyTorch's conv_transpose1d/2d): the adjoint of conv in its "
    "input, with an output size.",
    hint="Shapes: input (N, in_channels, *spatial), weight (in_channels, out_channels/groups, *kernel).",
    jvp=_conv_transpose_jvp,
)


def _conv_weight_vjp_x(g: Any, ans: Any, x: Any, gy: Any, size: Ints = (), **p: Any) -> Any:
    return conv_transpose(gy, g, None, shape=_spatial(x), **p)


def _conv_weight_vjp_g(g: Any, ans: Any, x: Any, gy: Any, size: Ints = (), **p: Any) -> Any:
    return _crop_to(conv(x, g, None, **p), _spatial(gy))


conv_weight: Op = Op(
    "conv_weight",
    _conv_weight_forward,
    [_conv_weight_vjp_x, _conv_weight_vjp_g],
    rules=[
        "x̄ = conv_transpose(y, ḡ) (y: the second input, ḡ in the weight's place)",
        "ȳ = conv(x, ḡ) (ḡ in the weight's place)",
    ],
    math="w[o, c, k] = Σₙ Σₚ x_pad[n, c, p·s + k·d] y[n, o, p]",
    doc="The convolution's weight gradient: the input correlated with the upstream gradient.",
    jvp="bilinear",
)
