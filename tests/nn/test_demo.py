"""``make demo``: the seed example first, then the digits MLP, its gradient check and pictures."""

from __future__ import annotations

import shutil
import time

import numpy as np

import autograd_mini as am
from autograd_mini import demo, nn


def test_demo_trains_the_digits_checks_gradients_and_writes_pictures(tmp_path, capsys):
    start = time.perf_counter()
    status = demo.main(output_dir=tmp_path, epochs=12)
    elapsed = time.perf_counter() - start
    printed = capsys.readouterr().out
    assert status == 0
    assert printed.index("Seed example") < printed.index("Digits:")  # the seed example comes first
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


def test_hand_backprop_of_the_demo_equals_the_engine(rng):
    model = nn.MLP([6, 5, 4, 3], seed=1)
    X, labels = rng.normal(size=(7, 6)), rng.integers(0, 3, size=7)
    nn.CrossEntropyLoss()(model(X), labels).backward()
    hand = demo.hand_backprop(model, X, labels)
    assert set(hand) == {n for n, _ in model.named_parameters()}
    for name, p in model.named_parameters():
        np.testing.assert_allclose(p.grad.data, hand[name], rtol=1e-10, atol=1e-14, err_msg=name)


def test_the_cli_runs_the_demo(monkeypatch):
    calls = []
    monkeypatch.setattr(demo, "main", lambda *args, **kwargs: calls.append(True) or 0)
    from autograd_mini import cli

    assert cli.main(["demo"]) == 0 and calls == [True]
    assert am.nn is nn
