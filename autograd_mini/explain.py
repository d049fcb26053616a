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
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .core.engine import trace_backward
from .core.node import Node
from .ops.shape import sum_to
from .tables import SMALL, format_value, html_table, text_table
from .tensor import Tensor

__all__ = ["Ledger", "LedgerEntry", "LedgerInput", "explain"]

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
        headers, rows, starts = self._table()
        caption = (
            f"Chain-rule ledger of {html.escape(self.root)}: {len(self.entries)} op(s) in backward order"
        )
        table = html_table(headers, rows, caption=caption, group_starts=starts)
        return f"{table}<p><small>{html.escape(_RULES_NOTE)}</small></p>"


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
