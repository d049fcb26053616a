"""``autograd.grad`` and ``autograd.backward``: the engine's entry points."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..core.engine import Accumulate, Capture, backward_pass, unused_input
from ..tensor import Tensor, _seed


def _as_list(x: Any) -> list[Any]:
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _seeds(outputs: list[Tensor], grad_outputs: Any, who: str) -> list[Any]:
    if grad_outputs is None:
        grads: list[Any] = [None] * len(outputs)
    else:
        grads = _as_list(grad_outputs)
        if len(grads) != len(outputs):
            raise ValueError(
                f"{who}: got {len(outputs)} outputs but {len(grads)} grad_outputs; give one "
                f"gradient per output"
            )
    return [_seed(out, g, who) for out, g in zip(outputs, grads)]


def backward(
    tensors: Tensor | Sequence[Tensor],
    grad_tensors: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
) -> None:
    """Backpropagate from several roots at once, adding into the leaves' ``.grad``."""
    roots = _as_list(tensors)
    for r in roots:
        if not isinstance(r, Tensor) or not r.requires_grad:
            raise RuntimeError("backward: every tensor must be a Tensor that requires grad")
    seeds = _seeds(roots, grad_tensors, "backward")
    retain = create_graph if retain_graph is None else retain_graph
    backward_pass(roots, seeds, Accumulate(), retain_graph=retain, create_graph=create_graph)


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """The gradients of ``outputs`` with respect to ``inputs``, without touching ``.grad``.

    Computes Σᵢ ⟨grad_outputsᵢ, ∂outputsᵢ/∂input⟩ for each input (a vector-Jacobian
    product). ``inputs`` may be leaves or intermediate tensors. With
    ``create_graph=True`` the results are differentiable, so ``grad`` can be applied to
    them again (second and higher derivatives).

    >>> import autograd_mini as am
    >>> x = am.tensor(3.0, requires_grad=True)
    >>> (dx,) = am.autograd.grad(x ** 3, x, create_graph=True)
    >>> (d2x,) = am.autograd.grad(dx, x)
    >>> float(dx), float(d2x)
    (27.0, 18.0)
    """
    outs = _as_list(outputs)
    ins = _as_list(inputs)
    for t in outs:
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise RuntimeError(
                "grad: every output must be a Tensor that requires grad (was it computed "
                "from an input with requires_grad=True, outside no_grad()?)"
            )
    for t in ins:
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise RuntimeError("grad: every input must be a Tensor with requires_grad=True")
    seeds = _seeds(outs, grad_outputs, "grad")
    retain = create_graph if retain_graph is None else retain_graph
    sink = Capture(ins, allow_unused)
    backward_pass(outs, seeds, sink, retain_graph=retain, create_graph=create_graph)
    results: list[Tensor | None] = []
    for i, (t, g) in enumerate(zip(ins, sink.results)):
        if g is None:
            if not allow_unused:
                raise unused_input(i, t)
            results.append(None)
            continue
        if not isinstance(g, Tensor):
            if g.dtype != t.dtype:
                g = g.astype(t.dtype)
            g = Tensor._wrap(g)
        results.append(g)
    return tuple(results)
