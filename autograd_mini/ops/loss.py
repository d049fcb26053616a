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

from typing import Any

import numpy as np

from .reduction import softmax, sum_
from .registry import Op, dtype_of


def _softmax_cross_entropy_forward(z: Any, labels: Any, reduction: str = "mean") -> Any:
    # mean over rows of logsumexp(z) - z[label], stable: shift each row by its max
    z = np.asarray(z)
    rows = np.arange(z.shape[0])
    shifted = z - z.max(axis=1, keepdims=True)
    losses = np.log(np.exp(shifted).sum(axis=1)) - shifted[rows, labels]
    return losses.mean() if reduction == "mean" else losses.sum()


def _softmax_cross_entropy_vjp(g: Any, ans: Any, z: Any, labels: Any, reduction: str = "mean") -> Any:
    if z.__class__ is np.ndarray:  # first order: the same numbers with fewer temporaries
        m = z.max(axis=1, keepdims=True)
        if np.isfinite(m).all():  # else the softmax op's shift handles rows of -inf
            e = np.exp(z - m)
            p = e / e.sum(axis=1, keepdims=True)  # softmax(z), as the softmax op computes it
            p[np.arange(z.shape[0]), labels] -= 1.0  # - onehot(labels), in place
            scaled = g * (1.0 / z.shape[0] if reduction == "mean" else 1.0)
            return np.multiply(p, scaled, out=p) if np.result_type(p, scaled) == p.dtype else p * scaled
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
)
