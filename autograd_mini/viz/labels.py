"""Text of the picture: numbers, small arrays, summaries and the vertex labels.

Tensor and op labels are Graphviz HTML-like labels (a small table per vertex); the
scalar mode uses micrograd's ``{ name | data 0.9500 | grad 1.8000 }`` record labels.
Every piece of user text is escaped here.
"""

from __future__ import annotations

import html
from collections import Counter
from typing import Any

import numpy as np

from .graph import Vertex

MUTED = "#666666"
GRAD_TEXT = "#a50f15"

# Operator symbols for the scalar (micrograd-style) mode.
OP_SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**", "neg": "neg"}


def format_number(x: Any, digits: int = 4) -> str:
    """A short text for one number: ``0.95``, ``-1.234e-05``, ``3``, ``True``, ``nan``."""
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    return f"{float(x):.{digits}g}"


def format_values(a: Any, max_values: int = 8, digits: int = 4) -> list[str]:
    """Lines showing an array: its values when small, a min/mean/max summary otherwise.

    0-d and 1-d arrays with at most ``max_values`` elements fit on one line; small 2-d
    arrays get one line per row; larger ones are summarised over their finite values,
    with the count of ``nan``/``inf`` entries when there are any.
    """
    arr = np.asarray(a)
    if arr.ndim == 0:
        return [format_number(arr.item(), digits)]
    if arr.size == 0:
        return [f"empty {arr.shape}"]
    if arr.size <= max_values:
        if arr.ndim == 2:
            rows = ["[" + ", ".join(format_number(x, digits) for x in row) + "]" for row in arr]
            rows[0] = "[" + rows[0]
            rows[-1] = rows[-1] + "]"
            return [(" " if i else "") + r for i, r in enumerate(rows)]
        flat = ", ".join(format_number(x, digits) for x in arr.reshape(-1))
        return [f"[{flat}]" if arr.ndim == 1 else f"flat [{flat}]"]
    return [summary(arr)]


def summary(arr: np.ndarray) -> str:
    """``min … · mean … · max …`` over the finite entries, plus non-finite counts."""
    if arr.dtype.kind == "b":
        return f"{int(arr.sum())} of {arr.size} true"
    values = arr.astype(np.float64, copy=False).reshape(-1)
    finite_mask = np.isfinite(values)
    finite = values[finite_mask]
    parts = []
    if finite.size:
        parts.append(
            f"min {format_number(finite.min(), 3)} · mean {format_number(finite.mean(), 3)}"
            f" · max {format_number(finite.max(), 3)}"
        )
    bad = Counter(
        "nan" if np.isnan(x) else ("+inf" if x > 0 else "-inf") for x in values[~finite_mask][:1000]
    )
    extra = int((~finite_mask).sum())
    if extra:
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(bad.items()))
        parts.append(f"{extra} non-finite ({kinds})" if extra <= 1000 else f"{extra} non-finite")
    return " · ".join(parts)


def shape_text(shape: tuple[int, ...]) -> str:
    """``scalar`` for ``()``, else ``(2, 3)``."""
    if not shape:
        return "scalar"
    return "(" + ", ".join(str(n) for n in shape) + (",)" if len(shape) == 1 else ")")


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def _lines(lines: list[str], color: str | None = None) -> str:
    body = '<BR ALIGN="LEFT"/>'.join(_esc(s) for s in lines) + (
        '<BR ALIGN="LEFT"/>' if len(lines) > 1 else ""
    )
    return f'<FONT COLOR="{color}">{body}</FONT>' if color else body


