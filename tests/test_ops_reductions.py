"""Reductions and scans of issue 13: prod, cumsum, cumprod, cummax, cummin, logcumsumexp,
diff, trace, norm, sort, argsort, topk, median, var_mean, std_mean, argmax/argmin.

Forward values against NumPy's own functions; gradients at the awkward points (zeros in
prod/cumprod, ties in sort/cummax/median/topk, norms at 0) against hand-derived values;
the hand-written forward-mode rules against the VJPs (⟨J t, g⟩ = ⟨t, Jᵀ g⟩). First and
second derivatives away from those points are checked by the generated cases
(checking/cases_reductions.py, run by tests/test_op_gradients.py).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.ops import reduction, scan

RNG = np.random.default_rng(1234)


def grad_of(f, a, weights=None):
    """∂/∂x of Σ w ⊙ f(x) at the array a (w = 1 by default)."""
    x = am.tensor(a, requires_grad=True)
    out = f(x)
    w = np.ones(out.shape) if weights is None else np.asarray(weights, dtype=float)
    (out * am.tensor(w)).sum().backward()
    return x.grad.numpy()


# ---------------------------------------------------------------- forward values vs NumPy


@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_prod_matches_numpy(axis, keepdims):
    a = RNG.standard_normal((2, 3, 4))
    np.testing.assert_allclose(
        am.prod(a, axis=axis, keepdims=keepdims).numpy(), np.prod(a, axis=axis, keepdims=keepdims)
    )


@pytest.mark.parametrize("axis", [None, 0, 1])
def test_scans_match_numpy(axis):
    a = RNG.standard_normal((3, 4))
    np.testing.assert_allclose(am.cumsum(a, axis).numpy(), np.cumsum(a, axis))
    np.testing.assert_allclose(am.cumprod(a, axis).numpy(), np.cumprod(a, axis))
    flat = a.ravel() if axis is None else a
    ax = 0 if axis is None else axis
    np.testing.assert_allclose(am.logcumsumexp(a, axis).numpy(), np.log(np.cumsum(np.exp(flat), ax)))
    v, i = am.cummax(a, axis)
    np.testing.assert_allclose(v.numpy(), np.maximum.accumulate(flat, ax))
    np.testing.assert_array_equal(np.take_along_axis(flat, i.numpy(), ax), v.numpy())
    v, i = am.cummin(a, axis)
    np.testing.assert_allclose(v.numpy(), np.minimum.accumulate(flat, ax))
    assert i.dtype == np.int64 and not i.requires_grad


def test_logcumsumexp_is_stable():
    a = np.array([1000.0, 1000.0, -1000.0, 1001.0])
    want = np.logaddexp.accumulate(a)
    np.testing.assert_allclose(am.logcumsumexp(a).numpy(), want)
    assert want[1] == pytest.approx(1000 + np.log(2))
    # gradient: x̄ⱼ = Σ_{k ≥ j} exp(xⱼ - yₖ), finite for values spanning 2000
    g = grad_of(lambda x: am.logcumsumexp(x), a)
    y = want
    expected = [sum(np.exp(a[j] - y[k]) for k in range(j, 4)) for j in range(4)]
    np.testing.assert_allclose(g, expected, rtol=1e-12)


def test_diff_matches_numpy():
    a = RNG.standard_normal((3, 5))
    for n, axis in [(0, -1), (1, -1), (2, 0), (3, 1), (6, 1)]:
        np.testing.assert_allclose(am.diff(a, n=n, axis=axis).numpy(), np.diff(a, n=n, axis=axis))
    np.testing.assert_allclose(
        am.diff(a, prepend=1.5, append=np.zeros((3, 2))).numpy(),
        np.diff(a, prepend=1.5, append=np.zeros((3, 2))),
    )


def test_diff_gradient_by_hand():
    # y = (x1 - x0, x2 - x1): x̄ = (-g0, g0 - g1, g1)
    np.testing.assert_allclose(grad_of(lambda x: am.diff(x), [1.0, 4.0, 9.0], [2.0, 5.0]), [-2.0, -3.0, 5.0])


@pytest.mark.parametrize(
    ("offset", "axis1", "axis2"), [(0, 0, 1), (1, 0, 1), (-2, 0, 1), (1, 2, 0), (0, -1, -2)]
)
def test_trace_matches_numpy(offset, axis1, axis2):
    a = RNG.standard_normal((4, 3, 5))
    got = am.trace(a, offset=offset, axis1=axis1, axis2=axis2).numpy()
    np.testing.assert_allclose(got, np.trace(a, offset=offset, axis1=axis1, axis2=axis2))
    m = RNG.standard_normal((3, 3))
    assert am.tensor(m).trace().item() == pytest.approx(np.trace(m))
    assert am.trace(m).item() == pytest.approx(np.trace(m))


def test_trace_gradient_is_the_diagonal():
    np.testing.assert_array_equal(grad_of(lambda x: x.trace(offset=1), np.ones((3, 4))), np.eye(3, 4, k=1))


@pytest.mark.parametrize("ord", [None, 2, 1, 3, 0.5, 0, np.inf, -np.inf, -1])
def test_vector_norms_match_numpy(ord):
    a = RNG.standard_normal((3, 4))
    for axis in (0, 1):
        np.testing.assert_allclose(am.norm(a, ord, axis=axis).numpy(), np.linalg.norm(a, ord, axis=axis))
    np.testing.assert_allclose(am.norm(a[0], ord).numpy(), np.linalg.norm(a[0], ord))
    np.testing.assert_allclose(
        am.norm(a, ord, axis=1, keepdims=True).numpy(), np.linalg.norm(a, ord, axis=1, keepdims=True)
    )


@pytest.mark.parametrize("ord", [None, "fro", "nuc", 1, -1, np.inf, -np.inf])
def test_matrix_norms_match_numpy(ord):
    a = RNG.standard_normal((3, 4, 2))
    np.testing.assert_allclose(am.norm(a[..., 0], ord).numpy(), np.linalg.norm(a[..., 0], ord))
    for axes in [(0, 1), (2, 0), (1, 2)]:
        np.testing.assert_allclose(
            am.norm(a, ord, axis=axes, keepdims=True).numpy(),
            np.linalg.norm(a, ord, axis=axes, keepdims=True),
        )
    # the matrix norms built from sum and max are differentiable too
    assert am.gradcheck(lambda x: am.norm(x, ord, axis=(0, 2)), am.tensor(a, requires_grad=True))


def test_norm_of_all_values_is_frobenius_for_any_ndim():
    a = RNG.standard_normal((2, 3, 4))
    assert am.norm(a).item() == pytest.approx(np.sqrt((a**2).sum()))


def test_sort_argsort_topk_match_numpy():
    a = RNG.standard_normal((3, 5))
    for axis in (0, 1, -1):
        v, i = am.sort(a, axis=axis)
        np.testing.assert_array_equal(v.numpy(), np.sort(a, axis=axis))
        np.testing.assert_array_equal(i.numpy(), np.argsort(a, axis=axis, kind="stable"))
        np.testing.assert_array_equal(
            am.argsort(a, axis=axis).numpy(), np.argsort(a, axis=axis, kind="stable")
        )
        np.testing.assert_array_equal(
            am.sort(a, axis=axis, descending=True).values.numpy(), np.flip(np.sort(a, axis=axis), axis=axis)
        )
    v, i = am.topk(a, 2, axis=1)
    np.testing.assert_array_equal(v.numpy(), -np.sort(-a, axis=1)[:, :2])
    np.testing.assert_array_equal(np.take_along_axis(a, i.numpy(), 1), v.numpy())
    v, _ = am.topk(a, 3, axis=0, largest=False)
    np.testing.assert_array_equal(v.numpy(), np.sort(a, axis=0))
    assert am.topk(a, 0).values.shape == (3, 0)


def test_median_matches_numpy_and_is_the_lower_median():
    odd = RNG.standard_normal((3, 5))
    np.testing.assert_allclose(am.median(odd, axis=1).numpy(), np.median(odd, axis=1))
    np.testing.assert_allclose(am.median(odd).numpy(), np.median(odd))  # 15 values
    np.testing.assert_allclose(
        am.median(odd, axis=(0, 1), keepdims=True).numpy(), np.median(odd, axis=(0, 1), keepdims=True)
    )
    even = RNG.standard_normal((4, 6))
    lower = np.sort(even, axis=1)[:, 2]  # (6 - 1) // 2
    np.testing.assert_allclose(am.median(even, axis=1).numpy(), lower)
    np.testing.assert_allclose(am.median(even, axis=0, keepdims=True).numpy(), np.sort(even, axis=0)[1:2])
    three = RNG.standard_normal((3, 2, 3))
    np.testing.assert_allclose(am.median(three, axis=(0, 2)).numpy(), np.median(three, axis=(0, 2)))  # 9 each
    assert np.isnan(am.median([1.0, np.nan, 3.0]).item())


@pytest.mark.parametrize("ddof", [0, 1])
def test_var_mean_and_std_mean(ddof):
    a = RNG.standard_normal((3, 4))
    v, m = am.var_mean(a, axis=1, ddof=ddof)
    np.testing.assert_allclose(v.numpy(), np.var(a, axis=1, ddof=ddof))
    np.testing.assert_allclose(m.numpy(), np.mean(a, axis=1))
    s, m = am.std_mean(a, axis=0, keepdims=True, correction=ddof)
    np.testing.assert_allclose(s.numpy(), np.std(a, axis=0, ddof=ddof, keepdims=True))
    np.testing.assert_allclose(m.numpy(), np.mean(a, axis=0, keepdims=True))
    assert am.var_mean(a)[0].item() == pytest.approx(np.var(a))  # ddof 0 by default, like var


def test_argmax_argmin_keepdims():
    a = RNG.standard_normal((3, 4))
    t = am.tensor(a)
    np.testing.assert_array_equal(t.argmax(1, keepdims=True), np.argmax(a, 1, keepdims=True))
    np.testing.assert_array_equal(am.argmin(a, axis=0, keepdims=True), np.argmin(a, 0, keepdims=True))
    np.testing.assert_array_equal(am.argmax(a), np.argmax(a))
    assert t.argmax(keepdims=True).shape == (1, 1)
    assert t.argmin(dim=1, keepdim=True).shape == (3, 1)


def test_methods_and_pytorch_spellings():
    a = RNG.standard_normal((3, 4))
    x = am.tensor(a)
    np.testing.assert_allclose(x.prod(1).numpy(), np.prod(a, 1))
    np.testing.assert_allclose(x.cumsum(dim=1).numpy(), np.cumsum(a, 1))
    np.testing.assert_allclose(x.norm(axis=0).numpy(), np.linalg.norm(a, axis=0))
    np.testing.assert_allclose(am.prod(x, dim=0, keepdim=True).numpy(), np.prod(a, 0, keepdims=True))
    np.testing.assert_array_equal(x.sort(dim=0).values.numpy(), np.sort(a, 0))
    assert x.median().shape == () and x.diff().shape == (3, 3)
    values, indices = x.cummax(1)
    assert values.shape == indices.shape == (3, 4)


@pytest.mark.parametrize(
    "f",
    [
        lambda x: am.prod(x, axis=1),
        lambda x: am.cumsum(x, axis=0),
        lambda x: am.cumprod(x, axis=1),
        lambda x: am.logcumsumexp(x, axis=1),
        lambda x: am.cummax(x, axis=1).values,
        lambda x: am.diff(x),
        lambda x: am.trace(x),
        lambda x: am.norm(x, axis=1),
        lambda x: am.norm(x, np.inf),
        lambda x: am.norm(x, "nuc"),
        lambda x: am.sort(x).values,
        lambda x: am.topk(x, 2).values,
        lambda x: am.median(x, axis=0),
    ],
)
def test_float32_stays_float32(f):
    x = am.tensor(RNG.standard_normal((3, 4)).astype(np.float32), requires_grad=True)
    y = f(x)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32


# ---------------------------------------------------------------- prod and cumprod at zeros


def test_prod_gradient_with_one_zero():
    # only the zero's position gets the product of the others
    np.testing.assert_array_equal(grad_of(lambda x: am.prod(x), [2.0, 0.0, 3.0, -1.5]), [0.0, -9.0, 0.0, 0.0])


def test_prod_gradient_with_two_zeros_is_zero():
    g = grad_of(lambda x: am.prod(x, axis=1), [[2.0, 0.0, 3.0, 0.0], [1.0, 2.0, 3.0, 4.0]])
    np.testing.assert_array_equal(g, [[0.0, 0.0, 0.0, 0.0], [24.0, 12.0, 8.0, 6.0]])


def test_prod_second_derivative_at_a_zero():
    # f = x0·x1·x2 at (0, 2, 3): ∂²f/∂x0∂x1 = x2 = 3, ∂²f/∂x0∂x2 = x1 = 2, ∂²f/∂x1∂x2 = x0 = 0
    h = am.hessian(lambda x: am.prod(x))(np.array([0.0, 2.0, 3.0]))
    np.testing.assert_allclose(h, [[0, 3, 2], [3, 0, 0], [2, 0, 0]])


def _cumprod_reference(x, g):
    """x̄ᵢ = Σ_{k ≥ i} gₖ Π_{j ≤ k, j ≠ i} xⱼ, term by term (the definition, no division)."""
    n = len(x)
    return np.array(
        [sum(g[k] * np.prod([x[j] for j in range(k + 1) if j != i]) for k in range(i, n)) for i in range(n)]
    )


@pytest.mark.parametrize(
    "x",
    [
        [2.0, 0.0, 3.0, 4.0],
        [0.0, 2.0, 3.0, 0.5],
        [2.0, 3.0, 0.5, 0.0],
        [1.5, 0.0, 2.0, 0.0, 3.0],
        [0.0, 0.0, 2.0, 1.0],
    ],
)
def test_cumprod_gradient_with_zeros(x):
    g = np.array([1.0, -2.0, 0.5, 3.0, 1.25][: len(x)])
    got = grad_of(lambda t: am.cumprod(t), np.array(x), g)
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, _cumprod_reference(x, g), atol=1e-12)


def test_cumprod_gradient_with_zeros_in_some_slices():
    a = np.array([[2.0, 0.0, 3.0], [1.0, 2.0, 3.0], [0.0, 0.5, 0.0]]).T  # slices along axis 0
    g = np.arange(1.0, 10.0).reshape(3, 3)
    got = grad_of(lambda t: am.cumprod(t, axis=0), a, g)
    for j in range(3):
        np.testing.assert_allclose(got[:, j], _cumprod_reference(a[:, j], g[:, j]), atol=1e-12)


@pytest.mark.parametrize("x0", [[2.0, 0.0, 3.0, 4.0], [0.0, 1.5, 0.0, 2.0], [1.0, 2.0, 3.0, 0.0]])
def test_cumprod_second_derivative_at_zeros(x0):
    # the Hessian of Σ w ⊙ cumprod(x) against central differences of the exact gradient
    # (a polynomial: differences are exact up to rounding), symmetric
    w = np.array([1.0, -2.0, 0.5, 3.0])
    f = lambda x: (am.cumprod(x) * am.tensor(w)).sum()
    x0 = np.array(x0)
    h = am.hessian(f)(x0)
    grad = lambda x: _cumprod_reference(x, w)
    eps = 1e-6
    fd = np.array([(grad(x0 + eps * e) - grad(x0 - eps * e)) / (2 * eps) for e in np.eye(4)])
    np.testing.assert_allclose(h, fd, atol=1e-6)
    np.testing.assert_allclose(h, h.T, atol=1e-12)


# ---------------------------------------------------------------- ties


def test_sort_ties_send_each_place_its_own_gradient():
    # stable: [2, 1, 2] sorts to [1, 2, 2] from positions [1, 0, 2]
    assert am.sort([2.0, 1.0, 2.0]).indices.tolist() == [1, 0, 2]
    np.testing.assert_array_equal(
        grad_of(lambda x: am.sort(x).values, [2.0, 1.0, 2.0], [10, 20, 30]), [20, 10, 30]
    )
    # descending keeps equal values in their original order too: positions [0, 2, 1]
    assert am.sort([2.0, 1.0, 2.0], descending=True).indices.tolist() == [0, 2, 1]
    g = grad_of(lambda x: am.sort(x, descending=True).values, [2.0, 1.0, 2.0], [10, 20, 30])
    np.testing.assert_array_equal(g, [10, 30, 20])


def test_topk_takes_the_first_of_ties():
    v, i = am.topk([1.0, 3.0, 3.0, 2.0], 1)
    assert i.tolist() == [1] and v.tolist() == [3.0]
    np.testing.assert_array_equal(grad_of(lambda x: am.topk(x, 1).values, [1.0, 3.0, 3.0, 2.0]), [0, 1, 0, 0])


def test_cummax_ties_point_to_the_last_position():
    v, i = am.cummax([1.0, 3.0, 3.0, 2.0])
    assert v.tolist() == [1, 3, 3, 3] and i.tolist() == [0, 1, 2, 2]
    g = grad_of(lambda x: am.cummax(x).values, [1.0, 3.0, 3.0, 2.0], [1, 10, 100, 1000])
    np.testing.assert_array_equal(g, [1, 10, 1100, 0])
    v, i = am.cummin([2.0, 1.0, 1.0, 4.0])
    assert v.tolist() == [2, 1, 1, 1] and i.tolist() == [0, 1, 2, 2]


def test_median_ties_and_gradient():
    # [2, 1, 2, 2, 5] sorts stably to positions [1, 0, 2, 3, 4]: the median is x[2]
    np.testing.assert_array_equal(grad_of(lambda x: am.median(x), [2.0, 1.0, 2.0, 2.0, 5.0]), [0, 0, 1, 0, 0])
    # even count, lower median: [4, 1, 3, 2] -> 2, at position 3
    np.testing.assert_array_equal(grad_of(lambda x: am.median(x), [4.0, 1.0, 3.0, 2.0]), [0, 0, 0, 1])


# ---------------------------------------------------------------- norms at 0 and at ties


def test_norm_gradient_at_zero_is_zero():
    for ord in (None, 2, 3, 1.5, 0.5, 1, np.inf, 0):
        g = grad_of(lambda x, ord=ord: am.norm(x, ord), np.zeros(3))
        np.testing.assert_array_equal(g, np.zeros(3), err_msg=f"ord={ord}")
    # and a zero column of a matrix, through the 2-norm over axis 0
    g = grad_of(lambda x: am.norm(x, axis=0), np.array([[0.0, 3.0], [0.0, 4.0]]))
    np.testing.assert_allclose(g, [[0.0, 0.6], [0.0, 0.8]])


def test_norm_gradient_with_zero_entries():
    # 1-norm: sign(0) = 0; p = 3: sign(x)|x|²/y² is 0 at the zero entry
    np.testing.assert_array_equal(grad_of(lambda x: am.norm(x, 1), [0.0, -2.0]), [0.0, -1.0])
    np.testing.assert_allclose(grad_of(lambda x: am.norm(x, 3), [0.0, -2.0]), [0.0, -1.0])
    np.testing.assert_allclose(grad_of(lambda x: am.norm(x, 0.5), [0.0, 4.0]), [0.0, 1.0])


def test_inf_norm_splits_ties_evenly():
    np.testing.assert_allclose(grad_of(lambda x: am.norm(x, np.inf), [-3.0, 1.0, 3.0]), [-0.5, 0.0, 0.5])
    np.testing.assert_allclose(grad_of(lambda x: am.norm(x, -np.inf), [-1.0, 2.0, 1.0]), [-0.5, 0.0, 0.5])


def test_nuclear_norm_gradient_is_the_polar_factor():
    a = RNG.standard_normal((4, 3))
    u, _, vt = np.linalg.svd(a, full_matrices=False)
    np.testing.assert_allclose(grad_of(lambda x: am.norm(x, "nuc"), a), u @ vt, atol=1e-12)


# ---------------------------------------------------------------- forward-mode rules vs the VJPs


def _dot_test(op, x, params, tangent_shape=None):
    """⟨JVP(t), g⟩ = ⟨t, VJP(g)⟩ for the op's hand-written jvp and its vjp, on arrays."""
    ans = op.forward(x, **params)
    t = RNG.standard_normal(np.shape(x))
    g = RNG.standard_normal(np.shape(ans))
    jt = op.jvp([t], ans, x, **params)
    vg = op.vjps[0](g, ans, x, **params)
    assert np.vdot(np.asarray(jt), g) == pytest.approx(
        np.vdot(t, np.broadcast_to(vg, np.shape(x))), rel=1e-9, abs=1e-12
    )


