"""The table of derivative rules, generated from the op registry (``docs/derivatives.md``).

Run ``python -m autograd_mini.ops.table > docs/derivatives.md`` after adding an op; a
test fails while the file is out of date or an op has no row.
"""

from __future__ import annotations

from .registry import REGISTRY

# the forward of each op in math; the VJP column comes from the op's own ``rules``
FORWARD = {
    "neg": "y = -x",
    "exp": "y = eˣ",
    "log": "y = ln x",
    "sqrt": "y = √x",
    "abs": "y = |x|",
    "sin": "y = sin x",
    "cos": "y = cos x",
    "tanh": "y = tanh x",
    "sigmoid": "y = 1 / (1 + e⁻ˣ)",
    "relu": "y = max(x, 0)",
    "leaky_relu": "y = x if x > 0 else slope·x",
    "elu": "y = x if x > 0 else α(eˣ - 1)",
    "softplus": "y = log(1 + eˣ)",
    "clip": "y = min(max(x, lo), hi)",
    "astype": "y = x cast to dtype",
    "add": "out = x + y",
    "sub": "out = x - y",
    "mul": "out = x · y",
    "div": "out = x / y",
    "pow": "out = x^y",
    "maximum": "out = max(x, y)",
    "minimum": "out = min(x, y)",
    "where": "out = x if condition else y",
    "sum": "y = Σ_axis x",
    "mean": "y = (1/n) Σ_axis x",
    "std": "y = √(Σ_axis (x - mean)² / (n - ddof))",
    "max": "y = max_axis x",
    "min": "y = min_axis x",
    "logsumexp": "y = log Σ_axis eˣ",
    "softmax": "y = eˣ / Σ_axis eˣ",
    "log_softmax": "y = x - log Σ_axis eˣ",
    "reshape": "y = x in a new shape",
    "expand_dims": "y = x with a new axis of size 1",
    "squeeze": "y = x without its size-1 axes",
    "transpose": "y = x with permuted axes",
    "broadcast_to": "y = x repeated along broadcast axes",
    "sum_to": "y = x summed down to a shape (undoes broadcasting)",
    "getitem": "y = x[index]",
    "index_add": "y = zeros(shape) with x added at [index]",
    "concatenate": "y = [x₁, x₂, …] joined along an axis",
    "stack": "y = [x₁, x₂, …] stacked along a new axis",
    "matmul": "Y = X W",
    "linear": "Y = X Wᵀ + b",
    "sum_squares": "y = Σᵢ Σ xᵢ² (an L2 penalty as one node)",
    "softmax_cross_entropy": "L = mean_n (log Σ_c e^{z_nc} - z_{n,labelₙ})",
}

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
        forward = FORWARD.get(name, "").replace("|", "\\|")
        rows.append(f"| `{name}` | {forward} | {vjps} | {', '.join(reads) or '-'} |")
    return _HEADER + "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
