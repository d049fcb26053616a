"""nn.init gains and conv fans, nn.utils clipping and flat parameter vectors (issue 15)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.nn import init


@pytest.mark.parametrize(
    ("name", "param", "gain"),
    [
        ("linear", None, 1.0),
        ("identity", None, 1.0),
        ("conv1d", None, 1.0),
        ("conv2d", None, 1.0),
        ("conv3d", None, 1.0),
        ("conv_transpose1d", None, 1.0),
        ("conv_transpose2d", None, 1.0),
        ("conv_transpose3d", None, 1.0),
        ("sigmoid", None, 1.0),
        ("tanh", None, 5.0 / 3.0),
        ("relu", None, math.sqrt(2.0)),
        ("leaky_relu", None, math.sqrt(2.0 / (1 + 0.01**2))),
        ("leaky_relu", 0.2, math.sqrt(2.0 / 1.04)),
        ("leaky_relu", 1, 1.0),
        ("selu", None, 0.75),
    ],
)
def test_calculate_gain_covers_every_pytorch_name(name, param, gain):
    assert init.calculate_gain(name, param) == pytest.approx(gain, rel=1e-15)


def test_calculate_gain_rejects_unknown_names_and_bad_slopes():
    with pytest.raises(ValueError, match="unsupported nonlinearity 'gelu'"):
        init.calculate_gain("gelu")
    with pytest.raises(ValueError, match="not a valid number"):
        init.calculate_gain("leaky_relu", True)


def test_fans_of_conv_weights():
    w = nn.Parameter(np.zeros((16, 3, 5, 5)))
    assert init.calculate_fan_in_and_fan_out(w) == (3 * 25, 16 * 25)
    assert init.calculate_fan_in_and_fan_out(nn.Parameter(np.zeros((8, 4, 3)))) == (12, 24)
    big = nn.Parameter(np.zeros((64, 32, 3, 3)))
    init.kaiming_normal_(big, nonlinearity="relu", generator=0)
    assert big.data.std() == pytest.approx(math.sqrt(2.0 / (32 * 9)), rel=0.03)
    init.xavier_uniform_(big, generator=1)
    bound = math.sqrt(6.0 / (32 * 9 + 64 * 9))
    assert np.abs(big.data).max() <= bound and big.data.std() == pytest.approx(bound / math.sqrt(3), rel=0.03)
    init.kaiming_uniform_(big, mode="fan_out", nonlinearity="relu", generator=2)
    assert np.abs(big.data).max() <= math.sqrt(2.0) * math.sqrt(3.0 / (64 * 9))


def _with_grads(*grads):
    params = [nn.Parameter(np.zeros(np.shape(g))) for g in grads]
    for p, g in zip(params, grads):
        p.grad = am.tensor(np.asarray(g, dtype=float))
    return params


def test_clip_grad_norm_():
    params = _with_grads([3.0, 0.0], [[4.0]])
    total = nn.utils.clip_grad_norm_(params, max_norm=1.0)
    assert float(total) == pytest.approx(5.0)
    np.testing.assert_allclose(params[0].grad.data, [3.0 / (5.0 + 1e-6), 0.0])
    np.testing.assert_allclose(params[1].grad.data, [[4.0 / (5.0 + 1e-6)]])
    small = _with_grads([0.3, 0.4])
    nn.utils.clip_grad_norm_(small, max_norm=1.0)
    np.testing.assert_allclose(small[0].grad.data, [0.3, 0.4])  # below the limit: unchanged
    inf = _with_grads([1.0, -7.0], [2.0])
    assert float(nn.utils.clip_grad_norm_(inf, 3.5, norm_type="inf")) == 7.0
    np.testing.assert_allclose(inf[0].grad.data, np.array([1.0, -7.0]) * 3.5 / (7.0 + 1e-6))
    l1 = _with_grads([1.0, -2.0])
    assert float(nn.utils.clip_grad_norm_(l1, 10.0, norm_type=1)) == 3.0
    nan = _with_grads([np.nan, 1.0])
    with pytest.raises(RuntimeError, match="nan"):
        nn.utils.clip_grad_norm_(nan, 1.0, error_if_nonfinite=True)


def test_clip_grad_value_():
    params = _with_grads([-3.0, 0.5, 2.0])
    nn.utils.clip_grad_value_(params, 1.0)
    np.testing.assert_array_equal(params[0].grad.data, [-1.0, 0.5, 1.0])


def test_parameters_to_vector_and_back():
    layer = nn.Linear(3, 2, seed=0)
    vec = nn.utils.parameters_to_vector(layer.parameters())
    np.testing.assert_array_equal(vec.data, np.concatenate([layer.weight.data.ravel(), layer.bias.data]))
    (vec * vec).sum().backward()  # differentiable, as in PyTorch
    np.testing.assert_allclose(layer.weight.grad.data, 2 * layer.weight.data)
    nn.utils.vector_to_parameters(am.tensor(np.arange(8.0)), layer.parameters())
    np.testing.assert_array_equal(layer.weight.data, np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(layer.bias.data, [6.0, 7.0])
    with pytest.raises(ValueError, match="hold 8 values"):
        nn.utils.vector_to_parameters(am.tensor(np.zeros(7)), layer.parameters())
