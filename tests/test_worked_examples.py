"""The worked examples of the lecture notes this project grew from, end to end.

Gradient descent on J = ½(y - y*)² with input x = 2, target y* = 1 and learning rate
h = 0.1, for a single weight (y = w·x from w = 0.95) and for a chain of four one-neuron
layers (y = x·w1·w2·w3·w4 from w = (0.8, 0.6, 0.1, 0.5)); then maxima and minima of
functions of one and two variables (f' = 0, then the sign of f'' or the r, s, t test).
The hand derivations are :mod:`autograd_mini.examples.handwritten`'s.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.examples.handwritten import d_chain, single_weight_gradient

X, TARGET, LR = 2.0, 1.0, 0.1  # input, target, learning rate of both examples


def truncate(value: float, digits: int) -> float:
    return math.trunc(value * 10**digits) / 10**digits


# ---------------------------------------------------------------- single weight


def single_weight_loss(w):
    return 0.5 * (w * X - TARGET) ** 2


def test_single_weight_gradient_is_the_chain_rule_by_hand():
    # dJ/dw = dJ/dy · dy/dw = (y - y*) · x = (1.9 - 1) · 2 = 1.8
    assert am.grad(single_weight_loss)(0.95) == pytest.approx((0.95 * X - TARGET) * X)
    report = am.compare_gradients(single_weight_loss, [0.95], reference=single_weight_gradient)
    assert report.ok


def test_single_weight_descent_reaches_the_printed_weights():
    w = 0.95
    history = {}
    for step in range(1, 21):
        w = w - LR * am.grad(single_weight_loss)(w)
        history[step] = w
    # the notes print w_new = 0.77, then w = 0.5027, 0.5002 and 0.5000 after 10, 15, 20 iterations
    assert history[1] == pytest.approx(0.77, abs=1e-12)
    assert round(history[10], 4) == 0.5027
    assert round(history[15], 4) == 0.5002
    assert round(history[20], 4) == 0.5000
    # the update is w ← 0.6·w + 0.2, so w_k = 0.5 + 0.45·0.6ᵏ exactly
    for k in (1, 10, 15, 20):
        assert history[k] == pytest.approx(0.5 + 0.45 * 0.6**k, rel=1e-12)


# ---------------------------------------------------------------- four weights in a chain


def chain_output(w1, w2, w3, w4):
    return X * w1 * w2 * w3 * w4


def chain_loss(w1, w2, w3, w4):
    return 0.5 * (chain_output(w1, w2, w3, w4) - TARGET) ** 2


def chain_hand(w1, w2, w3, w4):
    """The notes' formulas: dJ/dw4 = (y - y*) z3 = d4 z3, dJ/dw3 = d4 w4 z2 = d3 z2,
    dJ/dw2 = d3 w3 z1 = d2 z1, dJ/dw1 = d2 w2 x = d1 x."""
    return d_chain(w1, w2, w3, w4)["grads"]


W0 = (0.8, 0.6, 0.1, 0.5)


def test_chain_forward_values_match_the_notes():
    # the notes: z1 = 1.6, z2 = 0.96, z3 = 0.096, y = 0.048
    w1, w2, w3, _ = W0
    assert X * w1 == pytest.approx(1.6)
    assert X * w1 * w2 == pytest.approx(0.96)
    assert X * w1 * w2 * w3 == pytest.approx(0.096)
    assert float(chain_output(*(am.tensor(w) for w in W0))) == pytest.approx(0.048)


def test_chain_gradients_equal_the_d_chain_formulas():
    ad = am.grad(chain_loss, argnums=(0, 1, 2, 3))(*W0)
    for got, want in zip(ad, chain_hand(*W0)):
        assert got == pytest.approx(want, rel=1e-12)
    report = am.compare_gradients(chain_loss, list(W0), reference=chain_hand)
    assert report.ok, str(report)


def train_chain(steps: int) -> dict[int, float]:
    """Gradient descent updating all four weights at once with the AD gradient."""
    w = list(W0)
    outputs = {}
    step_grad = am.grad(chain_loss, argnums=(0, 1, 2, 3))
    for step in range(1, steps + 1):
        g = step_grad(*w)
        w = [wi - LR * gi for wi, gi in zip(w, g)]
        outputs[step] = chain_output(*w)
    return outputs


def test_chain_outputs_after_10_15_20_iterations_match_the_notes():
    y = train_chain(20)
    # The notes print y = 0.7235, 0.992283 and 0.9999 after 10, 15 and 20 iterations.
    # 15 and 20 agree when rounded to the printed digits. After 10 iterations y is
    # 0.723556..., which rounds to 0.7236: the notes' 0.7235 is the value truncated to
    # four decimals (a sequential update, where each weight is updated before the next
    # delta is formed, gives 0.8240 instead and misses 0.992283 too, so the update
    # rule is the simultaneous one used here).
    assert truncate(y[10], 4) == 0.7235
    assert abs(y[10] - 0.7235) < 1e-4
    assert round(y[15], 6) == 0.992283
    assert round(y[20], 4) == 0.9999


def test_the_chain_trained_with_backward_gives_the_same_outputs():
    weights = [am.tensor(w, requires_grad=True) for w in W0]
    outputs = {}
    for step in range(1, 21):
        loss = chain_loss(*weights)
        loss.backward()
        with am.no_grad():
            for w in weights:
                w -= LR * w.grad
                w.grad = None
        outputs[step] = float(chain_output(*weights))
    reference = train_chain(20)
    for step in (10, 15, 20):
        assert outputs[step] == pytest.approx(reference[step], rel=1e-12)


# ---------------------------------------------------------------- maxima and minima


def classify(f, point):
    """The notes' test at a critical point: r = f_xx, s = f_xy, t = f_yy; rt - s² > 0 is an extremum."""
    h = am.hessian(f)(np.asarray(point, dtype=float))
    r, s, t = h[0, 0], h[0, 1], h[1, 1]
    det = r * t - s**2
    if det > 0:
        return ("minimum" if r > 0 else "maximum"), (r, s, t)
    if det < 0:
        return "saddle", (r, s, t)
    return "test fails", (r, s, t)


