"""BatchNorm1d/2d, LayerNorm, GroupNorm (issue 15): values, running statistics, gradients.

References are NumPy formulas written here; batch norm's backward is checked against the
textbook closed form; gradients against float64 finite differences, first and second
order, in training and evaluation modes.
"""

from __future__ import annotations

import numpy as np
import pytest
from grad_checks import check_first_and_second

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.nn import functional as F  # noqa: N812 (PyTorch's habit)

RNG = np.random.default_rng(7)


def bn_reference(x, mean, var, gamma, beta, eps):
    shape = (1, -1) + (1,) * (x.ndim - 2)
    return (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps) * gamma.reshape(
        shape
    ) + beta.reshape(shape)


@pytest.mark.parametrize(
    ("layer_type", "shape"),
    [(nn.BatchNorm2d, (4, 3, 5, 2)), (nn.BatchNorm1d, (6, 3)), (nn.BatchNorm1d, (4, 3, 5))],
)
def test_batch_norm_training_statistics_and_running_updates(layer_type, shape):
    bn = layer_type(3, momentum=0.3)
    bn.weight.data = RNG.uniform(0.5, 2.0, 3)
    bn.bias.data = RNG.standard_normal(3)
    axes = (0, *range(2, len(shape)))
    running_mean, running_var = np.zeros(3), np.ones(3)
    for step in range(2):
        x = RNG.normal(1.5, 2.0, shape)
        y = bn(x)
        mean, var = x.mean(axis=axes), x.var(axis=axes)
        np.testing.assert_allclose(
            y.data, bn_reference(x, mean, var, bn.weight.data, bn.bias.data, 1e-5), atol=1e-12
        )
        m = x.size // 3
        running_mean = 0.7 * running_mean + 0.3 * mean
        running_var = 0.7 * running_var + 0.3 * var * m / (m - 1)  # unbiased, as PyTorch
        np.testing.assert_allclose(bn.running_mean.data, running_mean, atol=1e-12)
        np.testing.assert_allclose(bn.running_var.data, running_var, atol=1e-12)
        assert int(bn.num_batches_tracked.data) == step + 1
    bn.eval()  # evaluation normalises with the running statistics
    x = RNG.normal(size=shape)
    np.testing.assert_allclose(
        bn(x).data, bn_reference(x, running_mean, running_var, bn.weight.data, bn.bias.data, 1e-5), atol=1e-12
    )
    np.testing.assert_allclose(bn.running_mean.data, running_mean)  # eval() leaves them alone


def test_momentum_none_is_the_cumulative_average():
    bn = nn.BatchNorm1d(2, momentum=None)
    batches = [RNG.normal(size=(5, 2)) for _ in range(3)]
    for x in batches:
        bn(x)
    np.testing.assert_allclose(bn.running_mean.data, np.mean([b.mean(axis=0) for b in batches], axis=0))
    np.testing.assert_allclose(bn.running_var.data, np.mean([b.var(axis=0, ddof=1) for b in batches], axis=0))


def test_without_running_stats_or_affine():
    bn = nn.BatchNorm2d(2, affine=False, track_running_stats=False)
    assert list(bn.state_dict()) == [] and list(bn.parameters()) == []
    assert bn.running_mean is None
    x = RNG.normal(size=(3, 2, 2, 2))
    bn.eval()  # no running statistics: the batch's are used even in evaluation
    np.testing.assert_allclose(
        bn(x).data,
        bn_reference(x, x.mean(axis=(0, 2, 3)), x.var(axis=(0, 2, 3)), np.ones(2), np.zeros(2), 1e-5),
        atol=1e-12,
    )
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(2)(np.ones((1, 2)))


def test_batch_norm_backward_is_the_textbook_closed_form():
    """x̄ = γ/(m√(σ²+ε))·(m ȳ - Σȳ - x̂ Σ ȳx̂), γ̄ = Σ ȳx̂, β̄ = Σ ȳ (sums over a channel's m values)."""
    bn = nn.BatchNorm2d(3, eps=1e-3)
    bn.weight.data = RNG.uniform(0.5, 2.0, 3)
    x = am.tensor(RNG.normal(size=(4, 3, 3, 2)), requires_grad=True)
    y = bn(x)
    g = RNG.normal(size=y.shape)
    y.backward(gradient=g)
    axes, m = (0, 2, 3), 4 * 3 * 2
    mean, var = x.data.mean(axis=axes, keepdims=True), x.data.var(axis=axes, keepdims=True)
    x_hat = (x.data - mean) / np.sqrt(var + 1e-3)
    gamma = bn.weight.data.reshape(1, 3, 1, 1)
    x_bar = (
        gamma
        / (m * np.sqrt(var + 1e-3))
        * (m * g - g.sum(axis=axes, keepdims=True) - x_hat * (g * x_hat).sum(axis=axes, keepdims=True))
    )
    np.testing.assert_allclose(x.grad.data, x_bar, atol=1e-12)
    np.testing.assert_allclose(bn.weight.grad.data, (g * x_hat).sum(axis=axes), atol=1e-12)
    np.testing.assert_allclose(bn.bias.grad.data, g.sum(axis=axes), atol=1e-12)


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_gradients_first_and_second_order(training):
    rm, rv = RNG.normal(size=3), RNG.uniform(0.5, 2.0, 3)

    def f(x, w, b):
        return F.batch_norm(x, rm.copy(), rv.copy(), w, b, training=training, eps=1e-2)

    check_first_and_second(f, RNG.normal(size=(3, 3, 2, 2)), RNG.uniform(0.5, 2.0, 3), RNG.normal(size=3))
    check_first_and_second(f, RNG.normal(size=(5, 3)), RNG.uniform(0.5, 2.0, 3), RNG.normal(size=3))


