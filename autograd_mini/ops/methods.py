# mypy: disable-error-code="misc"
# (each method annotates self as Tensor, the class it is attached to; mypy calls that
# "not a supertype" of TensorMethods, an error of the [misc] code only)
"""Tensor's operators and methods, attached to the core's Tensor type by the ops layer.

The core's :class:`~autograd_mini.tensor.Tensor` holds data, gradient and graph links
and knows no math. Everything that applies an op (``x + y``, ``x @ w``, ``x[i]``,
``x.sum()``, ``x.reshape(...)``) or runs the backward pass (``x.backward()``) is written
here, in :class:`TensorMethods`, and copied onto ``Tensor`` when the ops package is
imported, so every import points down the stack (ops → core). Type checkers see the
methods through ``Tensor``'s base class (a ``TYPE_CHECKING``-only import).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core import engine
from ..tensor import (
    Tensor,
    _index,
    _seed,
    apply_binary,
    apply_op,
    apply_unary,
    traced_values,
    values_result,
)
from . import api as _api
from . import binary as _b
from . import linalg as _l
from . import shape as _s
from . import unary as _u
from .convert import operand as _operand

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
    name = getattr(func, "__name__", str(func))
    module = getattr(func, "__module__", None) or "numpy"
    full = "np" + module[len("numpy") :] + "." + name if module.startswith("numpy") else name
    arg = "t" if args and isinstance(args[0], Tensor) else "..."
    head = (
        f"{full}() was given an autograd_mini Tensor: NumPy would compute on its bare "
        f"values, outside the graph, and the gradient would be lost."
    )
    tail = " For a plain NumPy result without gradient, pass arrays (t.numpy())."
    if module == "numpy" and callable(getattr(_api, name, None)):
        method = f" or t.{name}()" if arg == "t" and callable(getattr(Tensor, name, None)) else ""
        return f"{head} Use am.{name}({arg}){method} instead.{tail}"
    return (
        f"{head} autograd_mini has no am{full[2:]}; build it from am ops, or write it as a "
        f"custom op (am.custom_op).{tail}"
    )




def _check_logic_dtype(a: np.ndarray, b: np.ndarray, symbol: str) -> None:
    """``&``, ``|``, ``^``, ``~`` take boolean or integer operands only (NumPy's and PyTorch's rule)."""
    for v in (a, b):
        if v.dtype.kind not in "biu":
            raise TypeError(
                f"{symbol} needs boolean or integer tensors, got dtype {v.dtype}; for truth "
                f"values compare first (x > 0) or use am.logical_and/logical_or/logical_xor/"
                f"logical_not"
            )


def _arg_extreme(t: Tensor, fn: Any, axis: Any, keepdims: bool, who: str) -> np.ndarray:
    a = _api.single_axis(t, axis, who)
    if t._data.size == 0:
        raise ValueError(f"{who}: the tensor of shape {t.shape} is empty; there is no {who[3:]}imum")
    return traced_values(_ARG_EXTREME[fn], (t,), {"axis": a, "keepdims": bool(keepdims)})


def _argmax_array(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    """``np.argmax`` as an array (a compiled step replays it on the new values)."""
    return np.asarray(np.argmax(x, axis=axis, keepdims=keepdims))


def _argmin_array(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    """``np.argmin`` as an array (a compiled step replays it on the new values)."""
    return np.asarray(np.argmin(x, axis=axis, keepdims=keepdims))


_ARG_EXTREME = {np.argmax: _argmax_array, np.argmin: _argmin_array}


class TensorMethods:
    """The operators and op methods of :class:`~autograd_mini.tensor.Tensor` (see module doc)."""

    _data: np.ndarray

    @property
    def T(self: Tensor) -> Tensor:
        """The tensor with its axes reversed (the transpose of a matrix)."""
        return _api.transpose(self)

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

    def backward(
        self: Tensor,
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
        engine.backward_pass(
            [self], [seed], engine.Accumulate(), retain_graph=retain, create_graph=create_graph
        )

    def _inplace(self: Tensor, ufunc: Any, other: Any, symbol: str) -> Tensor:
        if self._check_inplace(symbol):
            return NotImplemented  # Python falls back to x = x op y
        other = _operand(other, symbol)
        value = other._data if isinstance(other, Tensor) else other
        return self._assign(ufunc(self._data, value), symbol)

    def __iadd__(self: Tensor, other: Any) -> Tensor:
        return self._inplace(np.add, other, "+=")

    def __isub__(self: Tensor, other: Any) -> Tensor:
        return self._inplace(np.subtract, other, "-=")

    def __imul__(self: Tensor, other: Any) -> Tensor:
        return self._inplace(np.multiply, other, "*=")

    def __itruediv__(self: Tensor, other: Any) -> Tensor:
        return self._inplace(np.true_divide, other, "/=")

    def __imod__(self: Tensor, other: Any) -> Tensor:
        return self._inplace(np.remainder, other, "%=")

    def __ifloordiv__(self: Tensor, other: Any) -> Tensor:
        return self._inplace(np.floor_divide, other, "//=")

    # ------------------------------------------------------------ operators

    def __add__(self: Tensor, other: Any) -> Tensor:
        return apply_binary(_b.add, self, _operand(other, "add"))

    def __radd__(self: Tensor, other: Any) -> Tensor:
        return apply_binary(_b.add, _operand(other, "add"), self)

    def __sub__(self: Tensor, other: Any) -> Tensor:
        return apply_binary(_b.sub, self, _operand(other, "sub"))

    def __rsub__(self: Tensor, other: Any) -> Tensor:
        return apply_binary(_b.sub, _operand(other, "sub"), self)

    def __mul__(self: Tensor, other: Any) -> Tensor:
        return apply_binary(_b.mul, self, _operand(other, "mul"))

    def __rmul__(self: Tensor, other: Any) -> Tensor:
        return apply_binary(_b.mul, _operand(other, "mul"), self)

    def __truediv__(self: Tensor, other: Any) -> Tensor:
        return apply_binary(_b.div, self, _operand(other, "div"))

    def __rtruediv__(self: Tensor, other: Any) -> Tensor:
        return apply_binary(_b.div, _operand(other, "div"), self)

    def __pow__(self: Tensor, other: Any) -> Tensor:
        return apply_binary(_b.pow_, self, _operand(other, "pow"))

    def __rpow__(self: Tensor, other: Any) -> Tensor:
        return apply_binary(_b.pow_, _operand(other, "pow"), self)

    # floor-mod and floor division (Python's % and //, NumPy's, torch.remainder's sign
    # convention): x % y has x̄ = ḡ, ȳ = -ḡ·⌊x/y⌋; x // y has zero gradient
    def __mod__(self: Tensor, other: Any) -> Tensor:
        return apply_binary(_b.remainder, self, _operand(other, "remainder"))

    def __rmod__(self: Tensor, other: Any) -> Tensor:
        return apply_binary(_b.remainder, _operand(other, "remainder"), self)

    def __floordiv__(self: Tensor, other: Any) -> Tensor:
        return apply_binary(_b.floor_divide, self, _operand(other, "floor_divide"))

    def __rfloordiv__(self: Tensor, other: Any) -> Tensor:
        return apply_binary(_b.floor_divide, _operand(other, "floor_divide"), self)

    def __matmul__(self: Tensor, other: Any) -> Tensor:
        return apply_binary(_l.matmul, self, _operand(other, "matmul"))

    def __rmatmul__(self: Tensor, other: Any) -> Tensor:
        return apply_binary(_l.matmul, _operand(other, "matmul"), self)

    def __neg__(self: Tensor) -> Tensor:
        return apply_unary(_u.neg, self)

    def __pos__(self: Tensor) -> Tensor:
        return self

    def __abs__(self: Tensor) -> Tensor:
        return apply_op(_u.abs_, (self,), None)

    def __getitem__(self: Tensor, index: Any) -> Tensor:
        return apply_unary(_s.getitem, self, {"index": _index(index)})

    # comparisons give boolean tensors and carry no gradient
    def _compare(self: Tensor, other: Any, ufunc: Any, name: str) -> Tensor:
        other = _operand(other, name)
        value = other._data if isinstance(other, Tensor) else other
        return values_result(ufunc, (self._data, value), np.asarray(ufunc(self._data, value)))

    def __lt__(self: Tensor, other: Any) -> Tensor:
        return self._compare(other, np.less, "<")

    def __le__(self: Tensor, other: Any) -> Tensor:
        return self._compare(other, np.less_equal, "<=")

    def __gt__(self: Tensor, other: Any) -> Tensor:
        return self._compare(other, np.greater, ">")

    def __ge__(self: Tensor, other: Any) -> Tensor:
        return self._compare(other, np.greater_equal, ">=")

    def __eq__(self: Tensor, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.equal, "==")

    def __ne__(self: Tensor, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.not_equal, "!=")

    # &, |, ^, ~ on boolean and integer tensors (bitwise on integers, as in NumPy and
    # PyTorch); no gradient. Truth values of float tensors: am.logical_and/or/xor/not.
    def _bitwise(self: Tensor, other: Any, ufunc: Any, symbol: str, reflected: bool = False) -> Tensor:
        other = _operand(other, symbol)
        value = np.asarray(other._data if isinstance(other, Tensor) else other)
        _check_logic_dtype(self._data, value, symbol)
        a, b = (value, self._data) if reflected else (self._data, value)
        return values_result(ufunc, (a, b), np.asarray(ufunc(a, b)))

    def __and__(self: Tensor, other: Any) -> Tensor:
        return self._bitwise(other, np.bitwise_and, "&")

    def __rand__(self: Tensor, other: Any) -> Tensor:
        return self._bitwise(other, np.bitwise_and, "&", reflected=True)

    def __or__(self: Tensor, other: Any) -> Tensor:
        return self._bitwise(other, np.bitwise_or, "|")

    def __ror__(self: Tensor, other: Any) -> Tensor:
        return self._bitwise(other, np.bitwise_or, "|", reflected=True)

    def __xor__(self: Tensor, other: Any) -> Tensor:
        return self._bitwise(other, np.bitwise_xor, "^")

    def __rxor__(self: Tensor, other: Any) -> Tensor:
        return self._bitwise(other, np.bitwise_xor, "^", reflected=True)

    def __invert__(self: Tensor) -> Tensor:
        _check_logic_dtype(self._data, self._data, "~")
        return values_result(np.invert, (self._data,), np.asarray(np.invert(self._data)))

    # ------------------------------------------------------------ methods (see ops.api)

    def clip(self: Tensor, lo: float | None = None, hi: float | None = None) -> Tensor:
        """Clamp into [lo, hi] (see :func:`autograd_mini.clip`)."""
        return _api.clip(self, lo, hi)

    clamp = clip

    def pow(self: Tensor, exponent: Any) -> Tensor:
        """``self ** exponent``."""
        return self**exponent

    def matmul(self: Tensor, other: Any) -> Tensor:
        """``self @ other``."""
        return self @ other

    def dot(self: Tensor, other: Any) -> Tensor:
        """Dot product (see :func:`autograd_mini.dot`)."""
        return _api.dot(self, other)

    def astype(self: Tensor, dtype: Any) -> Tensor:
        """Cast to ``dtype``; the gradient is cast back."""
        return _api.astype(self, dtype)

    def sum(self: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Sum over ``axis`` (all axes by default)."""
        return _api.sum(self, axis, keepdims)

    def mean(self: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Mean over ``axis`` (all axes by default)."""
        return _api.mean(self, axis, keepdims)

    def max(self: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Maximum over ``axis``; ties share the gradient evenly."""
        return _api.max(self, axis, keepdims)

    def min(self: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Minimum over ``axis``; ties share the gradient evenly."""
        return _api.min(self, axis, keepdims)

    def var(self: Tensor, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
        """Variance over ``axis`` with ``ddof`` (0 by default, NumPy's convention)."""
        return _api.var(self, axis, keepdims, ddof)

    def std(self: Tensor, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
        """Standard deviation over ``axis`` with ``ddof`` (0 by default)."""
        return _api.std(self, axis, keepdims, ddof)

    def logsumexp(self: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
        """log Σ exp(x) over ``axis``, computed stably."""
        return _api.logsumexp(self, axis, keepdims)

    def softmax(self: Tensor, axis: int = -1) -> Tensor:
        """Softmax along ``axis``."""
        return _api.softmax(self, axis)

    def log_softmax(self: Tensor, axis: int = -1) -> Tensor:
        """Log-softmax along ``axis``."""
        return _api.log_softmax(self, axis)

    def argmax(self: Tensor, axis: int | None = None, keepdims: bool = False) -> np.ndarray:
        """Indices of the maxima (a NumPy array; no gradient; see :func:`autograd_mini.argmax`)."""
        return _arg_extreme(self, np.argmax, axis, keepdims, "argmax")

    def argmin(self: Tensor, axis: int | None = None, keepdims: bool = False) -> np.ndarray:
        """Indices of the minima (a NumPy array; no gradient; see :func:`autograd_mini.argmin`)."""
        return _arg_extreme(self, np.argmin, axis, keepdims, "argmin")

    def reshape(self: Tensor, *shape: Any) -> Tensor:
        """The same values in a new shape (a tuple or separate ints; -1 is inferred)."""
        return _api.reshape(self, shape[0] if len(shape) == 1 else shape)

    # transpose (NumPy's permutation, or PyTorch's swap of two axes): ops/torch_names.py

    def swapaxes(self: Tensor, axis1: int, axis2: int) -> Tensor:
        """Exchange two axes."""
        return _api.swapaxes(self, axis1, axis2)

    def flatten(self: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Axes start_dim .. end_dim merged into one (all: a 1-D tensor), as in PyTorch."""
        return _api.flatten(self, start_dim, end_dim)

    def squeeze(self: Tensor, axis: Any = None) -> Tensor:
        """Remove axes of size 1 (all of them, or the given ones)."""
        return _api.squeeze(self, axis)

    def unsqueeze(self: Tensor, axis: int) -> Tensor:
        """Insert an axis of size 1 at ``axis``."""
        return _api.unsqueeze(self, axis)

    def broadcast_to(self: Tensor, shape: tuple[int, ...]) -> Tensor:
        """Broadcast to ``shape`` (see :func:`autograd_mini.broadcast_to`)."""
        return _api.broadcast_to(self, shape)



_NOT_COPIED = {
    "__dict__", "__weakref__", "__module__", "__qualname__", "__doc__", "__hash__", "_data",
    "__annotations__",
}


def attach(cls: type) -> None:
    """Copy the operators and methods of :class:`TensorMethods` onto ``cls``.

    ``__hash__`` is not copied: defining ``__eq__`` set it to None on TensorMethods,
    while Tensors hash by identity.
    """
    for name, value in vars(TensorMethods).items():
        if name not in _NOT_COPIED:
            setattr(cls, name, value)


attach(Tensor)
