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
from ..ops import linalg, reduction, shape_api
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


# ---------------------------------------------------------------- activations (issue 13)
# PyTorch's signatures. ``inplace=True`` is accepted so ported code runs, and computes out
# of place: the result is returned and the input is left unchanged.


def gelu(input: Any, approximate: str = "none") -> Tensor:
    """x·Φ(x), exact (erf) or ``approximate="tanh"``.  Derivative: ḡ·(Φ(x) + x·φ(x))."""
    return ops.gelu(input, approximate)


def silu(input: Any, inplace: bool = False) -> Tensor:
    """x·σ(x) (swish).  Derivative: ḡ·σ(x)(1 + x(1 - σ(x)))."""
    return ops.silu(input)


def mish(input: Any, inplace: bool = False) -> Tensor:
    """x·tanh(softplus(x)).  Derivative: ḡ·(tanh(sp) + x·σ(x)(1 - tanh²(sp)))."""
    return ops.mish(input)


def selu(input: Any, inplace: bool = False) -> Tensor:
    """λ·(x if x > 0 else α(eˣ - 1)) with SELU's λ, α.  Derivative: ḡ·(λ or y + λα)."""
    return ops.selu(input)


def celu(input: Any, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x if x > 0 else α(e^(x/α) - 1).  Derivative: ḡ·(1 or e^(x/α))."""
    return ops.celu(input, alpha)


def relu6(input: Any, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6).  Derivative: ḡ·[0 < x < 6] (0 at 0 and 6, PyTorch)."""
    return ops.relu6(input)


def hardtanh(input: Any, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """x clamped into [min_val, max_val].  Derivative: ḡ·[min_val < x < max_val] (0 at the bounds)."""
    return ops.hardtanh(input, min_val, max_val)


def hardsigmoid(input: Any, inplace: bool = False) -> Tensor:
    """min(max(x + 3, 0), 6)/6.  Derivative: ḡ/6 on -3 < x < 3, else 0."""
    return ops.hardsigmoid(input)


def hardswish(input: Any, inplace: bool = False) -> Tensor:
    """x·min(max(x + 3, 0), 6)/6.  Derivative: ḡ·(0, x/3 + ½ on [-3, 3], or 1)."""
    return ops.hardswish(input)


def softsign(input: Any) -> Tensor:
    """x / (1 + |x|).  Derivative: ḡ / (1 + |x|)²."""
    return ops.softsign(input)


def logsigmoid(input: Any) -> Tensor:
    """log σ(x), stable.  Derivative: ḡ·σ(-x)."""
    return ops.logsigmoid(input)


def softplus(input: Any, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + e^(βx))/β; x where βx > threshold.  Derivative: ḡ·σ(βx) (ḡ above the threshold)."""
    return ops.softplus(input, beta, threshold)


def softmin(input: Any, dim: int = -1) -> Tensor:
    """softmax(-x) along ``dim``.  Derivative: x̄ = -y ⊙ (ḡ - Σ ḡ⊙y)."""
    return ops.softmin(input, dim)


def glu(input: Any, dim: int = -1) -> Tensor:
    """a ⊙ σ(b) for the halves a, b of ``input`` along ``dim``.  Derivative: ā = ḡσ(b), b̄ = ḡaσ'(b)."""
    return ops.glu(input, dim)


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


# ---------------------------------------------------------------- padding


def pad(input: Any, pad: Any, mode: str = "constant", value: float | None = None) -> Tensor:
    """PyTorch's ``F.pad``: ``pad=(left, right, top, bottom, front, back, ...)`` pads the
    last axis by (left, right), the one before it by (top, bottom), and so on (the
    reverse of ``am.pad``'s NumPy ``pad_width``, which lists the first axis first).

    Modes ``"constant"`` (``value``, default 0; negative widths crop), ``"reflect"``,
    ``"replicate"``, ``"circular"``. Derivative: x̄ = the centre of ȳ, plus each padded
    entry of ȳ added onto the value it copies.
    """
    return shape_api.torch_pad(input, pad, mode, value)


# ---------------------------------------------------------------- losses


def mse_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Squared error (x - y)², reduced by ``reduction``.

    ``reduction="half_sum"`` gives the lecture notes' convention J = ½ Σ (x - y)², whose
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
        positive = positive * _constant(pos_weight, z, "binary_cross_entropy_with_logits")
    loss = y * positive + (1.0 - y) * negative
    who = "binary_cross_entropy_with_logits"
    return _reduce(_weighted(loss, weight, who), reduction, who)


def nll_loss(
    input: Any,
    target: Any,
    weight: Any = None,
    reduction: str = "mean",
    *,
    ignore_index: int = -100,
) -> Tensor:
    """Negative log-likelihood -w_y·log p[y] from log-probabilities (PyTorch's ``nll_loss``).

    Shapes: ``input`` (N, C) with ``target`` (N,); (N, C, d1, ..., dk) with
    (N, d1, ..., dk) (one class index per position, e.g. per pixel); or (C,) with a 0-d
    target. Targets equal to ``ignore_index`` contribute 0 and are left out of the mean.
    With class weights w (shape (C,)) each term is -w_{yₙ}·log pₙ[yₙ] and the mean is
    Σₙ wₙ(-log pₙ[yₙ]) / Σₙ w_{yₙ} over the non-ignored targets (PyTorch's convention; a
    mean over no targets is nan). Derivative: -w_{yₙ} (divided by that sum for the mean)
    at each target entry, 0 elsewhere; a weight Tensor that requires grad gets its
    gradient too.
    """
    logp = ops.as_tensor(input, "nll_loss")
    _check_reduction(reduction, "nll_loss")
    labels = _class_labels(logp, target, ignore_index, "nll_loss")
    return _class_index_loss(logp, labels, weight, reduction, ignore_index, 0.0, "nll_loss")


def cross_entropy(
    input: Any,
    target: Any,
    weight: Any = None,
    reduction: str = "mean",
    *,
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
) -> Tensor:
    """Softmax cross-entropy from raw scores (logits), as PyTorch's ``cross_entropy``.

    Classes lie along axis 1: ``input`` is (N, C), (N, C, d1, ..., dk) or (C,).
    ``target`` is either

    - class indices: integers of shape (N,), (N, d1, ..., dk) or () respectively; the
      loss is nll_loss(log_softmax(z), y) with ``weight``, ``ignore_index`` and a mean
      that divides by Σₙ w_{yₙ} over the non-ignored targets; or
    - class probabilities (soft labels, or one-hot rows): floats of the input's shape q;
      lₙ = -Σ_c w_c qₙ_c log_softmax(zₙ)_c and the mean divides by N·d1·…·dk.

    ``label_smoothing`` ε mixes the target with the uniform distribution:
    q ← (1 - ε)q + ε/C. For class indices that is (1 - ε)·nll + ε/C·Σ_c w_c(-log pₙ_c)
    per non-ignored position, the mean still dividing by Σₙ w_{yₙ} (PyTorch's formula).

    Derivative (per position, before the reduction, w = 1): z̄ = softmax(z)·Σ_c q_c - q,
    and for a probability target that requires grad q̄ = -log_softmax(z) (times w_c, and
    divided like the loss for the mean). Integer targets have no gradient. The common
    case, (N, C) logits with integer labels and no weight, ignored label or smoothing,
    runs as one fused op (``softmax_cross_entropy``).

    >>> import numpy as np
    >>> from autograd_mini.nn import functional as F
    >>> z = np.zeros((1, 2, 3))  # N = 1, C = 2 classes, 3 positions
    >>> round(F.cross_entropy(z, np.array([[0, 1, -100]])).item(), 4)  # log 2; -100 is skipped
    0.6931
    """
    who = "cross_entropy"
    logits = ops.as_tensor(input, who)
    _check_reduction(reduction, who)
    smoothing = _check_smoothing(label_smoothing, who)
    class_axis = _class_axis(logits, who)
    y = _target_value(target, who)
    if y.shape == logits.shape:
        if y.dtype.kind != "f":
            n = logits.shape[0] if logits.ndim > 1 else None
            indices = f"shape {(n, *logits.shape[2:])}" if n is not None else "a 0-d target"
            raise TypeError(
                f"cross_entropy: a target of the input's shape {y.shape} is read as class "
                f"probabilities / one-hot rows and must be floating point, got {y.dtype}; "
                f"use target.astype(float), or pass class indices of {indices}"
            )
        if ignore_index >= 0:
            raise ValueError(
                f"cross_entropy: ignore_index={ignore_index} applies to class-index targets "
                f"only, but the target has the input's shape {y.shape} (class "
                f"probabilities); leave ignore_index at its default -100, or zero the rows "
                f"to ignore in the target"
            )
        return _probability_loss(logits, y, weight, reduction, smoothing, class_axis)
    labels = _class_labels(logits, y, ignore_index, who)
    if (
        logits.ndim == 2
        and weight is None
        and smoothing == 0.0
        and reduction != "none"
        and not (labels == ignore_index).any()
    ):
        # the common case as one fused op: its VJP is softmax(z) - onehot(y)
        return apply_op(loss_ops.softmax_cross_entropy, (logits, labels), {"reduction": reduction})
    logp = ops.log_softmax(logits, class_axis)
    return _class_index_loss(logp, labels, weight, reduction, ignore_index, smoothing, who)


def _probability_loss(
    logits: Tensor, q: Any, weight: Any, reduction: str, smoothing: float, class_axis: int
) -> Tensor:
    """-Σ_c w_c q_c log_softmax(z)_c per position; q stays a Tensor if it is one."""
    c = logits.shape[class_axis]
    logp = ops.log_softmax(logits, class_axis)
    if smoothing > 0.0:
        q = q * (1.0 - smoothing) + smoothing / c
    terms = logp * q
    if weight is not None:
        w = _class_weight(weight, c, logits.dtype, "cross_entropy")
        terms = terms * w.reshape((c,) + (1,) * (logits.ndim - 1 - class_axis))
    # mean over the positions: Σ / (N·d1·…·dk), which is the mean of the per-position losses
    return _reduce(-terms.sum(axis=class_axis), reduction, "cross_entropy")


def _class_index_loss(
    logp: Tensor,
    labels: np.ndarray,
    weight: Any,
    reduction: str,
    ignore_index: int,
    smoothing: float,
    who: str,
) -> Tensor:
    """nll_loss (plus the label-smoothing term) from log-probabilities and valid labels.

    ``logp`` is (C,) or (N, C, d1, ..., dk); ``labels`` holds one class index per
    position, ``ignore_index`` where a position is ignored.
    """
    class_axis = 0 if logp.ndim == 1 else 1
    c = logp.shape[class_axis]
    keep = labels != ignore_index
    safe = np.where(keep, labels, 0)  # ignored positions pick class 0, then get weight 0
    index: Any
    pick: Any
    if logp.ndim == 1:
        index = pick = int(safe)
    else:
        grid: list[np.ndarray] = list(np.indices(labels.shape, sparse=True))  # (N, 1, ...), ...
        index, pick = tuple([grid[0], safe, *grid[1:]]), safe  # logp[n, y[n, i...], i...]
    picked = logp[index]
    mask = keep.astype(logp.dtype)
    w = None if weight is None else _class_weight(weight, c, logp.dtype, who)
    target_weight = mask if w is None else w[pick] * mask
    losses = -picked * target_weight
    if smoothing > 0.0:
        uniform = logp if w is None else logp * w.reshape((c,) + (1,) * (logp.ndim - 2))
        # ε/C · Σ_c w_c(-log p_c) per kept position, added to (1 - ε)·(-w_y log p_y)
        losses = losses * (1.0 - smoothing) - uniform.sum(axis=class_axis) * (mask * (smoothing / c))
    if reduction != "mean":
        return _reduce(losses, reduction, who)
    total = target_weight.sum()  # Σ w_y over the kept positions (a Tensor if w requires grad)
    if float(total.data if isinstance(total, Tensor) else total) == 0.0:
        # no target counts (all ignored, or zero weights): 0/0, nan like PyTorch
        return losses.sum() * 0.0 + np.nan
    if isinstance(total, Tensor):
        return losses.sum() / total
    return losses.sum() * (1.0 / float(total))


def l2_penalty(params: Any, lam: float, include_bias: bool = False) -> Tensor:
    """λ·Σ w² over the weights: the L2 regularisation term of the lecture notes, added to a loss.

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
    y = _target_value(target, who)
    if y.shape != x.shape:
        raise ValueError(
            f"{who}: the input has shape {x.shape} but the target has shape {y.shape}; they "
            f"must match (reshape the target, e.g. y.reshape({', '.join(map(str, x.shape))}))"
        )
    if y.dtype.kind != "f":
        y = y.astype(x.dtype)
    return x, y


def _constant(value: Any, like: Tensor, who: str) -> Any:
    value = _target_value(value, who)
    if isinstance(value, Tensor):
        return value
    return np.asarray(value, dtype=like.dtype)


def _weighted(loss: Tensor, weight: Any, who: str) -> Tensor:
    if weight is None:
        return loss
    w = _target_value(weight, who)
    if not isinstance(w, Tensor):
        w = np.asarray(w, dtype=loss.dtype)
    try:
        np.broadcast_shapes(tuple(w.shape), loss.shape)
    except ValueError:
        raise ValueError(
            f"{who}: weight of shape {tuple(w.shape)} does not broadcast to the loss shape "
            f"{loss.shape}"
        ) from None
    return loss * w


def _check_reduction(reduction: str, who: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f'{who}: reduction must be "mean", "sum" or "none", got {reduction!r}')


def _check_smoothing(label_smoothing: float, who: str) -> float:
    if not isinstance(label_smoothing, (int, float, np.floating)) or not (
        0.0 <= float(label_smoothing) <= 1.0
    ):
        raise ValueError(
            f"{who}: label_smoothing must be a number in [0, 1] (0 = no smoothing), got "
            f"{label_smoothing!r}"
        )
    return float(label_smoothing)


def _class_axis(scores: Tensor, who: str) -> int:
    """Where the classes lie: axis 0 of a (C,) input, axis 1 of (N, C, d1, ..., dk)."""
    if scores.ndim == 0:
        raise ValueError(
            f"{who}: the input must have a class axis, shape (C,), (N, C) or "
            f"(N, C, d1, ..., dk), got a 0-d tensor; reshape it, e.g. x.reshape(1, -1)"
        )
    if scores.dtype.kind != "f":
        raise TypeError(f"{who}: the input must be floating point scores, got {scores.dtype}")
    return 0 if scores.ndim == 1 else 1


def _target_value(target: Any, who: str) -> Any:
    """The target as a Tensor (kept, so a target that requires grad is differentiated) or array.

    Lists and tuples go through ``as_tensor``, which handles Tensors inside them by the
    library's rule (never turning one that requires grad into a constant silently).
    """
    if isinstance(target, (Tensor, np.ndarray)):
        return target
    if isinstance(target, (list, tuple)):
        return ops.as_tensor(target, who)
    return np.asarray(target)


def _class_weight(weight: Any, n_classes: int, dtype: Any, who: str) -> Any:
    """Per-class weights of shape (C,): a Tensor that requires grad stays one (differentiated)."""
    w = _target_value(weight, who)
    if w.shape != (n_classes,):
        raise ValueError(
            f"{who}: weight must have one entry per class, shape ({n_classes},), got shape "
            f"{tuple(w.shape)}"
        )
    if isinstance(w, Tensor):
        if w.requires_grad:
            return w
        w = w.data
    return np.asarray(w, dtype=dtype)


def _class_labels(scores: Tensor, target: Any, ignore_index: int, who: str) -> np.ndarray:
    """Validated class indices: one per position of (N, C, d1, ..., dk) scores, or 0-d for (C,).

    Every label lies in [0, C) or equals ``ignore_index``. Integer targets carry no
    gradient, so reading their values is safe.
    """
    class_axis = _class_axis(scores, who)
    y = _target_value(target, who)
    if not isinstance(ignore_index, (int, np.integer)) or isinstance(ignore_index, bool):
        raise TypeError(f"{who}: ignore_index must be an int, got {ignore_index!r}")
    c = scores.shape[class_axis]
    if y.dtype.kind not in "iu":
        probabilities = (
            f" (or pass float class probabilities of the input's shape {scores.shape})"
            if who == "cross_entropy"
            else ""
        )
        raise TypeError(
            f"{who}: class-index targets must be integers, got {y.dtype}; use "
            f"target.astype(int){probabilities}"
        )
    values = y.data if isinstance(y, Tensor) else y
    expected = () if scores.ndim == 1 else (scores.shape[0], *scores.shape[2:])
    if values.shape != expected:
        layout = "(C,)" if scores.ndim == 1 else "(N, C)" if scores.ndim == 2 else "(N, C, d1, ..., dk)"
        wanted = (
            "a 0-d target (one class index)"
            if scores.ndim == 1
            else f"{int(np.prod(expected))} class indices (shape {expected})"
        )
        raise ValueError(
            f"{who}: the input has shape {scores.shape}, laid out as {layout} with {c} "
            f"classes on axis {class_axis}, so the target must hold {wanted}, got shape "
            f"{values.shape}; reshape the target, or move the class axis of the input to "
            f"axis {class_axis}"
        )
    bad = (values < 0) | (values >= c)
    if bad.any():
        bad &= values != ignore_index
        if bad.any():
            wrong = values[bad]
            raise IndexError(
                f"{who}: class indices must be in [0, {c}) for {c} classes (or equal "
                f"ignore_index={ignore_index}), got values in [{wrong.min()}, {wrong.max()}] "
                f"outside it; check the labels, or pass ignore_index=<the padding label>"
            )
    return values.astype(np.intp, copy=False)


def _check_probability(p: float, who: str) -> None:
    if not isinstance(p, (int, float, np.floating)) or not 0.0 <= float(p) <= 1.0:
        raise ValueError(f"{who}: p must be a probability in [0, 1], got {p!r}")

