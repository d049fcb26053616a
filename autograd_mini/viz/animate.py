"""Step-through animations: watch gradients arrive node by node (and tangents flow forward).

:func:`animate_backward` replays the backward pass of a result with
:func:`~autograd_mini.autograd.trace_backward` (the engine's own loop and order, with no
side effect: no ``.grad`` is touched and nothing is freed) and draws one frame per step:
the op being processed, the edges its gradient flows back along, and at every tensor the
gradient that has arrived so far. A tensor that feeds several ops shows its partial sum
(``1 of 2 arrived``) until the last share arrives, exactly as the engine accumulates it
before passing it on. Each frame carries the chain-rule ledger's row of that step
(:func:`~autograd_mini.explain.explain`): the rule, the upstream gradient and what each
input receives.

:func:`animate_forward` does the same for forward mode: one frame per op of the
evaluation, each op's value and tangent appearing together, from the forward ledger
(:func:`~autograd_mini.explain.explain_forward`).

Both return an :class:`Animation`: shown in Jupyter as a self-contained HTML player
(play/pause, step, slider; the frames are SVG pictures rendered by Graphviz's ``dot`` when
the animation is made, so the player needs no kernel and no network and also works on a
static web page), and saved with ``.save("backward.gif")`` (Pillow) or
``.save("backward.html")``. Every frame is laid out identically (each vertex is given the
size of its largest label over all frames), so nothing jumps from one frame to the next.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from types import SimpleNamespace
from typing import Any

import numpy as np

from ..core import forward
from ..core.engine import trace_backward
from ..dtypes import get_default_dtype
from ..explain import Ledger, dot, explain, explain_forward, one_line
from ..ops.shape import sum_to
from ..tensor import Tensor, _to_array
from . import labels, style
from .collapse import collapse
from .draw import DEFAULT_MAX_NODES, RANKDIRS
from .graph import INTERMEDIATE, LEAF, ROOT, Edge, GraphModel, Vertex, extract
from .modules import Cluster, find_clusters, parameter_names
from .player import Animation
from .scene import PARTIAL_TEXT, TANGENT_TEXT, WAIT_TEXT, Scene, Spec, legend, note_table, value_text

__all__ = ["animate_backward", "animate_forward"]

DEFAULT_MAX_FRAMES = 200


# ---------------------------------------------------------------- backward


def animate_backward(
    loss: Tensor,
    *,
    module: Any = None,
    box_modules: bool = False,
    gradient: Any = None,
    rankdir: str = "LR",
    show_constants: bool = True,
    scalar: bool | None = None,
    max_values: int = 4,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    max_frames: int = DEFAULT_MAX_FRAMES,
    interval: float = 1.2,
    title: str | None = None,
) -> Animation:
    """Watch the backward pass of ``loss``: one frame per step, in the engine's own order.

    The steps are those of :func:`~autograd_mini.autograd.trace_backward`, which replays
    ``loss.backward()``'s loop (Kahn's order from the root, accumulation at shared tensors)
    without side effects, before or after ``backward()``. The first frame shows the seed
    ∂loss/∂loss = 1; frame k highlights the op processed at step k, the edges its gradient
    flows back along, and the tensors that just received a share; every tensor shows the
    gradient that has arrived so far (``k of n`` while shares are still missing, as the
    engine sums them before passing the total on); the last frame shows the leaves'
    totals, what ``backward()`` adds to ``.grad``. Under each frame (in the player and
    the GIF) is the ledger row of the step (:func:`~autograd_mini.explain.explain`): the
    rule, the upstream gradient and what each input receives.

    Args:
        loss: the result whose backward pass to animate (a scalar, or pass ``gradient``).
        module: an ``nn.Module``: module calls are drawn as labelled clusters and
            parameters carry their names, as in :func:`~autograd_mini.viz.draw_graph`.
        box_modules: draw each module call as one box (needs ``module``); the steps
            inside one module call then make one frame, the layer-by-layer view.
        gradient: the seed for a non-scalar ``loss``, as in ``loss.backward(gradient)``.
        rankdir: layout direction, ``"LR"`` or ``"TB"``, ...
        show_constants: draw constant arguments as small dashed boxes.
        scalar: one-line ``name | data | grad`` boxes; ``None`` chooses them when every
            tensor is 0-d.
        max_values: tensors with at most this many entries show every value.
        max_nodes: beyond this many vertices, parts are collapsed (see draw_graph).
        max_frames: refuse to make more frames than this (each is rendered by ``dot``).
        interval: seconds per frame when playing.
        title: the caption; by default it names ``loss``.

    Returns:
        an :class:`Animation` (an HTML player in Jupyter; ``.save("x.gif")``, ``.save("x.html")``).

    >>> import autograd_mini as am
    >>> x = am.tensor(2.0, requires_grad=True, name="x")
    >>> y = am.tensor(3.0, requires_grad=True, name="y")
    >>> f = (x * y + am.sin(x)) * y
    >>> animation = am.viz.animate_backward(f)
    >>> [frame.title.split(":")[0] for frame in animation]
    ['Start', 'Step 1 of 4', 'Step 2 of 4', 'Step 3 of 4', 'Step 4 of 4', 'Done']
    >>> x.grad is None            # a replay: nothing was accumulated
    True
    """
    who = "animate_backward"
    if not isinstance(loss, Tensor):
        raise TypeError(
            f"{who}: expected the Tensor whose backward pass to animate (e.g. the loss), got "
            f"{type(loss).__name__}"
        )
    if loss.grad_fn is None:
        raise ValueError(
            f"{who}: this tensor was not computed by any op (it is a leaf, or was made under "
            f"no_grad() / from tensors without requires_grad=True), so there is no backward pass to show"
        )
    if rankdir not in RANKDIRS:
        raise ValueError(f"{who}: rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    if box_modules and module is None:
        raise ValueError(f"{who}: box_modules=True needs the model: pass module=model")
    records = trace_backward(loss, gradient)
    ledger = explain(loss, gradient)
    names = parameter_names(module)
    model = extract(loss, names, show_constants)
    clusters = find_clusters(model, module) if module is not None else []
    scalar_mode = (
        scalar
        if scalar is not None
        else all(v.tensor is not None and v.tensor._data.ndim == 0 for v in model.tensor_vertices())
    )

    # Where each op's gradient goes, on the full graph (before any collapse).
    op_key: dict[int, str] = {}
    for v in model.vertices.values():
        if v.kind == "op":
            op_key[id(v.node)] = v.key
    edge_of: dict[tuple[int, int], int] = {}
    expected: dict[str, int] = {}
    for i, e in enumerate(model.edges):
        edge_of[(id(e.node), e.index)] = i
        if e.index >= 0 and e.carries_grad:
            expected[e.src] = expected.get(e.src, 0) + 1
    edges_of_node: dict[int, list[int]] = {}
    for i, e in enumerate(model.edges):
        edges_of_node.setdefault(id(e.node), []).append(i)
    _name_like_the_ledger(model, records, ledger, edge_of)
    original_edges = list(model.edges)
    cluster_of = {key: v.cluster for key, v in model.vertices.items()}

    report = collapse(model, clusters, max_nodes, box_modules)
    del report
    drawn = _drawn_keys(model, cluster_of, clusters)
    drawn_edge = _drawn_edges(model, original_edges, drawn)

    # Frames: the start, one per step (the steps inside one boxed module call make one), the end.
    groups: list[list[int]] = []
    for k, (node, _, _) in enumerate(records):
        key = drawn.get(op_key[id(node)], op_key[id(node)])
        if (
            groups
            and model.vertices[key].kind == "group"
            and drawn.get(op_key[id(records[groups[-1][-1]][0])]) == key
        ):
            groups[-1].append(k)
        else:
            groups.append([k])
    if len(groups) + 2 > max_frames:
        raise ValueError(
            f"{who}: {len(groups) + 2} frames (one per op of the backward pass) exceed "
            f"max_frames={max_frames}; "
            f"animate a smaller graph, box the layers (module=model, box_modules=True) or raise max_frames"
        )
    root_label = ledger.root
    root_key = model.root_key
    sums: dict[str, Any] = {root_key: np.asarray(records[0][1]) if records[0][1] is not None else None}
    arrived: dict[str, int] = {}
    tensor_keys = [v.key for v in model.vertices.values() if v.kind == "tensor"]
    group_total = {key: 0 for key, v in model.vertices.items() if v.kind == "group"}
    for node, _, _ in records:
        key = drawn.get(op_key[id(node)], "")
        if key in group_total:
            group_total[key] += 1
    group_done = dict.fromkeys(group_total, 0)
    leaf_keys = [k for k in tensor_keys if model.vertices[k].node is None and expected.get(k)]

    def cells() -> dict[str, list[tuple[str, str, str]]]:
        out: dict[str, list[tuple[str, str, str]]] = {}
        for key in tensor_keys:
            v = model.vertices[key]
            row = (
                [("data", value_text(v.tensor._data, scalar_mode, max_values), style.TEXT)]
                if v.tensor is not None
                else []
            )
            need = expected.get(key, 0)
            if key == root_key:
                g = sums.get(key)
                row.append(
                    ("grad", "—" if g is None else value_text(g, scalar_mode, max_values), labels.GRAD_TEXT)
                )
            elif need:
                got = arrived.get(key, 0)
                g = sums.get(key)
                if got == 0:
                    row.append(("grad", "?", WAIT_TEXT))
                else:
                    text = "0" if g is None else value_text(g, scalar_mode, max_values)
                    if got < need:
                        text += f" ({got} of {need})" if scalar_mode else f"\n{got} of {need} arrived"
                    row.append(("grad", text, labels.GRAD_TEXT if got == need else PARTIAL_TEXT))
            out[key] = row
        return out

    def group_lines() -> dict[str, str]:
        return {k: f"backward: {group_done[k]} of {n} ops done" for k, n in group_total.items()}

    n_steps = len(records)
    seed = records[0][1]
    specs = [
        Spec(
            title=(
                f"Start: the forward pass recorded {n_steps} op(s); backward() seeds "
                f"∂{root_label}/∂{root_label} = {one_line(seed)} at {root_label}"
            ),
            rows=[f"seed: ∂{root_label}/∂{root_label} = {one_line(seed)}"],
            note_html=note_table(["tensor", "gradient"], [[root_label, one_line(seed)]], "The seed"),
            touched={root_key},
            cells=cells(),
            group_lines=group_lines(),
        )
    ]
    done_ops: set[str] = set()
    done_edges: set[int] = set()
    for group in groups:
        now_ops: set[str] = set()
        now_edges: set[int] = set()
        touched: set[str] = set()
        text_rows: list[str] = []
        table_rows: list[list[str]] = []
        for k in group:
            node, _, input_grads = records[k]
            entry = ledger[k]
            key = op_key[id(node)]
            now_ops.add(drawn.get(key, key))
            if drawn.get(key, key) in group_done:
                group_done[drawn.get(key, key)] += 1
            for i in edges_of_node.get(id(node), []):
                if i in drawn_edge:
                    now_edges.add(drawn_edge[i])
            text_rows.append(
                f"step {entry.step}: {entry.op} → {entry.output}; upstream ∂{root_label}/∂{entry.output} = "
                f"{one_line(entry.upstream)}"
            )
            for i, x in enumerate(node.inputs):
                if not (isinstance(x, Tensor) and x.requires_grad):
                    continue
                src = original_edges[edge_of[(id(node), i)]].src
                g = input_grads[i] if i < len(input_grads) else None
                if g is not None:
                    g = np.asarray(getattr(g, "_data", g))
                    if g.shape != x.shape:
                        g = np.asarray(sum_to(g, shape=x.shape))
                    prev = sums.get(src)
                    sums[src] = g.copy() if prev is None else prev + g
                arrived[src] = arrived.get(src, 0) + 1
                touched.add(drawn.get(src, src))
            for item in entry.inputs:
                if not item.rule:
                    continue
                local = "" if item.local is None else f"{item.local:.6g}"
                text_rows.append(
                    f"    {item.rule}"
                    + (f"   (local {local})" if local else "")
                    + f"  →  {item.label} gets {one_line(item.grad)}"
                )
            for item, total in _running_totals(node, entry, edge_of, original_edges, sums, arrived, expected):
                table_rows.append(
                    [
                        str(entry.step),
                        entry.op,
                        item.label,
                        item.rule,
                        "" if item.local is None else f"{item.local:.6g}",
                        one_line(item.grad),
                        total,
                    ]
                )
        specs.append(
            Spec(
                title=_step_title(group, ledger, n_steps, root_label, model, now_ops),
                rows=text_rows,
                note_html=note_table(
                    [
                        "step",
                        "op",
                        "input",
                        "local rule",
                        "local ∂out/∂in",
                        "passed on",
                        "arrived so far at the input",
                    ],
                    table_rows,
                    "; ".join(
                        f"step {ledger[k].step}: upstream ∂{root_label}/∂{ledger[k].output} = "
                        f"{one_line(ledger[k].upstream)}"
                        for k in group
                    ),
                ),
                now_ops=now_ops,
                done_ops=set(done_ops),
                now_edges=now_edges,
                done_edges=set(done_edges),
                touched={t for t in touched if t in model.vertices},
                cells=cells(),
                group_lines=group_lines(),
            )
        )
        done_ops |= now_ops
        done_edges |= now_edges
    leaves = ledger.leaf_gradients
    leaf_text = ", ".join(f"{name} = {one_line(g)}" for name, g in leaves.items())
    specs.append(
        Spec(
            title=(
                "Done: every gradient has arrived; backward() adds the leaves' totals to .grad"
                + (f": {leaf_text}" if leaf_text and len(leaf_text) < 120 else "")
            ),
            rows=[f"{name}.grad += {one_line(g)}" for name, g in leaves.items()],
            note_html=note_table(
                ["leaf", "total gradient (added to .grad)"],
                [[name, one_line(g)] for name, g in leaves.items()],
                "What backward() adds to .grad",
            ),
            done_ops=set(done_ops),
            done_edges=set(done_edges),
            touched={drawn.get(k, k) for k in leaf_keys if drawn.get(k, k) in model.vertices},
            cells=cells(),
            group_lines=group_lines(),
        )
    )
    name = title or f"The backward pass of {root_label}, step by step ({n_steps} op(s), the engine's order)"
    scene = Scene(model, clusters, scalar_mode, rankdir, max_values, "backward", name)
    return Animation("backward", name, scene.render(specs, legend(model, "backward")), ledger, interval)


def _name_like_the_ledger(
    model: GraphModel, records: list[Any], ledger: Ledger, edge_of: dict[tuple[int, int], int]
) -> None:
    """Unnamed tensors take the ledger's labels (``v1``, ``leaf1``), so picture and rows agree."""
    produced = {id(v.node): v for v in model.vertices.values() if v.kind == "tensor" and v.node is not None}
    for (node, _, _), entry in zip(records, ledger):
        out = produced.get(id(node))
        if out is not None and not out.name:
            out.name = entry.output
        items = iter(entry.inputs)
        for i, x in enumerate(node.inputs):
            if x is None:
                continue
            item = next(items)
            edge = model.edges[edge_of[(id(node), i)]] if (id(node), i) in edge_of else None
            source = model.vertices.get(edge.src) if edge is not None else None
            if source is not None and source.kind == "tensor" and not source.name and item.rule:
                source.name = item.label


