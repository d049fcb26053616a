"""Every loss: value against the formula, gradient against finite differences, extremes."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.nn import functional


def _grad(loss_fn, x):
    """The engine's gradient of loss_fn at x, and the finite-difference one."""
    t = am.tensor(x, requires_grad=True)
    loss_fn(t).backward()
    (numeric,) = am.numerical_grad(loss_fn, x)
    return t.grad.data, numeric


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _log_softmax(z):
    m = z.max(axis=-1, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=-1, keepdims=True))


@pytest.fixture
def data(rng):
    return {
        "x": rng.normal(size=(5, 3)),
        "t": rng.normal(size=(5, 3)),
        "p": rng.uniform(0.05, 0.95, size=(6, 1)),
        "y01": rng.integers(0, 2, size=(6, 1)).astype(float),
        "labels": rng.integers(0, 4, size=7),
        "logits": rng.normal(size=(7, 4)) * 2,
    }


def test_mse_value_reductions_and_gradient(data):
    x, t = data["x"], data["t"]
    sq = (x - t) ** 2
    assert nn.MSELoss()(x, t).item() == pytest.approx(sq.mean())
    assert nn.MSELoss(reduction="sum")(x, t).item() == pytest.approx(sq.sum())
    np.testing.assert_allclose(nn.MSELoss(reduction="none")(x, t).data, sq)
    auto, numeric = _grad(lambda v: functional.mse_loss(v, t), x)
    np.testing.assert_allclose(auto, 2 * (x - t) / x.size)
    np.testing.assert_allclose(auto, numeric, atol=1e-8)


def test_mse_half_sum_is_the_lecture_notes_convention_with_the_residual_as_gradient(data):
    x, t = data["x"], data["t"]
    loss_fn = nn.MSELoss(reduction="half_sum")
    assert loss_fn(x, t).item() == pytest.approx(0.5 * ((x - t) ** 2).sum())
    auto, numeric = _grad(lambda v: loss_fn(v, t), x)
    np.testing.assert_allclose(auto, x - t)  # J = ½Σ(y - y*)²  ⇒  ∂J/∂y = y - y*
    np.testing.assert_allclose(auto, numeric, atol=1e-8)
    with pytest.raises(ValueError, match="half_sum"):
        nn.BCELoss(reduction="half_sum")


def test_bce_value_and_gradient(data):
    p, y = data["p"], data["y01"]
    expected = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert nn.BCELoss()(p, y).item() == pytest.approx(expected.mean())
    np.testing.assert_allclose(functional.binary_cross_entropy(p, y, reduction="none").data, expected)
    auto, numeric = _grad(lambda v: functional.binary_cross_entropy(v, y), p)
    np.testing.assert_allclose(auto, (p - y) / (p * (1 - p)) / p.size)
    np.testing.assert_allclose(auto, numeric, rtol=1e-6)
    w = np.linspace(0.5, 2.0, 6).reshape(6, 1)
    assert nn.BCELoss(weight=w)(p, y).item() == pytest.approx((w * expected).mean())


def test_bce_clamps_the_log_at_minus_100_like_pytorch():
    p = am.tensor([[0.0], [1.0], [0.0], [1.0]], requires_grad=True)
    y = np.array([[1.0], [0.0], [0.0], [1.0]])
    losses = functional.binary_cross_entropy(p, y, reduction="none")
    np.testing.assert_allclose(losses.data.ravel(), [100.0, 100.0, 0.0, 0.0], atol=1e-12)
    losses.sum().backward()
    assert np.all(np.isfinite(p.grad.data))
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\]"):
        functional.binary_cross_entropy(np.array([1.5]), np.array([1.0]))


def test_bce_with_logits_value_gradient_and_pos_weight(data):
    z, y = data["logits"][:6, :1], data["y01"]
    expected = -(y * np.log(_sigmoid(z)) + (1 - y) * np.log(1 - _sigmoid(z)))
    assert nn.BCEWithLogitsLoss()(z, y).item() == pytest.approx(expected.mean())
    auto, numeric = _grad(lambda v: functional.binary_cross_entropy_with_logits(v, y), z)
    np.testing.assert_allclose(auto, (_sigmoid(z) - y) / z.size)
    np.testing.assert_allclose(auto, numeric, atol=1e-8)
    pw = 3.0
    weighted = -(pw * y * np.log(_sigmoid(z)) + (1 - y) * np.log(1 - _sigmoid(z)))
    assert nn.BCEWithLogitsLoss(pos_weight=pw)(z, y).item() == pytest.approx(weighted.mean())
    auto, numeric = _grad(lambda v: functional.binary_cross_entropy_with_logits(v, y, pos_weight=pw), z)
    np.testing.assert_allclose(auto, numeric, atol=1e-8)


def test_bce_with_logits_is_stable_for_logits_of_magnitude_1000():
    z = am.tensor([1000.0, -1000.0, 1000.0, -1000.0], requires_grad=True)
    y = np.array([0.0, 1.0, 1.0, 0.0])
    losses = functional.binary_cross_entropy_with_logits(z, y, reduction="none")
    np.testing.assert_allclose(losses.data, [1000.0, 1000.0, 0.0, 0.0])
    losses.sum().backward()
    np.testing.assert_allclose(z.grad.data, [1.0, -1.0, 0.0, 0.0])  # σ(z) - y


