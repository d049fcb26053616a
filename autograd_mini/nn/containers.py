"""``ParameterList`` and ``ParameterDict``: parameters held in a list or a dict and still
registered, PyTorch's containers.

A plain Python list of parameters assigned to a module is invisible to
``parameters()``, optimizers and ``state_dict``; these containers register each entry
under its position ("0", "1", ...) or its key, so a model that owns one lists them as
``<name>.0``, ``<name>.<key>``.

>>> import numpy as np
>>> from autograd_mini import nn
>>> scales = nn.ParameterList([nn.Parameter(np.ones(2)), np.zeros(3)])
>>> [(name, p.shape) for name, p in scales.named_parameters()]
[('0', (2,)), ('1', (3,))]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np

from ..tensor import Tensor
from .module import Module, Parameter

__all__ = ["ParameterDict", "ParameterList"]


def _as_parameter(value: Any, who: str) -> Parameter:
    """``value`` as a Parameter: kept if it is one; a Tensor or a NumPy array becomes a new
    leaf Parameter (as PyTorch wraps a plain tensor); anything else is refused."""
    if isinstance(value, Parameter):
        return value
    if isinstance(value, (Tensor, np.ndarray)):
        return Parameter(value)
    raise TypeError(
        f"{who}: expected an nn.Parameter (or a Tensor / NumPy array to wrap in one), got "
        f"{type(value).__name__}; keep other values as plain attributes of the owning module"
    )


def _describe(param: Parameter) -> str:
    shape = "x".join(map(str, param.shape)) or "()"
    return f"Parameter containing: [{param.dtype} of size {shape}]"


class ParameterList(Module):
    """A list of parameters registered under "0", "1", ... (PyTorch's ``nn.ParameterList``).

    Indexing, ``len``, iteration, ``append``, ``extend`` and ``+=`` work as on a list.
    Tensors and NumPy arrays given to it become new Parameters.
    """

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        if values is not None:
            self.extend(values)

    def append(self, value: Any) -> ParameterList:
        """Add ``value`` at the end; returns ``self``."""
        self.register_parameter(str(len(self)), _as_parameter(value, "ParameterList.append"))
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        """Add every entry of ``values`` at the end; returns ``self``."""
        if isinstance(values, (Tensor, np.ndarray, Module)):
            raise TypeError(
                f"ParameterList.extend: expected an iterable of parameters, got a "
                f"{type(values).__name__}; use append for one parameter"
            )
        for value in values:
            self.append(value)
        return self

    def __iadd__(self, values: Iterable[Any]) -> ParameterList:
        return self.extend(values)

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[Parameter]:
        return iter(p for p in self._parameters.values() if p is not None)

    def _index(self, index: Any) -> int:
        if not isinstance(index, (int, np.integer)) or isinstance(index, bool):
            raise TypeError(f"ParameterList indices must be ints or slices, got {type(index).__name__}")
        i, n = int(index), len(self)
        if not -n <= i < n:
            raise IndexError(f"ParameterList index {i} is out of range for length {n}")
        return i % n

    def __getitem__(self, index: Any) -> Any:
        values = list(self._parameters.values())
        if isinstance(index, slice):
            return ParameterList(values[index])
        return values[self._index(index)]

    def __setitem__(self, index: Any, value: Any) -> None:
        self.register_parameter(str(self._index(index)), _as_parameter(value, "ParameterList"))

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Not defined: a ParameterList only holds parameters; use them in your forward."""
        raise NotImplementedError(
            "ParameterList has no forward(): use its parameters in the forward of the module that owns it"
        )

    def extra_repr(self) -> str:
        """One line per parameter: its position, dtype and shape."""
        return "\n".join(f"({i}): {_describe(p)}" for i, p in enumerate(self))


class ParameterDict(Module):
    """A dict of parameters registered under their keys (PyTorch's ``nn.ParameterDict``).

    Keys are strings without '.'; ``[]``, ``in``, ``len``, iteration (over keys),
    ``keys``, ``values``, ``items``, ``update``, ``get``, ``pop`` and ``clear`` work as on a
    dict, in insertion order. Tensors and NumPy arrays given to it become new Parameters.

    >>> import numpy as np
    >>> from autograd_mini import nn
    >>> heads = nn.ParameterDict({"scale": np.ones(3), "shift": np.zeros(3)})
    >>> list(heads.state_dict())
    ['scale', 'shift']
    """

    def __init__(self, parameters: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None) -> None:
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def update(self, parameters: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> None:
        """Add or replace parameters from a mapping or from (key, value) pairs."""
        pairs = parameters.items() if isinstance(parameters, Mapping) else parameters
        for key, value in pairs:
            self[key] = value

    def _key(self, key: Any) -> str:
        if not isinstance(key, str):
            raise TypeError(f"ParameterDict keys must be strings, got {type(key).__name__}")
        if key in self.__dict__:  # 'training', '_parameters', ...: the module's own state
            raise KeyError(
                f"ParameterDict: the key {key!r} is an attribute of the module itself; pick another key"
            )
        return key

    def __getitem__(self, key: str) -> Parameter:
        param = self._parameters.get(self._key(key))
        if param is None:
            raise KeyError(f"ParameterDict has no parameter {key!r}; keys: {list(self._parameters)}")
        return param

    def __setitem__(self, key: str, value: Any) -> None:
        self.register_parameter(self._key(key), _as_parameter(value, "ParameterDict"))

    def __delitem__(self, key: str) -> None:
        if self._key(key) not in self._parameters:
            raise KeyError(f"ParameterDict has no parameter {key!r}; keys: {list(self._parameters)}")
        del self._parameters[key]

    def __contains__(self, key: object) -> bool:
        return key in self._parameters

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._parameters))

    def keys(self) -> list[str]:
        """The keys, in insertion order."""
        return list(self._parameters)

    def values(self) -> list[Parameter]:
        """The parameters, in insertion order."""
        return [p for p in self._parameters.values() if p is not None]

    def items(self) -> list[tuple[str, Parameter]]:
        """(key, parameter) pairs, in insertion order."""
        return [(k, p) for k, p in self._parameters.items() if p is not None]

    def get(self, key: str, default: Any = None) -> Any:
        """The parameter under ``key``, or ``default``."""
        return self._parameters.get(key, default)

    def pop(self, key: str) -> Parameter:
        """Remove the parameter under ``key`` and return it."""
        param = self[key]
        del self._parameters[key]
        return param

    def clear(self) -> None:
        """Remove every parameter."""
        self._parameters.clear()

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Not defined: a ParameterDict only holds parameters; look them up in your forward."""
        raise NotImplementedError(
            "ParameterDict has no forward(): look parameters up by key in the forward of the "
            "module that owns it"
        )

    def extra_repr(self) -> str:
        """One line per parameter: its key, dtype and shape."""
        return "\n".join(f"({k}): {_describe(p)}" for k, p in self.items())
