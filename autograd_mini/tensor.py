"""The ``Tensor`` type: a NumPy array, its gradient and its place in the graph.

Arithmetic on Tensors goes through :func:`apply_op`, the one place where an op is run
and, when some input requires grad and grad mode is on, recorded as a graph
:class:`~autograd_mini.core.node.Node`.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from typing import Any, Union

import numpy as np

from . import dtypes
from .core import anomaly
from .core.grad_mode import state
from .core.node import EPOCH, Node

TensorLike = Union["Tensor", np.ndarray, float, int, list, tuple]

_ALLOWED_KINDS = "fiub"


def find_tensor(data: Any) -> Tensor | None:
    """The first Tensor inside nested lists and tuples (one that requires grad if any).

    Walks the nesting with an explicit stack (no recursion). ``None`` when the
    structure holds no Tensor at all.
    """
    found: Tensor | None = None
    pending = [data]
    while pending:
        for item in pending.pop():
            if isinstance(item, Tensor):
                if item.requires_grad:
                    return item
                if found is None:
                    found = item
            elif isinstance(item, (list, tuple)):
                pending.append(item)
    return found


def _refuse_graph(data: Any, who: str) -> None:
    """Raise if making an array of ``data`` would silently drop a Tensor's gradient."""
    if isinstance(data, Tensor):
        if data.requires_grad:
            raise TypeError(
                f"{who}: the given Tensor requires grad, and copying it into a new tensor "
                f"would turn it into a constant and drop its gradient. Use the tensor "
                f"itself, t.detach() for a constant copy of its values, or "
                f"t.detach().requires_grad_() for a new leaf."
            )
        return
    inner = find_tensor(data)
    if inner is not None and inner.requires_grad:
        raise TypeError(
            f"{who}: this {type(data).__name__} holds Tensors that require grad, and making "
            f"a new tensor of it would turn them into constants and drop their gradients. "
            f"Use am.stack([...]) (nested for nested lists) to join Tensors "
            f"differentiably, or detach them first if you want constants."
        )


def _is_graph_value(value: Any) -> bool:
    """A Tensor that requires grad, or a list/tuple holding one."""
    if isinstance(value, Tensor):
        return value.requires_grad
    if isinstance(value, (list, tuple)):
        inner = find_tensor(value)
        return inner is not None and inner.requires_grad
    return False


def _to_array(data: Any, dtype: Any = None, who: str = "Tensor") -> np.ndarray:
    """Validate and convert user data to a fresh NumPy array.

    This is where every array made from user input is made, so it guards the rule that
    no Tensor that requires grad is turned into a constant silently: such a Tensor, or
    a list or tuple holding one, raises a TypeError (ops stack lists of Tensors
    differentiably before they get here).
    """
    if isinstance(data, Tensor):
        _refuse_graph(data, who)
        arr = np.array(data._data, dtype=dtype, copy=True)
    elif isinstance(data, (np.ndarray, np.generic)):
        arr = np.array(data, dtype=dtype, copy=True)
    elif data is None:
        raise TypeError(f"{who}: cannot make a tensor from None; pass a number, list or array")
    elif isinstance(data, (bool, int, float, list, tuple)):
        if isinstance(data, (list, tuple)):
            _refuse_graph(data, who)
        try:
            arr = np.array(data, dtype=dtype)
        except ValueError as e:
            raise ValueError(
                f"{who}: cannot make a tensor from this {type(data).__name__}: the nested "
                f"lists have different lengths (ragged) or hold non-numbers ({e}). Every "
                f"row must have the same length."
            ) from None
        except TypeError as e:
            raise TypeError(f"{who}: cannot make a tensor from {data!r}: {e}") from None
        if dtype is None and arr.dtype == np.float64:
            arr = arr.astype(dtypes.get_default_dtype(), copy=False)
    else:
        raise TypeError(
            f"{who}: cannot make a tensor from a {type(data).__name__}; expected a number, "
            f"a (nested) list of numbers, a NumPy array or a Tensor"
        )
    if arr.dtype.kind not in _ALLOWED_KINDS:
        what = {"c": "complex numbers", "U": "strings", "S": "bytes", "O": "Python objects"}
        raise TypeError(
            f"{who}: unsupported data of dtype {arr.dtype} "
            f"({what.get(arr.dtype.kind, 'non-numeric data')}); tensors hold real numbers "
            f"(float, int or bool)"
        )
    return arr


