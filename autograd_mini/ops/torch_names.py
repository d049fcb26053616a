"""PyTorch's spellings, accepted wherever PyTorch has the same idea.

Every public function and Tensor method that takes ``axis=``/``keepdims=`` also takes
PyTorch's ``dim=``/``keepdim=`` (giving both spellings of one argument is an error), added
once for all of them by :func:`accept_dim_names` when the ops have loaded. Beside that:
``am.cat`` (= ``concatenate``), ``am.clamp`` / ``x.clamp(min=, max=)`` (= ``clip``),
``x.mT``, ``x.expand(*sizes)``, ``x.type_as(y)``, ``x.float()``, ``x.double()``, and
``x.transpose(a, b)`` with exactly two integers swapping those two axes (PyTorch) while
``x.transpose()``, a tuple or three or more integers keep NumPy's meaning (a permutation).

>>> import autograd_mini as am
>>> x = am.ones(2, 3, 4)
>>> x.sum(dim=1, keepdim=True).shape, x.transpose(0, 2).shape, x.mT.shape
((2, 1, 4), (4, 3, 2), (2, 4, 3))
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

import numpy as np

from ..tensor import Tensor
from . import api
from .publish import PUBLIC, public, tensor_method

_ALIASES = (("dim", "axis"), ("keepdim", "keepdims"))


def _renamed(name: str, kwargs: dict[str, Any]) -> None:
    for torch_name, numpy_name in _ALIASES:
        if torch_name in kwargs:
            if numpy_name in kwargs:
                raise TypeError(
                    f"{name}: got both {numpy_name}= and {torch_name}=, which are the same "
                    f"argument (NumPy's and PyTorch's spelling); give one of them"
                )
            kwargs[numpy_name] = kwargs.pop(torch_name)


def with_dim_names(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` accepting ``dim=``/``keepdim=`` for its ``axis=``/``keepdims=``."""
    if getattr(fn, "_dim_names", False):
        return fn
    name = fn.__name__

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if kwargs and ("dim" in kwargs or "keepdim" in kwargs):
            _renamed(name, kwargs)
        return fn(*args, **kwargs)

    wrapper._dim_names = True  # type: ignore[attr-defined]
    return wrapper


def _takes_axis(fn: Any) -> bool:
    if not callable(fn) or isinstance(fn, type):
        return False
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return "axis" in params or "keepdims" in params


def accept_dim_names(*modules: ModuleType) -> None:
    """Give every public function and Tensor method with ``axis``/``keepdims`` the aliases.

    Called once by ``autograd_mini.ops`` after all ops loaded (so ops added by any module
    get them too): the published functions, the given modules' functions and the methods
    of ``Tensor`` are replaced by wrappers.
    """
    for key, fn in list(PUBLIC.items()):
        if _takes_axis(fn):
            PUBLIC[key] = with_dim_names(fn)
    for module in modules:
        for key, fn in list(vars(module).items()):
            if not key.startswith("_") and inspect.isfunction(fn) and _takes_axis(fn):
                setattr(module, key, with_dim_names(fn))
    for key, fn in list(vars(Tensor).items()):
        if not key.startswith("_") and inspect.isfunction(fn) and _takes_axis(fn):
            setattr(Tensor, key, with_dim_names(fn))


# ---------------------------------------------------------------- functions


@public
def cat(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """PyTorch's name of :func:`concatenate` (``dim=`` accepted).

    Derivative: each input gets its slice of ȳ.
    """
    return api.concatenate(tensors, axis)


@public
def clamp(x: Any, min: float | None = None, max: float | None = None) -> Tensor:
    """PyTorch's name of :func:`clip`: clamp into [min, max] (either may be None).

    Derivative: x̄ = ȳ where min ≤ x ≤ max, else 0.
    """
    return api.clip(x, min, max)


# ---------------------------------------------------------------- methods


@tensor_method
def clamp_(self: Tensor, min: float | None = None, max: float | None = None) -> Tensor:
    """In place, under ``no_grad`` or on tensors that do not require grad: clamp into [min, max]."""
    if self._check_inplace("clamp_"):
        raise RuntimeError("clamp_ on a tensor that is part of a graph; use x.clamp(...) instead")
    return self._assign(np.clip(self._data, min, max), "clamp_")


def _clamp_method(self: Tensor, min: float | None = None, max: float | None = None) -> Tensor:
    """Clamp into [min, max] (PyTorch's ``x.clamp``).  Derivative: x̄ = ȳ inside, else 0."""
    return api.clip(self, min, max)


def _transpose_method(self: Tensor, *axes: Any) -> Tensor:
    """``x.transpose(a, b)`` swaps axes a and b (PyTorch); ``x.transpose()``, a tuple, a list
    or three or more integers permute the axes (NumPy; reversed when none are given).

    Derivative: the same swap or the inverse permutation of ȳ.
    """
    if len(axes) == 2 and all(isinstance(a, (int, np.integer)) for a in axes):
        return api.swapaxes(self, int(axes[0]), int(axes[1]))
    if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
        axes = tuple(axes[0] or ())
    return api.transpose(self, tuple(axes) if axes else None)


def _mT(self: Tensor) -> Tensor:
    """The last two axes swapped (a batch of matrices transposed; PyTorch's ``x.mT``)."""
    if self.ndim < 2:
        raise ValueError(f"mT: needs a tensor of at least 2 dimensions, got shape {self.shape}")
    return api.swapaxes(self, -2, -1)


def _expand(self: Tensor, *sizes: Any) -> Tensor:
    """Broadcast to ``sizes`` (PyTorch's ``x.expand``; -1 keeps an axis's size).

    Derivative: x̄ = ȳ summed over the expanded axes.
    """
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    lead = len(sizes) - self.ndim
    if lead < 0:
        raise ValueError(
            f"expand: {len(sizes)} sizes {tuple(sizes)} for a tensor of shape {self.shape}; "
            f"give at least {self.ndim}"
        )
    shape = []
    for i, n in enumerate(sizes):
        if n == -1:
            if i < lead:
                raise ValueError(f"expand: -1 is not allowed for the new leading axis {i}")
            shape.append(self.shape[i - lead])
        else:
            shape.append(int(n))
    return api.broadcast_to(self, tuple(shape))


def _type_as(self: Tensor, other: Any) -> Tensor:
    """Cast to the dtype of ``other`` (PyTorch's ``x.type_as``).  Derivative: ȳ cast back."""
    return api.astype(self, np.asarray(getattr(other, "_data", other)).dtype)


def _float(self: Tensor) -> Tensor:
    """Cast to float32 (PyTorch's ``x.float()``).  Derivative: ȳ cast back."""
    return api.astype(self, np.float32)


def _double(self: Tensor) -> Tensor:
    """Cast to float64 (PyTorch's ``x.double()``).  Derivative: ȳ cast back."""
    return api.astype(self, np.float64)


for _name, _fn in (
    ("clamp", _clamp_method),
    ("transpose", _transpose_method),
    ("expand", _expand),
    ("type_as", _type_as),
    ("float", _float),
    ("double", _double),
):
    _fn.__name__ = _fn.__qualname__ = _name
    setattr(Tensor, _name, _fn)
Tensor.mT = property(_mT)  # type: ignore[attr-defined]
