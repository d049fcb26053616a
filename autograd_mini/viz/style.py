"""Colours, shapes and the gradient-flow edge styles, plus the legend.

Tensor roles are told apart by fill colour (root, parameter, leaf that requires grad,
input without grad, intermediate); ops are pale ellipses. With gradient flow on, an
edge's width and colour follow the log of the norm of the gradient flowing back along
it, from thin and pale to thick and dark; vanishing gradients (a nonzero norm below
``vanishing``) are dashed grey, exploding ones (norm above ``exploding``, or
non-finite) are thick red; both are labelled with their norm. A gradient that is
exactly zero is dotted grey and labelled ``zero``: nothing flows there, which is a
fact about the function (a relu that is off, a constant branch), not a tiny number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .graph import INPUT, INTERMEDIATE, LEAF, PARAM, ROOT

FONT = "Helvetica"
MONO = "DejaVu Sans Mono"
TEXT = "#222222"
BORDER = "#7f7f7f"

ROLE_FILL = {
    ROOT: "#fdd0a2",
    PARAM: "#c7e9c0",
    LEAF: "#c6dbef",
    INPUT: "#f0f0f0",
    INTERMEDIATE: "#ffffff",
}
ROLE_TEXT = {
    ROOT: "output (root)",
    PARAM: "parameter",
    LEAF: "leaf, requires grad",
    INPUT: "input, no grad",
    INTERMEDIATE: "intermediate tensor",
}
OP_FILL = "#fff7bc"
OP_BORDER = "#d9c36a"
GROUP_FILL = "#f2f0f7"
CLUSTER_BORDER = "#9e9ac8"
CLUSTER_FILL = "#fbfaff"

EDGE_PLAIN = "#555555"
EDGE_NO_GRAD = "#c8c8c8"
FLOW_WEAK = (0xA6, 0xBD, 0xDB)
FLOW_STRONG = (0x08, 0x30, 0x6B)
VANISHING = "#969696"
EXPLODING = "#d7301f"


def tensor_attrs(role: str, scalar_mode: bool) -> dict[str, str]:
    """Node attributes of a tensor vertex with this role."""
    attrs = {
        "shape": "record" if scalar_mode else "box",
        "style": "filled" if scalar_mode else "rounded,filled",
        "fillcolor": ROLE_FILL.get(role, "#ffffff"),
        "color": BORDER,
    }
    if role == ROOT:
        attrs["penwidth"] = "2"
        attrs["color"] = "#d94801"
    return attrs


def op_attrs() -> dict[str, str]:
    """Node attributes of an op vertex."""
    return {"shape": "ellipse", "style": "filled", "fillcolor": OP_FILL, "color": OP_BORDER}


def const_attrs() -> dict[str, str]:
    """Node attributes of a constant argument."""
    return {
        "shape": "box",
        "style": "rounded,dashed",
        "color": "#bdbdbd",
        "fontsize": "10",
        "height": "0.3",
        "width": "0.3",
        "margin": "0.05,0.02",
    }


def group_attrs() -> dict[str, str]:
    """Node attributes of a collapsed group."""
    return {"shape": "box3d", "style": "filled", "fillcolor": GROUP_FILL, "color": CLUSTER_BORDER}


def cluster_attrs(label: str) -> dict[str, str]:
    """Graph attributes of a module cluster."""
    return {
        "label": label,
        "style": "rounded,filled",
        "color": CLUSTER_BORDER,
        "fillcolor": CLUSTER_FILL,
        "fontcolor": "#54278f",
        "fontsize": "12",
        "labeljust": "l",
    }


@dataclass
class FlowScale:
    """Maps gradient norms to edge styles (log scale between the smallest and largest)."""

    vanishing: float
    exploding: float
    lo: float = 0.0
    hi: float = 0.0
    has_zero: bool = False

    @classmethod
    def fit(cls, norms: list[float], vanishing: float, exploding: float) -> FlowScale:
        """The scale of the ordinary (neither vanishing nor exploding) norms given."""
        logs = [math.log10(n) for n in norms if math.isfinite(n) and vanishing <= n <= exploding and n > 0]
        has_zero = any(n == 0.0 for n in norms)
        if not logs:
            return cls(vanishing, exploding, has_zero=has_zero)
        return cls(vanishing, exploding, min(logs), max(logs), has_zero)

    def classify(self, norm: float) -> str:
        """``"exploding"``, ``"zero"`` (exactly), ``"vanishing"`` or ``"normal"``."""
        if not math.isfinite(norm) or norm > self.exploding:
            return "exploding"
        if norm == 0.0:
            return "zero"
        if norm < self.vanishing:
            return "vanishing"
        return "normal"

    def edge_attrs(self, norm: float | None, carries_grad: bool) -> dict[str, str]:
        """Colour, width, dash and label of an edge whose gradient has this norm."""
        if norm is None:
            color = EDGE_NO_GRAD if not carries_grad else EDGE_PLAIN
            return {"color": color, "penwidth": "0.8", "tooltip": "no gradient flows here"}
        text = f"‖grad‖ = {norm:.3g}"  # the norm of the gradient flowing back along the edge
        kind = self.classify(norm)
        if kind == "exploding":
            return {
                "color": EXPLODING,
                "penwidth": "4",
                "label": f"exploding {norm:.2g}",
                "fontcolor": EXPLODING,
                "tooltip": text,
            }
        if kind == "zero":
            return {
                "color": VANISHING,
                "penwidth": "1",
                "style": "dotted",
                "label": "zero",
                "fontcolor": VANISHING,
                "tooltip": "‖grad‖ = 0: the gradient is exactly zero here",
            }
        if kind == "vanishing":
            return {
                "color": VANISHING,
                "penwidth": "1",
                "style": "dashed",
                "label": f"vanishing {norm:.1g}",
                "fontcolor": VANISHING,
                "tooltip": text,
            }
        t = 1.0 if self.hi <= self.lo else (math.log10(norm) - self.lo) / (self.hi - self.lo)
        return {"color": _mix(FLOW_WEAK, FLOW_STRONG, t), "penwidth": f"{1 + 3.5 * t:.2f}", "tooltip": text}


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> str:
    t = min(max(t, 0.0), 1.0)
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b))


def legend_table(
    roles: list[str], has_ops: bool, has_consts: bool, has_groups: bool, flow: FlowScale | None
) -> str:
    """An HTML table (no outer brackets) explaining the colours present in the picture.

    One row for the vertex colours and, with gradient flow, one for the edge styles.
    """
    boxes: list[str] = []

    def swatch(fill: str, text: str, border: str = BORDER, dashed: bool = False) -> None:
        extra = ' STYLE="dashed"' if dashed else ""
        boxes.append(
            f'<TD BGCOLOR="{fill}" BORDER="1" COLOR="{border}" WIDTH="16" HEIGHT="10"{extra}></TD>'
            f'<TD ALIGN="LEFT">{text}  </TD>'
        )

    if has_ops:
        swatch(OP_FILL, "op", OP_BORDER)
    for role in (ROOT, PARAM, LEAF, INPUT, INTERMEDIATE):
        if role in roles:
            swatch(ROLE_FILL[role], ROLE_TEXT[role], "#d94801" if role == ROOT else BORDER)
    if has_consts:
        swatch("#ffffff", "constant", "#bdbdbd", dashed=True)
    if has_groups:
        swatch(GROUP_FILL, "collapsed part", CLUSTER_BORDER)
    rows = [_row(boxes)]
    if flow is not None:
        lines: list[str] = []

        def line(color: str, text: str, glyph: str = "━━") -> None:
            lines.append(f'<TD><FONT COLOR="{color}">{glyph}</FONT></TD><TD ALIGN="LEFT">{text}  </TD>')

        line(_mix(FLOW_WEAK, FLOW_STRONG, 1.0), "gradient norm: large")
        line(_mix(FLOW_WEAK, FLOW_STRONG, 0.0), "small", "──")
        line(VANISHING, f"vanishing (&lt; {flow.vanishing:g})", "╌╌")
        if flow.has_zero:
            line(VANISHING, "exactly zero", "┈┈")
        line(EXPLODING, f"exploding (&gt; {flow.exploding:g} or not finite)")
        line(EDGE_NO_GRAD, "no gradient", "──")
        rows.append(_row(lines))
    return (
        '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
        + "".join(f'<TR><TD ALIGN="LEFT">{r}</TD></TR>' for r in rows)
        + "</TABLE>"
    )


def _row(cells: list[str]) -> str:
    return (
        '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2" CELLPADDING="0"><TR>'
        + "".join(cells)
        + "</TR></TABLE>"
    )
