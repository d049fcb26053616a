"""Issue 13, activations: values against hand formulas (SciPy for erf), the subgradients at
the kinks (PyTorch's conventions), stability at large |x|, dtypes, the composites' first and
second derivatives, nn.functional and the nn modules with PyTorch's signatures.

The fused ops' finite-difference checks (first and second order, float32) come from the
check cases run by tests/test_op_gradients.py.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

import numpy as np
import pytest
from scipy import special

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.checking.cases import case, normal
from autograd_mini.checking.check import check_case

F = nn.functional
LAMBDA, ALPHA = 1.0507009873554805, 1.6732632423543772  # SELU's constants


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _softplus(x: np.ndarray, beta: float = 1.0) -> np.ndarray:
    return np.log1p(np.exp(beta * x)) / beta


def _gelu_tanh(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))


# name -> (call, hand formula of the value, hand formula of the derivative)
FORMULAS: dict[str, tuple[Callable[..., am.Tensor], Callable[..., np.ndarray], Callable[..., np.ndarray]]] = {
    "gelu": (
        am.gelu,
        lambda x: x * 0.5 * (1 + special.erf(x / np.sqrt(2))),
        lambda x: 0.5 * (1 + special.erf(x / np.sqrt(2))) + x * np.exp(-(x**2) / 2) / np.sqrt(2 * np.pi),
    ),
    "gelu_tanh": (
        lambda x: am.gelu(x, approximate="tanh"),
        _gelu_tanh,
        lambda x: 0.5 * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))
        + 0.5 * x * (1 - np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)) ** 2)
        * np.sqrt(2 / np.pi) * (1 + 3 * 0.044715 * x**2),
    ),
    "silu": (am.silu, lambda x: x * _sigmoid(x), lambda x: _sigmoid(x) * (1 + x * (1 - _sigmoid(x)))),
    "mish": (
        am.mish,
        lambda x: x * np.tanh(_softplus(x)),
        lambda x: np.tanh(_softplus(x)) + x * _sigmoid(x) * (1 - np.tanh(_softplus(x)) ** 2),
    ),
    "selu": (
        am.selu,
        lambda x: LAMBDA * np.where(x > 0, x, ALPHA * (np.exp(x) - 1)),
        lambda x: np.where(x > 0, LAMBDA, LAMBDA * ALPHA * np.exp(x)),
    ),
    "celu": (
        lambda x: am.celu(x, alpha=0.5),
        lambda x: np.where(x > 0, x, 0.5 * (np.exp(x / 0.5) - 1)),
        lambda x: np.where(x > 0, 1.0, np.exp(x / 0.5)),
    ),
    "relu6": (am.relu6, lambda x: np.minimum(np.maximum(x, 0), 6), lambda x: ((x > 0) & (x < 6)) * 1.0),
    "hardtanh": (
        lambda x: am.hardtanh(x, -2.0, 2.5),
        lambda x: np.clip(x, -2.0, 2.5),
        lambda x: ((x > -2.0) & (x < 2.5)) * 1.0,
    ),
    "hardsigmoid": (
        am.hardsigmoid,
        lambda x: np.where(x <= -3, 0.0, np.where(x >= 3, 1.0, x / 6 + 0.5)),
        lambda x: ((x > -3) & (x < 3)) / 6.0,
    ),
    "hardswish": (
        am.hardswish,
        lambda x: np.where(x <= -3, 0.0, np.where(x >= 3, x, x * (x + 3) / 6)),
        lambda x: np.where(x < -3, 0.0, np.where(x <= 3, (2 * x + 3) / 6, 1.0)),
    ),
    "softsign": (am.softsign, lambda x: x / (1 + np.abs(x)), lambda x: 1 / (1 + np.abs(x)) ** 2),
    "logsigmoid": (am.logsigmoid, lambda x: np.log(_sigmoid(x)), lambda x: 1 - _sigmoid(x)),
    "softplus": (am.softplus, _softplus, _sigmoid),
    "softplus_beta": (
        lambda x: am.softplus(x, beta=2.0, threshold=5.0),
        lambda x: np.where(2 * x > 5, x, _softplus(x, 2.0)),
        lambda x: np.where(2 * x > 5, 1.0, _sigmoid(2 * x)),
    ),
}

# the kinks of relu6/hardtanh/hardsigmoid/hardswish/selu are among these values
VALUES = np.array([-7.0, -3.0, -2.5, -2.0, -1.0, -0.3, 0.0, 0.4, 1.0, 2.5, 2.6, 3.0, 4.0, 6.0, 8.0])


@pytest.mark.parametrize("name", sorted(FORMULAS))
def test_value_and_derivative_against_hand_formulas(name: str) -> None:
    call, value, derivative = FORMULAS[name]
    x = am.tensor(VALUES, requires_grad=True)
    y = call(x)
    np.testing.assert_allclose(y.numpy(), value(VALUES), rtol=1e-12, atol=1e-15)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), derivative(VALUES), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", sorted(FORMULAS))
def test_float32_stays_float32(name: str) -> None:
    call, value, _ = FORMULAS[name]
    x = am.tensor(VALUES.astype(np.float32), requires_grad=True)
    y = call(x)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(y.numpy(), value(VALUES), rtol=1e-5, atol=1e-6)


def _grad_at(fn: Callable[[am.Tensor], am.Tensor], points: list[float]) -> list[float]:
    x = am.tensor(points, requires_grad=True)
    fn(x).sum().backward()
    return x.grad.tolist()


def test_subgradients_at_the_kinks_follow_pytorch() -> None:
    # hardtanh / relu6: open interval, 0 at the bounds (PyTorch's hardtanh_backward)
    assert _grad_at(am.relu6, [0.0, 3.0, 6.0]) == [0.0, 1.0, 0.0]
    assert _grad_at(am.hardtanh, [-1.0, 0.0, 1.0]) == [0.0, 1.0, 0.0]
    assert _grad_at(lambda x: am.hardtanh(x, 0.5, 0.5), [0.5]) == [0.0]
    # hardsigmoid: 1/6 on the open interval, 0 at ±3
    assert _grad_at(am.hardsigmoid, [-3.0, 0.0, 3.0]) == [0.0, 1 / 6, 0.0]
    # hardswish: 0 below -3, x/3 + 1/2 on [-3, 3] (so -1/2 at -3 and 3/2 at 3), 1 above
    assert _grad_at(am.hardswish, [-3.5, -3.0, 0.0, 3.0, 3.5]) == [0.0, -0.5, 0.5, 1.5, 1.0]
    # selu at 0: the x ≤ 0 branch, λα; celu is smooth: 1 at 0; gelu'(0) = 1/2
    assert _grad_at(am.selu, [0.0]) == [pytest.approx(LAMBDA * ALPHA, rel=1e-15)]
    assert _grad_at(lambda x: am.celu(x, 2.0), [0.0]) == [1.0]
    assert _grad_at(am.gelu, [0.0]) == [0.5]
    assert _grad_at(lambda x: am.gelu(x, approximate="tanh"), [0.0]) == [0.5]
    # softsign at 0: 1 (abs'(0) = 0 drops out of the quotient rule)
    assert _grad_at(am.softsign, [0.0]) == [1.0]
    # softplus: at βx = threshold the smooth branch, above it the linear one (PyTorch)
    assert _grad_at(lambda x: am.softplus(x, beta=2.0, threshold=4.0), [2.0, 2.5]) == [
        pytest.approx(_sigmoid(np.array(4.0)).item(), rel=1e-15),
        1.0,
    ]


def test_stable_at_large_magnitudes() -> None:
    x = am.tensor([-1000.0, 1000.0], requires_grad=True)
    for fn, want, slope in [
        (am.logsigmoid, [-1000.0, 0.0], [1.0, 0.0]),
        (am.softplus, [0.0, 1000.0], [0.0, 1.0]),
        (lambda t: am.softplus(t, threshold=None), [0.0, 1000.0], [0.0, 1.0]),
        (am.silu, [0.0, 1000.0], [0.0, 1.0]),
        (am.mish, [0.0, 1000.0], [0.0, 1.0]),
        (am.gelu, [0.0, 1000.0], [0.0, 1.0]),
        (am.selu, [-LAMBDA * ALPHA, LAMBDA * 1000.0], [0.0, LAMBDA]),
        (am.celu, [-1.0, 1000.0], [0.0, 1.0]),
        (am.softsign, [-1000 / 1001, 1000 / 1001], [1 / 1001**2, 1 / 1001**2]),
    ]:
        x.grad = None
        y = fn(x)
        np.testing.assert_allclose(y.numpy(), want, rtol=1e-12, atol=1e-300)
        y.sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), slope, rtol=1e-12, atol=1e-300)


def test_softmin_and_glu_values() -> None:
    a = np.array([[1.0, -2.0, 0.5, 3.0], [0.0, 0.1, -0.1, 2.0]])
    e = np.exp(-a - (-a).max(axis=1, keepdims=True))
    np.testing.assert_allclose(am.softmin(am.tensor(a)).numpy(), e / e.sum(1, keepdims=True), rtol=1e-14)
    e0 = np.exp(-a)
    np.testing.assert_allclose(am.softmin(am.tensor(a), dim=0).numpy(), e0 / e0.sum(0), rtol=1e-14)
    np.testing.assert_allclose(am.glu(am.tensor(a)).numpy(), a[:, :2] * _sigmoid(a[:, 2:]), rtol=1e-14)
    np.testing.assert_allclose(am.glu(am.tensor(a), dim=0).numpy(), a[:1] * _sigmoid(a[1:]), rtol=1e-14)


def test_glu_gradient_by_hand() -> None:
    x = am.tensor([[1.0, -2.0, 0.5, 3.0]], requires_grad=True)
    am.glu(x).sum().backward()
    a, b = np.array([1.0, -2.0]), np.array([0.5, 3.0])
    s = _sigmoid(b)
    np.testing.assert_allclose(x.grad.numpy()[0], np.r_[s, a * s * (1 - s)], rtol=1e-14)


# composites have no op of their own; check them, first and second order, through an op
# they run (check_case needs the name of one op in the graph)
COMPOSITES = {
    "mish": ("softplus", am.mish),
    "softsign": ("abs", am.softsign),
    "relu6": ("hardtanh", am.relu6),
    "softmin": ("softmax", lambda x: am.softmin(x, dim=0)),
    "glu": ("sigmoid", lambda x: am.glu(x, dim=1)),
}


@pytest.mark.parametrize("name", sorted(COMPOSITES))
@pytest.mark.parametrize("order", [1, 2])
def test_composites_against_finite_differences(name: str, order: int) -> None:
    op, fn = COMPOSITES[name]
    maker = (lambda rng: rng.uniform(0.3, 5.7, (3, 4))) if name == "relu6" else normal(3, 4)
    if name == "softsign":  # away from the kink of abs at 0
        maker = lambda rng: rng.uniform(0.2, 2.0, (3, 4)) * rng.choice([-1.0, 1.0], (3, 4))
    report = check_case(op, case(fn, maker), 0, order=order)
    assert report.ok, str(report)


def test_bad_input_messages() -> None:
    x = am.ones(2, 3)
    with pytest.raises(ValueError, match="gelu: approximate must be 'none' or 'tanh', got 'exact'"):
        am.gelu(x, approximate="exact")
    with pytest.raises(ValueError, match="celu: alpha must not be 0"):
        am.celu(x, alpha=0)
    with pytest.raises(ValueError, match=r"hardtanh: min_val \(2.0\) must not exceed max_val \(1.0\)"):
        am.hardtanh(x, 2.0, 1.0)
    with pytest.raises(ValueError, match="softplus: beta must not be 0"):
        am.softplus(x, beta=0)
    with pytest.raises(ValueError, match=r"glu: axis -1 of the input of shape \(2, 3\) has size 3.*even"):
        am.glu(x)
    with pytest.raises(ValueError, match="glu: a 0-d tensor"):
        am.glu(am.tensor(1.0))
    with pytest.raises(ValueError, match=r"glu: axis 2 is out of range for a tensor of shape \(2, 3\)"):
        am.glu(x, dim=2)
    with pytest.raises(ValueError, match="softmax: axis 5 is out of range"):
        am.softmin(x, 5)
    with pytest.raises(ValueError, match="GELU: approximate"):
        nn.GELU("fast")
    with pytest.raises(ValueError, match="CELU: alpha must not be 0"):
        nn.CELU(0.0)
    with pytest.raises(ValueError, match="Hardtanh: min_val"):
        nn.Hardtanh(1.0, -1.0)
    with pytest.raises(ValueError, match="Softplus: beta"):
        nn.Softplus(beta=0.0)


def test_softplus_keeps_its_old_spellings() -> None:
    x = am.tensor([-1.0, 0.5, 30.0], requires_grad=True)
    np.testing.assert_allclose(am.softplus(x).numpy(), [np.log1p(np.exp(-1)), np.log1p(np.exp(0.5)), 30.0])
    assert x.softplus().tolist() == am.softplus(x).tolist()
    assert am.softplus([1.0, 2.0]).shape == (2,)


# ---------------------------------------------------------------- nn.functional and modules

MODULES: dict[str, tuple[Callable[[], nn.Module], Callable[[am.Tensor], am.Tensor]]] = {
    "GELU": (nn.GELU, F.gelu),
    "GELU(tanh)": (lambda: nn.GELU(approximate="tanh"), lambda x: F.gelu(x, approximate="tanh")),
    "SiLU": (nn.SiLU, F.silu),
    "Mish": (nn.Mish, F.mish),
    "SELU": (nn.SELU, F.selu),
    "CELU": (lambda: nn.CELU(0.7), lambda x: F.celu(x, 0.7)),
    "ReLU6": (nn.ReLU6, F.relu6),
    "Hardtanh": (lambda: nn.Hardtanh(-0.5, 2.0), lambda x: F.hardtanh(x, -0.5, 2.0)),
    "Hardsigmoid": (nn.Hardsigmoid, F.hardsigmoid),
    "Hardswish": (nn.Hardswish, F.hardswish),
    "Softsign": (nn.Softsign, F.softsign),
    "LogSigmoid": (nn.LogSigmoid, F.logsigmoid),
    "Softplus": (lambda: nn.Softplus(beta=2.0, threshold=3.0), lambda x: F.softplus(x, 2.0, 3.0)),
    "Softmin": (lambda: nn.Softmin(dim=0), lambda x: F.softmin(x, dim=0)),
    "GLU": (lambda: nn.GLU(dim=0), lambda x: F.glu(x, dim=0)),
}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_matches_functional_and_am(name: str) -> None:
    make, functional = MODULES[name]
    module = make()
    assert module.parameters() == [] or list(module.parameters()) == []
    x = am.tensor(np.linspace(-4, 7, 12).reshape(4, 3), requires_grad=True)
    y = module(x)
    np.testing.assert_array_equal(y.numpy(), functional(x).numpy())
    y.sum().backward()
    assert x.grad is not None and x.grad.shape == x.shape
    assert repr(module).startswith(name.split("(")[0])


# PyTorch's signatures (torch.nn.functional / torch.nn) as documented
FUNCTIONAL_SIGNATURES = {
    "gelu": "(input, approximate='none')",
    "silu": "(input, inplace=False)",
    "mish": "(input, inplace=False)",
    "selu": "(input, inplace=False)",
    "celu": "(input, alpha=1.0, inplace=False)",
    "relu6": "(input, inplace=False)",
    "hardtanh": "(input, min_val=-1.0, max_val=1.0, inplace=False)",
    "hardsigmoid": "(input, inplace=False)",
    "hardswish": "(input, inplace=False)",
    "softsign": "(input)",
    "logsigmoid": "(input)",
    "softplus": "(input, beta=1.0, threshold=20.0)",
    "softmin": "(input, dim=-1)",
    "glu": "(input, dim=-1)",
}
MODULE_SIGNATURES = {
    "GELU": "(approximate='none')",
    "SiLU": "(inplace=False)",
    "Mish": "(inplace=False)",
    "SELU": "(inplace=False)",
    "CELU": "(alpha=1.0, inplace=False)",
    "ReLU6": "(inplace=False)",
    "Hardtanh": "(min_val=-1.0, max_val=1.0, inplace=False)",
    "Hardsigmoid": "(inplace=False)",
    "Hardswish": "(inplace=False)",
    "Softsign": "()",
    "LogSigmoid": "()",
    "Softplus": "(beta=1.0, threshold=20.0)",
    "Softmin": "(dim=-1)",
    "GLU": "(dim=-1)",
}


def _plain(sig: inspect.Signature) -> str:
    return str(sig.replace(parameters=[p.replace(annotation=p.empty) for p in sig.parameters.values()],
                           return_annotation=inspect.Signature.empty))


@pytest.mark.parametrize("name", sorted(FUNCTIONAL_SIGNATURES))
def test_functional_signature_and_am_export(name: str) -> None:
    assert _plain(inspect.signature(getattr(F, name))) == FUNCTIONAL_SIGNATURES[name]
    assert name in am.__all__ and callable(getattr(am, name))
    assert "Derivative" in getattr(am, name).__doc__


@pytest.mark.parametrize("name", sorted(MODULE_SIGNATURES))
def test_module_signature_and_export(name: str) -> None:
    cls = getattr(nn, name)
    assert name in nn.__all__
    assert _plain(inspect.signature(cls)) == MODULE_SIGNATURES[name]


def test_inplace_is_accepted_and_computes_out_of_place() -> None:
    x = am.tensor([-1.0, 2.0])
    y = nn.SiLU(inplace=True)(x)
    assert x.tolist() == [-1.0, 2.0] and y.tolist() == F.silu(x).tolist()
    assert "inplace=True" in repr(nn.ReLU6(inplace=True))


def test_mlp_takes_the_new_activations_by_name() -> None:
    for name in ["gelu", "silu", "mish", "selu", "celu", "relu6", "hardtanh", "hardsigmoid",
                 "hardswish", "softsign", "logsigmoid", "softplus"]:
        model = nn.MLP([2, 4, 1], activation=name, seed=0)
        x = am.tensor([[0.5, -1.0], [2.0, 0.1]])
        model(x).sum().backward()
        assert all(p.grad is not None for p in model.parameters())
