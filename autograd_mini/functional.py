"""Function transforms: grad, value_and_grad, jacobian/jacrev, jacfwd, hessian, vjp, jvp, linearize, hvp.

A transform takes a Python function ``f`` written with am ops (it receives Tensors) and
returns a new function of NumPy arrays and floats, in the style of JAX and HIPS autograd:

>>> import autograd_mini as am
>>> f = lambda x: (x ** 3).sum()
>>> am.grad(f)([1.0, 2.0])
array([ 3., 12.])
>>> am.grad(am.grad(lambda x: x ** 3))(2.0)
12.0

Two modes. The reverse-mode transforms (``grad``, ``value_and_grad``, ``jacrev`` =
``jacobian``, ``vjp``) record a graph and run the engine's backward pass
(:func:`autograd_mini.autograd.grad`). The forward-mode transforms (``jvp``,
``linearize``, ``jacfwd``) push a tangent along with the values in one forward pass
(:mod:`autograd_mini.core.forward`) and keep no graph. ``hessian`` and ``hvp`` combine
them: forward over reverse (a tangent pushed through the backward pass).

Composition. While a transform runs ``f`` it is *tracing*. A transform called while
another one is tracing (``am.grad(am.grad(f))``, a transform inside ``f``), or given
Tensors that require grad, builds its result with ``create_graph=True`` and returns
Tensors instead of arrays, so the enclosing transform can differentiate through it.
Each differentiated argument is first passed through a private identity op, so an
argument that also appears elsewhere in ``f`` (a closure, another argument) is
differentiated as a separate variable, as the math says. A dual tensor (one carrying a
forward-mode tangent) counts as traced too, so ``jvp(grad(f), ...)`` and
``jacfwd(jacrev(f))`` differentiate the backward pass in forward mode.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from . import dtypes
from .autograd import api as engine_api
from .core import forward
from .core.grad_mode import enable_grad
from .ops import api as ops_api
from .ops.registry import Op
from .tensor import Tensor, _to_array, find_tensor, is_graph_value

Argnums = int | Sequence[int]

__all__ = [
    "grad",
    "hessian",
    "hvp",
    "jacfwd",
    "jacobian",
    "jacrev",
    "jvp",
    "linearize",
    "value_and_grad",
    "vjp",
]


class _TraceState(threading.local):
    """How many transforms are running ``f`` right now in this thread."""

    def __init__(self) -> None:
        self.depth = 0


_trace = _TraceState()


@contextmanager
def _tracing() -> Iterator[None]:
    _trace.depth += 1
    try:
        with enable_grad():
            yield
    finally:
        _trace.depth -= 1


# The differentiated variable of one transform: a fresh node in front of the argument.
_identity = Op(
    "identity",
    lambda x: x,
    [lambda g, ans, x: g],
    save_inputs=False,
    rules=["x̄ = ȳ"],
    jvp="linear",
    register=False,
)


# ---------------------------------------------------------------- argument handling


def _argnums(argnums: Argnums, n_args: int, who: str) -> tuple[tuple[int, ...], bool]:
    """The positions to differentiate and whether ``argnums`` was a single int."""
    single = isinstance(argnums, (int, np.integer))
    nums = (int(argnums),) if single else tuple(int(i) for i in argnums)  # type: ignore[arg-type, union-attr]
    if not nums:
        raise ValueError(f"{who}: argnums is empty; give an int or a non-empty tuple of ints")
    for i in nums:
        if not -n_args <= i < n_args:
            raise IndexError(
                f"{who}: argnums {i} is out of range: the function was called with "
                f"{n_args} positional argument(s)"
            )
    nums = tuple(i % n_args for i in nums)
    if len(set(nums)) != len(nums):
        raise ValueError(f"{who}: argnums {nums} repeats a position; give each one once")
    return nums, single


def _float_array(value: Any, who: str, position: int) -> np.ndarray:
    arr = value._data if isinstance(value, Tensor) else _to_array(value, who=who)
    if arr.dtype.kind != "f":
        if arr.dtype.kind not in "iub":
            raise TypeError(f"{who}: argument {position} has dtype {arr.dtype}; pass real numbers")
        arr = arr.astype(dtypes.get_default_dtype())
    return arr


def _joined(x: Any, who: str) -> Any:
    """Lists and tuples holding Tensors stacked differentiably; anything else as it is."""
    if isinstance(x, (list, tuple)) and find_tensor(x) is not None:
        return ops_api.as_tensor(x, who)
    return x


def _traced(value: Any) -> bool:
    """A graph value (see ``is_graph_value``) or a dual tensor, also inside lists."""
    if is_graph_value(value):
        return True
    if isinstance(value, Tensor):
        return forward.has_tangent(value)
    pending = [value] if isinstance(value, (list, tuple)) else []
    while pending:
        for item in pending.pop():
            if isinstance(item, Tensor) and forward.has_tangent(item):
                return True
            if isinstance(item, (list, tuple)):
                pending.append(item)
    return False


def _is_nested(args: Sequence[Any], extra: Sequence[Any]) -> bool:
    # Any traced input, differentiated or not, means the result must stay connected to it.
    return _trace.depth > 1 or any(_traced(a) for a in args) or any(_traced(x) for x in extra)


def _prepare(
    args: Sequence[Any], nums: Sequence[int], who: str, extra: Sequence[Any] = ()
) -> tuple[list[Any], list[Tensor], bool]:
    """The call arguments, the differentiated variables and whether to build graphs.

    Called inside :func:`_tracing`, so an enclosing transform shows as depth > 1.
    """
    nested = _is_nested(args, extra)
    call_args = list(args)
    variables = []
    for i in nums:
        a = _joined(args[i], who)
        if nested and _traced(a):
            x = _identity(a)  # stays connected to the enclosing transform's graph (and tangents)
            if not x.requires_grad:
                x.requires_grad_()  # a dual tensor: a new leaf that carries its tangent
        else:
            x = Tensor._wrap(np.array(_float_array(a, who, i), copy=True)).requires_grad_()
        call_args[i] = x
        variables.append(x)
    return call_args, variables, nested


def _as_output(out: Any, who: str) -> Tensor:
    if isinstance(out, Tensor):
        return out
    if isinstance(out, (tuple, list, dict)):
        raise TypeError(
            f"{who}: f must return one Tensor here, it returned a {type(out).__name__}; "
            f"return a single value (jacobian accepts a tuple of outputs)"
        )
    return ops_api.as_tensor(out, who)


def _scalar_output(out: Any, who: str) -> Tensor:
    t = _as_output(out, who)
    if t.size != 1:
        raise TypeError(
            f"{who}: f must return a scalar (one element), it returned shape {t.shape}. "
            f"Fix: reduce it (e.g. .sum() or .mean()), or use am.jacobian / am.vjp for "
            f"vector-valued functions"
        )
    if t.dtype.kind != "f":
        raise TypeError(f"{who}: f returned dtype {t.dtype}; only real floating outputs have gradients")
    return t


def _zeros(x: Tensor, shape: tuple[int, ...] | None = None) -> Tensor:
    return Tensor._wrap(np.zeros(x.shape if shape is None else shape, dtype=x.dtype))


def _gradients(
    out: Tensor,
    variables: Sequence[Tensor],
    grad_output: Any = None,
    create_graph: bool = False,
) -> list[Tensor]:
    """∂out/∂variables (a VJP with ``grad_output``), zeros where ``out`` does not depend."""
    if not out.requires_grad:
        return [_zeros(x) for x in variables]
    grads = engine_api.grad(
        out,
        list(variables),
        grad_outputs=grad_output,
        retain_graph=True,
        create_graph=create_graph,
        allow_unused=True,
    )
    return [_zeros(x) if g is None else g for x, g in zip(variables, grads)]


def _export(t: Tensor, nested: bool) -> Any:
    """A result for the caller: a Tensor while tracing, else an array or a float."""
    if nested:
        return t
    if t.ndim == 0:
        return float(t._data)
    return np.array(t._data, copy=True)


def _pick(values: Sequence[Any], single: bool) -> Any:
    return values[0] if single else tuple(values)


def _name(f: Callable[..., Any]) -> str:
    return getattr(f, "__name__", type(f).__name__)


def _wraps(transform: str, f: Callable[..., Any]) -> Callable[[Callable[..., Any]], Any]:
    def decorate(g: Callable[..., Any]) -> Callable[..., Any]:
        functools.update_wrapper(g, f, assigned=("__module__", "__doc__"), updated=())
        g.__name__ = g.__qualname__ = f"{transform}({_name(f)})"
        return g

    return decorate


# ---------------------------------------------------------------- grad and value_and_grad


def _value_and_grad(
    f: Callable[..., Any], argnums: Argnums, who: str, args: tuple[Any, ...], kwargs: Any
) -> tuple[Any, Any]:
    nums, single = _argnums(argnums, len(args), who)
    with _tracing():
        call_args, variables, nested = _prepare(args, nums, who)
        out = _scalar_output(f(*call_args, **kwargs), who)
        grads = _gradients(out, variables, create_graph=nested)
    value = _export(out.reshape(()) if out.ndim else out, nested)
    return value, _pick([_export(g, nested) for g in grads], single)


def value_and_grad(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., tuple[Any, Any]]:
    """A function returning ``(f(*args), ∇f(*args))`` from one forward and one backward pass.

    ``f`` must return a scalar. ``argnums`` (an int or a tuple of ints) picks the
    positional arguments to differentiate; an int gives one gradient, a tuple a tuple.
    Other arguments (and keywords) are passed through unchanged. The value is a float,
    each gradient an array shaped like its argument (a float for a scalar argument).

    >>> import autograd_mini as am
    >>> am.value_and_grad(lambda x, y: x * y ** 2, argnums=(0, 1))(3.0, 2.0)
    (12.0, (4.0, 12.0))
    """

    @_wraps("value_and_grad", f)
    def value_and_grad_f(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        return _value_and_grad(f, argnums, "value_and_grad", args, kwargs)

    return value_and_grad_f


def grad(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., Any]:
    """The gradient of a scalar function: ``grad(f)(x) = ∂f/∂x``, shaped like ``x``.

    ``argnums`` (an int or a tuple of ints) picks the positional arguments to
    differentiate; an int gives one gradient, a tuple gives a tuple. Arguments may be
    numbers, lists, arrays or Tensors; results are arrays (floats for scalar
    arguments). Transforms compose: ``grad(grad(f))`` is the second derivative.

    >>> import autograd_mini as am
    >>> am.grad(am.tanh)(0.0)
    1.0
    >>> am.grad(lambda x, y: x * y, argnums=(0, 1))(3.0, 4.0)
    (4.0, 3.0)
    """

    @_wraps("grad", f)
    def grad_f(*args: Any, **kwargs: Any) -> Any:
        return _value_and_grad(f, argnums, "grad", args, kwargs)[1]

    return grad_f


# ---------------------------------------------------------------- jacobians: reverse and forward


def _jacobian_block(out: Tensor, variables: Sequence[Tensor], nested: bool) -> list[Tensor]:
    """∂out/∂x for each variable, shaped ``out.shape + x.shape`` (one VJP per output entry)."""
    shapes = [out.shape + x.shape for x in variables]
    if not out.requires_grad or out.size == 0:
        return [_zeros(x, shape) for x, shape in zip(variables, shapes)]
    dtype = out.dtype if out.dtype.kind == "f" else dtypes.get_default_dtype()
    rows: list[list[Tensor]] = [[] for _ in variables]
    for i in range(out.size):
        seed = np.zeros(out.size, dtype=dtype)
        seed[i] = 1.0
        grads = _gradients(out, variables, seed.reshape(out.shape), create_graph=nested)
        for row, g in zip(rows, grads):
            row.append(g)
    return [ops_api.reshape(ops_api.stack(row), shape) for row, shape in zip(rows, shapes)]


def _jacrev(f: Callable[..., Any], argnums: Argnums, who: str) -> Callable[..., Any]:
    @_wraps(who, f)
    def jacrev_f(*args: Any, **kwargs: Any) -> Any:
        nums, single = _argnums(argnums, len(args), who)
        with _tracing():
            call_args, variables, nested = _prepare(args, nums, who)
            result = f(*call_args, **kwargs)
            several = isinstance(result, (tuple, list))
            outs = [_as_output(o, who) for o in (result if several else (result,))]
            blocks = [_jacobian_block(out, variables, nested) for out in outs]
        per_output = [_pick([_export(j, nested) for j in block], single) for block in blocks]
        return tuple(per_output) if several else per_output[0]

    return jacrev_f


def jacrev(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., Any]:
    """The Jacobian ``J[i..., j...] = ∂out[i...]/∂x[j...]`` by reverse mode (one row per pass).

    ``f`` runs once and its graph is kept; then one backward pass per output entry (a
    one-hot cotangent ``eᵢ`` gives the row ``eᵢᵀ J``): cheap when there are few outputs
    (``m`` passes for ``f: Rⁿ → Rᵐ``), and the graph's memory grows with ``f``'s depth.
    The result has shape ``out.shape + x.shape``. ``argnums`` as in :func:`grad`; if
    ``f`` returns a tuple, one Jacobian per output (each a tuple per argument when
    ``argnums`` is a tuple). ``am.jacobian`` is this transform; :func:`jacfwd` computes the
    same matrix column by column in forward mode.

    >>> import autograd_mini as am
    >>> am.jacrev(lambda x: x ** 2)([1.0, 2.0])
    array([[2., 0.],
           [0., 4.]])
    """
    return _jacrev(f, argnums, "jacrev")


def jacobian(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., Any]:
    """The Jacobian ``J[i..., j...] = ∂out[i...]/∂x[j...]``, of shape ``out.shape + x.shape``.

    The same transform as :func:`jacrev`: reverse mode, one vector-Jacobian product per
    output entry (a one-hot cotangent ``eᵢ`` gives row ``eᵢᵀ J``). ``argnums`` as in
    :func:`grad`. If ``f`` returns a tuple of outputs, the result is a tuple with one
    Jacobian per output (each a tuple per argument when ``argnums`` is a tuple).

    >>> import autograd_mini as am
    >>> am.jacobian(lambda x: x ** 2)([1.0, 2.0])
    array([[2., 0.],
           [0., 4.]])
    """
    return _jacrev(f, argnums, "jacobian")


def _forward_primals(
    args: Sequence[Any], nums: Sequence[int], who: str, extra: Sequence[Any] = ()
) -> tuple[list[Any], list[Tensor], bool]:
    """The call arguments, the primals to make dual and whether results stay Tensors.

    Like :func:`_prepare`, for forward mode: a traced argument (a Tensor in an enclosing
    transform's graph, or a dual tensor of an enclosing forward transform) is used as it
    is, so the tangent computed here stays connected to it; anything else becomes a fresh
    constant Tensor. Called inside :func:`_tracing`.
    """
    nested = _is_nested(args, extra)
    call_args = list(args)
    primals = []
    for i in nums:
        a = _joined(args[i], who)
        if nested and isinstance(a, Tensor) and _traced(a):
            if a.dtype.kind != "f":
                a = ops_api.astype(a, dtypes.get_default_dtype())
            x = a
        else:
            x = Tensor._wrap(np.array(_float_array(a, who, i), copy=True))
        call_args[i] = x
        primals.append(x)
    return call_args, primals, nested


def _as_tensor_tangent(tangent: Any, like: Tensor) -> Tensor:
    """An output's tangent as a Tensor: zeros where none reached it."""
    if tangent is None:
        dtype = like.dtype if like.dtype.kind == "f" else dtypes.get_default_dtype()
        return _zeros(like).astype(dtype) if like.dtype != dtype else _zeros(like)
    return tangent if isinstance(tangent, Tensor) else Tensor._wrap(np.asarray(tangent))


def _jacfwd_columns(
    f: Callable[..., Any],
    call_args: list[Any],
    nums: Sequence[int],
    primals: Sequence[Tensor],
    kwargs: Any,
    who: str,
    nested: bool,
) -> tuple[bool, list[Tensor], list[list[Any]]]:
    """One forward pass per input entry: ``(several, outputs, columns[output][argument])``.

    Nested, the columns are kept as Tensors (stacked differentiably later); otherwise each
    is written straight into a preallocated array of shape ``out.shape + (x.size,)``, so
    the Jacobian is the only thing that grows.
    """
    several = False
    outs: list[Tensor] | None = None
    columns: list[list[Any]] = []
    for a, x in enumerate(primals):
        for j in range(x.size):
            basis = np.zeros(x.size, dtype=x.dtype)
            basis[j] = 1.0
            with forward.dual_level() as level:
                args = list(call_args)
                args[nums[a]] = forward.make_dual(x, basis.reshape(x.shape), level)
                result = f(*args, **kwargs)
                several = isinstance(result, (tuple, list))
                results = result if several else (result,)
                pairs = [forward.unpack(_as_output(o, who), level) for o in results]
            if outs is None:
                outs = [p for p, _ in pairs]
                columns = [
                    [[] if nested else np.zeros((*p.shape, y.size), dtype=_float_dtype(p)) for y in primals]
                    for p in outs
                ]
            for o, (p, t) in enumerate(pairs):
                if nested:
                    columns[o][a].append(_as_tensor_tangent(t, p))
                elif t is not None:
                    columns[o][a][..., j] = t._data if isinstance(t, Tensor) else t
    if outs is None:  # every argument is empty: one plain call gives the output shapes
        result = f(*call_args, **kwargs)
        several = isinstance(result, (tuple, list))
        outs = [_as_output(o, who) for o in (result if several else (result,))]
        columns = [[[] for _ in primals] for _ in outs]
    return several, outs, columns


def _float_dtype(t: Tensor) -> np.dtype[Any]:
    return t.dtype if t.dtype.kind == "f" else np.dtype(dtypes.get_default_dtype())


def _jacfwd_block(out: Tensor, primals: Sequence[Tensor], columns: list[Any], nested: bool) -> list[Any]:
    """Each argument's columns ``J eⱼ`` as ``out.shape + x.shape``: a Tensor nested, else an array."""
    blocks: list[Any] = []
    for x, cols in zip(primals, columns):
        shape = out.shape + x.shape
        if nested:
            block = ops_api.reshape(ops_api.stack(cols, axis=-1), shape) if cols else _zeros(x, shape)
            blocks.append(block)
        elif isinstance(cols, np.ndarray):
            blocks.append(float(cols.reshape(())) if not shape else cols.reshape(shape))  # fresh: no copy
        else:
            blocks.append(np.zeros(shape, dtype=_float_dtype(out)))
    return blocks


def jacfwd(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., Any]:
    """The Jacobian ``J[i..., j...] = ∂out[i...]/∂x[j...]`` by forward mode (one column per pass).

    One forward pass per input entry: the tangent ``eⱼ`` (a one-hot array shaped like
    ``x``) is pushed through ``f`` with its values, giving the column ``J eⱼ``; no graph
    is kept. Cheap when there are few inputs (``n`` passes for ``f: Rⁿ → Rᵐ``), against
    :func:`jacrev`'s one pass per output; the two agree to rounding. Same shapes and
    ``argnums`` as :func:`jacrev` (a tuple of outputs gives a tuple of Jacobians).

    >>> import autograd_mini as am
    >>> am.jacfwd(lambda x: x ** 2)([1.0, 2.0])
    array([[2., 0.],
           [0., 4.]])
    >>> am.jacfwd(lambda x, y: x * y, argnums=(0, 1))(3.0, 4.0)
    (4.0, 3.0)
    """

    @_wraps("jacfwd", f)
    def jacfwd_f(*args: Any, **kwargs: Any) -> Any:
        who = "jacfwd"
        nums, single = _argnums(argnums, len(args), who)
        with _tracing():
            call_args, primals, nested = _forward_primals(args, nums, who)
            several, outs, columns = _jacfwd_columns(f, call_args, nums, primals, kwargs, who, nested)
            blocks = [_jacfwd_block(out, primals, cols, nested) for out, cols in zip(outs, columns)]
        per_output = [_pick([_export(j, True) if nested else j for j in block], single) for block in blocks]
        return tuple(per_output) if several else per_output[0]

    return jacfwd_f


def hessian(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., Any]:
    """The Hessian ``H[i..., j...] = ∂²f/∂x[i...]∂x[j...]`` of a scalar ``f``.

    Forward over reverse: ``jacfwd(grad(f))``, one forward-mode pass per input entry,
    each pushing the tangent ``eⱼ`` through ``f`` and its backward pass (the column
    ``H eⱼ``). Shape ``x.shape + x.shape``. With a tuple ``argnums`` the result is nested:
    ``H[a][b]`` holds the second derivatives with respect to arguments ``a`` and ``b``.

    >>> import autograd_mini as am
    >>> am.hessian(lambda x: x[0] ** 2 * x[1])([1.0, 3.0])
    array([[6., 2.],
           [2., 0.]])
    """
    return _wraps("hessian", f)(jacfwd(grad(f, argnums), argnums))


# ---------------------------------------------------------------- vjp, jvp, linearize, hvp


def _check_tangent(v: Any, like: Tensor, what: str, who: str, position: int) -> Any:
    """A tangent or cotangent checked against the shape it must have."""
    v = _joined(v, who)
    if isinstance(v, Tensor):
        arr = v._data
    else:
        arr = np.asarray(_to_array(v, who=who), dtype=like.dtype)
        v = arr
    if arr.shape != like.shape:
        raise ValueError(
            f"{who}: {what} {position} has shape {arr.shape} but must have shape "
            f"{like.shape}, the shape of the {'output' if what == 'cotangent' else 'primal'}"
        )
    return v


def _tuple_of(values: Any, what: str, who: str) -> tuple[Any, ...]:
    if not isinstance(values, (tuple, list)):
        raise TypeError(
            f"{who}: {what} must be a tuple (or list) with one entry per argument of f, got "
            f"a {type(values).__name__}; write e.g. {who}(f, (x,), (v,))"
        )
    return tuple(values)


def vjp(f: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[[Any], Any]]:
    """Evaluate ``f(*primals)`` once and return ``(out, vjp_fn)``.

    ``vjp_fn(u)`` is the vector-Jacobian product ``uᵀ J``: for each primal ``x``,
    ``Σᵢ uᵢ ∂outᵢ/∂x``, shaped like ``x`` (``u`` shaped like ``out``). It may be called
    many times; it returns a bare array for one primal and a tuple for several.

    >>> import autograd_mini as am
    >>> out, vjp_fn = am.vjp(lambda x: x ** 2, [1.0, 2.0])
    >>> vjp_fn([1.0, 10.0])
    array([ 2., 40.])
    """
    who = "vjp"
    if not primals:
        raise TypeError("vjp: give at least one primal: am.vjp(f, x, ...)")
    nums = tuple(range(len(primals)))
    with _tracing():
        call_args, variables, nested = _prepare(primals, nums, who)
        out = _as_output(f(*call_args), who)

    def vjp_fn(cotangent: Any) -> Any:
        u = _check_tangent(cotangent, out, "cotangent", who, 0)
        build = nested or is_graph_value(u) or _trace.depth > 0
        with _tracing():
            grads = _gradients(out, variables, u, create_graph=build)
        return _pick([_export(g, build) for g in grads], len(grads) == 1)

    vjp_fn.__name__ = vjp_fn.__qualname__ = f"vjp({_name(f)})"
    return _export(out, nested), vjp_fn




def _primals_and_tangents(primals: Any, tangents: Any, who: str) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    primals = _tuple_of(primals, "primals", who)
    tangents = _tuple_of(tangents, "tangents", who)
    if len(primals) != len(tangents):
        raise ValueError(
            f"{who}: got {len(primals)} primals but {len(tangents)} tangents; give one tangent "
            f"per primal, shaped like it"
        )
    if not primals:
        raise TypeError(f"{who}: give at least one primal")
    return primals, tangents


def jvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """``(f(*primals), J v)``: the Jacobian-vector product along ``tangents``, in forward mode.

    ``J v = Σⱼ ∂out/∂xⱼ · vⱼ``, shaped like ``out``. ``primals`` and ``tangents`` are
    tuples with one entry per argument of ``f``; each tangent is shaped like its primal.

    True forward mode: one pass through ``f`` in which every op computes its output's
    tangent from its inputs' tangents (the op's JVP rule) right after its value. No graph
    is kept, so memory does not grow with ``f``'s depth; the cost is about two
    evaluations of ``f``.

    >>> import autograd_mini as am
    >>> am.jvp(lambda x: x ** 2, ([1.0, 2.0],), ([1.0, 1.0],))
    (array([1., 4.]), array([2., 4.]))
    """
    who = "jvp"
    primals, tangents = _primals_and_tangents(primals, tangents, who)
    nums = tuple(range(len(primals)))
    with _tracing():
        _, xs, nested = _forward_primals(primals, nums, who, extra=tangents)
        vs = [_check_tangent(v, x, "tangent", who, i) for i, (v, x) in enumerate(zip(tangents, xs))]
        with forward.dual_level() as level:
            duals = [forward.make_dual(x, v, level) for x, v in zip(xs, vs)]
            out, tangent = forward.unpack(_as_output(f(*duals), who), level)
    return _export(out, nested), _export(_as_tensor_tangent(tangent, out), nested)


def linearize(f: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[..., Any]]:
    """Evaluate ``f(*primals)`` once and return ``(out, jvp_fn)``, ``jvp_fn(*v) = J v``.

    The forward pass is recorded (the ops that depend on the primals, with their values);
    each call ``jvp_fn(v₁, ...)`` (one tangent per primal) then pushes the tangents
    through the recorded ops in forward mode, without evaluating ``f`` again. The
    recording holds ``f``'s intermediate values, as a reverse-mode graph does.

    >>> import autograd_mini as am
    >>> out, jvp_fn = am.linearize(lambda x: am.sin(x) * x, 1.0)
    >>> round(jvp_fn(1.0), 6)  # cos(1)·1 + sin(1)
    1.381773
    """
    who = "linearize"
    if not primals:
        raise TypeError("linearize: give at least one primal: am.linearize(f, x, ...)")
    nums = tuple(range(len(primals)))
    tape: forward.Tape = []
    with _tracing():
        _, xs, nested = _forward_primals(primals, nums, who)
        with forward.dual_level(tape) as level:
            duals = [forward.make_dual(x, forward.RECORDED, level) for x in xs]
            out = _as_output(f(*duals), who)

    def jvp_fn(*tangents: Any) -> Any:
        if len(tangents) != len(duals):
            raise TypeError(
                f"{who}: jvp_fn takes one tangent per primal ({len(duals)}), got {len(tangents)}"
            )
        vs = [_check_tangent(v, x, "tangent", who, i) for i, (v, x) in enumerate(zip(tangents, duals))]
        build = nested or any(is_graph_value(v) for v in vs) or _trace.depth > 0
        with _tracing():
            pushed = forward.run_tape(tape, {id(d): v for d, v in zip(duals, vs)})
        return _export(_as_tensor_tangent(pushed.get(id(out)), out), build)

    jvp_fn.__name__ = jvp_fn.__qualname__ = f"linearize({_name(f)})"
    return _export(out, nested), jvp_fn


def hvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """``(f(*primals), H v)``: the Hessian-vector product of a scalar ``f`` along ``tangents``.

    ``(H v)ⱼ = Σₖ ∂²f/∂xⱼ∂xₖ · vₖ``, computed without forming ``H``, forward over
    reverse: the tangent ``v`` is pushed in forward mode through ``f`` and its backward
    pass, so the gradient's tangent is ``H v`` (about the cost of one gradient, twice).
    ``primals`` and ``tangents`` are tuples as in :func:`jvp`; the product is a bare
    array for one primal, a tuple for several.

    >>> import autograd_mini as am
    >>> am.hvp(lambda x: (x ** 3).sum(), ([1.0, 2.0],), ([1.0, 0.0],))
    (9.0, array([6., 0.]))
    """
    who = "hvp"
    primals, tangents = _primals_and_tangents(primals, tangents, who)
    nums = tuple(range(len(primals)))
    with _tracing():
        _, xs, nested = _forward_primals(primals, nums, who, extra=tangents)
        vs = [_check_tangent(v, x, "tangent", who, i) for i, (v, x) in enumerate(zip(tangents, xs))]
        with forward.dual_level() as level:
            duals = [forward.make_dual(x, v, level) for x, v in zip(xs, vs)]
            value, grads = _value_and_grad(f, nums, who, tuple(duals), {})
            value, _ = forward.unpack(value, level)
            products = []
            for g, x in zip(grads, xs):
                _, tangent = forward.unpack(g, level)
                products.append(_as_tensor_tangent(tangent, x))
    return _export(value, nested), _pick([_export(p, nested) for p in products], len(products) == 1)
