"""Public functions and Tensor methods generated from the op table's entries.

An entry with ``public=True`` gets ``am.<name>`` (a function of Tensors, arrays, numbers
or nested lists), and with ``method=True`` also ``x.<name>()``; the docstring of both is
written from the entry's ``doc``, ``math`` and ``rules``. Ops registered later (a user's
throwaway op, a plug-in) are published the moment they are registered, and withdrawn
again by :func:`autograd_mini.core.op.remove`. Ops with parameters to validate have a
hand-written function in :mod:`autograd_mini.ops.api` instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from ..core.op import LISTENERS, REGISTRY, Op
from ..tensor import Tensor, apply_op, apply_unary
from .convert import as_tensor
from .convert import operand as _operand

# name -> the public function (generated from an entry, or hand-written and decorated
# with @public), in registration order; ``am`` exports every name in it
PUBLIC: dict[str, Callable[..., Any]] = {}
_METHODS: set[str] = set()
_F = TypeVar("_F", bound=Callable[..., Any])


def public(fn: _F) -> _F:
    """Publish a hand-written function as ``am.<its name>``.

    For ops whose parameters need validating in the user's terms (axes, shapes, bounds):
    the op's entry keeps ``public=False`` and this function applies it.
    """
    name = fn.__name__
    if name in PUBLIC:
        raise ValueError(f"am.{name} is already published")
    PUBLIC[name] = fn
    return fn


def tensor_method(fn: _F) -> _F:
    """Attach a hand-written function as the Tensor method ``x.<its name>(...)``."""
    name = fn.__name__
    if name in vars(Tensor):
        raise ValueError(f"Tensor already has an attribute {name!r}")
    setattr(Tensor, name, fn)
    return fn


def docstring(op: Op) -> str:
    """The generated docstring: what the op computes, its forward and its VJP per input."""
    rules = "; ".join(op.rules)
    head = op.doc or f"The op ``{op.name}``."
    return f"{head}\n\n``{op.math}``.  Derivative: {rules}."


def make_function(op: Op) -> Callable[..., Tensor]:
    """``am.<name>`` for an elementwise op of one or two inputs."""
    name = op.name
    if len(op.vjps) == 1:

        def unary(x: Any) -> Tensor:
            return apply_unary(op, x if isinstance(x, Tensor) else as_tensor(x, name))

        fn: Callable[..., Tensor] = unary
    elif len(op.vjps) == 2:

        def binary(x: Any, y: Any) -> Tensor:
            return apply_op(op, (as_tensor(x, name), _operand(y, name)), None)

        fn = binary
    else:
        raise TypeError(
            f"op {name!r}: public=True generates functions of one or two inputs only; it has "
            f"{len(op.vjps)} VJP rules. Write its function by hand in ops/api.py instead."
        )
    fn.__name__ = fn.__qualname__ = name
    fn.__module__ = "autograd_mini"
    fn.__doc__ = docstring(op)
    return fn


def make_method(op: Op) -> Callable[..., Tensor]:
    """``x.<name>(...)``: the op with the tensor as its first input."""
    name = op.name
    if len(op.vjps) == 1:

        def unary(self: Tensor) -> Tensor:
            return apply_unary(op, self)

        method: Callable[..., Tensor] = unary
    else:

        def nary(self: Tensor, *others: Any) -> Tensor:
            return apply_op(op, (self, *(_operand(o, name) for o in others)), None)

        method = nary
    method.__name__ = method.__qualname__ = name
    method.__doc__ = docstring(op)
    return method


def publish(name: str, op: Op | None) -> None:
    """Publish ``op`` from its entry, or withdraw what was published for ``name``."""
    if op is None:
        PUBLIC.pop(name, None)
        if name in _METHODS:
            _METHODS.discard(name)
            delattr(Tensor, name)
        return
    if op.public:
        if name in PUBLIC:
            raise ValueError(f"op {name!r}: public=True, but am.{name} is already published")
        PUBLIC[name] = make_function(op)
    if op.method:
        if name in vars(Tensor) and name not in _METHODS:
            raise ValueError(f"op {name!r}: method=True, but Tensor already has an attribute {name!r}")
        setattr(Tensor, name, make_method(op))
        _METHODS.add(name)


for _name, _op in REGISTRY.items():
    publish(_name, _op)
LISTENERS.append(publish)
