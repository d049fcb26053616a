"""Fused losses: ops whose forward and VJP are one natural unit.

``softmax_cross_entropy`` is log-softmax, picking the target's entry and averaging, as
one op: its VJP is the famous ``softmax(z) - onehot(y)``, computed without the
intermediate graph of the composed version. Written with ops, it serves create_graph.

It is the fast path of ``nn.functional.cross_entropy`` for the common case: (N, C)
logits, integer labels, no class weight, no ignored label, no label smoothing. Every
other case (K-dimensional inputs, weights, ``ignore_index``, smoothing, probability
targets) is composed there from ``log_softmax``, indexing and sums, so its first and
higher derivatives come from those ops' rules.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .reduction import softmax, sum_
from .registry import Op, dtype_of


def _softmax_cross_entropy_parts(z: Any, labels: Any, reduction: str) -> tuple[Any, Any, Any]:
    """The loss, the exponentials e = exp(z - max z) and their sums, classes × batch.

    The work runs on a (C, N) copy of the logits: every reduction over the classes then
    runs down C rows, vectorised over the batch, instead of N tiny reductions of C values
    (for 10 classes that is about ten times faster). Each row is shifted by its maximum,
    so exp never overflows: loss_n = log Σ_c e_cn - (z_{n,label} - max_n).
    """
    z = np.asarray(z)
    if z.ndim != 2:
        raise ValueError(f"the logits must be 2-D (N, C), got shape {z.shape}")
    n, c = z.shape
    labels = np.asarray(labels)
    if labels.dtype != np.intp:
        labels = labels.astype(np.intp)
    # every label in [0, C): read as unsigned, a negative one is huge (one reduction; this
    # is also the check a compiled step's replay makes)
    if labels.shape != (n,) or (n and np.maximum.reduce(labels.view(np.uintp)) >= c):
        raise IndexError(
            f"the labels must be {n} class indices in [0, {c}), got shape {labels.shape}"
            + (f" and values in [{labels.min()}, {labels.max()}]" if labels.size else "")
        )
    e = z.T.copy()  # (C, N), C-contiguous, private: shifted and exponentiated in place
    m = e.max(axis=0)
    np.subtract(e, m, out=e)
    picked = e[labels, np.arange(n)]
    np.exp(e, out=e)
    total = np.add.reduce(e, 0)
    loss = np.add.reduce(np.log(total) - picked)
    return (loss / n if reduction == "mean" else loss), e, total


def _softmax_cross_entropy_forward(z: Any, labels: Any, reduction: str = "mean") -> Any:
    # mean over rows of logsumexp(z) - z[label], stable: shift each row by its max
    return _softmax_cross_entropy_parts(z, labels, reduction)[0]


def _softmax_cross_entropy_saving(z: Any, labels: Any, reduction: str = "mean") -> tuple[Any, Any]:
    """The forward, saving softmax(z) (classes × batch) for the VJP: (loss, residual)."""
    loss, e, total = _softmax_cross_entropy_parts(z, labels, reduction)
    if not math.isfinite(loss):  # a row whose max is ±inf (or nan) among others: the VJP
        return loss, None  # recomputes through the softmax op
    return loss, np.divide(e, total, out=e)  # softmax(z)ᵀ, in place of the exponentials


def _softmax_cross_entropy_vjp(g: Any, ans: Any, z: Any, labels: Any, reduction: str = "mean") -> Any:
    if ans is not None and ans.__class__ is np.ndarray:  # first order: softmax(z)ᵀ saved by the forward
        out = ans.copy()  # the saved softmax stays intact for another backward (retain_graph)
        out[labels, np.arange(out.shape[1])] -= 1.0  # - onehot(labels)
        scaled = g * (1.0 / out.shape[1] if reduction == "mean" else 1.0)
        if np.result_type(out, scaled) == out.dtype:
            np.multiply(out, scaled, out=out)
        else:
            out = out * scaled
        return out.T  # (N, C): a transposed view of the fresh array
    shape = np.shape(getattr(z, "_data", z))
    onehot = np.zeros(shape, dtype=dtype_of(z))
    onehot[np.arange(shape[0]), labels] = 1.0
    scale = 1.0 / shape[0] if reduction == "mean" else 1.0
    return (softmax(z, axis=-1) - onehot) * (g * scale)


def _softmax_cross_entropy_jvp(
    tangents: list[Any], ans: Any, z: Any, labels: Any, reduction: str = "mean"
) -> Any:
    """L̇ = Σ (softmax(z) - onehot(labels)) ⊙ ż / N (N for the mean)"""
    shape = np.shape(getattr(z, "_data", z))
    onehot = np.zeros(shape, dtype=dtype_of(z))
    onehot[np.arange(shape[0]), labels] = 1.0
    scale = 1.0 / shape[0] if reduction == "mean" else 1.0
    return sum_((softmax(z, axis=-1) - onehot) * tangents[0]) * scale


softmax_cross_entropy: Op = Op(
    "softmax_cross_entropy",
    _softmax_cross_entropy_forward,
    [_softmax_cross_entropy_vjp, None],
    rules=["z̄ = ḡ · (softmax(z) - onehot(labels)) / N (N for the mean)", "(labels: no gradient)"],
    hint="z must be (N, C) logits and labels N integers in [0, C).",
    math="L = mean_n (log Σ_c e^{z_nc} - z_{n,labelₙ})",
    jvp=_softmax_cross_entropy_jvp,
    forward_saving=_softmax_cross_entropy_saving,
)
