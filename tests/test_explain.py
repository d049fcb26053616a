"""The chain-rule ledger: am.explain."""

from __future__ import annotations

import numpy as np
import pytest
from seed_chain import d_chain

import autograd_mini as am
from autograd_mini.autograd import topological_order

X, TARGET = 2.0, 1.0


def four_weight_chain(weights=(0.8, 0.6, 0.1, 0.5)):
    """The seeds' chain z1 = x·w1, z2 = z1·w2, z3 = z2·w3, y = z3·w4, J = ½(y - y*)²."""
    w1, w2, w3, w4 = (am.tensor(v, requires_grad=True, name=f"w{i}") for i, v in enumerate(weights, 1))
    z1 = X * w1
    z1.name = "z1"
    z2 = z1 * w2
    z2.name = "z2"
    z3 = z2 * w3
    z3.name = "z3"
    y = z3 * w4
    y.name = "y"
    loss = 0.5 * (y - TARGET) ** 2
    loss.name = "J"
    return loss, (w1, w2, w3, w4)


def seed_d_chain(weights=(0.8, 0.6, 0.1, 0.5)):
    return d_chain(*weights)


def entry_for(ledger, output):
    (entry,) = [e for e in ledger if e.output == output]
    return entry


def test_the_ledger_of_the_four_weight_chain_is_the_seeds_d_chain():
    loss, _ = four_weight_chain()
    ledger = am.explain(loss)
    seed = seed_d_chain()
    d1, d2, d3, d4 = seed["d"]
    z1, z2, z3 = seed["z"]
    # y = z3·w4 receives d4 = y - y*, passes d3 = d4·w4 to z3 and d4·z3 to w4
    for output, upstream, (inner, to_inner), (weight, to_weight) in [
        ("y", d4, ("z3", d3), ("w4", d4 * z3)),
        ("z3", d3, ("z2", d2), ("w3", d3 * z2)),
        ("z2", d2, ("z1", d1), ("w2", d2 * z1)),
    ]:
        entry = entry_for(ledger, output)
        assert entry.op == "mul"
        assert float(entry.upstream) == pytest.approx(upstream)
        by_label = {x.label: x for x in entry.inputs}
        assert float(by_label[inner].grad) == pytest.approx(to_inner)
        assert float(by_label[weight].grad) == pytest.approx(to_weight)
    z1_entry = entry_for(ledger, "z1")
    assert float(z1_entry.upstream) == pytest.approx(d1)
    assert float(z1_entry.inputs[1].grad) == pytest.approx(d1 * X)  # dJ/dw1 = d1·x
    # the local derivatives are the seed's factors: ∂y/∂z3 = w4, ∂y/∂w4 = z3
    y_entry = entry_for(ledger, "y")
    assert y_entry.inputs[0].local == pytest.approx(0.5)
    assert y_entry.inputs[1].local == pytest.approx(z3)
    # leaf totals equal the seed's formulas
    totals = ledger.leaf_gradients
    for i, g in enumerate(seed["grads"], 1):
        assert float(totals[f"w{i}"]) == pytest.approx(g, rel=1e-12)


def test_the_printed_ledger_shows_the_d_chain_in_backward_order():
    loss, _ = four_weight_chain()
    text = str(am.explain(loss))
    seed = seed_d_chain()
    d1, d2, d3, d4 = seed["d"]
    lines = text.splitlines()
    assert lines[0].startswith("Chain-rule ledger of J: 7 op(s) in backward order")
    for column in ("step", "op", "output", "upstream ∂J/∂out", "input", "local rule", "gradient ∂J/∂input"):
        assert column in lines[1]
    # the upstream gradients appear in backward order: d4 (at y), d3, d2, d1
    positions = [text.index(f"{value:.6g}") for value in (d4, d3, d2, d1)]
    assert positions == sorted(positions)
    y_line = next(line for line in lines if line.split()[1:3] == ["mul", "y"])
    assert f"{d4:.6g}" in y_line and "z3" in y_line
    assert "Leaf gradients (what backward() adds to .grad): w4 = -0.091392" in text
    assert "x̄ = ḡ · y" in text  # the op table's local rule for mul


