"""Backpropagation written by hand in NumPy: no autodiff, no graph, no Python object per op.

The references that the library's gradients are set beside, written once and used by
the demo (``autograd-mini demo``), by the benchmark (``bench/`` times
:func:`relu_mlp_ce_step` and :func:`hinge_mlp_step` against the library) and by the tests.
They follow the lecture notes this project grew from.

**The single-weight example.** One weight w, no bias, no nonlinearity: y = w·x with input
x = 2, target y* = 1, loss J = ½(y - y*)², learning rate h = 0.1, start w = 0.95. By the
chain rule dJ/dw = (dJ/dy)(dy/dw) = (y - y*)·x = (1.9 - 1)·2 = 1.8, so one step of
w ← w - h·dJ/dw gives 0.77; the update is w ← 0.6·w + 0.2, so w_k = 0.5 + 0.45·0.6ᵏ
(0.5027, 0.5002, 0.5000 after 10, 15, 20 steps).

**The four-weight chain.** Four one-neuron layers without bias or nonlinearity:
z1 = x·w1, z2 = z1·w2, z3 = z2·w3, y = z3·w4, same x = 2, y* = 1, J = ½(y - y*)².
Backwards, one d per layer: d4 = y - y*, d3 = d4·w4, d2 = d3·w3, d1 = d2·w2, and
dJ/dw4 = d4·z3, dJ/dw3 = d3·z2, dJ/dw2 = d2·z1, dJ/dw1 = d1·x. From w = (0.8, 0.6, 0.1, 0.5):
z = (1.6, 0.96, 0.096), y = 0.048.

**A fully connected network**, one sample per row: z_l = a_{l-1} W_lᵀ + b_l, a_l = σ(z_l),
weights ``(out, in)`` as in ``nn.Linear``. With δ_l = ∂C/∂z_l:

    δ_l = (δ_{l+1} W_{l+1}) ⊙ σ'(z_l),   ∂C/∂W_l = δ_lᵀ a_{l-1},   ∂C/∂b_l = Σ_rows δ_l

(the notes write column vectors, δ_l = (W_{l+1}ᵀ δ_{l+1}) ⊙ σ'(z_l) and ∂C/∂W_l = δ_l a_{l-1}ᵀ:
the same equations transposed). The output error δ_L depends on the cost: (a_L - y) ⊙ σ'(z_L)
for ½Σ(a - y)²; a_L - y for the cross-entropy of a sigmoid or softmax output, where σ'(z_L)
cancels.
"""

from __future__ import annotations

from typing import Any

import numpy as np

X, TARGET, LEARNING_RATE = 2.0, 1.0, 0.1  # the input, target and step size of both scalar examples
SINGLE_WEIGHT_START = 0.95
CHAIN_START = (0.8, 0.6, 0.1, 0.5)
ACTIVATIONS = ("relu", "sigmoid")


# ---------------------------------------------------------------- the two scalar examples


def single_weight_gradient(w: float, x: float = X, target: float = TARGET) -> float:
    """dJ/dw of J = ½(w·x - y*)²: (dJ/dy)(dy/dw) = (y - y*)·x."""
    return (w * x - target) * x


def d_chain(
    w1: float, w2: float, w3: float, w4: float, x: float = X, target: float = TARGET
) -> dict[str, tuple[float, ...]]:
    """The four-weight chain by hand: hidden values ``z``, the d's and the four gradients.

    z1 = x·w1, z2 = z1·w2, z3 = z2·w3, y = z3·w4; d4 = y - y*, d3 = d4·w4, d2 = d3·w3,
    d1 = d2·w2; ∂J/∂(w1, w2, w3, w4) = (d1·x, d2·z1, d3·z2, d4·z3).

    >>> d_chain(0.8, 0.6, 0.1, 0.5)["z"]
    (1.6, 0.96, 0.096)
    """
    z1 = x * w1
    z2 = z1 * w2
    z3 = z2 * w3
    y = z3 * w4
    d4 = y - target
    d3 = d4 * w4
    d2 = d3 * w3
    d1 = d2 * w2
    return {"z": (z1, z2, z3), "d": (d1, d2, d3, d4), "grads": (d1 * x, d2 * z1, d3 * z2, d4 * z3)}


# ---------------------------------------------------------------- fully connected networks


