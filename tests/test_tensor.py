"""The Tensor type: construction, dtypes, properties, factories, operators, in-place updates."""

from __future__ import annotations

import weakref

import numpy as np
import pytest

import autograd_mini as am


@pytest.mark.parametrize(
    ("data", "dtype"),
    [
        (1.5, np.float64),
        ([1.0, 2.0], np.float64),
        ([[1, 2], [3, 4]], np.int64),
        (np.arange(3, dtype=np.float32), np.float32),
        (np.array([True, False]), np.bool_),
        (np.float32(2.0), np.float32),
    ],
)
def test_construction_and_dtype_rules(data, dtype):
    t = am.Tensor(data)
    assert t.dtype == dtype
    np.testing.assert_array_equal(t.numpy(), np.asarray(data))


def test_construction_from_tensor_copies():
    a = am.tensor([1.0, 2.0])
    b = am.Tensor(a)
    b.data[0] = 5.0
    assert a.numpy()[0] == 1.0


def test_array_input_is_copied():
    arr = np.ones(3)
    t = am.tensor(arr)
    arr[0] = 7.0
    assert t.numpy()[0] == 1.0


def test_default_dtype_float32_graph_stays_float32():
    am.set_default_dtype(np.float32)
    x = am.tensor([1.0, 2.0], requires_grad=True)
    assert x.dtype == np.float32
    y = (am.tanh(x * 2.0 + 1.0) ** 2 / 3.0).mean()
    assert y.dtype == np.float32
    y.backward()
    assert x.grad.dtype == np.float32
    assert am.zeros(2).dtype == np.float32 and am.randn(2, seed=0).dtype == np.float32


def test_set_default_dtype_rejects_ints():
    with pytest.raises(TypeError, match="floating"):
        am.set_default_dtype(np.int32)


def test_properties():
    x = am.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True, name="x")
    assert x.shape == (2, 3) and x.ndim == 2 and x.size == 6 and isinstance(x.size, int)
    assert x.is_leaf and x.grad_fn is None and x.name == "x"
    assert x.T.shape == (3, 2)
    y = x * 2
    assert not y.is_leaf and y.grad_fn is not None
    assert x.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert am.tensor([[3.5]]).item() == 3.5
    assert np.asarray(x) is x.data
    assert len(x) == 2 and [r.shape for r in x] == [(3,), (3,)]
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None and np.shares_memory(d.numpy(), y.numpy())
    assert weakref.ref(x)() is x


def test_item_on_many_elements_raises():
    with pytest.raises(ValueError, match="one-element"):
        am.tensor([1.0, 2.0]).item()


def test_requires_grad_only_for_floats():
    with pytest.raises(TypeError, match="floating-point"):
        am.tensor([1, 2], requires_grad=True)
    t = am.tensor([1.0]).requires_grad_()
    assert t.requires_grad


def test_factories():
    assert am.zeros(2, 3).shape == (2, 3) and am.ones((2,)).numpy().tolist() == [1.0, 1.0]
    assert am.full((2, 2), 7.0).numpy().sum() == 28.0
    assert am.arange(5).dtype == np.int64 and am.arange(0.0, 1.0, 0.25).shape == (4,)
    np.testing.assert_array_equal(am.eye(3).numpy(), np.eye(3))
    x = am.randn(3, 4, seed=1)
    np.testing.assert_array_equal(x.numpy(), am.randn(3, 4, seed=1).numpy())
    gen = np.random.default_rng(5)
    r = am.rand(100, seed=gen)
    assert r.numpy().min() >= 0.0 and r.numpy().max() < 1.0
    like = am.zeros_like(x)
    assert like.shape == x.shape and like.numpy().sum() == 0.0
    assert am.ones_like(x, requires_grad=True).requires_grad


@pytest.mark.parametrize(
    "expr",
    [
        lambda t, a: a * t,
        lambda t, a: t * a,
        lambda t, a: a + t,
        lambda t, a: a - t,
        lambda t, a: a / t,
        lambda t, a: a**t,
        lambda t, a: 2.0 * t,
        lambda t, a: 1 - t,
        lambda t, a: [1.0, 2.0] + t,
    ],
)
def test_operators_with_arrays_and_numbers_on_either_side_give_tensors(expr):
    t = am.tensor([1.0, 2.0], requires_grad=True)
    a = np.array([3.0, 4.0])
    out = expr(t, a)
    assert isinstance(out, am.Tensor) and out.requires_grad
    out.sum().backward()
    assert t.grad is not None


