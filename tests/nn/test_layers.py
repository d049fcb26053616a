"""Linear, MLP, Dropout, Identity, the activation modules and nn.init."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.nn import functional, init


def test_linear_layout_and_forward():
    layer = nn.Linear(3, 2, seed=0)
    assert layer.weight.shape == (2, 3) and layer.bias.shape == (2,)
    x = np.random.default_rng(1).normal(size=(5, 3))
    expected = x @ layer.weight.data.T + layer.bias.data
    np.testing.assert_allclose(layer(x).data, expected)
    np.testing.assert_allclose(layer(x[0]).data, expected[0])  # a single sample
    no_bias = nn.Linear(3, 2, bias=False, seed=0)
    assert no_bias.bias is None and [n for n, _ in no_bias.named_parameters()] == ["weight"]
    np.testing.assert_allclose(no_bias(x).data, x @ no_bias.weight.data.T)


def test_linear_gradients_match_finite_differences():
    layer = nn.Linear(3, 2, seed=0)
    x = am.tensor(np.random.default_rng(2).normal(size=(4, 3)), requires_grad=True)
    (layer(x) ** 2).sum().backward()

    def f(xv, w, b):
        return ((xv @ w.T + b) ** 2).sum()

    gx, gw, gb = am.numerical_grad(f, x, layer.weight, layer.bias)
    np.testing.assert_allclose(x.grad.data, gx, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(layer.weight.grad.data, gw, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(layer.bias.grad.data, gb, rtol=1e-6, atol=1e-8)


def test_linear_default_init_is_pytorchs():
    layer = nn.Linear(100, 300, seed=0)
    bound = 1.0 / math.sqrt(100)
    w, b = layer.weight.data, layer.bias.data
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    # U(-a, a) has standard deviation a/√3 and fills the interval
    assert abs(w.std() - bound / math.sqrt(3)) < 0.02 * bound
    assert np.abs(w).max() > 0.99 * bound


def test_linear_seed_generator_and_dtype():
    a, b = nn.Linear(4, 3, seed=7), nn.Linear(4, 3, seed=7)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    assert not np.array_equal(a.weight.data, nn.Linear(4, 3, seed=8).weight.data)
    g1, g2 = np.random.default_rng(3), np.random.default_rng(3)
    np.testing.assert_array_equal(
        nn.Linear(4, 3, generator=g1).weight.data, nn.Linear(4, 3, generator=g2).weight.data
    )
    with pytest.raises(ValueError, match="not both"):
        nn.Linear(4, 3, seed=1, generator=np.random.default_rng(1))
    f32 = nn.Linear(4, 3, dtype=np.float32, seed=0)
    assert f32.weight.dtype == np.float32 and f32.bias.dtype == np.float32
    assert f32(np.ones((2, 4), dtype=np.float32)).dtype == np.float32
    am.set_default_dtype(np.float32)
    assert nn.Linear(2, 2, seed=0).weight.dtype == np.float32


def test_linear_errors_name_the_layer_and_the_fix():
    layer = nn.Linear(3, 2, seed=0)
    with pytest.raises(ValueError, match=r"Linear\(in_features=3.*shape \(4, 5\).*in_features=3"):
        layer(np.ones((4, 5)))
    with pytest.raises(ValueError, match="positive int"):
        nn.Linear(0, 2)
    with pytest.raises(TypeError, match="floating"):
        nn.Linear(2, 2, dtype=np.int32)


def test_init_functions_follow_pytorchs_formulas():
    w = nn.Parameter(np.zeros((400, 250)))
    fan_in, fan_out = init.calculate_fan_in_and_fan_out(w)
    assert (fan_in, fan_out) == (250, 400)
    init.xavier_uniform_(w, gain=2.0, generator=0)
    bound = 2.0 * math.sqrt(6.0 / (fan_in + fan_out))
    assert np.abs(w.data).max() <= bound and np.abs(w.data).max() > 0.99 * bound
    init.xavier_normal_(w, generator=0)
    assert abs(w.data.std() - math.sqrt(2.0 / (fan_in + fan_out))) < 0.01 * w.data.std()
    init.kaiming_uniform_(w, nonlinearity="relu", generator=0)
    bound = math.sqrt(2.0) * math.sqrt(3.0 / fan_in)
    assert np.abs(w.data).max() <= bound and np.abs(w.data).max() > 0.99 * bound
    init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu", generator=0)
    assert abs(w.data.std() - math.sqrt(2.0 / fan_out)) < 0.01 * w.data.std()
    init.normal_(w, mean=3.0, std=0.5, generator=0)
    assert abs(w.data.mean() - 3.0) < 0.01 and abs(w.data.std() - 0.5) < 0.01
    init.constant_(w, 0.25)
    assert np.all(w.data == 0.25)
    init.zeros_(w)
    assert np.all(w.data == 0.0) and w.dtype == np.float64
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("leaky_relu", math.sqrt(5)) == pytest.approx(math.sqrt(1 / 3))
    with pytest.raises(ValueError, match="at least 2 axes"):
        init.xavier_uniform_(nn.Parameter(np.zeros(3)))
    with pytest.raises(ValueError, match="mode"):
        init.kaiming_uniform_(w, mode="fan_middle")
    with pytest.raises(ValueError, match="unsupported nonlinearity"):
        init.calculate_gain("swish")


def test_init_is_out_of_place_and_reproducible():
    w = nn.Parameter(np.zeros((3, 3)))
    old = w.data
    init.normal_(w, generator=5)
    assert w.data is not old and np.all(old == 0)
    first = w.data.copy()
    init.normal_(w, generator=5)
    np.testing.assert_array_equal(w.data, first)


def test_dropout_scales_in_training_and_is_identity_in_eval():
    drop = nn.Dropout(0.25, seed=0)
    x = am.tensor(np.ones((200, 50)), requires_grad=True)
    out = drop(x)
    kept = out.data != 0
    assert abs(1 - kept.mean() - 0.25) < 0.02
    np.testing.assert_allclose(out.data[kept], 1 / 0.75)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.data, kept / 0.75)  # gradient: mask/(1 - p)
    drop.eval()
    assert drop(x) is x
    assert functional.dropout(x, 0.5, training=False) is x
    zero = nn.Dropout(1.0)(x)
    assert np.all(zero.data == 0)
    with pytest.raises(ValueError, match="probability"):
        nn.Dropout(1.5)


def test_dropout_inside_a_model_follows_train_and_eval():
    model = nn.MLP([10, 50, 3], dropout=0.5, seed=0)
    x = np.random.default_rng(0).normal(size=(8, 10))
    a, b = model(x).data, model(x).data
    assert not np.allclose(a, b)  # two different masks
    model.eval()
    np.testing.assert_array_equal(model(x).data, model(x).data)


def test_activation_modules_match_the_functions():
    x = am.tensor(np.linspace(-3, 3, 13))
    pairs = [
        (nn.ReLU(), np.maximum(x.data, 0)),
        (nn.Sigmoid(), 1 / (1 + np.exp(-x.data))),
        (nn.Tanh(), np.tanh(x.data)),
        (nn.LeakyReLU(0.1), np.where(x.data > 0, x.data, 0.1 * x.data)),
        (nn.ELU(2.0), np.where(x.data > 0, x.data, 2.0 * (np.exp(x.data) - 1))),
        (nn.Softmax(), np.exp(x.data) / np.exp(x.data).sum()),
        (nn.Identity(), x.data),
    ]
    for module, expected in pairs:
        np.testing.assert_allclose(module(x).data, expected, err_msg=repr(module))


def test_mlp_structure_and_options():
    mlp = nn.MLP([3, 4, 5, 2], activation="tanh", output_activation="softmax", seed=0)
    kinds = [type(m).__name__ for m in mlp.layers]
    assert kinds == ["Linear", "Tanh", "Linear", "Tanh", "Linear", "Softmax"]
    out = mlp(np.ones((6, 3)))
    np.testing.assert_allclose(out.data.sum(axis=1), 1.0)
    custom = nn.MLP([2, 3, 1], activation=lambda: nn.LeakyReLU(0.2), dropout=0.1, seed=0)
    assert [type(m).__name__ for m in custom.layers] == ["Linear", "LeakyReLU", "Dropout", "Linear"]
    assert custom.layers[1].negative_slope == 0.2
    a, b = nn.MLP([2, 3, 1], seed=4), nn.MLP([2, 3, 1], seed=4)
    for pa, pb in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(pa.data, pb.data)
    with pytest.raises(ValueError, match="at least 2 positive ints"):
        nn.MLP([3])
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        nn.MLP([2, 2], activation="swish", output_activation="swish")
    with pytest.raises(TypeError, match=r"nn\.Tanh, not nn\.Tanh\(\)"):
        nn.MLP([2, 3, 1], activation=nn.Tanh())


def test_a_2_4_1_tanh_mlp_learns_xor():
    X, y = am.data.make_xor()
    model = nn.MLP([2, 4, 1], activation="tanh", seed=0)
    optimizer = nn.optim.SGD(model.parameters(), lr=0.3, momentum=0.9)
    loss_fn = nn.MSELoss()
    target = y.reshape(-1, 1).astype(float)
    for _ in range(300):
        optimizer.zero_grad()
        loss = loss_fn(model(X), target)
        loss.backward()
        optimizer.step()
    prediction = (model(X).data.ravel() > 0.5).astype(int)
    assert loss.item() < 0.02
    np.testing.assert_array_equal(prediction, [0, 1, 1, 0])
