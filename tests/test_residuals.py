"""Ops that save a residual in their forward (``Op(..., forward_saving=...)``).

The VJP of such an op receives what the forward saved in place of ``ans``; these tests
pin down when the saving forward runs, what each backward path hands the rules, and
that softmax cross-entropy (the library's one such op) keeps its saved softmax intact.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd_mini as am
from autograd_mini import autograd, nn
from autograd_mini.core.op import Op
from autograd_mini.ops import loss as loss_ops
from autograd_mini.tensor import apply_op


def _logsumexp_op(log: list[tuple[str, Any]]) -> Op:
    """y = log Σ eˣ whose forward saves softmax(x), and whose VJP logs what it received."""

    def forward(x: np.ndarray) -> np.ndarray:
        log.append(("forward", None))
        return np.log(np.exp(x).sum())

    def forward_saving(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        log.append(("forward_saving", None))
        e = np.exp(x)
        return np.log(e.sum()), e / e.sum()

    def vjp(g: Any, saved: Any, x: Any) -> Any:
        log.append(("vjp", saved))
        if saved is None:  # create_graph: the rule computes from the input, with ops
            e = am.exp(x)
            return g * e / e.sum()
        return g * saved

    return Op("logsumexp_saving", forward, [vjp], forward_saving=forward_saving, register=False)


def test_the_saving_forward_runs_only_when_a_node_is_recorded():
    log: list[tuple[str, Any]] = []
    op = _logsumexp_op(log)
    x = np.array([0.5, -1.0, 2.0])
    apply_op(op, (am.tensor(x),), None)  # no input requires grad: nothing to save
    with am.no_grad():
        apply_op(op, (am.tensor(x, requires_grad=True),), None)
    assert [kind for kind, _ in log] == ["forward", "forward"]
    y = apply_op(op, (am.tensor(x, requires_grad=True),), None)
    assert [kind for kind, _ in log][-1] == "forward_saving"
    assert np.isclose(y.item(), np.log(np.exp(x).sum()))  # the output, not the residual


def test_the_vjp_receives_the_residual_and_the_gradient_is_softmax():
    log: list[tuple[str, Any]] = []
    op = _logsumexp_op(log)
    x = np.array([0.5, -1.0, 2.0])
    t = am.tensor(x, requires_grad=True)
    apply_op(op, (t,), None).backward()
    softmax = np.exp(x) / np.exp(x).sum()
    kind, saved = log[-1]
    assert kind == "vjp" and np.allclose(saved, softmax)
    assert np.allclose(t.grad.numpy(), softmax)
    # central differences of log Σ eˣ agree
    h = 1e-6
    fd = [(np.log(np.exp(x + h * e).sum()) - np.log(np.exp(x - h * e).sum())) / (2 * h) for e in np.eye(3)]
    assert np.allclose(t.grad.numpy(), fd, atol=1e-8)


def test_create_graph_hands_the_rule_none_and_second_derivatives_are_right():
    log: list[tuple[str, Any]] = []
    op = _logsumexp_op(log)
    x = np.array([0.5, -1.0, 2.0])
    t = am.tensor(x, requires_grad=True)
    (g,) = autograd.grad(apply_op(op, (t,), None), [t], create_graph=True)
    assert log[-1] == ("vjp", None)
    # ∂²/∂x² log Σ eˣ = diag(p) - p pᵀ
    p = np.exp(x) / np.exp(x).sum()
    hessian = np.stack([autograd.grad(g[i], [t], retain_graph=True)[0].numpy() for i in range(3)])
    assert np.allclose(hessian, np.diag(p) - np.outer(p, p))


def test_inspecting_a_freed_graph_recomputes_the_residual():
    log: list[tuple[str, Any]] = []
    op = _logsumexp_op(log)
    x = np.array([0.5, -1.0, 2.0])
    t = am.tensor(x, requires_grad=True)
    y = apply_op(op, (t,), None)
    y.backward()  # frees the saved softmax
    assert y.grad_fn.out is None
    records = autograd.trace_backward(y)
    assert log[-2][0] == "forward_saving" and log[-1][0] == "vjp"
    assert np.allclose(records[0][2][0], t.grad.numpy())


def test_cross_entropy_keeps_its_saved_softmax_for_a_second_backward():
    rng = np.random.default_rng(0)
    z = am.tensor(rng.standard_normal((5, 4)), requires_grad=True)
    labels = np.array([0, 3, 1, 1, 2])
    loss = nn.functional.cross_entropy(z, labels)
    assert loss.grad_fn.op is loss_ops.softmax_cross_entropy
    saved = loss.grad_fn.out.copy()
    loss.backward(retain_graph=True)
    first = z.grad.numpy().copy()
    assert np.array_equal(loss.grad_fn.out, saved)  # the VJP did not write into it
    loss.backward()
    assert np.allclose(z.grad.numpy(), 2 * first)
    p = np.exp(z.numpy()) / np.exp(z.numpy()).sum(axis=1, keepdims=True)
    onehot = np.eye(4)[labels]
    assert np.allclose(first, (p - onehot) / 5)


def test_cross_entropy_with_infinite_logits():
    # a -inf logit in a row with a finite maximum: saved as usual, its probability is 0
    z = am.tensor(np.array([[0.0, 1.0, -np.inf], [2.0, 0.5, 0.0]]), requires_grad=True)
    loss = nn.functional.cross_entropy(z, np.array([1, 0]))
    assert loss.grad_fn.out is not None
    loss.backward()
    p = np.array([[1.0, np.e, 0.0], [np.exp(2.0), np.exp(0.5), 1.0]])
    p /= p.sum(axis=1, keepdims=True)
    assert np.allclose(z.grad.numpy(), (p - np.eye(3)[[1, 0]]) / 2)
    # a row whose maximum is +inf saves nothing: the VJP goes through the softmax op
    z = am.tensor(np.array([[0.0, np.inf, 1.0], [2.0, 0.5, 0.0]]), requires_grad=True)
    with np.errstate(invalid="ignore"):  # inf - inf in the shift: the loss is nan
        loss = nn.functional.cross_entropy(z, np.array([1, 0]))
        assert loss.grad_fn.out is None
        loss.backward()
        expected = (am.softmax(z.detach(), axis=-1).numpy() - np.eye(3)[[1, 0]]) / 2
    assert np.array_equal(np.isnan(z.grad.numpy()), np.isnan(expected))
    assert np.allclose(z.grad.numpy()[1], expected[1])