@pytest.mark.parametrize(
    "x", [RNG.standard_normal((3, 4)), np.array([[2.0, 0.0, 3.0, 0.0], [0.0, 1.0, 2.0, 3.0], [1, 2, 0, 4]])]
)
def test_cumprod_and_prod_jvp_agree_with_vjp(x):
    for axis in (0, 1):
        _dot_test(scan.cumprod, x, {"axis": axis})
    for axis, keepdims in itertools.product([None, (0,), (1,), (0, 1)], [False, True]):
        _dot_test(reduction.prod, x, {"axis": axis, "keepdims": keepdims})


def test_logcumsumexp_and_norm_jvp_agree_with_vjp():
    x = RNG.standard_normal((3, 4)) * 30
    _dot_test(scan.logcumsumexp, x, {"axis": 1})
    for ord in (2.0, 1.0, 3.0, 0.5, np.inf, -np.inf, 0.0):
        _dot_test(reduction.norm, RNG.standard_normal((3, 4)), {"ord": ord, "axis": (1,), "keepdims": False})
    _dot_test(reduction.norm, np.zeros((2, 3)), {"ord": 2.0, "axis": None, "keepdims": True})


@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 4), (2, 3, 3)])
def test_nuclear_norm_and_polar_jvp_agree_with_vjp(shape):
    x = RNG.standard_normal(shape)
    _dot_test(reduction.nuclear_norm, x, {})
    ans = reduction.polar.forward(x)
    t, g = RNG.standard_normal(shape), RNG.standard_normal(shape)
    jt = reduction.polar.jvp([t], ans, x)
    assert np.vdot(jt, g) == pytest.approx(np.vdot(t, reduction.polar.vjps[0](g, ans, x)), rel=1e-9)
    # and the polar factor's JVP is its derivative: (Q(x + εt) - Q(x - εt)) / 2ε
    eps = 1e-6
    fd = (reduction.polar.forward(x + eps * t) - reduction.polar.forward(x - eps * t)) / (2 * eps)
    np.testing.assert_allclose(jt, fd, atol=1e-6)


