"""``make demo``: the single-weight example first, then the digits MLP, its gradient check and pictures."""

from __future__ import annotations

import shutil
import time

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.examples import demo, handwritten


def test_demo_trains_the_digits_checks_gradients_and_writes_pictures(tmp_path, capsys):
    start = time.perf_counter()
    status = demo.main(output_dir=tmp_path, epochs=12)
    elapsed = time.perf_counter() - start
    printed = capsys.readouterr().out
    assert status == 0
    assert printed.index("Single-weight example") < printed.index("Digits:")  # the scalar example comes first
    assert "w after 20 step(s): 0.5000" in printed
    accuracy = float(printed.split("test accuracy ")[1].split()[0])
    assert accuracy >= 0.95
    assert "AD vs hand-derived vs finite differences): all ok" in printed
    for name in ("layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"):
        assert name in printed
    assert (tmp_path / "loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    graph = tmp_path / ("graph.svg" if shutil.which("dot") else "graph.dot")
    text = graph.read_text(encoding="utf-8")
    assert "layers.0.weight" in text and "CrossEntropyLoss" in text
    assert str(graph) in printed
    assert elapsed < 30


def test_the_demos_hand_written_backprop_equals_the_engine(rng):
    model = nn.MLP([6, 5, 4, 3], seed=1)
    X, labels = rng.normal(size=(7, 6)), rng.integers(0, 3, size=7)
    nn.CrossEntropyLoss()(model(X), labels).backward()
    hand = handwritten.mlp_cross_entropy_gradients(model, X, labels)
    assert set(hand) == {n for n, _ in model.named_parameters()}
    for name, p in model.named_parameters():
        np.testing.assert_allclose(p.grad.data, hand[name], rtol=1e-10, atol=1e-14, err_msg=name)


def test_the_cli_runs_the_demo(monkeypatch):
    calls = []
    monkeypatch.setattr(demo, "main", lambda *args, **kwargs: calls.append(True) or 0)
    from autograd_mini import cli

    assert cli.main(["demo"]) == 0 and calls == [True]
    assert am.nn is nn


def test_the_hand_written_backprop_refuses_a_model_without_biases():
    model = nn.Sequential(nn.Linear(3, 2, bias=False, seed=0))
    with pytest.raises(ValueError, match=r"weight, bias.*nn\.MLP"):
        handwritten.mlp_cross_entropy_gradients(model, np.ones((1, 3)), np.array([0]))
