"""Slices' gradients summed in place (core/slices.py) give exactly the dense sums.

During a plain first-order backward pass, ``x[index]``'s VJP (basic indices) returns a
lazy slice gradient and the engine adds slices into one buffer of its own. These tests
compare every such pass with the same pass made densely (anomaly mode keeps the dense
arrays), with central finite differences, and check that nothing outside the engine
ever sees a lazy gradient or has an array of its own written into.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import autograd, nn
from autograd_mini.core import slices
from autograd_mini.core.grad_mode import state
from autograd_mini.ops import shape as shape_ops


def _grads(fn: Any, *arrays: np.ndarray, dense: bool) -> list[np.ndarray]:
    leaves = [am.tensor(a, requires_grad=True) for a in arrays]
    if dense:
        with am.autograd.detect_anomaly():  # anomaly mode: every gradient a plain array
            fn(*leaves).backward()
    else:
        fn(*leaves).backward()
    out = []
    for t in leaves:
        assert t.grad is not None and t.grad._data.__class__ is np.ndarray
        out.append(t.grad.numpy())
    return out


def _sequence_sum(x: Any) -> Any:
    total = x[0] * 1.5
    for t in range(1, x.shape[0]):
        total = am.tanh(total + x[t])  # one slice per step, as a recurrent layer reads
    return (total * total).sum()


CASES = {
    "steps": (_sequence_sum, (6, 3, 2)),
    "overlapping slices": (lambda x: (x[0:4] * x[2:6]).sum() + x[1:5].sum() ** 2, (6, 3)),
    "ints, negatives, None, ellipsis": (
        lambda x: (x[-1] * x[0, None] + x[..., 1:2] * x[1, ..., 0:1]).sum(), (4, 3)
    ),
    "slices and a dense use of the same tensor": (lambda x: (x[1:3] ** 2).sum() + (x * x).sum(), (4, 2)),
    "the same slice twice": (lambda x: (x[2] * x[2] + 3 * x[2]).sum(), (4, 3)),
    "a strided slice": (lambda x: (x[::2] * x[1::2]).sum() + x[::-1][0].sum(), (6, 2)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_slice_gradients_equal_the_dense_sums_and_finite_differences(name):
    fn, shape = CASES[name]
    x = np.random.default_rng(0).standard_normal(shape)
    (lazy,) = _grads(fn, x, dense=False)
    (dense,) = _grads(fn, x, dense=True)
    np.testing.assert_array_equal(lazy, dense)  # the same additions in the same order
    assert am.gradcheck(fn, x)


def test_float32_stays_float32():
    x = np.random.default_rng(1).standard_normal((5, 4)).astype(np.float32)
    (g,) = _grads(_sequence_sum, x, dense=False)
    assert g.dtype == np.float32
    np.testing.assert_array_equal(g, _grads(_sequence_sum, x, dense=True)[0])


def test_hooks_and_autograd_grad_see_plain_arrays():
    x = am.tensor(np.arange(12.0).reshape(4, 3), requires_grad=True)
    h = x * 2.0
    seen: list[Any] = []
    h.register_hook(lambda g: seen.append(g._data.__class__))
    loss = (h[0] * h[1]).sum() + h[3].sum()
    (gx,) = autograd.grad(loss, [x], retain_graph=True)
    assert gx._data.__class__ is np.ndarray and seen == [np.ndarray]
    loss.backward()
    np.testing.assert_array_equal(x.grad.numpy(), gx.numpy())


def test_arrays_outside_the_engine_are_never_written_into():
    # the upstream gradient of z reaches y through mul's VJP, and a hook holds it; summing
    # y[1]'s slice into it in place would change the array the hook kept
    x = am.tensor(np.ones((3, 2)), requires_grad=True)
    y = x + 0.0
    z = y * 1.0
    upstream: list[np.ndarray] = []
    z.register_hook(lambda g: upstream.append(g._data))
    (z.sum() + y[1].sum()).backward()
    assert len(upstream) == 1
    np.testing.assert_array_equal(upstream[0], np.ones((3, 2)))
    np.testing.assert_array_equal(x.grad.numpy(), [[1.0, 1.0], [2.0, 2.0], [1.0, 1.0]])
    # add's VJP passes ḡ itself to both inputs: x + x with a slice of the sum
    w = am.tensor(np.ones(3), requires_grad=True)
    s = w + w
    held: list[np.ndarray] = []
    s.register_hook(lambda g: held.append(g._data))
    (s.sum() + s[0] * 2.0).backward()
    np.testing.assert_array_equal(held[0], [3.0, 1.0, 1.0])
    np.testing.assert_array_equal(w.grad.numpy(), [6.0, 2.0, 2.0])


def test_the_vjp_is_lazy_only_in_a_plain_first_order_pass():
    g = np.ones(2)
    x = np.zeros((3, 2))
    vjp = shape_ops.getitem.vjps[0]
    assert state.slice_grads is False
    assert vjp(g, None, x, index=1).__class__ is np.ndarray  # outside a pass: dense
    state.slice_grads = True
    try:
        lazy = vjp(g, None, x, index=1)
        assert lazy.__class__ is slices.SliceGrad
        np.testing.assert_array_equal(lazy.dense(), [[0, 0], [1, 1], [0, 0]])
        assert vjp(g, None, x, index=[1]).__class__ is np.ndarray  # advanced index: dense
    finally:
        state.slice_grads = False


def test_second_order_through_slices_is_unchanged():
    x0 = np.random.default_rng(2).standard_normal((5, 2))
    x = am.tensor(x0, requires_grad=True)
    (g,) = autograd.grad(_sequence_sum(x), [x], create_graph=True)
    (h,) = autograd.grad((g * g).sum(), [x])
    eps = 1e-6

    def grad_norm(a: np.ndarray) -> float:
        t = am.tensor(a, requires_grad=True)
        _sequence_sum(t).backward()
        return float((t.grad.numpy() ** 2).sum())

    fd = np.zeros_like(x0)
    for i in np.ndindex(x0.shape):
        d = np.zeros_like(x0)
        d[i] = eps
        fd[i] = (grad_norm(x0 + d) - grad_norm(x0 - d)) / (2 * eps)
    np.testing.assert_allclose(h.numpy(), fd, rtol=1e-5, atol=1e-7)


def test_a_recurrent_layer_on_an_input_that_requires_grad():
    rng = np.random.default_rng(3)
    gru = nn.GRU(3, 4, num_layers=2, seed=0)
    x0 = rng.standard_normal((7, 2, 3))
    (lazy,) = _grads(lambda x: gru(x)[0].sum(), x0, dense=False)
    (dense,) = _grads(lambda x: gru(x)[0].sum(), x0, dense=True)
    np.testing.assert_array_equal(lazy, dense)


def test_a_compiled_step_gives_the_eager_gradients_bitwise():
    def step(x: Any) -> Any:
        loss = _sequence_sum(x)
        loss.backward()
        return loss

    x0 = np.random.default_rng(4).standard_normal((6, 3, 2))
    compiled = am.compile(step)
    for scale in (1.0, 0.5, 2.0):
        xe = am.tensor(x0 * scale, requires_grad=True)
        xc = am.tensor(x0 * scale, requires_grad=True)
        step(xe)
        compiled(xc)
        np.testing.assert_array_equal(xe.grad.numpy(), xc.grad.numpy())
    assert compiled.traces == 1
