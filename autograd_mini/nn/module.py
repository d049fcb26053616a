"""``Module`` and ``Parameter``: models as trees of modules holding parameters.

A :class:`Module` registers every :class:`Parameter` and sub-module assigned to one of
its attributes, so ``named_parameters()`` can list them with dotted names
(``layers.0.weight``), ``state_dict()`` can copy them and optimizers can update them.
The containers :class:`Sequential`, :class:`ModuleList` and :class:`ModuleDict` hold
sub-modules in order or by key. The surface copies PyTorch's ``torch.nn.Module``.
"""

from __future__ import annotations

import itertools
import os
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import TracebackType
from typing import Any, NamedTuple

import numpy as np

from ..core.grad_mode import state as _modes
from ..tensor import Tensor, _to_array
from ..viz.modules import tag_module_call
from .serialization import load_npz, save_npz


class Parameter(Tensor):
    """A Tensor that a :class:`Module` registers as one of its parameters.

    It is a leaf that requires grad by default; assigning one to a module attribute
    (``self.weight = Parameter(...)``) makes it part of ``module.parameters()``.

    >>> import numpy as np
    >>> from autograd_mini import nn
    >>> w = nn.Parameter(np.zeros((2, 3)))
    >>> w.requires_grad, w.shape
    (True, (2, 3))
    """

    __slots__ = ()

    def __init__(self, data: Any, requires_grad: bool = True, name: str | None = None) -> None:
        # A Parameter is a new leaf by intent (as in PyTorch), so a Tensor that requires
        # grad is accepted here: its values start the new leaf, nothing becomes a constant.
        if isinstance(data, Tensor):
            array = np.array(data._data, copy=True)
        else:
            array = _to_array(data, who="Parameter")
        if array.dtype.kind != "f":
            raise TypeError(
                f"Parameter: parameters must be floating point, got {array.dtype}; convert "
                f"the data first (e.g. np.asarray(data, dtype=np.float64))"
            )
        super().__init__(array, requires_grad=requires_grad, name=name)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class IncompatibleKeys(NamedTuple):
    """What :meth:`Module.load_state_dict` did not match (empty lists when all matched)."""

    missing_keys: list[str]
    unexpected_keys: list[str]


# ---------------------------------------------------------------- forward hooks


class _Hooks:
    """The forward hooks of one kind (pre or post) of one module, or the global ones.

    ``entries`` keeps them in registration order by handle id; ``calls`` is the tuple
    ``Module.__call__`` iterates, every hook wrapped to the with-kwargs signature
    (rebuilt on each change, so the call itself does no bookkeeping).
    """

    __slots__ = ("calls", "entries", "pre")

    def __init__(self, pre: bool) -> None:
        self.pre = pre
        self.entries: dict[int, Callable[..., Any]] = {}
        self.calls: tuple[Callable[..., Any], ...] = ()

    def add(self, hook: Callable[..., Any], with_kwargs: bool, prepend: bool, who: str) -> RemovableHandle:
        if not callable(hook):
            raise TypeError(f"{who}: the hook must be callable, got {type(hook).__name__}")
        call = hook if with_kwargs else (_positional_pre(hook) if self.pre else _positional_post(hook))
        if self.pre and with_kwargs:
            call = _checked_kwargs_pre(hook)
        handle = RemovableHandle(self)
        if prepend:
            self.entries = {handle.id: call, **self.entries}
        else:
            self.entries[handle.id] = call
        self.calls = tuple(self.entries.values())
        return handle

    def remove(self, hook_id: int) -> None:
        if self.entries.pop(hook_id, None) is not None:
            self.calls = tuple(self.entries.values())


