"""The chain-rule ledger: the backward pass written out, one op at a time.

:func:`explain` replays the backward pass of a result (also after ``backward()`` freed
its graph, and without touching any ``.grad``) and records, for every op node in the
order ``backward()`` visits them: the op, the upstream gradient ∂L/∂out arriving at its
output, and for each input its name and shape, the op's local derivative rule and the
gradient passed on to it (summed over broadcast axes). For scalars the local derivative
∂out/∂input is shown as a number too, so each line reads as the hand derivation does:
upstream × local = gradient.

The small table helpers at the bottom are shared with :mod:`autograd_mini.gradcheck`.
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .autograd.engine import trace_backward
from .autograd.node import Node
from .ops.shape import sum_to
from .tables import SMALL, format_value, html_table, text_table
from .tensor import Tensor

__all__ = ["Ledger", "LedgerEntry", "LedgerInput", "explain"]

_RULES_NOTE = (
    "Rules are the op table's: ḡ is the upstream gradient, x and y the op's first and second "
    "inputs (y is the output for one-input ops), x̄ and ȳ the gradients they receive."
)


@dataclass(frozen=True)
class LedgerInput:
    """One input of a ledger entry and the gradient the op passes to it.

    ``grad`` is ``None`` for constants and inputs that receive no gradient; ``local``
    is the local derivative ∂out/∂input when output and input are scalars.
    """

    label: str
    shape: tuple[int, ...]
    rule: str
    grad: np.ndarray | None
    local: float | None
    is_leaf: bool


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
            head = [str(entry.step), entry.op, entry.output, format_value(entry.upstream)]
            inputs = entry.inputs or (LedgerInput("", (), "", None, None, False),)
            for k, x in enumerate(inputs):
                cells = head if k == 0 else ["", "", "", ""]
                local = "" if x.local is None else f"{x.local:.6g}"
                grad = format_value(x.grad) if x.rule else "(constant)"
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
            parts = [f"{name} = {format_value(g)}" for name, g in leaves.items()]
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


def _labels(root: Tensor, nodes: Sequence[Node]) -> dict[Node, str]:
    """A label for each node's output: a tensor name where one is set, else v1, v2 ..."""
    labels: dict[Node, str] = {}
    if root.grad_fn is not None and root.name:
        labels[root.grad_fn] = root.name
    for node in nodes:
        for x in node.inputs:
            if isinstance(x, Tensor) and x.grad_fn is not None and x.name:
                labels.setdefault(x.grad_fn, x.name)
    for k, node in enumerate(reversed(nodes), start=1):  # forward order
        labels.setdefault(node, f"v{k}")
    return labels


def _input_label(x: Any, labels: dict[Node, str], leaves: dict[int, str]) -> str:
    if not isinstance(x, Tensor):
        return repr(x) if np.ndim(x) == 0 else f"array{np.shape(x)}"
    if x.grad_fn is not None:
        return labels.get(x.grad_fn, "?")
    if x.name:
        return x.name
    if x.requires_grad:
        return leaves.setdefault(id(x), f"leaf{len(leaves) + 1}")
    return format_value(x._data) if x.size <= SMALL else f"constant{x.shape}"


def _local(upstream: Any, grad: np.ndarray | None) -> float | None:
    if upstream is None or grad is None or np.size(upstream) != 1 or grad.size != 1:
        return None
    u = float(np.asarray(upstream).reshape(()))
    return None if u == 0.0 else float(grad.reshape(())) / u


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
    labels = _labels(root, nodes)
    leaves: dict[int, str] = {}
    entries = []
    for step, (node, upstream, input_grads) in enumerate(records, start=1):
        rules = node.op.rules
        inputs = []
        for i, x in enumerate(node.inputs):
            differentiable = isinstance(x, Tensor) and x.requires_grad
            g = input_grads[i] if differentiable and i < len(input_grads) else None
            grad = None
            if g is not None:
                grad = np.asarray(getattr(g, "_data", g))
                if grad.shape != x.shape:
                    grad = np.asarray(sum_to(grad, shape=x.shape))
            rule = (rules[i] if i < len(rules) else "(see the op's docstring)") if differentiable else ""
            inputs.append(
                LedgerInput(
                    label=_input_label(x, labels, leaves),
                    shape=tuple(np.shape(getattr(x, "_data", x))),
                    rule=rule,
                    grad=grad,
                    local=_local(upstream, grad),
                    is_leaf=differentiable and x.grad_fn is None,
                )
            )
        up = None if upstream is None else np.asarray(getattr(upstream, "_data", upstream))
        out_shape = up.shape if up is not None else ()
        entries.append(LedgerEntry(step, node.name, labels[node], out_shape, up, tuple(inputs)))
    return Ledger(root.name or (labels[root.grad_fn] if root.grad_fn is not None else "out"), entries)
