"""The backward pass: reverse topological order, VJP calls, gradient accumulation.

The engine knows graphs, not math. It counts, for every node reachable from the
roots, how many consumers it has (an iterative walk, no recursion), then runs Kahn's
algorithm from the roots: a node's VJP runs once all of its consumers have sent their
gradients, which are summed in ``pending``. Each gradient is summed down to its input's
shape (broadcasting undone once, here) and checked. Leaves collect their gradient for
the whole pass, then leaf hooks run and the result is added to ``.grad``.

With ``create_graph=True`` the same VJP rules receive Tensors instead of arrays, so the
backward pass is itself recorded and can be differentiated again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from ..tensor import Tensor, _seed
from . import anomaly, slices
from .broadcasting import sum_to
from .grad_mode import state
from .node import EPOCH, Node


def _count_dependencies(roots: Iterable[Node], replay: bool = False) -> dict[Node, int]:
    """For each node reachable from ``roots``: how many graph edges point into it."""
    deps: dict[Node, int] = {}
    stack: list[Node] = []
    for root in roots:
        if root not in deps:
            deps[root] = 0
            stack.append(root)
    while stack:
        node = stack.pop()
        # Only a node whose VJP reads saved values needs them: one that saved nothing
        # (sum, reshape, add ...) can be walked again, as in PyTorch.
        if node.freed and not replay and (node.op.save_output or node.op.save_inputs):
            raise RuntimeError(
                f"backward through the graph a second time: the saved values of "
                f"'{node.name}' were freed by the first backward(). Pass "
                f"retain_graph=True to the first backward() (or autograd.grad) if you "
                f"need to backpropagate through the same graph again."
            )
        for x in node.inputs:
            if not isinstance(x, Tensor) or not x.requires_grad:
                continue
            parent = x.grad_fn
            if parent is None:
                continue
            if parent in deps:
                deps[parent] += 1
            else:
                deps[parent] = 1
                stack.append(parent)
    return deps


def topological_order(roots: Sequence[Tensor] | Tensor) -> list[Node]:
    """The op nodes below ``roots`` in exactly the order ``backward()`` visits them.

    It reads no saved values, so it also walks graphs that ``backward()`` already freed
    (pictures and the ledger are mostly made after ``backward()``).
    """
    if isinstance(roots, Tensor):
        roots = [roots]
    root_nodes = [r.grad_fn for r in roots if r.grad_fn is not None]
    deps = _count_dependencies(root_nodes, replay=True)
    ready = [n for n in dict.fromkeys(root_nodes) if deps[n] == 0]
    order: list[Node] = []
    while ready:
        node = ready.pop()
        order.append(node)
        for x in node.inputs:
            if not isinstance(x, Tensor) or not x.requires_grad:
                continue
            parent = x.grad_fn
            if parent is None:
                continue
            deps[parent] -= 1
            if deps[parent] == 0:
                ready.append(parent)
    return order


def trace_backward(root: Tensor, gradient: Any = None) -> list[tuple[Node, Any, list[Any]]]:
    """Replay the backward pass of ``root`` without side effects, for inspection.

    Returns ``(node, upstream_grad, input_grads)`` for every op node in the order
    ``backward()`` visits them (NumPy arrays; ``None`` for inputs that get no gradient;
    input gradients before broadcasting is summed away). No ``.grad`` is touched, nothing
    is freed, and graphs already freed by ``backward()`` can still be replayed. Used by
    the chain-rule ledger and by gradient-flow pictures.
    """
    if root.grad_fn is None:
        return []
    sink = Observe()
    backward_pass([root], [_seed(root, gradient, "trace_backward")], sink, retain_graph=True, replay=True)
    return sink.records


def unused_input(i: int, t: Tensor) -> RuntimeError:
    """The error for an input of ``autograd.grad`` that the outputs do not depend on."""
    return RuntimeError(
        f"grad: input {i} (shape {t.shape}) was not used to compute the outputs; "
        f"pass allow_unused=True to get None for it"
    )


def _check_used(capture: Sequence[Tensor], roots: Sequence[Tensor], deps: dict[Node, int]) -> None:
    """Raise, before anything runs, if a requested input is not part of the graph."""
    reached = {id(r) for r in roots}
    for node in deps:
        reached.update(id(x) for x in node.inputs)
    for i, t in enumerate(capture):
        used = t.grad_fn in deps if t.grad_fn is not None else id(t) in reached
        if not used and id(t) not in reached:
            raise unused_input(i, t)


def _shape_mismatch(node: Node, index: int, got: tuple[int, ...], want: tuple[int, ...]) -> str:
    return (
        f"backward of '{node.name}': the gradient for input {index} has shape {got}, "
        f"which cannot be summed down to the input's shape {want}. The op's VJP returned "
        f"a wrong shape; a VJP must return one gradient per input, shaped like the input "
        f"(or like the broadcast output)."
    )


# ---------------------------------------------------------------- sinks: what a pass is for


class Sink:
    """What one backward pass does with the gradients it computes.

    The loop calls :meth:`start` once it knows the graph, :meth:`at_node` with each
    node's total upstream gradient (only when ``watches_nodes``), :meth:`observe` after
    each VJP (only when ``observes``), and :meth:`finish` once with every leaf's total
    gradient, keyed by ``id(leaf)``.
    """

    watches_nodes = False
    observes = False

    def start(self, roots: Sequence[Tensor], deps: dict[Node, int]) -> None:
        """Called once the graph below ``roots`` is known, before any VJP runs."""

    def at_node(self, node: Node, grad: Any) -> None:
        """A node's total upstream gradient, after its hooks ran."""

    def observe(self, node: Node, grad: Any, input_grads: Sequence[Any] | None) -> None:
        """A node's upstream gradient and what its VJP produced (before unbroadcasting)."""

    def finish(self, leaf_grads: dict[int, tuple[Any, Any]], create_graph: bool) -> None:
        """Every leaf's total gradient of the pass: ``{id(leaf): (leaf, grad)}``."""


