"""The backward engine: ordering, accumulation, graph freeing, hooks, grad mode, autograd.grad."""

from __future__ import annotations

import gc
import threading
import weakref

import numpy as np
import pytest

import autograd_mini as am


def test_diamond_gradients_add_up():
    # x feeds two branches that meet again: dL/dx = d(a*b)/dx with a = 2x, b = x²
    x = am.tensor(1.5, requires_grad=True)
    a = x * 2.0
    b = x * x
    loss = a * b  # 2x³
    loss.backward()
    assert x.grad.item() == pytest.approx(6 * 1.5**2)


def test_x_times_x_uses_the_same_input_twice():
    x = am.tensor([1.0, -2.0, 3.0], requires_grad=True)
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.numpy())


def test_backward_twice_accumulates_and_zeroing_resets():
    x = am.tensor(2.0, requires_grad=True)
    (x**2).backward()
    (x**2).backward()
    assert x.grad.item() == pytest.approx(8.0)
    x.grad = None
    (x**2).backward()
    assert x.grad.item() == pytest.approx(4.0)


def test_topological_order_visits_consumers_before_producers():
    x = am.tensor(1.0, requires_grad=True)
    a = am.exp(x)
    b = am.sin(a)
    c = a * b
    order = am.autograd.topological_order(c)
    names = [n.name for n in order]
    assert names.index("mul") < names.index("sin") < names.index("exp")
    assert len(order) == 3


def test_second_backward_through_freed_graph_raises_and_retain_graph_allows_it():
    x = am.tensor(1.0, requires_grad=True)
    y = am.exp(x) * 3.0
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.item() == pytest.approx(6 * np.e)
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_graph_is_released_after_the_step():
    x = am.tensor(np.ones(3), requires_grad=True)
    hidden = am.tanh(x * 2.0)
    ref = weakref.ref(hidden)
    loss = hidden.sum()
    del hidden
    loss.backward()
    assert ref() is not None  # still part of loss's graph while loss lives
    del loss
    gc.collect()
    assert ref() is None


def test_saved_output_is_dropped_by_backward():
    x = am.tensor(np.ones(3), requires_grad=True)
    y = am.exp(x)
    node = y.grad_fn
    y.sum().backward()
    assert node.out is None and node.freed


def test_deep_chain_has_no_recursion_limit():
    x = am.tensor(0.5, requires_grad=True)
    y = x
    n = 20_000
    for _ in range(n):
        y = y * 1.0001
    y.backward()
    assert x.grad.item() == pytest.approx(1.0001**n, rel=1e-9)


@pytest.mark.slow
def test_million_op_chain_differentiates():
    x = am.tensor(np.full(4, 0.5), requires_grad=True)
    y = x
    for _ in range(1_000_000):
        y = y + 1.0
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.ones(4))
    del y
    gc.collect()


def test_retain_grad_and_hooks_on_intermediate_tensors():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3.0
    h.retain_grad()
    seen = []
    h.register_hook(lambda g: seen.append(g.numpy().copy()))
    (h * h).sum().backward()
    np.testing.assert_allclose(h.grad.numpy(), 2 * h.numpy())
    np.testing.assert_allclose(seen[0], 2 * h.numpy())
    np.testing.assert_allclose(x.grad.numpy(), 18 * x.numpy())


def test_intermediate_grad_is_not_kept_by_default():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3.0
    h.sum().backward()
    assert h.grad is None


def test_hook_can_replace_the_gradient_and_be_removed():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    handle = x.register_hook(lambda g: g * 10.0)
    (x * 2.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [20.0, 20.0])
    handle.remove()
    x.grad = None
    (x * 2.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])


def test_hook_on_intermediate_changes_what_flows_upstream():
    x = am.tensor(2.0, requires_grad=True)
    h = x * 3.0
    h.register_hook(lambda g: g * 0.0)
    (h * h).backward()
    assert x.grad.item() == 0.0


def test_no_grad_context_and_decorator():
    w = am.tensor(1.0, requires_grad=True)
    with am.no_grad():
        y = w * 2
        assert not am.is_grad_enabled()
    assert am.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None

    @am.no_grad()
    def infer(v):
        return v * 3

    assert not infer(w).requires_grad
    with am.no_grad(), am.enable_grad():
        assert (w * 2).requires_grad


def test_grad_mode_is_thread_local():
    results = {}
    barrier = threading.Barrier(2)

    def worker():
        barrier.wait()
        results["other"] = am.is_grad_enabled()

    t = threading.Thread(target=worker)
    t.start()
    with am.no_grad():
        barrier.wait()
        t.join()
    assert results["other"] is True


def test_autograd_grad_does_not_touch_dot_grad():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    y = (x**2).sum()
    (g,) = am.autograd.grad(y, x)
    np.testing.assert_allclose(g.numpy(), [2.0, 4.0])
    assert x.grad is None


