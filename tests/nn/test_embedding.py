"""nn.Embedding and F.embedding (issue 15): lookup, gradients, padding_idx."""

from __future__ import annotations

import numpy as np
import pytest
from grad_checks import check_first_and_second

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.nn import functional as F  # noqa: N812 (PyTorch's habit)

RNG = np.random.default_rng(5)


def test_lookup_and_gradient_with_repeated_indices():
    emb = nn.Embedding(6, 3, seed=0)
    assert emb.weight.shape == (6, 3) and list(emb.state_dict()) == ["weight"]
    idx = np.array([[1, 4, 1], [0, 1, 5]])
    y = emb(idx)
    np.testing.assert_array_equal(y.data, emb.weight.data[idx])
    g = RNG.normal(size=y.shape)
    y.backward(gradient=g)
    expected = np.zeros((6, 3))
    for (i, j), row in np.ndenumerate(idx):
        expected[row] += g[i, j]
    np.testing.assert_allclose(emb.weight.grad.data, expected)
    check_first_and_second(lambda w: F.embedding(idx, w), RNG.normal(size=(6, 3)))


def test_padding_idx_row_starts_at_zero_and_gets_no_gradient():
    emb = nn.Embedding(5, 2, padding_idx=-1, seed=1)
    assert emb.padding_idx == 4
    np.testing.assert_array_equal(emb.weight.data[4], 0.0)
    emb.weight.data = emb.weight.data + 1.0  # the row is used as it is in the forward ...
    idx = np.array([4, 2, 4, 0])
    y = emb(idx)
    np.testing.assert_array_equal(y.data[0], [1.0, 1.0])
    (y * y).sum().backward()
    np.testing.assert_array_equal(emb.weight.grad.data[4], 0.0)  # ... but never updated
    np.testing.assert_allclose(emb.weight.grad.data[2], 2 * emb.weight.data[2])
    opt = nn.optim.SGD(emb.parameters(), lr=0.1)
    opt.step()
    np.testing.assert_array_equal(emb.weight.data[4], [1.0, 1.0])


def test_from_pretrained_and_errors():
    table = RNG.normal(size=(4, 2))
    emb = nn.Embedding.from_pretrained(table)
    assert not emb.weight.requires_grad
    np.testing.assert_array_equal(emb(np.array([3])).data, table[[3]])
    with pytest.raises(IndexError, match=r"\[0, 4\)"):
        emb(np.array([4]))
    with pytest.raises(TypeError, match="integers"):
        emb(np.array([1.0]))
    with pytest.raises(ValueError, match="padding_idx"):
        nn.Embedding(3, 2, padding_idx=3)
    assert repr(nn.Embedding(10, 4, padding_idx=0)) == "Embedding(10, 4, padding_idx=0)"
    assert am.tensor(emb(np.array([0, 1])).data).shape == (2, 2)
