"""The chain-rule ledger: the backward pass written out, one op at a time.

:func:`explain` replays the backward pass of a result (also after ``backward()`` freed
its graph, and without touching any ``.grad``) and records, for every op node in the
order ``backward()`` visits them: the op, the upstream gradient ∂L/∂out arriving at its
output, and for each input its name and shape, the op's local derivative rule and the
gradient passed on to it (summed over broadcast axes). For scalars the local derivative
∂out/∂input is shown as a number too, so each line reads as the hand derivation does:
upstream × local = gradient.

The op table writes its rules with placeholder symbols (``x̄ = ḡ · y``: x and y the
inputs, ḡ the upstream gradient). Each row of the ledger writes its rule with that row's
own names instead: in ``h = w * x`` the row of ``w`` reads ``w̄ = h̄ · x``, where ``n̄``
is the gradient ∂L/∂n of the tensor named ``n``. Names are the tensors' ``name`` (a
Parameter's attribute name), else neutral positional ones: ``v1, v2 …`` for results in
forward order, ``leaf1 …`` for leaves, the value for constants. Every label is unique in
a ledger (a neutral name that a user name already takes is skipped; a name given to two
different tensors gets ``#2``, ``#3`` …), so no symbol of a row can mean two things.
"""

from __future__ import annotations

import html
import inspect
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import dtypes
from .core import forward
from .core.engine import trace_backward
from .core.node import Node
from .ops.shape import sum_to
from .tables import SMALL, format_value, html_table, text_table
from .tensor import Tensor, _to_array

__all__ = [
    "ForwardEntry",
    "ForwardLedger",
    "Ledger",
    "LedgerEntry",
    "LedgerInput",
    "explain",
    "explain_forward",
]

_RULES_NOTE = (
    "Rules are the op table's, written with each row's names: n̄ is the gradient of the loss "
    "with respect to the tensor named n (the output's n̄ is the upstream gradient); v1, v2 … "
    "are unnamed results in forward order, leaf1 … unnamed leaves; values stand for constants."
)


@dataclass(frozen=True)
class LedgerInput:
    """One input of a ledger entry and the gradient the op passes to it.

    ``rule`` is the op's local rule written with this row's names (``w̄ = h̄ · x``),
    ``op_rule`` the same rule as the op table writes it (``x̄ = ḡ · y``). ``grad`` is
    ``None`` for constants and inputs that receive no gradient; ``local`` is the local
    derivative ∂out/∂input when output and input are scalars.
    """

    label: str
    shape: tuple[int, ...]
    rule: str
    grad: np.ndarray | None
    local: float | None
    is_leaf: bool
    op_rule: str = ""


@dataclass(frozen=True)
class LedgerEntry:
    """One op node of the backward pass: its upstream gradient and what its inputs get."""

    step: int
    op: str
    output: str
    shape: tuple[int, ...]
    upstream: np.ndarray | None
    inputs: tuple[LedgerInput, ...]


