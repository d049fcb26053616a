"""The frames of an animation: one graph, one layout, drawn once per step.

A :class:`Scene` is the picture graph of :mod:`.graph` (after clusters and collapse) plus,
for every frame, a :class:`FrameSpec`: which op is processed, which edges carry something
now or already did, and the text of each tensor's value and gradient (or tangent) cells.
Every vertex is given the size of its largest label over all frames (one extra ``dot``
run measures them), so ``dot`` lays out every frame identically and nothing jumps.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import graphviz
import numpy as np

from . import labels, style
from .draw import _attach_clusters, _cluster_graphs
from .graph import LEAF, Edge, GraphModel, Vertex
from .modules import Cluster
from .player import Frame, escape, render_dot

# Colours of the animation (on top of the picture's role colours).
NOW_FILL = "#fd8d3c"  # the op being processed
NOW_BORDER = "#a63603"
NOW_EDGE = "#e6550d"  # a gradient (tangent) flowing along this edge in this step
DONE_EDGE = "#2171b5"  # a gradient already passed along this edge
WAIT_EDGE = "#c8c8c8"  # not reached yet
WAIT_TEXT = "#9e9e9e"
PARTIAL_TEXT = "#d94801"  # a partial sum: not every share has arrived yet
WAIT_OP_FILL = "#fdfcf2"
TANGENT_TEXT = "#08519c"


@dataclass
class Spec:
    """What changes from frame to frame (everything else is drawn the same in every frame)."""

    title: str
    rows: list[str]
    note_html: str
    now_ops: set[str] = field(default_factory=set)
    done_ops: set[str] = field(default_factory=set)
    now_edges: set[int] = field(default_factory=set)
    done_edges: set[int] = field(default_factory=set)
    touched: set[str] = field(default_factory=set)
    cells: dict[str, list[tuple[str, str, str]]] = field(
        default_factory=dict
    )  # key -> (caption, text, colour)
    group_lines: dict[str, str] = field(default_factory=dict)


class Scene:
    """A graph model drawn many times with different highlights and values (one layout)."""

    def __init__(
        self,
        model: GraphModel,
        clusters: list[Cluster],
        scalar_mode: bool,
        rankdir: str,
        max_values: int,
        legend_kind: str,
        title: str,
    ) -> None:
        self.model = model
        self.clusters = clusters
        self.scalar_mode = scalar_mode
        self.rankdir = rankdir
        self.max_values = max_values
        self.legend_kind = legend_kind
        self.title = title

    # labels ----------------------------------------------------------------

    def _tensor_label(self, v: Vertex, cells: list[tuple[str, str, str]]) -> str:
        name = v.name or ""
        rows = []
        if name:
            rows.append(f'<TR><TD COLSPAN="2"><B>{escape(name)}</B></TD></TR>')
        arr = v.tensor._data if v.tensor is not None else np.zeros(())
        if not self.scalar_mode:  # scalars: name, value and gradient only, stacked (narrow boxes)
            meta = f"{labels.shape_text(arr.shape)} · {arr.dtype}"
            rows.append(
                f'<TR><TD COLSPAN="2"><FONT POINT-SIZE="10" COLOR="{labels.MUTED}">{escape(meta)}</FONT>'
                "</TD></TR>"
            )
        for caption, text, color in cells:
            lines = text.split("\n")
            body = '<BR ALIGN="LEFT"/>'.join(escape(s) for s in lines) + (
                '<BR ALIGN="LEFT"/>' if len(lines) > 1 else ""
            )
            rows.append(
                f'<TR><TD ALIGN="RIGHT" VALIGN="TOP"><FONT POINT-SIZE="10" COLOR="{labels.MUTED}">{caption}'
                f'</FONT></TD><TD ALIGN="LEFT"><FONT FACE="{style.MONO}" COLOR="{color}">{body}</FONT>'
                "</TD></TR>"
            )
        return (
            '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">' + "".join(rows) + "</TABLE>>"
        )

    def _group_label(self, v: Vertex, extra: str) -> str:
        rows = [f"<TR><TD><B>{escape(v.title)}</B></TD></TR>"]
        for line in labels.hidden_lines(v):
            rows.append(
                f'<TR><TD><FONT POINT-SIZE="10" COLOR="{labels.MUTED}">{escape(line)}</FONT></TD></TR>'
            )
        if extra:
            rows.append(
                f'<TR><TD><FONT POINT-SIZE="10" COLOR="{PARTIAL_TEXT}">{escape(extra)}</FONT></TD></TR>'
            )
        return (
            '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">' + "".join(rows) + "</TABLE>>"
        )

    def _label(self, v: Vertex, spec: Spec) -> str:
        if v.kind == "tensor":
            return self._tensor_label(v, spec.cells.get(v.key, []))
        if v.kind == "op":
            if self.scalar_mode:
                return labels.OP_SYMBOLS.get(v.node.op.name, v.node.op.name)
            return labels.op_label(v)
        if v.kind == "const":
            return labels.const_label(v, self.max_values)
        return self._group_label(v, spec.group_lines.get(v.key, ""))

    def _attrs(self, v: Vertex, spec: Spec) -> dict[str, str]:
        if v.kind == "tensor":
            attrs = style.tensor_attrs(v.role, False)
            attrs.update(color=style.BORDER, penwidth="1")  # a thick border means "just received"
            if v.key in spec.touched:
                attrs.update(color=NOW_EDGE, penwidth="3")
            return attrs
        if v.kind == "op":
            attrs = style.op_attrs()
            if v.key in spec.now_ops:
                attrs.update(fillcolor=NOW_FILL, color=NOW_BORDER, penwidth="3")
            elif v.key not in spec.done_ops:
                attrs.update(fillcolor=WAIT_OP_FILL, fontcolor=WAIT_TEXT)
            return attrs
        if v.kind == "const":
            return style.const_attrs()
        attrs = style.group_attrs()
        if v.key in spec.now_ops:
            attrs.update(fillcolor=NOW_FILL, color=NOW_BORDER, penwidth="3")
        return attrs

    def _edge_attrs(self, index: int, e: Edge, spec: Spec) -> dict[str, str]:
        if not e.carries_grad:
            return {"color": style.EDGE_NO_GRAD, "penwidth": "0.8"}
        if index in spec.now_edges:
            return {"color": NOW_EDGE, "penwidth": "3"}
        if index in spec.done_edges:
            return {"color": DONE_EDGE, "penwidth": "1.6"}
        return {"color": WAIT_EDGE, "penwidth": "1", "style": "dashed"}

    # frames ----------------------------------------------------------------

    def _sizes(self, specs: Sequence[Spec]) -> dict[str, tuple[float, float]]:
        """Each vertex's width and height: the largest over its labels in all frames."""
        variants: dict[str, dict[tuple[str, str, str], None]] = {}
        for spec in specs:
            for v in self.model.vertices.values():
                attrs = self._attrs(v, spec)
                shape_key = (self._label(v, spec), attrs.get("shape", ""), attrs.get("fontsize", ""))
                variants.setdefault(v.key, {})[shape_key] = None
        lines = [
            "digraph sizes {",
            f'node [fontname="{style.FONT}", fontsize="11", margin="0.08,0.04"];',
        ]
        owners: list[str] = []
        for key, found in variants.items():
            for label, shape, fontsize in found:
                extra = f', fontsize="{fontsize}"' if fontsize else ""
                extra += ', margin="0.05,0.02"' if self.model.vertices[key].kind == "const" else ""
                text = label if label.startswith("<") else '"' + label.replace('"', '\\"') + '"'
                lines.append(f'n{len(owners)} [label={text}, shape="{shape or "box"}"{extra}];')
                owners.append(key)
        lines.append("}")
        plain = render_dot("\n".join(lines), "plain", "animate").decode("utf-8")
        sizes: dict[str, tuple[float, float]] = {}
        for line in plain.splitlines():
            if not line.startswith("node "):
                continue
            _, name, _, _, w, h = line.split(" ", 6)[:6]
            key = owners[int(name[1:])]
            old = sizes.get(key, (0.0, 0.0))
            sizes[key] = (max(old[0], float(w)), max(old[1], float(h)))
        return sizes

    def render(self, specs: Sequence[Spec], legend_html: str) -> list[Frame]:
        sizes = self._sizes(specs)
        frames = []
        for spec in specs:
            source = self._source(spec, sizes, legend_html)
            svg = render_dot(source, "svg", "animate").decode("utf-8")
            frames.append(Frame(spec.title, source, svg, tuple(spec.rows), spec.note_html))
        return frames

    def _source(self, spec: Spec, sizes: dict[str, tuple[float, float]], legend_html: str) -> str:
        g = graphviz.Digraph(name="autograd_mini")
        g.attr(rankdir=self.rankdir, fontname=style.FONT, nodesep="0.25", ranksep="0.4", newrank="true")
        g.attr("node", fontname=style.FONT, fontsize="11", fontcolor=style.TEXT, margin="0.08,0.04")
        g.attr("edge", fontname=style.FONT, fontsize="9", arrowsize="0.7", color=style.EDGE_PLAIN)
        containers = _cluster_graphs(self.model, self.clusters)
        for v in self.model.vertices.values():
            target = containers.get(v.cluster, g) if v.cluster is not None else g
            attrs = self._attrs(v, spec)
            w, h = sizes[v.key]
            attrs.update(width=f"{w:.4f}", height=f"{h:.4f}", fixedsize="true")
            target.node(v.key, self._label(v, spec), **attrs)
        _attach_clusters(g, self.clusters, containers)
        for i, e in enumerate(self.model.edges):
            g.edge(e.src, e.dst, **self._edge_attrs(i, e, spec))
        rows = [f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="12">{escape(self.title)}</FONT></TD></TR>']
        if legend_html:
            rows.append(f'<TR><TD ALIGN="LEFT">{legend_html}</TD></TR>')
        table = (
            '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">' + "".join(rows) + "</TABLE>"
        )
        g.attr(label=f"<{table}>", labelloc="b", labeljust="l", fontsize="10")
        return str(g.source)


def legend(model: GraphModel, kind: str) -> str:
    """The roles' colours (as in draw_graph) and a row for the animation's highlights."""
    roles = sorted({v.role for v in model.tensor_vertices()})
    kinds = {v.kind for v in model.vertices.values()}
    base = style.legend_table(roles, "op" in kinds, "const" in kinds, "group" in kinds, None)
    what = "gradient" if kind == "backward" else "tangent"
    cells = [
        f'<TD BGCOLOR="{NOW_FILL}" BORDER="1" COLOR="{NOW_BORDER}" WIDTH="16" HEIGHT="10"></TD>'
        f'<TD ALIGN="LEFT">op of this step  </TD>',
        f'<TD><FONT COLOR="{NOW_EDGE}">━━</FONT></TD><TD ALIGN="LEFT">{what} flowing now  </TD>',
        f'<TD><FONT COLOR="{DONE_EDGE}">━━</FONT></TD><TD ALIGN="LEFT">{what} passed  </TD>',
        f'<TD><FONT COLOR="{WAIT_EDGE}">╌╌</FONT></TD><TD ALIGN="LEFT">not reached yet  </TD>',
    ]
    if kind == "backward":
        cells.append(
            f'<TD><FONT COLOR="{PARTIAL_TEXT}">k of n</FONT></TD>'
            f'<TD ALIGN="LEFT">partial sum: k of the n shares have arrived  </TD>'
        )
    if kind == "forward":
        base = base.replace(style.ROLE_TEXT[LEAF], "input, given a tangent")
    row = (
        '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2" CELLPADDING="0"><TR>'
        + "".join(cells)
        + "</TR></TABLE>"
    )
    return (
        '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
        f'<TR><TD ALIGN="LEFT">{base}</TD></TR><TR><TD ALIGN="LEFT">{row}</TD></TR></TABLE>'
    )


def value_text(a: Any, scalar_mode: bool, max_values: int) -> str:
    if scalar_mode:
        return labels._fixed(a)
    return "\n".join(labels.format_values(a, max_values))


# The ledger table under a frame is styled inline, and has a class: a page's own table styles
# (mkdocs-material's `table:not([class])`, with wide cell padding) would make it several times
# wider than the player, so that it scrolls and hides its right-hand columns. Cells wrap.
NOTE_TABLE_CLASS = "am-anim-ledger"
_NOTE_TABLE_STYLE = (
    "border-collapse:collapse;font-size:13px;line-height:1.35;width:auto;max-width:100%;"
    "table-layout:auto;display:table;margin:0;border:none"
)
_NOTE_CELL_STYLE = (
    "padding:2px 6px;border:1px solid #ddd;text-align:left;vertical-align:top;"
    "white-space:normal;min-width:0"
)


def note_table(headers: Sequence[str], rows: Sequence[Sequence[str]], caption: str) -> str:
    """A frame's ledger rows as a compact HTML table (escaped text, styles inline).

    >>> note_table(["tensor", "gradient"], [["f", "1"]], "The seed")[:35]
    '<table class="am-anim-ledger" style'
    """
    th = f'<th style="{_NOTE_CELL_STYLE};font-weight:600">'
    td = f'<td style="{_NOTE_CELL_STYLE}">'
    head = "".join(f"{th}{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"{td}{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return (
        f'<table class="{NOTE_TABLE_CLASS}" style="{_NOTE_TABLE_STYLE}">'
        '<caption style="text-align:left;caption-side:top;padding:2px 0;font-weight:600">'
        f"{html.escape(caption)}</caption>"
        f"<tr>{head}</tr>{body}</table>"
    )