def _positional_pre(hook: Callable[..., Any]) -> Callable[..., Any]:
    """``hook(module, args)`` seen as ``(module, args, kwargs) -> None | (args, kwargs)``."""

    def call(module: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        result = hook(module, args)
        if result is None:
            return None
        return (result if isinstance(result, tuple) else (result,)), kwargs

    return call


def _checked_kwargs_pre(hook: Callable[..., Any]) -> Callable[..., Any]:
    """``hook(module, args, kwargs)``, whose result must be None or ``(args, kwargs)``."""

    def call(module: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        result = hook(module, args, kwargs)
        if result is None:
            return None
        if not (isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], dict)):
            raise RuntimeError(
                f"forward pre-hook {getattr(hook, '__name__', hook)!r} of {type(module).__name__} "
                f"was registered with with_kwargs=True: it must return None or a tuple "
                f"(args, kwargs), got {type(result).__name__}"
            )
        new_args, new_kwargs = result
        return (new_args if isinstance(new_args, tuple) else (new_args,)), new_kwargs

    return call


def _positional_post(hook: Callable[..., Any]) -> Callable[..., Any]:
    """``hook(module, args, output)`` seen as ``(module, args, kwargs, output)``."""

    def call(module: Any, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any) -> Any:
        return hook(module, args, out)

    return call


class RemovableHandle:
    """Returned by the ``register_*_hook`` functions: ``remove()`` unregisters the hook.

    Also a context manager: the hook is removed when the ``with`` block ends.
    Removing twice is harmless.
    """

    __slots__ = ("_hooks", "id")
    _ids = itertools.count()

    def __init__(self, hooks: _Hooks) -> None:
        self._hooks = hooks
        self.id = next(RemovableHandle._ids)

    def remove(self) -> None:
        """Unregister the hook (no effect if it was already removed)."""
        self._hooks.remove(self.id)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.remove()

    def __repr__(self) -> str:
        state = "active" if self.id in self._hooks.entries else "removed"
        return f"<RemovableHandle {self.id} ({state})>"


# Hooks called around every module's forward, before each module's own (as PyTorch's
# register_module_forward_hook). Module.__call__ iterates their ``calls`` tuples.
_GLOBAL_PRE_HOOKS = _Hooks(pre=True)
_GLOBAL_HOOKS = _Hooks(pre=False)


def register_module_forward_pre_hook(
    hook: Callable[..., Any], *, with_kwargs: bool = False, prepend: bool = False
) -> RemovableHandle:
    """Call ``hook(module, args)`` before the forward of *every* module.

    Global pre-hooks run before each module's own, with the semantics of
    :meth:`Module.register_forward_pre_hook` (the hook may return replacement ``args``).
    Returns a handle whose ``remove()`` unregisters it.
    """
    return _GLOBAL_PRE_HOOKS.add(hook, with_kwargs, prepend, "register_module_forward_pre_hook")


def register_module_forward_hook(
    hook: Callable[..., Any], *, with_kwargs: bool = False, prepend: bool = False
) -> RemovableHandle:
    """Call ``hook(module, args, output)`` after the forward of *every* module.

    Global hooks run before each module's own, with the semantics of
    :meth:`Module.register_forward_hook` (the hook may return a replacement output). The
    graph pictures subscribe here to tag each module call's output (see
    :func:`autograd_mini.viz.modules.tag_module_call`). Returns a handle whose
    ``remove()`` unregisters it.
    """
    return _GLOBAL_HOOKS.add(hook, with_kwargs, prepend, "register_module_forward_hook")