def test_explain_follows_backward_order_and_does_not_touch_grad():
    loss, weights = four_weight_chain()
    ledger = am.explain(loss)
    assert [e.op for e in ledger] == [n.name for n in topological_order(loss)]
    assert [e.step for e in ledger] == list(range(1, 8))
    assert all(w.grad is None for w in weights)


def test_explain_after_backward_replays_the_freed_graph():
    loss, weights = four_weight_chain()
    loss.backward()
    grads = [float(w.grad) for w in weights]
    ledger = am.explain(loss)
    assert [float(ledger.leaf_gradients[f"w{i}"]) for i in range(1, 5)] == pytest.approx(grads)
    assert [float(w.grad) for w in weights] == grads  # unchanged


def test_rules_values_and_summaries_for_tensors(rng):
    a = am.tensor(rng.normal(size=(3, 4)), requires_grad=True)
    b = am.tensor(rng.normal(size=4), requires_grad=True, name="b")
    out = am.tanh(a * b + 1.0).sum()
    ledger = am.explain(out)
    assert [e.op for e in ledger] == ["sum", "tanh", "add", "mul"]
    tanh_entry = ledger[1]
    assert tanh_entry.inputs[0].rule == "x̄ = ḡ · (1 - tanh(x)²) = ḡ · (1 - y²)"
    mul_entry = ledger[3]
    labels = [x.label for x in mul_entry.inputs]
    assert labels == ["leaf1", "b"]
    # b's gradient is summed over the broadcast axis
    assert mul_entry.inputs[1].grad.shape == (4,)
    a.grad = None
    out.backward()
    np.testing.assert_allclose(mul_entry.inputs[1].grad, b.grad.numpy())
    np.testing.assert_allclose(mul_entry.inputs[0].grad, a.grad.numpy())
    text = str(ledger)
    assert "shape (3, 4): min" in text  # a summary for 12 values
    assert "[" in text  # b's 4 values in full
    assert "(constant)" in text  # the constant 1.0 gets no gradient
    assert mul_entry.inputs[0].local is None  # no scalar local derivative for tensors


def test_unnamed_intermediates_are_numbered_in_forward_order():
    x = am.tensor(0.5, requires_grad=True, name="x")
    ledger = am.explain(am.exp(am.sin(x)))
    assert [(e.op, e.output) for e in ledger] == [("exp", "v2"), ("sin", "v1")]
    assert ledger.root == "v2"
    assert float(ledger.leaf_gradients["x"]) == pytest.approx(np.exp(np.sin(0.5)) * np.cos(0.5))


def test_a_non_scalar_root_takes_a_gradient_seed():
    x = am.tensor([1.0, 2.0], requires_grad=True, name="x")
    ledger = am.explain(x * x, gradient=np.array([1.0, 10.0]))
    np.testing.assert_allclose(ledger.leaf_gradients["x"], [2.0, 40.0])


def test_html_and_errors():
    loss, _ = four_weight_chain()
    html = am.explain(loss)._repr_html_()
    assert html.startswith("<table>") and "<th>local rule</th>" in html and "w4" in html
    assert "border-top" in html  # entries are separated
    with pytest.raises(TypeError, match="explain: expected a Tensor"):
        am.explain(3.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no graph"):
        am.explain(am.tensor(1.0))
    leaf = am.tensor(1.0, requires_grad=True, name="w")
    assert len(am.explain(leaf)) == 0
    assert "no ops" in str(am.explain(leaf))


def test_text_columns_align_when_cells_hold_combining_bars():
    from autograd_mini.tables import _width, text_table

    table = text_table(["rule", "n"], [["x̄ = ḡ · y", "1"], ["plain text here", "2"]])
    first, second = table.splitlines()[2:]
    # the second column starts at the same screen column in both rows (x̄ is 2 code points)
    assert _width(first[: first.index("1")]) == _width(second[: second.index("2")])
    assert len(first[: first.index("1")]) == len(second[: second.index("2")]) + 1
