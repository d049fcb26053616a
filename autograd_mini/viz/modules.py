"""Module clusters: which ops each module call produced, and the modules' names.

:func:`tag_module_call`, a global forward hook of ``nn.Module`` (``nn`` registers it
with ``register_module_forward_hook``), tags the node of each call's output with
``node.scope = (module, input_tensors)`` (the innermost module wins when several calls
share an output). The ops of one call are the nodes reachable backward from that node,
stopping at the call's input tensors. Calls nest by inclusion, which gives the cluster
tree. Names come from ``module.named_modules()`` and ``named_parameters()`` (duck typed:
anything with those methods works, ``nn`` is not imported).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..core.node import Node
from ..tensor import Tensor
from .graph import PARAM, GraphModel


@dataclass(eq=False)
class Cluster:
    """One module call: its label, its op nodes (ids) and its enclosing call.

    ``step`` is the position of the call's output op in forward order.
    """

    index: int
    label: str
    module: Any
    nodes: set[int]
    parent: int | None = None
    depth: int = 0
    step: int = 0
    vertices: list[str] = field(default_factory=list)


def tag_module_call(module: Any, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any) -> None:
    """Forward hook: tag ``out``'s node with ``(module, input tensors)`` for the pictures.

    Runs after every module call (it must stay cheap: one attribute test when nothing
    is recorded). The innermost call wins (an already tagged node is left alone), and a
    forward that returns one of its inputs unchanged tags nothing.
    """
    node = out.grad_fn if isinstance(out, Tensor) else None
    if node is None or node.scope is not None:
        return
    if len(args) == 1 and not kwargs:  # the common call: one input
        x = args[0]
        if x is not out:
            node.scope = (module, (x,) if isinstance(x, Tensor) else ())
        return
    inputs = [a for a in args if isinstance(a, Tensor)]
    if kwargs:
        inputs += [v for v in kwargs.values() if isinstance(v, Tensor)]
    if not any(out is a for a in inputs):
        node.scope = (module, tuple(inputs))


def parameter_names(module: Any) -> dict[int, str]:
    """``id(parameter) -> dotted name`` from ``module.named_parameters()``."""
    if module is None or not hasattr(module, "named_parameters"):
        return {}
    return {id(p): name for name, p in module.named_parameters()}


def module_names(module: Any) -> dict[int, str]:
    """``id(submodule) -> dotted name`` (``""`` for ``module`` itself)."""
    if hasattr(module, "named_modules"):
        return {id(m): name for name, m in module.named_modules()}
    names = {id(module): ""}
    stack = [("", module)]
    while stack:  # iterative walk over named_children()
        prefix, mod = stack.pop()
        for name, child in getattr(mod, "named_children", lambda: ())():
            if id(child) not in names:
                full = f"{prefix}.{name}" if prefix else name
                names[id(child)] = full
                stack.append((full, child))
    return names


def describe(module: Any) -> str:
    """``Linear 64→128`` for modules with ``in_features``/``out_features`` (``Conv2d 1→16``
    with ``in_channels``/``out_channels``), else the class name."""
    cls = type(module).__name__
    n_in = getattr(module, "in_features", getattr(module, "in_channels", None))
    n_out = getattr(module, "out_features", getattr(module, "out_channels", None))
    if isinstance(n_in, int) and isinstance(n_out, int):
        return f"{cls} {n_in}→{n_out}"
    return cls


def _region(start: Node, inputs: tuple[Any, ...]) -> set[int]:
    """The ids of the nodes computed from ``inputs`` up to ``start`` (iterative)."""
    stop = {id(t.grad_fn) for t in inputs if isinstance(t, Tensor) and t.grad_fn is not None}
    stop_tensors = {id(t) for t in inputs}
    seen = {id(start)}
    stack = [start]
    while stack:
        node = stack.pop()
        for x in node.inputs:
            if not isinstance(x, Tensor) or id(x) in stop_tensors:
                continue
            parent = x.grad_fn
            if parent is None or not x.requires_grad or id(parent) in stop or id(parent) in seen:
                continue
            seen.add(id(parent))
            stack.append(parent)
    return seen


def find_clusters(model: GraphModel, module: Any) -> list[Cluster]:
    """The module-call clusters of the picture, and each vertex's innermost cluster."""
    names = module_names(module)
    calls: list[tuple[int, Any, set[int]]] = []
    for step, node in enumerate(reversed(model.order)):  # forward order
        scope = getattr(node, "scope", None)
        if scope is None:
            continue
        mod, inputs = scope
        calls.append((step, mod, _region(node, tuple(inputs))))
    if not calls:
        return []
    calls.sort(key=lambda c: len(c[2]))  # smallest (innermost) first
    seen_calls: dict[int, int] = {}
    clusters = []
    for i, (step, mod, region) in enumerate(calls):
        name = names.get(id(mod))
        text = describe(mod)
        label = f"{name} ({text})" if name else text
        seen_calls[id(mod)] = seen_calls.get(id(mod), 0) + 1
        clusters.append(Cluster(i, label, mod, region, step=step))
    for c in clusters:
        for other in clusters[c.index + 1 :]:
            if len(other.nodes) > len(c.nodes) and c.nodes <= other.nodes:
                c.parent = other.index
                break
    _number_repeated_calls(clusters, seen_calls)
    for c in clusters:
        depth, p = 0, c.parent
        while p is not None:
            depth, p = depth + 1, clusters[p].parent
        c.depth = depth
    _assign_vertices(model, clusters)
    return clusters


def _number_repeated_calls(clusters: list[Cluster], calls_per_module: dict[int, int]) -> None:
    """``layer (Linear 2→2) call 2`` when one module was called several times."""
    counter: dict[int, int] = {}
    for c in sorted(clusters, key=lambda c: c.step):
        if calls_per_module[id(c.module)] > 1:
            counter[id(c.module)] = counter.get(id(c.module), 0) + 1
            c.label += f" · call {counter[id(c.module)]}"


def _assign_vertices(model: GraphModel, clusters: list[Cluster]) -> None:
    """Ops and their outputs go to their innermost call; parameters to their users' call."""
    innermost: dict[int, int] = {}
    for c in clusters:  # smallest first, so the first claim is the innermost
        for node_id in c.nodes:
            innermost.setdefault(node_id, c.index)
    consumers: dict[str, set[int | None]] = {}
    for e in model.edges:
        dst = model.vertices[e.dst]
        if dst.kind == "op":
            consumers.setdefault(e.src, set()).add(innermost.get(id(dst.node)))
    for v in model.vertices.values():
        if v.kind == "op" or (v.kind == "tensor" and v.node is not None):
            v.cluster = innermost.get(id(v.node))
        elif v.kind == "const" or v.role == PARAM:  # other leaves are inputs from outside
            v.cluster = _common_ancestor(consumers.get(v.key, set()), clusters)
        if v.cluster is not None:
            clusters[v.cluster].vertices.append(v.key)


def _common_ancestor(members: set[int | None], clusters: list[Cluster]) -> int | None:
    """The innermost cluster enclosing all of ``members`` (None: outside every cluster)."""
    if not members or None in members:
        return None
    paths = []
    for m in members:
        path: list[int] = []
        p: int | None = m
        while p is not None:
            path.append(p)
            p = clusters[p].parent
        paths.append(path[::-1])
    common = None
    for level in zip(*paths):
        if all(x == level[0] for x in level):
            common = level[0]
        else:
            break
    return common