class Accumulate(Sink):
    """``backward()``: leaf hooks run on each leaf's total, which is added to ``.grad``."""

    def finish(self, leaf_grads: dict[int, tuple[Any, Any]], create_graph: bool) -> None:
        _accumulate_leaves(leaf_grads, create_graph, Tensor)


class Capture(Sink):
    """``autograd.grad``: the gradients of ``inputs`` (leaves or not), no ``.grad`` touched.

    ``results`` holds one gradient per input, ``None`` where none flowed. Unless
    ``allow_unused``, an input the outputs do not depend on raises before anything runs.
    """

    watches_nodes = True

    def __init__(self, inputs: Sequence[Tensor], allow_unused: bool = True) -> None:
        self.inputs = inputs
        self.allow_unused = allow_unused
        self.results: list[Any] = [None] * len(inputs)
        self.nodes: dict[Node, list[int]] = {}
        self.leaves: dict[int, list[int]] = {}
        for slot, t in enumerate(inputs):
            if t.grad_fn is None:
                self.leaves.setdefault(id(t), []).append(slot)
            else:
                self.nodes.setdefault(t.grad_fn, []).append(slot)

    def start(self, roots: Sequence[Tensor], deps: dict[Node, int]) -> None:
        if not self.allow_unused:
            _check_used(self.inputs, roots, deps)

    def at_node(self, node: Node, grad: Any) -> None:
        for slot in self.nodes.get(node, ()):
            self.results[slot] = grad

    def finish(self, leaf_grads: dict[int, tuple[Any, Any]], create_graph: bool) -> None:
        for key, (_, total) in leaf_grads.items():
            for slot in self.leaves.get(key, ()):
                self.results[slot] = total


class Observe(Sink):
    """The ledger's and the pictures' view: ``records`` of (node, grad, input_grads)."""

    observes = True

    def __init__(self) -> None:
        self.records: list[tuple[Node, Any, list[Any]]] = []

    def observe(self, node: Node, grad: Any, input_grads: Sequence[Any] | None) -> None:
        self.records.append((node, grad, list(input_grads) if input_grads is not None else []))


# ---------------------------------------------------------------- the loop


