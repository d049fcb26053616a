"""Hand-derived formulas: the lecture notes' derivative rules, subgradients, stability, higher order."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am


def _grad(f, *values):
    xs = [am.tensor(v, requires_grad=True) for v in values]
    f(*xs).backward()
    return [x.grad.numpy() for x in xs]


# ------------------------------------------------------------------ the lecture notes' derivative rules

XS = np.array([-1.3, -0.4, 0.7, 1.9])


def test_power_rule_x5():
    # lecture notes: f(x) = x⁵, f'(x) = 5x⁴
    (g,) = _grad(lambda x: (x**5).sum(), XS)
    np.testing.assert_allclose(g, 5 * XS**4)


def test_product_rule():
    # lecture notes: f(x) = (x⁴ + 2)·cos x, f'(x) = 4x³cos x - x⁴ sin x - 2 sin x
    (g,) = _grad(lambda x: ((x**4 + 2) * am.cos(x)).sum(), XS)
    np.testing.assert_allclose(g, 4 * XS**3 * np.cos(XS) - XS**4 * np.sin(XS) - 2 * np.sin(XS))


def test_partial_derivatives_x4y():
    # lecture notes: f(x, y) = x⁴y, ∂f/∂x = 4x³y, ∂f/∂y = x⁴
    x, y = 1.7, -0.6
    gx, gy = _grad(lambda a, b: a**4 * b, x, y)
    assert gx == pytest.approx(4 * x**3 * y) and gy == pytest.approx(x**4)


def test_gradient_of_2x2_plus_4y():
    # lecture notes: f(x, y) = 2x² + 4y, ∇f = (4x, 4)
    x, y = 0.3, 5.0
    gx, gy = _grad(lambda a, b: 2 * a**2 + 4 * b, x, y)
    assert gx == pytest.approx(4 * x) and gy == pytest.approx(4.0)


def test_sigmoid_and_tanh_derivatives_of_the_lecture_notes():
    # lecture notes: σ'(z) = σ(z)(1 - σ(z)), tanh'(z) = 1 - tanh²(z)
    s = 1 / (1 + np.exp(-XS))
    (g,) = _grad(lambda x: am.sigmoid(x).sum(), XS)
    np.testing.assert_allclose(g, s * (1 - s))
    (g,) = _grad(lambda x: am.tanh(x).sum(), XS)
    np.testing.assert_allclose(g, 1 - np.tanh(XS) ** 2)


# ------------------------------------------------------------------ subgradient conventions


def test_relu_and_abs_at_zero_have_zero_derivative():
    (g,) = _grad(lambda x: am.relu(x).sum(), np.array([-1.0, 0.0, 2.0]))
    np.testing.assert_array_equal(g, [0.0, 0.0, 1.0])
    (g,) = _grad(lambda x: am.abs(x).sum(), np.array([-1.0, 0.0, 2.0]))
    np.testing.assert_array_equal(g, [-1.0, 0.0, 1.0])


def test_leaky_relu_at_zero_uses_the_negative_slope():
    (g,) = _grad(lambda x: am.leaky_relu(x, 0.2).sum(), np.array([-1.0, 0.0, 2.0]))
    np.testing.assert_allclose(g, [0.2, 0.2, 1.0])


def test_max_ties_split_the_gradient_evenly():
    (g,) = _grad(lambda x: x.max(), np.array([3.0, 1.0, 3.0, 3.0]))
    np.testing.assert_allclose(g, [1 / 3, 0.0, 1 / 3, 1 / 3])
    (g,) = _grad(lambda x: x.min(axis=1).sum(), np.array([[1.0, 1.0], [0.0, 2.0]]))
    np.testing.assert_allclose(g, [[0.5, 0.5], [1.0, 0.0]])


def test_maximum_ties_split_between_inputs():
    gx, gy = _grad(lambda a, b: am.maximum(a, b).sum(), np.array([1.0, 2.0]), np.array([1.0, 0.0]))
    np.testing.assert_allclose(gx, [0.5, 1.0])
    np.testing.assert_allclose(gy, [0.5, 0.0])


def test_clip_passes_gradient_at_the_bounds():
    (g,) = _grad(lambda x: am.clip(x, -1.0, 1.0).sum(), np.array([-2.0, -1.0, 0.0, 1.0, 2.0]))
    np.testing.assert_array_equal(g, [0.0, 1.0, 1.0, 1.0, 0.0])


# ------------------------------------------------------------------ numerical stability

BIG = np.array([-1000.0, -3.0, 0.0, 5.0, 1000.0])


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: am.softmax(x),
        lambda x: am.log_softmax(x),
        lambda x: am.logsumexp(x),
        lambda x: am.sigmoid(x),
        lambda x: am.softplus(x),
        lambda x: am.elu(x),
    ],
    ids=["softmax", "log_softmax", "logsumexp", "sigmoid", "softplus", "elu"],
)
def test_stable_for_magnitude_1000(fn):
    x = am.tensor(BIG, requires_grad=True)
    out = fn(x)
    assert np.isfinite(out.numpy()).all()
    (out * am.tensor(np.linspace(-1, 1, out.size).reshape(out.shape))).sum().backward()
    assert np.isfinite(x.grad.numpy()).all()


def test_stable_values_are_right():
    np.testing.assert_allclose(am.logsumexp(am.tensor([1000.0, 1000.0])).item(), 1000 + np.log(2))
    np.testing.assert_allclose(am.sigmoid(am.tensor([-1000.0, 1000.0])).numpy(), [0.0, 1.0])
    np.testing.assert_allclose(am.softplus(am.tensor([-1000.0, 1000.0])).numpy(), [0.0, 1000.0])
    np.testing.assert_allclose(am.log_softmax(am.tensor([0.0, 1000.0])).numpy(), [-1000.0, 0.0])
    assert am.logsumexp(am.tensor([-np.inf, -np.inf])).item() == -np.inf


# ------------------------------------------------------------------ higher order


def _derivatives(f, x0, order):
    x = am.tensor(x0, requires_grad=True)
    y = f(x)
    out = []
    for _ in range(order):
        (y,) = am.autograd.grad(y, x, create_graph=True)
        out.append(y.item())
    return out


def test_third_derivative_of_x_cubed():
    assert _derivatives(lambda x: x**3, 1.5, 3) == pytest.approx([3 * 1.5**2, 6 * 1.5, 6.0])


def test_three_derivatives_of_tanh():
    t = np.tanh(0.4)
    expected = [1 - t**2, -2 * t * (1 - t**2), (1 - t**2) * (6 * t**2 - 2)]
    assert _derivatives(am.tanh, 0.4, 3) == pytest.approx(expected)


def test_three_derivatives_of_sigmoid():
    s = 1 / (1 + np.exp(-0.3))
    d1 = s * (1 - s)
    d2 = d1 * (1 - 2 * s)
    d3 = d1 * (1 - 6 * s + 6 * s**2)
    assert _derivatives(am.sigmoid, 0.3, 3) == pytest.approx([d1, d2, d3])


def test_three_derivatives_of_exp_times_sin():
    x = 0.7
    e, s, c = np.exp(x), np.sin(x), np.cos(x)
    expected = [e * (s + c), 2 * e * c, 2 * e * (c - s)]
    assert _derivatives(lambda t: am.exp(t) * am.sin(t), x, 3) == pytest.approx(expected)


def test_hessian_of_a_small_mlp_loss_matches_finite_differences():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((5, 2))
    y = rng.standard_normal((5, 1))
    w2 = rng.standard_normal((3, 1))

    def loss(w1):
        h = am.tanh(am.tensor(X) @ w1.reshape(2, 3))
        return ((h @ w2 - y) ** 2).mean()

    w0 = rng.standard_normal(6)
    v = rng.standard_normal(6)

    def directional(w):
        with am.enable_grad():
            leaf = am.tensor(w.numpy(), requires_grad=True)
            (g,) = am.autograd.grad(loss(leaf), leaf, create_graph=True)
            return (g * v).sum(), leaf

    hv_out, leaf = directional(am.tensor(w0))
    (hv,) = am.autograd.grad(hv_out, leaf)
    (numeric,) = am.numerical_grad(lambda w: directional(w)[0], w0, eps=1e-5)
    np.testing.assert_allclose(hv.numpy(), numeric, rtol=1e-5, atol=1e-8)