class Ledger:
    """The chain-rule ledger of one backward pass (see :func:`explain`).

    Iterate over it (or index it) for :class:`LedgerEntry` records in backward order;
    ``leaf_gradients`` gives the total gradient of each leaf (what ``backward()`` adds
    to ``.grad``). ``str(ledger)`` is an aligned text table; notebooks show an HTML table.
    """

    def __init__(self, root: str, entries: Sequence[LedgerEntry]) -> None:
        self.root = root
        self.entries = list(entries)

    def __iter__(self) -> Iterator[LedgerEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __getitem__(self, i: int) -> LedgerEntry:
        return self.entries[i]

    @property
    def leaf_gradients(self) -> dict[str, np.ndarray]:
        """The total gradient reaching each leaf that requires grad, by label."""
        totals: dict[str, np.ndarray] = {}
        for entry in self.entries:
            for x in entry.inputs:
                if x.is_leaf and x.grad is not None:
                    prev = totals.get(x.label)
                    totals[x.label] = x.grad.copy() if prev is None else prev + x.grad
        return totals

    def _table(self) -> tuple[list[str], list[list[str]], list[int]]:
        """Headers, one row per (entry, input), and the index of each entry's first row."""
        headers = [
            "step",
            "op",
            "output",
            f"upstream ∂{self.root}/∂out",
            "input",
            "shape",
            "local rule",
            "local ∂out/∂in",
            f"gradient ∂{self.root}/∂input",
        ]
        rows: list[list[str]] = []
        starts: list[int] = []
        for entry in self.entries:
            starts.append(len(rows))
            head = [str(entry.step), entry.op, entry.output, one_line(entry.upstream)]
            inputs = entry.inputs or (LedgerInput("", (), "", None, None, False),)
            for k, x in enumerate(inputs):
                cells = head if k == 0 else ["", "", "", ""]
                local = "" if x.local is None else f"{x.local:.6g}"
                grad = one_line(x.grad) if x.rule else "(constant)"
                rows.append([*cells, x.label, str(x.shape), x.rule, local, grad])
        return headers, rows, starts

    def __str__(self) -> str:
        if not self.entries:
            return f"Chain-rule ledger of {self.root}: no ops (a leaf has nothing to explain)"
        headers, rows, _ = self._table()
        lines = [
            f"Chain-rule ledger of {self.root}: {len(self.entries)} op(s) in backward order; "
            f"per input, upstream × local derivative = gradient (summed over broadcast axes)",
            text_table(headers, rows),
        ]
        leaves = self.leaf_gradients
        if leaves:
            parts = [f"{name} = {one_line(g)}" for name, g in leaves.items()]
            lines.append(f"Leaf gradients (what backward() adds to .grad): {', '.join(parts)}")
        lines.append(_RULES_NOTE)
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        """The ledger as an HTML table; rows whose gradients hold nan or inf are shown red."""
        headers, rows, starts = self._table()
        caption = (
            f"Chain-rule ledger of {html.escape(self.root)}: {len(self.entries)} op(s) in backward order"
        )
        styles = []
        for entry in self.entries:
            upstream_bad = not _finite(entry.upstream)
            for x in entry.inputs or (None,):
                bad = upstream_bad or (x is not None and not _finite(x.grad))
                styles.append(_BAD_ROW if bad else "")
        table = html_table(headers, rows, caption=caption, group_starts=starts, row_styles=styles)
        note = ""
        if any(styles):
            note = f"<p style='{_BAD_ROW}'>{html.escape(_NON_FINITE_NOTE)}</p>"
        return f"{table}{note}<p><small>{html.escape(_RULES_NOTE)}</small></p>"


_BAD_ROW = "background:#fdd"
_NON_FINITE_NOTE = (
    "Rows in red hold nan or inf: the first of them (in this order) is where the numbers broke; "
    "am.detect_anomaly() names the op that produced them."
)


def _finite(value: Any) -> bool:
    """True for None and for values without nan/inf."""
    if value is None:
        return True
    arr = np.asarray(getattr(value, "_data", value))
    return bool(arr.dtype.kind not in "fc" or np.all(np.isfinite(arr)))


# ---------------------------------------------------------------- building the ledger


def one_line(value: Any) -> str:
    """:func:`format_value` on one line: a matrix's rows side by side (table cells stay whole)."""
    return " ".join(part.strip() for part in format_value(value).splitlines())


class _Namer:
    """Unique labels for the tensors of one ledger: user names first, neutral ones around them.

    A user name (a Tensor's ``name``) is kept; a second, different tensor of the same
    name gets ``name#2``. Neutral names (``v1``, ``leaf1``) skip any label already taken,
    so a tensor the user named ``v1`` and an unnamed result are never confused.
    """

    def __init__(self, taken: set[str]) -> None:
        self.taken = set(taken)  # every user name, reserved before neutral names are made
        self.given: set[str] = set()

    def user(self, name: str) -> str:
        label, k = name, 1
        while label in self.given:
            k += 1
            label = f"{name}#{k}"
        self.given.add(label)
        self.taken.add(label)
        return label

    def neutral(self, prefix: str, counter: list[int]) -> str:
        while True:
            counter[0] += 1
            label = f"{prefix}{counter[0]}"
            if label not in self.taken:
                self.taken.add(label)
                self.given.add(label)
                return label


def _labels(root: Tensor, nodes: Sequence[Node]) -> tuple[dict[Node, str], dict[int, str]]:
    """A label for each node's output and for each leaf that requires grad (by ``id``).

    Tensor names where set, else ``v1, v2 …`` for results in forward order and
    ``leaf1, leaf2 …`` for leaves in the order backward reaches them; all unique.
    """
    named: dict[Node, str] = {}
    if root.grad_fn is not None and root.name:
        named[root.grad_fn] = root.name
    leaves: list[Tensor] = []
    seen_leaves: set[int] = set()
    for node in nodes:
        for x in node.inputs:
            if not isinstance(x, Tensor):
                continue
            if x.grad_fn is not None:
                if x.name:
                    named.setdefault(x.grad_fn, x.name)
            elif x.requires_grad and id(x) not in seen_leaves:
                seen_leaves.add(id(x))
                leaves.append(x)
    namer = _Namer({*named.values(), *(t.name for t in leaves if t.name)})
    labels: dict[Node, str] = {}
    results = [0]
    for node in reversed(nodes):  # forward order
        name = named.get(node)
        labels[node] = namer.user(name) if name else namer.neutral("v", results)
    leaf_labels: dict[int, str] = {}
    counter = [0]
    for t in leaves:
        leaf_labels[id(t)] = namer.user(t.name) if t.name else namer.neutral("leaf", counter)
    return labels, leaf_labels


def _input_label(x: Any, labels: dict[Node, str], leaves: dict[int, str]) -> str:
    if not isinstance(x, Tensor):
        if np.ndim(x) == 0:
            return repr(x.item()) if isinstance(x, np.generic) else repr(x)
        return f"array{np.shape(x)}"
    if x.grad_fn is not None:
        return labels.get(x.grad_fn, "?")
    if x.requires_grad:
        return leaves.get(id(x), x.name or "?")
    if x.name:
        return x.name
    return one_line(x._data) if x.size <= SMALL else f"constant{x.shape}"


def _local(upstream: Any, grad: np.ndarray | None) -> float | None:
    if upstream is None or grad is None or np.size(upstream) != 1 or grad.size != 1:
        return None
    u = float(np.asarray(upstream).reshape(()))
    return None if u == 0.0 else float(grad.reshape(())) / u


# ---------------------------------------------------------------- rules with the row's names

_BAR = "\u0304"  # combining macron: x̄
_OVERLINE = "\u0305"  # combining overline, over every character of a longer name
_EACH = "ᵢ"  # x̄ᵢ: the rule of every input of a variadic op
_WORD = re.compile(r"[A-Za-z\u0391-\u03a9\u03b1-\u03c9_]+")
_SIMPLE_NAME = re.compile(r"[A-Za-z\u0391-\u03a9\u03b1-\u03c9][0-9]*")
_NUMBER = re.compile(r"-?[0-9.]+(e[-+]?[0-9]+)?")


def bar(name: str) -> str:
    """The gradient of ``name`` in the rules' notation: ``x̄``, ``z̄1``, ``l̅o̅s̅s̅``.

    One letter (optionally followed by digits, as in ``z1``) gets a bar over the
    letter; any other name a line over all of it.
    """
    if _SIMPLE_NAME.fullmatch(name):
        return name[0] + _BAR + name[1:]
    return "".join(ch + _OVERLINE for ch in name)


@dataclass(frozen=True)
class _Symbols:
    """What the placeholder symbols of one op's rules stand for."""

    inputs: tuple[str, ...]  # the symbol of input i ("x", "y", "X", "W", "condition" …)
    output: frozenset[str]  # symbols of the output ("y" for one-input ops, "Y" for matmul)
    variadic: bool  # one rule "x̄ᵢ = …" for every input


_SYMBOLS: dict[tuple[str, ...], _Symbols] = {}


def _symbols(rules: tuple[str, ...]) -> _Symbols:
    """Read the symbols off the rules: input i is what rule i's left-hand side bars."""
    cached = _SYMBOLS.get(rules)
    if cached is not None:
        return cached
    inputs = []
    for rule in rules:
        text = unicodedata.normalize("NFD", rule).strip()
        if text.startswith("("):  # "(labels: no gradient)"
            head = text[1:].split(":", 1)[0].strip()
        else:
            head = text.split("=", 1)[0].strip().replace(_BAR, "").replace(_EACH, "")
        inputs.append(head if _WORD.fullmatch(head) else "")
    variadic = len(rules) == 1 and _EACH in rules[0]
    output = set()
    for rule in rules:
        text = unicodedata.normalize("NFD", rule)
        for match in _WORD.finditer(text):
            word = match.group()
            barred = text.startswith(_BAR, match.end())
            if barred and word not in inputs and word != "g":
                output.add(word)  # Ȳ in matmul's rules: the gradient of the output Y
    if "y" not in inputs:
        output.add("y")  # one-input ops: y is the output
    symbols = _Symbols(tuple(inputs), frozenset(output), variadic)
    _SYMBOLS[rules] = symbols
    return symbols


def _as_operand(label: str) -> str:
    """A label as it reads inside a formula: negative numbers in parentheses."""
    return f"({label})" if label.startswith("-") and _NUMBER.fullmatch(label) else label


def named_rule(rule: str, symbols: _Symbols, row: int, names: Sequence[str | None], output: str) -> str:
    """``rule`` of input ``row`` written with the row's names (see the module docstring).

    ``names`` holds the label of each input (``None``: keep the rule's symbol),
    ``output`` the output's label.
    Substitution is simultaneous: a name that equals another symbol is not replaced
    again. A name that equals a word the rule uses for something else (``n`` in
    ``mean``'s rule) is written in quotes, ``‘n’``.
    """
    text = unicodedata.normalize("NFD", rule)
    words = {m.group() for m in _WORD.finditer(text)}
    symbols_used = set(symbols.inputs) | symbols.output | {"g", "i"}
    clashes = {n for n in (*names, output) if n is not None and n in words - symbols_used}

    def shown(name: str) -> str:
        return f"‘{name}’" if name in clashes else _as_operand(name)

    def gradient(name: str) -> str:
        return f"‘{bar(name)}’" if name in clashes else bar(name)

    out: list[str] = []
    pos = 0
    for match in _WORD.finditer(text):
        word, end = match.group(), match.end()
        barred = text.startswith(_BAR, end)
        each = text.startswith(_EACH, end + (1 if barred else 0))
        replacement: str | None = None
        name: str | None = None
        if symbols.variadic and each and word == symbols.inputs[0]:
            name = names[row] if row < len(names) else None
        elif word in symbols.inputs and not symbols.variadic:
            k = symbols.inputs.index(word)
            name = names[k] if k < len(names) else None
        elif barred and (word == "g" or word in symbols.output):
            replacement = gradient(output)
        elif word in symbols.output and not barred:
            replacement = shown(output)
        elif symbols.variadic and word == "i":
            replacement = str(row)
        if name is not None:
            replacement = gradient(name) if barred else shown(name)
        if replacement is None:
            continue
        out.append(text[pos : match.start()])
        out.append(replacement)
        pos = end + (1 if barred else 0) + (len(_EACH) if each else 0)
    out.append(text[pos:])
    return unicodedata.normalize("NFC", "".join(out))


def explain(root: Tensor, gradient: Any = None) -> Ledger:
    """The chain-rule ledger of ``root``: its backward pass, one op per entry.

    Walks the graph in the order ``backward()`` does, after or instead of
    ``backward()`` (a freed graph is replayed), without touching any ``.grad``. Each
    entry shows the op, the upstream gradient ∂root/∂out, and per input its label
    (the tensor's ``name``, else ``v1, v2 ...`` for intermediate results in forward
    order and ``leaf1 ...`` for unnamed leaves), shape, local rule, local derivative
    (scalars) and the gradient passed to it. ``gradient`` seeds a non-scalar root.

    >>> import autograd_mini as am
    >>> x = am.tensor(0.5, requires_grad=True, name="x")
    >>> y = am.tanh(x * 2.0)
    >>> y.name = "y"
    >>> ledger = am.explain(y)
    >>> [entry.op for entry in ledger]
    ['tanh', 'mul']
    >>> round(float(ledger.leaf_gradients["x"]), 6)
    0.839949
    """
    if not isinstance(root, Tensor):
        raise TypeError(f"explain: expected a Tensor, got a {type(root).__name__}")
    if not root.requires_grad:
        raise ValueError(
            "explain: this tensor has no graph (requires_grad=False); compute it from "
            "tensors made with requires_grad=True, outside no_grad()"
        )
    records = trace_backward(root, gradient)
    nodes = [node for node, _, _ in records]
    labels, leaves = _labels(root, nodes)
    entries = []
    for step, (node, upstream, input_grads) in enumerate(records, start=1):
        rules = tuple(getattr(node.op, "rules", ()))
        symbols = _symbols(rules)
        row_labels = [_input_label(x, labels, leaves) for x in node.inputs]
        names = [None if x is None else label for x, label in zip(node.inputs, row_labels)]
        inputs = []
        for i, x in enumerate(node.inputs):
            if x is None:  # an absent optional input (the bias of Linear(bias=False))
                continue
            differentiable = isinstance(x, Tensor) and x.requires_grad
            g = input_grads[i] if differentiable and i < len(input_grads) else None
            grad = None
            if g is not None:
                grad = np.asarray(getattr(g, "_data", g))
                if grad.shape != x.shape:
                    grad = np.asarray(sum_to(grad, shape=x.shape))
            op_rule = rules[0] if symbols.variadic else (rules[i] if i < len(rules) else "")
            if not differentiable:
                rule = op_rule = ""
            elif not op_rule:
                rule = "(see the op's docstring)"
            else:
                rule = named_rule(op_rule, symbols, i, names, labels[node])
            inputs.append(
                LedgerInput(
                    label=row_labels[i],
                    shape=tuple(np.shape(getattr(x, "_data", x))),
                    rule=rule,
                    grad=grad,
                    local=_local(upstream, grad),
                    is_leaf=differentiable and x.grad_fn is None,
                    op_rule=op_rule,
                )
            )
        up = None if upstream is None else np.asarray(getattr(upstream, "_data", upstream))
        out_shape = up.shape if up is not None else ()
        entries.append(LedgerEntry(step, node.name, labels[node], out_shape, up, tuple(inputs)))
    return Ledger(root.name or (labels[root.grad_fn] if root.grad_fn is not None else "out"), entries)


# ---------------------------------------------------------------- the forward-mode ledger

_DOT = "\u0307"  # combining dot above: ẋ, the tangent of x

_FORWARD_NOTE = (
    "Forward mode: each row's value and tangent follow from the rows above it, in evaluation "
    "order; ṅ is the tangent of the tensor named n (its derivative along the input tangents), "
    "inputs are named after f's parameters, v1, v2 … are results in forward order. Rules are "
    "the op table's: an elementwise op's VJP with the tangent for the gradient, a linear op "
    "applied to the tangents, a bilinear op once per tangent, or the op's hand-written JVP."
)


def dot(name: str) -> str:
    """The tangent of ``name`` in the forward ledger's notation: ``ẋ``, ``v̇1``, ``l̇ȯṡṡ``."""
    if _SIMPLE_NAME.fullmatch(name):
        return unicodedata.normalize("NFC", name[0] + _DOT + name[1:])
    return unicodedata.normalize("NFC", "".join(ch + _DOT for ch in name))


@dataclass(frozen=True)
class ForwardEntry:
    """One op of a forward-mode pass: its value and its tangent, from the rows above."""

    step: int
    op: str
    output: str
    shape: tuple[int, ...]
    value: np.ndarray
    tangent: np.ndarray | None
    inputs: tuple[str, ...]
    rule: str


class ForwardLedger:
    """The forward-mode ledger of one function (see :func:`explain_forward`).

    The evaluation trace of Baydin et al. (2018), "Automatic differentiation in machine
    learning: a survey": the primal trace and the tangent trace side by side, one row per
    op in evaluation order (the inputs first, as step 0). Iterate over it for
    :class:`ForwardEntry` records; ``value`` and ``tangent`` give the output's value and
    its tangent ``J v``. ``str(ledger)`` is a text table; notebooks show an HTML table.
    """

    def __init__(self, function: str, entries: Sequence[ForwardEntry], value: Any, tangent: Any) -> None:
        self.function = function
        self.entries = list(entries)
        self.value = value
        self.tangent = tangent

    def __iter__(self) -> Iterator[ForwardEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __getitem__(self, i: int) -> ForwardEntry:
        return self.entries[i]

    def _table(self) -> tuple[list[str], list[list[str]]]:
        headers = ["step", "op", "output", "shape", "value", "tangent rule", "tangent"]
        rows = [
            [
                str(e.step),
                e.op,
                e.output,
                str(e.shape),
                one_line(e.value),
                e.rule,
                "0" if e.tangent is None else one_line(e.tangent),
            ]
            for e in self.entries
        ]
        return headers, rows

    def _title(self) -> str:
        ops = sum(1 for e in self.entries if e.step > 0)
        return (
            f"Forward-mode ledger of {self.function}: {ops} op(s) in evaluation order; each "
            f"row's value and tangent follow from the rows above"
        )

    def __str__(self) -> str:
        headers, rows = self._table()
        return "\n".join(
            [
                self._title(),
                text_table(headers, rows),
                f"Output: {one_line(self.value)}, its tangent J·v: {one_line(self.tangent)}",
                _FORWARD_NOTE,
            ]
        )

    __repr__ = __str__

    def _repr_html_(self) -> str:
        """The ledger as an HTML table; rows whose value or tangent holds nan or inf are red."""
        headers, rows = self._table()
        styles = ["" if _finite(e.value) and _finite(e.tangent) else _BAD_ROW for e in self.entries]
        table = html_table(headers, rows, caption=self._title(), row_styles=styles)
        note = f"<p style='{_BAD_ROW}'>{html.escape(_NON_FINITE_NOTE)}</p>" if any(styles) else ""
        return f"{table}{note}<p><small>{html.escape(_FORWARD_NOTE)}</small></p>"


def _argument_names(f: Any, count: int) -> list[str]:
    try:
        params = [
            p.name
            for p in inspect.signature(f).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):
        params = []
    if len(params) < count:
        return [f"x{i + 1}" for i in range(count)] if count > 1 else ["x"]
    return params[:count]


def _first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0].strip() if (text or "").strip() else ""


def _forward_rule(op: Any, labels: Sequence[str], present: Sequence[bool], out: str) -> str:
    """The tangent rule of one row, written with the row's names (``v̇3 = v̇1 · v2 + v1 · v̇2``)."""
    kind = op.jvp
    lhs = dot(out)
    rules = tuple(getattr(op, "rules", ()))
    symbols = _symbols(rules)
    vjps = getattr(op, "vjps", ())
    nondiff = [bool(vjps) and (i >= len(vjps) or vjps[i] is None) for i in range(len(labels))]
    if kind == "elementwise":
        names: list[str | None] = list(labels)
        terms = []
        for i, has in enumerate(present):
            if not has:
                continue
            if i >= len(rules) or not rules[i]:
                terms.append(f"∂{out}/∂{labels[i]} · {dot(labels[i])}")
                continue
            named = named_rule(rules[i], symbols, i, names, out)
            rhs = named.split(" = ", 1)[1] if " = " in named else named
            rhs = rhs.replace(unicodedata.normalize("NFC", bar(out)), dot(labels[i]))
            if sum(present) > 1:  # several terms: each in its shortest form
                rhs = f"({rhs.split('   (')[0].split(' = ')[-1].strip()})"
            terms.append(rhs)
        return f"{lhs} = {' + '.join(terms)}"
    math = getattr(op, "math", "")
    if kind in ("linear", "bilinear") and math and " = " in math and symbols.inputs:
        rhs_math = math.split(" = ", 1)[1]
        if kind == "linear":
            names = [lab if nondiff[i] else (dot(lab) if present[i] else "0") for i, lab in enumerate(labels)]
            return f"{lhs} = {named_rule(rhs_math, symbols, 0, names, out)}"
        terms = []
        for i, has in enumerate(present):
            if has:
                names = [dot(lab) if k == i else lab for k, lab in enumerate(labels)]
                terms.append(named_rule(rhs_math, symbols, 0, names, out))
        return f"{lhs} = {' + '.join(terms)}"
    if kind in ("linear", "bilinear"):
        if kind == "linear":
            args = [lab if nondiff[i] else (dot(lab) if present[i] else "0") for i, lab in enumerate(labels)]
            return f"{lhs} = {op.name}({', '.join(args)})"
        calls = []
        for i, has in enumerate(present):
            if has:
                args = [dot(lab) if k == i else lab for k, lab in enumerate(labels)]
                calls.append(f"{op.name}({', '.join(args)})")
        return f"{lhs} = {' + '.join(calls)}"
    owner = getattr(kind, "__self__", None)
    user_jvp = getattr(owner, "jvp", None)
    if user_jvp is not None:  # a custom op
        return f"{lhs} = {getattr(user_jvp, '__name__', 'jvp')}(tangents, {out}, inputs)   (user-defined JVP)"
    doc = _first_line(getattr(kind, "__doc__", None))
    if not doc:
        return f"{lhs} = J·ẋ   (the op's hand-written JVP)"
    if len(labels) - sum(nondiff) == 1 and present and present[0]:  # one input: its names
        doc = _one_input_names(doc, labels[0], out)
    return f"{doc}   (written by hand)"


def _one_input_names(doc: str, x: str, y: str) -> str:
    """A hand-written rule's ``x, y, ẋ, ẏ`` replaced by the row's names."""
    text = unicodedata.normalize("NFD", doc)
    marks = {"\x00": dot(x), "\x01": dot(y), "\x02": _as_operand(x), "\x03": _as_operand(y)}
    text = text.replace("x" + _DOT, "\x00").replace("y" + _DOT, "\x01")
    text = re.sub(r"(?<![A-Za-z_])x(?![A-Za-z_])", "\x02", text)
    text = re.sub(r"(?<![A-Za-z_])y(?![A-Za-z_])", "\x03", text)
    for mark, name in marks.items():
        text = text.replace(mark, name)
    return unicodedata.normalize("NFC", text)


def explain_forward(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> ForwardLedger:
    """The forward-mode ledger of ``f`` at ``primals`` along ``tangents``: values and tangents, op by op.

    Forward mode keeps no graph, so this ledger is taken while ``f`` runs (it needs the
    function, like :func:`~autograd_mini.functional.jvp`, not a result as
    :func:`explain`). The pass is recorded once, then the tangents are pushed through
    it op by op and each op's row shows its value, its tangent rule written with the
    row's names, and its tangent: the primal and tangent traces of Baydin et al.,
    "Automatic differentiation in machine learning: a survey" (JMLR 2018). The last
    row's tangent is ``J v``. ``primals`` and ``tangents`` are tuples, one entry per
    argument of ``f`` (named after ``f``'s parameters in the table).

    >>> import autograd_mini as am
    >>> def f(x1, x2):
    ...     return am.log(x1) + x1 * x2 - am.sin(x2)
    >>> ledger = am.explain_forward(f, (2.0, 5.0), (1.0, 0.0))
    >>> [entry.op for entry in ledger]
    ['input', 'input', 'log', 'mul', 'add', 'sin', 'sub']
    >>> print(ledger[3].rule, "=", float(ledger[3].tangent))
    v̇2 = ẋ1 · x2 + x1 · ẋ2 = 5.0
    >>> round(float(ledger.tangent), 6)   # ∂f/∂x1 = 1/x1 + x2
    5.5
    """
    who = "explain_forward"
    if not callable(f):
        raise TypeError(f"{who}: expected a function of Tensors, got {type(f).__name__}")
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError(f"{who}: primals and tangents must be tuples, e.g. {who}(f, (x,), (v,))")
    if len(primals) != len(tangents) or not primals:
        raise ValueError(
            f"{who}: got {len(primals)} primals and {len(tangents)} tangents; give one tangent "
            f"per primal, shaped like it"
        )
    xs = []
    for i, p in enumerate(primals):
        arr = np.array(p._data if isinstance(p, Tensor) else _to_array(p, who=who), copy=True)
        if arr.dtype.kind != "f":
            arr = arr.astype(dtypes.get_default_dtype())
        xs.append(Tensor._wrap(arr))
        if np.shape(tangents[i]) != arr.shape:
            raise ValueError(
                f"{who}: tangent {i} has shape {np.shape(tangents[i])} but primal {i} has shape "
                f"{arr.shape}; a tangent is shaped like its primal"
            )
    names = _argument_names(f, len(xs))
    tape: forward.Tape = []
    with forward.dual_level(tape) as level:
        duals = []
        for x, name in zip(xs, names):
            d = forward.make_dual(x, forward.RECORDED, level)
            d.name = name
            duals.append(d)
        out = f(*duals)
    labels: dict[int, str] = {id(d): name for d, name in zip(duals, names)}
    taken = set(names)
    counter = 0
    for _, _, _, result in tape:
        if result.name and result.name not in taken:
            labels[id(result)] = result.name
        else:
            counter += 1
            while f"v{counter}" in taken:
                counter += 1
            labels[id(result)] = f"v{counter}"
        taken.add(labels[id(result)])
    seeds = {}
    entries = []
    for d, name, t in zip(duals, names, tangents):
        v = np.asarray(t._data if isinstance(t, Tensor) else t, dtype=d.dtype)
        seeds[id(d)] = v
        entries.append(ForwardEntry(0, "input", name, d.shape, d._data, v, (), f"{dot(name)} given"))

    def label(a: Any) -> str:
        if isinstance(a, Tensor):
            if id(a) in labels or a.name:
                return labels.get(id(a)) or str(a.name)
            return one_line(a._data) if a.size <= SMALL else f"constant{a.shape}"
        if a is None:
            return "None"
        if isinstance(a, np.generic):
            return repr(a.item())
        return repr(a) if np.ndim(a) == 0 else f"array{np.shape(a)}"

    def visit(op: Any, args: tuple[Any, ...], _: Any, result: Tensor, ts: list[Any], tangent: Any) -> None:
        arg_labels = [label(a) for a in args]
        rule = _forward_rule(op, arg_labels, [t is not None for t in ts], labels[id(result)])
        value = None if tangent is None else np.asarray(getattr(tangent, "_data", tangent))
        entries.append(
            ForwardEntry(len(entries) - len(duals) + 1, op.name, labels[id(result)], result.shape,
                         result._data, value, tuple(arg_labels), rule)
        )

    pushed = forward.run_tape(tape, seeds, visit)
    value = out._data if isinstance(out, Tensor) else np.asarray(out)
    tangent = pushed.get(id(out)) if isinstance(out, Tensor) else None
    tangent = np.zeros(np.shape(value)) if tangent is None else np.asarray(getattr(tangent, "_data", tangent))
    return ForwardLedger(getattr(f, "__name__", "f"), entries, value, tangent)