def test_batch_norm_module_train_and_eval_gradients():
    bn = nn.BatchNorm1d(2)
    x = RNG.normal(size=(4, 2, 3))
    check_first_and_second(lambda x: nn.BatchNorm1d.forward(bn.train(), x), x)
    bn.eval()
    check_first_and_second(bn, x)


def test_layer_norm():
    x = RNG.normal(size=(2, 3, 4, 5))
    ln = nn.LayerNorm((4, 5))
    ln.weight.data = RNG.normal(size=(4, 5))
    ln.bias.data = RNG.normal(size=(4, 5))
    mean, var = x.mean(axis=(2, 3), keepdims=True), x.var(axis=(2, 3), keepdims=True)
    expected = (x - mean) / np.sqrt(var + 1e-5) * ln.weight.data + ln.bias.data
    np.testing.assert_allclose(ln(x).data, expected, atol=1e-12)
    assert list(ln.state_dict()) == ["weight", "bias"]
    assert nn.LayerNorm(5, bias=False).bias is None
    assert list(nn.LayerNorm(5, elementwise_affine=False).parameters()) == []
    check_first_and_second(
        lambda x, w, b: F.layer_norm(x, (5,), w, b), x[0, 0], RNG.normal(size=5), RNG.normal(size=5)
    )
    with pytest.raises(ValueError, match=r"normalized_shape=\[4\].*\(2, 3\)"):
        nn.LayerNorm(4)(np.zeros((2, 3)))


def test_group_norm():
    x = RNG.normal(size=(2, 6, 3, 2))
    gn = nn.GroupNorm(3, 6)
    gn.weight.data, gn.bias.data = RNG.normal(size=6), RNG.normal(size=6)
    grouped = x.reshape(2, 3, -1)
    normed = (grouped - grouped.mean(-1, keepdims=True)) / np.sqrt(grouped.var(-1, keepdims=True) + 1e-5)
    expected = normed.reshape(x.shape) * gn.weight.data.reshape(1, 6, 1, 1) + gn.bias.data.reshape(1, 6, 1, 1)
    np.testing.assert_allclose(gn(x).data, expected, atol=1e-12)
    check_first_and_second(
        lambda x, w, b: F.group_norm(x, 2, w, b), x[:, :4, :, :1], RNG.normal(size=4), RNG.normal(size=4)
    )
    with pytest.raises(ValueError, match="divisible by num_groups"):
        nn.GroupNorm(4, 6)


def test_cnn_state_dict_with_pytorchs_keys_round_trips_through_npz(tmp_path):
    """An .npz written by hand with PyTorch's key names loads and gives the same outputs."""

    def model():
        return nn.Sequential(
            nn.Conv2d(2, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ReLU(), nn.Flatten(), nn.Linear(3 * 4 * 4, 2)
        )

    arrays = {
        "0.weight": RNG.normal(size=(3, 2, 3, 3)),
        "0.bias": RNG.normal(size=3),
        "1.weight": RNG.uniform(0.5, 2, 3),
        "1.bias": RNG.normal(size=3),
        "1.running_mean": RNG.normal(size=3),
        "1.running_var": RNG.uniform(0.5, 2, 3),
        "1.num_batches_tracked": np.array(17, dtype=np.int64),
        "4.weight": RNG.normal(size=(2, 48)),
        "4.bias": RNG.normal(size=2),
    }
    path = tmp_path / "cnn.npz"
    np.savez(path, **arrays)
    net = model()
    assert list(net.state_dict()) == list(arrays)  # same keys, same order as PyTorch
    net.load(path)
    net.eval()
    x = RNG.normal(size=(2, 2, 4, 4))
    # the same network written out in NumPy from the file's arrays
    from test_conv import conv_reference

    h = conv_reference(x, arrays["0.weight"], arrays["0.bias"], (1, 1), ((1, 1), (1, 1)), (1, 1), 1)
    h = bn_reference(
        h, arrays["1.running_mean"], arrays["1.running_var"], arrays["1.weight"], arrays["1.bias"], 1e-5
    )
    expected = np.maximum(h, 0).reshape(2, -1) @ arrays["4.weight"].T + arrays["4.bias"]
    np.testing.assert_allclose(net(x).data, expected, atol=1e-12)
    assert net[1].num_batches_tracked.data.dtype == np.int64 and int(net[1].num_batches_tracked.data) == 17
    # and saving writes the same keys back
    net.save(tmp_path / "again.npz")
    with np.load(tmp_path / "again.npz") as saved:
        assert sorted(saved.files) == sorted(arrays)
        np.testing.assert_array_equal(saved["1.running_var"], arrays["1.running_var"])