def newton_critical_point(f, start, steps=30):
    """Solve ∇f = 0 by Newton's method, using am.grad and am.hessian."""
    p = np.asarray(start, dtype=float)
    for _ in range(steps):
        p = p - np.linalg.solve(am.hessian(f)(p), am.grad(f)(p))
    return p


def bowl(p):  # x² + xy + y² - 3x: minimum at (2, -1)
    return p[0] ** 2 + p[0] * p[1] + p[1] ** 2 - 3.0 * p[0]


def dome(p):  # -x² - y² + 2x + 4y: maximum at (1, 2)
    return -(p[0] ** 2) - p[1] ** 2 + 2.0 * p[0] + 4.0 * p[1]


def monkey(p):  # x³ + y³ - 3xy: saddle at (0, 0), minimum at (1, 1)
    return p[0] ** 3 + p[1] ** 3 - 3.0 * p[0] * p[1]


@pytest.mark.parametrize(
    ("f", "start", "point", "kind", "rst"),
    [
        (bowl, (0.0, 0.0), (2.0, -1.0), "minimum", (2.0, 1.0, 2.0)),
        (dome, (5.0, -3.0), (1.0, 2.0), "maximum", (-2.0, 0.0, -2.0)),
        (monkey, (0.2, -0.1), (0.0, 0.0), "saddle", (0.0, -3.0, 0.0)),
        (monkey, (1.3, 0.8), (1.0, 1.0), "minimum", (6.0, -3.0, 6.0)),
    ],
)
def test_critical_points_and_the_rt_minus_s_squared_test(f, start, point, kind, rst):
    found = newton_critical_point(f, start)
    np.testing.assert_allclose(found, point, atol=1e-10)
    np.testing.assert_allclose(am.grad(f)(np.array(point)), 0.0, atol=1e-12)  # gradient = 0
    got_kind, (r, s, t) = classify(f, point)
    assert got_kind == kind
    np.testing.assert_allclose((r, s, t), rst, atol=1e-12)


def test_univariate_second_derivative_test():
    # f = x³ - 3x: f'(x) = 3x² - 3 = 0 at ±1; f''(1) = 6 > 0 (minimum), f''(-1) = -6 < 0 (maximum)
    def f(x):
        return x**3 - 3.0 * x

    d1, d2 = am.grad(f), am.grad(am.grad(f))
    for c, second in ((1.0, 6.0), (-1.0, -6.0)):
        assert d1(c) == pytest.approx(0.0, abs=1e-12)
        assert d2(c) == pytest.approx(second)
