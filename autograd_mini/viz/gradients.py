"""Gradients for the picture: of every tensor, and flowing along every edge.

Leaves show their real ``.grad``. Intermediate tensors and edges get theirs from
:func:`~autograd_mini.autograd.trace_backward`, which replays the backward pass without
touching any ``.grad`` (it works even after ``backward()`` freed the graph). Gradients
are shown only once a backward pass has run: some leaf holds a ``.grad`` or some node of
the graph was freed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import trace_backward
from ..ops.shape import sum_to
from ..tensor import Tensor
from .graph import GraphModel


def backward_has_run(model: GraphModel) -> bool:
    """True when the graph shows signs of a ``backward()``: leaf grads or freed nodes."""
    for v in model.vertices.values():
        t = v.tensor
        if v.kind == "tensor" and v.node is None and t is not None and t.grad is not None:
            return True
    return any(node.freed for node in model.order)


def attach_gradients(model: GraphModel, root: Tensor, gradient: Any = None) -> bool:
    """Fill ``grad`` on tensor vertices and edges; False when there is nothing to show.

    The backward pass is replayed from ``root`` seeded with ones (scalar roots) or with
    ``gradient``; for a non-scalar root without ``gradient`` only leaf ``.grad`` is shown.
    """
    if not backward_has_run(model):
        return False
    for v in model.vertices.values():
        if v.kind == "tensor" and v.node is None and v.tensor is not None:
            v.has_grad = v.tensor.grad is not None
            v.grad = v.tensor.grad._data if v.tensor.grad is not None else None
    if root.grad_fn is None or (gradient is None and root._data.size != 1):
        return True
    upstream: dict[int, Any] = {}
    inputs: dict[int, list[Any]] = {}
    for node, grad, input_grads in trace_backward(root, gradient):
        upstream[id(node)] = grad
        inputs[id(node)] = input_grads
    for v in model.vertices.values():
        if v.kind == "tensor" and v.node is not None:
            v.grad = upstream.get(id(v.node))
            v.has_grad = v.grad is not None
    for e in model.edges:
        if not e.carries_grad:
            continue
        key = id(e.node)
        if e.index < 0:
            e.grad = upstream.get(key)
            continue
        grads = inputs.get(key)
        g = grads[e.index] if grads and e.index < len(grads) else None
        x = e.node.inputs[e.index]
        if g is not None and np.shape(g) != x.shape:
            g = sum_to(np.asarray(g), shape=x.shape)  # undo broadcasting, as the engine does
        e.grad = g
    return True


def grad_norm(g: Any) -> float | None:
    """The 2-norm of a gradient (``inf``/``nan`` when it holds non-finite values)."""
    if g is None:
        return None
    a = np.asarray(g, dtype=np.float64)
    with np.errstate(all="ignore"):
        if not np.all(np.isfinite(a)):
            return float("nan") if np.any(np.isnan(a)) else float("inf")
        scale = float(np.max(np.abs(a))) if a.size else 0.0
        if scale == 0.0:
            return 0.0
        return scale * float(np.linalg.norm(a / scale))  # scaled: no overflow for huge values
