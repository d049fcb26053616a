"""Comparisons and logic of issue 13: isnan, isinf, isfinite, isclose, logical_and/or/xor/not,
the operators &, |, ^, ~, any, all (boolean results that never require grad) and
masked_fill (differentiable in x and in a 0-d tensor value)."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am

SPECIAL = np.array([[1.0, np.nan, -np.inf], [0.0, np.inf, -2.5]])


def test_value_tests_match_numpy_and_carry_no_gradient():
    x = am.tensor(SPECIAL, requires_grad=True)
    for name in ("isnan", "isinf", "isfinite"):
        for out in (getattr(am, name)(x), getattr(x, name)()):
            np.testing.assert_array_equal(out.numpy(), getattr(np, name)(SPECIAL))
            assert out.dtype == np.bool_ and not out.requires_grad and out.grad_fn is None
    np.testing.assert_array_equal(am.isnan([1.0, float("nan")]).numpy(), [False, True])
    np.testing.assert_array_equal(am.isfinite(np.float32([1, np.inf])).numpy(), [True, False])


def test_isclose_matches_numpy():
    a = np.array([1.0, 1.0 + 1e-9, np.nan, 2.0, 1e-9])
    b = np.array([1.0, 1.0, np.nan, 2.1, 0.0])
    np.testing.assert_array_equal(am.isclose(a, b).numpy(), np.isclose(a, b))
    np.testing.assert_array_equal(am.isclose(a, b, equal_nan=True).numpy(), np.isclose(a, b, equal_nan=True))
    np.testing.assert_array_equal(
        am.isclose(a, b, rtol=0.1, atol=0.0).numpy(), np.isclose(a, b, rtol=0.1, atol=0.0)
    )
    x = am.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    np.testing.assert_array_equal(
        x.isclose(np.array([0.0, 1.0, 0.0])).numpy(), np.isclose(x.numpy(), [0.0, 1.0, 0.0])
    )
    assert not am.isclose(x, x).requires_grad


def test_logical_functions_match_numpy():
    a = np.array([0.0, 1.0, 2.0, 0.0])
    b = np.array([True, True, False, False])
    for name in ("logical_and", "logical_or", "logical_xor"):
        want = getattr(np, name)(a, b)
        np.testing.assert_array_equal(getattr(am, name)(a, b).numpy(), want)
        np.testing.assert_array_equal(getattr(am.tensor(a), name)(am.tensor(b)).numpy(), want)
    np.testing.assert_array_equal(am.logical_not(a).numpy(), np.logical_not(a))
    out = am.logical_and(am.tensor(a, requires_grad=True), 1)
    assert out.dtype == np.bool_ and not out.requires_grad


def test_bitwise_operators_on_boolean_and_integer_tensors():
    p = am.tensor([True, True, False, False])
    q = am.tensor([True, False, True, False])
    pv, qv = p.numpy(), q.numpy()
    np.testing.assert_array_equal((p & q).numpy(), pv & qv)
    np.testing.assert_array_equal((p | q).numpy(), pv | qv)
    np.testing.assert_array_equal((p ^ q).numpy(), pv ^ qv)
    np.testing.assert_array_equal((~p).numpy(), ~pv)
    # with Python bools and NumPy arrays on either side
    np.testing.assert_array_equal((p & True).numpy(), pv)
    np.testing.assert_array_equal((False | q).numpy(), qv)
    np.testing.assert_array_equal((True ^ p).numpy(), ~pv)
    # integers: bitwise, as in NumPy and PyTorch
    i = am.tensor(np.array([12, 10, 7]))
    np.testing.assert_array_equal((i & 6).numpy(), np.array([12, 10, 7]) & 6)
    np.testing.assert_array_equal((~i).numpy(), ~np.array([12, 10, 7]))
    # the everyday use: combining comparison masks of a float tensor that requires grad
    x = am.tensor([-1.0, 0.5, 2.0, 3.0], requires_grad=True)
    band = (x > 0) & (x < 2.5)
    assert band.tolist() == [False, True, True, False] and not band.requires_grad


@pytest.mark.parametrize(
    "call",
    [
        lambda x, m: x & m,
        lambda x, m: m | x,
        lambda x, m: x ^ True,
        lambda x, m: ~x,
        lambda x, m: m & 1.5,
    ],
)
def test_bitwise_operators_refuse_floats(call):
    x = am.tensor([1.0, 2.0])
    m = am.tensor([True, False])
    with pytest.raises(TypeError, match=r"needs boolean or integer tensors, got dtype float64.*logical_and"):
        call(x, m)


@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_any_all_match_numpy(axis, keepdims):
    a = np.random.default_rng(0).integers(0, 2, (2, 3, 4)).astype(float)
    for name in ("any", "all"):
        want = getattr(np, name)(a, axis=axis, keepdims=keepdims)
        got = getattr(am, name)(a, axis=axis, keepdims=keepdims)
        np.testing.assert_array_equal(got.numpy(), want)
        assert got.dtype == np.bool_
        np.testing.assert_array_equal(getattr(am.tensor(a), name)(axis, keepdims).numpy(), want)
    assert am.any(a, dim=1, keepdim=True).shape == (2, 1, 4)


def test_any_all_bad_axis():
    with pytest.raises(ValueError, match=r"any: axis 3 is out of range .*\(2, 3\)"):
        am.any(np.ones((2, 3)), axis=3)
    with pytest.raises(ValueError, match=r"all: repeated axis"):
        am.all(np.ones((2, 3)), axis=(0, 0))


def test_boolean_results_cannot_be_differentiated():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="does not require grad"):
        am.isfinite(x).backward()
    with pytest.raises(TypeError):
        am.isnan(x).requires_grad_()


# ---------------------------------------------------------------- masked_fill


def test_masked_fill_values_and_gradient():
    a = np.arange(6.0).reshape(2, 3)
    mask = np.array([[True, False, True], [False, False, True]])
    x = am.tensor(a, requires_grad=True)
    y = am.masked_fill(x, mask, -1.0)
    np.testing.assert_array_equal(y.numpy(), np.where(mask, -1.0, a))
    (y * am.tensor(np.arange(1.0, 7.0).reshape(2, 3))).sum().backward()
    # gradient 0 where masked, the upstream gradient elsewhere
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 2, 0], [4, 5, 0]])


def test_masked_fill_method_broadcast_mask_and_tensor_value():
    x = am.tensor(np.ones((3, 2)), requires_grad=True)
    v = am.tensor(2.5, requires_grad=True)
    mask = am.tensor([True, False])  # broadcast over the rows
    y = x.masked_fill(mask, v)
    np.testing.assert_array_equal(y.numpy(), [[2.5, 1], [2.5, 1], [2.5, 1]])
    (y * am.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 2], [0, 4], [0, 6]])
    assert v.grad.item() == 1.0 + 3.0 + 5.0  # the sum of the gradient over the masked places


def test_masked_fill_keeps_the_dtype():
    x = am.tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    y = am.masked_fill(x, np.array([True, False, False]), 7.0)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32
    v = am.tensor(2.0, requires_grad=True)  # float64 value into a float32 tensor
    y = am.masked_fill(x, np.array([True, True, False]), v)
    assert y.dtype == np.float32
    y.sum().backward()
    assert v.grad.dtype == np.float64 and v.grad.item() == 2.0
    assert am.masked_fill(np.array([1, 2, 3]), np.array([False, True, False]), 9).tolist() == [1, 9, 3]


@pytest.mark.parametrize(
    ("mask", "value", "error", "match"),
    [
        (np.array([1, 0, 1]), 0.0, TypeError, r"masked_fill: the mask must be boolean, got dtype int64"),
        (
            np.ones((2, 3), dtype=bool),
            0.0,
            ValueError,
            r"masked_fill: a mask of shape \(2, 3\) does not broadcast to x's shape \(3,\)",
        ),
        (
            np.ones(3, dtype=bool),
            am.tensor([1.0, 2.0, 3.0]),
            ValueError,
            r"value must be a number or a 0-d tensor.*am.where",
        ),
        (np.ones(3, dtype=bool), "a", TypeError, r"value must be a number or a 0-d tensor, got str"),
    ],
)
def test_masked_fill_bad_input(mask, value, error, match):
    with pytest.raises(error, match=match):
        am.masked_fill(am.tensor([1.0, 2.0, 3.0]), mask, value)