def tensor_label(v: Vertex, show_data: bool, show_grad: bool, max_values: int, mono: str) -> str:
    """HTML label of a tensor vertex: name, shape and dtype, data, grad."""
    t = v.tensor
    arr = t._data
    rows = []
    if v.name:
        rows.append(f'<TR><TD COLSPAN="2"><B>{_esc(v.name)}</B></TD></TR>')
    meta = f"{shape_text(arr.shape)} · {arr.dtype}"
    rows.append(f'<TR><TD COLSPAN="2"><FONT POINT-SIZE="10" COLOR="{MUTED}">{_esc(meta)}</FONT></TD></TR>')
    cells = []
    if show_data:
        cells.append(("data", _lines(format_values(arr, max_values))))
    if show_grad and v.has_grad:
        cells.append(("grad", _lines(format_values(v.grad, max_values), GRAD_TEXT)))
    for caption, text in cells:
        color = GRAD_TEXT if caption == "grad" else MUTED
        rows.append(
            f'<TR><TD ALIGN="RIGHT" VALIGN="TOP"><FONT POINT-SIZE="10" COLOR="{color}">'
            f'{caption}</FONT></TD><TD ALIGN="LEFT"><FONT FACE="{mono}">{text}</FONT></TD></TR>'
        )
    return _table(rows)


def _table(rows: list[str]) -> str:
    return '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">' + "".join(rows) + "</TABLE>>"


