"""The picture's graph: tensor, op and constant vertices with data-flow edges.

:func:`extract` walks the recorded graph once, iteratively, in the order ``backward()``
visits it (:func:`~autograd_mini.autograd.topological_order`), and turns it into plain records that
the rest of the package decorates (roles, gradients, clusters), shrinks (collapse) and
finally emits as DOT. Each op node becomes an op vertex followed by one vertex for the
tensor it produced; each leaf tensor and each constant argument gets its own vertex (an
argument passed as ``None``, such as the missing bias of ``Linear(bias=False)``, gets none).
Vertex keys are numbered in forward (data-flow) order, so the DOT text is reproducible.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..core.engine import topological_order
from ..core.node import Node
from ..tensor import Tensor

# Tensor roles, styled apart in the picture.
ROOT = "root"
PARAM = "param"
LEAF = "leaf"
INPUT = "input"
INTERMEDIATE = "intermediate"


@dataclass(eq=False)
class Vertex:
    """One box or ellipse of the picture.

    ``kind`` is ``"tensor"``, ``"op"``, ``"const"`` or ``"group"`` (vertices that stand
    for a collapsed part of the graph). ``node`` is the op's node for op vertices and the
    producing node for non-leaf tensors. Groups count what they hide, and the squared
    norm of their parameters' gradients.
    """

    key: str
    kind: str
    role: str = ""
    tensor: Any = None
    node: Any = None
    value: Any = None
    name: str | None = None
    cluster: int | None = None
    grad: Any = None
    has_grad: bool = False
    title: str = ""
    hidden_ops: Counter[str] = field(default_factory=Counter)
    hidden_tensors: int = 0
    param_grad_sq: float | None = None


@dataclass(eq=False)
class Edge:
    """A data-flow edge ``src -> dst``; ``grad`` is the gradient flowing back along it.

    ``node``/``index`` identify the op argument the edge feeds (``index`` is -1 for the
    edge from an op to its output tensor). ``carries_grad`` is False where no gradient can
    flow (constants, tensors that do not require grad).
    """

    src: str
    dst: str
    node: Any = None
    index: int = -1
    carries_grad: bool = False
    grad: Any = None


@dataclass
class GraphModel:
    """The vertices (in forward order), the edges and the root's vertex key."""

    vertices: dict[str, Vertex]
    edges: list[Edge]
    root_key: str
    order: list[Node]
    op_count: int = 0

    def tensor_vertices(self) -> list[Vertex]:
        """The vertices that stand for one tensor each."""
        return [v for v in self.vertices.values() if v.kind == "tensor"]


def _leaf_role(t: Tensor, param_names: dict[int, str]) -> str:
    if id(t) in param_names or is_parameter(t):
        return PARAM
    return LEAF if t.requires_grad else INPUT


def is_parameter(t: Any) -> bool:
    """True for tensors of a class named ``Parameter`` (``nn.Parameter``), by duck typing."""
    return any(cls.__name__ == "Parameter" for cls in type(t).__mro__)


def extract(
    root: Tensor, param_names: dict[int, str] | None = None, show_constants: bool = True
) -> GraphModel:
    """The picture graph of everything ``root`` was computed from (no recursion).

    ``param_names`` maps ``id(tensor)`` to a parameter's dotted name; those tensors are
    parameters and are labelled by that name.
    """
    names = param_names or {}
    order = topological_order(root)
    vertices: dict[str, Vertex] = {}
    edges: list[Edge] = []
    out_keys: dict[int, str] = {}  # id(node) -> key of the tensor the node produced
    leaf_keys: dict[int, str] = {}  # id(leaf tensor) -> key
    counts = Counter[str]()

    def new_key(prefix: str) -> str:
        n = counts[prefix]
        counts[prefix] = n + 1
        return f"{prefix}{n}"

    def leaf_vertex(t: Tensor) -> str:
        key = leaf_keys.get(id(t))
        if key is None:
            key = new_key("t")
            leaf_keys[id(t)] = key
            vertices[key] = Vertex(
                key, "tensor", role=_leaf_role(t, names), tensor=t, name=names.get(id(t), t.name)
            )
        return key

    if root.grad_fn is None:
        key = leaf_vertex(root)
        vertices[key].role = ROOT
        return GraphModel(vertices, edges, key, order)

    for node in reversed(order):  # forward order: producers before consumers
        op_key = new_key("op")
        vertices[op_key] = Vertex(op_key, "op", node=node)
        for i, x in enumerate(node.inputs):
            if isinstance(x, Tensor):
                producer = x.grad_fn
                if producer is not None and x.requires_grad:
                    src = out_keys[id(producer)]
                    produced = vertices[src]
                    if produced.tensor is None or (x.name and not produced.name):
                        produced.tensor = x
                        produced.name = x.name
                else:
                    src = leaf_vertex(x)
                edges.append(Edge(src, op_key, node, i, carries_grad=bool(x.requires_grad)))
            elif show_constants and x is not None:  # None: an absent optional input (bias=False)
                src = new_key("c")
                vertices[src] = Vertex(src, "const", value=x, cluster=None)
                edges.append(Edge(src, op_key, node, i))
        out_key = new_key("t")
        out_keys[id(node)] = out_key
        vertices[out_key] = Vertex(out_key, "tensor", role=INTERMEDIATE, node=node)
        edges.append(Edge(op_key, out_key, node, -1, carries_grad=True))

    root_key = out_keys[id(root.grad_fn)]
    root_vertex = vertices[root_key]
    root_vertex.role = ROOT
    root_vertex.tensor = root
    root_vertex.name = root.name or root_vertex.name
    return GraphModel(vertices, edges, root_key, order, op_count=len(order))
