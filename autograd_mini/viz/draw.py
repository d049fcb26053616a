"""``draw_graph`` and ``to_dot``: from a tensor's recorded graph to a Graphviz picture.

The steps, each in its own module: extract the graph (:mod:`.graph`), find module
clusters (:mod:`.modules`), attach gradients (:mod:`.gradients`), collapse what does not
fit (:mod:`.collapse`), then emit nodes, clusters, edges and the legend here, with the
labels of :mod:`.labels` and the styles of :mod:`.style`. Labels are computed only for
the vertices actually drawn.
"""

from __future__ import annotations

import warnings
from typing import Any

import graphviz

from ..tensor import Tensor
from . import labels, style
from .collapse import collapse
from .gradients import attach_gradients, grad_norm
from .graph import GraphModel, extract
from .modules import Cluster, find_clusters, parameter_names
from .render import GraphPicture

RANKDIRS = ("LR", "TB", "RL", "BT")
DEFAULT_MAX_NODES = 150
NO_GRADIENTS_NOTE = (
    "No gradients shown: none were computed yet (drawn before backward()). "
    "Call loss.backward() first, or am.viz.animate_backward(loss) to watch them arrive."
)


class GradientsNotComputedWarning(UserWarning):
    """``draw_graph(..., show_grad=True)`` on a graph whose gradients were never computed.

    The usual cause: the picture was drawn before ``loss.backward()`` (or after
    ``zero_grad()``), so every gradient would read as missing or zero. The picture is
    still drawn, without gradients, and its caption says so.
    """


