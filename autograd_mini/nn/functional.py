"""Activations, layers and losses as plain functions (PyTorch's ``torch.nn.functional``).

Everything is composed from the library's differentiable ops, so gradients (and
higher-order gradients) come from the engine; no function here has its own backward.
Losses take ``input`` (the model's output) first and ``target`` second, and a
``reduction`` of ``"mean"`` (default), ``"sum"`` or ``"none"``.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..core.grad_mode import random_draw
from ..core.grad_mode import state as _modes
from ..ops import api as ops
from ..ops import linalg, reduction, shape_api
from ..ops import loss as loss_ops
from ..ops.bce import binary_cross_entropy as _bce_op  # issue 15: PyTorch's BCE gradient
from ..tensor import Tensor, apply_op, traced_values
from .init import Generator, as_generator

_REDUCTIONS = ("mean", "sum", "none")


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
    shape, dtype = x.shape, x.dtype

    def mask() -> np.ndarray:  # a compiled step draws a fresh mask on every replay
        return ((rng.random(shape) >= p) / (1.0 - p)).astype(dtype)

    return x * random_draw(mask)


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


# ---------------------------------------------------------------- attention (issue 15)


def scaled_dot_product_attention(
    query: Any,
    key: Any,
    value: Any,
    attn_mask: Any = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    *,
    generator: Generator = None,
) -> Tensor:
    """softmax(Q Kᵀ · scale + mask) V, PyTorch's ``scaled_dot_product_attention``.

    ``query`` is (..., L, E), ``key`` (..., S, E) and ``value`` (..., S, Eᵥ); leading axes
    broadcast, the result is (..., L, Eᵥ). ``scale`` defaults to 1/√E. ``attn_mask``
    broadcasts to (..., L, S): a boolean mask says which keys each query may attend to
    (True = takes part, as in PyTorch), a float mask is added to the scores (use -inf to
    exclude). ``is_causal=True`` lets query i attend to keys j ≤ i only (a lower
    triangular (L, S) mask; do not combine it with ``attn_mask``). A query whose every key
    is excluded gets all-zero weights (and a zero output) instead of nan. ``dropout_p``
    drops attention weights (always, as PyTorch's functional does: pass 0 in evaluation);
    ``generator`` (keyword-only, not in PyTorch) makes the mask reproducible.

    Composed of ``matmul``, ``softmax`` and ``where``, so its derivative is theirs: with
    A = softmax(S), V̄ = Aᵀ Ō, Ā = Ō Vᵀ, S̄ = A ⊙ (Ā - Σⱼ Ā ⊙ A), Q̄ = S̄ K·scale,
    K̄ = S̄ᵀ Q·scale.

    >>> import numpy as np
    >>> from autograd_mini.nn import functional as F
    >>> q = k = v = np.eye(3)[None]  # (1, L=3, E=3)
    >>> F.scaled_dot_product_attention(q, k, v, is_causal=True).shape
    (1, 3, 3)
    """
    out, _ = _attention(
        query, key, value, attn_mask, dropout_p, is_causal, scale, generator,
        "scaled_dot_product_attention",
    )
    return out


def _attention(
    query: Any,
    key: Any,
    value: Any,
    attn_mask: Any,
    dropout_p: float,
    is_causal: bool,
    scale: float | None,
    generator: Generator,
    who: str,
) -> tuple[Tensor, Tensor]:
    """(output, attention weights) of scaled dot-product attention (see above)."""
    q, k, v = (ops.as_tensor(t, who) for t in (query, key, value))
    _check_probability(dropout_p, who)
    if q.ndim < 2 or k.ndim < 2 or v.ndim < 2:
        raise ValueError(
            f"{who}: query, key and value need at least 2 axes (..., L, E), (..., S, E), "
            f"(..., S, Ev); got shapes {q.shape}, {k.shape}, {v.shape}"
        )
    if q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]:
        raise ValueError(
            f"{who}: query {q.shape} and key {k.shape} must share their last axis E, and key "
            f"and value {v.shape} their second-to-last axis S"
        )
    length, source = q.shape[-2], k.shape[-2]
    # a Python float, not a NumPy scalar, so float32 scores stay float32
    factor = 1.0 / float(np.sqrt(q.shape[-1])) if scale is None else float(scale)
    scores = (q @ k.swapaxes(-1, -2)) * factor
    if is_causal:
        if attn_mask is not None:
            raise ValueError(
                f"{who}: give attn_mask or is_causal=True, not both (is_causal builds the "
                f"lower triangular mask itself)"
            )
        attn_mask = np.tril(np.ones((length, source), dtype=bool))
    if attn_mask is not None:
        scores = _add_mask(scores, attn_mask, who)
    weights = _safe_softmax(scores)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, True, generator)
    return weights @ v, weights


def _add_mask(scores: Tensor, mask: Any, who: str) -> Tensor:
    """Scores with a mask applied: bool (True = takes part) or float (added)."""
    m = mask if isinstance(mask, Tensor) else np.asarray(mask)
    try:
        np.broadcast_shapes(tuple(m.shape), scores.shape)
    except ValueError:
        raise ValueError(
            f"{who}: the mask of shape {tuple(m.shape)} does not broadcast to the attention "
            f"scores' shape {scores.shape} (..., L, S)"
        ) from None
    if m.dtype == np.bool_:
        keep = m.data if isinstance(m, Tensor) else m
        return ops.where(keep, scores, np.array(-np.inf, dtype=scores.dtype))
    if m.dtype.kind != "f":
        raise TypeError(f"{who}: the mask must be bool or floating point, got {m.dtype}")
    return scores + (m if isinstance(m, Tensor) else m.astype(scores.dtype, copy=False))


def _dead_rows(s: np.ndarray) -> np.ndarray:
    """Rows (last axis) whose every score is -inf."""
    return np.asarray(np.isneginf(s).all(axis=-1, keepdims=True))


def _below(v: np.ndarray, bound: float) -> np.ndarray:
    """``v < bound`` as a boolean array (a mask a compiled step recomputes)."""
    return np.asarray(v < bound)


def _positive(v: np.ndarray) -> np.ndarray:
    """``v > 0`` as a boolean array (a mask a compiled step recomputes)."""
    return np.asarray(v > 0)


def _clamp_shift(v: np.ndarray, eps: float) -> np.ndarray:
    """max(v, eps) - v: what lifts the variances below eps to eps."""
    return np.asarray(np.maximum(v, eps) - v)


def _label_picks(
    labels: np.ndarray,
    ignore_index: int,
    dtype: Any,
    weight: np.ndarray | None,
    smoothing: float,
    check: tuple[int, str] | None = None,
) -> tuple[np.ndarray, ...]:
    """The arrays class-index losses compute from the labels, by one function so that a
    compiled step replays it on each batch's labels: the weight of each position (the mask
    of kept positions, times ``weight[label]`` for a fixed weight array), that mask times
    ``smoothing`` (ε/C), 1/Σ weights (0 if nothing counts), nan if nothing counts (else 0),
    the labels with ignored ones
    replaced by class 0, and the index grids of the other axes. ``check`` = (C, who):
    first check the labels as :func:`_class_labels` does (a compiled step's replays)."""
    if check is not None:
        _check_labels(labels, check[0], ignore_index, check[1])
    keep = labels != ignore_index
    safe = np.asarray(np.where(keep, labels, 0))
    mask = keep.astype(dtype)
    tw = mask if weight is None else weight[safe] * mask
    total = float(tw.sum())
    inv = np.asarray(0.0 if total == 0.0 else 1.0 / total, dtype=dtype)
    nothing = np.asarray(np.nan if total == 0.0 else 0.0, dtype=dtype)
    return (tw, mask * smoothing, inv, nothing, safe, *np.indices(labels.shape, sparse=True))


def _is_zero(v: np.ndarray) -> np.ndarray:
    """``v == 0`` as a boolean array (a test a compiled step recomputes)."""
    return np.asarray(v == 0)


def _check_probabilities(values: np.ndarray) -> None:
    """binary_cross_entropy's input check: ValueError unless every value lies in [0, 1]."""
    if values.size and (np.nanmin(values) < 0.0 or np.nanmax(values) > 1.0):
        raise ValueError(
            f"binary_cross_entropy: the input must be probabilities in [0, 1], got values "
            f"in [{np.nanmin(values):.4g}, {np.nanmax(values):.4g}]; apply a sigmoid "
            f"first or use binary_cross_entropy_with_logits on raw scores"
        )


def _check_variances(values: np.ndarray) -> None:
    """gaussian_nll_loss's check: ValueError if a variance is negative."""
    if (values < 0).any():
        raise ValueError("gaussian_nll_loss: var has negative entries; variances must be >= 0")


def _similarity_targets(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """cosine_embedding_loss's targets as the masks (y == 1, y == -1); ValueError for any
    other value."""
    similar, dissimilar = y == 1, y == -1
    if not (similar | dissimilar).all():
        raise ValueError("cosine_embedding_loss: the target must hold 1 (similar) or -1 (dissimilar)")
    return np.asarray(similar), np.asarray(dissimilar)


def _no_ignored(labels: np.ndarray, ignore_index: int, classes: int) -> None:
    """A compiled step traced on labels with no ``ignore_index`` runs the fused loss: a
    replay on labels that hold it would need the other program, so it stops instead.
    The labels are checked first, as :func:`_class_labels` does."""
    _check_labels(labels, classes, ignore_index, "cross_entropy")
    if (labels == ignore_index).any():
        raise ValueError(
            f"cross_entropy in a compiled step: this batch has labels equal to "
            f"ignore_index={ignore_index} but the batch the step was traced with had none "
            f"(the traced program uses the fused loss, which ignores nothing). Trace it "
            f"with a batch holding an ignored label, or call the function without am.compile"
        )


def _safe_softmax(scores: Tensor) -> Tensor:
    """softmax over the last axis; rows whose every score is -inf give zeros, not nan."""
    dead = traced_values(_dead_rows, (scores,))  # a compiled step recomputes it
    if not dead.any() and _modes.recorder is None:  # (traced: one program for every batch)
        return ops.softmax(scores, -1)
    zero = np.zeros((), dtype=scores.dtype)
    weights = ops.softmax(ops.where(dead, zero, scores), -1)
    return ops.where(dead, zero, weights)


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
    Derivative (PyTorch's rule, one fused op): p̄ = ḡ·(p - y) / max(p(1 - p), 1e-12), so
    at p = 0 or 1 the gradient is large and points toward the target instead of vanishing.
    Prefer :func:`binary_cross_entropy_with_logits` on raw scores: it is stable.
    """
    p, y = _pair(input, target, "binary_cross_entropy")
    traced_values(_check_probabilities, (p,))  # a compiled step checks each batch again
    loss = apply_op(_bce_op, (p, y), None)  # one op: PyTorch's gradient rule
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
    if (  # the common case, checked in a few cheap tests: (N, C) floats, N labels in [0, C)
        input.__class__ is Tensor
        and target.__class__ is np.ndarray
        and weight is None
        and label_smoothing.__class__ in (float, int)
        and label_smoothing == 0
        and reduction in ("mean", "sum")
        and ignore_index.__class__ is int
        and ignore_index < 0
        and not _modes.detour  # anomaly mode and compiled steps take the general path
        and target.dtype == np.intp
    ):
        z = input._data
        if z.ndim == 2 and z.dtype.kind == "f" and target.shape == z.shape[:1] and target.size:
            try:  # the fused op checks the labels are in [0, C) itself
                return apply_op(loss_ops.softmax_cross_entropy, (input, target), {"reduction": reduction})
            except IndexError:
                pass  # an ignored or a bad label: the general path below names it
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
        # traced: a replay checks that its batch ignores nothing, where the fused op would
        # read an ignored label as a class (out of [-C, C) it raises an IndexError itself,
        # so the common ignore_index=-100 costs the program no extra call)
        if _modes.recorder is not None and -logits.shape[1] <= ignore_index < logits.shape[1]:
            traced_values(
                _no_ignored, (labels,), {"ignore_index": ignore_index, "classes": logits.shape[1]}
            )
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
        terms = terms * _along_classes(w, (c,) + (1,) * (logits.ndim - 1 - class_axis))
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
    w = None if weight is None else _class_weight(weight, c, logp.dtype, who)
    # the arrays computed from the labels, by one function a compiled step replays:
    # ignored positions pick class 0, then get weight 0 (a replay checks the labels first)
    fixed_w = w if isinstance(w, np.ndarray) else None
    check = (c, who) if _modes.recorder is not None else None
    tw, smask, inv, nothing, safe, *grid = traced_values(
        _label_picks,
        (labels,),
        {"ignore_index": ignore_index, "dtype": logp.dtype, "weight": fixed_w, "smoothing": smoothing / c,
         "check": check},
    )
    index: Any
    pick: Any
    if logp.ndim == 1:
        index = pick = int(safe) if _modes.recorder is None else safe
    else:
        index, pick = tuple([grid[0], safe, *grid[1:]]), safe  # logp[n, y[n, i...], i...]
    picked = logp[index]
    target_weight: Any = w[pick] * tw if isinstance(w, Tensor) else tw
    losses = -picked * target_weight
    if smoothing > 0.0:
        uniform = logp if w is None else logp * _along_classes(w, (c,) + (1,) * (logp.ndim - 2))
        # ε/C · Σ_c w_c(-log p_c) per kept position, added to (1 - ε)·(-w_y log p_y)
        losses = losses * (1.0 - smoothing) - uniform.sum(axis=class_axis) * smask
    if reduction != "mean":
        return _reduce(losses, reduction, who)
    if isinstance(target_weight, Tensor):  # w requires grad: Σ w_y over the kept positions
        total = target_weight.sum()
        if _modes.recorder is not None:  # traced: one program for both cases (see below)
            empty = traced_values(_is_zero, (total,))
            safe = ops.where(empty, np.ones((), dtype=total.dtype), total)
            return ops.where(empty, np.array(np.nan, dtype=total.dtype), losses.sum() / safe)
        if float(total.data) == 0.0:
            return losses.sum() * 0.0 + np.nan  # no target counts: 0/0, nan like PyTorch
        return losses.sum() / total
    # 1 / Σ w_y; no target counts (all ignored, or zero weights): 0/0, nan like PyTorch
    if _modes.recorder is not None:  # traced: one program for both cases (nothing is nan or 0)
        return losses.sum() * inv + nothing
    if nothing:
        return losses.sum() * 0.0 + np.nan
    return losses.sum() * inv


# ---------------------------------------------------------------- more losses (issue 15)


def l1_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Absolute error |x - y|, reduced by ``reduction``.

    Derivative: x̄ = ḡ·sign(x - y), 0 where x = y (PyTorch's choice).
    """
    x, y = _pair(input, target, "l1_loss")
    return _reduce(ops.abs(x - y), reduction, "l1_loss")


def smooth_l1_loss(input: Any, target: Any, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """½d²/β where |d| < β, else |d| - ½β, with d = x - y (PyTorch's ``smooth_l1_loss``).

    β = 0 gives the L1 loss. Derivative: x̄ = ḡ·d/β inside, ḡ·sign(d) outside (the two
    agree at |d| = β).
    """
    who = "smooth_l1_loss"
    if not isinstance(beta, (int, float, np.floating)) or beta < 0:
        raise ValueError(f"{who}: beta must be a non-negative number, got {beta!r}")
    x, y = _pair(input, target, who)
    d = x - y
    size = ops.abs(d)
    if beta == 0:
        return _reduce(size, reduction, who)
    inside = traced_values(_below, (size,), {"bound": beta})
    return _reduce(ops.where(inside, d * d * (0.5 / beta), size - 0.5 * beta), reduction, who)


def huber_loss(input: Any, target: Any, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """½d² where |d| < δ, else δ(|d| - ½δ), with d = x - y (PyTorch's ``huber_loss``).

    Equals δ·smooth_l1_loss with β = δ. Derivative: x̄ = ḡ·d inside, ḡ·δ·sign(d) outside.
    """
    who = "huber_loss"
    if not isinstance(delta, (int, float, np.floating)) or not delta > 0:
        raise ValueError(f"{who}: delta must be a positive number, got {delta!r}")
    x, y = _pair(input, target, who)
    d = x - y
    size = ops.abs(d)
    inside = traced_values(_below, (size,), {"bound": delta})
    return _reduce(ops.where(inside, 0.5 * d * d, (size - 0.5 * delta) * delta), reduction, who)


def kl_div(
    input: Any, target: Any, reduction: str = "mean", log_target: bool = False
) -> Tensor:
    """Kullback–Leibler divergence pointwise terms y·(log y - x), ``input`` x being
    log-probabilities (PyTorch's ``kl_div``).

    With ``log_target=True`` the target is given as log-probabilities too: eʸ·(y - x).
    Terms with y = 0 are 0 (0·log 0 = 0). ``reduction="batchmean"`` divides the sum by
    the batch size (the first axis): the KL divergence of each sample's distribution,
    averaged, which is what the math means. ``"mean"`` divides by the number of
    elements and warns, as PyTorch does. Derivative: x̄ = -ḡ·y (-ḡ·eʸ with
    ``log_target``); a target that requires grad gets ȳ = ḡ·(log y + 1 - x) where y > 0
    (ḡ·eʸ(y - x + 1) with ``log_target``).
    """
    who = "kl_div"
    if reduction not in ("mean", "sum", "none", "batchmean"):
        raise ValueError(
            f'{who}: reduction must be "batchmean", "mean", "sum" or "none", got {reduction!r}'
        )
    x, y = _pair(input, target, who)
    if log_target:
        terms = ops.exp(y) * (y - x)
    else:
        positive = traced_values(_positive, (y,))
        safe = ops.where(positive, y, np.ones((), dtype=x.dtype))  # log 1 = 0 where y = 0
        terms = y * ops.log(safe) - y * x
    if reduction == "batchmean":
        total = terms.sum()
        return total / float(x.shape[0]) if x.ndim > 0 else total
    if reduction == "mean":
        warnings.warn(
            "kl_div: reduction='mean' divides the total loss by both the batch size and the "
            "support size; 'batchmean' divides only by the batch size and is the KL "
            "divergence of the math (as PyTorch warns)",
            UserWarning,
            stacklevel=2,
        )
    return _reduce(terms, reduction, who)


def cosine_embedding_loss(
    input1: Any, input2: Any, target: Any, margin: float = 0.0, reduction: str = "mean"
) -> Tensor:
    """1 - cos(x₁, x₂) for target 1, max(0, cos(x₁, x₂) - margin) for target -1.

    Inputs are (N, D) with targets (N,), or (D,) with a 0-d target; the cosine is taken
    along D as PyTorch computes it, Σx₁x₂ / √((Σx₁² + ε)(Σx₂² + ε)) with ε = 1e-12.
    Derivative: that of the cosine, x̄₁ = (x₂/(|x₁||x₂|) - cos·x₁/|x₁|²)·(∓ḡ), through the
    library's ops (the hinge passes the gradient at cos = margin, as PyTorch's clamp).
    """
    who = "cosine_embedding_loss"
    a, b = ops.as_tensor(input1, who), ops.as_tensor(input2, who)
    y = target if isinstance(target, Tensor) else np.asarray(target)
    if a.shape != b.shape or a.ndim not in (1, 2) or tuple(y.shape) != a.shape[:-1]:
        raise ValueError(
            f"{who}: expected input1 and input2 of the same shape (N, D) with a target of "
            f"shape (N,), or (D,) with a 0-d target; got {a.shape}, {b.shape} and {tuple(y.shape)}"
        )
    # the masks (and the check) come from the target's values: a compiled step recomputes them
    similar, dissimilar = traced_values(_similarity_targets, (y,))
    eps = 1e-12
    cos = (a * b).sum(axis=-1) / ops.sqrt(((a * a).sum(axis=-1) + eps) * ((b * b).sum(axis=-1) + eps))
    zero = np.zeros((), dtype=cos.dtype)
    hinge = ops.clip(cos - margin, 0.0, None)
    loss = ops.where(similar, 1.0 - cos, zero) + ops.where(dissimilar, hinge, zero)
    return _reduce(loss, reduction, who)


def margin_ranking_loss(
    input1: Any, input2: Any, target: Any, margin: float = 0.0, reduction: str = "mean"
) -> Tensor:
    """max(0, -y·(x₁ - x₂) + margin): y = 1 asks x₁ to rank above x₂ by the margin, y = -1
    the reverse (PyTorch's ``margin_ranking_loss``).

    Derivative: x̄₁ = -ḡ·y, x̄₂ = ḡ·y where the hinge is active (at its kink too, as
    PyTorch's clamp), 0 elsewhere.
    """
    who = "margin_ranking_loss"
    a, b = ops.as_tensor(input1, who), ops.as_tensor(input2, who)
    y = _target_value(target, who)
    try:
        np.broadcast_shapes(a.shape, b.shape, tuple(y.shape))
    except ValueError:
        raise ValueError(
            f"{who}: input1 {a.shape}, input2 {b.shape} and target {tuple(y.shape)} must "
            f"have the same (or broadcastable) shapes"
        ) from None
    if not isinstance(y, Tensor):
        y = np.asarray(y, dtype=a.dtype)
    return _reduce(ops.clip(-y * (a - b) + margin, 0.0, None), reduction, who)


def gaussian_nll_loss(
    input: Any,
    target: Any,
    var: Any,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of ``target`` under N(input, var):
    ½(log max(var, ε) + (x - y)² / max(var, ε)) (+ ½ log 2π with ``full``).

    ``var`` has the input's shape (one variance per output), or the input's shape without
    its last axis, or with a last axis of size 1 (one variance per sample), or is a number;
    it must be non-negative. As in PyTorch the clamp at ``eps`` is not differentiated:
    the gradient reaches ``var`` as if unclamped, v̄ = ḡ·½(1/v - (x - y)²/v²) evaluated at
    the clamped v. x̄ = ḡ·(x - y)/v.
    """
    who = "gaussian_nll_loss"
    x = ops.as_tensor(input, who)
    y = _target_value(target, who)
    if isinstance(var, (int, float, np.floating)):
        var = np.full(x.shape, float(var), dtype=x.dtype)  # one variance for every output
    v = var if isinstance(var, Tensor) else ops.as_tensor(np.asarray(var, dtype=x.dtype), who)
    if v.shape != x.shape:
        if v.shape == x.shape[:-1]:
            v = v.unsqueeze(-1)  # one variance per sample (homoscedastic)
        elif not (x.ndim and v.shape[:-1] == x.shape[:-1] and v.shape[-1:] == (1,)):
            raise ValueError(
                f"{who}: var has shape {v.shape}; for an input of shape {x.shape} it must have "
                f"shape {x.shape}, {x.shape[:-1]} or {(*x.shape[:-1], 1)}"
            )
    traced_values(_check_variances, (v,))  # a compiled step checks each batch's variances
    # clamp without a derivative (PyTorch clamps in place under no_grad): add a constant shift
    shift = traced_values(_clamp_shift, (v,), {"eps": eps})
    v = v + shift if shift.any() or _modes.recorder is not None else v  # traced: every batch
    loss = 0.5 * (ops.log(v) + (x - y) ** 2 / v)
    if full:
        loss = loss + 0.5 * float(np.log(2.0 * np.pi))
    return _reduce(loss, reduction, who)


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
    """Integer labels of shape (N,) as float rows of shape (N, num_classes).

    Without ``num_classes`` the number of classes is the largest label + 1. Inside a
    compiled function (``am.compile``) the rows are made again from each call's labels;
    there ``num_classes`` is required for labels that are a tensor of the function (an
    argument), since the result's shape may not depend on their values.
    """
    y = labels if isinstance(labels, Tensor) else np.asarray(labels)
    if y.dtype.kind not in "iu":
        raise TypeError(f"one_hot: labels must be integers, got {y.dtype}")
    if num_classes is None:
        if _modes.recorder is not None and isinstance(y, Tensor):
            _modes.recorder.refuse(
                "one_hot without num_classes",
                "its number of columns would be read from the labels' values; pass "
                "num_classes=C",
            )
        values = y._data if isinstance(y, Tensor) else y
        k = int(values.max()) + 1
    else:
        k = int(num_classes)
    return traced_values(_one_hot_rows, (y,), {"classes": k})  # a compiled step makes each call's


def _one_hot_rows(labels: np.ndarray, classes: int) -> np.ndarray:
    """one_hot on an array: ValueError for a label outside [0, classes)."""
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise ValueError(f"one_hot: labels must be in [0, {classes}), got [{labels.min()}, {labels.max()}]")
    return np.asarray(np.eye(classes)[labels])


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
        # its values may change between calls (an argument): a compiled step reads them
        return traced_values(_as_dtype, (w,), {"dtype": dtype})
    return np.asarray(w, dtype=dtype)


def _as_dtype(values: np.ndarray, dtype: Any) -> np.ndarray:
    """``values`` as an array of ``dtype`` (itself if it already is one)."""
    return np.asarray(values, dtype=dtype)


def _along_classes(w: Any, shape: tuple[int, ...]) -> Tensor:
    """Class weights reshaped to broadcast along the class axis, by an op (a NumPy reshape
    would make an array a compiled step could not follow back to the weights)."""
    return (w if isinstance(w, Tensor) else Tensor._wrap(w)).reshape(shape)


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
    # (a compiled step checks each batch's labels again inside the calls it records on
    # them, _label_picks and _no_ignored: a negative label would pick a class from the end)
    _check_labels(values, c, ignore_index, who)
    if values.dtype == np.intp:
        return values
    return traced_values(_as_intp, (values,))  # a compiled step casts each batch's labels


def _check_labels(values: np.ndarray, classes: int, ignore_index: int, who: str) -> None:
    """Raise IndexError unless every label lies in [0, classes) or equals ``ignore_index``."""
    bad = (values < 0) | (values >= classes)
    if bad.any():
        bad &= values != ignore_index
        if bad.any():
            wrong = values[bad]
            raise IndexError(
                f"{who}: class indices must be in [0, {classes}) for {classes} classes (or equal "
                f"ignore_index={ignore_index}), got values in [{wrong.min()}, {wrong.max()}] "
                f"outside it; check the labels, or pass ignore_index=<the padding label>"
            )


def _as_intp(values: np.ndarray) -> np.ndarray:
    """Class indices as NumPy's index type."""
    return values.astype(np.intp)


def _check_probability(p: float, who: str) -> None:
    if not isinstance(p, (int, float, np.floating)) or not 0.0 <= float(p) <= 1.0:
        raise ValueError(f"{who}: p must be a probability in [0, 1], got {p!r}")


# ---------------------------------------------------------------- convolution, pooling,
# normalisation, embedding (issue 15): written next to their modules, exported here
from . import conv as _conv  # noqa: E402
from . import embedding as _embedding  # noqa: E402
from . import normalization as _normalization  # noqa: E402
from . import pooling as _pooling  # noqa: E402

conv1d = _conv.conv1d
conv2d = _conv.conv2d
conv_transpose1d = _conv.conv_transpose1d
conv_transpose2d = _conv.conv_transpose2d
max_pool1d = _pooling.max_pool1d
max_pool2d = _pooling.max_pool2d
avg_pool1d = _pooling.avg_pool1d
avg_pool2d = _pooling.avg_pool2d
adaptive_avg_pool1d = _pooling.adaptive_avg_pool1d
adaptive_avg_pool2d = _pooling.adaptive_avg_pool2d
interpolate = _pooling.interpolate
batch_norm = _normalization.batch_norm
layer_norm = _normalization.layer_norm
group_norm = _normalization.group_norm
embedding = _embedding.embedding


# ---------------------------------------------------------------- more layers and losses
# (PReLU, instance norm, channel and alpha dropout, pixel shuffle, bilinear, distances,
# adaptive max pooling; triplet, soft-margin, multi-margin and Poisson losses): written
# next to their modules in layers_more.py and loss_more.py, exported here
from . import layers_more as _layers_more  # noqa: E402
from . import loss_more as _loss_more  # noqa: E402

prelu = _layers_more.prelu
instance_norm = _layers_more.instance_norm
dropout1d = _layers_more.dropout1d
dropout2d = _layers_more.dropout2d
alpha_dropout = _layers_more.alpha_dropout
pixel_shuffle = _layers_more.pixel_shuffle
pixel_unshuffle = _layers_more.pixel_unshuffle
bilinear = _layers_more.bilinear
cosine_similarity = _layers_more.cosine_similarity
pairwise_distance = _layers_more.pairwise_distance
adaptive_max_pool1d = _layers_more.adaptive_max_pool1d
adaptive_max_pool2d = _layers_more.adaptive_max_pool2d
triplet_margin_loss = _loss_more.triplet_margin_loss
soft_margin_loss = _loss_more.soft_margin_loss
multilabel_soft_margin_loss = _loss_more.multilabel_soft_margin_loss
multi_margin_loss = _loss_more.multi_margin_loss
poisson_nll_loss = _loss_more.poisson_nll_loss
