"""Define-and-run: record a step once, replay it on NumPy arrays (``am.compile``).

Define-by-run (the rest of the library, PyTorch's eager mode) builds a graph of Python
objects on every call: a Tensor and a Node per op, a dependency count and a dict of
pending gradients in ``backward()``. On small models that bookkeeping costs more than the
arithmetic. Define-and-run (TensorFlow 1's graphs run in a session, JAX's ``jit``)
describes the computation once and then runs the description many times.

``step = am.compile(fn)`` does the second with the first: the first call with a new
*signature* (argument shapes and dtypes, grad mode, ...) runs ``fn`` eagerly, as always,
while a recorder listens to every NumPy call the library makes on its behalf:

- **forward**: each op application (``apply_op``): the op's NumPy forward, its input
  slots and parameters;
- **backward**: each VJP call the engine makes, in its order, the sums of gradients
  arriving at shared nodes, the sums that undo broadcasting, and each leaf's ``.grad``
  accumulation;
- **update**: ``zero_grad`` and each parameter's optimizer update (on arrays,
  :meth:`Optimizer.update_param`, the very code ``step()`` runs).

The record becomes a :class:`Program`: readable text (``print(step.program)``), a
picture (``am.viz.draw_graph(step)``) and one generated Python function of straight-line
NumPy calls. Later calls with the same signature only check the guards and run that
function on arrays: no Tensor, Node or graph is made. Parameters, their ``.grad`` and the
optimizer's state change exactly as the eager run would change them (the same NumPy
calls on the same arrays in the same order, so the results are bitwise equal).

What cannot be recorded raises :class:`TraceError` at trace time, naming the line: Python
control flow on tensor values (``if loss.item() > 1``, ``bool(t)``, ``float(t)``,
``t.numpy()`` inside ``fn``), and state changed by code the recorder does not see. Python
side effects of ``fn`` (prints, appends to lists) run once, when a signature is traced.
"""

from __future__ import annotations

import builtins
import contextlib
import functools
import inspect
import linecache
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import dtypes
from .core.grad_mode import state
from .core.node import EPOCH
from .nn.module import Module, register_module_forward_hook
from .nn.optim.optimizer import Optimizer
from .ops import linalg as _linalg_ops
from .ops import loss as _loss_ops
from .ops import shape as _shape_ops
from .ops import unary as _unary_ops
from .tensor import Tensor

__all__ = ["CompiledFunction", "Program", "TraceError", "compile"]

_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep
_TENSOR_FILES = {os.path.join(_PACKAGE, "tensor.py"), os.path.abspath(__file__)}
_MISS = object()  # a guard failed: another program (or a new trace) is needed
# what a NumPy call of a replay raises on bad data (restated with the call's name)
_REPLAY_ERRORS = (ValueError, TypeError, IndexError, ArithmeticError)
_LITERALS = (bool, int, float, str, type(None))
_LINEAR = _linalg_ops.linear
_SCE = _loss_ops.softmax_cross_entropy


class TraceError(RuntimeError):
    """``fn`` did something a compiled step cannot record (raised at trace time)."""


# ---------------------------------------------------------------- where in the user's code


def _user_frame() -> Any:
    """The innermost frame outside this package (the user's line), or None."""
    frame: Any = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back
    return frame


def _site(frame: Any) -> str:
    """``file.py:12`` of a frame ("?" when there is none)."""
    if frame is None:
        return "?"
    return f"{os.path.basename(frame.f_code.co_filename)}:{frame.f_lineno}"


def _site_with_code(frame: Any) -> str:
    """``file.py:12 (`loss.item()`)``: the site and its source line, for error messages."""
    if frame is None:
        return "an unknown line"
    code = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
    return f"{_site(frame)}" + (f" (`{code}`)" if code else "")


# ---------------------------------------------------------------- the record


@dataclass
class Slot:
    """One value of a program: an argument, a state read, or the result of a call."""

    name: str
    shape: tuple[int, ...]
    dtype: Any
    kind: str  # "arg", "state", "value", "const"
    section: str = "forward"
    owner: Any = None  # the Tensor read (state), or the argument index (arg)


@dataclass
class Instruction:
    """One line of a program: a NumPy-level call, in forward, backward or update."""

    section: str  # "forward", "backward", "update"
    kind: str  # "op", "vjp", "call", "accumulate", "zero_grad", "update", "draw", "set_data", "set_grad"
    name: str  # what the text shows: "linear", "linear.vjp[x]", "sum_to", "SGD.update" ...
    fn: Any  # the callable the replay calls
    args: tuple[Any, ...]  # references: ("slot", i), ("const", i), ("obj", i) or literals
    params: dict[str, Any]
    outs: tuple[int | None, ...]
    site: str = "?"
    extra: dict[str, Any] = field(default_factory=dict)