def _check(root: Any, rankdir: str, max_nodes: int | None, vanishing: float, exploding: float) -> None:
    if not isinstance(root, Tensor):
        raise TypeError(
            f"draw_graph: expected the Tensor whose graph to draw (e.g. the loss), got "
            f"{type(root).__name__}; pass one tensor, e.g. draw_graph(loss)"
        )
    if rankdir not in RANKDIRS:
        raise ValueError(f"draw_graph: rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    if max_nodes is not None and (not isinstance(max_nodes, int) or max_nodes < 2):
        raise ValueError(
            f"draw_graph: max_nodes must be an int >= 2 (or None to draw everything), got {max_nodes!r}"
        )
    if not 0 <= vanishing < exploding:
        raise ValueError(
            f"draw_graph: need 0 <= vanishing < exploding, got vanishing={vanishing!r}, "
            f"exploding={exploding!r}"
        )


def draw_graph(
    root: Tensor,
    *,
    show_data: bool = True,
    show_grad: bool | None = None,
    rankdir: str = "LR",
    module: Any = None,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    box_modules: bool = False,
    show_grad_flow: bool = True,
    scalar: bool | None = None,
    show_constants: bool = True,
    legend: bool = True,
    max_values: int = 8,
    gradient: Any = None,
    vanishing: float = 1e-6,
    exploding: float = 1e4,
    title: str | None = None,
) -> GraphPicture:
    """Draw the computation graph that produced ``root`` as a ``graphviz.Digraph``.

    One box per tensor (its name, shape, dtype, value and, once ``backward()`` ran, its
    gradient; values of scalars and small tensors in full, a min/mean/max summary
    otherwise), one ellipse per op (its name and parameters), edges in data-flow order.
    Roots, parameters, leaves and inputs are coloured apart and explained by a legend.

    A compiled step (``am.compile(fn)``) is drawn as its recorded program instead: one
    box per NumPy call in forward, backward and update clusters (``rankdir`` applies).

    Args:
        root: the tensor whose graph to draw (usually the loss), or a compiled step.
        show_data: print tensor values.
        show_grad: print gradients. ``None`` (the default): once a backward pass has
            run, quietly none before. ``True``: gradients are wanted; drawn before any
            ``backward()``, the picture says in its caption that there are none yet and
            a :class:`GradientsNotComputedWarning` is issued. Leaves show their
            ``.grad``; intermediate tensors show ∂root/∂tensor, replayed with
            :func:`~autograd_mini.autograd.trace_backward` (nothing is modified).
        rankdir: Graphviz layout direction, ``"LR"`` (left to right) or ``"TB"``, ...
        module: an ``nn.Module``: each submodule call is drawn in a labelled cluster
            (``layers.0 (Linear 64→128)``) and parameters carry their
            ``named_parameters()`` names.
        max_nodes: beyond this many vertices, whole modules and then the parts farthest
            from the root are collapsed into single vertices that say what they hide
            (``None``: never collapse).
        box_modules: draw every module call of ``module`` as one box (its ops hidden,
            the norm of its parameters' gradients shown): the layer-by-layer view, where
            vanishing gradients show as the edges between layers fade.
        show_grad_flow: after ``backward()``, edge width and colour follow the norm of
            the gradient flowing back along each edge; norms below ``vanishing`` or above
            ``exploding`` (or non-finite) are marked and labelled.
        scalar: draw micrograd's ``{ name | data | grad }`` records; ``None`` chooses it
            when every tensor drawn is 0-d. Ops are then shown by symbol (``+``, ``*``).
        show_constants: draw constant arguments (numbers, arrays) as small dashed boxes.
        legend: add a legend of the colours used.
        max_values: tensors with at most this many elements show every value.
        gradient: the seed for a non-scalar ``root`` (as in ``root.backward(gradient)``).
        title: a caption, shown above the legend under the picture.

    Returns:
        a :class:`~autograd_mini.viz.render.GraphPicture` (a ``graphviz.Digraph``):
        ``.render()``, ``.pipe(format="svg")``, ``.source``; shown inline in Jupyter.
        Rendering needs the Graphviz ``dot`` program (:func:`to_dot` does not).

    >>> import autograd_mini as am
    >>> w = am.tensor(0.95, requires_grad=True, name="w")
    >>> loss = 0.5 * (w * 2.0 - 1.0) ** 2
    >>> loss.backward()
    >>> "data 0.9500 | grad 1.8000" in am.viz.draw_graph(loss).source
    True
    """
    if not isinstance(root, Tensor) and hasattr(root, "draw_program"):  # am.compile(fn)
        return root.draw_program("TB" if rankdir == "LR" else rankdir)
    _check(root, rankdir, max_nodes, vanishing, exploding)
    if box_modules and module is None:
        raise ValueError("draw_graph: box_modules=True needs the model: pass module=model")
    names = parameter_names(module)
    model = extract(root, names, show_constants)
    clusters = find_clusters(model, module) if module is not None else []
    wants_grad = show_grad is None or show_grad
    grads = attach_gradients(model, root, gradient) if (wants_grad or show_grad_flow) else False
    missing = show_grad is True and not grads and root.requires_grad
    if missing:
        warnings.warn(f"draw_graph: {NO_GRADIENTS_NOTE}", GradientsNotComputedWarning, stacklevel=2)
    report = collapse(model, clusters, max_nodes, box_modules)
    tensors = model.tensor_vertices()
    scalar_mode = scalar if scalar is not None else all(v.tensor._data.ndim == 0 for v in tensors)

    picture = GraphPicture(name="autograd_mini", format="svg")
    picture.report = report
    picture.scalar_mode = scalar_mode
    picture.shows_grad = grads
    caption = [title] if title else []
    if missing:
        caption.append(NO_GRADIENTS_NOTE)
    if report.collapsed:
        caption.extend(report.text().splitlines())
    picture.attr(
        rankdir=rankdir,
        fontname=style.FONT,
        nodesep="0.25",
        ranksep="0.4",
        newrank="true",
    )
    picture.attr("node", fontname=style.FONT, fontsize="11", fontcolor=style.TEXT, margin="0.08,0.04")
    picture.attr("edge", fontname=style.FONT, fontsize="9", arrowsize="0.7", color=style.EDGE_PLAIN)

    containers = _cluster_graphs(model, clusters)
    braces = rankdir in ("LR", "RL")
    _emit_vertices(
        picture, model, containers, scalar_mode, show_data, bool(wants_grad and grads), max_values, braces
    )
    _attach_clusters(picture, clusters, containers)

    flow = _flow_scale(model, vanishing, exploding) if (grads and show_grad_flow) else None
    for e in model.edges:
        attrs = flow.edge_attrs(grad_norm(e.grad), e.carries_grad) if flow is not None else {}
        picture.edge(e.src, e.dst, **attrs)
    kinds = {v.kind for v in model.vertices.values()}
    roles = sorted({v.role for v in tensors})
    legend_html = (
        style.legend_table(roles, "op" in kinds, "const" in kinds, "group" in kinds, flow) if legend else ""
    )
    label = labels.caption_label(caption, legend_html)
    if label:
        picture.attr(label=label, labelloc="b", labeljust="l", fontsize="10")
    return picture


def _emit_vertices(
    picture: GraphPicture,
    model: GraphModel,
    containers: dict[int, graphviz.Digraph],
    scalar_mode: bool,
    show_data: bool,
    show_grad: bool,
    max_values: int,
    braces: bool,
) -> None:
    """One DOT node per vertex, inside its cluster's subgraph when it has one.

    ``braces``: wrap record fields in ``{}`` (left-to-right layouts), so that in every
    layout a scalar's name, data and grad sit side by side.
    """
    for v in model.vertices.values():
        target = containers.get(v.cluster, picture) if v.cluster is not None else picture
        if v.kind == "tensor":
            if scalar_mode:
                label = labels.record_label(v, show_data, show_grad, braces)
            else:
                label = labels.tensor_label(v, show_data, show_grad, max_values, style.MONO)
            target.node(v.key, label, **style.tensor_attrs(v.role, scalar_mode))
        elif v.kind == "op":
            name = v.node.op.name
            label = labels.OP_SYMBOLS.get(name, name) if scalar_mode else labels.op_label(v)
            target.node(v.key, label, **style.op_attrs())
        elif v.kind == "const":
            target.node(v.key, labels.const_label(v, max_values), **style.const_attrs())
        else:
            target.node(v.key, labels.group_label(v), **style.group_attrs())


def _flow_scale(model: GraphModel, vanishing: float, exploding: float) -> style.FlowScale:
    norms = [n for n in (grad_norm(e.grad) for e in model.edges) if n is not None]
    return style.FlowScale.fit(norms, vanishing, exploding)


def _cluster_graphs(model: GraphModel, clusters: list[Cluster]) -> dict[int, graphviz.Digraph]:
    """One subgraph per cluster that still has vertices after the collapse."""
    alive: set[int] = set()
    for v in model.vertices.values():
        p: int | None = v.cluster
        while p is not None and p not in alive:  # drawn if it or a descendant holds vertices
            alive.add(p)
            p = clusters[p].parent
    graphs = {}
    for c in clusters:
        if c.index in alive:
            g = graphviz.Digraph(name=f"cluster_{c.index}")
            g.attr(**style.cluster_attrs(c.label))
            graphs[c.index] = g
    return graphs


def _attach_clusters(
    picture: graphviz.Digraph, clusters: list[Cluster], graphs: dict[int, graphviz.Digraph]
) -> None:
    """Nest the subgraphs, deepest first (graphviz copies a subgraph's body on attach)."""
    for c in sorted((c for c in clusters if c.index in graphs), key=lambda c: (-c.depth, c.step)):
        parent = graphs.get(c.parent) if c.parent is not None else None
        (parent if parent is not None else picture).subgraph(graphs[c.index])


def to_dot(root: Tensor, **options: Any) -> str:
    """The DOT text of :func:`draw_graph` ``(root, **options)``; needs no Graphviz program.

    >>> import autograd_mini as am
    >>> x = am.tensor([1.0, 2.0], requires_grad=True, name="x")
    >>> dot = am.viz.to_dot((x * x).sum())
    >>> dot.startswith("digraph autograd_mini {") and "mul" in dot and "sum" in dot
    True
    """
    return str(draw_graph(root, **options).source)
