"""Gradient clipping and flat parameter vectors (PyTorch's ``torch.nn.utils``).

>>> import numpy as np
>>> from autograd_mini import nn
>>> layer = nn.Linear(3, 2, seed=0)
>>> layer.weight.grad = nn.Parameter(np.full((2, 3), 4.0), requires_grad=False)
>>> float(nn.utils.clip_grad_norm_(layer.parameters(), max_norm=1.0))  # the norm before clipping
9.797958971132712
>>> round(float(np.linalg.norm(layer.weight.grad.data)), 4)
1.0
>>> nn.utils.parameters_to_vector(layer.parameters()).shape
(8,)
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..ops import api as ops
from ..tensor import Tensor, record_call

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters"]


def _tensors(parameters: Any, who: str) -> list[Tensor]:
    items = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    for p in items:
        if not isinstance(p, Tensor):
            raise TypeError(f"{who}: expected a Tensor or an iterable of Tensors, got {type(p).__name__}")
    return items


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float | str = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Scale the gradients so that their joint norm is at most ``max_norm``; returns the norm before.

    The joint norm is the ``norm_type`` norm of all gradients as one vector (``"inf"``: the
    largest absolute value). Each gradient is multiplied by min(1, max_norm/(norm + 1e-6)),
    PyTorch's rule. Parameters without a gradient are skipped. With
    ``error_if_nonfinite=True`` a nan or infinite norm raises instead.
    """
    who = "clip_grad_norm_"
    grads = [p.grad for p in _tensors(parameters, who) if p.grad is not None]
    if not grads:
        return Tensor._wrap(np.array(0.0))
    arrays = tuple(g._data for g in grads)
    params: dict[str, Any] = {
        "max_norm": max_norm, "norm_type": norm_type, "error_if_nonfinite": error_if_nonfinite
    }
    results = _clip_norm(*arrays, **params)
    record_call(who, _clip_norm, arrays, params, results)  # a compiled step clips on every replay
    for g, new in zip(grads, results):
        g.data = new
    return Tensor._wrap(results[-1])


def _clip_norm(
    *grads: np.ndarray, max_norm: float, norm_type: float | str, error_if_nonfinite: bool
) -> tuple[np.ndarray, ...]:
    """The clipped gradients, then the total norm (a 0-d array): clip_grad_norm_ on arrays."""
    p_norm = float(norm_type)
    if math.isinf(p_norm):
        total = max(float(np.max(np.abs(g))) if g.size else 0.0 for g in grads)
    else:
        per = [float(np.sum(np.abs(g.astype(np.float64)) ** p_norm)) for g in grads]
        total = float(sum(per) ** (1.0 / p_norm))
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is {total}, "
            f"so they cannot be clipped; pass error_if_nonfinite=False to scale them anyway"
        )
    coef = min(1.0, float(max_norm) / (total + 1e-6))
    clipped = tuple((g * coef).astype(g.dtype) for g in grads)
    return (*clipped, np.array(total, dtype=grads[0].dtype))


def clip_grad_value_(
    parameters: Tensor | Iterable[Tensor], clip_value: float, foreach: bool | None = None
) -> None:
    """Clip every gradient entry into [-clip_value, clip_value] (in place)."""
    v = float(clip_value)
    for p in _tensors(parameters, "clip_grad_value_"):
        if p.grad is not None:
            old = p.grad._data
            p.grad.data = np.clip(old, -v, v)
            record_call("clip_grad_value_", np.clip, (old, -v, v), None, (p.grad._data,))


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and joined into one 1-D Tensor (differentiable, like PyTorch's)."""
    items = _tensors(parameters, "parameters_to_vector")
    if not items:
        raise ValueError("parameters_to_vector: no parameters given")
    return ops.concatenate([p.reshape(-1) for p in items], axis=0)


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of the 1-D ``vec`` into the parameters' values (the inverse
    of :func:`parameters_to_vector`)."""
    who = "vector_to_parameters"
    if not isinstance(vec, Tensor):
        raise TypeError(f"{who}: expected vec to be a Tensor, but got {type(vec).__name__}")
    items = _tensors(parameters, who)
    total = sum(p.size for p in items)
    if vec.ndim != 1 or vec.size != total:
        raise ValueError(f"{who}: vec has shape {vec.shape}, but the parameters hold {total} values")
    offset = 0
    for p in items:
        p.data = np.array(vec.data[offset : offset + p.size].reshape(p.shape), dtype=p.dtype)
        offset += p.size
