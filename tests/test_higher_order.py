"""Third derivatives and nested forward mode of every registered op, against finite differences.

``tests/test_op_gradients.py`` checks each case's first and second derivative. A rule
whose own derivative is wrong (one that holds a value of the input constant, exact only
to first order) passes both and gives silently wrong numbers one order up: the nuclear
norm's third derivative and ``cumprod``'s nested forward mode at zeros did. So every
case is also checked (:mod:`autograd_mini.checking.higher_order`):

- third order: AD's ``∇⟨∇⟨∇L, v⟩, w⟩`` (reverse³, ``create_graph`` twice) against central
  differences of the Hessian-vector product, entry by entry;
- forward over forward: a ``jvp`` of a ``jvp`` against central differences of the ``jvp``
  (every op has a forward-mode rule, asserted below, so this covers every op);
- forward over reverse: ``am.hvp``'s way (the VJP rules run on dual Tensors) against
  central differences of the gradient.

No op is exempt: every case draws its inputs away from kinks and ties (piecewise-constant
pieces such as relu's slope or max's selection are locally constant there, so their
higher derivatives are exactly 0 on both sides), and the ops with exact zeros in their
cases (``prod``, ``cumprod``) are polynomials.

Then regression tests for the two rules this audit fixed, against hand-derived values
where there is a closed form (``cumprod``'s derivatives are products over index sets).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import reliability_record as record

import autograd_mini as am
from autograd_mini.checking.cases import all_cases, case, normal
from autograd_mini.checking.check import check_case
from autograd_mini.checking.higher_order import (
    check_case_forward_over_reverse,
    check_case_nested_forward,
    check_case_third_order,
)
from autograd_mini.ops import REGISTRY, reduction

CASES = all_cases()
IDS = [f"{name}[{c.label or i}]" for name, i, c in CASES]


def test_the_audit_covers_every_op():
    assert {name for name, _, _ in CASES} == set(REGISTRY)
    without_jvp = sorted(name for name, op in REGISTRY.items() if op.jvp is None)
    assert not without_jvp, f"ops without a forward-mode rule escape the nested check: {without_jvp}"


@pytest.mark.parametrize(("name", "index", "c"), CASES, ids=IDS)
def test_third_derivative_matches_finite_differences(name, index, c):
    report = check_case_third_order(name, c, index)
    assert report.ok, str(report)
    record.count("op_cases_third_order")


@pytest.mark.parametrize(("name", "index", "c"), CASES, ids=IDS)
def test_nested_forward_mode_matches_finite_differences(name, index, c):
    report = check_case_nested_forward(name, c, index)
    assert report.ok, str(report)
    record.count("op_cases_nested_forward")


@pytest.mark.parametrize(("name", "index", "c"), CASES, ids=IDS)
def test_forward_over_reverse_matches_finite_differences(name, index, c):
    report = check_case_forward_over_reverse(name, c, index)
    assert report.ok, str(report)
    record.count("op_cases_forward_over_reverse")


def test_the_third_order_check_catches_a_rule_exact_only_to_first_order():
    """A VJP that linearises around the current value (as polar's did: U, S, V constant)
    passes the second-order check and fails the third-order one."""

    @am.custom_op
    def cube(x):
        return x**3

    @cube.defvjp
    def _(g, ans, x):
        x0 = np.asarray(x.data if isinstance(x, am.Tensor) else x)  # the value, as a constant
        return g * (3 * x0**2 + 6 * x0 * (x - x0))  # right value and slope, curvature 0

    c = case(lambda x: cube(x), normal(4))
    assert check_case("cube", c, 0, order=2).ok
    report = check_case_third_order("cube", c, 0)
    assert not report.ok
    assert "third derivative" in str(report)


def test_the_nested_forward_check_catches_a_jvp_exact_only_to_first_order():
    @am.custom_op
    def cube(x):
        return x**3

    @cube.defvjp
    def _(g, ans, x):
        return 3 * x**2 * g

    @cube.defjvp
    def _(t, ans, x):
        x0 = np.asarray(x.data if isinstance(x, am.Tensor) else x)
        return 3 * x0**2 * t  # the slope held constant: d/dx of the tangent is lost

    c = case(lambda x: cube(x), normal(4))
    assert not check_case_nested_forward("cube", c, 0).ok


# ---------------------------------------------------------------- nuclear norm and polar


def _hvp_nuclear(x: np.ndarray, v: np.ndarray) -> tuple[am.Tensor, am.Tensor]:
    xt = am.tensor(x, requires_grad=True)
    (g,) = am.autograd.grad(am.norm(xt, "nuc"), [xt], create_graph=True)
    (h,) = am.autograd.grad(g, [xt], grad_outputs=v, create_graph=True)
    return xt, h


def _fd(f, x: np.ndarray, eps: float = 1e-4) -> np.ndarray:
    """Central differences of the scalar ``f`` at ``x``, entry by entry."""
    out = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[i] = eps
        out[i] = (f(x + d) - f(x - d)) / (2 * eps)
    return out


@pytest.mark.parametrize(
    "x",
    [
        np.array([[2.0, 0.3, -0.5], [0.1, 1.0, 0.4], [-0.2, 0.6, 1.5]]),
        np.array([[1.0, 0.2], [-0.3, 0.8], [0.5, -1.1], [0.7, 0.4]]),  # tall
        np.array([[1.0, 0.2, -0.3, 0.5], [0.8, 0.5, -1.1, 0.4]]),  # wide
        # an orthogonal matrix times 2: every singular value is 2 (repeated), where an
        # SVD-based rule has no derivative but the nuclear norm is smooth
        2.0 * np.linalg.qr(np.array([[1.0, 2.0, 0.0], [0.5, -1.0, 1.0], [0.0, 1.0, 3.0]]))[0],
    ],
    ids=["square", "tall", "wide", "repeated singular values"],
)
def test_nuclear_norm_third_derivative(x):
    rng = np.random.default_rng(3)
    v, w = rng.standard_normal(x.shape), rng.standard_normal(x.shape)
    xt, h = _hvp_nuclear(x, v)
    assert h.requires_grad  # the old rule held U, S, V constant: h was a constant
    (third,) = am.autograd.grad(h, [xt], grad_outputs=w)
    fd = _fd(lambda y: float(np.vdot(_hvp_nuclear(y, v)[1].numpy(), w)), x)
    np.testing.assert_allclose(third.numpy(), fd, atol=1e-6)


def test_nuclear_norm_hessian_at_repeated_singular_values_is_hand_derived():
    """At X = c·Q (Q orthogonal, n×n), ‖X‖_* = tr((XᵀX)^½) has Hessian
    ⟨E, H[E]⟩ = (‖E‖² - ⟨QᵀE, (QᵀE)ᵀ⟩) / (2c): polar's derivative is Q skew(QᵀE)/c."""
    q = np.linalg.qr(np.array([[1.0, 2.0, 0.0], [0.5, -1.0, 1.0], [0.0, 1.0, 3.0]]))[0]
    e = np.random.default_rng(4).standard_normal((3, 3))
    _, h = _hvp_nuclear(2.0 * q, e)
    m = q.T @ e
    assert float(np.vdot(h.numpy(), e)) == pytest.approx((np.vdot(m, m) - np.vdot(m, m.T)) / 4.0, rel=1e-12)


def test_polar_second_derivative_under_create_graph():
    x = np.array([[1.0, 0.2, 0.1], [-0.3, 0.8, 0.4], [0.5, -1.1, 0.9], [0.7, 0.4, -0.2]])
    rng = np.random.default_rng(5)
    w, v = rng.standard_normal(x.shape), rng.standard_normal(x.shape)

    def grad_of(y: np.ndarray, create_graph: bool) -> tuple[am.Tensor, am.Tensor]:
        yt = am.tensor(y, requires_grad=True)
        (g,) = am.autograd.grad(reduction.polar(yt), [yt], grad_outputs=w, create_graph=create_graph)
        return yt, g

    xt, g = grad_of(x, True)
    (second,) = am.autograd.grad(g, [xt], grad_outputs=v)
    fd = _fd(lambda y: float(np.vdot(grad_of(y, False)[1].numpy(), v)), x, eps=1e-5)
    np.testing.assert_allclose(second.numpy(), fd, atol=1e-7)


def test_nuclear_norm_forward_over_reverse_over_reverse():
    x = np.array([[2.0, 0.3, -0.5], [0.1, 1.0, 0.4], [-0.2, 0.6, 1.5]])
    rng = np.random.default_rng(6)
    v, s = rng.standard_normal(x.shape), rng.standard_normal(x.shape)

    def hvp(y):  # reverse over reverse: ∇⟨∇‖y‖_*, v⟩
        return am.grad(lambda z: (am.grad(lambda u: am.norm(u, "nuc"))(z) * v).sum())(y)

    _, tangent = am.jvp(hvp, (x,), (s,))
    eps = 1e-4
    fd = (hvp(x + eps * s) - hvp(x - eps * s)) / (2 * eps)
    np.testing.assert_allclose(tangent, fd, atol=1e-7)


def test_nuclear_norm_second_derivative_of_a_rank_deficient_matrix_raises():
    x = np.outer([1.0, 2.0, -1.0], [0.5, 1.0, 3.0])  # rank 1: the Hessian is unbounded
    xt = am.tensor(x, requires_grad=True)
    (g,) = am.autograd.grad(am.norm(xt, "nuc"), [xt], create_graph=True)  # first order: fine
    assert np.all(np.isfinite(g.numpy()))
    with pytest.raises(
        RuntimeError, match=r"nuclear_norm: its second and higher derivatives.*full rank.*Fix"
    ):
        am.autograd.grad(g, [xt], grad_outputs=np.ones((3, 3)))
    with pytest.raises(RuntimeError, match="nuclear_norm"):
        am.hessian(lambda y: am.norm(y, "nuc"))(x)


# ---------------------------------------------------------------- cumprod at zeros


def _cumprod_derivative(x: np.ndarray, k: int, wrt: tuple[int, ...]) -> float:
    """∂ʳyₖ/∂x_{i₁}…∂x_{iᵣ} of yₖ = Π_{j ≤ k} xⱼ: the product of the other entries up to k
    when the indices are distinct and ≤ k, else 0 (yₖ is linear in each xⱼ)."""
    if len(set(wrt)) < len(wrt) or max(wrt) > k:
        return 0.0
    return float(np.prod([x[j] for j in range(k + 1) if j not in wrt]))


def _cumprod_reference(x: np.ndarray, order: int) -> np.ndarray:
    n = len(x)
    out = np.zeros((n,) * (order + 1))
    for k in range(n):
        for wrt in itertools.product(range(n), repeat=order):
            out[(k, *wrt)] = _cumprod_derivative(x, k, wrt)
    return out


ZEROS = [
    np.array([1.5, 0.0, 2.0, -0.7, 1.3]),
    np.array([1.5, 0.0, 2.0, 0.0, 1.3]),
    np.array([0.0, 0.0, 2.0, -0.7, 1.3]),
    np.array([1.5, -0.5, 2.0, 0.8, 0.0]),
]


@pytest.mark.parametrize("x", ZEROS, ids=["one zero", "two zeros", "adjacent zeros first", "zero last"])
def test_cumprod_second_derivatives_at_zeros_in_every_mode(x):
    f = lambda z: am.cumprod(z, axis=0)
    expected = _cumprod_reference(x, 2)
    np.testing.assert_allclose(am.jacfwd(am.jacfwd(f))(x), expected, atol=1e-12)  # was wrong
    np.testing.assert_allclose(am.jacrev(am.jacrev(f))(x), expected, atol=1e-12)
    np.testing.assert_allclose(am.jacfwd(am.jacrev(f))(x), expected, atol=1e-12)
    np.testing.assert_allclose(am.jacrev(am.jacfwd(f))(x), expected, atol=1e-12)


@pytest.mark.parametrize("x", ZEROS, ids=["one zero", "two zeros", "adjacent zeros first", "zero last"])
def test_cumprod_third_derivatives_at_zeros(x):
    f = lambda z: am.cumprod(z, axis=0)
    expected = _cumprod_reference(x, 3)
    np.testing.assert_allclose(am.jacfwd(am.jacfwd(am.jacfwd(f)))(x), expected, atol=1e-12)
    # reverse³ (was wrong), contracted with directions: ∇⟨∇⟨∇⟨r, y⟩, v⟩, w⟩ (jacrev³ builds 125 graphs)
    r, v, w = np.random.default_rng(7).standard_normal((3, len(x)))
    xt = am.tensor(x, requires_grad=True)
    (g,) = am.autograd.grad(f(xt), [xt], grad_outputs=r, create_graph=True)
    (h,) = am.autograd.grad(g, [xt], grad_outputs=v, create_graph=True)
    (third,) = am.autograd.grad(h, [xt], grad_outputs=w)
    np.testing.assert_allclose(third.numpy(), np.einsum("kabc,k,a,b->c", expected, r, v, w), atol=1e-12)


def test_cumprod_higher_derivatives_along_an_axis_of_a_batch():
    x = np.array([[1.5, 0.0, 2.0, 0.0], [0.5, -1.0, 0.3, 2.0], [0.0, 0.0, 0.0, 1.0]])
    f = lambda z: am.cumprod(z, axis=1)
    expected = np.zeros((3, 4) * 3)  # rows do not mix: only the blocks (r, ·, r, ·, r, ·)
    for r in range(3):
        expected[r, :, r, :, r, :] = _cumprod_reference(x[r], 2)
    np.testing.assert_allclose(am.jacfwd(am.jacfwd(f))(x), expected, atol=1e-12)
    np.testing.assert_allclose(
        am.hessian(lambda z: (f(z) * np.arange(1.0, 5.0)).sum())(x),
        np.einsum("k,rkpiqj->piqj", np.arange(1.0, 5.0), expected),
        atol=1e-12,
    )