def _running_totals(
    node: Any,
    entry: Any,
    edge_of: dict[tuple[int, int], int],
    edges: list[Edge],
    sums: dict[str, Any],
    arrived: dict[str, int],
    expected: dict[str, int],
) -> list[tuple[Any, str]]:
    """Each ledger input of ``entry`` with the gradient arrived so far at its tensor."""
    out = []
    items = iter(entry.inputs)
    for i, x in enumerate(node.inputs):
        if x is None:
            continue
        item = next(items)
        if not item.rule:
            continue
        src = edges[edge_of[(id(node), i)]].src
        total = sums.get(src)
        need = expected.get(src, 0)
        got = arrived.get(src, 0)
        text = one_line(total) if total is not None else "0"
        text += " (complete)" if got >= need else f" ({got} of {need} shares)"
        out.append((item, text))
    return out


def _step_title(
    group: list[int], ledger: Ledger, n: int, root: str, model: GraphModel, now_ops: set[str]
) -> str:
    first, last = ledger[group[0]], ledger[group[-1]]
    if len(group) == 1:
        receivers = list(dict.fromkeys(x.label for x in first.inputs if x.rule))
        counts = [sum(1 for x in first.inputs if x.rule and x.label == r) for r in receivers]
        named = [r if c == 1 else f"{r} (×{c}, added)" for r, c in zip(receivers, counts)]
        to = f"; its gradient goes to {', '.join(named)}" if named else ""
        return (
            f"Step {first.step} of {n}: {first.op} → {first.output}, with upstream "
            f"∂{root}/∂{first.output} = {one_line(first.upstream)}{to}"
        )
    boxes = [model.vertices[k].title for k in now_ops if model.vertices[k].kind == "group"]
    where = f" inside {boxes[0]}" if boxes else ""
    ops = ", ".join(ledger[k].op for k in group)
    return f"Steps {first.step}–{last.step} of {n}: {len(group)} ops{where} ({ops})"


