"""The table of derivative rules, generated from the op registry (``docs/derivatives.md``).

Run ``python -m autograd_mini.ops.table > docs/derivatives.md`` after adding an op; a
test fails while the file is out of date or an op has no row.
"""

from __future__ import annotations

from .registry import REGISTRY

_HEADER = """# Derivative rules

One row per differentiable op of the engine's table: its forward and the
vector-Jacobian product (VJP) for each input. ḡ is the upstream gradient (∂L/∂ of the
op's output), x̄ and ȳ the gradients sent to the inputs x and y. In the rules of
one-input ops, y is the output. Rules are written as if shapes matched; the engine sums each
gradient over broadcast axes once. Each rule is written once, with the library's own
ops, and serves both first-order and higher-order (`create_graph=True`) backward.

Generated from the op registry by `python -m autograd_mini.ops.table`.

| op | forward | VJP per input | reads |
|---|---|---|---|
"""


def markdown() -> str:
    """The whole ``docs/derivatives.md`` text."""
    rows = []
    for name, op in REGISTRY.items():
        reads = [w for w, used in (("inputs", op.save_inputs), ("output", op.save_output)) if used]
        vjps = "<br>".join(r.replace("|", "\\|") for r in op.rules)
        forward = op.math.replace("|", "\\|")
        rows.append(f"| `{name}` | {forward} | {vjps} | {', '.join(reads) or '-'} |")
    return _HEADER + "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
