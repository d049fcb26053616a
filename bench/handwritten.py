"""Hand-written NumPy forward/backward/update: the floor every workload is measured against.

Written the way the seeds write backpropagation: explicit layer equations, the deltas
δ_L = ∂C/∂z_L, δ_l = (W_{l+1}ᵀ δ_{l+1}) ⊙ σ'(z_l), ∂C/∂W_l = δ_l a_{l-1}ᵀ, ∂C/∂b_l = Σ δ_l,
and an in-place SGD update. No autodiff, no graph, no Python objects per op.
"""

from __future__ import annotations

import numpy as np


def _forward(params: list[np.ndarray], x: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """z_l = a_{l-1} W_lᵀ + b_l, a_l = relu(z_l) (no activation on the last layer)."""
    n_layers = len(params) // 2
    activations, pre = [x], []
    a = x
    for i in range(n_layers):
        z = a @ params[2 * i].T + params[2 * i + 1]
        pre.append(z)
        a = np.maximum(z, 0) if i < n_layers - 1 else z
        activations.append(a)
    return activations, pre


def _backward(
    params: list[np.ndarray], activations: list[np.ndarray], pre: list[np.ndarray],
    delta: np.ndarray, alpha: float = 0.0,
) -> list[np.ndarray]:
    """The seeds' δ recursion from δ_L; with α, the gradient of α Σ w² is added."""
    grads: list[np.ndarray] = [np.empty(0)] * len(params)
    for i in reversed(range(len(params) // 2)):
        grads[2 * i] = delta.T @ activations[i]
        grads[2 * i + 1] = delta.sum(axis=0)
        if alpha:
            grads[2 * i] += 2 * alpha * params[2 * i]
            grads[2 * i + 1] += 2 * alpha * params[2 * i + 1]
        if i > 0:
            delta = (delta @ params[2 * i]) * (pre[i - 1] > 0)
    return grads


def _sgd(params: list[np.ndarray], grads: list[np.ndarray], lr: float) -> None:
    for p, g in zip(params, grads):
        p -= lr * g


def relu_mlp_ce_step(
    params: list[np.ndarray], x: np.ndarray, y: np.ndarray, lr: float
) -> tuple[float, list[np.ndarray]]:
    """One SGD step of a ReLU MLP with softmax cross-entropy; params = [W1, b1, W2, b2, ...].

    Weights are (out, in) as in ``nn.Linear``. Returns the loss before the step and the
    gradients (in the order of ``params``).
    """
    activations, pre = _forward(params, x)
    z = activations[-1]
    n = z.shape[0]
    rows = np.arange(n)
    m = z.max(axis=1, keepdims=True)
    e = np.exp(z - m)
    s = e.sum(axis=1, keepdims=True)
    loss = float(np.mean(np.log(s[:, 0]) + m[:, 0] - z[rows, y]))
    delta = e / s  # δ_L = softmax(z) - onehot(y), averaged over the batch
    delta[rows, y] -= 1.0
    delta /= n
    grads = _backward(params, activations, pre, delta)
    _sgd(params, grads, lr)
    return loss, grads


def hinge_mlp_step(
    params: list[np.ndarray], x: np.ndarray, y: np.ndarray, lr: float, alpha: float
) -> tuple[float, list[np.ndarray]]:
    """micrograd's demo: ReLU MLP, score s, loss mean(max(0, 1 - y·s)) + α Σ w² over all params."""
    activations, pre = _forward(params, x)
    score = activations[-1][:, 0]
    margins = 1.0 - y * score
    n = score.shape[0]
    reg = sum(float((p * p).sum()) for p in params)
    loss = float(np.maximum(margins, 0).mean()) + alpha * reg
    delta = (-(y * (margins > 0)) / n)[:, None].astype(x.dtype)
    grads = _backward(params, activations, pre, delta, alpha)
    _sgd(params, grads, lr)
    return loss, grads


def elementwise_chain(x: np.ndarray, n_ops: int, a: float, b: float) -> np.ndarray:
    """Forward and backward of y ← tanh(a·y + b), repeated (three ops each): returns dy/dx."""
    saved = []
    y = x
    for _ in range(n_ops // 3):
        t = np.tanh(y * a + b)
        saved.append(t)
        y = t
    g = np.ones_like(x)
    for t in reversed(saved):
        g = g * (1.0 - t * t)
        g = g * a
    return g


def mul_add_chain(x: np.ndarray, n_ops: int, a: float, b: float) -> np.ndarray:
    """Forward and backward of y ← y·a + b, repeated (two ops each): returns dy/dx."""
    y = x
    saved = []
    for _ in range(n_ops // 2):
        saved.append(y)
        y = y * a + b
    g = np.ones_like(x)
    for _ in reversed(saved):
        g = g * a
    return g
