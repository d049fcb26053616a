"""Factories of issue 13 (linspace, logspace, empty, rand_like, randn_like, randint,
normal, uniform, tril_indices/triu_indices, one_hot): values against NumPy's own
functions on the same generator, dtypes, seeds, and errors naming the function and the fix."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am


def test_linspace_and_logspace_match_numpy() -> None:
    for args in [(0.0, 1.0, 5), (-2.0, 3.0, 7), (1.0, 1.0, 1), (0.0, 1.0, 0)]:
        np.testing.assert_array_equal(am.linspace(*args).numpy(), np.linspace(*args))
        np.testing.assert_array_equal(am.logspace(*args).numpy(), np.logspace(*args))
    np.testing.assert_array_equal(
        am.linspace(0, 1, 4, endpoint=False).numpy(), np.linspace(0, 1, 4, endpoint=False)
    )
    np.testing.assert_array_equal(am.logspace(0, 3, 4, base=2.0).numpy(), np.logspace(0, 3, 4, base=2.0))
    assert am.linspace(0, 1).shape == (50,)  # NumPy's default
    assert am.linspace(0, 1, steps=3).tolist() == [0.0, 0.5, 1.0]  # PyTorch's keyword
    assert am.linspace(0, 1, 3, dtype=np.float32).dtype == np.float32
    t = am.linspace(0, 1, 3, requires_grad=True)
    assert t.requires_grad and t.is_leaf
    with pytest.raises(ValueError, match="linspace: the number of points must be a non-negative int, got -1"):
        am.linspace(0, 1, -1)


def test_default_dtype_applies() -> None:
    am.set_default_dtype(np.float32)
    try:
        assert am.linspace(0, 1, 3).dtype == np.float32
        assert am.empty(2, 3).dtype == np.float32
        assert am.normal(0.0, 1.0, (2,), seed=0).dtype == np.float32
        assert am.rand_like(np.arange(3)).dtype == np.float32  # integer input: the default float
    finally:
        am.set_default_dtype(np.float64)


def test_empty_has_the_shape_and_dtype() -> None:
    assert am.empty(2, 3).shape == (2, 3) and am.empty((4,)).shape == (4,)
    assert am.empty(2, dtype=np.float32).dtype == np.float32
    with pytest.raises(ValueError, match="empty: negative dimension"):
        am.empty(-1)


def test_rand_like_and_randn_like_follow_the_seed_and_keep_float32() -> None:
    x = am.ones(2, 3, dtype=np.float32)
    np.testing.assert_array_equal(
        am.rand_like(x, seed=3).numpy(), np.random.default_rng(3).random((2, 3)).astype(np.float32)
    )
    np.testing.assert_array_equal(
        am.randn_like(x, seed=4).numpy(), np.random.default_rng(4).standard_normal((2, 3)).astype(np.float32)
    )
    assert am.rand_like(x).dtype == np.float32 and am.randn_like(np.zeros(2)).dtype == np.float64
    g = np.random.default_rng(9)
    a, b = am.randn_like(x, seed=g), am.randn_like(x, seed=g)  # one generator: different draws
    assert not np.array_equal(a.numpy(), b.numpy())
    assert am.rand_like(x, requires_grad=True).requires_grad
    with pytest.raises(TypeError, match="rand_like: dtype must be a floating type, got int64"):
        am.rand_like(x, dtype=np.int64)


def test_randint_numpy_and_pytorch_forms() -> None:
    np.testing.assert_array_equal(
        am.randint(2, 9, (3, 4), seed=1).numpy(), np.random.default_rng(1).integers(2, 9, (3, 4))
    )
    np.testing.assert_array_equal(
        am.randint(5, size=6, seed=2).numpy(), np.random.default_rng(2).integers(0, 5, 6)
    )
    torch_form = am.randint(5, (2, 2), seed=0)  # torch.randint(high, size)
    assert torch_form.shape == (2, 2) and torch_form.dtype == np.int64
    assert ((torch_form.numpy() >= 0) & (torch_form.numpy() < 5)).all()
    assert am.randint(3, seed=0).shape == ()
    assert am.randint(0, 3, 4, dtype=np.int32).dtype == np.int32
    with pytest.raises(ValueError, match=r"randint: the range \[4, 4\) is empty; give high > low"):
        am.randint(4, 4)
    with pytest.raises(TypeError, match="randint: low and high must be ints"):
        am.randint(0.5, 3)


def test_normal_and_uniform_match_numpy() -> None:
    np.testing.assert_array_equal(
        am.normal(1.0, 2.0, (3, 2), seed=5).numpy(), np.random.default_rng(5).normal(1.0, 2.0, (3, 2))
    )
    mean, std = np.array([0.0, 10.0, 100.0]), np.array([[1.0], [0.5]])
    got = am.normal(mean, std, seed=6)  # parameters broadcast: size defaults to (2, 3)
    np.testing.assert_array_equal(got.numpy(), np.random.default_rng(6).normal(mean, std, (2, 3)))
    np.testing.assert_array_equal(
        am.uniform(-1.0, 3.0, 5, seed=7).numpy(), np.random.default_rng(7).uniform(-1.0, 3.0, 5)
    )
    assert am.uniform(size=(2, 2), seed=0, dtype=np.float32).dtype == np.float32
    assert am.normal(seed=0).shape == ()
    assert am.normal(0.0, 1.0, (2,), requires_grad=True).requires_grad
    with pytest.raises(ValueError, match="normal: std must be non-negative"):
        am.normal(0.0, -1.0, 3)
    with pytest.raises(ValueError, match="uniform: high must not be below low"):
        am.uniform(2.0, 1.0, 3)
    with pytest.raises(
        ValueError, match=r"normal: parameters of shape \(3,\) do not broadcast to size \(2,\)"
    ):
        am.normal(np.zeros(3), 1.0, 2)


def test_triangle_indices_match_numpy() -> None:
    for n, k, m in [(3, 0, None), (4, -1, None), (3, 1, 5), (0, 0, None), (2, 5, 3)]:
        for fn, ref in [(am.tril_indices, np.tril_indices), (am.triu_indices, np.triu_indices)]:
            got = fn(n, k, m)
            want = ref(n, k, m)
            assert len(got) == 2
            for g, w in zip(got, want):
                np.testing.assert_array_equal(g.numpy(), w)
                assert g.dtype == np.int64
    x = am.tensor(np.arange(9.0).reshape(3, 3), requires_grad=True)
    x[am.triu_indices(3, 1)].sum().backward()  # usable as an index, differentiably
    np.testing.assert_array_equal(x.grad.numpy(), np.triu(np.ones((3, 3)), 1))
    with pytest.raises(TypeError, match="tril_indices: n must be an int"):
        am.tril_indices(2.5)


def test_one_hot_is_pytorch_one_hot() -> None:
    labels = np.array([[0, 2], [1, 1]])
    got = am.one_hot(labels)
    assert got.dtype == np.int64 and got.shape == (2, 2, 3)
    np.testing.assert_array_equal(got.numpy(), np.eye(3, dtype=np.int64)[labels])
    np.testing.assert_array_equal(am.one_hot(am.tensor([1, 0]), 4).numpy(), [[0, 1, 0, 0], [1, 0, 0, 0]])
    assert am.one_hot([1], 2, dtype=np.float32).dtype == np.float32
    assert am.one_hot(np.zeros(0, int), 3).shape == (0, 3)
    with pytest.raises(
        ValueError, match=r"one_hot: labels must be in \[0, 2\) for num_classes=2, got values in \[0, 3\]"
    ):
        am.one_hot([0, 3], 2)
    with pytest.raises(TypeError, match="one_hot: labels must be integers, got dtype float64"):
        am.one_hot([0.0, 1.0])