def _operand(x: Any, op_name: str) -> Any:
    """An operator's other argument: Tensors, arrays and real numbers pass through."""
    if x.__class__ in _PASS_THROUGH:
        return x
    if isinstance(x, (Tensor, np.ndarray, float, int, np.generic)) and not isinstance(x, complex):
        if isinstance(x, np.generic) and np.asarray(x).dtype.kind not in _ALLOWED_KINDS:
            raise TypeError(f"{op_name}: unsupported operand of dtype {np.asarray(x).dtype}")
        return x
    if isinstance(x, (list, tuple)):
        if find_tensor(x) is not None:
            return _api.stack_nested(x, op_name)  # differentiable, never a silent constant
        return _to_array(x, who=op_name)
    raise TypeError(
        f"{op_name}: unsupported operand of type {type(x).__name__}; expected a Tensor, a "
        f"NumPy array or a real number"
    )


def _shapes(args: tuple[Any, ...]) -> str:
    return ", ".join(str(np.shape(a._data if isinstance(a, Tensor) else a)) for a in args)


def apply_op(op: Any, args: tuple[Any, ...], params: dict[str, Any] | None) -> Tensor:
    """Run ``op`` on ``args`` (Tensors and constants) and record it if needed.

    This is the per-op hot path: one pass over the arguments, the NumPy forward, and,
    when an input requires grad and grad mode is on, one :class:`Node`.
    """
    requires_grad = False
    values = []
    for a in args:
        if isinstance(a, Tensor):
            values.append(a._data)
            if a.requires_grad:
                requires_grad = True
        else:
            values.append(a)
    st = state
    try:
        if st.anomaly:  # anomaly mode reports non-finite results itself, more precisely
            with np.errstate(all="ignore"):
                out = op.forward(*values, **params) if params else op.forward(*values)
        else:
            out = op.forward(*values, **params) if params else op.forward(*values)
    except (ValueError, TypeError, IndexError) as e:
        raise type(e)(
            f"{op.name}: {e} (input shapes: {_shapes(args)}). {op.hint}".rstrip()
        ) from None
    if out.__class__ is not np.ndarray:
        out = np.asarray(out)
    t = Tensor.__new__(Tensor)
    t._data = out
    if st.anomaly:
        site = anomaly.creation_site()
        anomaly.check_forward(op.name, args, out, site)
    if requires_grad and st.grad_enabled:
        node = Node(
            op,
            args,
            out if op.save_output else None,
            params,
            EPOCH[0] if op.save_inputs else None,
        )
        if st.anomaly:
            node.trace = site
        t.grad_fn = node
        t.requires_grad = True
        if op.view:
            base = args[0]
            t._base = base if base._base is None else base._base
    return t


def apply_binary(op: Any, x: Tensor, y: Any) -> Tensor:
    """``apply_op`` for a Tensor ``x`` and one more operand: the operators' fast path.

    Same behaviour as :func:`apply_op` (which it defers to in anomaly mode and on
    errors), without building argument lists.
    """
    st = state
    if st.anomaly:
        return apply_op(op, (x, y), None)
    if isinstance(y, Tensor):
        try:
            out = op.forward(x._data, y._data)
        except (ValueError, TypeError, IndexError):
            return apply_op(op, (x, y), None)  # re-raises with the op's name and shapes
        requires_grad = x.requires_grad or y.requires_grad
    else:
        try:
            out = op.forward(x._data, y)
        except (ValueError, TypeError, IndexError):
            return apply_op(op, (x, y), None)
        requires_grad = x.requires_grad
    if out.__class__ is not np.ndarray:
        out = np.asarray(out)
    t = Tensor.__new__(Tensor)
    t._data = out
    if requires_grad and st.grad_enabled:
        t.grad_fn = Node(
            op, (x, y), out if op.save_output else None, None, EPOCH[0] if op.save_inputs else None
        )
        t.requires_grad = True
    return t


