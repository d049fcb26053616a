"""am.viz DOT text: vertices, edges, labels, gradients, gradient flow, scalar mode, collapse."""

from __future__ import annotations

import html
import re

import numpy as np
import pytest
from viz_helpers import attr, edges, kind, nodes

import autograd_mini as am
from autograd_mini.viz.labels import format_values


def single_weight_graph(backward: bool = True) -> tuple[am.Tensor, am.Tensor]:
    """The lecture notes' single-weight example: y = w·2, J = ½(y - 1)², w = 0.95."""
    w = am.tensor(0.95, requires_grad=True, name="w")
    y = w * 2.0
    y.name = "y"
    loss = 0.5 * (y - 1.0) ** 2
    loss.name = "J"
    if backward:
        loss.backward()
    return w, loss


def readme_graph() -> tuple[am.Tensor, am.Tensor, am.Tensor]:
    x = am.tensor([1.0, 2.0, 3.0], requires_grad=True, name="x")
    w = am.tensor([[0.5], [-1.0], [0.25]], requires_grad=True, name="w")
    loss = (am.tanh(x @ w) ** 2).sum()
    loss.backward()
    return x, w, loss


def label_of(dot: str, name: str) -> str:
    """The label of the one tensor vertex whose bold title is ``name``."""
    found = [a for a in nodes(dot).values() if f"<B>{name}</B>" in a]
    assert len(found) == 1, f"{len(found)} vertices titled {name!r}"
    return found[0]


def grad_row(label: str) -> str:
    m = re.search(r">grad</FONT></TD><TD[^>]*>(.*?)</TD></TR>", label)
    assert m is not None, "no grad row"
    return re.sub(r"<[^>]+>", " ", m.group(1))


def data_row(label: str) -> str:
    m = re.search(r">data</FONT></TD><TD[^>]*>(.*?)</TD></TR>", label)
    assert m is not None, "no data row"
    return re.sub(r"<[^>]+>", " ", m.group(1))


# ---------------------------------------------------------------- structure


def test_single_weight_graph_has_one_vertex_per_tensor_op_and_constant():
    _, loss = single_weight_graph()
    dot = am.viz.to_dot(loss, scalar=False)
    vs = nodes(dot)
    kinds = [kind(v) for v in vs]
    # ops: mul, sub, pow, mul; tensors: w, y, y - 1, (y - 1)², J; constants 2.0, 1.0, 2, 0.5
    assert kinds.count("op") == 4
    assert kinds.count("tensor") == 5
    assert kinds.count("const") == 4
    assert len(vs) == 13
    es = edges(dot)
    assert len(es) == 12  # every op: its arguments in, its output out
    op_names = [re.search(r"<B>(\w+)</B>", vs[k]).group(1) for k in vs if kind(k) == "op"]  # type: ignore[union-attr]
    assert op_names == ["mul", "sub", "pow", "mul"]  # forward order


def test_edges_follow_data_flow():
    _, loss = single_weight_graph()
    dot = am.viz.to_dot(loss, scalar=False)
    es = edges(dot)
    for src, dst, _ in es:
        assert {kind(src), kind(dst)} != {"tensor"}, "tensors only connect through ops"
        assert kind(dst) in ("op", "tensor")
        if kind(src) == "op":
            assert kind(dst) == "tensor"
    # the loss vertex is the only sink among tensors, the weight the only tensor source
    tensor_ids = [v for v in nodes(dot) if kind(v) == "tensor"]
    sinks = [t for t in tensor_ids if not any(s == t for s, _, _ in es)]
    sources = [t for t in tensor_ids if not any(d == t for _, d, _ in es)]
    assert sinks == [k for k, a in nodes(dot).items() if "<B>J</B>" in a]
    assert sources == [k for k, a in nodes(dot).items() if "<B>w</B>" in a]


def test_shared_input_is_one_vertex_with_two_edges():
    x = am.tensor([1.0, -2.0], requires_grad=True, name="x")
    dot = am.viz.to_dot((x * x).sum())
    x_ids = [k for k, a in nodes(dot).items() if "<B>x</B>" in a]
    assert len(x_ids) == 1
    assert sum(1 for s, _, _ in edges(dot) if s == x_ids[0]) == 2


def test_show_constants_false_drops_constant_vertices():
    _, loss = single_weight_graph()
    dot = am.viz.to_dot(loss, scalar=False, show_constants=False)
    assert [kind(v) for v in nodes(dot)].count("const") == 0
    assert len(nodes(dot)) == 9
    assert len(edges(dot)) == 8