def backward_pass(
    roots: Sequence[Tensor],
    seeds: Sequence[Any],
    sink: Sink,
    *,
    retain_graph: bool,
    create_graph: bool = False,
    replay: bool = False,
) -> None:
    """Backpropagate ``seeds`` from ``roots`` in reverse topological order into ``sink``.

    ``replay`` (first order, for inspection) also walks graphs freed by an earlier
    backward, recomputing a node's output from its inputs where the VJP needs it.
    """
    tensor, unbroadcast, ndarray = Tensor, sum_to, np.ndarray  # locals: the loop below is the hot path
    # A compiled step being recorded (autograd_mini/compile.py) is told of every array
    # this pass computes; with create_graph the rules' ops record themselves.
    rec = state.recorder if state.detour and not create_graph else None
    prev_mode, prev_slices = state.grad_enabled, state.slice_grads
    state.grad_enabled = create_graph
    saved_errors: Any = None
    try:
        pending: dict[Node, Any] = {}
        leaf_grads: dict[int, tuple[Any, Any]] = {}
        root_nodes: list[Node] = []
        for root, seed in zip(roots, seeds):
            if not create_graph and isinstance(seed, Tensor):
                seed = seed._data
            node = root.grad_fn
            if node is None:
                _collect_leaf(root, seed, leaf_grads)
                continue
            root_nodes.append(node)
            prev = pending.get(node)
            pending[node] = seed if prev is None else _add(prev, seed, rec)
        deps = _count_dependencies(root_nodes, replay)
        sink.start(roots, deps)
        watches, observes = sink.watches_nodes, sink.observes
        check_anomaly = state.anomaly
        if check_anomaly:  # anomaly mode reports non-finite gradients itself
            saved_errors = np.seterr(all="ignore")
        # a plain first-order pass may sum slices' gradients without expanding each one;
        # passes that show or record every gradient get the dense arrays (core/slices.py)
        lazy = not (create_graph or replay or observes or check_anomaly or rec is not None)
        state.slice_grads = lazy
        made = slices.CREATED[0]
        # Kahn's algorithm. ``ready`` holds (node, its total gradient); a node whose
        # last consumer just sent its gradient goes straight onto it, so chains never
        # touch ``pending``.
        ready = [(n, pending.pop(n, None)) for n in dict.fromkeys(root_nodes) if deps[n] == 0]
        epoch = EPOCH[0]
        while ready:
            node, grad = ready.pop()
            inputs = node.inputs
            if lazy and grad is not None and grad.__class__ is not ndarray:
                grad = slices.dense(grad)  # the total as a plain array, for the VJP and hooks
            if grad is not None:
                if node.hooks is not None:
                    grad = _run_hooks(node.hooks, grad, tensor, create_graph)
                if node.retained is not None:
                    _retain(node.retained, grad, tensor)
                if watches:
                    sink.at_node(node, grad)
                if node.epoch is not None and node.epoch != epoch:
                    _check_mutations(node)
                if create_graph or replay:
                    input_grads = _call_vjp(node, grad, create_graph, tensor, replay)
                else:  # first order: the rules run on arrays (_call_vjp's last line, inline)
                    input_grads = node.op.backward(grad, node.out, inputs, node.params, False)
                if rec is not None:
                    rec.vjp(node, grad, input_grads)
            else:
                input_grads = None
            if observes:
                sink.observe(node, grad, input_grads)
            if input_grads is None:
                input_grads = [None] * len(inputs)
            elif len(input_grads) != len(inputs):
                raise RuntimeError(
                    f"backward of '{node.name}': its VJP returned {len(input_grads)} gradients "
                    f"for {len(inputs)} inputs; return one per input (None where none flows)"
                )
            i = -1
            for x, g in zip(inputs, input_grads):
                i += 1
                if not isinstance(x, tensor) or not x.requires_grad:
                    continue
                parent = x.grad_fn
                if g is not None:
                    if check_anomaly:
                        anomaly.check_backward(node, i, grad, g)
                    want = x._data.shape
                    if g.shape != want:
                        got = g.shape
                        try:
                            summed = unbroadcast(g, want)
                        except ValueError:
                            raise RuntimeError(_shape_mismatch(node, i, got, want)) from None
                        if rec is not None:
                            rec.call("sum_to", unbroadcast.forward, (g,), {"shape": want}, summed)
                        g = summed
                if parent is None:
                    if g is not None:  # leaves sum their gradients over the whole pass
                        entry = leaf_grads.get(id(x))
                        leaf_grads[id(x)] = (x, g) if entry is None else (x, _add(entry[1], g, rec))
                    continue
                count = deps[parent] - 1
                if count == 0:
                    prev = pending.pop(parent, None)
                    if prev is not None:
                        g = prev if g is None else _add(prev, g, rec)
                    ready.append((parent, g))
                else:
                    deps[parent] = count
                    if g is not None:
                        prev = pending.get(parent)
                        pending[parent] = g if prev is None else _add(prev, g, rec)
            if not retain_graph:
                node.out = None
                node.freed = True
        if lazy and slices.CREATED[0] != made:  # some slice gradient may have reached a leaf
            for key, (leaf, g) in leaf_grads.items():
                if g.__class__ is not ndarray:
                    leaf_grads[key] = (leaf, slices.dense(g))
        sink.finish(leaf_grads, create_graph)
    finally:
        state.grad_enabled, state.slice_grads = prev_mode, prev_slices
        if saved_errors is not None:
            np.seterr(**saved_errors)


def _add(a: Any, b: Any, rec: Any) -> Any:
    """``a + b`` for two gradients, told to the recorder of a compiled step if one listens."""
    if a.__class__ in slices.LAZY or b.__class__ in slices.LAZY:
        return slices.add(a, b)  # a slice's gradient, or a sum of them the engine owns
    out = a + b
    if rec is not None:
        rec.call("add", np.add, (a, b), None, out)
    return out


