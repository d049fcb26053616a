"""``Module`` and ``Parameter``: models as trees of modules holding parameters.

A :class:`Module` registers every :class:`Parameter` and sub-module assigned to one of
its attributes, so ``named_parameters()`` can list them with dotted names
(``layers.0.weight``), ``state_dict()`` can copy them and optimizers can update them.
The containers :class:`Sequential`, :class:`ModuleList` and :class:`ModuleDict` hold
sub-modules in order or by key. The surface copies PyTorch's ``torch.nn.Module``.
"""

from __future__ import annotations

import os
import zipfile
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from ..tensor import Tensor, _to_array


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

    def __init__(self) -> None:
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})

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
        else:
            _refuse_hidden_modules(self, name, value)
            object.__setattr__(self, name, value)

    def _discard(self, name: str) -> None:
        """Forget ``name`` everywhere, except in the registry that is about to get it back
        (replacing a parameter or module keeps its position in the order)."""
        self.__dict__.pop(name, None)
        self._parameters.pop(name, None)
        self._modules.pop(name, None)

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
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        if name in self._parameters:
            del self._parameters[name]
        elif name in self._modules:
            del self._modules[name]
        else:
            object.__delattr__(self, name)

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._modules))

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
        out = self.forward(*args, **kwargs)
        # Tag the output's node with this module for the pictures (innermost module wins;
        # a forward that returns one of its inputs unchanged tags nothing).
        node = out.grad_fn if isinstance(out, Tensor) else None
        if node is not None and node.scope is None:
            if len(args) == 1 and not kwargs:  # the common call: one input
                x = args[0]
                if x is not out:
                    node.scope = (self, (x,) if isinstance(x, Tensor) else ())
                return out
            inputs = [a for a in args if isinstance(a, Tensor)]
            if kwargs:
                inputs += [v for v in kwargs.values() if isinstance(v, Tensor)]
            if not any(out is a for a in inputs):
                node.scope = (self, tuple(inputs))
        return out

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
        for _, module in self.named_modules():
            yield module

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
        """Every parameter of the tree (what an optimizer is given)."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def num_parameters(self) -> int:
        """The total number of scalar parameters."""
        return sum(p.size for p in self.parameters())

    # ------------------------------------------------------------ state

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient: to None (default) or to zeros."""
        for p in self.parameters():
            if set_to_none:
                p.grad = None
            else:
                p.grad = Tensor._wrap(np.zeros_like(p.data))

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
        """Copies of every parameter's array, keyed by dotted name."""
        return OrderedDict((name, p.data.copy()) for name, p in self.named_parameters())

    def load_state_dict(
        self, state_dict: Mapping[str, Any], strict: bool = True
    ) -> IncompatibleKeys:
        """Copy arrays from ``state_dict`` into the parameters of the same names.

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
        own = dict(self.named_parameters())
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        updates: list[tuple[Parameter, np.ndarray]] = []
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
                    f"model's parameter has shape {param.shape}"
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
        np.savez(path, **self.state_dict())  # type: ignore[arg-type]

    def load(self, path: str | os.PathLike[str], strict: bool = True) -> Module:
        """Load parameters saved by :meth:`save` into this model; returns ``self``.

        The file is read with ``allow_pickle=False``: a file holding Python objects
        (which could run code when unpickled) is refused with a ``ValueError`` before
        anything is loaded.
        """
        self.load_state_dict(read_npz(path, who=f"{type(self).__name__}.load"), strict=strict)
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


def read_npz(path: str | os.PathLike[str], who: str = "load") -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` file, read without ever unpickling.

    Raises ``ValueError`` naming the file if it holds object arrays (pickled Python
    objects) or is not an ``.npz`` archive.
    """
    name = os.fspath(path)
    try:
        with open(name, "rb") as fh:  # our own handle: closed even if the archive is corrupt
            return _read_archive(fh, name, who)
    except (zipfile.BadZipFile, EOFError, OSError) as e:
        if isinstance(e, FileNotFoundError):
            raise
        raise ValueError(
            f"{who}: cannot read {name!r}: the file is corrupt or truncated ({e}); save the "
            f"model again with Module.save(path)"
        ) from None


def _read_archive(fh: Any, name: str, who: str) -> dict[str, np.ndarray]:
    try:
        loaded = np.load(fh, allow_pickle=False)
    except ValueError as e:
        if "pickle" in str(e).lower():
            raise ValueError(
                f"{who}: refused to load {name!r}: it holds pickled Python objects, and "
                f"unpickling can run arbitrary code. Only plain numeric arrays are accepted; "
                f"re-save the model with Module.save(path)."
            ) from None
        raise ValueError(f"{who}: cannot read {name!r} as an .npz file: {e}") from None
    if not isinstance(loaded, np.lib.npyio.NpzFile):
        raise ValueError(
            f"{who}: {name!r} is a single .npy array, not an .npz archive of named arrays; "
            f"save models with Module.save(path)"
        )
    with loaded as archive:
        arrays = {}
        for key in archive.files:
            try:
                arrays[key] = archive[key]
            except ValueError as e:
                if "pickle" not in str(e).lower():
                    raise
                raise ValueError(
                    f"{who}: refused to load {name!r}: its entry {key!r} holds pickled Python "
                    f"objects, and unpickling can run arbitrary code. Only plain numeric "
                    f"arrays are accepted; re-save the model with Module.save(path)."
                ) from None
    return arrays


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