def test_leaf_root_is_a_single_vertex():
    t = am.tensor([1.0, 2.0], name="alone")
    dot = am.viz.to_dot(t)
    assert list(nodes(dot)) == ["t0"]
    assert edges(dot) == []


# ---------------------------------------------------------------- labels


def test_tensor_labels_show_name_shape_dtype_values_and_gradients():
    _x, _w, loss = readme_graph()
    dot = am.viz.to_dot(loss)
    # gradients by hand: y = tanh(x·w), L = y², dL/dx = 2y(1 - y²)·w, dL/dw = 2y(1 - y²)·x
    y = np.tanh(np.array([1.0, 2.0, 3.0]) @ np.array([0.5, -1.0, 0.25]))
    upstream = 2 * y * (1 - y**2)
    x_label = label_of(dot, "x")
    assert "(3,) · float64" in x_label
    assert data_row(x_label).strip() == "[1, 2, 3]"
    want_x = "[" + ", ".join(f"{v:.4g}" for v in upstream * np.array([0.5, -1.0, 0.25])) + "]"
    assert grad_row(x_label).strip() == want_x
    w_label = label_of(dot, "w")
    assert "(3, 1) · float64" in w_label
    assert grad_row(w_label).split() == [
        f"[[{upstream * 1.0:.4g}]",
        f"[{upstream * 2.0:.4g}]",
        f"[{upstream * 3.0:.4g}]]",
    ]
    ops = [a for k, a in nodes(dot).items() if kind(k) == "op"]
    assert [re.search(r"<B>(\w+)</B>", a).group(1) for a in ops] == ["matmul", "tanh", "pow", "sum"]  # type: ignore[union-attr]
    root = [a for k, a in nodes(dot).items() if "scalar · float64" in a]
    assert len(root) == 1 and data_row(root[0]).strip() == f"{y**2:.4g}"


def test_intermediate_gradients_are_the_chain_rule_values():
    _, loss = single_weight_graph()
    dot = am.viz.to_dot(loss, scalar=False)
    # J = ½e², e = y - 1 = 0.9: dJ/dy = e = 0.9, dJ/dw = e·2 = 1.8, dJ/dJ = 1
    assert grad_row(label_of(dot, "y")).strip() == "0.9"
    assert grad_row(label_of(dot, "w")).strip() == "1.8"
    assert grad_row(label_of(dot, "J")).strip() == "1"
    assert data_row(label_of(dot, "y")).strip() == "1.9"


def test_no_gradients_before_backward_and_none_when_switched_off():
    _, loss = single_weight_graph(backward=False)
    dot = am.viz.to_dot(loss, scalar=False)
    assert ">grad<" not in dot
    assert "‖grad‖" not in dot  # no gradient flow either
    _, loss = single_weight_graph()
    dot = am.viz.to_dot(loss, scalar=False, show_grad=False, show_grad_flow=False)
    assert ">grad<" not in dot and "‖grad‖" not in dot
    dot = am.viz.to_dot(loss, scalar=False, show_data=False)
    assert ">data<" not in dot and ">grad<" in dot


def test_drawing_changes_no_gradient_and_works_after_the_graph_was_freed():
    w, loss = single_weight_graph()  # backward() without retain_graph freed the saved values
    before = w.grad.item()
    am.viz.to_dot(loss)
    am.viz.to_dot(loss)
    assert w.grad.item() == before
    with pytest.raises(RuntimeError, match="second time"):
        loss.backward()  # still freed: the picture replayed without un-freeing anything


def test_large_tensors_are_summarised():
    x = am.tensor(np.linspace(-1.0, 3.0, 50).reshape(5, 10), requires_grad=True, name="big")
    (x * 2.0).sum().backward()
    dot = am.viz.to_dot((x * 2.0).sum())
    label = label_of(dot, "big")
    assert data_row(label).strip() == "min -1 · mean 1 · max 3"
    assert grad_row(label).strip() == "min 2 · mean 2 · max 2"
    assert "(5, 10) · float64" in label


def test_summary_counts_non_finite_values():
    values = np.array([1.0, np.nan, np.inf, -np.inf, np.nan, 3.0, 2.0, 2.0, 2.0, 2.0])
    (line,) = format_values(values)
    assert line.startswith("min 1 · mean 2 · max 3")
    assert "4 non-finite (1 +inf, 1 -inf, 2 nan)" in line
    assert format_values(np.array([[1.0, 2.0], [3.0, 4.5]])) == ["[[1, 2]", " [3, 4.5]]"]
    assert format_values(np.float32(0.25)) == ["0.25"]


