"""Keeping large pictures readable: collapse parts of the graph into single vertices.

Beyond ``max_nodes`` vertices, whole module calls are collapsed first (largest first,
each into one box that says what it hides) until the picture fits. If it still does
not fit, the vertices nearest to the root (breadth first, backward from the root) are
kept and everything farther away becomes one "hidden" vertex listing what it hid. All
of it is linear in the size of the graph, so a 10,000-op graph is drawn promptly.
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field

from .gradients import grad_norm
from .graph import PARAM, Edge, GraphModel, Vertex
from .labels import plural
from .modules import Cluster


@dataclass
class CollapseReport:
    """What the collapse hid: counts, op names and the modules drawn as single boxes.

    ``max_nodes`` is the limit that forced the collapse (None when modules were boxed
    on request only).
    """

    hidden_ops: int = 0
    hidden_tensors: int = 0
    hidden_op_names: Counter[str] = field(default_factory=Counter)
    collapsed_modules: list[str] = field(default_factory=list)
    max_nodes: int | None = None

    @property
    def collapsed(self) -> bool:
        """True when anything was collapsed."""
        return bool(self.collapsed_modules) or self.hidden_ops > 0 or self.hidden_tensors > 0

    def text(self) -> str:
        """One or two lines for the picture's caption (empty when nothing was hidden)."""
        if not self.collapsed:
            return ""
        lines = []
        if self.collapsed_modules and self.max_nodes is not None:  # boxed to fit, not on request
            names = ", ".join(self.collapsed_modules[:6])
            more = len(self.collapsed_modules) - 6
            names += f" and {more} more" if more > 0 else ""
            lines.append(f"modules drawn as single boxes: {names}")
        hidden = f"{plural(self.hidden_ops, 'op')} and {plural(self.hidden_tensors, 'tensor')} hidden"
        if self.max_nodes is not None:
            hidden += f" to fit max_nodes={self.max_nodes}; draw with max_nodes=None to see all"
        lines.append(hidden)
        return "\n".join(lines)


def vertex_count(model: GraphModel) -> int:
    """How many vertices the picture would draw (the legend not counted)."""
    return len(model.vertices)


def collapse(
    model: GraphModel, clusters: list[Cluster], max_nodes: int | None, box_modules: bool = False
) -> CollapseReport:
    """Shrink ``model`` in place (see the module doc); ``box_modules`` boxes every module call."""
    report = CollapseReport()
    if box_modules:
        _collapse_modules(model, clusters, 0, report)
    if max_nodes is None or vertex_count(model) <= max_nodes:
        return report
    report.max_nodes = max_nodes
    _collapse_modules(model, clusters, max_nodes, report)
    if vertex_count(model) > max_nodes:
        _collapse_far(model, max(max_nodes, 2), report)
    return report


def _top_level(cluster: int, clusters: list[Cluster]) -> int:
    p: int | None = cluster
    top = cluster
    while p is not None:
        top, p = p, clusters[p].parent
    return top


def _collapse_modules(
    model: GraphModel, clusters: list[Cluster], max_nodes: int, report: CollapseReport
) -> None:
    members: dict[int, list[str]] = {}
    for v in model.vertices.values():
        if v.cluster is not None:
            members.setdefault(_top_level(v.cluster, clusters), []).append(v.key)
    count = vertex_count(model)
    assign: dict[str, str] = {}
    groups: dict[str, Vertex] = {}
    for top in sorted(members, key=lambda c: (-len(members[c]), clusters[c].step)):
        if count <= max_nodes:
            break
        keys = members[top]
        if model.root_key in keys or len(keys) < 2:
            continue
        gkey = f"m{top}"
        groups[gkey] = Vertex(gkey, "group", title=clusters[top].label)
        for k in keys:
            assign[k] = gkey
        count -= len(keys) - 1
        report.collapsed_modules.append(clusters[top].label)
        for c in clusters:
            if _top_level(c.index, clusters) == top:
                c.vertices = []
    if assign:
        _contract(model, assign, groups, report)


def _collapse_far(model: GraphModel, max_nodes: int, report: CollapseReport) -> None:
    preds: dict[str, list[str]] = {}
    for e in model.edges:
        preds.setdefault(e.dst, []).append(e.src)
    keep: set[str] = set()
    seen = {model.root_key}
    queue = deque([model.root_key])
    while queue and len(keep) < max_nodes - 1:
        key = queue.popleft()
        keep.add(key)
        for src in preds.get(key, ()):
            if src not in seen:
                seen.add(src)
                queue.append(src)
    hidden = Vertex("hidden", "group", title="⋯ farther from the output")
    assign = {k: "hidden" for k in model.vertices if k not in keep}
    _contract(model, assign, {"hidden": hidden}, report)


def _contract(
    model: GraphModel,
    assign: dict[str, str],
    groups: dict[str, Vertex],
    report: CollapseReport,
) -> None:
    """Replace each group's member vertices by the group's vertex, merging edges."""
    vertices: dict[str, Vertex] = {}
    for key, v in model.vertices.items():
        gkey = assign.get(key)
        if gkey is None:
            vertices[key] = v
            continue
        group = groups[gkey]
        vertices.setdefault(gkey, group)
        if v.kind == "op":
            group.hidden_ops[v.node.op.name] += 1
        elif v.kind == "tensor":
            group.hidden_tensors += 1
            if v.role == PARAM and v.has_grad:
                norm = grad_norm(v.grad)
                group.param_grad_sq = (group.param_grad_sq or 0.0) + (norm or 0.0) ** 2
        elif v.kind == "group":
            group.hidden_ops.update(v.hidden_ops)
            group.hidden_tensors += v.hidden_tensors
            if v.param_grad_sq is not None:
                group.param_grad_sq = (group.param_grad_sq or 0.0) + v.param_grad_sq
        if v.kind == "op":  # a group's members were counted when it was made
            report.hidden_ops += 1
            report.hidden_op_names[v.node.op.name] += 1
        elif v.kind == "tensor":
            report.hidden_tensors += 1
    merged: dict[tuple[str, str], Edge] = {}
    for e in model.edges:
        src = assign.get(e.src, e.src)
        dst = assign.get(e.dst, e.dst)
        if src == dst:
            continue
        pair = (src, dst)
        old = merged.get(pair)
        if old is None:
            merged[pair] = Edge(src, dst, e.node, e.index, e.carries_grad, e.grad)
        elif e.grad is not None and (
            old.grad is None or (grad_norm(e.grad) or 0.0) > (grad_norm(old.grad) or 0.0)
        ):
            old.grad, old.carries_grad = e.grad, True
    model.vertices = vertices
    model.edges = list(merged.values())
