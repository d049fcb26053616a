"""am.viz module clusters: labels, parameter names, nesting, repeated calls, collapse."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from viz_helpers import attr, clusters, edges, kind, nodes, own_nodes

import autograd_mini as am
from autograd_mini import nn


def mlp_loss() -> tuple[am.Tensor, nn.MLP]:
    model = nn.MLP([3, 4, 2], seed=0)
    x = am.tensor(np.random.default_rng(0).normal(size=(5, 3)), name="x")
    loss = nn.MSELoss()(model(x), np.zeros((5, 2)))
    loss.backward()
    return loss, model


def linear_ops(in_features: int, out_features: int) -> list[str]:
    """The op names of one nn.Linear call, read from the engine (not from am.viz)."""
    out = nn.Linear(in_features, out_features, seed=0)(am.tensor(np.ones((1, in_features))))
    return [node.name for node in am.autograd.topological_order(out)]


def titles(dot: str, ids: set[str]) -> set[str]:
    """Bold titles (tensor names, op names) of the given vertices."""
    vs = nodes(dot)
    out = set()
    for i in ids:
        m = re.search(r"<B>([^<]+)</B>", vs[i])
        if m:
            out.add(m.group(1))
    return out


def test_each_module_call_is_a_labelled_cluster_with_its_ops_and_parameters():
    loss, model = mlp_loss()
    dot = am.viz.to_dot(loss, module=model)
    cs = clusters(dot)
    assert set(cs) == {"layers.0 (Linear 3→4)", "layers.1 (ReLU)", "layers.2 (Linear 4→2)", "MSELoss"}
    first = titles(dot, own_nodes(cs["layers.0 (Linear 3→4)"]))
    assert first == {"layers.0.weight", "layers.0.bias", *linear_ops(3, 4)}
    assert titles(dot, own_nodes(cs["layers.1 (ReLU)"])) == {"relu"}
    assert {"layers.2.weight", "layers.2.bias"} <= titles(dot, own_nodes(cs["layers.2 (Linear 4→2)"]))
    inside = set().union(*(own_nodes(body) for body in cs.values()))
    x_id = next(k for k, a in nodes(dot).items() if "<B>x</B>" in a)
    assert x_id not in inside  # the model's input stays outside every cluster
    names = {m.group(1) for m in re.finditer(r"<B>(layers\.[^<]+)</B>", dot)}
    assert names == {name for name, _ in model.named_parameters()}


def test_parameters_are_styled_as_parameters_even_without_module():
    loss, _ = mlp_loss()
    dot = am.viz.to_dot(loss)
    assert clusters(dot) == {}
    fills = {
        shape: {attr(a, "fillcolor") for k, a in nodes(dot).items() if kind(k) == "tensor" and shape in a}
        for shape in ("(4, 3) · ", "(5, 3) · ")
    }
    assert len(fills["(4, 3) · "]) == len(fills["(5, 3) · "]) == 1
    assert fills["(4, 3) · "] != fills["(5, 3) · "]  # the weight (parameter) vs the input x
    assert "parameter" in dot  # explained by the legend
    assert "layers.0.weight" not in dot  # names need module=


class Block(nn.Module):
    """x + relu(lin(x)): the block's output node differs from the Linear's."""

    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(2, 2, seed=1)

    def forward(self, x: am.Tensor) -> am.Tensor:
        return x + am.relu(self.lin(x))


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.block = Block()
        self.head = nn.Linear(2, 1, seed=2)

    def forward(self, x: am.Tensor) -> am.Tensor:
        return self.head(self.block(self.block(x)))  # the block is called twice


def test_nested_module_calls_nest_clusters_and_repeated_calls_are_numbered():
    net = Net()
    x = am.tensor([[1.0, -1.0]], name="x")
    loss = net(x).sum()
    loss.backward()
    dot = am.viz.to_dot(loss, module=net)
    cs = clusters(dot)
    assert set(cs) == {
        "block (Block) · call 1",
        "block (Block) · call 2",
        "block.lin (Linear 2→2) · call 1",
        "block.lin (Linear 2→2) · call 2",
        "head (Linear 2→1)",
    }
    for n in (1, 2):
        outer = cs[f"block (Block) · call {n}"]
        inner = cs[f"block.lin (Linear 2→2) · call {n}"]
        assert inner in outer  # the Linear's cluster is drawn inside the block's
        assert titles(dot, own_nodes(outer)) == {"relu", "add"}
        assert titles(dot, own_nodes(inner)) == set(linear_ops(2, 2))
    # the shared parameters are used by both calls: drawn outside both
    weight_id = next(k for k, a in nodes(dot).items() if "<B>block.lin.weight</B>" in a)
    assert all(weight_id not in own_nodes(body) for body in cs.values())
    assert sum(1 for s, _, _ in edges(dot) if s == weight_id) == 2


class StandIn:
    """A module-like object without nn: the duck-typed surface viz relies on."""

    def __init__(self) -> None:
        self.w = am.tensor([[0.5, -0.25]], requires_grad=True)

    def named_parameters(self) -> Iterator[tuple[str, am.Tensor]]:
        yield "w", self.w

    def named_children(self) -> Iterator[tuple[str, Any]]:
        return iter(())

    def __call__(self, x: am.Tensor) -> am.Tensor:
        out = x @ self.w.T
        out.grad_fn.scope = (self, (x,))  # what nn.Module.__call__ does
        return out


def test_a_duck_typed_module_works_without_nn():
    model = StandIn()
    x = am.tensor([[1.0, 2.0], [3.0, 4.0]], name="x")
    loss = model(x).sum()
    loss.backward()
    dot = am.viz.to_dot(loss, module=model)
    cs = clusters(dot)
    assert list(cs) == ["StandIn"]
    assert titles(dot, own_nodes(cs["StandIn"])) == {"w", "transpose", "matmul"}


def test_large_models_collapse_whole_modules_first():
    model = nn.MLP([3, 4, 4, 2], seed=0)
    x = am.tensor(np.ones((2, 3)), name="x")
    loss = model(x).sum()
    loss.backward()
    full = am.viz.draw_graph(loss, module=model, max_nodes=None)
    n_full = len(nodes(full.source))
    picture = am.viz.draw_graph(loss, module=model, max_nodes=n_full - 5)
    dot = picture.source
    assert len(nodes(dot)) <= n_full - 5
    groups = {k: a for k, a in nodes(dot).items() if kind(k) == "group"}
    assert groups, "nothing collapsed"
    collapsed = picture.report.collapsed_modules
    assert collapsed and all(any(name in a for a in groups.values()) for name in collapsed)
    assert all(re.search(r"\d+ ops?, \d+ tensors? hidden", a) for a in groups.values())
    assert "modules drawn as single boxes" in dot
    assert picture.hidden_ops > 0
    # a collapsed module's cluster is gone, the others stay
    assert not set(collapsed) & set(clusters(dot))
    assert set(clusters(dot)) | set(collapsed) == set(clusters(full.source))


def test_box_modules_draws_the_layer_view_with_parameter_gradient_norms():
    model = nn.MLP([2, 3, 3, 1], activation="sigmoid", seed=0)
    x = am.tensor(np.ones((4, 2)), name="x")
    loss = model(x).sum()
    loss.backward()
    picture = am.viz.draw_graph(loss, module=model, box_modules=True, max_nodes=None)
    dot = picture.source
    groups = {k: a for k, a in nodes(dot).items() if kind(k) == "group"}
    assert len(groups) == 5  # every module call is one box, largest first
    assert picture.report.collapsed_modules == [
        "layers.0 (Linear 2→3)",
        "layers.2 (Linear 3→3)",
        "layers.4 (Linear 3→1)",
        "layers.1 (Sigmoid)",
        "layers.3 (Sigmoid)",
    ]
    first = next(a for a in groups.values() if "layers.0 (Linear 2→3)" in a)
    weight, bias = model.layers[0].weight.grad.data, model.layers[0].bias.grad.data
    norm = np.sqrt((weight**2).sum() + (bias**2).sum())
    assert f"parameter grad norm {norm:.3g}" in first
    n_ops = len(linear_ops(2, 3))  # one fused linear op today
    # hidden tensors: one output per op, plus the weight and the bias
    op_word = "op" if n_ops == 1 else "ops"
    assert f"{n_ops} {op_word}, {n_ops + 2} tensors hidden" in first
    sig = next(a for a in groups.values() if "layers.1 (Sigmoid)" in a)
    assert "1 op, 1 tensor hidden" in sig and "parameter grad norm" not in sig
    assert "modules drawn as single boxes" not in dot  # asked for, so not announced
    total_ops = 3 * n_ops + 2  # three Linear calls, two sigmoids
    assert f"{total_ops} ops and {total_ops + 3 * 2} tensors hidden" in dot
    assert picture.hidden_ops == total_ops
    root_and_input = {k for k, a in nodes(dot).items() if kind(k) == "tensor"}
    assert len(root_and_input) == 2  # x and the sum; the sum op stays too
    # the loss is outside every module, so no module holds the root and nothing stays open
    assert clusters(dot) == {}
    with pytest.raises(ValueError, match="box_modules=True needs the model"):
        am.viz.draw_graph(loss, box_modules=True)