def test_user_text_is_escaped():
    x = am.tensor([1.0], requires_grad=True, name="<b>&x")
    dot = am.viz.to_dot((x * 2.0).sum())
    assert "&lt;b&gt;&amp;x" in dot and "<b>&x" not in dot
    s = am.tensor(1.0, requires_grad=True, name="a|b{c}")
    dot = am.viz.to_dot(s * 2.0, scalar=True)
    assert r"a\|b\{c\}" in dot


def test_op_parameters_are_shown_compactly():
    x = am.tensor(np.ones((2, 3)), requires_grad=True)
    dot = am.viz.to_dot(x.sum(axis=1, keepdims=True).sum())
    assert "axis=(1,), keepdims=True" in dot
    dot = am.viz.to_dot(x[np.array([0, 1]), np.array([2, 0])].sum())
    assert "[[0, 1], [2, 0]]" in dot  # the index as it is written in Python


def op_subtitles(dot: str, op: str) -> list[str]:
    """The parameter line under each op vertex named ``op`` (HTML unescaped)."""
    found = []
    for a in nodes(dot).values():
        if f"<B>{op}</B>" in a:
            m = re.search(r'POINT-SIZE="9" COLOR="#666666">(.*?)</FONT>', a)
            found.append(html.unescape(m.group(1)) if m else "")
    return found


def test_an_index_is_labelled_in_python_syntax():
    t = am.tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True, name="t")
    picks = [
        ((slice(None), 0, slice(None)), "[:, 0, :]"),
        ((Ellipsis, None), "[..., None]"),
        ((slice(1, None), slice(None, None, 2)), "[1:, ::2]"),
        ((None,), "[None]"),
        (np.array([0, 1, 1]), "[[0, 1, 1]]"),
        (np.arange(12).reshape(3, 4) % 2, "[int array (3, 4)]"),
        (np.array([True, False]), "[bool mask (2,)]"),
        (-1, "[-1]"),
    ]
    for index, expected in picks:
        dot = am.viz.to_dot(t[index].sum())
        assert op_subtitles(dot, "getitem") == [expected], (index, op_subtitles(dot, "getitem"))
    mask = t._data > 20
    assert op_subtitles(am.viz.to_dot(t[mask].sum()), "getitem") == ["[bool mask (2, 3, 4)]"]
    assert "slice(" not in am.viz.to_dot(t[:, 0, :].sum())


def test_index_text_cuts_long_indices():
    from autograd_mini.viz.labels import index_text

    text = index_text(tuple(range(40)))
    assert text.startswith("[0, 1, 2") and text.endswith("…]") and len(text) == 40


def test_a_missing_bias_draws_no_input():
    layer = am.nn.Linear(3, 2, bias=False, seed=0)
    x = am.tensor(np.ones((4, 3)), name="x")
    loss = layer(x).sum()
    loss.backward()
    dot = am.viz.to_dot(loss, module=layer)
    assert "None" not in dot
    assert [k for k in nodes(dot) if kind(k) == "const"] == []
    (linear,) = [k for k, a in nodes(dot).items() if "<B>linear</B>" in a]
    assert sorted(s for s, d, _ in edges(dot) if d == linear) == sorted(
        k for k, a in nodes(dot).items() if "<B>x</B>" in a or "<B>weight</B>" in a
    )


# ---------------------------------------------------------------- roles and legend


def test_roles_are_styled_apart_and_explained_by_the_legend():
    x = am.tensor([1.0, 2.0], name="data")  # input without grad
    w = am.tensor([0.5, -0.5], requires_grad=True, name="w")
    loss = (x * w).sum()
    loss.backward()
    dot = am.viz.to_dot(loss)
    vs = nodes(dot)
    by_title = {n: next(a for a in vs.values() if f"<B>{n}</B>" in a) for n in ("data", "w")}
    root = next(a for a in vs.values() if "scalar · float64" in a)
    fills = {
        "input": attr(by_title["data"], "fillcolor"),
        "leaf": attr(by_title["w"], "fillcolor"),
        "root": attr(root, "fillcolor"),
    }
    assert len(set(fills.values())) == 3
    assert attr(root, "penwidth") == "2"
    for text in ("output (root)", "leaf, requires grad", "input, no grad", "op"):
        assert text in dot
    assert "parameter" not in dot  # only the roles present are explained
    assert "output (root)" not in am.viz.to_dot(loss, legend=False)


# ---------------------------------------------------------------- gradient flow


def edge_norm(attrs: str) -> float | None:
    tip = attr(attrs, "tooltip")
    if tip is None or "‖grad‖" not in tip:
        return None
    return float(tip.split("=")[1])