def mlp_forward(
    params: list[np.ndarray], x: np.ndarray, activation: str = "relu", output_activation: str | None = None
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """z_l = a_{l-1} W_lᵀ + b_l, a_l = σ(z_l); params = [W1, b1, W2, b2, ...].

    ``activation`` is σ of the hidden layers ("relu" or "sigmoid"); ``output_activation``
    that of the last layer (None, "sigmoid" or "softmax" over each row). Returns the
    activations ``[x, a_1, ..., a_L]`` and the pre-activations ``[z_1, ..., z_L]``.
    """
    n_layers = len(params) // 2
    activations, pre = [x], []
    a = x
    for i in range(n_layers):
        z = a @ params[2 * i].T + params[2 * i + 1]
        pre.append(z)
        name = activation if i < n_layers - 1 else output_activation
        if name is None:
            a = z
        elif name == "relu":
            a = np.maximum(z, 0)
        elif name == "sigmoid":
            a = 1.0 / (1.0 + np.exp(-z))
        elif name == "softmax":
            e = np.exp(z - z.max(axis=-1, keepdims=True))
            a = e / e.sum(axis=-1, keepdims=True)
        else:
            raise ValueError(f"mlp_forward: unknown activation {name!r}; use one of relu, sigmoid, softmax")
        activations.append(a)
    return activations, pre


def mlp_backward(
    params: list[np.ndarray], activations: list[np.ndarray], pre: list[np.ndarray],
    delta: np.ndarray, activation: str = "relu", alpha: float = 0.0,
) -> list[np.ndarray]:
    """The δ recursion from the output error δ_L; gradients in the order of ``params``.

    δ_l = (δ_{l+1} W_{l+1}) ⊙ σ'(z_l) with relu'(z) = [z > 0] and σ'(z) = a(1 - a) for the
    sigmoid; ∂C/∂W_l = δ_lᵀ a_{l-1}, ∂C/∂b_l = Σ_rows δ_l. With ``alpha`` the gradient
    2αθ of the penalty α Σ θ² over every parameter is added.
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"mlp_backward: unknown activation {activation!r}; use relu or sigmoid")
    relu = activation == "relu"
    grads: list[np.ndarray] = [np.empty(0)] * len(params)
    for i in reversed(range(len(params) // 2)):
        grads[2 * i] = delta.T @ activations[i]
        grads[2 * i + 1] = delta.sum(axis=0)
        if alpha:
            grads[2 * i] += 2 * alpha * params[2 * i]
            grads[2 * i + 1] += 2 * alpha * params[2 * i + 1]
        if i > 0:
            if relu:
                delta = (delta @ params[2 * i]) * (pre[i - 1] > 0)
            else:
                a = activations[i]
                delta = (delta @ params[2 * i]) * (a * (1.0 - a))
    return grads


def _sgd(params: list[np.ndarray], grads: list[np.ndarray], lr: float) -> None:
    for p, g in zip(params, grads):
        p -= lr * g


def relu_mlp_ce_grads(
    params: list[np.ndarray], x: np.ndarray, y: np.ndarray
) -> tuple[float, list[np.ndarray]]:
    """Mean softmax cross-entropy of a ReLU MLP against integer labels ``y``, and its gradients.

    δ_L = (softmax(z_L) - onehot(y)) / N. Returns the loss and the gradients in the order
    of ``params`` = [W1, b1, W2, b2, ...].
    """
    activations, pre = mlp_forward(params, x)
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
    return loss, mlp_backward(params, activations, pre, delta)


def relu_mlp_ce_step(
    params: list[np.ndarray], x: np.ndarray, y: np.ndarray, lr: float
) -> tuple[float, list[np.ndarray]]:
    """One in-place SGD step of :func:`relu_mlp_ce_grads`.

    Returns the loss before the step and the gradients (in the order of ``params``).
    """
    loss, grads = relu_mlp_ce_grads(params, x, y)
    _sgd(params, grads, lr)
    return loss, grads


def hinge_mlp_step(
    params: list[np.ndarray], x: np.ndarray, y: np.ndarray, lr: float, alpha: float
) -> tuple[float, list[np.ndarray]]:
    """micrograd's demo: ReLU MLP, score s, loss mean(max(0, 1 - y·s)) + α Σ θ² over all params.

    One in-place SGD step; returns the loss before the step and the gradients.
    """
    activations, pre = mlp_forward(params, x)
    score = activations[-1][:, 0]
    margins = 1.0 - y * score
    n = score.shape[0]
    reg = sum(float((p * p).sum()) for p in params)
    loss = float(np.maximum(margins, 0).mean()) + alpha * reg
    delta = (-(y * (margins > 0)) / n)[:, None].astype(x.dtype)
    grads = mlp_backward(params, activations, pre, delta, alpha=alpha)
    _sgd(params, grads, lr)
    return loss, grads


def mlp_parameters(model: Any) -> tuple[list[str], list[np.ndarray]]:
    """The names and arrays [W1, b1, W2, b2, ...] of an ``nn.MLP`` whose layers all have a bias."""
    names, params = [], []
    for name, p in model.named_parameters():
        names.append(name)
        params.append(p.data)
    kinds = [n.rsplit(".", 1)[-1] for n in names]
    if kinds != ["weight", "bias"] * (len(names) // 2) or not names:
        raise ValueError(
            f"mlp_parameters: expected the parameters of Linear layers with biases "
            f"(weight, bias, weight, bias, ...), got {names}; build the model with nn.MLP(sizes)"
        )
    return names, params


def mlp_cross_entropy_gradients(model: Any, x: np.ndarray, labels: np.ndarray) -> dict[str, np.ndarray]:
    """∂C/∂θ by hand of the mean cross-entropy of a ReLU ``nn.MLP``, by parameter name.

    What ``am.compare_gradients(..., reference=...)`` sets beside the engine in the demo.
    """
    names, params = mlp_parameters(model)
    _, grads = relu_mlp_ce_grads(params, np.asarray(x, dtype=params[0].dtype), np.asarray(labels))
    return dict(zip(names, grads))
