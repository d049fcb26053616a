"""Dual tensors: forward-mode AD by hand, as ``torch.autograd.forward_ad``.

Inside ``with dual_level():`` a tensor made by :func:`make_dual` carries a tangent
``ẋ`` next to its value. Every op applied to it computes its output's tangent at once
(its JVP rule: ``ẏ = J ẋ``), so any result of the computation carries its directional
derivative along ``ẋ``; :func:`unpack_dual` reads it. No graph is kept.

>>> import numpy as np
>>> import autograd_mini as am
>>> from autograd_mini import forward_ad as fwad
>>> with fwad.dual_level():
...     x = fwad.make_dual(np.array([0.0, 1.0]), np.array([1.0, 1.0]))
...     y = am.sin(x) * x
...     primal, tangent = fwad.unpack_dual(y)
>>> tangent   # ẏ = (cos x · x + sin x) · ẋ
Tensor([0.        , 1.38177329])

Levels nest (forward over forward gives second derivatives); tangents are read at the
innermost open level unless ``level=`` names another. Forward mode composes with
reverse mode both ways: a dual tensor may require grad, and ``backward()`` or
``am.grad`` inside a level differentiates through the values while the tangents ride
along (``am.hvp`` is built that way). Ops without a forward-mode rule raise an error
naming the op; custom ops get theirs with ``@op.defjvp``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .core import forward
from .core.forward import Level, dual_level
from .ops.convert import as_tensor
from .tensor import Tensor, _to_array

__all__ = ["Level", "UnpackedDualTensor", "dual_level", "make_dual", "unpack_dual"]


class UnpackedDualTensor(NamedTuple):
    """What :func:`unpack_dual` returns: the value and its tangent (``None`` if it has none)."""

    primal: Tensor
    tangent: Tensor | None


def make_dual(tensor: Any, tangent: Any, *, level: Level | None = None) -> Tensor:
    """A dual tensor: ``tensor``'s values (and graph) carrying ``tangent`` at ``level``.

    ``tensor`` is a Tensor, an array, a number or a (nested) list; it must be floating
    point. ``tangent`` has its shape (an array, a number, a list or a Tensor; a Tensor
    that requires grad stays differentiable). ``level`` defaults to the innermost open
    dual level of this thread.
    """
    who = "make_dual"
    lv = level if level is not None else forward.current_level(who)
    primal = as_tensor(tensor, who)
    if primal.dtype.kind != "f":
        raise TypeError(
            f"{who}: only floating-point tensors carry tangents, this one is {primal.dtype}; "
            f"convert it first (am.astype(x, np.float64))"
        )
    if isinstance(tangent, (list, tuple)):
        tangent = as_tensor(tangent, who)  # stacked differentiably if it holds Tensors
    elif not isinstance(tangent, Tensor):
        tangent = _to_array(tangent, who=who)
    shape = tangent.shape if isinstance(tangent, Tensor) else np.shape(tangent)
    if shape != primal.shape:
        raise ValueError(
            f"{who}: the tangent has shape {shape} but the tensor has shape {primal.shape}; "
            f"a tangent is shaped like its primal"
        )
    return forward.make_dual(primal, tangent, lv)


def unpack_dual(tensor: Tensor, *, level: Level | None = None) -> UnpackedDualTensor:
    """``(primal, tangent)`` of ``tensor`` at ``level`` (default: the innermost open one).

    The primal is ``tensor`` without that level's tangent (still part of any reverse-mode
    graph); the tangent is a Tensor, or ``None`` where no tangent reached ``tensor`` (it
    does not depend on a dual input, or no level is open).
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"unpack_dual: expected a Tensor, got a {type(tensor).__name__}")
    if level is None:
        if forward.state.forward is None:
            return UnpackedDualTensor(tensor, None)
        level = forward.current_level("unpack_dual")
    primal, tangent = forward.unpack(tensor, level)
    if tangent is not None and not isinstance(tangent, Tensor):
        tangent = Tensor._wrap(np.asarray(tangent))
    return UnpackedDualTensor(primal, tangent)
