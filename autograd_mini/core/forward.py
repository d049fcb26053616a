"""Forward mode: tangents ride along with the values, op by op, and no graph is kept.

While a *dual level* is open (:class:`dual_level`), a Tensor may carry a tangent ``ẋ``
next to its value (``Tensor._tangents``, keyed by level). Every op applied to an input
that carries a tangent computes its output's tangent at once, from its entry's
forward-mode rule (``Op.jvp``), and stores it on the output. Nothing else is kept: no
node, no list of ops, so a chain of a million ops needs the memory of its live values
only, however deep it is (reverse mode must keep every op's inputs for the backward pass).

An entry's ``jvp`` says how (see :class:`~autograd_mini.core.op.Op`):

- ``"elementwise"``: ``ẏ = Σᵢ vjpᵢ(ẋᵢ, y, x…)``, the VJP with the tangent in place of
  the upstream gradient (a diagonal Jacobian is its own transpose);
- ``"linear"``: ``ẏ = op(ẋ₁, …)``, the op applied to the tangents (non-differentiable
  inputs keep their values, a missing tangent counts as zeros);
- ``"bilinear"``: ``ẏ = Σᵢ op(x₁, …, ẋᵢ, …)``;
- a function ``jvp(tangents, ans, *inputs, **params)`` (``None`` for a zero tangent).

The result is broadcast to the output's shape here, once (rules are written as if shapes
matched, as VJPs are).

Rules run on NumPy arrays, at NumPy speed, unless the tangent must itself be
differentiated: when an input or a tangent requires grad (reverse over forward) or an
outer level is open (forward over forward), they receive Tensors, so their own ops are
recorded and carry the outer tangents. Levels nest: each level's tangent is computed
with only the levels outside it open, outermost first, so a tangent carries the outer
levels' tangents but never its own level's (no perturbation confusion).

The hot path pays one flag read: ``apply_op`` calls :meth:`Stack.push` when
``state.forward`` (the open levels, ``None`` when forward mode is off) is set.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any

import numpy as np

from ..tensor import Tensor
from .broadcasting import broadcast_to
from .grad_mode import state
from .op import Op

__all__ = [
    "RECORDED",
    "Level",
    "Stack",
    "current_level",
    "dual_level",
    "has_tangent",
    "make_dual",
    "missing_rule",
    "run_tape",
    "tangent_of",
    "unpack",
]

# The tangent a recording level (linearize, the forward ledger) stores: "depends on the
# inputs", without computing anything yet.
RECORDED: Any = type("Recorded", (), {"__repr__": lambda self: "RECORDED"})()
_EMPTY: dict[str, Any] = {}

Tape = list[tuple[Any, tuple[Any, ...], "dict[str, Any] | None", Tensor]]


class Level:
    """One dual level: the key under which tensors keep their tangents.

    ``tape`` is a list for a recording level: its ops are appended as
    ``(op, args, params, out)`` instead of being differentiated at once (see
    :func:`run_tape`). A closed level's tangents are invisible.
    """

    __slots__ = ("closed", "tape")

    def __init__(self, tape: Tape | None = None) -> None:
        self.tape = tape
        self.closed = False

    def __repr__(self) -> str:
        return f"<dual level{' (closed)' if self.closed else ''} at {id(self):#x}>"


class Stack:
    """The dual levels open in this thread, outermost first (the value of ``state.forward``)."""

    __slots__ = ("_below", "levels")

    def __init__(self, levels: tuple[Level, ...]) -> None:
        self.levels = levels
        self._below: dict[int, Stack | None] = {}

    def below(self, k: int) -> Stack | None:
        """The levels outside ``levels[k]`` (``None`` for the outermost)."""
        if k == 0:
            return None
        stack = self._below.get(k)
        if stack is None:
            stack = self._below[k] = Stack(self.levels[:k])
        return stack

    def without(self, level: Level) -> Stack | None:
        rest = tuple(lv for lv in self.levels if lv is not level)
        return Stack(rest) if rest else None

    def push(self, op: Any, args: tuple[Any, ...], params: dict[str, Any] | None, out: Tensor) -> None:
        """Give ``out = op(*args)`` its tangent at every level where an input has one."""
        levels = self.levels
        for k in range(len(levels)):
            level = levels[k]
            tangents: list[Any] | None = None
            i = -1
            for a in args:
                i += 1
                if isinstance(a, Tensor) and a._tangents is not None:
                    t = a._tangents.get(level)
                    if t is not None:
                        if tangents is None:
                            tangents = [None] * len(args)
                        tangents[i] = t
            if tangents is None:
                continue
            if level.tape is not None:  # recording: the tangents come later (run_tape)
                level.tape.append((op, args, params, out))
                _store(out, level, RECORDED)
                continue
            state.forward = self.below(k)  # the rule sees only the levels outside this one
            try:
                tangent = tangent_of(op, args, params, out, tangents, k > 0)
            finally:
                state.forward = self
            if tangent is not None:
                _store(out, level, tangent)
        if out._tangents is not None and out.grad_fn is not None:
            # create_graph backward rebuilds the output from its node: keep its tangents
            # there, so VJP rules that read the output see them (forward over reverse)
            out.grad_fn.tangents = dict(out._tangents)


def _store(t: Tensor, level: Level, tangent: Any) -> None:
    if t._tangents is None:
        t._tangents = {level: tangent}
    else:
        t._tangents[level] = tangent


# ---------------------------------------------------------------- applying an op's rule


def missing_rule(op: Any) -> RuntimeError:
    """The error for an op without a forward-mode rule."""
    return RuntimeError(
        f"'{op.name}' has no forward-mode rule (JVP), so forward mode (am.jvp, am.jacfwd, "
        f"am.hessian, am.hvp, am.linearize, dual tensors) cannot pass a tangent through it. "
        f"Fix: set jvp= in its entry: 'elementwise' (its Jacobian is diagonal: the VJP "
        f"with the tangent for the gradient), 'linear' (the op applied to the tangents), "
        f"'bilinear' (Σᵢ the op with input i replaced by its tangent), or a function "
        f"jvp(tangents, ans, *inputs, **params)."
    )


def _needs_graph(values: Sequence[Any]) -> bool:
    return any(isinstance(v, Tensor) and v.requires_grad for v in values)


def tangent_of(
    op: Any,
    args: Sequence[Any],
    params: dict[str, Any] | None,
    out: Tensor,
    tangents: Sequence[Any],
    nested: bool,
) -> Any:
    """The tangent of ``out = op(*args)`` given the inputs' ``tangents`` (None: zero).

    An array, or a Tensor when it must stay differentiable (``nested``: outer levels are
    open; or an input or tangent requires grad with grad mode on). ``None`` for a zero
    tangent (an integer output, or a rule that returned None).
    """
    kind = op.jvp
    if kind is None:
        raise missing_rule(op)
    dtype = out._data.dtype
    if dtype.kind != "f":
        return None  # integer and boolean results carry no tangent
    graph = nested or (state.grad_enabled and (_needs_graph(args) or _needs_graph(tangents)))
    values: Sequence[Any]
    ans: Any
    if graph:
        values, ans, ts = args, out, list(tangents)
    else:
        values = [a._data if isinstance(a, Tensor) else a for a in args]
        ans = out._data
        ts = [t._data if isinstance(t, Tensor) else t for t in tangents]
    p = params or _EMPTY
    if kind == "elementwise":
        result = _elementwise(op, ts, ans, values, p)
    elif kind == "linear":
        result = _linear(op, ts, values, p, dtype)
    elif kind == "bilinear":
        result = _bilinear(op, ts, values, p)
    elif callable(kind):
        result = kind(ts, ans, *values, **p)
    else:
        raise TypeError(
            f"'{op.name}': unknown jvp kind {kind!r}; use 'elementwise', 'linear', 'bilinear' "
            f"or a function jvp(tangents, ans, *inputs, **params)"
        )
    return _finish(op, result, out, graph)


def _elementwise(op: Any, ts: list[Any], ans: Any, values: Sequence[Any], p: dict[str, Any]) -> Any:
    vjps = op.vjps
    total = None
    for i, t in enumerate(ts):
        if t is None:
            continue
        rule = vjps[i] if i < len(vjps) else None
        if rule is None:
            raise RuntimeError(
                f"'{op.name}' is not differentiable in input {i}, but that input carries a "
                f"tangent; pass it as a constant (detach it)"
            )
        term = rule(t, ans, *values, **p) if p else rule(t, ans, *values)
        total = term if total is None else total + term
    return total


def _zeros_like(value: Any, dtype: np.dtype[Any]) -> Any:
    if value is None:
        return None
    arr = value._data if isinstance(value, Tensor) else np.asarray(value)
    return np.zeros(arr.shape, dtype=arr.dtype if arr.dtype.kind == "f" else dtype)


def _linear(op: Any, ts: list[Any], values: Sequence[Any], p: dict[str, Any], dtype: np.dtype[Any]) -> Any:
    vjps = op.vjps  # empty for an op with one rule for all inputs (vjp_all)
    args = []
    for i, v in enumerate(values):
        if vjps and (i >= len(vjps) or vjps[i] is None):
            args.append(v)  # not differentiable (a condition, labels, a shape): keeps its value
        elif ts[i] is not None:
            args.append(ts[i])
        else:
            args.append(_zeros_like(v, dtype))
    return op(*args, **p)


def _bilinear(op: Any, ts: list[Any], values: Sequence[Any], p: dict[str, Any]) -> Any:
    total = None
    for i, t in enumerate(ts):
        if t is None:
            continue
        term = op(*values[:i], t, *values[i + 1 :], **p)
        total = term if total is None else total + term
    return total


def _finish(op: Any, result: Any, out: Tensor, graph: bool) -> Any:
    """The rule's result as the output's tangent: its shape and dtype, array or Tensor."""
    if result is None:
        return None
    shape, dtype = out._data.shape, out._data.dtype
    if isinstance(result, Tensor):
        if result.shape != shape:
            result = _broadcast(op, result, shape)
        if result.dtype != dtype:
            result = result.astype(dtype)
        if graph and (result.requires_grad or result._tangents is not None):
            return result
        return result._data
    arr = np.asarray(result)
    if arr.shape != shape:
        arr = _broadcast(op, arr, shape)
    if arr.dtype != dtype:
        arr = arr.astype(dtype)
    return arr


def _broadcast(op: Any, value: Any, shape: tuple[int, ...]) -> Any:
    try:
        return broadcast_to(value, shape=shape)
    except ValueError:
        got = value.shape if isinstance(value, Tensor) else np.shape(value)
        raise RuntimeError(
            f"forward mode of '{op.name}': its JVP returned a tangent of shape {got}, which "
            f"does not broadcast to the output's shape {shape}; a JVP must return the "
            f"output's tangent, shaped like the output"
        ) from None


# ---------------------------------------------------------------- dual levels


class dual_level:
    """Open a dual level in this thread (a context manager; levels nest).

    Returns the :class:`Level`; tensors made dual at it (:func:`make_dual`) carry their
    tangent through every op until the block ends. Forward mode is per thread, like
    ``no_grad``.
    """

    def __init__(self, tape: Tape | None = None) -> None:
        self._tape = tape
        self._open: list[tuple[Level, Stack | None]] = []

    def __enter__(self) -> Level:
        level = Level(self._tape)
        prev = state.forward
        state.forward = Stack((prev.levels if prev is not None else ()) + (level,))
        self._open.append((level, prev))
        return level

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        level, prev = self._open.pop()
        level.closed = True
        state.forward = prev


def current_level(who: str) -> Level:
    """The innermost open level of this thread, or an error saying how to open one."""
    stack = state.forward
    if stack is None:
        raise RuntimeError(
            f"{who}: no dual level is open; write `with am.forward_ad.dual_level():` around "
            f"the code that makes and uses dual tensors"
        )
    return stack.levels[-1]


def _alias_forward(x: Any) -> Any:
    return x


# The dual tensor of make_dual / the primal of unpack: the same values, a new Tensor that
# stays connected to the original's graph and its tangents at the other levels.
_alias: Op = Op(
    "alias",
    _alias_forward,
    [lambda g, ans, x: g],
    save_inputs=False,
    rules=["x̄ = ḡ"],
    jvp="linear",
    view=True,
    register=False,
)


def make_dual(primal: Tensor, tangent: Any, level: Level) -> Tensor:
    """A Tensor with ``primal``'s values (and graph) carrying ``tangent`` at ``level``.

    ``tangent`` is an array or a Tensor of ``primal``'s shape (checked by the caller);
    a Tensor that requires grad or carries tangents is kept as it is, so the tangent
    stays differentiable.
    """
    if level.closed:
        raise RuntimeError("make_dual: this dual level is closed (its `with` block has ended)")
    if primal.requires_grad or primal._tangents is not None:
        dual = _alias(primal)  # connected to primal's graph and its other levels' tangents
    else:
        dual = Tensor._wrap(primal._data)
    if tangent is not RECORDED:
        if isinstance(tangent, Tensor):
            if tangent.dtype != primal.dtype:
                tangent = tangent.astype(primal.dtype)
            if not (tangent.requires_grad or tangent._tangents is not None):
                tangent = tangent._data
        else:
            tangent = np.asarray(tangent, dtype=primal.dtype)
    _store(dual, level, tangent)
    if dual.grad_fn is not None:
        dual.grad_fn.tangents = dict(dual._tangents or {})
    return dual


def unpack(t: Tensor, level: Level) -> tuple[Tensor, Any]:
    """``(primal, tangent)`` of ``t`` at ``level``: the tangent ``None`` when it has none.

    The primal is ``t`` without this level's tangent (still connected to ``t``'s graph
    and carrying its other levels' tangents); the tangent is an array or a Tensor.
    """
    store = t._tangents
    tangent = store.get(level) if store is not None and not level.closed else None
    if tangent is None:
        return t, None
    prev = state.forward
    state.forward = prev.without(level) if prev is not None else None
    try:
        others = any(lv is not level for lv in store or ())
        primal = _alias(t) if t.requires_grad or others else Tensor._wrap(t._data)
    finally:
        state.forward = prev
    if primal is not t and primal._tangents is not None:
        primal._tangents.pop(level, None)
    return primal, tangent


def has_tangent(x: Any) -> bool:
    """Whether ``x`` is a Tensor carrying a tangent at an open level of this thread."""
    stack = state.forward
    if stack is None or not isinstance(x, Tensor) or x._tangents is None:
        return False
    return any(level in x._tangents for level in stack.levels)


# ---------------------------------------------------------------- recorded passes


def run_tape(
    tape: Tape,
    seeds: dict[int, Any],
    visit: Callable[[Any, tuple[Any, ...], Any, Tensor, list[Any], Any], None] | None = None,
) -> dict[int, Any]:
    """Push tangents through a recorded forward pass, op by op; no primal is recomputed.

    ``seeds`` maps ``id(input)`` to its tangent; the result maps ``id(tensor)`` to the
    tangent of every tensor of the tape that depends on a seeded input. ``visit`` sees
    each op with its inputs' tangents and its output's tangent (the forward ledger).
    """
    tangents = dict(seeds)
    nested = state.forward is not None
    for op, args, params, out in tape:
        ts = [tangents.get(id(a)) if isinstance(a, Tensor) else None for a in args]
        if all(t is None for t in ts):
            continue
        tangent = tangent_of(op, args, params, out, ts, nested)
        if tangent is not None:
            tangents[id(out)] = tangent
        if visit is not None:
            visit(op, args, params, out, ts, tangent)
    return tangents