def test_autograd_grad_with_respect_to_an_intermediate_tensor():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    h = am.exp(x)
    y = (h * h).sum()
    gh, gx = am.autograd.grad(y, [h, x])
    np.testing.assert_allclose(gh.numpy(), 2 * np.exp([1.0, 2.0]))
    np.testing.assert_allclose(gx.numpy(), 2 * np.exp([2.0, 4.0]))


def test_autograd_grad_allow_unused_and_grad_outputs():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    z = am.tensor(3.0, requires_grad=True)
    y = x * 2.0
    with pytest.raises(RuntimeError, match="allow_unused"):
        am.autograd.grad(y, [x, z], grad_outputs=np.ones(2))
    gx, gz = am.autograd.grad(y, [x, z], grad_outputs=np.array([1.0, -1.0]), allow_unused=True)
    np.testing.assert_allclose(gx.numpy(), [2.0, -2.0])
    assert gz is None


def test_autograd_grad_several_outputs_sum_their_vjps():
    x = am.tensor(2.0, requires_grad=True)
    (g,) = am.autograd.grad([x**2, x**3], x)
    assert g.item() == pytest.approx(4.0 + 12.0)


def test_backward_with_gradient_argument_for_non_scalar():
    x = am.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * x
    y.backward(gradient=np.array([1.0, 0.0, -1.0]))
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 0.0, -6.0])


def test_same_array_reaching_two_leaves_gives_independent_grads():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    y = am.tensor([3.0, 4.0], requires_grad=True)
    (x + y).sum().backward()
    assert not np.shares_memory(x.grad.numpy(), y.grad.numpy())


def test_broadcast_gradient_is_summed_to_input_shape():
    b = am.tensor(np.zeros((1, 3)), requires_grad=True)
    x = am.tensor(np.ones((4, 3)))
    ((x + b) * 2.0).sum().backward()
    assert b.grad.shape == (1, 3)
    np.testing.assert_allclose(b.grad.numpy(), np.full((1, 3), 8.0))


def test_leaf_used_as_root():
    x = am.tensor(2.0, requires_grad=True)
    x.backward()
    assert x.grad.item() == 1.0


def test_multiple_roots_with_autograd_backward():
    x = am.tensor(1.0, requires_grad=True)
    am.autograd.backward([x * 2.0, x * 3.0])
    assert x.grad.item() == pytest.approx(5.0)


def test_grad_fn_has_a_readable_name():
    x = am.tensor([1.0], requires_grad=True)
    y = am.sigmoid(x @ am.ones(1, 1))
    assert y.grad_fn.name == "sigmoid"
    assert repr(y.grad_fn) == "<SigmoidBackward>"
    assert [p is x for p in y.grad_fn.parents[0].grad_fn.parents] == [True, False]


def test_vjp_returning_none_for_a_leaf_leaves_its_grad_unset():
    from autograd_mini.ops.registry import Op

    def vjp_all(g, ans, values, needs):
        return [g, None]  # no gradient for the second input

    op = Op("first_only", lambda a, b: a + 0 * b, vjp_all=vjp_all, register=False)
    x = am.tensor([1.0], requires_grad=True)
    w = am.tensor([2.0], requires_grad=True)
    (op(x, w) * 3.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0])
    assert w.grad is None


def test_vjp_returning_too_few_gradients_raises_instead_of_dropping_one():
    from autograd_mini.ops.registry import Op

    def vjp_all(g, ans, values, needs):
        return [g]  # one gradient for two inputs: the second would silently get none

    op = Op("short_vjp", lambda a, b: a + b, vjp_all=vjp_all, register=False)
    x = am.tensor([1.0], requires_grad=True)
    w = am.tensor([2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"'short_vjp'.*returned 1 gradients for 2 inputs"):
        op(x, w).sum().backward()


def test_topological_order_walks_a_freed_graph():
    x = am.tensor(1.0, requires_grad=True)
    y = am.exp(x) * 2.0
    y.backward()
    assert [n.name for n in am.autograd.topological_order(y)] == ["mul", "exp"]


def test_second_backward_names_a_node_whose_saved_values_were_freed() -> None:
    x = am.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()  # sum saved nothing; mul saved its inputs
    y.backward()
    with pytest.raises(RuntimeError, match="second time") as err:
        y.backward()
    assert "'mul'" in str(err.value) and "'sum'" not in str(err.value)


def test_second_backward_through_ops_that_saved_nothing_is_allowed() -> None:
    # as in PyTorch: nothing was freed, so walking the graph again is exact
    x = am.tensor([1.0, 2.0], requires_grad=True)
    y = (x + 1.0).sum()
    y.backward()
    y.backward()
    assert x.grad.tolist() == [2.0, 2.0]