def _collect_leaf(leaf: Tensor, g: Any, leaf_grads: dict[int, tuple[Any, Any]]) -> None:
    entry = leaf_grads.get(id(leaf))
    leaf_grads[id(leaf)] = (leaf, g) if entry is None else (leaf, entry[1] + g)


def _accumulate_leaves(
    leaf_grads: dict[int, tuple[Any, Any]], create_graph: bool, tensor: Any
) -> None:
    """Run leaf hooks on each leaf's total gradient of this pass, then add it to ``.grad``."""
    assigned: set[int] = set()
    rec = state.recorder if state.detour else None  # a compiled step being recorded
    for leaf, g in leaf_grads.values():
        if leaf._hooks is not None:
            g = _run_hooks(leaf._hooks, g, tensor, create_graph)
        if isinstance(g, tensor):
            leaf._grad = g if leaf._grad is None else leaf._grad + g
            if rec is not None:
                rec.set_grad(leaf, leaf._grad)
            continue
        if g.dtype is not leaf._data.dtype and g.dtype != leaf._data.dtype:  # `is`: the cheap common case
            cast = g.astype(leaf._data.dtype)
            if rec is not None:
                rec.call("astype", np.ndarray.astype, (g,), {"dtype": leaf._data.dtype}, cast)
            g = cast
        old = leaf._grad
        if old is None:
            if id(g) in assigned:  # one array reached two leaves (x + y): copy it
                copied = g.copy()
                if rec is not None:
                    rec.call("copy", np.copy, (g,), None, copied)
                g = copied
            assigned.add(id(g))
            leaf._grad = tensor._wrap(g)
        else:
            leaf._grad = tensor._wrap(old._data + g)
        if rec is not None:
            rec.accumulate(leaf, g, old)


def _run_hooks(hooks: list[Any], grad: Any, tensor: Any, create_graph: bool) -> Any:
    for hook in hooks:
        wrapped = grad if isinstance(grad, tensor) else tensor._wrap(grad)
        result = hook(wrapped)
        if result is not None:
            if not isinstance(result, tensor):
                result = tensor._wrap(np.asarray(result))
            if np.shape(result._data) != np.shape(wrapped._data):
                raise RuntimeError(
                    f"hook {getattr(hook, '__name__', hook)!r} returned a gradient of shape "
                    f"{result.shape}, expected {wrapped.shape}"
                )
            grad = result if create_graph else result._data
    return grad


def _retain(ref: Any, grad: Any, tensor: Any) -> None:
    t = ref()
    if t is None:
        return
    g = grad if isinstance(grad, tensor) else tensor._wrap(grad)
    t._grad = g if t._grad is None else t._grad + g


def _call_vjp(
    node: Node, grad: Any, create_graph: bool, tensor: Any, replay: bool = False
) -> list[Any]:
    op = node.op
    residual = op.forward_saving is not None  # node.out holds what the forward saved
    if create_graph:
        ans = tensor._from_node(node.out, node) if node.out is not None and not residual else None
        if not isinstance(grad, tensor):
            grad = tensor._wrap(grad)
        return op.backward(grad, ans, node.inputs, node.params, True)
    ans = node.out
    if replay and ans is None and (op.save_output or residual):
        values = [x._data if isinstance(x, tensor) else x for x in node.inputs]
        fn = op.forward_saving if residual else op.forward
        ans = fn(*values, **node.params) if node.params else fn(*values)
        if residual:
            ans = ans[1]
    return op.backward(grad, ans, node.inputs, node.params, False)


def _check_mutations(node: Node) -> None:
    """Raise if an input whose value the VJP reads was modified in place after the op."""
    epoch = node.epoch
    assert epoch is not None
    for i, x in enumerate(node.inputs):
        if not isinstance(x, Tensor):
            continue
        changed = x if x._mutated_at > epoch else None
        if changed is None and x._base is not None and x._base._mutated_at > epoch:
            changed = x._base  # x is a view (e.g. weight.T) of a tensor updated in place
        if changed is not None:
            who = f"'{changed.name}'" if changed.name else f"of shape {changed.shape}"
            if changed is not x:
                who += f", seen through a view of shape {x.shape}"
            raise RuntimeError(
                f"a tensor needed for the gradient of '{node.name}' was modified in place "
                f"after the forward pass: input {i} (tensor {who}, now at version "
                f"{changed._version}) changed after '{node.name}' saved it. Fix: call backward() "
                f"before updating it (e.g. before opt.step()), or use an out-of-place op "
                f"(x = x + y instead of x += y)."
            )