def test_every_new_entry_has_a_forward_mode_rule():
    from autograd_mini.ops import logic

    ops = [
        scan.cumsum,
        scan.cumprod,
        scan.logcumsumexp,
        scan.diff,
        scan.cummax,
        scan.cummin,
        reduction.prod,
        reduction.norm,
        reduction.nuclear_norm,
        reduction.trace,
        reduction.sort,
        reduction.topk,
        reduction.median,
        logic.masked_fill_op,
    ]
    assert all(op.jvp is not None for op in ops)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: am.prod(np.ones((2, 3)), axis=2), ValueError, r"prod: axis 2 is out of range .*\(2, 3\)"),
        (lambda: am.cumsum(np.ones((2, 3)), axis=(0, 1)), TypeError, r"cumsum: axis must be one int"),
        (lambda: am.cummax(np.ones(3), axis=1), ValueError, r"cummax: axis 1 is out of range"),
        (
            lambda: am.norm(np.ones(3), ord="fro"),
            ValueError,
            r"norm: ord='fro' is not a vector norm.*two axes",
        ),
        (lambda: am.norm(np.ones((2, 2, 2)), ord=1), ValueError, r"norm: .*1-D or 2-D.*\(2, 2, 2\).*axis="),
        (lambda: am.norm(np.ones((2, 2)), ord=2), NotImplementedError, r"spectral"),
        (lambda: am.norm(np.ones((2, 2)), ord="bad", axis=(0, 1)), ValueError, r"not a matrix norm"),
        (lambda: am.norm(np.ones((2, 2, 2)), axis=(0, 1, 2)), ValueError, r"names 3 axes"),
        (lambda: am.norm(np.ones((0,)), ord=np.inf), ValueError, r"empty"),
        (lambda: am.topk(np.ones((2, 3)), 4), ValueError, r"topk: k must be an int in 0..3"),
        (lambda: am.sort(np.ones(3), axis=None), TypeError, r"sort: axis must be an int"),
        (lambda: am.trace(np.ones(3)), ValueError, r"trace: needs a tensor of at least 2 dimensions.*\(3,\)"),
        (
            lambda: am.trace(np.ones((2, 2)), axis1=1, axis2=-1),
            ValueError,
            r"trace: axis1 and axis2 name the same axis",
        ),
        (lambda: am.diff(np.ones(3), n=-1), ValueError, r"diff: n must be a non-negative int"),
        (lambda: am.diff(np.ones(())), ValueError, r"diff: needs a tensor of at least one dimension"),
        (lambda: am.median(np.ones((0, 2))), ValueError, r"median: the tensor of shape \(0, 2\) is empty"),
        (
            lambda: am.var_mean(np.ones(3), ddof=1, correction=1),
            TypeError,
            r"var_mean: got both ddof= and correction=",
        ),
        (lambda: am.std_mean(np.ones(3), ddof=3), ValueError, r"std: 3 element\(s\) with ddof=3"),
        (lambda: am.argmax(np.ones((0,))), ValueError, r"argmax: the tensor of shape \(0,\) is empty"),
        (lambda: am.tensor(np.ones(2)).argmin(axis=3), ValueError, r"argmin: axis 3 is out of range"),
    ],
)
def test_bad_input_messages(call, error, match):
    with pytest.raises(error, match=match):
        call()