class _Recorder:
    """Listens to the library while ``fn`` runs eagerly, and writes the program."""

    def __init__(self) -> None:
        self.slots: list[Slot] = []
        self.index: dict[int, int] = {}  # id(array) -> slot
        self.keep: list[Any] = []  # the arrays seen, alive until the trace ends (ids stay unique)
        self.consts: list[Any] = []
        self.const_index: dict[int, int] = {}
        self.objects: list[Any] = []  # Tensors, optimizers, groups, functions the program calls
        self.arg_tensors: dict[int, int] = {}  # id(Tensor argument) -> its position
        self.object_index: dict[int, int] = {}
        self.instrs: list[Instruction] = []
        self.state_tensors: dict[int, Tensor] = {}
        self.first_grad: dict[int, Any] = {}  # a state tensor's .grad when first seen
        self.grad_written: dict[int, Any] = {}  # id(tensor) -> slot (or None) last written to .grad
        self.data_written: set[int] = set()
        self.modules: dict[int, Module] = {}
        self.optimizers: dict[int, Optimizer] = {}
        self.section = "forward"
        self.start_epoch = EPOCH[0]
        self.counts = {"forward": 0, "backward": 0, "update": 0, "const": 0}

    # ------------------------------------------------------------ references

    def obj(self, value: Any) -> tuple[str, int]:
        """A reference to a Python object the program holds (a Tensor, an optimizer ...).

        A Tensor given as an argument is referred to by its position instead, since each
        call passes its own."""
        if id(value) in self.arg_tensors:
            return ("arg", self.arg_tensors[id(value)])
        i = self.object_index.get(id(value))
        if i is None:
            i = self.object_index[id(value)] = len(self.objects)
            self.objects.append(value)
        return ("obj", i)

    def new_slot(self, value: Any, kind: str = "value", owner: Any = None, name: str | None = None) -> int:
        arr = value
        i = len(self.slots)
        if name is None:
            prefix = {"forward": "t", "backward": "g", "update": "u"}[self.section]
            name = f"{prefix}{self.counts[self.section]}"
            self.counts[self.section] += 1
        shape = tuple(np.shape(arr))
        dtype = getattr(arr, "dtype", None)
        self.slots.append(Slot(name, shape, dtype, kind, self.section, owner))
        self.index[id(arr)] = i
        self.keep.append(arr)
        return i

    def const(self, value: Any) -> tuple[str, int]:
        i = self.const_index.get(id(value))
        if i is None:
            i = self.const_index[id(value)] = len(self.consts)
            self.consts.append(value)
            self.keep.append(value)
        return ("const", i)

    def tensor_slot(self, t: Tensor) -> int:
        """The slot of a Tensor's array; a Tensor not seen before is state (a parameter ...)."""
        i = self.index.get(id(t._data))
        if i is not None:
            return i
        if t._mutated_at > self.start_epoch:
            raise TraceError(
                f"a tensor of shape {t.shape} was changed in place during the traced call "
                f"by code the compiled step cannot record (e.g. `t.data = ...` with NumPy "
                f"values) before an op used it. Update tensors with library ops or the "
                f"optimizer inside the compiled function, or outside it."
            )
        self.state_tensors[id(t)] = t
        self.first_grad[id(t)] = t.grad
        return self.new_slot(t._data, "state", owner=t, name=f"s{len(self.state_tensors) - 1}")

    def ref(self, value: Any) -> Any:
        """A reference to an argument of a call: a slot, a constant or a literal."""
        if isinstance(value, Tensor):
            return ("slot", self.tensor_slot(value))
        if isinstance(value, (np.ndarray, np.generic)):
            i = self.index.get(id(value))
            return ("slot", i) if i is not None else self.const(value)
        if isinstance(value, _LITERALS):
            if isinstance(value, float) and not np.isfinite(value):
                return self.const(value)
            return value
        if isinstance(value, (tuple, list)):
            refs = [self.ref(v) for v in value]
            return ("tuple" if isinstance(value, tuple) else "list", refs)
        if isinstance(value, slice):
            return self.const(value)
        return self.const(value)

    def out_slot(self, value: Any) -> int | None:
        if value is None:
            return None
        if not isinstance(value, (np.ndarray, np.generic)):
            raise TraceError(
                f"a compiled step can only record NumPy results, got a {type(value).__name__}"
            )
        return self.new_slot(value)

    def site(self) -> str:
        return _site(_user_frame())

    def emit(self, kind: str, name: str, fn: Any, args: tuple[Any, ...], params: dict[str, Any] | None,
             outs: tuple[int | None, ...], section: str | None = None, **extra: Any) -> None:
        self.instrs.append(
            Instruction(section or self.section, kind, name, fn, args, dict(params or {}), outs,
                        self.site(), dict(extra))
        )

    # ------------------------------------------------------------ hooks called by the library

    def op(self, op: Any, args: tuple[Any, ...], params: dict[str, Any] | None, out: Tensor) -> None:
        """``apply_op`` ran ``op`` (forward, or an op inside a hook or an update)."""
        refs = tuple(self.ref(a) for a in args)
        prefs = {k: self.ref(v) for k, v in (params or {}).items()}
        node = out.grad_fn
        if op.forward_saving is not None and node is not None:  # the forward saved a residual
            result = self.new_slot(out._data)
            saved = None if node.out is None else self.new_slot(node.out)
            self.emit("op", op.name, op.forward_saving, refs, prefs, (result, saved))
            return
        self.emit("op", op.name, op.forward, refs, prefs, (self.new_slot(out._data),))

    def call(
        self, name: str, fn: Any, inputs: tuple[Any, ...], params: dict[str, Any] | None, out: Any
    ) -> None:
        """A NumPy call the engine (or a copy) made: sums, unbroadcasting, casts, copies."""
        refs = tuple(self.ref(a) for a in inputs)
        prefs = {k: self.ref(v) for k, v in (params or {}).items()}
        self.emit("call", name, fn, refs, prefs, (self.out_slot(out),))

    def call_many(
        self, name: str, fn: Any, inputs: tuple[Any, ...], params: dict[str, Any] | None,
        outs: tuple[Any, ...],
    ) -> None:
        """A NumPy-level function of the library with several array results (gradient clipping)."""
        refs = tuple(self.ref(a) for a in inputs)
        prefs = {k: self.ref(v) for k, v in (params or {}).items()}
        self.emit("call", name, fn, refs, prefs, tuple(self.out_slot(o) for o in outs))

    def vjp(self, node: Any, grad: Any, input_grads: Any) -> None:
        """The engine ran ``node``'s VJP rules on arrays."""
        self.section = "backward"
        if node.retained is not None:
            raise TraceError(
                f"retain_grad() on the output of '{node.name}' inside a compiled function: "
                f"a replay makes no tensors to hold that gradient. Return the value you need "
                f"instead, or call retain_grad() outside the compiled function."
            )
        op = node.op
        g = self.ref(grad)
        ans = self.ref(node.out) if node.out is not None else None
        values = tuple(self.ref(x._data if isinstance(x, Tensor) else x) for x in node.inputs)
        params = {k: self.ref(v) for k, v in (node.params or {}).items()}
        needs = tuple(isinstance(x, Tensor) and x.requires_grad for x in node.inputs)
        if input_grads is None:
            return
        if op.vjp_all is not None:
            outs = tuple(self.out_slot(r) if needs[i] else None for i, r in enumerate(input_grads))
            self.emit("vjp_all", f"{op.name}.vjp", op.vjp_all, (g, ans, values, needs), params, outs)
            return
        names = _input_names(op, len(node.inputs))
        for i, result in enumerate(input_grads):
            if result is None:
                continue
            rule = op.vjps[i]
            self.emit("vjp", f"{op.name}.vjp[{names[i]}]", rule, (g, ans, *values), params,
                      (self.out_slot(result),))

    def accumulate(self, leaf: Tensor, g: Any, old: Any) -> None:
        """``leaf.grad`` became ``g`` (when it was None) or ``old + g``."""
        self.section = "backward"
        target = self.obj(leaf)
        gref = self.ref(g)
        if gref[0] == "const":  # a seed reaching a leaf directly: never share it with .grad
            gref = ("copy", gref)
        owner = self.index.get(id(leaf._data))
        name = f"{self.slots[owner].name}.grad" if owner is not None else None
        out = self.new_slot(leaf._grad._data, name=name) if leaf._grad is not None else None
        self.emit("accumulate", "accumulate", _accumulate, (target, gref), None, (out,))
        self.grad_written[id(leaf)] = out

    def assign_grad(self, t: Tensor, value: Tensor | None) -> None:
        """Code in the traced function assigned ``t.grad`` (``p.grad = None`` ...)."""
        target = self.obj(t)
        if value is None:
            gref: Any = None
            slot = None
        else:
            gref = self.ref(value._data)
            if gref[0] == "const":  # values the step did not compute: a copy, never shared
                gref = ("copy", gref)
                slot = None
            else:
                slot = gref[1]
        self.emit("set_grad", "set_grad", _set_grad, (target, gref), None, (None,))
        self.grad_written[id(t)] = slot

    def set_grad(self, leaf: Tensor, grad: Any) -> None:
        raise TraceError(
            "backward(create_graph=True) inside a compiled function is not supported: use "
            "am.autograd.grad(..., create_graph=True) for gradients of gradients, or call it "
            "outside the compiled function."
        )

    def zero_grad(self, params: list[Tensor], set_to_none: bool) -> None:
        """``zero_grad()`` of an optimizer or a module."""
        # shown with the gradients (before the forward pass or not), or after an update
        saved, self.section = self.section, "update" if self.section == "update" else "backward"
        targets = tuple(self.obj(p) for p in params)
        outs = tuple(None if p.grad is None else self.new_slot(p.grad._data) for p in params)
        self.emit("zero_grad", "zero_grad", _zero_grad, targets, {"set_to_none": set_to_none}, outs)
        for p, out in zip(params, outs):
            self.grad_written[id(p)] = out
        self.section = saved

    def update(self, opt: Optimizer, group: dict[str, Any], p: Tensor, value: Any, grad: Any,
               new: Any) -> None:
        """``opt.step()`` computed parameter ``p``'s new value (``p.data = new`` follows)."""
        self.section = "update"
        self.optimizers[id(opt)] = opt
        pref = self.ref(value)
        gref = self.ref(grad)
        if gref[0] == "const":
            raise TraceError(
                f"{type(opt).__name__}.step() inside the compiled function read a gradient that "
                f"the compiled step did not compute (set before the call, or by code it cannot "
                f"record). Call backward() inside the compiled function, or step() outside it."
            )
        out = self.new_slot(new)
        self.emit("update", f"{type(opt).__name__}.update", opt.update_param,
                  (self.obj(p), pref, gref, self.obj(group)), None, (out,))
        self.data_written.add(id(p))
        self.state_tensors.setdefault(id(p), p)

    def draw(self, sample: Callable[[], Any], out: Any) -> None:
        """A random array (``random_draw``): every replay calls ``sample`` again."""
        self.emit("draw", "random", sample, (), None, (self.out_slot(out),))

    def read(self, t: Tensor, what: str) -> None:
        """Python read the values of ``t`` (``t.item()``, ``bool(t)`` ...)."""
        frame: Any = sys._getframe(1)
        while frame is not None and frame.f_code.co_filename in _TENSOR_FILES:
            frame = frame.f_back
        if frame is None or frame.f_code.co_filename.startswith(_PACKAGE):
            return  # the library's own checks of values (label ranges ...)
        if id(t._data) not in self.index and id(t) not in self.state_tensors and not t.requires_grad:
            return  # a constant made inside fn: its value is the same on every call
        # (a tensor that requires grad is a parameter: its value changes between calls)
        raise TraceError(
            f"{what} at {_site_with_code(frame)} reads the value of a tensor inside a compiled "
            f"function. A compiled step records operations, not values: Python code that "
            f"uses this value (an if, a float that is returned or logged) would keep the "
            f"traced call's value on every replay. Return the tensor instead and read it "
            f"outside (loss = step(x, y); loss.item()), write the condition with tensor ops "
            f"(am.where), or call the function without am.compile."
        )

    def refuse(self, what: str, fix: str) -> None:
        """Library code is about to do something a program cannot replay."""
        raise TraceError(
            f"{what} at {_site_with_code(_user_frame())} inside a compiled function cannot "
            f"be recorded: {fix}, or call the function without am.compile."
        )

    def data_dependent(self, inputs: tuple[Any, ...], what: str) -> None:
        """``what`` (``nonzero`` ...) makes an array whose shape depends on the values."""
        traced = any(
            isinstance(a, Tensor) or (isinstance(a, np.ndarray) and id(a) in self.index)
            for a in inputs
        )
        if not traced:
            return  # a constant array of the user's: the same on every call
        raise TraceError(
            f"{what} at {_site_with_code(_user_frame())} inside a compiled function: its "
            f"result's shape depends on the values of a tensor (how many entries are "
            f"nonzero), and a compiled program has fixed shapes, so a replay could not "
            f"recompute it. Use a fixed-shape form (am.where(cond, x, y), a mask multiplied "
            f"in, masked_fill), call it outside the compiled function, or call the function "
            f"without am.compile."
        )

    def module_called(self, module: Module, args: Any, output: Any) -> None:
        if state.recorder is self:  # the global hook is seen by every thread
            self.modules.setdefault(id(module), module)