def test_cross_entropy_with_labels_one_hot_and_probabilities(data):
    z, labels = data["logits"], data["labels"]
    logp = _log_softmax(z)
    expected = -logp[np.arange(len(labels)), labels]
    loss_fn = nn.CrossEntropyLoss()
    assert loss_fn(z, labels).item() == pytest.approx(expected.mean())
    assert loss_fn(z, functional.one_hot(labels, 4)).item() == pytest.approx(expected.mean())
    assert nn.CrossEntropyLoss(reduction="sum")(z, labels).item() == pytest.approx(expected.sum())
    probs = np.random.default_rng(1).dirichlet(np.ones(4), size=len(labels))
    assert loss_fn(z, probs).item() == pytest.approx(-(probs * logp).sum(axis=1).mean())
    auto, numeric = _grad(lambda v: functional.cross_entropy(v, labels), z)
    softmax = np.exp(logp)
    np.testing.assert_allclose(auto, (softmax - np.eye(4)[labels]) / len(labels))
    np.testing.assert_allclose(auto, numeric, atol=1e-8)
    auto, numeric = _grad(lambda v: functional.cross_entropy(v, probs), z)
    np.testing.assert_allclose(auto, numeric, atol=1e-8)


def test_cross_entropy_class_weights_follow_pytorchs_mean(data):
    z, labels = data["logits"], data["labels"]
    w = np.array([1.0, 2.0, 0.5, 3.0])
    picked = -_log_softmax(z)[np.arange(len(labels)), labels]
    expected = (w[labels] * picked).sum() / w[labels].sum()
    assert nn.CrossEntropyLoss(weight=w)(z, labels).item() == pytest.approx(expected)
    auto, numeric = _grad(lambda v: functional.cross_entropy(v, labels, weight=w), z)
    np.testing.assert_allclose(auto, numeric, atol=1e-8)


def test_cross_entropy_is_stable_for_extreme_logits():
    z = am.tensor([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0]], requires_grad=True)
    labels = np.array([1, 2])
    losses = functional.cross_entropy(z, labels, reduction="none")
    np.testing.assert_allclose(losses.data, [2000.0, 1.0 + np.log1p(np.exp(-1.0))])
    losses.sum().backward()
    assert np.all(np.isfinite(z.grad.data))
    np.testing.assert_allclose(z.grad.data[0], [1.0, -1.0, 0.0], atol=1e-12)


def test_nll_is_cross_entropy_of_log_softmax(data):
    z, labels = data["logits"], data["labels"]
    logp = am.log_softmax(am.tensor(z), -1)
    assert nn.NLLLoss()(logp, labels).item() == pytest.approx(nn.CrossEntropyLoss()(z, labels).item())
    auto, numeric = _grad(lambda v: functional.nll_loss(v, labels), z)
    expected = -np.eye(4)[labels] / len(labels)
    np.testing.assert_allclose(auto, expected)
    np.testing.assert_allclose(auto, numeric, atol=1e-8)
    single = functional.nll_loss(am.tensor(z[0]), np.array(labels[0]), reduction="none")
    assert single.shape == () and single.item() == pytest.approx(-z[0, labels[0]])


def test_loss_errors_name_the_shapes_and_the_fix(data):
    with pytest.raises(ValueError, match=r"\(5, 3\).*\(5,\)"):
        functional.mse_loss(data["x"], data["x"][:, 0])
    with pytest.raises(TypeError, match="astype\\(int\\)"):
        functional.cross_entropy(data["logits"], data["labels"].astype(float))
    with pytest.raises(TypeError, match="floating point"):
        functional.cross_entropy(data["logits"], np.eye(4, dtype=int)[data["labels"]])
    with pytest.raises(IndexError, match=r"\[0, 4\)"):
        functional.cross_entropy(data["logits"], data["labels"] + 4)
    with pytest.raises(ValueError, match="7 class"):
        functional.nll_loss(data["logits"], data["labels"][:3])
    with pytest.raises(ValueError, match="reduction"):
        nn.CrossEntropyLoss(reduction="average")
    with pytest.raises(ValueError, match="reduction"):
        functional.mse_loss(data["x"], data["t"], reduction="average")


def test_integer_targets_are_converted_for_regression_losses():
    x = np.array([0.5, 1.5])
    assert functional.mse_loss(x, np.array([0, 2])).item() == pytest.approx(0.25)


def test_l2_penalty_is_lambda_sum_of_squared_weights():
    model = nn.MLP([3, 4, 2], seed=0)
    lam = 0.01
    weights = [model.layers[0].weight, model.layers[2].weight]
    penalty = functional.l2_penalty(model, lam)
    assert penalty.item() == pytest.approx(lam * sum((w.data**2).sum() for w in weights))
    penalty.backward()
    for w in weights:
        np.testing.assert_allclose(w.grad.data, 2 * lam * w.data)
    assert model.layers[0].bias.grad is None  # biases are not penalised
    all_params = functional.l2_penalty(model.parameters(), lam, include_bias=True)
    assert all_params.item() == pytest.approx(lam * sum((p.data**2).sum() for p in model.parameters()))


def test_l2_penalty_equals_sgd_weight_decay_of_twice_lambda():
    X = np.random.default_rng(0).normal(size=(8, 3))
    y = np.random.default_rng(1).normal(size=(8, 2))
    lam = 0.05
    a, b = nn.Linear(3, 2, bias=False, seed=0), nn.Linear(3, 2, bias=False, seed=0)
    opt_a = nn.optim.SGD(a.parameters(), lr=0.1)
    opt_b = nn.optim.SGD(b.parameters(), lr=0.1, weight_decay=2 * lam)
    for _ in range(3):
        opt_a.zero_grad()
        (functional.mse_loss(a(X), y) + functional.l2_penalty(a, lam)).backward()
        opt_a.step()
        opt_b.zero_grad()
        functional.mse_loss(b(X), y).backward()
        opt_b.step()
    np.testing.assert_allclose(a.weight.data, b.weight.data)
