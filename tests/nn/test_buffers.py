"""Module.register_buffer, named_buffers and state dicts with buffers (issue 15)."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import nn


class Counter(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(np.ones(2))
        self.register_buffer("total", np.zeros(2))
        self.register_buffer("calls", np.zeros((), dtype=np.int64))
        self.register_buffer("cache", np.ones(3), persistent=False)

    def forward(self, x):
        self.total = self.total.data + np.asarray(x).sum(axis=0)  # assigning replaces the buffer
        self.calls.data = self.calls.data + 1
        return am.tensor(x) * self.scale


def test_buffers_are_attributes_listed_and_saved_but_not_parameters():
    m = Counter()
    m(np.ones((3, 2)))
    assert isinstance(m.total, am.Tensor) and not m.total.requires_grad
    np.testing.assert_array_equal(m.total.data, [3.0, 3.0])
    assert [n for n, _ in m.named_parameters()] == ["scale"]
    assert [n for n, _ in m.named_buffers()] == ["total", "calls", "cache"]
    assert list(m.state_dict()) == ["scale", "total", "calls"]  # non-persistent buffers are not saved
    net = nn.Sequential(nn.Linear(2, 2, seed=0), Counter())
    assert list(net.state_dict()) == ["0.weight", "0.bias", "1.scale", "1.total", "1.calls"]
    assert "total" in dir(m)
    del m.cache
    assert [n for n, _ in m.named_buffers()] == ["total", "calls"]


def test_load_state_dict_restores_buffers_and_checks_them(tmp_path):
    a, b = Counter(), Counter()
    a(np.full((2, 2), 3.0))
    b.load_state_dict(a.state_dict())
    np.testing.assert_array_equal(b.total.data, [6.0, 6.0])
    assert b.calls.data.dtype == np.int64 and int(b.calls.data) == 1
    a.save(tmp_path / "m.npz")
    c = Counter().load(tmp_path / "m.npz")
    np.testing.assert_array_equal(c.total.data, [6.0, 6.0])
    state = a.state_dict()
    del state["calls"]
    with pytest.raises(RuntimeError, match=r"missing keys: 'calls'"):
        Counter().load_state_dict(state)
    state = a.state_dict()
    state["total"] = np.zeros(3)
    with pytest.raises(RuntimeError, match=r"size mismatch for 'total'.*buffer"):
        Counter().load_state_dict(state)


def test_register_buffer_errors_and_none():
    m = Counter()
    with pytest.raises(KeyError, match="already exists"):
        m.register_buffer("scale", np.zeros(2))
    with pytest.raises(KeyError, match=r"without '\.'"):
        m.register_buffer("a.b", np.zeros(2))
    with pytest.raises(TypeError, match="must be a Tensor"):
        m.register_buffer("bad", [1.0, 2.0])
    with pytest.raises(TypeError, match="must be a Tensor"):
        m.total = "text"
    m.register_buffer("maybe", None)
    assert m.maybe is None and "maybe" not in m.state_dict()
    m.maybe = am.tensor([1.0])
    assert "maybe" in m.state_dict()
    m.maybe = nn.Parameter(np.zeros(1))  # a parameter under the same name replaces the buffer
    assert "maybe" not in dict(m.named_buffers()) and "maybe" in dict(m.named_parameters())