def _global_random_state() -> tuple[Any, ...]:
    """Where NumPy's global (legacy) generator stands: it moved iff ``np.random.*`` drew.

    A compiled function cannot record those draws (they are not the library's); comparing
    this before and after the trace catches the common case. A ``np.random.Generator`` of
    the user's cannot be watched: the docs say so."""
    st = np.random.get_state(legacy=False)
    inner = st["state"]
    return (int(inner["pos"]), inner["key"].tobytes(), st["has_gauss"], st["gauss"])


def _input_names(op: Any, n: int) -> list[str]:
    """The names of an op's inputs for the text (``linear.vjp[w]``), from its forward."""
    try:
        names = [p.name for p in inspect.signature(op.forward).parameters.values()
                 if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        names = []
    return [names[i] if i < len(names) else str(i) for i in range(n)]


# ---------------------------------------------------------------- replay helpers


def _accumulate(leaf: Tensor, g: np.ndarray) -> np.ndarray | None:
    """``leaf.grad``: ``g`` if it was None, else ``old + g`` (what ``backward()`` does)."""
    old = leaf._grad
    if old is None:
        leaf._grad = Tensor._wrap(g)
        return g
    new = old._data + g
    leaf._grad = Tensor._wrap(new)
    return new


def _zero_grad(*params: Tensor, set_to_none: bool = True) -> tuple[Any, ...]:
    """``zero_grad()`` on the parameters: None (default) or fresh zeros."""
    outs: list[Any] = []
    for p in params:
        if set_to_none:
            p._grad = None
            outs.append(None)
        else:
            z = np.zeros_like(p._data)
            p._grad = Tensor._wrap(z)
            outs.append(z)
    return tuple(outs)


def _set_data(t: Tensor, value: np.ndarray) -> np.ndarray:
    t.data = value
    return value


def _set_grad(t: Tensor, value: Any) -> Any:
    t._grad = None if value is None else Tensor._wrap(value)
    return value


def _as_array(value: Any) -> np.ndarray:
    return value if value.__class__ is np.ndarray else np.asarray(value)



# ---------------------------------------------------------------- kernels: the same NumPy calls, into buffers
#
# A replay may write an intermediate array into a buffer it keeps from call to call
# (``out=``) instead of a fresh array, but only where the array is private to the program:
# not an argument, not state, not returned, not stored in ``.grad`` or ``.data``, and not
# readable through a view that is. Each kernel makes exactly the NumPy calls of the eager
# op (same functions, same operands, same order), so results stay bitwise equal; only
# where the result lands differs.


def _kernel_linear(buf: np.ndarray) -> Callable[..., Any]:
    def linear(x: Any, w: Any, b: Any = None) -> Any:  # eager: out = x @ w.T; out += b
        if x.ndim != 2:
            return _LINEAR.forward(x, w, b)
        out = np.matmul(x, w.T, out=buf)
        if b is not None:
            np.add(out, b, out=out)
        return out

    return linear


def _kernel_relu(buf: np.ndarray) -> Callable[..., Any]:
    def relu(x: Any) -> Any:  # eager: np.maximum(x, 0)
        return np.maximum(x, 0, out=buf)

    return relu


def _kernel_relu_vjp(buf: np.ndarray) -> Callable[..., Any]:
    mask = np.empty(buf.shape, dtype=np.bool_)

    def relu_vjp(g: Any, ans: Any, x: Any) -> Any:  # eager: g * (x > 0)
        np.greater(x, 0, out=mask)
        return np.multiply(g, mask, out=buf)

    return relu_vjp


def _kernel_linear_vjp_x(buf: np.ndarray) -> Callable[..., Any]:
    def linear_vjp_x(g: Any, ans: Any, x: Any, w: Any, b: Any) -> Any:  # eager: g @ w
        return np.matmul(g, w, out=buf)

    return linear_vjp_x


def _kernel_reshape_back(shape: tuple[int, ...]) -> Callable[..., Any]:
    def reshape_back(g: Any, ans: Any, x: Any, **params: Any) -> Any:  # eager: reshape(g, x.shape)
        return np.reshape(g, shape)

    return reshape_back


# ---------------------------------------------------------------- programs


def _group_text(group: Any) -> str:
    """``; lr=0.01`` for an optimizer group's learning rate as traced (read live on replay)."""
    lr = group.get("lr") if isinstance(group, dict) else None
    return f"; lr={lr!r}" if isinstance(lr, (int, float)) else ""


def _fmt_type(shape: tuple[int, ...], dtype: Any) -> str:
    name = np.dtype(dtype).name if dtype is not None else "?"
    return f"{name}[{', '.join(str(n) for n in shape)}]"


class Program:
    """One recorded step for one signature: its text, its picture and its replay.

    ``print(program)`` shows one line per NumPy call in three sections (forward, backward,
    update), each line ``name: dtype[shape] = call(inputs)``, like a jaxpr.
    ``program.instructions`` holds the calls; ``program.source`` the generated Python.
    """

    def __init__(self, fn_name: str, arg_names: list[str], rec: _Recorder, signature: tuple[Any, ...],
                 output: Any, guards: dict[str, Any]) -> None:
        self.fn_name = fn_name
        self.arg_names = arg_names
        self.signature = signature
        self.slots = rec.slots
        self.instructions = rec.instrs
        self.consts = rec.consts
        self.objects = rec.objects
        self.output = output
        self.guards = guards
        self.replays = 0
        self.private = self._private_slots()
        self.kernels = self._plan_kernels()
        self.source, self._run = self._generate()

    # ------------------------------------------------------------ replay

    def run(self, args: tuple[Any, ...]) -> Any:
        """Replay on ``args`` (the flattened call arguments); ``_MISS`` if a guard fails."""
        try:
            out = self._run(args)
        except _REPLAY_ERRORS as e:
            raise self.replay_error(e) from None
        if out is not _MISS:
            self.replays += 1
        return out

    def replay_error(self, error: Exception) -> Exception:
        """``error`` raised by a NumPy call of a replay, restated with the call's name, its
        program line and where the traced call made it (the eager error's context)."""
        tb = error.__traceback__
        k = None
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == f"<am.compile {self.fn_name}>":
                k = self._line_of.get(tb.tb_lineno)
            tb = tb.tb_next
        if k is None:
            return error
        ins = self.instructions[k]
        # an op's NumPy error does not name it (eager, apply_op adds the name); the
        # library's recorded checks already say who they are
        prefix = f"{ins.name}: " if ins.kind in ("op", "vjp", "vjp_all") else ""
        message = (
            f"{prefix}{error} (replaying the compiled step {self.fn_name}: its line "
            f"`{self._instruction_text(ins)}`, recorded from {ins.site})"
        )
        try:
            restated = type(error)(message)
        except Exception:  # an exception type that takes other arguments: keep it as it is
            return error
        return restated.with_traceback(error.__traceback__)

    def _generate(self) -> tuple[str, Callable[..., Any]]:
        ns: dict[str, Any] = {"_MISS": _MISS, "_wrap": Tensor._wrap, "_as_array": _as_array}
        for i, c in enumerate(self.consts):
            ns[f"c{i}"] = c
        for i, o in enumerate(self.objects):
            ns[f"o{i}"] = o
        lines = ["def replay(args):"]
        body: list[str] = []
        # guards on state: shapes, dtypes, requires_grad; modules' modes; optimizer groups
        checks = []
        for k, (t, shape, dtype, rg) in enumerate(self.guards["tensors"]):
            ns[f"G{k}"] = t
            ns[f"S{k}"] = shape
            ns[f"D{k}"] = dtype
            checks.append(
                f"G{k}._data.shape != S{k} or G{k}._data.dtype != D{k} or G{k}.requires_grad is not {rg}"
            )
        for k, (m, training) in enumerate(self.guards["modules"]):
            ns[f"M{k}"] = m
            checks.append(f"M{k}.training is not {training}")
        for k, (opt, groups, lists) in enumerate(self.guards["optimizers"]):
            ns[f"Q{k}"] = opt
            ns[f"QL{k}"] = lists
            checks.append(f"len(Q{k}.param_groups) != {groups}")
            checks.append(f"any(g['params'] is not l for g, l in zip(Q{k}.param_groups, QL{k}))")
        for chunk in range(0, len(checks), 4):
            body.append(f"if {' or '.join(checks[chunk:chunk + 4])}:")
            body.append("    return _MISS")
        # arguments and state reads
        for i, slot in enumerate(self.slots):
            if slot.kind == "arg":
                index, is_tensor = slot.owner
                body.append(f"v{i} = args[{index}]{'._data' if is_tensor else ''}")
            elif slot.kind == "state":
                ns[f"T{i}"] = slot.owner
                body.append(f"v{i} = T{i}._data")
        self._line_of: dict[int, int] = {}  # source line -> instruction (errors name the call)
        for k, ins in enumerate(self.instructions):
            code_lines = self._line(k, ins, ns)
            for j in range(len(code_lines)):
                self._line_of[len(lines) + len(body) + j + 1] = k
            body.extend(code_lines)
        body.append(f"return {self._output_expr(self.output, ns)}")
        source = "\n".join(lines + ["    " + line for line in body]) + "\n"
        code = builtins.compile(source, f"<am.compile {self.fn_name}>", "exec")
        exec(code, ns)
        return source, ns["replay"]

    def _expr(self, ref: Any, ns: dict[str, Any]) -> str:
        if isinstance(ref, tuple) and len(ref) == 2 and isinstance(ref[0], str):
            kind, i = ref
            if kind == "slot":
                return f"v{i}"
            if kind == "const":
                return f"c{i}"
            if kind == "obj":
                return f"o{i}"
            if kind == "arg":
                return f"args[{i}]"
            if kind == "copy":
                return f"{self._expr(i, ns)}.copy()"
            if kind in ("tuple", "list"):
                inner = ", ".join(self._expr(r, ns) for r in i)
                return f"({inner}{',' if len(i) == 1 else ''})" if kind == "tuple" else f"[{inner}]"
        if isinstance(ref, tuple):  # a plain tuple of references (vjp_all's values, needs)
            inner = ", ".join(self._expr(r, ns) for r in ref)
            return f"({inner}{',' if len(ref) == 1 else ''})"
        return repr(ref)

    # ------------------------------------------------------------ buffers

    def _private_slots(self) -> set[int]:
        """Slots no one outside the program can hold: where a replay may reuse a buffer."""
        escaping: set[int] = set()
        for i, slot in enumerate(self.slots):
            if slot.kind != "value":
                escaping.add(i)
        pending = [self.output]
        while pending:
            kind, value = pending.pop()
            if kind == "tensor":
                escaping.add(value)
            elif kind == "array" and value[0] == "slot":
                escaping.add(value[1])
            elif kind in ("tuple", "list"):
                pending.extend(value)
            elif kind == "dict":
                pending.extend(v for _, v in value)
        for ins in self.instructions:
            if ins.kind in ("accumulate", "update", "set_data", "set_grad", "zero_grad", "draw"):
                escaping.update(_slot_refs(ins))
                escaping.update(o for o in ins.outs if o is not None)
        # a call may return a view of (or the very array of) an input: what escapes through
        # its result escapes through that input too. Calls known to return fresh arrays stop it.
        for ins in reversed(self.instructions):
            if _fresh(ins):
                continue
            if any(o in escaping for o in ins.outs if o is not None) or ins.kind not in ("op", "vjp", "call"):
                escaping.update(_slot_refs(ins))
        return {i for i in range(len(self.slots)) if i not in escaping}

    def _plan_kernels(self) -> dict[int, Any]:
        """Instruction index -> the kernel replacing its function (same NumPy calls, ``out=``)."""
        kernels: dict[int, Any] = {}
        slots, private = self.slots, self.private

        def buffer(o: int | None) -> np.ndarray | None:
            if o is None or o not in private or slots[o].dtype is None:
                return None
            return np.empty(slots[o].shape, dtype=slots[o].dtype)

        for k, ins in enumerate(self.instructions):
            out = ins.outs[0] if len(ins.outs) == 1 else None
            if ins.fn is _LINEAR.forward and len(ins.args) == 3 and not ins.params:
                buf = buffer(out)
                if buf is not None and buf.ndim == 2:
                    kernels[k] = _kernel_linear(buf)
            elif ins.fn is _unary_ops.relu.forward and not ins.params:
                buf = buffer(out)
                if buf is not None:
                    kernels[k] = _kernel_relu(buf)
            elif ins.fn is _unary_ops.relu.vjps[0] and not ins.params:
                buf = buffer(out)
                if buf is not None:
                    kernels[k] = _kernel_relu_vjp(buf)
            elif ins.fn is _LINEAR.vjps[0] and not ins.params:
                buf = buffer(out)
                if buf is not None and buf.ndim == 2 and slots[ins.args[0][1]].shape[:1] == buf.shape[:1]:
                    kernels[k] = _kernel_linear_vjp_x(buf)
            elif ins.fn is _shape_ops.reshape.vjps[0] and _is_slot(ins.args[2]):
                kernels[k] = _kernel_reshape_back(slots[ins.args[2][1]].shape)
        return kernels

    def _line(self, k: int, ins: Instruction, ns: dict[str, Any]) -> list[str]:
        fname = f"f{k}"
        ns[fname] = self.kernels.get(k, ins.fn)
        args = ", ".join(self._expr(a, ns) for a in ins.args)
        kw = ", ".join(f"{key}={self._expr(v, ns)}" for key, v in ins.params.items())
        call = f"{fname}({args}{', ' if args and kw else ''}{kw})"
        outs = ins.outs
        names = [f"v{o}" if o is not None else "_" for o in outs]
        if ins.kind == "vjp_all":
            g, ans, values, needs = ins.args
            vals = "[" + ", ".join(self._expr(v, ns) for v in values) + "]"
            call = f"{fname}({self._expr(g, ns)}, {self._expr(ans, ns)}, {vals}, {needs!r}"
            call += f", {kw})" if kw else ")"
            return [f"_r = {call}"] + [f"{n} = _r[{i}]" for i, n in enumerate(names) if n != "_"]
        if ins.kind == "update":
            p = self._expr(ins.args[0], ns)
            return [f"{names[0]} = {call}", f"{p}.data = {names[0]}"]
        if ins.kind == "zero_grad":
            if all(o is None for o in outs):
                return [call]
            return [f"{', '.join(names)}{',' if len(names) == 1 else ''} = {call}"]
        if ins.kind == "accumulate":
            return [f"{names[0]} = {call}" if outs[0] is not None else call]
        if len(outs) > 1:
            # a 0-d result comes back from NumPy as a scalar: the program holds arrays
            scalars = [n for n, o in zip(names, outs) if o is not None and self.slots[o].shape == ()]
            return [f"{', '.join(names)} = {call}"] + [f"{n} = _as_array({n})" for n in scalars]
        if len(outs) == 1 and outs[0] is not None:
            slot = self.slots[outs[0]]
            if ins.kind in ("op", "call", "vjp") and slot.shape == ():
                call = f"_as_array({call})"
            return [f"{names[0]} = {call}"]
        return [call]

    def _output_expr(self, out: Any, ns: dict[str, Any]) -> str:
        kind, value = out
        if kind == "tensor":
            return f"_wrap(v{value})"
        if kind == "array":
            return self._expr(value, ns)
        if kind in ("tuple", "list"):
            inner = ", ".join(self._output_expr(v, ns) for v in value)
            return f"({inner}{',' if len(value) == 1 else ''})" if kind == "tuple" else f"[{inner}]"
        if kind == "dict":
            return "{" + ", ".join(f"{k!r}: {self._output_expr(v, ns)}" for k, v in value) + "}"
        i = len([k for k in ns if k.startswith("R")])
        ns[f"R{i}"] = value
        return f"R{i}"

    # ------------------------------------------------------------ text

    def _ref_text(self, ref: Any) -> str:
        if isinstance(ref, tuple) and len(ref) == 2 and isinstance(ref[0], str):
            kind, i = ref
            if kind == "slot":
                return self.slots[i].name
            if kind == "const":
                c = self.consts[i]
                if isinstance(c, np.ndarray):
                    if c.size == 1:
                        return f"{c.item()!r}"
                    return f"const:{_fmt_type(c.shape, c.dtype)}"
                return repr(c)
            if kind == "obj":
                return self._object_name(self.objects[i])
            if kind == "copy":
                return f"copy({self._ref_text(i)})"
            if kind in ("tuple", "list"):
                return "(" + ", ".join(self._ref_text(r) for r in i) + ")"
        if isinstance(ref, tuple):
            return "(" + ", ".join(self._ref_text(r) for r in ref) + ")"
        if ref is None:
            return "-"
        return repr(ref)

    def _object_name(self, obj: Any) -> str:
        if isinstance(obj, Tensor):
            for slot in self.slots:
                if slot.kind == "state" and slot.owner is obj:
                    return slot.name
            return "tensor"
        if isinstance(obj, dict):
            return "group"
        return type(obj).__name__

    def lines(self) -> list[tuple[str, str]]:
        """``(section, text)`` for every line of the program (what ``str()`` prints)."""
        out: list[tuple[str, str]] = []
        for ins in self.instructions:
            out.append((ins.section, self._instruction_text(ins)))
        return out

    def _instruction_text(self, ins: Instruction) -> str:
        if ins.kind == "vjp_all":
            g, ans, values, _ = ins.args
            texts = [self._ref_text(g), self._ref_text(ans), *(self._ref_text(v) for v in values)]
            args_text = ", ".join(texts)
        else:
            args_text = ", ".join(self._ref_text(a) for a in ins.args)
        if ins.params:
            params_text = "; " + ", ".join(f"{k}={self._ref_text(v)}" for k, v in ins.params.items())
        else:
            params_text = ""
        if ins.kind == "zero_grad":
            value = "None" if ins.params.get("set_to_none", True) else "zeros"
            return f"zero_grad({args_text}): .grad ← {value}"
        if ins.kind == "accumulate":
            target = self._ref_text(ins.args[0])
            return f"{target}.grad += {self._ref_text(ins.args[1])}"
        if ins.kind == "set_grad":
            value = "None" if ins.args[1] is None else self._ref_text(ins.args[1])
            return f"{self._ref_text(ins.args[0])}.grad ← {value}"
        results = [self.slots[o] for o in ins.outs if o is not None]
        lhs = ", ".join(f"{s.name}: {_fmt_type(s.shape, s.dtype)}" for s in results) or "_"
        text = f"{lhs} = {ins.name}({args_text}{params_text})"
        if ins.kind == "update":
            p = self._ref_text(ins.args[0])
            hyper = _group_text(self.objects[ins.args[3][1]])
            grad = self._ref_text(ins.args[2])
            text = f"{lhs} = {ins.name}({p}, {grad}{hyper}); {p}.data ← {results[0].name}"
        return text

    def __str__(self) -> str:
        args = ", ".join(
            f"{s.name}: {_fmt_type(s.shape, s.dtype)}" for s in self.slots if s.kind == "arg"
        )
        head = [f"program {self.fn_name}({args})"]
        state_slots = [s for s in self.slots if s.kind == "state"]
        if state_slots:
            head.append("  state (read when the step starts):")
            for s in state_slots:
                label = self._state_label(s.owner)
                head.append(f"    {s.name}: {_fmt_type(s.shape, s.dtype)}{label}")
        body: list[str] = []
        current = None
        for section, text in self.lines():
            if section != current:
                body.append(f"{section}:")
                current = section
            body.append(f"  {text}")
        body.append(f"return {self._output_text(self.output)}")
        return "\n".join(head + body)

    def _state_label(self, t: Any) -> str:
        name = self.guards.get("names", {}).get(id(t))
        return f" = {name}" if name else ""

    def _output_text(self, out: Any) -> str:
        kind, value = out
        if kind == "tensor":
            return self.slots[value].name
        if kind == "array":
            return self._ref_text(value)
        if kind in ("tuple", "list"):
            return "(" + ", ".join(self._output_text(v) for v in value) + ")"
        if kind == "dict":
            return "{" + ", ".join(f"{k!r}: {self._output_text(v)}" for k, v in value) + "}"
        return repr(value)

    def __repr__(self) -> str:
        sections = ("forward", "backward", "update")
        counts = {s: sum(1 for i in self.instructions if i.section == s) for s in sections}
        shapes = ", ".join(_fmt_type(s.shape, s.dtype) for s in self.slots if s.kind == "arg")
        return (
            f"<Program {self.fn_name}({shapes}): {counts['forward']} forward, {counts['backward']} "
            f"backward, {counts['update']} update calls; {self.replays} replays>"
        )

    # ------------------------------------------------------------ picture

    def to_dot(self, rankdir: str = "TB") -> str:
        """The program as Graphviz DOT: a box per call, an edge per value, a cluster per section."""
        return "digraph program {\n" + "\n".join(self._dot_body(rankdir)) + "\n}\n"

    def draw(self, rankdir: str = "TB") -> Any:
        """The program as a picture (``am.viz.draw_graph(step)`` draws this): a
        ``graphviz.Digraph`` with the arguments and state on top, then one box per NumPy
        call in a forward, a backward and an update cluster, edges labelled by value."""
        from .viz.render import GraphPicture

        picture = GraphPicture(name=f"program_{self.fn_name}")
        picture.body.extend(line + "\n" for line in self._dot_body(rankdir))
        return picture

    def _dot_body(self, rankdir: str) -> list[str]:
        colors = {"forward": "#dbeafe", "backward": "#fde2e2", "update": "#dcfce7"}
        lines = [f"  rankdir={rankdir};", '  node [fontname="Helvetica", fontsize=10];']
        producer: dict[int, str] = {}
        for i, s in enumerate(self.slots):
            if s.kind in ("arg", "state"):
                label = f"{s.name}{self._state_label(s.owner)}\\n{_fmt_type(s.shape, s.dtype)}"
                shape = "ellipse" if s.kind == "arg" else "box, style=rounded"
                lines.append(f'  v{i} [label="{label}", shape={shape}];')
                producer[i] = f"v{i}"
        for section in ("forward", "backward", "update"):
            lines.append(f"  subgraph cluster_{section} {{")
            lines.append(f'    label="{section}"; style=filled; color="{colors[section]}";')
            for k, ins in enumerate(self.instructions):
                if ins.section != section:
                    continue
                outs = [self.slots[o] for o in ins.outs if o is not None]
                out_text = ", ".join(f"{s.name}: {_fmt_type(s.shape, s.dtype)}" for s in outs)
                special = ins.kind in ("zero_grad", "accumulate", "set_grad")
                label = self._instruction_text(ins) if special else ins.name
                label = label.replace('"', "'")
                lines.append(
                    f'    i{k} [label="{label}\\n{out_text}", shape=box, style=filled, fillcolor=white];'
                )
                for o in ins.outs:
                    if o is not None:
                        producer[o] = f"i{k}"
            lines.append("  }")
        for k, ins in enumerate(self.instructions):
            for ref in _slot_refs(ins):
                src = producer.get(ref)
                if src is not None:
                    lines.append(f'  {src} -> i{k} [label="{self.slots[ref].name}", fontsize=8];')
        return lines


_FRESH = {id(f) for f in (
    _LINEAR.forward, _LINEAR.vjps[0], _LINEAR.vjps[1], _LINEAR.vjps[2], _unary_ops.relu.forward,
    _unary_ops.relu.vjps[0], _SCE.forward, _SCE.forward_saving, _SCE.vjps[0], np.add, np.copy,
    np.ndarray.astype,
)}


def _fresh(ins: Instruction) -> bool:
    """Whether the call always returns new arrays (never an input or a view of one)."""
    return ins.kind in ("op", "vjp", "call") and id(ins.fn) in _FRESH


def _is_slot(ref: Any) -> bool:
    return isinstance(ref, tuple) and len(ref) == 2 and ref[0] == "slot"


def _slot_refs(ins: Instruction) -> list[int]:
    """The slots an instruction reads, in order, without repeats."""
    found: list[int] = []
    pending: list[Any] = list(ins.args) + list(ins.params.values())
    while pending:
        ref = pending.pop(0)
        if isinstance(ref, tuple) and len(ref) == 2 and isinstance(ref[0], str):
            kind, value = ref
            if kind == "slot" and value not in found:
                found.append(value)
            elif kind in ("tuple", "list"):
                pending[:0] = list(value)
            elif kind == "copy":
                pending.insert(0, value)
        elif isinstance(ref, tuple):
            pending[:0] = list(ref)
    return found


# ---------------------------------------------------------------- the compiled function


def _signature(args: tuple[Any, ...]) -> tuple[Any, ...]:
    """What a program is specialised to: argument shapes and dtypes, grad mode, default dtype.

    Arrays and Tensors count by shape and dtype, Python numbers and strings by value (a
    new value traces a new program), other objects (a model, a function) by identity.
    """
    parts: list[Any] = [state.grad_enabled, dtypes.get_default_dtype()]
    for a in args:
        cls = a.__class__
        if cls is np.ndarray:
            parts.append((a.shape, a.dtype))
        elif isinstance(a, Tensor):
            parts.append(("T", a._data.shape, a._data.dtype, a.requires_grad))
        elif cls in _LITERALS:
            parts.append((cls, a))
        elif isinstance(a, (np.ndarray, np.generic)):
            parts.append((type(a), np.shape(a), a.dtype))
        elif isinstance(a, (list, tuple, dict)):
            parts.append(_static_value(a))
        else:
            parts.append(("id", id(a)))
    return tuple(parts)


def _static_value(value: Any) -> Any:
    """A list, tuple or dict argument as a signature entry: its literal contents, by value."""
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for _, v in items:
        if isinstance(v, (np.ndarray, np.generic, Tensor)) or not isinstance(v, (*_LITERALS, tuple)):
            raise TypeError(
                f"am.compile: an argument is a {type(value).__name__} holding a "
                f"{type(v).__name__}; a compiled function takes arrays and Tensors as "
                f"separate arguments (step(x, y), not step([x, y])), and lists, tuples and "
                f"dicts of Python numbers and strings only"
            )
    return (type(value).__name__, repr(value))


class CompiledFunction:
    """``am.compile(fn)``: calls ``fn`` eagerly once per signature, then replays its program.

    ``programs`` lists the recorded programs (one per signature, as ``tf.function``
    keeps one concrete function per input signature); ``program`` is the one used last.
    Its programs reuse buffers from call to call, so one compiled function must not run
    in two threads at once: compile one per thread.
    """

    def __init__(self, fn: Callable[..., Any]) -> None:
        if not callable(fn):
            raise TypeError(f"am.compile: expected a function, got {type(fn).__name__}")
        self.fn = fn
        self._cache: dict[tuple[Any, ...], list[Program]] = {}
        self.programs: list[Program] = []
        self.program: Program | None = None
        self.traces = 0
        functools.update_wrapper(self, fn)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs:
            args = args + tuple(kwargs[k] for k in sorted(kwargs))
            names = tuple(sorted(kwargs))
        else:
            names = ()
        if state.detour:  # anomaly mode, forward mode or an outer trace: run eagerly
            return self.fn(*args[: len(args) - len(names)], **dict(zip(names, args[len(args) - len(names):])))
        key = _signature(args) + names
        candidates = self._cache.get(key)
        if candidates is not None:
            for program in candidates:
                try:
                    out = program._run(args)
                except _REPLAY_ERRORS as e:
                    raise program.replay_error(e) from None
                if out is not _MISS:
                    program.replays += 1
                    self.program = program
                    return out
        return self._trace(key, args, names)

    def _trace(self, key: tuple[Any, ...], args: tuple[Any, ...], names: tuple[str, ...]) -> Any:
        rec = _Recorder()
        call_args: list[Any] = []
        arg_names = _argument_names(self.fn, len(args) - len(names)) + list(names)
        for i, a in enumerate(args):
            if isinstance(a, Tensor):
                if a.grad_fn is not None:
                    raise TypeError(
                        f"am.compile: argument {i} is a Tensor computed by '{a.grad_fn.name}' "
                        f"outside the compiled function (part of a graph); pass a leaf: "
                        f"t.detach(), or move that computation inside the function"
                    )
                rec.new_slot(a._data, "arg", owner=(i, True), name=arg_names[i])
                rec.arg_tensors[id(a)] = i
                call_args.append(a)
            elif isinstance(a, np.ndarray):
                rec.new_slot(a, "arg", owner=(i, False), name=arg_names[i])
                call_args.append(Tensor._wrap(a))  # so library calls see the argument itself
            else:
                call_args.append(a)
        handle = register_module_forward_hook(lambda m, a, o: rec.module_called(m, a, o))
        random_before = _global_random_state()
        state.recorder = rec
        try:
            positional = call_args[: len(call_args) - len(names)]
            keywords = dict(zip(names, call_args[len(call_args) - len(names):]))
            result = self.fn(*positional, **keywords)
        finally:
            state.recorder = None
            handle.remove()
        if _global_random_state() != random_before:
            raise TraceError(
                f"the compiled function {getattr(self.fn, '__name__', 'fn')} drew numbers from "
                f"NumPy's global random generator (np.random.rand, np.random.normal, "
                f"np.random.shuffle ...) while it was traced: the recorded program would reuse "
                f"those numbers on every replay. Draw fresh randomness inside a compiled "
                f"function with the library's generators (am.rand, am.randn, am.normal, "
                f"am.uniform, am.randint, nn.Dropout): they draw again on every replay. Or "
                f"draw outside and pass the array as an argument."
            )
        output = _output_refs(rec, result)
        _check_final_state(rec)
        guards = _guards(rec)
        program = Program(getattr(self.fn, "__name__", "fn"), arg_names, rec, key, output, guards)
        rec.keep.clear()
        self._cache.setdefault(key, []).append(program)
        self.programs.append(program)
        self.program = program
        self.traces += 1
        return _detached(result)

    def draw_program(self, rankdir: str = "TB") -> Any:
        """The last used program as a picture (what ``am.viz.draw_graph(step)`` returns)."""
        if self.program is None:
            raise RuntimeError(
                "draw_graph: this compiled function has not been called yet, so there is no "
                "program to draw; call it once (step(x, y)), then draw it"
            )
        return self.program.draw(rankdir)

    def __repr__(self) -> str:
        return f"<compiled {getattr(self.fn, '__name__', 'fn')}: {len(self.programs)} program(s)>"


def _argument_names(fn: Callable[..., Any], n: int) -> list[str]:
    try:
        params = [p.name for p in inspect.signature(fn).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    var = None
    with contextlib.suppress(TypeError, ValueError):
        kinds = inspect.signature(fn).parameters.values()
        var = next((p.name for p in kinds if p.kind == p.VAR_POSITIONAL), None)
    names = []
    for i in range(n):
        names.append(params[i] if i < len(params) else f"{var or 'arg'}{i}")
    return names


def _output_refs(rec: _Recorder, result: Any) -> Any:
    """How to rebuild ``fn``'s result from the program's slots."""
    if isinstance(result, Tensor):
        return ("tensor", rec.tensor_slot(result))
    if isinstance(result, np.ndarray):
        i = rec.index.get(id(result))
        return ("array", ("slot", i) if i is not None else rec.const(result))
    if isinstance(result, (tuple, list)):
        return ("tuple" if isinstance(result, tuple) else "list", [_output_refs(rec, r) for r in result])
    if isinstance(result, dict):
        return ("dict", [(k, _output_refs(rec, v)) for k, v in result.items()])
    return ("value", result)


def _detached(result: Any) -> Any:
    """``fn``'s result as a replay returns it: Tensors without a graph."""
    if isinstance(result, Tensor):
        return Tensor._wrap(result._data)
    if isinstance(result, tuple):
        return tuple(_detached(r) for r in result)
    if isinstance(result, list):
        return [_detached(r) for r in result]
    if isinstance(result, dict):
        return {k: _detached(v) for k, v in result.items()}
    return result


def _named(t: Tensor, rec: _Recorder) -> str:
    names = _names(rec)
    return f"'{names[id(t)]}'" if id(t) in names else f"a tensor of shape {t.shape}"


def _names(rec: _Recorder) -> dict[int, str]:
    """Dotted parameter and buffer names of the tensors the modules seen own."""
    names: dict[int, str] = {}
    # the outermost modules first, so names read from the model down
    mods = sorted(rec.modules.values(), key=lambda m: -sum(1 for _ in m.modules()))
    for m in mods:
        for name, p in m.named_parameters():
            names.setdefault(id(p), name)
        for name, b in m.named_buffers():
            if b is not None:
                names.setdefault(id(b), name)
    return names


def _check_final_state(rec: _Recorder) -> None:
    """Everything the call changed must be something the program changes the same way."""
    tensors: dict[int, Tensor] = dict(rec.state_tensors)
    for opt in rec.optimizers.values():
        for group in opt.param_groups:
            for p in group["params"]:
                tensors.setdefault(id(p), p)
    for m in rec.modules.values():
        for _, b in m.named_buffers():
            if b is not None:
                tensors.setdefault(id(b), b)
    for key, t in tensors.items():
        slot = rec.index.get(id(t._data))
        if slot is None:
            if t._mutated_at > rec.start_epoch:
                raise TraceError(
                    f"{_named(t, rec)} was changed during the traced call by code the compiled "
                    f"step cannot record (NumPy on its values, e.g. a running statistic, or "
                    f"`.data = ...`). Such updates cannot be replayed; run this function "
                    f"without am.compile (or in eval mode)."
                )
            continue
        own = rec.slots[slot].kind == "state" and rec.slots[slot].owner is t
        if key not in rec.data_written and not own:
            rec.section = "update"
            rec.instrs.append(Instruction("update", "set_data", "set_data", _set_data,
                                          (rec.obj(t), ("slot", slot)), {}, (None,)))
        grad = t.grad
        if key in rec.grad_written:
            written = rec.grad_written[key]
            now = None if grad is None else rec.index.get(id(grad._data))
            if now == written:
                continue
        elif grad is rec.first_grad.get(key, grad):
            continue
        gslot = None if grad is None else rec.index.get(id(grad._data))
        if grad is not None and gslot is None:
            raise TraceError(
                f"the .grad of {_named(t, rec)} was set during the traced call by code the "
                f"compiled step cannot record. Compute gradients with backward() and change "
                f"them with library ops (under am.no_grad()), or do it outside the compiled "
                f"function."
            )
        rec.instrs.append(Instruction("update", "set_grad", "set_grad", _set_grad,
                                      (rec.obj(t), None if gslot is None else ("slot", gslot)), {}, (None,)))


def _guards(rec: _Recorder) -> dict[str, Any]:
    tensors = []
    for slot in rec.slots:
        if slot.kind == "state":
            t = slot.owner
            tensors.append((t, t._data.shape, t._data.dtype, bool(t.requires_grad)))
    modules = [(m, bool(m.training)) for m in rec.modules.values()]
    optimizers = [
        (opt, len(opt.param_groups), [g["params"] for g in opt.param_groups])
        for opt in rec.optimizers.values()
    ]
    return {"tensors": tensors, "modules": modules, "optimizers": optimizers, "names": _names(rec)}


def compile(fn: Callable[..., Any]) -> CompiledFunction:
    """Record ``fn`` once per signature and replay it on NumPy arrays (define-and-run).

    ``fn`` is an ordinary step written with the library (forward, ``loss.backward()``,
    ``opt.step()``); its arguments are NumPy arrays, Tensors or Python values. The first
    call with a new signature (argument shapes and dtypes, Python values, grad mode, the
    parameters' shapes, train/eval mode) runs ``fn`` eagerly and records every NumPy call
    the library makes; later calls check the guards and replay the record. Tensors in
    the result come back without a graph.

    Values computed without a gradient (comparisons, ``isnan``, ``argmax``, sort orders)
    are recorded and recomputed on every replay. Reading a value in Python (``.item()``,
    ``.data``, ``bool(t)`` ...), results whose shape depends on the values (``nonzero``)
    and draws from NumPy's global random generator raise :class:`TraceError` at trace
    time. NumPy random calls cannot be recorded: draw with the library's functions
    (``am.randn``, ``nn.Dropout``), which draw again on every replay; a
    ``np.random.Generator`` of your own used inside ``fn`` is not detected and its
    numbers would be frozen at the traced call's.

    >>> import numpy as np
    >>> import autograd_mini as am
    >>> w = am.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = am.nn.optim.SGD([w], lr=0.1)
    >>> @am.compile
    ... def step(x):
    ...     opt.zero_grad()
    ...     loss = ((w * x) ** 2).sum()
    ...     loss.backward()
    ...     opt.step()
    ...     return loss
    >>> [round(step(np.array([1.0, 1.0])).item(), 4) for _ in range(3)]
    [5.0, 3.2, 2.048]
    >>> len(step.programs), step.program.replays
    (1, 2)
    """
    return CompiledFunction(fn)