def test_ndarray_matmul_tensor():
    w = am.tensor(np.eye(2), requires_grad=True)
    out = np.ones((3, 2)) @ w
    assert isinstance(out, am.Tensor) and out.shape == (3, 2)


def test_comparisons_give_boolean_tensors_without_grad():
    t = am.tensor([1.0, 2.0, 3.0], requires_grad=True)
    mask = t > 1.5
    assert mask.dtype == np.bool_ and not mask.requires_grad
    assert (t == 2.0).tolist() == [False, True, False]
    assert {t: 1}[t] == 1  # still hashable


def test_inplace_update_on_leaf_under_no_grad_bumps_version():
    w = am.tensor([1.0, 2.0], requires_grad=True)
    before = w.version
    with am.no_grad():
        w -= 0.5
        w *= 2.0
    assert w.version == before + 2 and w.is_leaf and w.requires_grad
    np.testing.assert_allclose(w.numpy(), [1.0, 3.0])


def test_inplace_on_leaf_that_requires_grad_raises():
    w = am.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        w += 1.0


def test_inplace_on_tracked_intermediate_is_recorded_out_of_place():
    x = am.tensor(2.0, requires_grad=True)
    y = x * 3.0
    y += x  # y = 3x + x
    y.backward()
    assert x.grad.item() == pytest.approx(4.0)


def test_update_after_forward_is_caught_at_backward():
    w = am.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    with am.no_grad():
        w -= 0.1
    with pytest.raises(RuntimeError, match="modified in place"):
        loss.backward()


def test_data_assignment_bumps_version_and_is_caught():
    w = am.tensor([1.0, 2.0], requires_grad=True)
    loss = am.exp(w * w).sum()
    w.data = np.zeros(2)
    with pytest.raises(RuntimeError, match="version"):
        loss.backward()


def test_update_of_an_input_whose_value_is_not_needed_is_allowed():
    # add's VJP does not read its inputs, so changing one afterwards is harmless
    w = am.tensor([1.0, 2.0], requires_grad=True)
    loss = (w + 1.0).sum()
    with am.no_grad():
        w -= 0.1
    loss.backward()
    np.testing.assert_allclose(w.grad.numpy(), [1.0, 1.0])


def test_slice_assignment_and_fill():
    t = am.zeros(3)
    t[1] = 5.0
    assert t.tolist() == [0.0, 5.0, 0.0]
    t.fill_(2.0)
    assert t.tolist() == [2.0, 2.0, 2.0]
    t.zero_()
    assert t.tolist() == [0.0, 0.0, 0.0] and t.version == 3
    w = am.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError):
        w[0] = 3.0
    with am.no_grad():
        w[0] = 3.0
    assert w.tolist() == [3.0, 2.0]


def test_repr_shows_grad_fn_and_requires_grad():
    x = am.tensor([1.0], requires_grad=True)
    assert "requires_grad=True" in repr(x)
    assert "grad_fn=<MulBackward>" in repr(x * 2)
    assert "dtype=float32" in repr(am.tensor(np.ones(1, np.float32)))


def test_methods_delegate_to_ops():
    x = am.tensor(np.arange(1.0, 7.0).reshape(2, 3), requires_grad=True)
    assert x.sum(axis=1).shape == (2,)
    assert x.mean(axis=0, keepdims=True).shape == (1, 3)
    assert x.max().item() == 6.0 and x.min().item() == 1.0
    assert x.var(ddof=1).item() == pytest.approx(np.var(np.arange(1.0, 7.0), ddof=1))
    assert x.std().item() == pytest.approx(np.std(np.arange(1.0, 7.0)))
    assert x.reshape(3, 2).shape == (3, 2) and x.reshape((6,)).shape == (6,)
    assert x.flatten().shape == (6,) and x.unsqueeze(0).shape == (1, 2, 3)
    assert x.transpose().shape == (3, 2) and x.swapaxes(0, 1).shape == (3, 2)
    assert x.exp().log().numpy() == pytest.approx(x.numpy())
    assert x.argmax() == 5


def test_views_of_views_link_to_the_base_tensor():
    w = am.tensor(np.ones((2, 3)), requires_grad=True)
    v = w.T.reshape(3, 2)[1:]
    assert v._base is w
    loss = (v * v).sum()
    with am.no_grad():
        w -= 1.0
    with pytest.raises(RuntimeError, match="seen through a view"):
        loss.backward()
