"""The table of derivative rules, generated from the op registry (``docs/derivatives.md``).

Run ``python -m autograd_mini.ops.table > docs/derivatives.md`` after adding an op; a
test fails while the file is out of date or an op has no row.

The forward-mode column is written from each entry's ``jvp`` kind: an elementwise op's VJP
rules with the tangent in place of ḡ, a linear op applied to the tangents, a bilinear op
once per tangent, or the first paragraph of a hand-written rule's docstring (its math).
"""

from __future__ import annotations

import inspect
import re
import unicodedata

from ..core.op import Op
from .registry import REGISTRY

_HEADER = """# Derivative rules

One row per differentiable op of the engine's table: its forward, the vector-Jacobian
product (VJP) for each input and the Jacobian-vector product (JVP, forward mode). ḡ is the
upstream gradient (∂L/∂ of the op's output), x̄ and ȳ the gradients sent to the inputs x and
y. In the rules of one-input ops, y is the output. Rules are written as if shapes matched;
the engine sums each gradient over broadcast axes once. Each rule is written once, with the
library's own ops, and serves both first-order and higher-order (`create_graph=True`)
backward.

The JVP column gives the output's tangent from the inputs' tangents: ẋ is the tangent of the
input x (for a longer name a dot over its last letter, as the bar of its gradient: `ouṫ`,
`starṫ`), ẏ that of the output. How each op gets it:

- *elementwise*: every input's Jacobian is diagonal, so the tangent is the sum of the VJPs
  with each input's tangent in place of ḡ (the elementwise derivative times the tangent); the
  formula shown is those VJP rules rewritten that way.
- *linear*: the op applied to the tangents (with its other parameters unchanged; inputs
  without a gradient keep their values).
- *bilinear*: the sum, over the inputs, of the op with that input replaced by its tangent.
- *hand-written*: a rule of its own, tied to the VJP by a dot-product test
  (⟨ȳ, J ẋ⟩ = ⟨Jᵀ ȳ, ẋ⟩).

Generated from the op registry by `python -m autograd_mini.ops.table`.

| op | forward | VJP per input | JVP (forward mode) | reads |
|---|---|---|---|---|
"""

_BAR = "\u0304\u0305"  # a combining macron or overline marks a gradient: x̄, value̅
_DOT = "\u0307"  # a combining dot above marks a tangent: ẋ
_GRADIENT_RULE = re.compile(rf"^(?P<name>[^\s{_BAR}]+)[{_BAR}](?P<sub>\S*) = (?P<body>.*)$")
_NO_GRADIENT = re.compile(r"^\((?P<name>\w+): no gradient\)$")
_OUTPUT = re.compile(r"^(?P<name>[A-Za-zα-ωΑ-Ωℓ]+)")  # y, out, Y, ℓ (no subscript: yₖ -> y)


def _dotted(name: str, sub: str = "") -> str:
    """The tangent's symbol: a dot over the name's last letter (``x`` -> ``ẋ``)."""
    return name + _DOT + sub


def _inputs(op: Op) -> list[tuple[str, bool]]:
    """Each input's symbol (as its rule names it, without a subscript) and whether it is
    differentiated."""
    found = []
    for rule in _rules(op):
        first = rule.split("<br>")[0]
        no_gradient = _NO_GRADIENT.match(first)
        gradient = _GRADIENT_RULE.match(first)
        if no_gradient:
            found.append((no_gradient["name"], False))
        elif gradient:
            found.append((gradient["name"], True))
        else:
            raise ValueError(f"{op.name}: rule {rule!r} does not start with 'x̄ = ' or '(x: no gradient)'")
    return found


def _output(op: Op) -> str:
    """The output's tangent symbol, from the forward's math (``y = eˣ`` -> ``ẏ``)."""
    found = _OUTPUT.match(op.math)
    if found is None:
        raise ValueError(f"{op.name}: its math {op.math!r} does not start with the output's name")
    return _dotted(found["name"])