def apply_unary(op: Any, x: Tensor, params: dict[str, Any] | None = None) -> Tensor:
    """``apply_op`` for one Tensor input: the elementwise functions' fast path."""
    st = state
    if st.anomaly:
        return apply_op(op, (x,), params)
    try:
        out = op.forward(x._data, **params) if params else op.forward(x._data)
    except (ValueError, TypeError, IndexError):
        return apply_op(op, (x,), params)  # re-raises with the op's name and shapes
    if out.__class__ is not np.ndarray:
        out = np.asarray(out)
    t = Tensor.__new__(Tensor)
    t._data = out
    if x.requires_grad and st.grad_enabled:
        t.grad_fn = Node(
            op, (x,), out if op.save_output else None, params, EPOCH[0] if op.save_inputs else None
        )
        t.requires_grad = True
        if op.view:
            t._base = x if x._base is None else x._base
    return t


class _HookHandle:
    """Returned by :meth:`Tensor.register_hook`; ``remove()`` unregisters the hook."""

    def __init__(self, hooks: list[Any], hook: Any) -> None:
        self._hooks = hooks
        self._hook = hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


class Tensor:
    """An n-dimensional array that records the ops applied to it for differentiation.

    Args:
        data: a Python number, a (nested) list of numbers, a NumPy array or a Tensor.
            It is copied. An array keeps its dtype; Python floats get the default
            dtype (float64 unless :func:`set_default_dtype` changed it).
        requires_grad: record ops on this tensor so ``backward()`` fills ``.grad``.
            Only floating-point tensors may require grad.
        dtype: convert the data to this dtype.
        name: an optional label, shown in pictures and in the chain-rule ledger.

    >>> import autograd_mini as am
    >>> x = am.Tensor([1.0, 2.0], requires_grad=True)
    >>> y = (x * x).sum()
    >>> y.backward()
    >>> x.grad
    Tensor([2., 4.])
    """

    __array_priority__ = 1000.0
    __array_ufunc__ = None  # numpy defers to our reflected operators: ndarray * Tensor -> Tensor

    # Class-level defaults: a new tensor sets only what differs from these, which keeps
    # the per-op hot path short (see Node for the same choice).
    _data: np.ndarray
    grad: Tensor | None = None
    requires_grad: bool = False
    grad_fn: Node | None = None
    name: str | None = None
    _version: int = 0  # in-place updates of this tensor
    _mutated_at: int = 0  # the mutation epoch of the last in-place update
    _hooks: list[Any] | None = None
    _base: Tensor | None = None  # the tensor a view op rearranged (for in-place checks)

    def __init__(
        self,
        data: Any,
        requires_grad: bool = False,
        dtype: Any = None,
        name: str | None = None,
    ) -> None:
        self._data = _to_array(data, dtype)
        if name is not None:
            self.name = name
        if requires_grad:
            self.requires_grad_(True)

    # ------------------------------------------------------------ internal constructors

    @classmethod
    def _wrap(cls, array: np.ndarray) -> Tensor:
        """A constant Tensor around ``array`` (no copy, no grad)."""
        t = cls.__new__(cls)
        t._data = array
        return t

    @classmethod
    def _from_node(cls, array: np.ndarray, node: Node) -> Tensor:
        """A Tensor standing for ``node``'s output (used by ``create_graph`` backward)."""
        t = cls._wrap(array)
        t.requires_grad = True
        t.grad_fn = node
        return t

    # ------------------------------------------------------------ properties

    @property
    def data(self) -> np.ndarray:
        """The underlying NumPy array. Assigning to it bumps the version counter."""
        return self._data

    @data.setter
    def data(self, value: Any) -> None:
        self._data = value._data if isinstance(value, Tensor) else np.asarray(value)
        self._bump_version()

    def _bump_version(self) -> None:
        """Record an in-place update (see ``Node.epoch``)."""
        EPOCH[0] += 1
        self._mutated_at = EPOCH[0]
        self._version += 1

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape, as a tuple of ints."""
        return self._data.shape

    @property
    def ndim(self) -> int:
        """The number of axes."""
        return self._data.ndim

    @property
    def size(self) -> int:
        """The number of elements."""
        return int(self._data.size)

    @property
    def dtype(self) -> np.dtype[Any]:
        """The NumPy dtype."""
        return self._data.dtype

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded op (inputs and parameters)."""
        return self.grad_fn is None

    @property
    def T(self) -> Tensor:
        """The tensor with its axes reversed (the transpose of a matrix)."""
        return self.transpose()

    @property
    def version(self) -> int:
        """How many times this tensor was modified in place."""
        return self._version

    # ------------------------------------------------------------ conversion

    def numpy(self) -> np.ndarray:
        """The value as a NumPy array (shares memory; never part of the graph)."""
        return self._data

    def item(self) -> Any:
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise ValueError(
                f"item: only one-element tensors can be converted to a Python number, "
                f"this one has shape {self.shape}"
            )
        return self._data.item()

    def tolist(self) -> Any:
        """The value as (nested) Python lists."""
        return self._data.tolist()

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        if dtype is not None and dtype != self._data.dtype:
            return self._data.astype(dtype)
        return self._data.copy() if copy else self._data

    def __array_function__(
        self, func: Any, types: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        """NumPy functions (``np.sum(t)``, ``np.concatenate([t, u])`` ...) on Tensors.

        Questions about the values that carry no gradient (``np.allclose``, ``np.shape``
        ...) are answered on the arrays. Everything else raises a TypeError naming the
        library's function: NumPy would compute on the bare values and drop the gradient
        (``np.asarray(t)`` states that intent and keeps working).
        """
        name = getattr(func, "__name__", str(func))
        if name in _NUMPY_QUESTIONS:
            arrays = [a._data if isinstance(a, Tensor) else a for a in args]
            return func(*arrays, **kwargs)
        raise TypeError(_numpy_function_message(func, args))

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise ValueError(
                f"the truth value of a tensor of shape {self.shape} is ambiguous; use "
                f"(t).any() or (t).all()"
            )
        return bool(self._data.item())

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return int(self._data.shape[0])

    def __iter__(self) -> Iterator[Tensor]:
        for i in range(len(self)):
            yield self[i]

    __hash__ = object.__hash__  # by identity, at C speed (== is elementwise, as in NumPy)

    def __repr__(self) -> str:
        body = np.array2string(self._data, separator=", ", prefix="Tensor(")
        extras = []
        if self._data.dtype != dtypes.get_default_dtype() and self._data.dtype.kind == "f":
            extras.append(f"dtype={self._data.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn={self.grad_fn!r}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        if self.name:
            extras.append(f"name={self.name!r}")
        return f"Tensor({body}{''.join(', ' + e for e in extras)})"

    # ------------------------------------------------------------ autograd

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place (only on leaves) and return ``self``."""
        if requires_grad and self._data.dtype.kind != "f":
            raise TypeError(
                f"only floating-point tensors can require gradients, this one is "
                f"{self._data.dtype}; make it with a float dtype (e.g. "
                f"am.tensor(data, dtype=np.float64))"
            )
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError(
                "requires_grad_(False) on a non-leaf tensor; use .detach() to cut it from the graph"
            )
        self.requires_grad = bool(requires_grad)
        return self

    def detach(self) -> Tensor:
        """A tensor with the same data (shared, not copied) that is not part of any graph."""
        return Tensor._wrap(self._data)

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in ``.grad`` after ``backward()``."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad() on a tensor that does not require grad")
        if self.grad_fn is not None:
            self.grad_fn.retained = weakref.ref(self)

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> _HookHandle:
        """Call ``hook(grad)`` when this tensor's gradient is computed.

        The hook may return a replacement gradient (same shape) or ``None``. Returns a
        handle whose ``remove()`` unregisters it.
        """
        if not self.requires_grad:
            raise RuntimeError("register_hook on a tensor that does not require grad")
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        else:
            if self.grad_fn.hooks is None:
                self.grad_fn.hooks = []
            hooks = self.grad_fn.hooks
        hooks.append(hook)
        return _HookHandle(hooks, hook)

    def backward(
        self,
        gradient: Any = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
    ) -> None:
        """Backpropagate from this tensor and add the gradients into the leaves' ``.grad``.

        ``gradient`` is the upstream gradient ∂L/∂self (defaults to 1 for a scalar). The
        graph's saved values are freed unless ``retain_graph`` (default: ``create_graph``).
        With ``create_graph=True`` the gradients are themselves differentiable.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward() on a tensor that does not require grad: no input of the "
                "computation had requires_grad=True (or it ran under no_grad())"
            )
        seed = _seed(self, gradient, "backward")
        retain = create_graph if retain_graph is None else retain_graph
        _engine.backward_pass(
            [self], [seed], _engine.Accumulate(), retain_graph=retain, create_graph=create_graph
        )

    # ------------------------------------------------------------ in-place updates

    def _check_inplace(self, what: str) -> bool:
        """True when the in-place op must be recorded out of place (a tracked non-leaf)."""
        if self.requires_grad and state.grad_enabled:
            if self.grad_fn is None:
                raise RuntimeError(
                    f"a leaf tensor that requires grad is used in an in-place operation "
                    f"({what}). Update parameters inside `with am.no_grad():`, or use an "
                    f"out-of-place op (x = x + y)."
                )
            return True
        return False

    def _assign(self, value: np.ndarray, what: str) -> Tensor:
        value = np.asarray(value)
        if value.shape != self._data.shape:
            raise ValueError(
                f"in-place {what}: the result has shape {value.shape} but the tensor has "
                f"shape {self.shape}; in-place ops cannot change a tensor's shape"
            )
        # copy-on-write: arrays saved by graph nodes are never mutated
        self._data = value.astype(self._data.dtype, copy=False)
        self._bump_version()
        return self

    def _inplace(self, ufunc: Any, other: Any, symbol: str) -> Tensor:
        if self._check_inplace(symbol):
            return NotImplemented  # Python falls back to x = x op y
        other = _operand(other, symbol)
        value = other._data if isinstance(other, Tensor) else other
        return self._assign(ufunc(self._data, value), symbol)

    def __iadd__(self, other: Any) -> Tensor:
        return self._inplace(np.add, other, "+=")

    def __isub__(self, other: Any) -> Tensor:
        return self._inplace(np.subtract, other, "-=")

    def __imul__(self, other: Any) -> Tensor:
        return self._inplace(np.multiply, other, "*=")

    def __itruediv__(self, other: Any) -> Tensor:
        return self._inplace(np.true_divide, other, "/=")

    def zero_(self) -> Tensor:
        """Set every element to 0 in place (bumps the version counter)."""
        return self.fill_(0)

    def fill_(self, value: float) -> Tensor:
        """Set every element to ``value`` in place (bumps the version counter)."""
        if self._check_inplace("fill_"):
            raise RuntimeError(
                "fill_ on a tensor that is part of a graph; use am.full_like(...) instead"
            )
        return self._assign(np.full_like(self._data, value), "fill_")

    def __setitem__(self, index: Any, value: Any) -> None:
        if self._check_inplace("slice assignment"):
            raise RuntimeError(
                "slice assignment to a tensor that is part of a graph is not recorded; "
                "build the value out of place (am.where(mask, new, x), am.concatenate) "
                "or assign under `with am.no_grad():`"
            )
        if state.grad_enabled and _is_graph_value(value):
            raise RuntimeError(
                "slice assignment: the assigned value requires grad, but writing it into "
                "this tensor would keep only its values and drop its gradient. Build the "
                "result out of place instead (am.where(mask, value, x), am.stack, "
                "am.concatenate), or assign under `with am.no_grad():` if you want constants."
            )
        new = self._data.copy()
        new[_index(index)] = value._data if isinstance(value, Tensor) else value
        self._assign(new, "slice assignment")

    # ------------------------------------------------------------ operators

    def __add__(self, other: Any) -> Tensor:
        return apply_binary(_b.add, self, _operand(other, "add"))

    def __radd__(self, other: Any) -> Tensor:
        return apply_op(_b.add, (_operand(other, "add"), self), None)

    def __sub__(self, other: Any) -> Tensor:
        return apply_binary(_b.sub, self, _operand(other, "sub"))

    def __rsub__(self, other: Any) -> Tensor:
        return apply_op(_b.sub, (_operand(other, "sub"), self), None)

    def __mul__(self, other: Any) -> Tensor:
        return apply_binary(_b.mul, self, _operand(other, "mul"))

    def __rmul__(self, other: Any) -> Tensor:
        return apply_op(_b.mul, (_operand(other, "mul"), self), None)

    def __truediv__(self, other: Any) -> Tensor:
        return apply_binary(_b.div, self, _operand(other, "div"))

    def __rtruediv__(self, other: Any) -> Tensor:
        return apply_op(_b.div, (_operand(other, "div"), self), None)

    def __pow__(self, other: Any) -> Tensor:
        return apply_binary(_b.pow_, self, _operand(other, "pow"))

    def __rpow__(self, other: Any) -> Tensor:
        return apply_op(_b.pow_, (_operand(other, "pow"), self), None)

    def __matmul__(self, other: Any) -> Tensor:
        return apply_binary(_l.matmul, self, _operand(other, "matmul"))

    def __rmatmul__(self, other: Any) -> Tensor:
        return apply_op(_l.matmul, (_operand(other, "matmul"), self), None)

    def __neg__(self) -> Tensor:
        return apply_unary(_u.neg, self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return apply_op(_u.abs_, (self,), None)

    def __getitem__(self, index: Any) -> Tensor:
        return apply_unary(_s.getitem, self, {"index": _index(index)})

    # comparisons give boolean tensors and carry no gradient
    def _compare(self, other: Any, ufunc: Any, name: str) -> Tensor:
        other = _operand(other, name)
        value = other._data if isinstance(other, Tensor) else other
        return Tensor._wrap(np.asarray(ufunc(self._data, value)))

    def __lt__(self, other: Any) -> Tensor:
        return self._compare(other, np.less, "<")

    def __le__(self, other: Any) -> Tensor:
        return self._compare(other, np.less_equal, "<=")

    def __gt__(self, other: Any) -> Tensor:
        return self._compare(other, np.greater, ">")

    def __ge__(self, other: Any) -> Tensor:
        return self._compare(other, np.greater_equal, ">=")

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.equal, "==")

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.not_equal, "!=")

    # ------------------------------------------------------------ methods (see ops.api)

    def exp(self) -> Tensor:
        """Elementwise eˣ (see :func:`autograd_mini.exp`)."""
        return _api.exp(self)

    def log(self) -> Tensor:
        """Elementwise natural log (see :func:`autograd_mini.log`)."""
        return _api.log(self)

    def sqrt(self) -> Tensor:
        """Elementwise square root (see :func:`autograd_mini.sqrt`)."""
        return _api.sqrt(self)

    def abs(self) -> Tensor:
        """Elementwise absolute value (see :func:`autograd_mini.abs`)."""
        return _api.abs(self)

    def sin(self) -> Tensor:
        """Elementwise sine."""
        return _api.sin(self)

    def cos(self) -> Tensor:
        """Elementwise cosine."""
        return _api.cos(self)

    def tanh(self) -> Tensor:
        """Elementwise hyperbolic tangent."""
        return _api.tanh(self)

    def sigmoid(self) -> Tensor:
        """Elementwise logistic sigmoid."""
        return _api.sigmoid(self)

    def relu(self) -> Tensor:
        """Elementwise max(x, 0)."""
        return _api.relu(self)

    def clip(self, lo: float | None = None, hi: float | None = None) -> Tensor:
        """Clamp into [lo, hi] (see :func:`autograd_mini.clip`)."""
        return _api.clip(self, lo, hi)

    clamp = clip

    def pow(self, exponent: Any) -> Tensor:
        """``self ** exponent``."""
        return self**exponent

    def matmul(self, other: Any) -> Tensor:
        """``self @ other``."""
        return self @ other

    def dot(self, other: Any) -> Tensor:
        """Dot product (see :func:`autograd_mini.dot`)."""
        return _api.dot(self, other)

    def astype(self, dtype: Any) -> Tensor:
        """Cast to ``dtype``; the gradient is cast back."""
        return _api.astype(self, dtype)

    def sum(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Sum over ``axis`` (all axes by default)."""
        return _api.sum(self, axis, keepdims)

    def mean(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Mean over ``axis`` (all axes by default)."""
        return _api.mean(self, axis, keepdims)

    def max(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Maximum over ``axis``; ties share the gradient evenly."""
        return _api.max(self, axis, keepdims)

    def min(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Minimum over ``axis``; ties share the gradient evenly."""
        return _api.min(self, axis, keepdims)

    def var(self, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
        """Variance over ``axis`` with ``ddof`` (0 by default, NumPy's convention)."""
        return _api.var(self, axis, keepdims, ddof)

    def std(self, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
        """Standard deviation over ``axis`` with ``ddof`` (0 by default)."""
        return _api.std(self, axis, keepdims, ddof)

    def logsumexp(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """log Σ exp(x) over ``axis``, computed stably."""
        return _api.logsumexp(self, axis, keepdims)

    def softmax(self, axis: int = -1) -> Tensor:
        """Softmax along ``axis``."""
        return _api.softmax(self, axis)

    def log_softmax(self, axis: int = -1) -> Tensor:
        """Log-softmax along ``axis``."""
        return _api.log_softmax(self, axis)

    def argmax(self, axis: int | None = None) -> np.ndarray:
        """Indices of the maxima (a NumPy array; no gradient)."""
        return np.asarray(np.argmax(self._data, axis=_api.single_axis(self, axis, "argmax")))

    def argmin(self, axis: int | None = None) -> np.ndarray:
        """Indices of the minima (a NumPy array; no gradient)."""
        return np.asarray(np.argmin(self._data, axis=_api.single_axis(self, axis, "argmin")))

    def reshape(self, *shape: Any) -> Tensor:
        """The same values in a new shape (a tuple or separate ints; -1 is inferred)."""
        return _api.reshape(self, shape[0] if len(shape) == 1 else shape)

    def transpose(self, *axes: Any) -> Tensor:
        """Permute the axes (reversed when none are given)."""
        if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
            axes = tuple(axes[0] or ())
        return _api.transpose(self, tuple(axes) if axes else None)

    def swapaxes(self, axis1: int, axis2: int) -> Tensor:
        """Exchange two axes."""
        return _api.swapaxes(self, axis1, axis2)

    def flatten(self) -> Tensor:
        """The values as a 1-D tensor."""
        return _api.reshape(self, (-1,))

    def squeeze(self, axis: Any = None) -> Tensor:
        """Remove axes of size 1 (all of them, or the given ones)."""
        return _api.squeeze(self, axis)

    def unsqueeze(self, axis: int) -> Tensor:
        """Insert an axis of size 1 at ``axis``."""
        return _api.unsqueeze(self, axis)

    def broadcast_to(self, shape: tuple[int, ...]) -> Tensor:
        """Broadcast to ``shape`` (see :func:`autograd_mini.broadcast_to`)."""
        return _api.broadcast_to(self, shape)


def _index(index: Any) -> Any:
    """Turn Tensors and lists inside an index into arrays NumPy understands."""
    if isinstance(index, tuple):
        return tuple(_index_item(i) for i in index)
    return _index_item(index)


def _index_item(i: Any) -> Any:
    if isinstance(i, Tensor):
        i = i._data
    elif isinstance(i, list):
        i = np.asarray(i)
    if isinstance(i, np.ndarray) and i.dtype.kind not in "iub":
        raise IndexError(
            f"getitem: index arrays must be integers or booleans, got {i.dtype}; use "
            f".astype(int) for float indices"
        )
    return i


# NumPy functions that only ask about values (no array result a gradient could flow
# through): Tensor.__array_function__ answers them on the arrays
_NUMPY_QUESTIONS = frozenset(
    {
        "shape",
        "ndim",
        "size",
        "allclose",
        "isclose",
        "array_equal",
        "array_equiv",
        "array_repr",
        "array_str",
        "array2string",
        "iscomplexobj",
        "isrealobj",
        "result_type",
        "may_share_memory",
        "shares_memory",
    }
)


def _numpy_function_message(func: Any, args: tuple[Any, ...]) -> str:
    """Why a NumPy function refuses Tensors, and what to call instead."""
    import autograd_mini as am  # late: only on this error path

    name = getattr(func, "__name__", str(func))
    module = getattr(func, "__module__", None) or "numpy"
    full = "np" + module[len("numpy") :] + "." + name if module.startswith("numpy") else name
    arg = "t" if args and isinstance(args[0], Tensor) else "..."
    head = (
        f"{full}() was given an autograd_mini Tensor: NumPy would compute on its bare "
        f"values, outside the graph, and the gradient would be lost."
    )
    tail = " For a plain NumPy result without gradient, pass arrays (t.numpy())."
    if module == "numpy" and callable(getattr(am, name, None)):
        method = f" or t.{name}()" if arg == "t" and callable(getattr(Tensor, name, None)) else ""
        return f"{head} Use am.{name}({arg}){method} instead.{tail}"
    return (
        f"{head} autograd_mini has no am{full[2:]}; build it from am ops, or write it as a "
        f"custom op (am.custom_op).{tail}"
    )


def _seed(root: Tensor, gradient: Any, who: str) -> Any:
    """The upstream gradient for ``root``: ones for a scalar, else checked ``gradient``."""
    if gradient is None:
        if root._data.size != 1:
            raise RuntimeError(
                f"{who}: grad can be implicitly created only for scalar outputs, but this "
                f"tensor has shape {root.shape}. Pass gradient= (an array of that shape), "
                f"or reduce first (e.g. loss.sum().backward())."
            )
        return np.ones_like(root._data)
    if isinstance(gradient, Tensor):
        if gradient.shape != root.shape:
            raise RuntimeError(
                f"{who}: gradient has shape {gradient.shape} but the tensor has shape "
                f"{root.shape}; they must match"
            )
        return gradient if gradient.requires_grad else np.array(gradient._data, copy=True)
    g = np.array(gradient, dtype=root._data.dtype, copy=True)
    if g.shape != root.shape:
        raise RuntimeError(
            f"{who}: gradient has shape {g.shape} but the tensor has shape {root.shape}; "
            f"they must match"
        )
    return g


_PASS_THROUGH = {Tensor, float, int, np.ndarray, np.float64, np.float32}

from .core import engine as _engine  # noqa: E402
from .ops import api as _api  # noqa: E402  (ops need Tensor; Tensor methods need ops)
from .ops import binary as _b  # noqa: E402
from .ops import linalg as _l  # noqa: E402
from .ops import shape as _s  # noqa: E402
from .ops import unary as _u  # noqa: E402

_engine._Tensor = Tensor
_engine._sum_to = _s.sum_to
