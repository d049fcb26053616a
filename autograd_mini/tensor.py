"""The ``Tensor`` type: a NumPy array, its gradient and its place in the graph.

Arithmetic on Tensors goes through :func:`apply_op`, the one place where an op is run
and, when some input requires grad and grad mode is on, recorded as a graph
:class:`~autograd_mini.core.node.Node`.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Union

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


def is_graph_value(value: Any) -> bool:
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
        if state.recorder is not None:  # a compiled step records the copy
            state.recorder.call("copy", np.array, (data._data,), {"dtype": dtype, "copy": True}, arr)
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
    detour = st.detour  # anomaly mode, forward mode or a compiled step's recording is on
    anomalous = detour and st.anomaly
    record = requires_grad and st.grad_enabled
    # an op whose VJP reads more than its output saves it as it goes (a residual)
    fn = op.forward_saving if record and op.forward_saving is not None else op.forward
    try:
        if anomalous:  # anomaly mode reports non-finite results itself, more precisely
            with np.errstate(all="ignore"):
                out = fn(*values, **params) if params else fn(*values)
        else:
            out = fn(*values, **params) if params else fn(*values)
    except (ValueError, TypeError, IndexError) as e:
        raise type(e)(
            f"{op.name}: {e} (input shapes: {_shapes(args)}). {op.hint}".rstrip()
        ) from None
    saving = fn is not op.forward
    saved: Any = None
    if saving:
        out, saved = out
    if out.__class__ is not np.ndarray:
        out = np.asarray(out)
    t = Tensor.__new__(Tensor)
    t._data = out
    if anomalous:
        site = anomaly.creation_site()
        anomaly.check_forward(op.name, args, out, site)
    if record:
        node = Node(
            op,
            args,
            saved if saving else out if op.save_output else None,
            params,
            EPOCH[0] if op.save_inputs else None,
        )
        if anomalous:
            node.trace = site
        t.grad_fn = node
        t.requires_grad = True
        if op.view:
            base = args[0]
            t._base = base if base._base is None else base._base
    if detour:
        if st.forward is not None:  # forward mode: the output's tangents (core/forward.py)
            st.forward.push(op, args, params, t)
        if st.recorder is not None:  # recording a compiled step (autograd_mini/compile.py)
            st.recorder.op(op, args, params, t)
    return t


def apply_binary(op: Any, x: Any, y: Any) -> Tensor:
    """``apply_op`` for two operands, at least one a Tensor: the operators' fast path
    (``x + y`` and, reflected, ``2 * x``).

    Same behaviour as :func:`apply_op` (which it defers to in anomaly mode and on
    errors), without building argument lists.
    """
    st = state
    if st.detour or op.forward_saving is not None:  # anomaly, forward mode, recording, residuals
        return apply_op(op, (x, y), None)
    x_tensor, y_tensor = isinstance(x, Tensor), isinstance(y, Tensor)
    try:
        out = op.forward(x._data if x_tensor else x, y._data if y_tensor else y)
    except (ValueError, TypeError, IndexError):
        return apply_op(op, (x, y), None)  # re-raises with the op's name and shapes
    requires_grad = (x_tensor and x.requires_grad) or (y_tensor and y.requires_grad)
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
    if st.detour or op.forward_saving is not None:  # anomaly, forward mode, recording, residuals
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


def values_result(fn: Any, inputs: tuple[Any, ...], out: np.ndarray) -> Tensor:
    """A Tensor of values computed from tensors by ``fn`` with no gradient (comparisons, logic).

    A compiled step being recorded is told the call, so a replay computes it again
    instead of keeping the traced call's values.
    """
    t = Tensor._wrap(out)
    if state.detour and state.recorder is not None:
        state.recorder.call(getattr(fn, "__name__", "call"), fn, inputs, None, out)
    return t


def record_call(
    name: str, fn: Any, inputs: tuple[Any, ...], params: dict[str, Any] | None, outs: tuple[Any, ...]
) -> None:
    """Tell a compiled step being recorded that ``outs = fn(*inputs, **params)`` (arrays).

    For library code that computes on tensors' arrays outside the ops (gradient clipping):
    a replay calls ``fn`` again instead of keeping the traced call's arrays.
    """
    if state.detour and state.recorder is not None:
        state.recorder.call_many(name, fn, inputs, params, outs)


def traced_values(fn: Any, inputs: tuple[Any, ...], params: dict[str, Any] | None = None) -> Any:
    """``fn(*arrays, **params)`` for a library function that computes values with no gradient
    (masks, indices, sort orders) outside the ops; a compiled step being recorded is told
    the call, so a replay computes it again on the new values instead of keeping the traced
    call's result as a constant.

    ``inputs`` may hold Tensors (their arrays are passed; a parameter not seen before
    becomes state the replay reads); ``fn`` must return the final array, or a tuple of
    arrays, exactly as the caller uses them (so the recorder can follow them by identity).
    """
    arrays = tuple(a._data if isinstance(a, Tensor) else a for a in inputs)
    out = fn(*arrays, **(params or {}))
    if state.detour and state.recorder is not None:
        outs = out if isinstance(out, tuple) else (out,)
        state.recorder.call_many(getattr(fn, "__name__", "call"), fn, inputs, params, outs)
    return out


def data_dependent(inputs: tuple[Any, ...], what: str) -> None:
    """Tell a compiled step being recorded that ``what`` makes an array whose *shape*
    depends on the values of ``inputs`` (``nonzero``): it raises if they are traced."""
    if state.detour and state.recorder is not None:
        state.recorder.data_dependent(inputs, what)


class _HookHandle:
    """Returned by :meth:`Tensor.register_hook`; ``remove()`` unregisters the hook."""

    def __init__(self, hooks: list[Any], hook: Any) -> None:
        self._hooks = hooks
        self._hook = hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


if TYPE_CHECKING:  # the ops layer attaches these at import time; type checkers see them here
    from .ops.methods import TensorMethods as _Methods
else:
    _Methods = object


class Tensor(_Methods):
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
    _grad: Tensor | None = None
    requires_grad: bool = False
    grad_fn: Node | None = None
    name: str | None = None
    _version: int = 0  # in-place updates of this tensor
    _mutated_at: int = 0  # the mutation epoch of the last in-place update
    _hooks: list[Any] | None = None
    _base: Tensor | None = None  # the tensor a view op rearranged (for in-place checks)
    _tangents: dict[Any, Any] | None = None  # forward mode: a tangent per dual level

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
        if node.tangents is not None:  # forward over reverse: the output's tangents
            t._tangents = dict(node.tangents)
        return t

    # ------------------------------------------------------------ properties

    @property
    def data(self) -> np.ndarray:
        """The underlying NumPy array. Assigning to it bumps the version counter.

        Inside a function being compiled (``am.compile``), reading the ``.data`` of a
        tensor the step computes or updates raises ``TraceError``, like ``numpy()``: NumPy
        code on the array would run once, at trace time.
        """
        if state.detour:
            self._read(".data")
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
    def grad(self) -> Tensor | None:
        """The gradient ``backward()`` accumulated into this tensor (``None`` before any).

        Assigning it takes a Tensor of this tensor's shape, or ``None`` (what
        ``zero_grad()`` does). Inside a function being compiled (``am.compile``) the
        assignment is recorded, so every replay makes it too.
        """
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    f"grad must be a Tensor or None, got a {type(value).__name__}; wrap an "
                    f"array with am.tensor(array)"
                )
            if value._data.shape != self._data.shape:
                raise RuntimeError(
                    f"the assigned grad has shape {value._data.shape}, but the tensor has shape "
                    f"{self._data.shape}; a gradient has its tensor's shape"
                )
        self._grad = value
        if state.detour and state.recorder is not None:  # a compiled step replays it
            state.recorder.assign_grad(self, value)

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
    def version(self) -> int:
        """How many times this tensor was modified in place."""
        return self._version

    # ------------------------------------------------------------ conversion

    def _read(self, what: str) -> None:
        """While a compiled step is being recorded, a value read may not be traceable."""
        if state.recorder is not None:
            state.recorder.read(self, what)

    def numpy(self) -> np.ndarray:
        """The value as a NumPy array (shares memory; never part of the graph)."""
        if state.detour:
            self._read("numpy()")
        return self._data

    def item(self) -> Any:
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise ValueError(
                f"item: only one-element tensors can be converted to a Python number, "
                f"this one has shape {self.shape}"
            )
        if state.detour:
            self._read("item()")
        return self._data.item()

    def tolist(self) -> Any:
        """The value as (nested) Python lists."""
        if state.detour:
            self._read("tolist()")
        return self._data.tolist()

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        if state.detour:
            self._read("np.asarray()")
        if dtype is not None and dtype != self._data.dtype:
            return self._data.astype(dtype)
        return self._data.copy() if copy else self._data

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
        if state.detour:
            self._read("bool()")
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

    # ------------------------------------------------------------ in-place updates

    def _check_inplace(self, what: str) -> bool:
        """True when the in-place op must be recorded out of place (a tracked non-leaf)."""
        if self._tangents is not None and state.forward is not None:
            return True  # a dual tensor: x = x + y carries the tangent, x += y would not
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
        if state.grad_enabled and is_graph_value(value):
            raise RuntimeError(
                "slice assignment: the assigned value requires grad, but writing it into "
                "this tensor would keep only its values and drop its gradient. Build the "
                "result out of place instead (am.where(mask, value, x), am.stack, "
                "am.concatenate), or assign under `with am.no_grad():` if you want constants."
            )
        new = self._data.copy()
        new[_index(index)] = value._data if isinstance(value, Tensor) else value
        self._assign(new, "slice assignment")

def _index(index: Any) -> Any:
    """Turn Tensors and lists inside an index into arrays NumPy understands."""
    if isinstance(index, tuple):
        return tuple(_index_item(i) for i in index)
    return _index_item(index)


def _index_item(i: Any) -> Any:
    # a compiled step's shapes are fixed: a mask's count of True values is not
    if state.detour and np.asarray(i._data if isinstance(i, Tensor) else i).dtype == np.bool_:
        data_dependent((i,), "indexing with a boolean mask (t[mask])")
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


def _seed(root: Tensor, gradient: Any, who: str) -> Any:
    """The upstream gradient for ``root``: ones for a scalar, else checked ``gradient``."""
    if gradient is None:
        if root._data.size != 1:
            raise RuntimeError(
                f"{who}: grad can be implicitly created only for scalar outputs, but this "
                f"tensor has shape {root.shape}. Pass gradient= (an array of that shape), "
                f"or reduce first (e.g. loss.sum().backward())."
            )
        one = np.array(1, dtype=root._data.dtype)  # ones of the root's shape, without ones_like's overhead
        return one if root._data.ndim == 0 else one.reshape(root._data.shape)
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
