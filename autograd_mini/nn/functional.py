"""Activations, layers and losses as plain functions (PyTorch's ``torch.nn.functional``).

Everything is composed from the library's differentiable ops, so gradients (and
higher-order gradients) come from the engine; no function here has its own backward.
Losses take ``input`` (the model's output) first and ``target`` second, and a
``reduction`` of ``"mean"`` (default), ``"sum"`` or ``"none"``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ops import api as ops
from ..ops import linalg, reduction
from ..ops import loss as loss_ops
from ..tensor import Tensor, apply_op
from .init import Generator, as_generator

_REDUCTIONS = ("mean", "sum", "none")

# log(p) is clamped at -100 like PyTorch's BCELoss: p is clipped at e^-100 before the log,
# which gives the same value and keeps log's gradient finite where p = 0.
_LOG_CLAMP = float(np.exp(-100.0))


# ---------------------------------------------------------------- activations


def relu(input: Any) -> Tensor:
    """max(x, 0).  Derivative: ȳ·[x > 0] (0 at x = 0)."""
    return ops.relu(input)


def sigmoid(input: Any) -> Tensor:
    """σ(x) = 1/(1 + e⁻ˣ).  Derivative: ȳ·σ(x)(1 - σ(x))."""
    return ops.sigmoid(input)


def tanh(input: Any) -> Tensor:
    """tanh x.  Derivative: ȳ·(1 - tanh² x)."""
    return ops.tanh(input)


def leaky_relu(input: Any, negative_slope: float = 0.01) -> Tensor:
    """x for x > 0, else negative_slope·x.  Derivative: ȳ·(1 or negative_slope)."""
    return ops.leaky_relu(input, negative_slope)


def elu(input: Any, alpha: float = 1.0) -> Tensor:
    """x for x > 0, else α(eˣ - 1).  Derivative: ȳ·(1 or αeˣ)."""
    return ops.elu(input, alpha)


def softmax(input: Any, dim: int = -1) -> Tensor:
    """eˣ / Σ eˣ along ``dim``.  Derivative: x̄ = y ⊙ (ȳ - Σ ȳ⊙y)."""
    return ops.softmax(input, dim)


def log_softmax(input: Any, dim: int = -1) -> Tensor:
    """x - logsumexp(x) along ``dim``, stable.  Derivative: x̄ = ȳ - softmax(x)·Σ ȳ."""
    return ops.log_softmax(input, dim)


def linear(input: Any, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x Wᵀ + b with W of shape (out_features, in_features).

    Derivative: x̄ = ȳ W, W̄ = ȳᵀ x, b̄ = Σ over the batch of ȳ.
    """
    x = ops.as_tensor(input, "linear")
    if x.ndim == 0 or x.shape[-1] != weight.shape[-1]:
        raise ValueError(
            f"linear: the input has shape {x.shape} but the weight has shape "
            f"{tuple(weight.shape)} (out_features, in_features), so the input's last axis "
            f"must have size {weight.shape[-1]}"
        )
    return apply_op(linalg.linear, (x, weight, bias), None)  # one fused op: x Wᵀ + b


def dropout(
    input: Any, p: float = 0.5, training: bool = True, generator: Generator = None
) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by 1/(1 - p).

    Identity when ``training`` is False or ``p`` is 0. Derivative: ȳ·mask/(1 - p).
    """
    _check_probability(p, "dropout")
    x = ops.as_tensor(input, "dropout")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * np.zeros(x.shape, dtype=x.dtype)
    rng = as_generator(generator, "dropout")
    keep = rng.random(x.shape) >= p
    return x * (keep / (1.0 - p)).astype(x.dtype)


# ---------------------------------------------------------------- losses


def mse_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Squared error (x - y)², reduced by ``reduction``.

    ``reduction="half_sum"`` gives the seeds' convention J = ½ Σ (x - y)², whose
    derivative is the plain residual x - y. Derivative of the mean: x̄ = 2(x - y)/n.
    """
    x, y = _pair(input, target, "mse_loss")
    diff = x - y
    squared = diff * diff
    if reduction == "half_sum":
        return 0.5 * squared.sum()
    return _reduce(squared, reduction, "mse_loss")


def binary_cross_entropy(
    input: Any, target: Any, weight: Any = None, reduction: str = "mean"
) -> Tensor:
    """-[y log p + (1 - y) log(1 - p)] for probabilities p in [0, 1].

    Each log is clamped at -100 (like PyTorch), so p = 0 or 1 gives a finite loss.
    Derivative: p̄ = (p - y) / (p(1 - p)) inside the clamp, 0 where a log is clamped.
    Prefer :func:`binary_cross_entropy_with_logits` on raw scores: it is stable.
    """
    p, y = _pair(input, target, "binary_cross_entropy")
    values = p.data
    if values.size and (np.nanmin(values) < 0.0 or np.nanmax(values) > 1.0):
        raise ValueError(
            f"binary_cross_entropy: the input must be probabilities in [0, 1], got values "
            f"in [{np.nanmin(values):.4g}, {np.nanmax(values):.4g}]; apply a sigmoid "
            f"first or use binary_cross_entropy_with_logits on raw scores"
        )
    log_p = ops.log(ops.clip(p, _LOG_CLAMP, None))
    log_not_p = ops.log(ops.clip(1.0 - p, _LOG_CLAMP, None))
    loss = -(y * log_p + (1.0 - y) * log_not_p)
    return _reduce(_weighted(loss, weight, "binary_cross_entropy"), reduction, "binary_cross_entropy")


