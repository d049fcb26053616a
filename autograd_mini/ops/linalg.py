"""Linear algebra: ``matmul`` on 1-D, 2-D and batched N-D operands with broadcasting.

For 2-D operands ``Y = X W``: ``X̄ = Ȳ Wᵀ`` and ``W̄ = Xᵀ Ȳ``. 1-D operands are treated
as NumPy does (a vector on the left is a row, on the right a column, and the added axis
is removed again); batch axes broadcast, and the engine sums the gradient over the
broadcast batch axes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .registry import Op, value_of
from .shape import expand_dims, squeeze, transpose


def _swap_last(a: Any) -> Any:
    axes = list(range(np.ndim(value_of(a))))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return transpose(a, axes=tuple(axes))


def _matmul_forward(x: Any, y: Any) -> Any:
    # Messages without the op's name: apply_op prefixes "matmul: " and the input shapes.
    x = np.asarray(x)
    y = np.asarray(y)
    if x.ndim == 0 or y.ndim == 0:
        raise ValueError("both operands need at least 1 dimension. Fix: use * to multiply by a scalar.")
    inner_x = x.shape[-1]
    inner_y = y.shape[0] if y.ndim == 1 else y.shape[-2]
    if inner_x != inner_y:
        raise ValueError(
            f"shapes {x.shape} and {y.shape} are not aligned: the last axis of the first "
            f"({inner_x}) must equal "
            f"the {'only' if y.ndim == 1 else 'second-to-last'} axis of the second "
            f"({inner_y}). Fix: transpose one operand (e.g. w.T) or reshape it."
        )
    return np.matmul(x, y)


def _matmul_vjp_x(g: Any, ans: Any, x: Any, y: Any) -> Any:
    nx, ny = np.ndim(value_of(x)), np.ndim(value_of(y))
    if nx == 1 and ny == 1:  # inner product: out = Σ x y
        return g * y
    if ny == 1:  # (..., m, n) @ (n,) -> (..., m)
        return expand_dims(g, axis=-1) * y
    if nx == 1:  # (n,) @ (..., n, m) -> (..., m)
        return squeeze(y @ expand_dims(g, axis=-1), axis=-1)
    return g @ _swap_last(y)


def _matmul_vjp_y(g: Any, ans: Any, x: Any, y: Any) -> Any:
    nx, ny = np.ndim(value_of(x)), np.ndim(value_of(y))
    if nx == 1 and ny == 1:
        return g * x
    if ny == 1:  # (..., m, n) @ (n,) -> (..., m)
        return squeeze(_swap_last(x) @ expand_dims(g, axis=-1), axis=-1)
    if nx == 1:  # (n,) @ (..., n, m) -> (..., m)
        return expand_dims(x, axis=-1) * expand_dims(g, axis=-2)
    return _swap_last(x) @ g


matmul: Op = Op(
    "matmul",
    _matmul_forward,
    [_matmul_vjp_x, _matmul_vjp_y],
    rules=["X̄ = Ȳ Wᵀ", "W̄ = Xᵀ Ȳ"],
    math="Y = X W",
    jvp="bilinear",
)


# ---------------------------------------------------------------- fused linear layer


def _linear_forward(x: Any, w: Any, b: Any = None) -> Any:
    out = np.matmul(x, np.asarray(w).T)
    if b is not None:
        out += b  # out is a fresh array: adding in place saves a temporary
    return out


def _linear_vjp_w(g: Any, ans: Any, x: Any, w: Any, b: Any) -> Any:
    # W̄ = Σ over all batch axes of ḡᵀ x: flatten the batch axes, then one matmul
    # (.reshape, .T, .sum and @ work alike on arrays and Tensors: this serves create_graph)
    if g.ndim == 2:
        return g.T @ x
    return g.reshape(-1, g.shape[-1]).T @ x.reshape(-1, x.shape[-1])


def _linear_vjp_b(g: Any, ans: Any, x: Any, w: Any, b: Any) -> Any:
    # b̄ = ḡ summed over the batch axes, here rather than by the engine's sum_to
    if g.__class__ is np.ndarray and g.ndim == 2:
        return np.add.reduce(g, 0)  # what g.sum(axis=0) calls, without its Python wrapper
    return g.sum(axis=0) if g.ndim == 2 else g.reshape(-1, g.shape[-1]).sum(axis=0)


def _linear_jvp(tangents: list[Any], ans: Any, x: Any, w: Any, b: Any) -> Any:
    """Ẏ = Ẋ Wᵀ + X Ẇᵀ + ḃ"""
    # bilinear in (x, w) plus the bias: the op itself with one tangent at a time, no bias
    tx, tw, tb = tangents
    total = None if tx is None else linear(tx, w, None)
    if tw is not None:
        term = linear(x, tw, None)
        total = term if total is None else total + term
    if tb is not None:
        total = tb if total is None else total + tb
    return total


linear: Op = Op(
    "linear",
    _linear_forward,
    [lambda g, ans, x, w, b: g @ w, _linear_vjp_w, _linear_vjp_b],
    rules=["x̄ = ḡ W", "W̄ = ḡᵀ x (summed over batch axes)", "b̄ = ḡ (summed over batch axes)"],
    hint="The input's last axis must equal in_features, the weight's second axis.",
    math="Y = X Wᵀ + b",
    jvp=_linear_jvp,
)
