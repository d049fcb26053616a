"""The scikit-learn MLP estimators train through a compiled step (issue 16), bitwise like eager."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import train
from autograd_mini.compile import CompiledFunction
from autograd_mini.sklearn import MLPClassifier, MLPRegressor


def _fit_recording_steps(monkeypatch: pytest.MonkeyPatch, estimator: Any, X: Any, y: Any,
                         compile: bool) -> list[Any]:
    """Fit ``estimator`` with train_step forced to ``compile``; the steps it made."""
    made: list[Any] = []
    real = train.train_step

    def spy(model: Any, loss_fn: Any, optimizer: Any, compile: bool = True) -> Any:
        step = real(model, loss_fn, optimizer, compile=forced)
        made.append(step)
        return step

    forced = compile
    monkeypatch.setattr(train, "train_step", spy)
    estimator.fit(X, y)
    monkeypatch.undo()
    return made


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_mlp_classifier_replays_a_compiled_step_and_matches_eager_bitwise(
    monkeypatch: pytest.MonkeyPatch, solver: str
) -> None:
    X, y = am.data.load_digits()
    X, y = X[:300], y[:300]  # batches of 64: four of them and a last one of 44 rows
    kwargs: dict[str, Any] = {"hidden_layer_sizes": (16,), "batch_size": 64, "max_iter": 5,
                              "random_state": 0, "solver": solver, "alpha": 1e-3}
    compiled, eager = MLPClassifier(**kwargs), MLPClassifier(**kwargs)
    with pytest.warns(Warning):  # ConvergenceWarning after 5 epochs, both runs
        steps = _fit_recording_steps(monkeypatch, compiled, X, y, compile=True)
    (step,) = steps
    assert isinstance(step, CompiledFunction)
    assert len(step.programs) == 2  # the 64-row batches and the last 44-row batch
    assert sum(p.replays for p in step.programs) == 5 * 5 - 2
    with pytest.warns(Warning):
        _fit_recording_steps(monkeypatch, eager, X, y, compile=False)
    for a, b in zip(compiled.coefs_ + compiled.intercepts_, eager.coefs_ + eager.intercepts_, strict=True):
        assert np.array_equal(a, b)
    assert compiled.loss_curve_ == eager.loss_curve_


def test_mlp_regressor_with_invscaling_learning_rate_replays_the_changing_rate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.normal(size=120)
    kwargs: dict[str, Any] = {"hidden_layer_sizes": (8,), "batch_size": 40, "max_iter": 6,
                              "random_state": 0, "solver": "sgd", "learning_rate": "invscaling",
                              "learning_rate_init": 0.05}
    compiled, eager = MLPRegressor(**kwargs), MLPRegressor(**kwargs)
    with pytest.warns(Warning):
        (step,) = _fit_recording_steps(monkeypatch, compiled, X, y, compile=True)
    assert len(step.programs) == 1 and step.programs[0].replays == 6 * 3 - 1
    with pytest.warns(Warning):
        _fit_recording_steps(monkeypatch, eager, X, y, compile=False)
    for a, b in zip(compiled.coefs_ + compiled.intercepts_, eager.coefs_ + eager.intercepts_, strict=True):
        assert np.array_equal(a, b)


def test_neural_net_classifier_compiles_by_default_with_eager_results(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from autograd_mini.sklearn import NeuralNetClassifier

    X, y = am.data.make_moons(150, noise=0.2, seed=0)
    traced: list[Any] = []
    real = am.compile

    def spy(fn: Any) -> Any:
        step = real(fn)
        traced.append(step)
        return step

    monkeypatch.setattr(train, "compile_step", spy)
    kwargs: dict[str, Any] = {"lr": 0.1, "max_epochs": 4, "batch_size": 32, "random_state": 0,
                              "module__hidden_layer_sizes": (8,)}
    compiled = NeuralNetClassifier(**kwargs).fit(X, y)
    (step,) = traced
    assert len(step.programs) == 2 and sum(p.replays for p in step.programs) == 4 * 5 - 2
    eager = NeuralNetClassifier(compile=False, **kwargs).fit(X, y)
    assert len(traced) == 1  # compile=False made no compiled step
    for (name, a), (_, b) in zip(compiled.module_.state_dict().items(), eager.module_.state_dict().items(),
                                 strict=True):
        assert np.array_equal(a, b), name
    assert compiled.history_ == eager.history_


def test_neural_net_with_an_untraceable_module_says_to_pass_compile_false() -> None:
    from autograd_mini import nn
    from autograd_mini.compile import TraceError
    from autograd_mini.sklearn import NeuralNetRegressor

    class Gated(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lin = nn.Linear(2, 1, seed=0)

        def forward(self, x: Any) -> Any:
            out = self.lin(x)
            return out * 0.5 if out.abs().max().item() > 10 else out  # Python `if` on a value

    X = np.random.default_rng(0).normal(size=(40, 2))
    y = X.sum(axis=1)
    with pytest.raises(TraceError, match=r"item\(\) at test_sklearn_compiled\.py"):
        NeuralNetRegressor(Gated, max_epochs=2, batch_size=20, random_state=0).fit(X, y)
    net = NeuralNetRegressor(Gated, max_epochs=2, batch_size=20, random_state=0, compile=False).fit(X, y)
    assert len(net.history_) == 2