def test_gradient_flow_edges_carry_the_norms_and_widths_follow_them():
    _, loss = single_weight_graph()
    dot = am.viz.to_dot(loss, scalar=False)
    vs = nodes(dot)
    w_id = next(k for k, a in vs.items() if "<B>w</B>" in a)
    w_edge = next(a for s, _, a in edges(dot) if s == w_id)
    assert edge_norm(w_edge) == pytest.approx(1.8)
    norms_widths = [(edge_norm(a), float(attr(a, "penwidth") or 0)) for _, _, a in edges(dot)]
    flowing = sorted((n, pw) for n, pw in norms_widths if n is not None)
    assert len(flowing) == 8  # constants carry no gradient
    widths = [pw for _, pw in flowing]
    assert widths == sorted(widths) and widths[0] < widths[-1]  # wider for larger norms
    const_edges = [a for s, _, a in edges(dot) if kind(s) == "const"]
    assert all(attr(a, "tooltip") == "no gradient flows here" for a in const_edges)


def test_vanishing_gradients_are_marked_in_a_deep_sigmoid_chain():
    x = am.tensor([0.3, -0.2], requires_grad=True, name="x")
    h = x
    for _ in range(8):  # each layer multiplies the gradient by 0.1·σ'(·) <= 0.025
        h = am.sigmoid(h * 0.1)
    loss = h.sum()
    loss.backward()
    dot = am.viz.to_dot(loss)
    marked = [(s, d) for s, d, a in edges(dot) if (attr(a, "label") or "").startswith("vanishing")]
    assert marked, "no vanishing edge"
    x_id = next(k for k, a in nodes(dot).items() if "<B>x</B>" in a)
    assert any(s == x_id for s, _ in marked)  # the signal is dead where it reaches x
    last = [a for s, d, a in edges(dot) if kind(s) == "op" and attr(a, "tooltip")]
    assert not (attr(last[-1], "label") or "").startswith("vanishing")  # but alive at the loss
    assert all(attr(a, "style") == "dashed" for s, d, a in edges(dot) if (s, d) in marked)


def test_an_exactly_zero_gradient_says_zero_not_vanishing():
    x = am.tensor([-1.0, -2.0], requires_grad=True, name="x")  # relu is off everywhere
    tiny = am.tensor([1.0, 2.0], requires_grad=True, name="tiny")
    loss = am.relu(x).sum() + (tiny * 1e-12).sum()
    loss.backward()
    dot = am.viz.to_dot(loss)
    x_id = next(k for k, a in nodes(dot).items() if "<B>x</B>" in a)
    (x_edge,) = [a for s, _, a in edges(dot) if s == x_id]
    assert attr(x_edge, "label") == "zero"
    assert attr(x_edge, "style") == "dotted"
    assert "exactly zero" in (attr(x_edge, "tooltip") or "")
    tiny_id = next(k for k, a in nodes(dot).items() if "<B>tiny</B>" in a)
    (tiny_edge,) = [a for s, _, a in edges(dot) if s == tiny_id]
    assert attr(tiny_edge, "label") == "vanishing 1e-12"  # ‖(1e-12, 1e-12)‖: tiny, nonzero
    assert "vanishing 0" not in dot
    assert "exactly zero" in dot.split("label=<<TABLE")[-1]  # the legend explains the style
    # no zero edge, no legend line for it
    y = am.tensor([1.0, 2.0], requires_grad=True, name="y")
    loss = (y * 3.0).sum()
    loss.backward()
    assert "exactly zero" not in am.viz.to_dot(loss)


def test_exploding_and_non_finite_gradients_are_marked():
    x = am.tensor([1.0, 2.0], requires_grad=True, name="x")
    loss = (x * 1e6).sum()
    loss.backward()
    dot = am.viz.to_dot(loss)
    x_id = next(k for k, a in nodes(dot).items() if "<B>x</B>" in a)
    (x_edge,) = [a for s, _, a in edges(dot) if s == x_id]
    assert attr(x_edge, "label") == "exploding 1.4e+06"
    assert attr(x_edge, "color") == "#d7301f"
    y = am.tensor([1.0, 2.0], requires_grad=True, name="y")
    with np.errstate(over="ignore"):
        big = (am.exp(y * 1000.0)).sum()
        big.backward()
        dot = am.viz.to_dot(big)
    y_id = next(k for k, a in nodes(dot).items() if "<B>y</B>" in a)
    (y_edge,) = [a for s, _, a in edges(dot) if s == y_id]
    assert (attr(y_edge, "label") or "").startswith("exploding")
    assert "non-finite" in grad_row(label_of(dot, "y")) or "inf" in grad_row(label_of(dot, "y"))


