"""Broadcasting undone: ``sum_to`` and ``broadcast_to``, each the other's VJP.

The engine sums every gradient down to its input's shape with ``sum_to`` (on arrays in
first-order backward, recorded on Tensors with ``create_graph=True``), so rules can be
written as if shapes matched. The two ops are also in the op table and public
(``am.broadcast_to``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .op import Op


def shape_of(x: Any) -> tuple[int, ...]:
    """The shape of a Tensor, an array or a number."""
    return np.shape(getattr(x, "_data", x))


def _broadcast_to_forward(x: Any, shape: tuple[int, ...] = ()) -> Any:
    return np.broadcast_to(x, shape)


broadcast_to: Op = Op(
    "broadcast_to",
    _broadcast_to_forward,
    [lambda g, ans, x, shape=(): sum_to(g, shape=shape_of(x))],
    save_inputs=False,
    rules=["x̄ = sum of ḡ over the broadcast axes"],
    hint="Each axis of x must be 1 or equal the target axis (aligned from the right).",
    view=True,
    math="y = x repeated along broadcast axes",
    jvp="linear",
)


def _sum_to_forward(x: Any, shape: tuple[int, ...] = ()) -> Any:
    x = np.asarray(x)
    if x.shape == tuple(shape):
        return x
    lead = x.ndim - len(shape)
    if lead > 0 and x.shape[lead:] == tuple(shape):  # only leading axes to sum (biases)
        return x.sum(axis=tuple(range(lead)))
    if lead < 0:
        raise ValueError(f"cannot sum shape {x.shape} down to the larger shape {tuple(shape)}")
    axes = list(range(lead))
    for i, n in enumerate(shape):
        if n == 1 and x.shape[lead + i] != 1:
            axes.append(lead + i)
        elif n != x.shape[lead + i]:
            raise ValueError(f"cannot sum shape {x.shape} down to shape {tuple(shape)}")
    out = np.sum(x, axis=tuple(axes), keepdims=True)
    return out.reshape(shape) if lead else out


sum_to: Op = Op(
    "sum_to",
    _sum_to_forward,
    [lambda g, ans, x, shape=(): broadcast_to(g, shape=shape_of(x))],
    save_inputs=False,
    rules=["x̄ = broadcast_to(ḡ, x.shape)"],
    view=True,  # to the same shape it returns the input array itself,
    math="y = x summed down to a shape (undoes broadcasting)",
    jvp="linear",
)
