"""Special points where a naive rule gives nan or a refusal: x ** y at x = 0, std of no
spread, axes of 0-d tensors.

Values at the special points are PyTorch's documented conventions, each derived in a
comment; around them the gradients are checked against float64 central differences.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am


def _grads(f, *values, create_graph=False):
    xs = [am.tensor(np.asarray(v, dtype=np.float64), requires_grad=True) for v in values]
    return xs, am.autograd.grad(f(*xs), xs, create_graph=create_graph)


def _second(f, *values):
    """Rows of the Hessian of the scalar f at ``values`` (one input per value), by AD."""
    xs, gs = _grads(f, *values, create_graph=True)
    rows = []
    for g in gs:
        hs = am.autograd.grad(g.sum(), xs, retain_graph=True, allow_unused=True)
        rows.append([np.zeros_like(x.numpy()) if h is None else h.numpy() for x, h in zip(xs, hs)])
    return rows


# ------------------------------------------------------------------ x ** y at x = 0


def test_zero_exponent_has_zero_base_derivative_even_at_zero():
    # d/dx x⁰ = 0·x⁻¹: PyTorch masks it to 0 where y == 0 (x⁰ = 1 is constant), so one
    # zero entry no longer turns the gradient into nan (0·inf)
    x = am.tensor([0.0, 0.5, -2.0], requires_grad=True)
    (x**0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.0])


def test_tensor_exponent_with_zeros_keeps_every_other_entry():
    # x̄ = y·x^(y-1) (0 where y = 0); ȳ = xʸ·log x (0 where x = 0 and y ≥ 0)
    xv, yv = np.array([0.0, 0.0, 1.5, 2.0]), np.array([0.0, 2.0, 0.0, 3.0])
    _, (gx, gy) = _grads(lambda x, y: (x**y).sum(), xv, yv)
    np.testing.assert_allclose(gx.numpy(), [0.0, 0.0, 0.0, 3 * 2.0**2])
    np.testing.assert_allclose(gy.numpy(), [0.0, 0.0, np.log(1.5), 8 * np.log(2.0)])


@pytest.mark.parametrize("y0", [0.0, 0.5, 1.0, 2.0, 3.0])
def test_exponent_derivative_at_zero_base_is_zero(y0):
    # ∂(xʸ)/∂y = xʸ·log x; PyTorch takes it as 0 where x == 0 and y ≥ 0 (the limit of
    # xʸ log x as x → 0⁺ for y > 0; for y = 0, x⁰ = 1 does not depend on y)
    with np.errstate(divide="ignore"):  # y = 0.5: x^(-1/2) at 0 is inf, rightly
        _, (gx, gy) = _grads(lambda x, y: x**y, 0.0, y0)
    assert gy.item() == 0.0
    # and the base derivative y·x^(y-1) is PyTorch's: 0 for y = 0 (masked), ∞ for
    # 0 < y < 1, 1 for y = 1, 0 for y > 1
    assert gx.item() == {0.0: 0.0, 0.5: np.inf, 1.0: 1.0, 2.0: 0.0, 3.0: 0.0}[y0]


def test_power_gradients_around_zero_match_finite_differences():
    # integer exponents: xʸ is smooth through x = 0, so central differences are valid
    # there; in the exponent, 0^(y ± h) = 0 for y ≥ 1, so ∂/∂y at x = 0 is 0 too
    w = am.tensor([1.0, -2.0, 0.5, 1.5, 3.0])
    xv = np.array([0.0, -0.7, 0.0, 1.3, 0.0])
    yv = np.array([1.0, 2.0, 2.0, 3.0, 3.0])
    _, (gx,) = _grads(lambda x: ((x**yv) * w).sum(), xv)
    (num_x,) = am.numerical_grad(lambda x: ((x**yv) * w).sum(), xv)
    np.testing.assert_allclose(gx.numpy(), num_x, rtol=1e-6, atol=1e-8)
    # both inputs Tensors (log x needs x ≥ 0 in the exponent's rule)
    xv = np.abs(xv)
    _, (gx, gy) = _grads(lambda x, y: ((x**y) * w).sum(), xv, yv)
    num_x, num_y = am.numerical_grad(lambda x, y: ((x**y) * w).sum(), xv, yv)
    np.testing.assert_allclose(gx.numpy(), num_x, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(gy.numpy(), num_y, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(("y0", "d2"), [(0.0, 0.0), (1.0, 0.0), (2.0, 2.0), (3.0, 0.0)])
def test_second_derivative_of_constant_power_at_zero(y0, d2):
    # d²(xʸ)/dx² = y(y-1)x^(y-2) at x = 0: 0 for y = 0 (x⁰ constant) and y = 1 (x¹ is
    # linear; the rule's x⁰ is constant, its derivative masked to 0 as above), 2 for
    # y = 2, 0 for y = 3. The old rule gave nan for y = 1 (1·0·0⁻¹).
    x = am.tensor(0.0, requires_grad=True)
    (g,) = am.autograd.grad(x**y0, x, create_graph=True)
    (h,) = am.autograd.grad(g, x, allow_unused=True)
    assert (0.0 if h is None else h.item()) == d2


def test_second_derivatives_of_power_at_zero_are_finite():
    # Hessian of f(x, y) = xʸ at x = 0, both inputs Tensors:
    #   y = 2: f_xx = y(y-1)x^(y-2) = 2; f_xy = x^(y-1)(1 + y log x) → 0 (x log x → 0,
    #          and the masked log term gives 0); f_yx = 0 (masked rule); f_yy = xʸ(log x)² → 0
    #   y = 1: f_xx = 0 (x¹ is linear); through the base rule y·x^(y-1), ∂/∂y gives
    #          x⁰ + y·(masked x⁰ log x = 0) = 1, which is PyTorch's value for this path;
    #          the masked exponent rule gives f_yx = 0; f_yy = 0
    #   y = 0: every entry is masked to 0 (the old rules gave nan here)
    expected = {
        2.0: [[2.0, 0.0], [0.0, 0.0]],
        1.0: [[0.0, 1.0], [0.0, 0.0]],
        0.0: [[0.0, 0.0], [0.0, 0.0]],
    }
    for y0, want in expected.items():
        rows = _second(lambda x, y: x**y, 0.0, y0)
        got = [[float(v) for v in row] for row in rows]
        assert got == want, (y0, got)


def test_second_order_through_zero_base_matches_finite_differences_elsewhere():
    # one zero entry must not disturb the second derivatives of the others: compare the
    # Hessian-vector product of Σ w·x³ (entries at 0 and away) with finite differences
    # of the AD gradient (x³ is smooth, so this is valid at 0 too)
    xv = np.array([0.0, 0.8, -1.1])
    w = np.array([1.0, -0.5, 2.0])
    v = np.array([0.3, -1.0, 0.7])

    def grad_dot_v(x):
        with am.enable_grad():
            leaf = am.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
            (g,) = am.autograd.grad(((leaf**3) * am.tensor(w)).sum(), leaf, create_graph=True)
            return (g * am.tensor(v)).sum(), leaf

    out, leaf = grad_dot_v(xv)
    (hv,) = am.autograd.grad(out, leaf)
    (numeric,) = am.numerical_grad(lambda x: grad_dot_v(x.numpy())[0], xv, eps=1e-5)
    np.testing.assert_allclose(hv.numpy(), numeric, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(hv.numpy(), 6 * w * xv * v)


# ------------------------------------------------------------------ std with no spread


def test_std_of_a_single_element_has_zero_gradient():
    # std(x) of one value is identically 0, so its derivative is 0 (PyTorch, HIPS
    # autograd); the old √var rule gave 0·(1/0) = nan
    assert am.grad(am.std)(3.5) == 0.0
    x = am.tensor(np.array([[1.0, -2.0, 4.0]]), requires_grad=True)
    out = am.std(x, axis=0)
    np.testing.assert_array_equal(out.numpy(), [0.0, 0.0, 0.0])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0.0, 0.0, 0.0]])


@pytest.mark.parametrize("ddof", [0, 1])
def test_std_and_var_of_equal_entries_have_zero_gradient(ddof):
    # all equal: x - mean = 0 everywhere, so ∂std/∂x = (x - mean)/((n - ddof)·std) is
    # taken as 0 at std = 0 (PyTorch masks the 1/std factor where std == 0); for var
    # the rule 2(x - mean)/(n - ddof) is 0 by itself. Central differences agree: std is
    # even in each perturbation of equal entries, so (std(x+h) - std(x-h))/2h = 0.
    xv = np.full(4, 2.5)
    np.testing.assert_array_equal(am.grad(lambda x: am.std(x, ddof=ddof))(xv), np.zeros(4))
    np.testing.assert_array_equal(am.grad(lambda x: am.var(x, ddof=ddof))(xv), np.zeros(4))
    (numeric,) = am.numerical_grad(lambda x: am.std(x, ddof=ddof), xv)
    np.testing.assert_allclose(numeric, np.zeros(4), atol=1e-9)


def test_std_with_one_flat_row_keeps_the_other_rows_exact():
    # per row: ∂std/∂x = (x - mean)/(n·std); row 0 is flat (gradient 0), row 1 is not
    xv = np.array([[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]])
    w = np.array([0.7, -1.3])
    g = am.grad(lambda x: (am.std(x, axis=1) * am.tensor(w)).sum())(xv)
    row = xv[1]
    expected = np.vstack([np.zeros(3), w[1] * (row - row.mean()) / (3 * row.std())])
    np.testing.assert_allclose(g, expected, rtol=1e-12)
    (numeric,) = am.numerical_grad(lambda x: (am.std(x, axis=1) * am.tensor(w)).sum(), xv)
    np.testing.assert_allclose(g, numeric, rtol=1e-6, atol=1e-9)


def test_std_second_order_at_no_spread_is_finite_and_exact_elsewhere():
    # the Hessian of std does not exist at std = 0 (std behaves like |x| there); the
    # masked rule gives 0 there instead of nan, and leaves the other rows exact:
    # compare the Hessian-vector product along a direction that moves only row 1 with
    # finite differences of the AD gradient (row 0 stays flat, its gradient stays 0)
    xv = np.array([[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]])
    w = np.array([0.7, -1.3])
    v = np.array([[0.0, 0.0, 0.0], [0.4, -0.9, 0.2]])

    def grad_dot_v(x):
        with am.enable_grad():
            leaf = am.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
            loss = (am.std(leaf, axis=1) * am.tensor(w)).sum()
            (g,) = am.autograd.grad(loss, leaf, create_graph=True)
            return (g * am.tensor(v)).sum(), leaf

    out, leaf = grad_dot_v(xv)
    (hv,) = am.autograd.grad(out, leaf)
    assert np.isfinite(hv.numpy()).all()
    (numeric,) = am.numerical_grad(lambda x: grad_dot_v(x.numpy())[0], xv, eps=1e-5)
    np.testing.assert_allclose(hv.numpy(), numeric, rtol=1e-5, atol=1e-8)
    # a single element: the Hessian is the 1×1 zero matrix (std ≡ 0 there)
    np.testing.assert_array_equal(am.hessian(am.std)(np.array([3.5])), [[0.0]])
    # all equal: finite (0), where the unmasked rule gave 0·inf = nan
    np.testing.assert_array_equal(am.hessian(am.std)(np.full(3, 2.0)), np.zeros((3, 3)))


# ------------------------------------------------------------------ axes of 0-d tensors

T0 = 0.5


@pytest.mark.parametrize("axis", [0, -1])
@pytest.mark.parametrize(
    ("name", "fn", "value", "slope"),
    [
        # on a 0-d tensor axis 0 / -1 name the tensor itself (PyTorch): reductions over
        # one element return it (d/dx = 1), softmax of one value is 1 (d/dx = 0) and
        # log_softmax 0 (d/dx = 0), var/std of one value are 0 (d/dx = 0)
        ("sum", lambda t, a: t.sum(a), T0, 1.0),
        ("sum keepdims", lambda t, a: t.sum(a, keepdims=True), T0, 1.0),
        ("mean", lambda t, a: t.mean(a), T0, 1.0),
        ("max", lambda t, a: t.max(a), T0, 1.0),
        ("min", lambda t, a: am.min(t, a), T0, 1.0),
        ("logsumexp", lambda t, a: am.logsumexp(t, a), T0, 1.0),
        ("var", lambda t, a: t.var(a), 0.0, 0.0),
        ("std", lambda t, a: t.std(a), 0.0, 0.0),
        ("softmax", lambda t, a: am.softmax(t, a), 1.0, 0.0),
        ("log_softmax", lambda t, a: am.log_softmax(t, axis=a), 0.0, 0.0),
        ("squeeze", lambda t, a: t.squeeze(a), T0, 1.0),
        ("swapaxes", lambda t, a: t.swapaxes(a, 0), T0, 1.0),
    ],
)
def test_zero_d_tensors_take_axis_0_and_minus_1(name, fn, value, slope, axis):
    t = am.tensor(T0, requires_grad=True)
    out = fn(t, axis)
    assert out.shape == () and out.item() == pytest.approx(value, abs=1e-15)
    out.backward()
    assert t.grad.item() == pytest.approx(slope, abs=1e-15)


def test_zero_d_defaults_and_new_axes():
    t = am.tensor(T0)
    assert am.softmax(t).item() == 1.0 and am.log_softmax(t).item() == 0.0
    assert t.unsqueeze(0).shape == (1,) and t.unsqueeze(-1).shape == (1,)
    assert am.stack([t, t], axis=-1).shape == (2,)
    assert int(t.argmax(0)) == 0 and int(t.argmin(-1)) == 0


@pytest.mark.parametrize(
    ("call", "op", "shape", "valid"),
    [
        (lambda: am.tensor(T0).sum(1), "sum", r"\(\)", "-1..0"),
        (lambda: am.tensor(T0).mean(-2), "mean", r"\(\)", "-1..0"),
        (lambda: am.tensor(T0).max(1), "max", r"\(\)", "-1..0"),
        (lambda: am.tensor(T0).std(axis=(0, 1)), "std", r"\(\)", "-1..0"),
        (lambda: am.softmax(am.tensor(T0), 1), "softmax", r"\(\)", "-1..0"),
        (lambda: am.log_softmax(am.tensor(T0), -2), "log_softmax", r"\(\)", "-1..0"),
        (lambda: am.logsumexp(am.tensor(T0), 2), "logsumexp", r"\(\)", "-1..0"),
        (lambda: am.tensor(T0).squeeze(1), "squeeze", r"\(\)", "-1..0"),
        (lambda: am.tensor(T0).unsqueeze(2), "unsqueeze", r"\(\)", "-1..0"),
        (lambda: am.tensor(T0).swapaxes(0, 1), "swapaxes", r"\(\)", "-1..0"),
        (lambda: am.tensor(T0).argmax(1), "argmax", r"\(\)", "-1..0"),
        (lambda: am.ones(2, 3).sum(2), "sum", r"\(2, 3\)", "-2..1"),
        (lambda: am.ones(2, 3).max(-3), "max", r"\(2, 3\)", "-2..1"),
        (lambda: am.ones(2, 3).unsqueeze(3), "unsqueeze", r"\(2, 3\)", "-3..2"),
        (lambda: am.stack([am.ones(2), am.ones(2)], axis=2), "stack", r"\(2,\)", "-2..1"),
        (lambda: am.concatenate([am.ones(2), am.ones(2)], axis=1), "concatenate", r"\(2,\)", "-1..0"),
        (lambda: am.ones(2, 3, 4).transpose(0, 1, 5), "transpose", r"\(2, 3, 4\)", "-3..2"),
    ],
)
def test_bad_axes_get_our_message_with_the_valid_range(call, op, shape, valid):
    pattern = rf"^{op}: axis -?\d+ is out of range for a tensor of shape {shape}.*valid axes are {valid}"
    with pytest.raises(ValueError, match=pattern):
        call()
