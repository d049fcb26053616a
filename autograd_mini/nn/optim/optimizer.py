"""The ``Optimizer`` base class: parameter groups, per-parameter state, ``step()``.

Subclasses implement :meth:`Optimizer._update`, one parameter at a time on NumPy arrays
(the update itself is not differentiated). The new value is written out of place,
``p.data = new_array``, so arrays saved by a graph are never mutated; the optimizer's
own state arrays (momentum buffers, moment estimates) are updated in place.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ...core.grad_mode import enable_grad
from ...core.grad_mode import state as _modes
from ...tensor import Tensor

_REQUIRED: Any = object()


class Optimizer:
    """Base class of the optimizers in :mod:`autograd_mini.nn.optim`.

    ``params`` is an iterable of Tensors (e.g. ``model.parameters()``) or of dicts, each
    a parameter group ``{"params": [...], "lr": ...}`` overriding the defaults.
    """

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = dict(defaults)
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        if isinstance(params, Tensor):
            raise TypeError(
                f"{type(self).__name__}: params must be an iterable of Tensors or dicts, "
                f"got a single Tensor; wrap it in a list: [p]"
            )
        groups = list(params)
        if not groups:
            raise ValueError(
                f"{type(self).__name__}: got an empty parameter list (does the model have "
                f"any parameters? pass model.parameters())"
            )
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own hyper-parameters (defaults fill the rest)."""
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"{name}: a parameter group must be a dict, got {type(param_group).__name__}")
        params = param_group.get("params")
        if params is None:
            raise ValueError(f"{name}: a parameter group needs a 'params' entry")
        params = [params] if isinstance(params, Tensor) else list(params)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: can only optimize Tensors, got {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(
                    f"{name}: can only optimize leaf tensors (parameters), got one made by "
                    f"{p.grad_fn!r}; pass the tensors you created with requires_grad=True"
                )
            if not p.requires_grad:
                raise ValueError(
                    f"{name}: a tensor of shape {p.shape} does not require grad; create it "
                    f"with requires_grad=True (nn.Parameter does)"
                )
            if id(p) in seen:
                raise ValueError(f"{name}: a parameter appears twice (in the same or another group)")
            seen.add(id(p))
        group = {"params": params}
        for key, default in self.defaults.items():
            value = param_group.get(key, default)
            if value is _REQUIRED:
                raise ValueError(f"{name}: parameter group is missing the required '{key}'")
            group[key] = value
        unknown = set(param_group) - set(self.defaults) - {"params"}
        if unknown:
            raise ValueError(f"{name}: unknown option(s) {sorted(unknown)} in a parameter group")
        self.param_groups.append(group)

    # ------------------------------------------------------------ stepping

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters: to None (default) or to zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                p._grad = None if set_to_none else Tensor._wrap(np.zeros_like(p._data))
        if _modes.detour and _modes.recorder is not None:  # a compiled step records it
            _modes.recorder.zero_grad([p for g in self.param_groups for p in g["params"]], set_to_none)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns ``closure()`` if given.

        ``closure`` re-evaluates the model and returns the loss (after calling
        ``backward()``); it runs before the update, with grad mode on.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        rec = _modes.recorder if _modes.detour else None  # a compiled step being recorded
        update = self.update_param
        for group in self.param_groups:
            for p in group["params"]:
                g = p._grad
                if g is None:
                    continue
                grad = g._data
                value = p._data
                if grad.shape != value.shape:
                    raise RuntimeError(
                        f"{type(self).__name__}.step: a gradient of shape {grad.shape} for a "
                        f"parameter of shape {value.shape}"
                    )
                new = update(p, value, grad, group)
                if rec is not None:
                    rec.update(self, group, p, value, grad, new)
                p._data = new if new.__class__ is np.ndarray else np.asarray(new)  # out of place:
                p._bump_version()  # a new array, and the version moves on
        return loss

    def update_param(
        self, p: Tensor, value: np.ndarray, grad: np.ndarray, group: dict[str, Any]
    ) -> np.ndarray:
        """The new value of parameter ``p`` (array ``value``, gradient ``grad``), on arrays.

        The array-level update that :meth:`step` applies to each parameter, and that a
        compiled step (``am.compile``) replays: it reads and updates the optimizer's
        state of ``p`` (moments, step count) and reads the group's hyper-parameters as they
        are now (so learning-rate schedules apply), but does not assign ``p.data``.
        """
        state = self.state.get(p)
        if state is None:
            state = self.state[p] = {}
        new = self._update(value, grad, state, group)
        if new.dtype is not value.dtype and new.dtype != value.dtype:  # `is`: the cheap common case
            new = new.astype(value.dtype)
        return new

    def _update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> np.ndarray:
        """The new value of one parameter (subclasses implement their rule here)."""
        raise NotImplementedError

    @staticmethod
    def _descent_direction(
        param: np.ndarray, grad: np.ndarray, group: dict[str, Any], coupled_decay: bool = True
    ) -> np.ndarray:
        """g ← -g when maximizing, then g ← g + λθ (L2 weight decay in the gradient).

        The first lines of every PyTorch update rule; AdamW passes
        ``coupled_decay=False`` and decays the parameter itself instead.
        """
        if group["maximize"]:
            grad = -grad
        if coupled_decay and group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param
        return grad

    # ------------------------------------------------------------ saving

    def state_dict(self) -> dict[str, Any]:
        """The hyper-parameters and state, with parameters referred to by their index."""
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            entry = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            entry["params"] = []
            for p in group["params"]:
                index[id(p)] = len(index)
                entry["params"].append(index[id(p)])
            groups.append(entry)
        state = {
            index[id(p)]: {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in s.items()}
            for p, s in self.state.items()
            if id(p) in index
        }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore hyper-parameters and state saved by :meth:`state_dict`.

        The saved groups must have the same sizes as this optimizer's; everything is
        checked before anything changes.
        """
        name = type(self).__name__
        groups = state_dict.get("param_groups") if isinstance(state_dict, dict) else None
        saved_state = state_dict.get("state", {}) if isinstance(state_dict, dict) else None
        if groups is None or saved_state is None:
            raise ValueError(f"{name}.load_state_dict: expected a dict with 'state' and 'param_groups'")
        if len(groups) != len(self.param_groups):
            raise ValueError(
                f"{name}.load_state_dict: the saved state has {len(groups)} parameter "
                f"group(s), this optimizer has {len(self.param_groups)}"
            )
        params: dict[int, Tensor] = {}
        for i, (saved, own) in enumerate(zip(groups, self.param_groups)):
            if len(saved["params"]) != len(own["params"]):
                raise ValueError(
                    f"{name}.load_state_dict: group {i} has {len(saved['params'])} "
                    f"parameter(s) in the saved state and {len(own['params'])} here"
                )
            params.update(zip(saved["params"], own["params"]))
        new_state: dict[Tensor, dict[str, Any]] = {}
        for key, entry in saved_state.items():
            if key not in params:
                raise ValueError(f"{name}.load_state_dict: state for unknown parameter index {key}")
            p = params[key]
            for k, v in entry.items():
                if isinstance(v, np.ndarray) and v.shape != p.shape:
                    raise ValueError(
                        f"{name}.load_state_dict: state '{k}' of parameter {key} has shape "
                        f"{v.shape}, the parameter has shape {p.shape}"
                    )
            new_state[p] = {
                k: (np.array(v, dtype=p.dtype) if isinstance(v, np.ndarray) else v)
                for k, v in entry.items()
            }
        for saved, own in zip(groups, self.param_groups):
            for k, v in saved.items():
                if k != "params":
                    own[k] = copy.deepcopy(v)
        self.state = new_state

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(k for k in group if k != "params"):
                lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


def check_non_negative(who: str, **values: float) -> None:
    """Raise ``ValueError`` naming the first negative hyper-parameter."""
    for key, value in values.items():
        if not value >= 0.0:
            raise ValueError(f"{who}: invalid {key} {value!r}; it must be >= 0")