def _run_pre_hooks(
    module: Module, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Run the global, then the module's forward pre-hooks; results replace the inputs."""
    own = module._forward_pre_hooks
    for call in _GLOBAL_PRE_HOOKS.calls + (own.calls if own is not None else ()):
        result = call(module, args, kwargs)
        if result is not None:
            args, kwargs = result
    return args, kwargs


class Module:
    """Base class of every layer and model.

    Subclasses assign :class:`Parameter` s and sub-modules as attributes in
    ``__init__`` (after calling ``super().__init__()``) and define ``forward``; calling
    the module runs ``forward``.

    >>> import autograd_mini as am
    >>> from autograd_mini import nn
    >>> class Affine(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.scale = nn.Parameter([2.0])
    ...         self.shift = nn.Parameter([0.5])
    ...     def forward(self, x):
    ...         return x * self.scale + self.shift
    >>> m = Affine()
    >>> [name for name, _ in m.named_parameters()]
    ['scale', 'shift']
    >>> m(am.tensor([1.0, 2.0]))
    Tensor([2.5, 4.5], grad_fn=<AddBackward>)
    """

    training: bool
    _parameters: dict[str, Parameter | None]
    _modules: dict[str, Module | None]
    _buffers: dict[str, Tensor | None]
    _non_persistent_buffers: set[str]
    # Forward hooks, created on first registration (class-level None keeps __init__ and
    # the hook-free call cheap).
    _forward_pre_hooks: _Hooks | None = None
    _forward_hooks: _Hooks | None = None

    def __init__(self) -> None:
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_non_persistent_buffers", set())

    # ------------------------------------------------------------ registration

    def _check_initialised(self, name: str) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"cannot assign '{name}' before Module.__init__() was called; call "
                f"super().__init__() first in {type(self).__name__}.__init__"
            )

    def __setattr__(self, name: str, value: Any) -> None:
        params = self.__dict__.get("_parameters")
        modules = self.__dict__.get("_modules")
        if isinstance(value, Parameter):
            self._check_initialised(name)
            if modules is not None:
                modules.pop(name, None)
            if value.name is None:
                value.name = name  # errors, pictures and the ledger can then say 'weight'
            self._replace(self._parameters, name, value)
        elif isinstance(value, Module):
            self._check_initialised(name)
            if params is not None:
                params.pop(name, None)
            self._replace(self._modules, name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"{type(self).__name__}.{name} is a parameter; assign an nn.Parameter "
                    f"(or None), not a {type(value).__name__}. To change its values use "
                    f"`{name}.data = new_array`."
                )
            params[name] = None
        elif modules is not None and name in modules:
            if value is not None:
                raise TypeError(
                    f"{type(self).__name__}.{name} is a sub-module; assign a Module (or "
                    f"None), not a {type(value).__name__}"
                )
            modules[name] = None
        elif name in self.__dict__.get("_buffers", ()):
            self._buffers[name] = _as_buffer(value, f"{type(self).__name__}.{name}")
        else:
            _refuse_hidden_modules(self, name, value)
            object.__setattr__(self, name, value)

    def _discard(self, name: str) -> None:
        """Forget ``name`` everywhere, except in the registry that is about to get it back
        (replacing a parameter or module keeps its position in the order)."""
        self.__dict__.pop(name, None)
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        self._buffers.pop(name, None)
        self._non_persistent_buffers.discard(name)

    def _replace(self, registry: dict[str, Any], name: str, value: Any) -> None:
        if name in registry:
            self.__dict__.pop(name, None)
            registry[name] = value
        else:
            self._discard(name)
            registry[name] = value

    def __getattr__(self, name: str) -> Any:
        # only called when normal lookup fails: look in the registries
        d = self.__dict__
        if "_parameters" in d and name in d["_parameters"]:
            return d["_parameters"][name]
        if "_modules" in d and name in d["_modules"]:
            return d["_modules"][name]
        if "_buffers" in d and name in d["_buffers"]:
            return d["_buffers"][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        if name in self._parameters:
            del self._parameters[name]
        elif name in self._modules:
            del self._modules[name]
        elif name in self._buffers:
            del self._buffers[name]
            self._non_persistent_buffers.discard(name)
        else:
            object.__delattr__(self, name)

    def __dir__(self) -> list[str]:
        return sorted(
            set(super().__dir__()) | set(self._parameters) | set(self._modules) | set(self._buffers)
        )

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` under ``name`` (like assigning ``self.<name> = param``)."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"register_parameter: '{name}' must be an nn.Parameter or None, got "
                f"{type(param).__name__}"
            )
        _check_name(name, "register_parameter")
        self._check_initialised(name)
        self._modules.pop(name, None)
        self._replace(self._parameters, name, param)

    def register_buffer(self, name: str, tensor: Any, persistent: bool = True) -> None:
        """Register ``tensor`` as a buffer: state of the module that is not a parameter.

        A buffer (batch norm's ``running_mean``, say) is read as ``self.<name>``, moves
        with the module, is listed by :meth:`named_buffers` and, if ``persistent``, is
        saved in :meth:`state_dict` under its dotted name, next to the parameters, and
        restored by :meth:`load_state_dict`; optimizers never see it. ``tensor`` is a
        Tensor, a NumPy array (wrapped, no gradient) or ``None`` (registered but absent:
        not in the state dict). Assigning ``self.<name> = value`` later replaces it.

        >>> import numpy as np
        >>> from autograd_mini import nn
        >>> m = nn.Module()
        >>> m.register_buffer("count", np.zeros((), dtype=np.int64))
        >>> m.register_buffer("scratch", np.ones(2), persistent=False)
        >>> list(m.state_dict()), [name for name, _ in m.named_buffers()]
        (['count'], ['count', 'scratch'])
        """
        who = f"{type(self).__name__}.register_buffer"
        _check_name(name, "register_buffer")
        self._check_initialised(name)
        taken = name in self.__dict__ or name in self._parameters or name in self._modules
        if taken and name not in self._buffers:
            raise KeyError(
                f"{who}: attribute '{name}' already exists (as a parameter, sub-module or "
                f"plain attribute); pick another name or delete it first"
            )
        buffer = _as_buffer(tensor, f"{who}('{name}')")
        self._buffers[name] = buffer
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Register ``module`` under ``name`` (like assigning ``self.<name> = module``)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(
                f"add_module: '{name}' must be a Module or None, got {type(module).__name__}"
            )
        _check_name(name, "add_module")
        self._check_initialised(name)
        self._parameters.pop(name, None)
        self._replace(self._modules, name, module)

    # ------------------------------------------------------------ calling

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation of this module; subclasses override it."""
        raise NotImplementedError(
            f"{type(self).__name__} has no forward(); define forward(self, ...) in the subclass"
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # Kept lean: the benchmark counts this overhead per module call. Without pre-hooks
        # one truth test; the global forward hooks (the pictures' scope tag) run inline.
        if _GLOBAL_PRE_HOOKS.calls or self._forward_pre_hooks is not None:
            args, kwargs = _run_pre_hooks(self, args, kwargs)
        out = self.forward(*args, **kwargs)
        for call in _GLOBAL_HOOKS.calls:
            result = call(self, args, kwargs, out)
            if result is not None:
                out = result
        own = self._forward_hooks
        if own is not None:
            for call in own.calls:
                result = call(self, args, kwargs, out)
                if result is not None:
                    out = result
        return out

    def register_forward_pre_hook(
        self, hook: Callable[..., Any], *, with_kwargs: bool = False, prepend: bool = False
    ) -> RemovableHandle:
        """Call ``hook(module, args)`` before every ``forward`` of this module.

        ``args`` is the tuple of positional arguments. The hook may return a replacement:
        a tuple of arguments, or a single value (passed as the only argument); ``None``
        keeps them. With ``with_kwargs=True`` it is called as ``hook(module, args, kwargs)``
        and may return ``(args, kwargs)``. Hooks run in registration order (``prepend=True``
        puts this one first), after the global ones. Returns a handle: ``handle.remove()``
        unregisters the hook, and ``with handle:`` removes it when the block ends.

        >>> import autograd_mini as am
        >>> from autograd_mini import nn
        >>> layer = nn.Identity()
        >>> handle = layer.register_forward_pre_hook(lambda m, args: args[0] * 2)
        >>> layer(am.tensor([1.0, 2.0]))
        Tensor([2., 4.])
        >>> handle.remove()
        >>> layer(am.tensor([1.0, 2.0]))
        Tensor([1., 2.])
        """
        return self._register(
            "_forward_pre_hooks", hook, with_kwargs, prepend, "register_forward_pre_hook"
        )

    def register_forward_hook(
        self, hook: Callable[..., Any], *, with_kwargs: bool = False, prepend: bool = False
    ) -> RemovableHandle:
        """Call ``hook(module, args, output)`` after every ``forward`` of this module.

        ``args`` are the positional arguments ``forward`` received (after any pre-hook);
        a non-``None`` result replaces the output. With ``with_kwargs=True`` it is called
        as ``hook(module, args, kwargs, output)``. Hooks run in registration order
        (``prepend=True`` puts this one first), after the global ones. Returns a handle:
        ``handle.remove()`` unregisters the hook; ``with handle:`` removes it at the end.

        >>> import autograd_mini as am
        >>> from autograd_mini import nn
        >>> layer = nn.Linear(2, 1, seed=0)
        >>> shapes = []
        >>> with layer.register_forward_hook(lambda m, args, out: shapes.append(out.shape)):
        ...     _ = layer(am.ones((4, 2)))
        >>> _ = layer(am.ones((3, 2)))  # the hook was removed when the block ended
        >>> shapes
        [(4, 1)]
        """
        return self._register("_forward_hooks", hook, with_kwargs, prepend, "register_forward_hook")

    def _register(
        self, attr: str, hook: Callable[..., Any], with_kwargs: bool, prepend: bool, who: str
    ) -> RemovableHandle:
        hooks = self.__dict__.get(attr)
        if hooks is None:
            hooks = _Hooks(pre=attr == "_forward_pre_hooks")
            object.__setattr__(self, attr, hooks)
        return hooks.add(hook, with_kwargs, prepend, f"{type(self).__name__}.{who}")

    # ------------------------------------------------------------ traversal

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """Every module of the tree (this one first) with its dotted name, depth first.

        A module reachable by two paths is listed once, under its first name.
        """
        seen: set[int] = set()
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = [
                (f"{name}.{key}" if name else key, child)
                for key, child in module._modules.items()
                if child is not None
            ]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        """Every module of the tree, this one first."""
        yield from self._tree()

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """The direct sub-modules with their attribute names."""
        for name, child in self._modules.items():
            if child is not None:
                yield name, child

    def children(self) -> Iterator[Module]:
        """The direct sub-modules."""
        for _, child in self.named_children():
            yield child

    def named_parameters(
        self, prefix: str = "", recurse: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """Every parameter with its dotted name (``layers.0.weight``); shared ones once."""
        seen: set[int] = set()
        modules = self.named_modules(prefix) if recurse else iter([(prefix, self)])
        for module_name, module in modules:
            for key, param in module._parameters.items():
                if param is None or id(param) in seen:
                    continue
                seen.add(id(param))
                yield (f"{module_name}.{key}" if module_name else key), param

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every parameter of the tree (what an optimizer is given), in the order of
        :meth:`named_parameters`; shared ones once."""
        # the same walk as named_parameters without building the dotted names: a model's
        # parameters are often listed every step (a penalty, gradient clipping)
        seen: set[int] = set()
        for module in self._tree() if recurse else (self,):
            for param in module._parameters.values():
                if param is not None and id(param) not in seen:
                    seen.add(id(param))
                    yield param

    def _tree(self) -> list[Module]:
        """Every module of the tree, this one first, in :meth:`named_modules`' order."""
        seen: set[int] = set()
        order: list[Module] = []
        stack: list[Module] = [self]
        while stack:
            module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            order.append(module)
            stack.extend(reversed([c for c in module._modules.values() if c is not None]))
        return order

    def named_buffers(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Tensor]]:
        """Every buffer (persistent or not) with its dotted name (``bn.running_mean``)."""
        seen: set[int] = set()
        modules = self.named_modules(prefix) if recurse else iter([(prefix, self)])
        for module_name, module in modules:
            for key, buffer in module._buffers.items():
                if buffer is None or id(buffer) in seen:
                    continue
                seen.add(id(buffer))
                yield (f"{module_name}.{key}" if module_name else key), buffer

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """Every buffer of the tree."""
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def _state_tensors(self) -> Iterator[tuple[str, Tensor]]:
        """What ``state_dict`` holds, in PyTorch's order: per module (this one first, then
        its sub-modules depth first) its parameters, then its persistent buffers."""
        seen: set[int] = set()
        for module_name, module in self.named_modules():
            prefix = f"{module_name}." if module_name else ""
            for key, param in module._parameters.items():
                if param is not None and id(param) not in seen:
                    seen.add(id(param))
                    yield prefix + key, param
            for key, buffer in module._buffers.items():
                if buffer is None or key in module._non_persistent_buffers or id(buffer) in seen:
                    continue
                seen.add(id(buffer))
                yield prefix + key, buffer

    def num_parameters(self) -> int:
        """The total number of scalar parameters."""
        return sum(p.size for p in self.parameters())

    # ------------------------------------------------------------ state

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient: to None (default) or to zeros."""
        params = list(self.parameters())
        for p in params:
            if set_to_none:
                p._grad = None
            else:
                p._grad = Tensor._wrap(np.zeros_like(p._data))
        if _modes.detour and _modes.recorder is not None:  # a compiled step records it
            _modes.recorder.zero_grad(params, set_to_none)

    def train(self, mode: bool = True) -> Module:
        """Put the whole tree in training mode (or evaluation mode with ``False``)."""
        if not isinstance(mode, bool):
            raise TypeError(f"train: mode must be True or False, got {mode!r}")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> Module:
        """Put the whole tree in evaluation mode (Dropout becomes the identity)."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Set ``requires_grad`` on every parameter (e.g. to freeze a model)."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def state_dict(self) -> OrderedDict[str, np.ndarray]:
        """Copies of every parameter's and persistent buffer's array, keyed by dotted name.

        The keys and their order are PyTorch's (``0.weight``, ``0.bias``,
        ``1.running_mean``, ``1.running_var``, ``1.num_batches_tracked`` ...).
        """
        return OrderedDict((name, t.data.copy()) for name, t in self._state_tensors())

    def load_state_dict(
        self, state_dict: Mapping[str, Any], strict: bool = True
    ) -> IncompatibleKeys:
        """Copy arrays from ``state_dict`` into the parameters and persistent buffers of the
        same names.

        Everything is checked before anything is written, so on error the model is left
        untouched. With ``strict=True`` missing and unexpected keys are errors; shape
        mismatches are errors in both modes. Values are cast to each parameter's dtype.
        Returns the missing and unexpected keys.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(
                f"load_state_dict: expected a mapping of name -> array, got "
                f"{type(state_dict).__name__}"
            )
        own = dict(self._state_tensors())
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        updates: list[tuple[Tensor, np.ndarray]] = []
        problems: list[str] = []
        for name, param in own.items():
            if name not in state_dict:
                continue
            value = state_dict[name]
            array = value.data if isinstance(value, Tensor) else np.asarray(value)
            if array.dtype.kind not in "fiub":
                problems.append(f"'{name}' holds {array.dtype} data, not numbers")
            elif array.shape != param.shape:
                problems.append(
                    f"size mismatch for '{name}': the file has shape {array.shape}, the "
                    f"model's {'parameter' if isinstance(param, Parameter) else 'buffer'} has "
                    f"shape {param.shape}"
                )
            else:
                updates.append((param, np.array(array, dtype=param.dtype, copy=True)))
        if strict:
            if missing:
                problems.append("missing keys: " + ", ".join(repr(k) for k in missing))
            if unexpected:
                problems.append("unexpected keys: " + ", ".join(repr(k) for k in unexpected))
        if problems:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__} (nothing was "
                f"changed):\n  " + "\n  ".join(problems)
            )
        for param, array in updates:
            param.data = array  # out of place: arrays saved by graphs are not mutated
        return IncompatibleKeys(missing, unexpected)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write ``state_dict()`` to an ``.npz`` file (NumPy's format, no pickling).

        NumPy adds the ``.npz`` suffix when ``path`` has none.
        """
        save_npz(path, self.state_dict())

    def load(self, path: str | os.PathLike[str], strict: bool = True) -> Module:
        """Load parameters and buffers saved by :meth:`save` into this model; returns ``self``.

        The file is read with ``allow_pickle=False``: a file holding Python objects
        (which could run code when unpickled) is refused with a ``ValueError`` before
        anything is loaded.
        """
        self.load_state_dict(load_npz(path, who=f"{type(self).__name__}.load"), strict=strict)
        return self

    # ------------------------------------------------------------ printing

    def extra_repr(self) -> str:
        """The text inside the parentheses of this module's ``repr`` (its settings)."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        lines = extra.split("\n") if extra else []
        for name, child in self._modules.items():
            body = repr(child).replace("\n", "\n  ")
            lines.append(f"({name}): {body}")
        if not self._modules and len(lines) <= 1:
            return f"{type(self).__name__}({extra})"
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"


def _as_buffer(value: Any, who: str) -> Tensor | None:
    """A buffer's value: a Tensor (kept as is), a NumPy array (wrapped) or None."""
    if value is None or isinstance(value, Tensor):
        return value
    if isinstance(value, np.ndarray):
        return Tensor._wrap(value)
    raise TypeError(f"{who}: a buffer must be a Tensor, a NumPy array or None, got {type(value).__name__}")


def _check_name(name: str, who: str) -> None:
    if not isinstance(name, str) or not name or "." in name:
        raise KeyError(f"{who}: the name must be a non-empty string without '.', got {name!r}")


def _refuse_hidden_modules(owner: Module, name: str, value: Any) -> None:
    """Refuse plain lists/dicts of modules, whose parameters would silently be missed."""
    items: Iterable[Any]
    if isinstance(value, dict):
        items = value.values()
    elif isinstance(value, (list, tuple)):
        items = value
    else:
        return
    if any(isinstance(v, (Module, Parameter)) for v in items):
        kind = "ModuleDict" if isinstance(value, dict) else "ModuleList"
        raise TypeError(
            f"{type(owner).__name__}.{name}: a plain {type(value).__name__} of modules or "
            f"parameters is not registered, so its parameters would be invisible to "
            f"parameters(), optimizers and state_dict(). Wrap it: nn.{kind}(...)."
        )


# The graph pictures draw each module call as a cluster: they learn the calls from this
# global forward hook, which tags the node of each call's output (viz/modules.py).
register_module_forward_hook(tag_module_call, with_kwargs=True)


# ---------------------------------------------------------------- containers


class Sequential(Module):
    """Modules applied one after the other: ``Sequential(a, b, c)(x) == c(b(a(x)))``.

    Children are named ``"0"``, ``"1"``, ... (or by the keys of an ``OrderedDict``).

    >>> from autograd_mini import nn
    >>> net = nn.Sequential(nn.Linear(4, 8, seed=0), nn.ReLU(), nn.Linear(8, 1, seed=1))
    >>> [name for name, _ in net.named_parameters()]
    ['0.weight', '0.bias', '2.weight', '2.bias']
    """

    def __init__(self, *modules: Module | Mapping[str, Module]) -> None:
        super().__init__()
        first = modules[0] if len(modules) == 1 else None
        if isinstance(first, Mapping):
            for key, child in first.items():
                self.add_module(str(key), _as_module(child, "Sequential"))
        else:
            for i, item in enumerate(modules):
                self.add_module(str(i), _as_module(item, "Sequential"))

    def forward(self, x: Any) -> Any:
        """Apply every child in order."""
        for module in self._modules.values():
            if module is not None:
                x = module(x)
        return x

    def append(self, module: Module) -> Sequential:
        """Add ``module`` at the end; returns ``self``."""
        self.add_module(str(len(self._modules)), _as_module(module, "Sequential.append"))
        return self

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(m for m in self._modules.values() if m is not None)

    def __getitem__(self, index: int | slice) -> Any:
        items = list(self._modules.items())
        if isinstance(index, slice):
            return Sequential(OrderedDict(items[index]))  # type: ignore[arg-type]
        return items[_list_index(index, len(items), "Sequential")][1]


class ModuleList(Module):
    """A list of modules whose parameters are registered (names ``"0"``, ``"1"``, ...).

    Use it instead of a plain list to hold a variable number of layers.

    >>> from autograd_mini import nn
    >>> class Stack(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.layers = nn.ModuleList([nn.Linear(2, 2, seed=i) for i in range(3)])
    >>> len(list(Stack().parameters()))
    6
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def append(self, module: Module) -> ModuleList:
        """Add ``module`` at the end; returns ``self``."""
        self.add_module(str(len(self._modules)), _as_module(module, "ModuleList.append"))
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        """Add every module of ``modules`` at the end; returns ``self``."""
        if isinstance(modules, Module):
            raise TypeError("ModuleList.extend: expected an iterable of modules, got a Module")
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Insert ``module`` before position ``index``."""
        items = list(self._modules.values())
        items.insert(index, _as_module(module, "ModuleList.insert"))
        self._modules.clear()
        for i, m in enumerate(items):
            self._modules[str(i)] = m

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(m for m in self._modules.values() if m is not None)

    def __getitem__(self, index: int | slice) -> Any:
        items = list(self._modules.values())
        if isinstance(index, slice):
            return ModuleList(items[index])  # type: ignore[arg-type]
        return items[_list_index(index, len(items), "ModuleList")]

    def __setitem__(self, index: int, module: Module) -> None:
        i = _list_index(index, len(self._modules), "ModuleList")
        self.add_module(str(i), _as_module(module, "ModuleList"))

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Not defined: a ModuleList only holds modules; iterate over it in your forward."""
        raise NotImplementedError(
            "ModuleList has no forward(): iterate over it in the forward of the module "
            "that owns it (or use nn.Sequential)"
        )


class ModuleDict(Module):
    """A dict of modules whose parameters are registered under their keys.

    >>> from autograd_mini import nn
    >>> heads = nn.ModuleDict({"mean": nn.Linear(3, 1, seed=0), "logvar": nn.Linear(3, 1, seed=1)})
    >>> [name for name, _ in heads.named_parameters()][:2]
    ['mean.weight', 'mean.bias']
    """

    def __init__(self, modules: Mapping[str, Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        """Add or replace modules from a mapping or from (key, module) pairs."""
        pairs = modules.items() if isinstance(modules, Mapping) else modules
        for key, module in pairs:
            self[key] = module

    def __getitem__(self, key: str) -> Module:
        module = self._modules.get(key)
        if module is None:
            raise KeyError(f"ModuleDict has no module {key!r}; keys: {list(self._modules)}")
        return module

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, _as_module(module, "ModuleDict"))

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def keys(self) -> list[str]:
        """The keys, in insertion order."""
        return list(self._modules)

    def values(self) -> list[Module]:
        """The modules, in insertion order."""
        return [m for m in self._modules.values() if m is not None]

    def items(self) -> list[tuple[str, Module]]:
        """(key, module) pairs, in insertion order."""
        return [(k, m) for k, m in self._modules.items() if m is not None]

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Not defined: a ModuleDict only holds modules; index it in your forward."""
        raise NotImplementedError(
            "ModuleDict has no forward(): look modules up by key in the forward of the "
            "module that owns it"
        )


def _as_module(module: Any, who: str) -> Module:
    if not isinstance(module, Module):
        raise TypeError(f"{who}: expected an nn.Module, got {type(module).__name__}")
    return module


def _list_index(index: Any, length: int, who: str) -> int:
    if not isinstance(index, (int, np.integer)):
        raise TypeError(f"{who} indices must be ints or slices, got {type(index).__name__}")
    i = int(index)
    if not -length <= i < length:
        raise IndexError(f"{who} index {i} is out of range for length {length}")
    return i % length
