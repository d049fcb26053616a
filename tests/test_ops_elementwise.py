"""Issue 13, elementwise math: values against NumPy/SciPy, derivatives against hand formulas,
the conventions at the awkward points, operators, dtypes and bad input.

First- and second-order finite-difference checks of every op come from the check cases
(tests/test_op_gradients.py runs them; the cases are generated from the entries' domains or
written in autograd_mini/checking/cases_elementwise.py).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from scipy import special

import autograd_mini as am
from autograd_mini.checking.cases import cases_for
from autograd_mini.ops import REGISTRY

# name -> (NumPy/SciPy reference, derivative by hand, input values inside the domain)
UNARY: dict[str, tuple[Callable[..., np.ndarray], Callable[..., np.ndarray], np.ndarray]] = {
    "arcsin": (np.arcsin, lambda x: 1 / np.sqrt(1 - x**2), np.array([-0.9, -0.3, 0.0, 0.5, 0.95])),
    "arccos": (np.arccos, lambda x: -1 / np.sqrt(1 - x**2), np.array([-0.9, -0.3, 0.0, 0.5, 0.95])),
    "arctan": (np.arctan, lambda x: 1 / (1 + x**2), np.array([-5.0, -0.3, 0.0, 0.5, 40.0])),
    "sinh": (np.sinh, np.cosh, np.array([-3.0, -0.3, 0.0, 0.5, 2.0])),
    "cosh": (np.cosh, np.sinh, np.array([-3.0, -0.3, 0.0, 0.5, 2.0])),
    "arcsinh": (np.arcsinh, lambda x: 1 / np.sqrt(x**2 + 1), np.array([-30.0, -0.3, 0.0, 0.5, 2.0])),
    "arccosh": (np.arccosh, lambda x: 1 / np.sqrt(x**2 - 1), np.array([1.01, 1.5, 3.0, 100.0])),
    "arctanh": (np.arctanh, lambda x: 1 / (1 - x**2), np.array([-0.99, -0.3, 0.0, 0.5, 0.9])),
    "log2": (np.log2, lambda x: 1 / (x * np.log(2)), np.array([1e-3, 0.5, 1.0, 8.0])),
    "log10": (np.log10, lambda x: 1 / (x * np.log(10)), np.array([1e-3, 0.5, 1.0, 1000.0])),
    "log1p": (np.log1p, lambda x: 1 / (1 + x), np.array([-0.9, -1e-12, 0.0, 1e-12, 3.0])),
    "expm1": (np.expm1, np.exp, np.array([-3.0, -1e-12, 0.0, 1e-12, 2.0])),
    "exp2": (np.exp2, lambda x: np.exp2(x) * np.log(2), np.array([-3.0, 0.0, 0.5, 10.0])),
    "square": (np.square, lambda x: 2 * x, np.array([-3.0, 0.0, 0.5, 2.0])),
    "reciprocal": (np.reciprocal, lambda x: -1 / x**2, np.array([-3.0, -0.1, 0.5, 2.0])),
    "rsqrt": (lambda x: 1 / np.sqrt(x), lambda x: -0.5 * x**-1.5, np.array([0.01, 0.5, 1.0, 4.0])),
    "sinc": (
        np.sinc,
        lambda x: np.where(x == 0, 0.0, (np.cos(np.pi * x) - np.sinc(x)) / np.where(x == 0, 1, x)),
        np.array([-1.5, -0.5, 0.0, 0.25, 1.0, 2.5]),
    ),
    "deg2rad": (np.deg2rad, lambda x: np.full_like(x, np.pi / 180), np.array([-180.0, 0.0, 90.0])),
    "rad2deg": (np.rad2deg, lambda x: np.full_like(x, 180 / np.pi), np.array([-np.pi, 0.0, 1.0])),
    "erf": (special.erf, lambda x: 2 / np.sqrt(np.pi) * np.exp(-(x**2)), np.array([-3.0, -0.5, 0.0, 5.0])),
    "erfc": (special.erfc, lambda x: -2 / np.sqrt(np.pi) * np.exp(-(x**2)), np.array([-3.0, 0.0, 1.0, 5.0])),
    "erfinv": (
        special.erfinv,
        lambda x: np.sqrt(np.pi) / 2 * np.exp(special.erfinv(x) ** 2),
        np.array([-0.99, -0.5, 0.0, 0.3, 0.9]),
    ),
    # steps: gradient 0 everywhere, at the jumps too (the values include them)
    "sign": (np.sign, np.zeros_like, np.array([-2.0, -0.0, 0.0, 1e-30, 3.0])),
    "floor": (np.floor, np.zeros_like, np.array([-1.5, -1.0, 0.0, 0.7, 2.0])),
    "ceil": (np.ceil, np.zeros_like, np.array([-1.5, -1.0, 0.0, 0.7, 2.0])),
    "round": (np.round, np.zeros_like, np.array([-1.5, -0.5, 0.5, 1.5, 2.5, 0.7])),
    "trunc": (np.trunc, np.zeros_like, np.array([-1.5, -1.0, -0.2, 0.7, 2.0])),
}

BINARY: dict[str, Callable[..., np.ndarray]] = {
    "arctan2": np.arctan2,
    "hypot": np.hypot,
    "logaddexp": np.logaddexp,
    "logaddexp2": np.logaddexp2,
    "fmax": np.fmax,
    "fmin": np.fmin,
    "copysign": np.copysign,
    "remainder": np.remainder,
    "floor_divide": np.floor_divide,
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_value_and_derivative(name: str) -> None:
    reference, derivative, values = UNARY[name]
    x = am.tensor(values, requires_grad=True)
    y = getattr(am, name)(x)
    np.testing.assert_allclose(y.numpy(), reference(values), rtol=1e-12, atol=0)
    np.testing.assert_array_equal(np.signbit(y.numpy()), np.signbit(reference(values)))
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), derivative(values), rtol=1e-12, atol=1e-300)
    # the method spelling, and the docstring states the derivative
    np.testing.assert_array_equal(getattr(x, name)().numpy(), y.numpy())
    assert "Derivative:" in getattr(am, name).__doc__


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_float32_stays_float32(name: str) -> None:
    _, _, values = UNARY[name]
    x = am.tensor(values.astype(np.float32), requires_grad=True)
    y = getattr(am, name)(x)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(y.numpy(), UNARY[name][0](values), rtol=2e-6, atol=1e-6)


@pytest.mark.parametrize("name", ["sign", "floor", "ceil", "round", "trunc", "floor_divide"])
def test_steps_send_exact_zeros_even_for_non_finite_upstream(name: str) -> None:
    x = am.tensor([-1.0, 0.0, 0.5, 2.0], requires_grad=True)
    y = getattr(am, name)(x) if name != "floor_divide" else am.floor_divide(x, 0.5)
    y.backward(np.array([np.inf, np.nan, 1.0, -np.inf]))
    assert x.grad.tolist() == [0.0, 0.0, 0.0, 0.0]


def test_steps_are_zero_also_under_create_graph() -> None:
    x = am.tensor([0.3, 1.7], requires_grad=True)
    (g,) = am.autograd.grad((am.floor(x) * x).sum(), [x], create_graph=True)
    np.testing.assert_array_equal(g.numpy(), np.floor([0.3, 1.7]))  # product rule, floor' = 0


def test_sinc_derivative_at_zero_is_zero() -> None:
    x = am.tensor([0.0, 1e-8], requires_grad=True)
    am.sinc(x).sum().backward()
    assert x.grad.tolist()[0] == 0.0
    assert abs(x.grad.tolist()[1]) < 1e-6  # sinc'(x) ≈ -π²x/3 near 0
    # second derivative through create_graph stays finite at 0 (masked, no 0/0)
    x = am.tensor([0.0, 0.5], requires_grad=True)
    (g,) = am.autograd.grad(am.sinc(x).sum(), [x], create_graph=True)
    (h,) = am.autograd.grad(g.sum(), [x])
    assert np.all(np.isfinite(h.numpy()))


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_value_against_numpy(name: str) -> None:
    rng = np.random.default_rng(0)
    a = rng.uniform(-3, 3, (3, 4))
    b = rng.uniform(0.5, 2, (4,)) * rng.choice([-1.0, 1.0], (4,))
    out = getattr(am, name)(am.tensor(a), am.tensor(b))
    np.testing.assert_allclose(out.numpy(), BINARY[name](a, b), rtol=1e-13, atol=0)
    out32 = getattr(am, name)(am.tensor(a.astype(np.float32)), am.tensor(b.astype(np.float32)))
    assert out32.dtype == np.float32
    x = am.tensor(a, requires_grad=True)
    assert getattr(x, name)(b).tolist() == out.tolist()  # the method spelling
    assert "Derivative:" in getattr(am, name).__doc__


def test_arctan2_and_hypot_derivatives_and_the_origin() -> None:
    x = am.tensor([1.0, -2.0, 0.0], requires_grad=True)
    y = am.tensor([3.0, 0.5, 0.0], requires_grad=True)
    am.arctan2(x, y).sum().backward()
    xv, yv = np.array([1.0, -2.0]), np.array([3.0, 0.5])
    np.testing.assert_allclose(x.grad.numpy()[:2], yv / (xv**2 + yv**2), rtol=1e-14)
    np.testing.assert_allclose(y.grad.numpy()[:2], -xv / (xv**2 + yv**2), rtol=1e-14)
    assert x.grad.tolist()[2] == 0.0 and y.grad.tolist()[2] == 0.0  # origin: 0, not nan
    x.grad = y.grad = None
    am.hypot(x, y).sum().backward()
    np.testing.assert_allclose(x.grad.numpy()[:2], xv / np.hypot(xv, yv), rtol=1e-14)
    np.testing.assert_allclose(y.grad.numpy()[:2], yv / np.hypot(xv, yv), rtol=1e-14)
    assert x.grad.tolist()[2] == 0.0 and y.grad.tolist()[2] == 0.0
    assert am.hypot(am.tensor(3e300), am.tensor(4e300)).item() == pytest.approx(5e300)  # no overflow


def test_logaddexp_is_stable_and_splits_by_softmax() -> None:
    x = am.tensor([1000.0, -1000.0, 0.0], requires_grad=True)
    y = am.tensor([1000.0, -1000.0, np.log(3.0)], requires_grad=True)
    out = am.logaddexp(x, y)
    np.testing.assert_allclose(out.numpy(), [1000 + np.log(2), -1000 + np.log(2), np.log(4)], rtol=1e-15)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.5, 0.5, 0.25], rtol=1e-12)
    np.testing.assert_allclose(y.grad.numpy(), [0.5, 0.5, 0.75], rtol=1e-12)
    x.grad = y.grad = None
    am.logaddexp2(x, y).sum().backward()
    w = 2.0 ** np.log(3.0)  # 2^y at y = ln 3; x̄ = 2^x / (2^x + 2^y) with x = 0
    np.testing.assert_allclose(x.grad.numpy(), [0.5, 0.5, 1 / (1 + w)], rtol=1e-12)


def test_fmax_fmin_ties_go_to_x_and_nan_is_ignored() -> None:
    # PyTorch's fmax/fmin: x gets the gradient where it is chosen, at ties, and where y is nan
    x = am.tensor([1.0, 2.0, np.nan, 5.0, np.nan], requires_grad=True)
    y = am.tensor([3.0, 2.0, 4.0, np.nan, np.nan], requires_grad=True)
    out = am.fmax(x, y)
    np.testing.assert_array_equal(out.numpy(), np.fmax(x.numpy(), y.numpy()))
    out.backward(np.ones(5))
    assert x.grad.tolist() == [0.0, 1.0, 0.0, 1.0, 1.0]
    assert y.grad.tolist() == [1.0, 0.0, 1.0, 0.0, 0.0]
    x.grad = y.grad = None
    out = am.fmin(x, y)
    np.testing.assert_array_equal(out.numpy(), np.fmin(x.numpy(), y.numpy()))
    out.backward(np.ones(5))
    assert x.grad.tolist() == [1.0, 1.0, 0.0, 1.0, 1.0]
    assert y.grad.tolist() == [0.0, 0.0, 1.0, 0.0, 0.0]


def test_copysign_gradients() -> None:
    x = am.tensor([2.0, -3.0, 0.0, 1.5], requires_grad=True)
    y = am.tensor([-1.0, -0.0, 5.0, 2.0], requires_grad=True)
    out = am.copysign(x, y)
    assert out.tolist() == [-2.0, -3.0, 0.0, 1.5]
    assert np.signbit(out.numpy()[1])  # -0.0 counts as negative
    out.sum().backward()
    assert x.grad.tolist() == [-1.0, 1.0, 0.0, 1.0]  # sign(x)·sign(y), 0 at x = 0
    assert y.grad.tolist() == [0.0, 0.0, 0.0, 0.0]


def test_remainder_follows_python_and_torch_sign_convention() -> None:
    a = np.array([5.5, -5.5, 5.5, -5.5, 3.0])
    b = np.array([2.0, 2.0, -2.0, -2.0, 1.5])
    x = am.tensor(a, requires_grad=True)
    y = am.tensor(b, requires_grad=True)
    out = x % y
    assert out.tolist() == [float(p % q) for p, q in zip(a, b)]  # the sign of the divisor
    assert am.remainder(x, y).tolist() == am.mod(x, y).tolist() == out.tolist()
    out.sum().backward()
    assert x.grad.tolist() == [1.0] * 5
    assert y.grad.tolist() == (-np.floor_divide(a, b)).tolist()  # -⌊x/y⌋


def test_floor_divide_operator_and_reflected_forms() -> None:
    x = am.tensor([7.0, -7.0], requires_grad=True)
    assert (x // 2.0).tolist() == [3.0, -4.0]
    assert (15.0 // am.tensor([4.0, -4.0])).tolist() == [3.0, -4.0]
    assert (15.0 % am.tensor([4.0, -4.0])).tolist() == [3.0, -1.0]
    assert (np.array([15.0]) % am.tensor([4.0])).tolist() == [3.0]
    y = am.tensor(2.0, requires_grad=True)
    (7.0 % y).backward()
    assert y.grad.item() == -3.0


def test_in_place_mod_and_floordiv() -> None:
    t = am.tensor([5.5, -3.5])
    t %= 2.0
    assert t.tolist() == [1.5, 0.5]
    t //= 0.5
    assert t.tolist() == [3.0, 1.0]
    leaf = am.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="in-place operation"):
        leaf %= 2.0
    # a tracked non-leaf is recorded out of place, keeping its gradient
    x = am.tensor([5.5], requires_grad=True)
    z = x * 1.0
    z %= 2.0
    z.backward(np.ones(1))
    assert x.grad.tolist() == [1.0]


def test_lerp_values_and_gradients() -> None:
    s = am.tensor([0.0, 1.0, -2.0], requires_grad=True)
    e = am.tensor([10.0, 3.0, 2.0], requires_grad=True)
    w = am.tensor([0.25, 0.75, 1.0], requires_grad=True)
    out = am.lerp(s, e, w)
    assert out.tolist() == [2.5, 2.5, 2.0]  # exact at weight 1: the end itself
    out.sum().backward()
    assert s.grad.tolist() == [0.75, 0.25, 0.0]
    assert e.grad.tolist() == [0.25, 0.75, 1.0]
    assert w.grad.tolist() == [10.0, 2.0, 4.0]  # end - start
    # a number as weight, broadcasting, and the method
    s.grad = e.grad = None
    out = s.lerp(am.tensor([[1.0], [2.0]]), 0.5)
    assert out.shape == (2, 3)
    out.sum().backward()
    assert s.grad.tolist() == [1.0, 1.0, 1.0]
    f32 = am.lerp(am.tensor(np.ones(2, np.float32)), am.tensor(np.zeros(2, np.float32)), 0.3)
    assert f32.dtype == np.float32


def test_lerp_bad_input() -> None:
    with pytest.raises(TypeError, match="lerp: weight must be a number or a tensor"):
        am.lerp(am.ones(2), am.ones(2), None)
    with pytest.raises(TypeError, match="lerp: unsupported operand of type str"):
        am.lerp(am.ones(2), am.ones(2), "a")
    with pytest.raises(ValueError, match=r"lerp: .*\(2, 3\), \(4,\)"):
        am.lerp(am.ones(2, 3), am.ones(4), 0.5)


def test_nan_to_num_values_and_gradient() -> None:
    a = np.array([1.0, np.nan, np.inf, -np.inf, -2.0])
    x = am.tensor(a, requires_grad=True)
    out = am.nan_to_num(x)
    np.testing.assert_array_equal(out.numpy(), np.nan_to_num(a))
    out.sum().backward()
    assert x.grad.tolist() == [1.0, 0.0, 0.0, 0.0, 1.0]  # passes where finite
    out = x.nan_to_num(nan=9.0, posinf=1.0, neginf=-1.0)
    assert out.tolist() == [1.0, 9.0, 1.0, -1.0, -2.0]
    f32 = am.nan_to_num(am.tensor(a.astype(np.float32)))
    assert f32.dtype == np.float32 and f32.numpy()[2] == np.finfo(np.float32).max
    with pytest.raises(TypeError, match="nan_to_num: posinf must be a real number or None"):
        am.nan_to_num(x, posinf="big")


def test_binary_ops_name_the_shapes_on_mismatch() -> None:
    with pytest.raises(ValueError, match=r"hypot: .*\(2, 3\), \(4,\).*broadcastable"):
        am.hypot(am.ones(2, 3), am.ones(4))
    with pytest.raises(ValueError, match=r"remainder: .*\(3,\), \(2,\)"):
        am.ones(3) % am.ones(2)
    with pytest.raises(TypeError, match="arcsin: cannot make a tensor from a str"):
        am.arcsin("abc")


NEW_OPS = [*UNARY, *BINARY, "nan_to_num", "lerp", "softplus"]


@pytest.mark.parametrize("name", NEW_OPS)
def test_entries_have_a_forward_mode_rule_and_checks(name: str) -> None:
    op = REGISTRY[name]
    assert op.jvp == "elementwise"
    assert cases_for(name)
    assert op.rules and op.math