def caption_label(lines: list[str], legend_html: str) -> str:
    """The picture's caption: title and collapse notes, then the legend; '' if neither."""
    rows = [f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="12">{_esc(s)}</FONT></TD></TR>' for s in lines]
    if legend_html:
        rows.append(f'<TR><TD ALIGN="LEFT">{legend_html}</TD></TR>')
    if not rows:
        return ""
    return _table(rows)


def short_repr(value: Any, limit: int = 32) -> str:
    """A compact text of an op parameter: arrays by shape, long texts cut with ``…``."""
    items = value if isinstance(value, tuple) else (value,)
    parts = [f"array{shape_text(x.shape)}" if isinstance(x, np.ndarray) else repr(x) for x in items]
    text = (
        parts[0]
        if not isinstance(value, tuple)
        else "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"
    )
    return text if len(text) <= limit else text[: limit - 1] + "…"


def index_text(index: Any, limit: int = 40) -> str:
    """An index in Python's own syntax: ``[:, 0, :]``, ``[..., None]``, ``[[0, 2]]``.

    Slices read ``1:5:2``, ``Ellipsis`` reads ``...``, ``None`` (``np.newaxis``) reads
    ``None``; small integer arrays show their values, larger ones
    ``int array (3, 4)``, boolean masks ``bool mask (3,)``. Long texts end in ``…``.

    >>> import numpy as np
    >>> index_text((slice(None), 0, slice(None)))
    '[:, 0, :]'
    >>> index_text((Ellipsis, None, slice(1, None, 2)))
    '[..., None, 1::2]'
    >>> index_text(np.array([0, 2])), index_text(np.array([True, False, True]))
    ('[[0, 2]]', '[bool mask (3,)]')
    """
    items = index if isinstance(index, tuple) else (index,)
    text = "[" + ", ".join(_index_item_text(i) for i in items) + "]"
    return text if len(text) <= limit else text[: limit - 2] + "…]"


def _index_item_text(item: Any) -> str:
    if item is Ellipsis:
        return "..."
    if item is None:
        return "None"
    if isinstance(item, slice):
        parts = ["" if v is None else str(v) for v in (item.start, item.stop)]
        text = ":".join(parts)
        return text if item.step is None else f"{text}:{item.step}"
    if isinstance(item, (bool, np.bool_)):
        return str(bool(item))
    if isinstance(item, (int, np.integer)):
        return str(int(item))
    arr = np.asarray(item)
    if arr.dtype.kind == "b":
        return f"bool mask {shape_text(arr.shape)}"
    if arr.dtype.kind in "iu" and arr.ndim <= 1 and arr.size <= 6:
        return "[" + ", ".join(str(int(v)) for v in arr.reshape(-1)) + "]" if arr.ndim else str(int(arr))
    return f"int array {shape_text(arr.shape)}"


def params_text(params: dict[str, Any] | None) -> str:
    """The op's keyword parameters worth showing: ``axis=1, keepdims=True``; an ``index``
    in Python's syntax (``[:, 0]``)."""
    if not params:
        return ""
    return ", ".join(
        index_text(value) if k == "index" else f"{k}={short_repr(value)}"
        for k, value in params.items()
        if k == "index" or (value is not None and value is not False)
    )


def op_label(v: Vertex) -> str:
    """HTML label of an op vertex: the op's name and its parameters."""
    node = v.node
    rows = [f"<TR><TD><B>{_esc(node.op.name)}</B></TD></TR>"]
    extra = params_text(node.params)
    if extra:
        rows.append(f'<TR><TD><FONT POINT-SIZE="9" COLOR="{MUTED}">{_esc(extra)}</FONT></TD></TR>')
    return _table(rows)


def const_label(v: Vertex, max_values: int) -> str:
    """HTML label of a constant argument (a number or an array that is not a Tensor)."""
    value = v.value
    if isinstance(value, (int, float, np.number, np.ndarray, bool, np.bool_)):
        lines = format_values(value, max_values, digits=6)  # constants are typed by hand: show them whole
        if isinstance(value, np.ndarray) and value.ndim:
            lines = [f"const {shape_text(value.shape)}", *lines]
    else:
        text = repr(value)
        lines = [text if len(text) <= 32 else text[:31] + "…"]
    return _table([f'<TR><TD><FONT POINT-SIZE="10" COLOR="{MUTED}">{_lines(lines)}</FONT></TD></TR>'])


def group_label(v: Vertex) -> str:
    """HTML label of a collapsed group: its title and what it hides."""
    rows = [f"<TR><TD><B>{_esc(v.title)}</B></TD></TR>"]
    for line in hidden_lines(v):
        rows.append(f'<TR><TD><FONT POINT-SIZE="10" COLOR="{MUTED}">{_esc(line)}</FONT></TD></TR>')
    return _table(rows)


def plural(n: int, word: str) -> str:
    """``1 op``, ``3 ops``, ``1,200 tensors``."""
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def hidden_lines(v: Vertex) -> list[str]:
    """``12 ops, 13 tensors hidden``, the most frequent op names, the parameters' grad norm."""
    n_ops = sum(v.hidden_ops.values())
    lines = [f"{plural(n_ops, 'op')}, {plural(v.hidden_tensors, 'tensor')} hidden"]
    common = v.hidden_ops.most_common(4)
    if common:
        text = ", ".join(f"{name} ×{n:,}" for name, n in common)
        if len(v.hidden_ops) > len(common):
            text += ", …"
        lines.append(text)
    if v.param_grad_sq is not None:
        lines.append(f"parameter grad norm {format_number(v.param_grad_sq**0.5, 3)}")
    return lines


_RECORD_SPECIAL = str.maketrans({c: "\\" + c for c in '{}|<>\\"'})


def record_label(v: Vertex, show_data: bool, show_grad: bool, horizontal_braces: bool) -> str:
    """micrograd's record label ``{ name | data 0.9500 | grad 1.8000 }`` for a scalar."""
    fields = []
    if v.name:
        fields.append(v.name.translate(_RECORD_SPECIAL))
    if show_data:
        fields.append(f"data {_fixed(v.tensor._data)}")
    if show_grad and v.has_grad:
        fields.append(f"grad {_fixed(v.grad)}")
    if not fields:
        fields.append(" ")
    body = " | ".join(fields)
    return "{ " + body + " }" if horizontal_braces else body


def _fixed(a: Any) -> str:
    x = float(np.asarray(a).reshape(-1)[0])
    if np.isfinite(x) and (x == 0 or 1e-4 <= abs(x) < 1e6):
        return f"{x:.4f}"
    return f"{x:.4g}".translate(_RECORD_SPECIAL)
