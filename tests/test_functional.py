"""Function transforms: grad, value_and_grad, jacobian, hessian, vjp, jvp, hvp."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am

# ---------------------------------------------------------------- analytic references


def rosenbrock(x):
    """Σᵢ 100 (x[i+1] - x[i]²)² + (1 - x[i])², written with am ops."""
    return (100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2).sum()


def rosenbrock_grad(x: np.ndarray) -> np.ndarray:
    g = np.zeros_like(x)
    g[:-1] += -400.0 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2.0 * (1.0 - x[:-1])
    g[1:] += 200.0 * (x[1:] - x[:-1] ** 2)
    return g


def rosenbrock_hessian(x: np.ndarray) -> np.ndarray:
    n = x.size
    h = np.zeros((n, n))
    for i in range(n - 1):
        h[i, i] += 1200.0 * x[i] ** 2 - 400.0 * x[i + 1] + 2.0
        h[i + 1, i + 1] += 200.0
        h[i, i + 1] += -400.0 * x[i]
        h[i + 1, i] += -400.0 * x[i]
    return h


def vector_fn(x):
    """f(x) = [x0·x1, sin(x0), x1², exp(x2)·x0]."""
    return am.stack([x[0] * x[1], am.sin(x[0]), x[1] ** 2, am.exp(x[2]) * x[0]])


def vector_fn_jacobian(x: np.ndarray) -> np.ndarray:
    return np.array(
        [
            [x[1], x[0], 0.0],
            [np.cos(x[0]), 0.0, 0.0],
            [0.0, 2.0 * x[1], 0.0],
            [np.exp(x[2]), 0.0, np.exp(x[2]) * x[0]],
        ]
    )


def smooth_scalar(x):
    return (am.tanh(x) * x**2).sum() + am.sin(x[0] * x[1])


# ---------------------------------------------------------------- grad and value_and_grad


def test_grad_of_a_vector_function_is_an_array_shaped_like_the_input():
    g = am.grad(lambda x: (x**3).sum())(np.array([1.0, 2.0, -1.0]))
    assert isinstance(g, np.ndarray)
    np.testing.assert_allclose(g, [3.0, 12.0, 3.0])


def test_grad_of_a_scalar_argument_is_a_float():
    g = am.grad(am.tanh)(0.5)
    assert isinstance(g, float)
    assert g == pytest.approx(1.0 - np.tanh(0.5) ** 2)


def test_grad_argnums_int_tuple_and_negative():
    def f(x, y, z):
        return x * y**2 + z

    assert am.grad(f, argnums=1)(3.0, 2.0, 1.0) == pytest.approx(12.0)
    assert am.grad(f, argnums=-1)(3.0, 2.0, 1.0) == pytest.approx(1.0)
    gx, gz = am.grad(f, argnums=(0, 2))(3.0, 2.0, 1.0)
    assert (gx, gz) == (pytest.approx(4.0), pytest.approx(1.0))
    single = am.grad(f, argnums=(1,))(3.0, 2.0, 1.0)
    assert isinstance(single, tuple) and single[0] == pytest.approx(12.0)


def test_other_arguments_and_keywords_pass_through_unchanged():
    def f(x, power, scale=1.0):
        assert isinstance(power, int)
        return scale * (x**power).sum()

    g = am.grad(f)(np.array([1.0, 2.0]), 3, scale=2.0)
    np.testing.assert_allclose(g, [6.0, 24.0])


def test_value_and_grad_matches_separate_calls():
    x = np.array([0.3, -1.2, 2.0])
    value, g = am.value_and_grad(rosenbrock)(x)
    assert isinstance(value, float)
    assert value == pytest.approx(float(rosenbrock(am.tensor(x))))
    np.testing.assert_allclose(g, rosenbrock_grad(x), rtol=1e-12)


def test_rosenbrock_gradient_and_hessian_against_analytic(rng):
    for x in (np.array([-1.2, 1.0]), rng.normal(size=5)):
        np.testing.assert_allclose(am.grad(rosenbrock)(x), rosenbrock_grad(x), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(am.hessian(rosenbrock)(x), rosenbrock_hessian(x), rtol=1e-12, atol=1e-9)
    # the minimum at (1, ..., 1): zero gradient, positive definite Hessian
    ones = np.ones(4)
    np.testing.assert_allclose(am.grad(rosenbrock)(ones), 0.0, atol=1e-12)
    assert np.all(np.linalg.eigvalsh(am.hessian(rosenbrock)(ones)) > 0)


def test_inputs_are_not_modified_and_results_do_not_alias_them():
    x = np.array([1.0, 2.0])
    g = am.grad(lambda t: (t * 1.0).sum())(x)
    g[0] = 99.0
    np.testing.assert_array_equal(x, [1.0, 2.0])


def test_integer_inputs_are_promoted_and_float32_is_kept():
    assert am.grad(lambda x: x**2)(3) == pytest.approx(6.0)
    g = am.grad(lambda x: (x**2).sum())(np.array([1.0, 2.0], dtype=np.float32))
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, [2.0, 4.0])


def test_unused_argument_gets_a_zero_gradient():
    gx, gy = am.grad(lambda x, y: x**2, argnums=(0, 1))(3.0, np.ones(2))
    assert gx == pytest.approx(6.0)
    np.testing.assert_array_equal(gy, np.zeros(2))
    assert am.grad(lambda x: am.tensor(5.0))(1.0) == 0.0


def test_grad_works_inside_no_grad():
    with am.no_grad():
        g = am.grad(lambda x: (x**2).sum())(np.array([1.0, 3.0]))
    np.testing.assert_allclose(g, [2.0, 6.0])


def test_grad_rejects_a_non_scalar_output_naming_the_shape():
    with pytest.raises(TypeError, match=r"grad: f must return a scalar.*\(3,\).*jacobian"):
        am.grad(lambda x: x * 2.0)(np.ones(3))


def test_bad_argnums_are_rejected():
    with pytest.raises(IndexError, match="argnums 2 is out of range"):
        am.grad(lambda x, y: x * y, argnums=2)(1.0, 2.0)
    with pytest.raises(ValueError, match="repeats"):
        am.grad(lambda x, y: x * y, argnums=(0, -2))(1.0, 2.0)
    with pytest.raises(ValueError, match="empty"):
        am.grad(lambda x: x, argnums=())(1.0)


def test_transforms_keep_the_function_name():
    def loss(x):
        return x**2

    assert am.grad(loss).__name__ == "grad(loss)"
    assert am.hessian(loss).__name__ == "hessian(loss)"


# ---------------------------------------------------------------- composition


def test_grad_of_grad_is_the_second_and_third_derivative():
    def f(x):
        return x**3

    assert am.grad(am.grad(f))(2.0) == pytest.approx(12.0)
    assert am.grad(am.grad(am.grad(f)))(2.0) == pytest.approx(6.0)
    d2 = am.grad(am.grad(am.sin))
    assert d2(0.7) == pytest.approx(-np.sin(0.7))


def test_nested_transforms_do_not_confuse_variables():
    # d/dx [x · d/dy (x·y)] = d/dx x² = 2x  (the inner y is a different variable)
    assert am.grad(lambda x: x * am.grad(lambda y: x * y)(3.0))(2.0) == pytest.approx(4.0)
    # the inner derivative is taken at y = x but with respect to y only: d/dx x = 1
    assert am.grad(lambda x: am.grad(lambda y: x * y)(x))(2.0) == pytest.approx(1.0)


def test_grad_of_a_tensor_that_requires_grad_returns_a_differentiable_tensor():
    x = am.tensor(2.0, requires_grad=True)
    g = am.grad(lambda t: t**3)(x)
    assert isinstance(g, am.Tensor) and g.requires_grad
    assert float(g) == pytest.approx(12.0)
    g.backward()
    assert float(x.grad) == pytest.approx(12.0)  # d/dx 3x² = 6x


def test_hessian_of_grad_equals_jacobian_of_grad(rng):
    x = rng.normal(size=3)
    h1 = am.hessian(smooth_scalar)(x)
    h2 = am.jacobian(am.grad(smooth_scalar))(x)
    np.testing.assert_allclose(h1, h2, rtol=1e-12)
    np.testing.assert_allclose(h1, h1.T, rtol=1e-10, atol=1e-12)


def test_hessian_with_several_arguments_is_nested():
    # f(x, y) = x²·y + y³ : f_xx = 2y, f_xy = 2x, f_yy = 6y
    h = am.hessian(lambda x, y: x**2 * y + y**3, argnums=(0, 1))(1.5, 2.0)
    assert h[0][0] == pytest.approx(4.0)
    assert h[0][1] == pytest.approx(3.0)
    assert h[1][0] == pytest.approx(3.0)
    assert h[1][1] == pytest.approx(12.0)


def test_hessian_of_a_matrix_argument_has_shape_x_shape_twice(rng):
    a = rng.normal(size=(2, 3))
    h = am.hessian(lambda w: (w * w * a).sum())(rng.normal(size=(2, 3)))
    assert h.shape == (2, 3, 2, 3)
    np.testing.assert_allclose(h.reshape(6, 6), np.diag(2.0 * a.reshape(-1)))


# ---------------------------------------------------------------- jacobian


def test_jacobian_of_a_vector_function_against_analytic(rng):
    x = rng.normal(size=3)
    np.testing.assert_allclose(am.jacobian(vector_fn)(x), vector_fn_jacobian(x), rtol=1e-12)


def test_jacobian_shape_is_out_shape_plus_in_shape(rng):
    a = rng.normal(size=(3, 4))
    x = rng.normal(size=(2, 3))
    j = am.jacobian(lambda x: x @ a)(x)
    assert j.shape == (2, 4, 2, 3)
    expected = np.einsum("ik,lj->ijkl", np.eye(2), a)  # ∂(xa)[i,j]/∂x[k,l] = δ_ik a[l,j]
    np.testing.assert_allclose(j, expected)
    # scalar in, vector out; vector in, scalar out
    assert am.jacobian(lambda t: am.stack([t, t**2]))(3.0).shape == (2,)
    assert am.jacobian(lambda t: (t**2).sum())(np.ones(3)).shape == (3,)


def test_jacobian_of_several_outputs_and_arguments():
    def f(x, y):
        return x * y, x + y

    (jxy_x, jxy_y), (js_x, js_y) = am.jacobian(f, argnums=(0, 1))(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    np.testing.assert_allclose(jxy_x, np.diag([3.0, 4.0]))
    np.testing.assert_allclose(jxy_y, np.diag([1.0, 2.0]))
    np.testing.assert_allclose(js_x, np.eye(2))
    np.testing.assert_allclose(js_y, np.eye(2))


def test_jacobian_of_a_constant_function_is_zero():
    j = am.jacobian(lambda x: am.tensor([1.0, 2.0]))(np.ones(3))
    np.testing.assert_array_equal(j, np.zeros((2, 3)))


# ---------------------------------------------------------------- vjp, jvp, hvp


def test_vjp_equals_v_times_jacobian(rng):
    x = rng.normal(size=3)
    out, vjp_fn = am.vjp(vector_fn, x)
    np.testing.assert_allclose(out, vector_fn(am.tensor(x)).numpy())
    for _ in range(3):
        v = rng.normal(size=4)
        np.testing.assert_allclose(vjp_fn(v), v @ vector_fn_jacobian(x), rtol=1e-12)


def test_vjp_with_several_primals_returns_a_tuple(rng):
    x, y = rng.normal(size=3), rng.normal(size=3)
    _, vjp_fn = am.vjp(lambda a, b: a * b, x, y)
    u = rng.normal(size=3)
    gx, gy = vjp_fn(u)
    np.testing.assert_allclose(gx, u * y)
    np.testing.assert_allclose(gy, u * x)


def test_vjp_rejects_a_cotangent_of_the_wrong_shape():
    _, vjp_fn = am.vjp(lambda x: x * 2.0, np.ones(3))
    with pytest.raises(ValueError, match=r"vjp: cotangent 0 has shape \(2,\) but must have shape \(3,\)"):
        vjp_fn(np.ones(2))


def test_jvp_equals_jacobian_times_v(rng):
    x = rng.normal(size=3)
    for _ in range(3):
        v = rng.normal(size=3)
        out, tangent = am.jvp(vector_fn, (x,), (v,))
        np.testing.assert_allclose(out, vector_fn(am.tensor(x)).numpy())
        np.testing.assert_allclose(tangent, vector_fn_jacobian(x) @ v, rtol=1e-12)


def test_jvp_with_several_primals_and_matrix_shapes(rng):
    w = rng.normal(size=(3, 2))
    x = rng.normal(size=(4, 3))
    vw, vx = rng.normal(size=w.shape), rng.normal(size=x.shape)
    out, tangent = am.jvp(lambda w, x: am.tanh(x @ w), (w, x), (vw, vx))
    z = x @ w
    np.testing.assert_allclose(out, np.tanh(z))
    np.testing.assert_allclose(tangent, (1 - np.tanh(z) ** 2) * (x @ vw + vx @ w), rtol=1e-10)


def test_jvp_through_a_kink_uses_the_subgradient_of_the_op_table():
    # relu'(x) = [x > 0]: the tangent passes where x > 0 only
    _, tangent = am.jvp(am.relu, (np.array([-1.0, 0.0, 2.0]),), (np.ones(3),))
    np.testing.assert_array_equal(tangent, [0.0, 0.0, 1.0])


def test_jvp_argument_checks():
    with pytest.raises(TypeError, match=r"jvp: primals must be a tuple"):
        am.jvp(am.sin, np.ones(2), (np.ones(2),))
    with pytest.raises(ValueError, match="1 primals but 2 tangents"):
        am.jvp(am.sin, (np.ones(2),), (np.ones(2), np.ones(2)))
    with pytest.raises(ValueError, match=r"tangent 0 has shape \(3,\) but must have shape \(2,\)"):
        am.jvp(am.sin, (np.ones(2),), (np.ones(3),))


def test_jvp_of_a_function_independent_of_the_input_is_zero():
    _, tangent = am.jvp(lambda x: am.tensor([1.0, 2.0]), (np.ones(3),), (np.ones(3),))
    np.testing.assert_array_equal(tangent, [0.0, 0.0])


def test_hvp_equals_hessian_times_v(rng):
    x = rng.normal(size=4)
    h = rosenbrock_hessian(x)
    for _ in range(3):
        v = rng.normal(size=4)
        value, hv = am.hvp(rosenbrock, (x,), (v,))
        assert value == pytest.approx(float(rosenbrock(am.tensor(x))))
        np.testing.assert_allclose(hv, h @ v, rtol=1e-10)


def test_hvp_with_two_arguments_and_a_linear_function():
    # f = x²·y: H = [[2y, 2x], [2x, 0]]
    _, (hx, hy) = am.hvp(lambda x, y: x**2 * y, (1.5, 2.0), (1.0, 0.5))
    assert hx == pytest.approx(2 * 2.0 * 1.0 + 2 * 1.5 * 0.5)
    assert hy == pytest.approx(2 * 1.5 * 1.0)
    _, zero = am.hvp(lambda x: (3.0 * x).sum(), (np.ones(2),), (np.ones(2),))
    np.testing.assert_array_equal(zero, [0.0, 0.0])


def test_jvp_and_vjp_are_adjoint(rng):
    # ⟨u, J v⟩ = ⟨Jᵀ u, v⟩ for the same point
    x = rng.normal(size=(2, 3))
    v, u = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))

    def f(x):
        return am.softmax(x, axis=-1) * am.sin(x)

    _, jv = am.jvp(f, (x,), (v,))
    _, vjp_fn = am.vjp(f, x)
    assert np.sum(u * jv) == pytest.approx(np.sum(vjp_fn(u) * v), rel=1e-12)


def test_transforms_compose_with_jvp_and_vjp_inside():
    # d/dx of the directional derivative along 1 of x³ is 6x
    def directional(x):
        return am.jvp(lambda t: t**3, (x,), (1.0,))[1]

    assert am.grad(directional)(2.0) == pytest.approx(12.0)

    def pulled(x):
        return am.vjp(lambda t: am.sin(t), x)[1](1.0)

    assert am.grad(pulled)(0.4) == pytest.approx(-np.sin(0.4))