def _drawn_keys(
    model: GraphModel, cluster_of: dict[str, int | None], clusters: list[Cluster]
) -> dict[str, str]:
    """Each original vertex key -> the key of the vertex that draws it after the collapse."""
    out = {}
    for key, cluster in cluster_of.items():
        if key in model.vertices:
            out[key] = key
            continue
        target = "hidden"
        if cluster is not None:
            top: int | None = cluster
            while top is not None and clusters[top].parent is not None:
                top = clusters[top].parent
            if f"m{top}" in model.vertices:
                target = f"m{top}"
        out[key] = target
    return out


def _drawn_edges(model: GraphModel, original: list[Edge], drawn: dict[str, str]) -> dict[int, int]:
    """Each original edge index -> the index of the drawn edge that carries it (if any)."""
    index = {(e.src, e.dst): i for i, e in enumerate(model.edges)}
    out = {}
    for i, e in enumerate(original):
        j = index.get((drawn.get(e.src, e.src), drawn.get(e.dst, e.dst)))
        if j is not None:
            out[i] = j
    return out


# ---------------------------------------------------------------- forward mode


def animate_forward(
    f: Callable[..., Any],
    primals: Sequence[Any],
    tangents: Sequence[Any],
    *,
    rankdir: str = "LR",
    show_constants: bool = True,
    scalar: bool | None = None,
    max_values: int = 4,
    max_frames: int = DEFAULT_MAX_FRAMES,
    interval: float = 1.2,
    title: str | None = None,
) -> Animation:
    """Watch forward mode: tangents flow forward with the values, one op per frame.

    The forward-mode counterpart of :func:`animate_backward`, to compare the two: the
    first frame shows the inputs with their given tangents; frame k shows op k of the
    evaluation computing its value and, right away, its tangent by the op's JVP rule (no
    graph is kept for later); the last frame shows the output's tangent ``J·v``. Under
    each frame is the row of :func:`~autograd_mini.explain.explain_forward`: the tangent
    rule written with the row's names and its value.

    Args:
        f: a function of Tensors written with am ops.
        primals, tangents: tuples, one entry per argument of ``f`` (each tangent shaped
            like its primal), as in :func:`~autograd_mini.functional.jvp`.
        rankdir, show_constants, scalar, max_values, max_frames, interval, title: as in
            :func:`animate_backward`.

    >>> import autograd_mini as am
    >>> def f(x, w):
    ...     return (am.sigmoid(x * w) - 1.0) ** 2
    >>> animation = am.viz.animate_forward(f, (0.5, -1.5), (0.0, 1.0))
    >>> len(animation), animation[-1].title.startswith("Done")
    (6, True)
    """
    who = "animate_forward"
    if rankdir not in RANKDIRS:
        raise ValueError(f"{who}: rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    ledger = explain_forward(f, primals, tangents)
    inputs = [e for e in ledger if e.step == 0]
    rows = [e for e in ledger if e.step > 0]
    if len(rows) + 2 > max_frames:
        raise ValueError(
            f"{who}: {len(rows) + 2} frames (one per op) exceed max_frames={max_frames}; animate a "
            f"smaller function or raise max_frames"
        )
    # Record the same evaluation once more, keeping the tensors (the ledger keeps their names).
    xs = []
    for p in primals:
        arr = np.array(p._data if isinstance(p, Tensor) else _to_array(p, who=who), copy=True)
        if arr.dtype.kind != "f":
            arr = arr.astype(get_default_dtype())
        xs.append(Tensor._wrap(arr))
    tape: forward.Tape = []
    with forward.dual_level(tape) as level:
        duals = []
        for x, entry in zip(xs, inputs):
            d = forward.make_dual(x, forward.RECORDED, level)
            d.name = entry.output
            duals.append(d)
        out = f(*duals)
    seeds = {id(d): np.asarray(e.tangent) for d, e in zip(duals, inputs)}
    visits: list[tuple[Any, tuple[Any, ...], Any, Tensor, Any]] = []
    forward.run_tape(
        tape, seeds, lambda op, args, params, result, ts, t: visits.append((op, args, params, result, t))
    )
    if [op.name for op, *_ in visits] != [e.op for e in rows]:
        raise RuntimeError(
            f"{who}: f did not run the same ops twice ({[op.name for op, *_ in visits]} then "
            f"{[e.op for e in rows]}); animate a function without randomness or side effects"
        )

    vertices: dict[str, Vertex] = {}
    edges: list[Edge] = []
    key_of: dict[int, str] = {}
    counter = itertools.count()
    for d, entry in zip(duals, inputs):
        key = f"t{next(counter)}"
        key_of[id(d)] = key
        vertices[key] = Vertex(key, "tensor", role=LEAF, tensor=d, name=entry.output)
    op_keys = []
    for n, ((op, args, params, result, _), entry) in enumerate(zip(visits, rows)):
        okey = f"op{n}"
        op_keys.append(okey)
        vertices[okey] = Vertex(okey, "op", node=SimpleNamespace(op=op, params=params, name=op.name))
        for i, a in enumerate(args):
            if isinstance(a, Tensor) and id(a) in key_of:
                edges.append(Edge(key_of[id(a)], okey, None, i, carries_grad=True))
            elif show_constants and a is not None:
                ckey = f"c{next(counter)}"
                value = a._data if isinstance(a, Tensor) else a
                vertices[ckey] = Vertex(ckey, "const", value=value)
                edges.append(Edge(ckey, okey, None, i))
        tkey = f"t{next(counter)}"
        key_of[id(result)] = tkey
        vertices[tkey] = Vertex(
            tkey, "tensor", role=INTERMEDIATE, tensor=result, node=True, name=entry.output
        )
        edges.append(Edge(okey, tkey, None, -1, carries_grad=True))
    root_key = key_of.get(id(out), "")
    if root_key in vertices:
        vertices[root_key].role = ROOT
    model = GraphModel(vertices, edges, root_key, [])
    scalar_mode = (
        scalar if scalar is not None else all(v.tensor._data.ndim == 0 for v in model.tensor_vertices())
    )
    known: dict[str, tuple[Any, Any]] = {key_of[id(d)]: (d._data, seeds[id(d)]) for d in duals}

    def cells() -> dict[str, list[tuple[str, str, str]]]:
        out_cells = {}
        for v in model.tensor_vertices():
            value = known.get(v.key)
            if value is None:
                out_cells[v.key] = [("value", "?", WAIT_TEXT), ("tangent", "?", WAIT_TEXT)]
            else:
                out_cells[v.key] = [
                    ("value", value_text(value[0], scalar_mode, max_values), style.TEXT),
                    ("tangent", value_text(value[1], scalar_mode, max_values), TANGENT_TEXT),
                ]
        return out_cells

    in_edges: dict[str, list[int]] = {}
    for i, e in enumerate(edges):
        in_edges.setdefault(e.dst, []).append(i)
        if e.index < 0:
            in_edges.setdefault(e.src, []).append(i)
    given = ", ".join(f"{dot(e.output)} = {one_line(e.tangent)}" for e in inputs)
    specs = [
        Spec(
            title=f"Start: the inputs and their tangents (the direction v): {given}",
            rows=[f"{e.rule} = {one_line(e.tangent)}   (value {one_line(e.value)})" for e in inputs],
            note_html=note_table(
                ["input", "value", "tangent"],
                [[e.output, one_line(e.value), one_line(e.tangent)] for e in inputs],
                "The inputs and their tangents",
            ),
            touched=set(key_of[id(d)] for d in duals),
            cells=cells(),
        )
    ]
    done_ops: set[str] = set()
    done_edges: set[int] = set()
    n = len(rows)
    for okey, (_, _, _, result, tangent), entry in zip(op_keys, visits, rows):
        t = np.zeros(result.shape) if tangent is None else np.asarray(getattr(tangent, "_data", tangent))
        known[key_of[id(result)]] = (result._data, t)
        now_edges = set(in_edges.get(okey, []))
        specs.append(
            Spec(
                title=(
                    f"Step {entry.step} of {n}: {entry.op} → {entry.output} = {one_line(entry.value)}, "
                    f"and at once its tangent {dot(entry.output)} = {one_line(entry.tangent)}"
                ),
                rows=[
                    f"{entry.output} = {entry.op}({', '.join(entry.inputs)}) = {one_line(entry.value)}",
                    f"    {entry.rule} = {one_line(entry.tangent)}",
                ],
                note_html=note_table(
                    ["step", "op", "output", "value", "tangent rule", "tangent"],
                    [
                        [
                            str(entry.step),
                            entry.op,
                            entry.output,
                            one_line(entry.value),
                            entry.rule,
                            one_line(entry.tangent),
                        ]
                    ],
                    f"Step {entry.step}: value and tangent from the rows above",
                ),
                now_ops={okey},
                done_ops=set(done_ops),
                now_edges=now_edges,
                done_edges=set(done_edges),
                touched={key_of[id(result)]},
                cells=cells(),
            )
        )
        done_ops.add(okey)
        done_edges |= now_edges
    fname = ledger.function
    specs.append(
        Spec(
            title=(
                f"Done: one forward pass gave {fname}'s value {one_line(ledger.value)} and its "
                f"directional derivative J·v = {one_line(ledger.tangent)}"
            ),
            rows=[f"output {one_line(ledger.value)}, tangent J·v = {one_line(ledger.tangent)}"],
            note_html=note_table(
                ["output", "tangent J·v"],
                [[one_line(ledger.value), one_line(ledger.tangent)]],
                "The result of the forward pass",
            ),
            done_ops=set(done_ops),
            done_edges=set(done_edges),
            touched={root_key} if root_key else set(),
            cells=cells(),
        )
    )
    name = title or f"Forward mode on {fname}: tangents flow forward with the values ({n} op(s))"
    scene = Scene(model, [], scalar_mode, rankdir, max_values, "forward", name)
    return Animation("forward", name, scene.render(specs, legend(model, "forward")), ledger, interval)
