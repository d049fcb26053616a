"""User-defined ops: am.custom_op and .defvjp."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.ops.registry import REGISTRY


def make_cube():
    @am.custom_op
    def cube(x):
        return x**3

    @cube.defvjp
    def cube_vjp(g, ans, x):
        return 3 * x**2 * g

    return cube


def test_forward_and_backward_of_a_custom_op():
    cube = make_cube()
    x = am.tensor([1.0, -2.0, 0.5], requires_grad=True)
    y = cube(x)
    assert isinstance(y, am.Tensor)
    np.testing.assert_allclose(y.numpy(), [1.0, -8.0, 0.125])
    assert y.grad_fn is not None and y.grad_fn.name == "cube"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 12.0, 0.75])


def test_plain_arrays_give_a_constant_tensor():
    cube = make_cube()
    y = cube(np.array([2.0, 3.0]))
    assert isinstance(y, am.Tensor) and not y.requires_grad
    np.testing.assert_allclose(y.numpy(), [8.0, 27.0])
    assert cube(2.0).item() == 8.0


def test_custom_ops_stay_out_of_the_builtin_registry():
    before = set(REGISTRY)
    cube = make_cube()
    cube(am.tensor(1.0, requires_grad=True))
    assert set(REGISTRY) == before
    assert "cube" not in REGISTRY


def test_second_derivative_when_the_vjp_is_written_with_am_ops():
    @am.custom_op
    def my_sin(x):
        return np.sin(x)

    @my_sin.defvjp
    def my_sin_vjp(g, ans, x):
        return g * am.cos(x)  # am ops: serves create_graph=True too

    x = am.tensor(0.7, requires_grad=True)
    (d1,) = am.autograd.grad(my_sin(x), x, create_graph=True)
    (d2,) = am.autograd.grad(d1, x)
    assert float(d1) == pytest.approx(np.cos(0.7))
    assert float(d2) == pytest.approx(-np.sin(0.7))
    # and through the transforms
    assert am.grad(am.grad(my_sin))(0.7) == pytest.approx(-np.sin(0.7))
    # first order on arrays: the Tensor returned by am.cos is unwrapped
    x.grad = None
    my_sin(x).backward()
    assert isinstance(x.grad.numpy(), np.ndarray)
    assert float(x.grad) == pytest.approx(np.cos(0.7))


def test_several_inputs_params_and_none_gradients():
    @am.custom_op
    def scaled_hypot(a, b, scale=1.0):
        return scale * np.sqrt(a * a + b * b)

    @scaled_hypot.defvjp
    def _(g, ans, a, b, scale=1.0):
        return g * scale * a / (ans / scale), g * scale * b / (ans / scale)

    a = am.tensor([3.0, 5.0], requires_grad=True)
    b = am.tensor([4.0, 12.0])  # no gradient wanted
    out = scaled_hypot(a, b, scale=2.0)
    np.testing.assert_allclose(out.numpy(), [10.0, 26.0])
    out.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), 2.0 * np.array([3.0 / 5.0, 5.0 / 13.0]))
    assert b.grad is None
    assert am.gradcheck(lambda a, b: scaled_hypot(a, b, scale=2.0).sum(), [3.0, 5.0], [4.0, 12.0])

    @am.custom_op
    def first_only(a, mask):
        return a * mask

    @first_only.defvjp
    def _(g, ans, a, mask):
        return g * mask, None

    x = am.tensor([1.0, 2.0], requires_grad=True)
    first_only(x, np.array([1.0, 0.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 0.0])


def test_a_broadcast_shaped_gradient_is_summed_by_the_engine():
    @am.custom_op
    def add_bias(x, b):
        return x + b

    @add_bias.defvjp
    def _(g, ans, x, b):
        return g, g  # b's gradient shaped like the output: the engine sums it down

    b = am.tensor([1.0, 2.0, 3.0], requires_grad=True)
    add_bias(np.ones((4, 3)), b).sum().backward()
    np.testing.assert_array_equal(b.grad.numpy(), [4.0, 4.0, 4.0])


def test_wrong_number_of_gradients_names_the_op_and_the_counts():
    @am.custom_op
    def prod(a, b):
        return a * b

    @prod.defvjp
    def _(g, ans, a, b):
        return g * b  # forgot the second one

    with pytest.raises(ValueError, match=r"custom_op 'prod': the VJP returned 1 gradient\(s\) for 2 inputs"):
        prod(am.tensor(2.0, requires_grad=True), 3.0).backward()

    cube = make_cube()

    @cube.defvjp
    def _(g, ans, x):
        return g, g

    with pytest.raises(ValueError, match="custom_op 'cube': the VJP returned 2 gradients for 1 input"):
        cube(am.tensor(2.0, requires_grad=True)).backward()


def test_wrong_gradient_shape_names_the_op_and_the_shapes():
    @am.custom_op
    def double(x):
        return 2 * x

    @double.defvjp
    def _(g, ans, x):
        return np.ones(5)

    with pytest.raises(
        ValueError, match=r"custom_op 'double'.*shape \(5,\) for input 0, which has shape \(3,\)"
    ):
        double(am.tensor(np.ones(3), requires_grad=True)).sum().backward()


def test_missing_vjp_is_reported_at_backward():
    @am.custom_op
    def square(x):
        return x * x

    y = square(am.tensor(3.0, requires_grad=True))
    assert y.item() == 9.0
    with pytest.raises(RuntimeError, match=r"custom_op 'square' has no VJP; define one with @square.defvjp"):
        y.backward()


def test_check_true_raises_naming_the_op_when_the_vjp_is_wrong():
    @am.custom_op(check=True)
    def my_exp(x):
        return np.exp(x)

    @my_exp.defvjp
    def _(g, ans, x):
        return g * ans * 2.0  # deliberately wrong

    with pytest.raises(
        am.GradcheckError, match=r"custom_op 'my_exp': the VJP disagrees with finite differences"
    ):
        my_exp(am.tensor([0.1, 0.2]))


def test_check_true_runs_the_library_checker_and_reports_where_the_vjp_is_wrong():
    @am.custom_op(check=True)
    def cubed(x):
        return x**3

    @cubed.defvjp
    def _(g, ans, x):
        return g * 3.0 * x**2 + np.array([0.0, 0.0, 0.5])  # wrong at index 2 only

    with pytest.raises(am.GradcheckError, match=r"input 0 \(shape \(3,\)\): .* at index \(2,\)") as info:
        cubed(am.tensor([0.5, 1.0, 1.5]))
    report = info.value.report  # the same report gradcheck and compare_gradients give
    assert isinstance(report, am.GradientReport) and not report.ok
    assert [e.index for e in report.rows[0].worst] == ["(2,)"]


def test_check_true_holds_integer_inputs_and_inputs_without_gradient_constant():
    @am.custom_op(check=True)
    def pick_scaled(x, index, temperature):
        return x[index] / temperature

    @pick_scaled.defvjp
    def _(g, ans, x, index, temperature):
        grad = np.zeros_like(x)
        np.add.at(grad, index, g / temperature)
        return grad, None, None  # no gradient for the index nor the temperature

    x = am.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = pick_scaled(x, np.array([2, 0, 2]), am.tensor(2.0))
    np.testing.assert_allclose(y.numpy(), [1.5, 0.5, 1.5])
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.5, 0.0, 1.0])


def test_check_true_passes_a_correct_vjp_and_runs_once():
    calls = []

    @am.custom_op(check=True, name="logistic")
    def logistic(x):
        calls.append(1)
        return 1.0 / (1.0 + np.exp(-x))

    @logistic.defvjp
    def _(g, ans, x):
        return g * ans * (1.0 - ans)

    x = am.tensor([0.3, -1.0], requires_grad=True)
    y = logistic(x)
    first = len(calls)
    assert first > 2  # the check evaluated the forward at perturbed inputs
    logistic(x)
    assert len(calls) == first + 1  # no second check
    assert y.grad_fn.name == "logistic"


def test_gradcheck_catches_a_wrong_custom_vjp_and_passes_once_fixed():
    @am.custom_op
    def softsign(x):
        return x / (1.0 + np.abs(x))

    @softsign.defvjp
    def _(g, ans, x):
        return g / (1.0 + np.abs(x))  # wrong: missing the square

    x = np.array([0.5, -1.5, 2.0])
    with pytest.raises(am.GradcheckError, match=r"input 0 'x' shape \(3,\)"):
        am.gradcheck(lambda x: softsign(x).sum(), x)

    @softsign.defvjp
    def _(g, ans, x):
        return g / (1.0 + np.abs(x)) ** 2

    assert am.gradcheck(lambda x: softsign(x).sum(), x) is True


def test_custom_op_appears_in_the_ledger():
    cube = make_cube()
    w = am.tensor(2.0, requires_grad=True, name="w")
    ledger = am.explain(cube(w) * 3.0)
    assert [e.op for e in ledger] == ["mul", "cube"]
    assert "user-defined VJP cube_vjp" in ledger[1].inputs[0].rule
    assert float(ledger.leaf_gradients["w"]) == pytest.approx(36.0)


def test_decorator_forms_and_bad_arguments():
    op = am.custom_op(np.tanh, name="tanh2")
    assert op.name == "tanh2" and repr(op) == "custom_op('tanh2')"
    with pytest.raises(TypeError, match="expected a function"):
        am.custom_op(3)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="defvjp needs a function"):
        op.defvjp(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="at least one input"):
        op()
