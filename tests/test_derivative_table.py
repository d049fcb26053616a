"""docs/derivatives.md lists every registered op, with its forward and its VJPs."""

from __future__ import annotations

from pathlib import Path

from autograd_mini.ops import REGISTRY
from autograd_mini.ops.table import markdown

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
