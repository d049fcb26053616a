"""Plain-text and HTML tables, and short printouts of values, for the reports and the ledger.

The gradient reports, ``autograd-mini gradcheck`` and the chain-rule ledger print their
tables through these few functions, so columns line up the same way everywhere.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Sequence
from typing import Any

import numpy as np

SMALL = 6  # values with at most this many entries are shown in full

def format_value(value: Any) -> str:
    """A number or a small array in full, a summary (shape, min/mean/max) otherwise."""
    if value is None:
        return "—"
    arr = np.asarray(getattr(value, "_data", value))
    if arr.size == 1:
        return f"{float(arr.reshape(())):.6g}"
    if arr.size == 0:
        return f"empty{arr.shape}"
    if arr.size <= SMALL:
        return np.array2string(
            arr, separator=", ", formatter={"float_kind": lambda v: f"{v:.4g}"}, max_line_width=200
        )
    return (
        f"shape {arr.shape}: min {float(arr.min()):.4g}, mean {float(arr.mean()):.4g}, "
        f"max {float(arr.max()):.4g}"
    )


def _width(text: str) -> int:
    """Columns ``text`` takes on screen: combining marks (the bar of x̄) take none."""
    return sum(1 for ch in text if not unicodedata.combining(ch))


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """An aligned plain-text table: a header line, a rule, then the rows."""
    widths = [_width(h) for h in headers]
    for row in rows:
        for j, cell in enumerate(row):
            widths[j] = max(widths[j], _width(cell))

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c + " " * (w - _width(c)) for c, w in zip(cells, widths)).rstrip()

    out = [line(headers), line(["-" * w for w in widths])]
    out.extend(line(row) for row in rows)
    return "\n".join(out)


def html_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    caption: str = "",
    group_starts: Sequence[int] = (),
    row_styles: Sequence[str] = (),
) -> str:
    """An HTML table (for notebooks); rows at ``group_starts`` get a top border."""
    starts = set(group_starts)
    parts = ["<table>"]
    if caption:
        parts.append(f"<caption style='text-align:left'>{caption}</caption>")
    parts.append("<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in headers) + "</tr>")
    for i, row in enumerate(rows):
        styles = []
        if i in starts and i > 0:
            styles.append("border-top:2px solid #888")
        if i < len(row_styles) and row_styles[i]:
            styles.append(row_styles[i])
        style = f" style='{';'.join(styles)}'" if styles else ""
        cells = "".join(f"<td>{html.escape(c)}</td>" for c in row)
        parts.append(f"<tr{style}>{cells}</tr>")
    parts.append("</table>")
    return "".join(parts)