def test_thresholds_are_options():
    x = am.tensor([1.0, 2.0], requires_grad=True, name="x")
    loss = (x * 1e6).sum()
    loss.backward()
    assert "exploding" not in am.viz.to_dot(loss, exploding=1e7, legend=False)
    assert "vanishing 1" in am.viz.to_dot(loss, vanishing=1e9, exploding=1e10, legend=False)


def test_non_scalar_root_shows_leaf_grads_and_intermediates_with_a_seed():
    x = am.tensor([1.0, 2.0], requires_grad=True, name="x")
    h = x * 3.0
    h.name = "h"
    out = h * h
    out.backward(np.ones(2))
    dot = am.viz.to_dot(out)
    assert grad_row(label_of(dot, "x")).strip() == "[18, 36]"  # 18x
    assert ">grad<" not in label_of(dot, "h")  # no seed: intermediates unknown
    dot = am.viz.to_dot(out, gradient=np.ones(2))
    assert grad_row(label_of(dot, "h")).strip() == "[6, 12]"  # 2h


# ---------------------------------------------------------------- scalar mode


def test_scalar_mode_draws_micrograd_records():
    _, loss = single_weight_graph()
    picture = am.viz.draw_graph(loss)
    assert picture.scalar_mode  # every tensor is a scalar: chosen automatically
    dot = picture.source
    records = [a for k, a in nodes(dot).items() if kind(k) == "tensor"]
    assert all(attr(a, "shape") == "record" for a in records)
    assert 'label="{ w | data 0.9500 | grad 1.8000 }"' in dot
    assert 'label="{ y | data 1.9000 | grad 0.9000 }"' in dot
    assert 'label="{ J | data 0.4050 | grad 1.0000 }"' in dot
    op_labels = [attr(a, "label") for k, a in nodes(dot).items() if kind(k) == "op"]
    assert op_labels == ["*", "-", "**", "*"]
    tb = am.viz.to_dot(loss, rankdir="TB")
    assert 'label="w | data 0.9500 | grad 1.8000"' in tb  # fields side by side in TB too
    assert not am.viz.draw_graph(loss, scalar=False).scalar_mode


# ---------------------------------------------------------------- options and errors


def test_bad_arguments_get_clear_errors():
    _, loss = single_weight_graph()
    with pytest.raises(TypeError, match=r"draw_graph: expected the Tensor.*got list"):
        am.viz.draw_graph([loss])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="rankdir must be one of LR, TB"):
        am.viz.draw_graph(loss, rankdir="XY")
    with pytest.raises(ValueError, match="max_nodes must be an int >= 2"):
        am.viz.draw_graph(loss, max_nodes=1)
    with pytest.raises(ValueError, match="vanishing < exploding"):
        am.viz.draw_graph(loss, vanishing=1.0, exploding=0.5)


def test_rankdir_and_title_reach_the_dot_text():
    _, loss = single_weight_graph()
    dot = am.viz.to_dot(loss, rankdir="TB", title="one weight")
    assert "rankdir=TB" in dot
    assert "one weight" in dot


# ---------------------------------------------------------------- large graphs


def test_a_10000_op_graph_collapses_and_says_what_it_hid():
    x = am.tensor(1.0, requires_grad=True, name="x")
    h = x
    for _ in range(5000):
        h = h * 1.0001 + 0.001
    h.backward()
    picture = am.viz.draw_graph(h)
    dot = picture.source
    vs = nodes(dot)
    assert len(vs) <= 150  # the default max_nodes
    shown_ops = sum(1 for k in vs if kind(k) == "op")
    assert picture.hidden_ops == 10_000 - shown_ops
    assert picture.report.hidden_op_names["mul"] + picture.report.hidden_op_names["add"] == picture.hidden_ops
    assert f"{picture.hidden_ops:,} ops" in dot  # the picture itself says it
    assert "max_nodes=None" in dot
    assert "<B>x</B>" not in dot  # x is the farthest from the loss
    hidden = [k for k in vs if kind(k) == "group"]
    assert hidden == ["hidden"]
    assert any(s == "hidden" for s, _, _ in edges(dot))  # the cut is drawn as an edge


def test_max_nodes_none_draws_everything():
    x = am.tensor(1.0, requires_grad=True)
    h = x
    for _ in range(100):
        h = h * 1.5
    picture = am.viz.draw_graph(h, max_nodes=None, show_constants=False)
    assert picture.hidden_ops == 0 and not picture.report.collapsed
    assert len(nodes(picture.source)) == 201
    small = am.viz.draw_graph(h, max_nodes=20, show_constants=False)
    assert len(nodes(small.source)) == 20
    assert small.hidden_ops == 100 - sum(1 for k in nodes(small.source) if kind(k) == "op")
