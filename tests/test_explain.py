"""The chain-rule ledger: am.explain."""

from __future__ import annotations

import re

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.autograd import topological_order
from autograd_mini.examples.handwritten import d_chain

X, TARGET = 2.0, 1.0


def four_weight_chain(weights=(0.8, 0.6, 0.1, 0.5)):
    """The lecture notes' four-weight chain z1 = x·w1, z2 = z1·w2, z3 = z2·w3, y = z3·w4, J = ½(y - y*)²."""
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


def notes_d_chain(weights=(0.8, 0.6, 0.1, 0.5)):
    return d_chain(*weights)


def entry_for(ledger, output):
    (entry,) = [e for e in ledger if e.output == output]
    return entry


def test_the_ledger_of_the_four_weight_chain_is_the_notes_d_chain():
    loss, _ = four_weight_chain()
    ledger = am.explain(loss)
    notes = notes_d_chain()
    d1, d2, d3, d4 = notes["d"]
    z1, z2, z3 = notes["z"]
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
    # the local derivatives are the notes' factors: ∂y/∂z3 = w4, ∂y/∂w4 = z3
    y_entry = entry_for(ledger, "y")
    assert y_entry.inputs[0].local == pytest.approx(0.5)
    assert y_entry.inputs[1].local == pytest.approx(z3)
    # leaf totals equal the notes' formulas
    totals = ledger.leaf_gradients
    for i, g in enumerate(notes["grads"], 1):
        assert float(totals[f"w{i}"]) == pytest.approx(g, rel=1e-12)


def test_the_printed_ledger_shows_the_d_chain_in_backward_order():
    loss, _ = four_weight_chain()
    text = str(am.explain(loss))
    notes = notes_d_chain()
    d1, d2, d3, d4 = notes["d"]
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
    # the op table's mul rule x̄ = ḡ · y, ȳ = ḡ · x, written with the row's names: the
    # the notes' d3 = d4·w4 (z3's share) and ∂J/∂w4 = d4·z3
    assert "z̄3 = ȳ · w4" in y_line
    w4_line = lines[lines.index(y_line) + 1]
    assert "w4" in w4_line and "w̄4 = ȳ · z3" in w4_line
    assert "x̄" not in text and "ḡ" not in text.split("Rules are")[0]  # no table symbols left


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
    assert tanh_entry.inputs[0].op_rule == "x̄ = ḡ · (1 - tanh(x)²) = ḡ · (1 - y²)"
    assert tanh_entry.inputs[0].rule == "v̄2 = v̄3 · (1 - tanh(v2)²) = v̄3 · (1 - v3²)"
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


# ---------------------------------------------------------------- the rows' own names


def rows(ledger):
    """(op, input label, rule) for every input row of the ledger."""
    return [(e.op, x.label, x.rule) for e in ledger for x in e.inputs]


def test_rules_use_the_users_names_not_the_tables_symbols():
    w = am.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, name="w")
    x = am.tensor([[0.5], [1.5]], requires_grad=True, name="x")
    h = w @ x
    h.name = "h"
    ledger = am.explain(h.sum())
    matmul = ledger[1]
    by_label = {i.label: i for i in matmul.inputs}
    assert by_label["w"].op_rule == "X̄ = Ȳ Wᵀ"  # the table's symbols: the user's w is its X
    assert by_label["w"].rule == "w̄ = h̄ xᵀ"  # ∂L/∂w = ∂L/∂h · xᵀ
    assert by_label["x"].rule == "x̄ = wᵀ h̄"
    # the rule is the right formula: h̄ xᵀ is the gradient the row reports
    np.testing.assert_allclose(by_label["w"].grad, np.ones((2, 1)) @ x.numpy().T)
    np.testing.assert_allclose(by_label["x"].grad, w.numpy().T @ np.ones((2, 1)))


def test_a_users_y_is_not_mistaken_for_the_tables_y():
    # the concepts notebook's example: f = s·y with s = q + r, where the user named a leaf y
    x = am.tensor(2.0, requires_grad=True, name="x")
    y = am.tensor(3.0, requires_grad=True, name="y")
    q = x * y
    q.name = "q"
    r = am.sin(x)
    r.name = "r"
    s = q + r
    s.name = "s"
    f = s * y
    f.name = "f"
    got = rows(am.explain(f))
    assert ("mul", "s", "s̄ = f̄ · y") in got
    assert ("mul", "y", "ȳ = f̄ · s") in got  # the table's "ȳ = ḡ · x" would say x here
    assert ("sin", "x", "x̄ = r̄ · cos(x)") in got
    assert ("add", "q", "q̄ = s̄") in got
    assert ("mul", "x", "x̄ = q̄ · y") in got and ("mul", "y", "ȳ = q̄ · x") in got


def test_one_input_ops_name_their_output_and_constants_show_their_values():
    x = am.tensor(0.5, requires_grad=True, name="x")
    t = am.tanh(x)
    t.name = "t"
    loss = (t - 1.0) ** 2
    got = rows(am.explain(loss))
    assert ("tanh", "x", "x̄ = t̄ · (1 - tanh(x)²) = t̄ · (1 - t²)") in got  # y was the output
    sub = [r for r in got if r[0] == "sub"]
    assert sub[0] == ("sub", "t", "t̄ = v̄1") and sub[1][1] == "1.0"
    pow_rule = next(r for r in got if r[0] == "pow" and r[1] == "v1")[2]
    assert pow_rule.startswith("v̄1 = v̄2 · 2 · v1^(2-1)")  # the constant exponent by value
    neg = rows(am.explain(am.tensor(2.0, requires_grad=True, name="a") ** -1.0))
    assert neg[0][2].startswith("ā = v̄1 · (-1.0) · a^((-1.0)-1)")