def binary_cross_entropy_with_logits(
    input: Any,
    target: Any,
    weight: Any = None,
    reduction: str = "mean",
    pos_weight: Any = None,
) -> Tensor:
    """Binary cross-entropy on raw scores z: -[w₊ y log σ(z) + (1 - y) log(1 - σ(z))].

    Computed as w₊·y·softplus(-z) + (1 - y)·softplus(z), which never forms σ(z) and so
    stays finite for |z| ~ 1000. Derivative (w₊ = 1): z̄ = σ(z) - y.
    """
    z, y = _pair(input, target, "binary_cross_entropy_with_logits")
    positive = ops.softplus(-z)  # -log σ(z)
    negative = ops.softplus(z)  # -log(1 - σ(z))
    if pos_weight is not None:
        positive = positive * _constant(pos_weight, z)
    loss = y * positive + (1.0 - y) * negative
    who = "binary_cross_entropy_with_logits"
    return _reduce(_weighted(loss, weight, who), reduction, who)


def nll_loss(input: Any, target: Any, weight: Any = None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood -log p[target] from log-probabilities of shape (N, C).

    ``target`` holds class indices of shape (N,). With class weights w the mean is
    Σ wₜ·(-log pₜ) / Σ wₜ (PyTorch's convention). Derivative: -wₜ at the target entry.
    """
    return _nll(input, target, weight, reduction, "nll_loss")


def _nll(input: Any, target: Any, weight: Any, reduction: str, who: str) -> Tensor:
    """nll_loss, with errors naming the function the user called (``who``)."""
    logp = ops.as_tensor(input, who)
    unbatched = logp.ndim == 1
    logp, index = _class_index_target(logp, target, who)
    losses = -logp[np.arange(logp.shape[0]), index]
    if weight is not None:
        w = _class_weight(weight, logp, who)[index]
        losses = losses * w
        if reduction == "mean":
            return losses.sum() / float(w.sum())
    if unbatched and reduction == "none":
        return losses.reshape(())
    return _reduce(losses, reduction, who)


def cross_entropy(input: Any, target: Any, weight: Any = None, reduction: str = "mean") -> Tensor:
    """Softmax cross-entropy from raw scores (logits) of shape (N, C), or (C,).

    ``target`` is either class indices (integers, shape (N,)) or class probabilities /
    one-hot rows (floats, the input's shape). Computed as -Σ y · log_softmax(z), stable
    for any logits. Derivative: z̄ = softmax(z) - y (per sample, before the reduction).
    """
    logits = ops.as_tensor(input, "cross_entropy")
    if logits.ndim not in (1, 2):
        raise ValueError(
            f"cross_entropy: the input must be logits of shape (N, C) or (C,), got shape "
            f"{logits.shape}"
        )
    y = target.data if isinstance(target, Tensor) else np.asarray(target)
    if weight is None and logits.ndim == 2 and reduction in ("mean", "sum") and y.shape != logits.shape:
        # the common case as one fused op: its VJP is softmax(z) - onehot(y)
        scores, index = _class_index_target(logits, target, "cross_entropy")
        return apply_op(loss_ops.softmax_cross_entropy, (scores, index), {"reduction": reduction})
    logp = ops.log_softmax(logits, -1)
    if y.shape == logits.shape and y.dtype.kind == "f":
        losses = -(logp * y)
        if weight is not None:
            losses = losses * _class_weight(weight, logits, "cross_entropy")
        return _reduce(losses.sum(axis=-1), reduction, "cross_entropy")
    if y.shape == logits.shape and logits.ndim == 2:
        raise TypeError(
            f"cross_entropy: a target of the input's shape {y.shape} is read as "
            f"probabilities / one-hot rows and must be floating point, got {y.dtype}; "
            f"use target.astype(float), or pass class indices of shape ({logits.shape[0]},)"
        )
    return _nll(logp, target, weight, reduction, "cross_entropy")


def l2_penalty(params: Any, lam: float, include_bias: bool = False) -> Tensor:
    """λ·Σ w² over the weights: the seeds' L2 regularisation term, added to a loss.

    ``params`` is a Module or an iterable of Tensors. Weights are the parameters with
    2 or more axes; biases (1-D) are left out unless ``include_bias``. Derivative:
    w̄ = 2λw. (Optimizer ``weight_decay=d`` adds d·w to the gradient instead, the same
    as ``l2_penalty`` with λ = d/2.)
    """
    from .module import Module

    tensors = list(params.parameters() if isinstance(params, Module) else params)
    if not all(isinstance(t, Tensor) for t in tensors):
        raise TypeError("l2_penalty: params must be a Module or an iterable of Tensors")
    chosen = [t for t in tensors if include_bias or t.ndim >= 2]
    if not chosen:
        raise ValueError(
            "l2_penalty: no weights to penalise (no parameter has 2 or more axes); pass "
            "include_bias=True to penalise 1-D parameters too"
        )
    # one node for the whole penalty: Σ over all chosen tensors of Σ w², VJP 2ḡw each
    return apply_op(reduction.sum_squares, tuple(chosen), None) * float(lam)


def one_hot(labels: Any, num_classes: int | None = None) -> np.ndarray:
    """Integer labels of shape (N,) as float rows of shape (N, num_classes)."""
    y = labels.data if isinstance(labels, Tensor) else np.asarray(labels)
    if y.dtype.kind not in "iu":
        raise TypeError(f"one_hot: labels must be integers, got {y.dtype}")
    k = int(y.max()) + 1 if num_classes is None else int(num_classes)
    if y.size and (y.min() < 0 or y.max() >= k):
        raise ValueError(f"one_hot: labels must be in [0, {k}), got [{y.min()}, {y.max()}]")
    return np.eye(k)[y]


# ---------------------------------------------------------------- helpers


def _reduce(losses: Tensor, reduction: str, who: str) -> Tensor:
    if reduction == "mean":
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    if reduction == "none":
        return losses
    extra = ', "half_sum"' if who == "mse_loss" else ""
    raise ValueError(f'{who}: reduction must be "mean", "sum" or "none"{extra}, got {reduction!r}')


def _pair(input: Any, target: Any, who: str) -> tuple[Tensor, Any]:
    """The input as a Tensor and the target (Tensor or float array) of the same shape."""
    x = ops.as_tensor(input, who)
    if x.dtype.kind != "f":
        raise TypeError(f"{who}: the input must be floating point, got {x.dtype}")
    y = target if isinstance(target, Tensor) else np.asarray(target)
    if y.shape != x.shape:
        raise ValueError(
            f"{who}: the input has shape {x.shape} but the target has shape {y.shape}; they "
            f"must match (reshape the target, e.g. y.reshape({', '.join(map(str, x.shape))}))"
        )
    if y.dtype.kind != "f":
        y = y.astype(x.dtype)
    return x, y


def _constant(value: Any, like: Tensor) -> Any:
    if isinstance(value, Tensor):
        return value
    return np.asarray(value, dtype=like.dtype)


def _weighted(loss: Tensor, weight: Any, who: str) -> Tensor:
    if weight is None:
        return loss
    w = weight if isinstance(weight, Tensor) else np.asarray(weight, dtype=loss.dtype)
    try:
        np.broadcast_shapes(tuple(np.shape(w.data if isinstance(w, Tensor) else w)), loss.shape)
    except ValueError:
        raise ValueError(
            f"{who}: weight of shape {np.shape(w)} does not broadcast to the loss shape "
            f"{loss.shape}"
        ) from None
    return loss * w


def _class_weight(weight: Any, scores: Tensor, who: str) -> np.ndarray:
    w = np.asarray(weight.data if isinstance(weight, Tensor) else weight, dtype=scores.dtype)
    c = scores.shape[-1]
    if w.shape != (c,):
        raise ValueError(
            f"{who}: weight must have one entry per class, shape ({c},), got shape {w.shape}"
        )
    return w


def _class_index_target(scores: Tensor, target: Any, who: str) -> tuple[Tensor, np.ndarray]:
    """Scores as (N, C) and the class indices as an int array of shape (N,)."""
    y = target.data if isinstance(target, Tensor) else np.asarray(target)
    if scores.ndim == 1:
        scores = scores.reshape(1, -1)
        y = y.reshape(-1)
    if scores.ndim != 2:
        raise ValueError(f"{who}: the input must have shape (N, C) or (C,), got {scores.shape}")
    n, c = scores.shape
    if y.dtype.kind not in "iu":
        raise TypeError(
            f"{who}: class-index targets must be integers, got {y.dtype}; use "
            f"target.astype(int) (or pass float probabilities of shape {scores.shape})"
        )
    if y.shape != (n,):
        raise ValueError(
            f"{who}: the input has shape {scores.shape}, so the target must hold {n} class "
            f"indices (shape ({n},)), got shape {y.shape}"
        )
    if y.size and (y.min() < 0 or y.max() >= c):
        raise IndexError(
            f"{who}: class indices must be in [0, {c}) for {c} classes, got values in "
            f"[{y.min()}, {y.max()}]"
        )
    return scores, y.astype(np.intp, copy=False)


def _check_probability(p: float, who: str) -> None:
    if not isinstance(p, (int, float, np.floating)) or not 0.0 <= float(p) <= 1.0:
        raise ValueError(f"{who}: p must be a probability in [0, 1], got {p!r}")

