"""docs/derivatives.md lists every registered op, with its forward and its VJPs."""

from __future__ import annotations

import inspect
import unicodedata
from pathlib import Path

import pytest

from autograd_mini.core.op import Op
from autograd_mini.ops import REGISTRY
from autograd_mini.ops.table import jvp_text, markdown

DOC = Path(__file__).resolve().parent.parent / "docs" / "derivatives.md"


def test_every_op_has_a_forward_and_a_rule_per_input():
    for name, op in REGISTRY.items():
        assert op.math, f"{name} has no forward math text in its entry"
        assert op.rules, f"{name} has no derivative rule text"
        if op.vjp_all is None:
            assert len(op.rules) == len(op.vjps), f"{name}: one rule string per input"


def test_doc_has_a_row_per_op_and_is_up_to_date():
    text = DOC.read_text(encoding="utf-8")
    for name in REGISTRY:
        assert f"| `{name}` |" in text, f"docs/derivatives.md has no row for {name}"
    assert text == markdown(), "regenerate: python -m autograd_mini.ops.table > docs/derivatives.md"


# --------------------------------------------------------------------------- the JVP column


def _row(name: str) -> list[str]:
    """The cells of ``name``'s row in docs/derivatives.md."""
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith(f"| `{name}` |"):
            return [cell.strip() for cell in line.strip("|").split(" | ")]
    raise AssertionError(f"docs/derivatives.md has no row for {name}")


def test_header_has_a_jvp_column():
    text = DOC.read_text(encoding="utf-8")
    assert "| op | forward | VJP per input | JVP (forward mode) | reads |" in text
    assert all(len(_row(name)) == 5 for name in REGISTRY), "every row has five cells"


# Written by hand from the math: one op per kind of forward-mode rule.
EXPECTED_JVP = {
    # elementwise, one input: the VJP x̄ = ḡ · exp(x) with ẋ for ḡ
    "exp": "*elementwise*: ẏ = ẋ · exp(x) = ẋ · y",
    # elementwise, two inputs: x̄ = ḡ / y and ȳ = -ḡ · x / y², each with its tangent, summed
    "div": "*elementwise*: ouṫ = ẋ / y<br>- ẏ · x / y²",
    # elementwise with a subgradient note kept
    "relu": "*elementwise*: ẏ = ẋ · [x > 0]   (relu'(0) = 0)",
    # linear, a non-differentiable input keeps its value
    "where": "*linear*: ouṫ = where(condition, ẋ, ẏ)",
    "reshape": "*linear*: ẏ = reshape(ẋ)",
    "concatenate": "*linear*: ẏ = concatenate(ẋ₁, ẋ₂, …)",
    # bilinear: one tangent at a time
    "mul": "*bilinear*: ouṫ = mul(ẋ, y) + mul(x, ẏ)",
    "matmul": "*bilinear*: Ẏ = matmul(Ẋ, W) + matmul(X, Ẇ)",
    # hand-written: the first line of the rule's docstring
    "softmax": "*hand-written*: ẏ = y ⊙ (ẋ - Σ_axis ẋ ⊙ y)",
    "inv": "*hand-written*: Ẏ = -Y Ȧ Y (Y = A⁻¹)",
    "det": "*hand-written*: ẏ = det(A) · tr(A⁻¹ Ȧ) (A invertible)",
    "softmax_cross_entropy": "*hand-written*: L̇ = Σ (softmax(z) - onehot(labels)) ⊙ ż / N (N for the mean)",
}


def test_jvp_column_of_some_ops_by_hand():
    for name, expected in EXPECTED_JVP.items():
        assert jvp_text(REGISTRY[name]) == expected, name
        assert _row(name)[3] == expected, f"docs/derivatives.md, row {name}"


def test_every_hand_written_jvp_states_its_rule_in_math():
    """Each callable JVP has a docstring whose first paragraph is an equation for the tangent."""
    hand_written = [op for op in REGISTRY.values() if callable(op.jvp)]
    assert len(hand_written) >= 20
    for op in hand_written:
        doc = inspect.getdoc(op.jvp)
        assert doc, f"{op.name}: its JVP has no docstring"
        first = doc.split("\n\n")[0]
        lhs = first.split(" = ")[0]
        # a dotted symbol (ẏ, Ẏ, L̇, ẇ ...) on the left: U+0307 once decomposed
        dotted = "\u0307" in unicodedata.normalize("NFD", lhs)
        assert " = " in first and dotted, f"{op.name}: {first!r} is not 'ẏ = ...'"
        assert jvp_text(op) == unicodedata.normalize("NFC", "*hand-written*: " + " ".join(first.split()))


def test_kinds_without_a_formula_are_said_so_and_a_missing_docstring_names_the_op():
    def forward(x):
        return x

    def undocumented(tangents, ans, x):
        return tangents[0]

    bare = Op("bare_test_op", forward, [lambda g, ans, x: g], rules=["x̄ = ḡ"], math="y = x", register=False)
    assert jvp_text(bare) == "no forward-mode rule"
    odd = Op(
        "odd_test_op",
        forward,
        [lambda g, ans, x: g],
        rules=["x̄ = ḡ"],
        math="y = x",
        jvp=undocumented,
        register=False,
    )
    with pytest.raises(ValueError, match=r"odd_test_op.*undocumented.*no docstring"):
        jvp_text(odd)
