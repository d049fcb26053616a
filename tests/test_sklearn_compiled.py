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