def test_neutral_names_never_collide_with_user_names():
    a = am.tensor(1.0, requires_grad=True, name="v1")  # a user name that looks neutral
    b = am.tensor(2.0, requires_grad=True)
    c = am.tensor(3.0, requires_grad=True, name="leaf1")
    out = am.exp(a * b) * c
    ledger = am.explain(out)
    outputs = [e.output for e in ledger]
    assert "v1" not in outputs and sorted(outputs) == ["v2", "v3", "v4"]
    labels = {x.label for e in ledger for x in e.inputs}
    assert {"v1", "leaf1", "leaf2"} <= labels  # b is leaf2: leaf1 is the user's
    mul = ledger[-1]
    assert [(x.label, x.rule) for x in mul.inputs] == [
        ("v1", "v̄1 = v̄2 · leaf2"),
        ("leaf2", "l̅e̅a̅f̅2̅ = v̄2 · v1"),
    ]
    totals = ledger.leaf_gradients
    assert float(totals["v1"]) == pytest.approx(2.0 * np.exp(2.0) * 3.0)
    assert float(totals["leaf2"]) == pytest.approx(np.exp(2.0) * 3.0)
    assert float(totals["leaf1"]) == pytest.approx(np.exp(2.0))


def test_two_tensors_with_one_name_get_two_labels():
    # every Linear names its parameters "weight" and "bias"
    model = am.nn.Sequential(am.nn.Linear(2, 3, seed=0), am.nn.Tanh(), am.nn.Linear(3, 1, seed=1))
    loss = model(am.tensor(np.ones((4, 2)))).sum()
    ledger = am.explain(loss)
    totals = ledger.leaf_gradients
    assert sorted(totals) == ["bias", "bias#2", "weight", "weight#2"]
    loss.backward()
    # backward order: the last layer comes first and keeps the plain names
    np.testing.assert_allclose(totals["weight"], model[2].weight.grad.numpy())
    np.testing.assert_allclose(totals["weight#2"], model[0].weight.grad.numpy())
    np.testing.assert_allclose(totals["bias#2"], model[0].bias.grad.numpy())
    rule = next(x.rule for e in ledger for x in e.inputs if x.label == "weight#2")
    assert rule.startswith("w̅e̅i̅g̅h̅t̅#̅2̅ = ")


def test_a_name_equal_to_a_word_of_the_rule_is_quoted():
    n = am.tensor([1.0, 2.0, 3.0], requires_grad=True, name="n")
    m = n.mean()
    m.name = "m"
    (entry,) = am.explain(m)
    assert entry.inputs[0].op_rule.startswith("x̄ = ḡ / n")  # n: the count of averaged values
    assert entry.inputs[0].rule.startswith("‘n̄’ = m̄ / n ")


def test_variadic_rules_name_each_input_and_its_position():
    p, q = (am.tensor(1.0, requires_grad=True, name=k) for k in "pq")
    s = am.stack([p, q])
    s.name = "s"
    got = rows(am.explain(s.sum()))
    assert ("stack", "p", "p̄ = s̄[..., 0, ...] (index 0 along the new axis)") in got
    assert ("stack", "q", "q̄ = s̄[..., 1, ...] (index 1 along the new axis)") in got


def test_a_missing_bias_is_no_input_row():
    layer = am.nn.Linear(3, 2, bias=False, seed=0)
    loss = layer(am.tensor(np.ones((4, 3)), name="x")).sum()
    linear = next(e for e in am.explain(loss) if e.op == "linear")
    assert [x.label for x in linear.inputs] == ["x", "weight"]
    assert "None" not in str(am.explain(loss))


def test_matrix_cells_stay_on_one_line_in_text_and_html():
    w = am.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, name="w")
    x = am.tensor([[0.5, 1.0], [1.5, 2.0]], requires_grad=True, name="x")
    h = w @ x
    h.name = "h"
    ledger = am.explain(h, gradient=np.array([[1.0, 0.0], [0.0, 2.0]]))
    text = str(ledger)
    lines = text.splitlines()
    table = lines[1 : 1 + 2 + 2]  # header, rule, one row per input of the one entry
    assert len(lines) == 1 + 4 + 2  # title, table, leaf gradients, note: no wrapped cells
    assert "[[1, 0], [0, 2]]" in table[2]  # the upstream matrix on the step's first row
    width = len(table[1])  # the dashed rule spans every column
    starts = [m.start() for m in re.finditer(r"-+", table[1])]
    for line in table[2:]:
        assert len(line) <= width + 2  # a cell of the last column may end with a bar
        for col in starts[4:6]:  # the input and shape columns start where the header says
            assert line[col - 2 : col] == "  " and line[col] != " "
    html = ledger._repr_html_()
    cells = re.findall(r"<td>(.*?)</td>", html, flags=re.S)
    assert cells and all("\n" not in c for c in cells)
    assert "[[1, 0], [0, 2]]" in cells