def _elementwise(op: Op) -> str:
    """Each VJP rule with the input's tangent for ḡ, summed over the inputs."""
    terms = []
    for rule in _rules(op):
        lines = []
        for line in rule.split("<br>"):
            found = _GRADIENT_RULE.match(line)
            if found is None:
                raise ValueError(f"{op.name}: elementwise rule {line!r} does not start with 'x̄ = '")
            lines.append(found["body"].replace("g\u0304", _dotted(found["name"], found["sub"])))
        terms.append(lines)
    out = _output(op)
    if len(terms) == 1:  # one input: each line is a complete formula (gelu has two forms)
        return "<br>".join(f"{out} = {line}" for line in terms[0])
    # several inputs: one term per line, in parentheses where the rule is a chain of equalities
    parts = [f"({t})" if " = " in _outside_parentheses(t) else t for lines in terms for t in lines]
    rest = "".join(f"<br>- {t[1:]}" if t.startswith("-") else f"<br>+ {t}" for t in parts[1:])
    return f"{out} = {parts[0]}{rest}"


def _outside_parentheses(text: str) -> str:
    """``text`` without its parenthesised parts (the notes such as "(0 at x = y = 0)")."""
    kept, depth = [], 0
    for ch in text:
        depth += ch == "("
        if depth == 0:
            kept.append(ch)
        depth -= ch == ")" and depth > 0
    return "".join(kept)


def _linear(op: Op) -> str:
    if op.vjp_all is not None:  # variadic: concatenate, stack
        return f"{_output(op)} = {op.name}(ẋ₁, ẋ₂, …)"
    args = [_dotted(name) if differentiated else name for name, differentiated in _inputs(op)]
    return f"{_output(op)} = {op.name}({', '.join(args)})"


def _bilinear(op: Op) -> str:
    inputs = _inputs(op)
    terms = []
    for i, (_, differentiated) in enumerate(inputs):
        if not differentiated:
            continue
        args = [_dotted(n) if j == i else n for j, (n, _) in enumerate(inputs)]
        terms.append(f"{op.name}({', '.join(args)})")
    return f"{_output(op)} = {' + '.join(terms)}"


def _hand_written(op: Op) -> str:
    doc = inspect.getdoc(op.jvp)
    if not doc:
        raise ValueError(
            f"{op.name}: its hand-written JVP {getattr(op.jvp, '__qualname__', op.jvp)!r} has no "
            f"docstring; its first line must state the rule in math (e.g. 'ẏ = y ⊙ ẋ')"
        )
    return " ".join(doc.split("\n\n")[0].split())  # the first paragraph, on one line


def jvp_text(op: Op) -> str:
    """The JVP column of one op's row: how its forward-mode rule is obtained, in math.

    >>> from autograd_mini.ops import REGISTRY
    >>> jvp_text(REGISTRY["exp"])
    '*elementwise*: ẏ = ẋ · exp(x) = ẋ · y'
    >>> jvp_text(REGISTRY["matmul"])
    '*bilinear*: Ẏ = matmul(Ẋ, W) + matmul(X, Ẇ)'
    """
    if op.jvp is None:
        text = "no forward-mode rule"
    elif op.jvp == "elementwise":
        text = f"*elementwise*: {_elementwise(op)}"
    elif op.jvp == "linear":
        text = f"*linear*: {_linear(op)}"
    elif op.jvp == "bilinear":
        text = f"*bilinear*: {_bilinear(op)}"
    elif callable(op.jvp):
        text = f"*hand-written*: {_hand_written(op)}"
    else:
        raise ValueError(f"{op.name}: unknown jvp kind {op.jvp!r}")
    return unicodedata.normalize("NFC", text)  # ẋ as one character where Unicode has one


def _rules(op: Op) -> list[str]:
    """The rule texts with every barred letter as letter + combining bar (ȳ -> y + U+0304)."""
    return [unicodedata.normalize("NFD", rule) for rule in op.rules]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown() -> str:
    """The whole ``docs/derivatives.md`` text."""
    rows = []
    for name, op in REGISTRY.items():
        reads = [w for w, used in (("inputs", op.save_inputs), ("output", op.save_output)) if used]
        vjps = "<br>".join(_cell(r) for r in op.rules)
        rows.append(
            f"| `{name}` | {_cell(op.math)} | {vjps} | {_cell(jvp_text(op))} | {', '.join(reads) or '-'} |"
        )
    return _HEADER + "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
