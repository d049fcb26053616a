"""TripletMarginLoss, SoftMarginLoss, MultiLabelSoftMarginLoss, MultiMarginLoss and
PoissonNLLLoss: values against NumPy references of PyTorch's documented formulas written
here, every reduction, float64 finite-difference gradients (first and second order),
state_dict keys, compiled steps, float32 and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from grad_checks import check_first_and_second

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.nn import functional as F  # noqa: N812 (PyTorch's habit)

RNG = np.random.default_rng(11)
REDUCTIONS = ["mean", "sum", "none"]


def reduce(values, reduction):
    return {"mean": values.mean(), "sum": values.sum(), "none": values}[reduction]


def log_sigmoid(x):
    return -np.logaddexp(0.0, -x)


# ---------------------------------------------------------------- TripletMarginLoss


def distance(a, b, p=2.0, eps=1e-6):
    return (np.abs(a - b + eps) ** p).sum(axis=-1) ** (1 / p)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_triplet_margin_loss_values(reduction):
    a, pos, neg = (RNG.standard_normal((6, 4)) for _ in range(3))
    expected = np.maximum(distance(a, pos) - distance(a, neg) + 1.0, 0.0)
    assert 0 < (expected > 0).sum() < 6  # both sides of the hinge are exercised
    np.testing.assert_allclose(
        nn.TripletMarginLoss(reduction=reduction)(a, pos, neg).data, reduce(expected, reduction)
    )
    # p = 1, another margin, and the distance swap: min(d(a, n), d(p, n))
    swapped = np.minimum(distance(a, neg, 1.0), distance(pos, neg, 1.0))
    expected = np.maximum(distance(a, pos, 1.0) - swapped + 0.5, 0.0)
    loss = nn.TripletMarginLoss(margin=0.5, p=1.0, swap=True, reduction=reduction)
    np.testing.assert_allclose(loss(a, pos, neg).data, reduce(expected, reduction))
    suffix = "" if reduction == "mean" else f", reduction={reduction!r}"
    assert repr(loss) == f"TripletMarginLoss(margin=0.5, p=1.0, swap=True{suffix})"
    # one triplet of vectors (D,)
    np.testing.assert_allclose(
        F.triplet_margin_loss(a[0], pos[0], neg[0], reduction="none").data,
        max(distance(a[0], pos[0]) - distance(a[0], neg[0]) + 1.0, 0.0),
    )


def test_triplet_margin_loss_gradients_and_errors():
    a, pos, neg = (RNG.standard_normal((5, 3)) for _ in range(3))
    check_first_and_second(
        lambda x, y, z: F.triplet_margin_loss(x, y, z, margin=2.0, reduction="none"), a, pos, neg
    )
    check_first_and_second(
        lambda x, y, z: F.triplet_margin_loss(x, y, z, 2.0, swap=True, reduction="sum"), a, pos, neg
    )
    with pytest.raises(
        ValueError,
        match=r"triplet_margin_loss: anchor, positive and negative must have the same number of axes"
        r".*\(5, 3\), \(3,\)",
    ):
        F.triplet_margin_loss(a, pos[0], neg)
    with pytest.raises(ValueError, match="margin must be greater than 0"):
        nn.TripletMarginLoss(margin=0.0)


# ---------------------------------------------------------------- SoftMarginLoss


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_soft_margin_loss_values_and_gradients(reduction):
    x = RNG.standard_normal((4, 3))
    y = RNG.choice([-1.0, 1.0], (4, 3))
    expected = np.log1p(np.exp(-y * x))
    np.testing.assert_allclose(nn.SoftMarginLoss(reduction=reduction)(x, y).data, reduce(expected, reduction))
    check_first_and_second(lambda t: F.soft_margin_loss(t, y, reduction=reduction), x)


def test_soft_margin_loss_is_finite_for_large_scores():
    x = am.tensor(np.array([1000.0, -1000.0]), requires_grad=True)
    loss = F.soft_margin_loss(x, np.array([1.0, 1.0]), reduction="none")
    np.testing.assert_allclose(loss.data, [0.0, 1000.0])
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.data, [0.0, -1.0])  # -y·σ(-y·x)


# ---------------------------------------------------------------- MultiLabelSoftMarginLoss


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_soft_margin_loss_values(reduction):
    x = RNG.standard_normal((5, 4))
    y = (RNG.random((5, 4)) > 0.5).astype(float)
    w = np.array([0.5, 1.0, 2.0, 0.1])
    terms = y * log_sigmoid(x) + (1 - y) * log_sigmoid(-x)
    np.testing.assert_allclose(
        nn.MultiLabelSoftMarginLoss(reduction=reduction)(x, y).data, reduce(-terms.mean(axis=1), reduction)
    )
    loss = nn.MultiLabelSoftMarginLoss(weight=w, reduction=reduction)
    np.testing.assert_allclose(loss(x, y).data, reduce(-(terms * w).sum(axis=1) / 4, reduction))
    # the weight is a buffer, as PyTorch's (so in state_dict)
    assert list(loss.state_dict()) == ["weight"] and list(nn.MultiLabelSoftMarginLoss().state_dict()) == []
    # one sample (C,)
    np.testing.assert_allclose(F.multilabel_soft_margin_loss(x[0], y[0]).data, -terms[0].mean())


def test_multilabel_soft_margin_loss_gradients():
    x = RNG.standard_normal((3, 4))
    y = RNG.random((3, 4))  # soft targets are differentiated too
    w = RNG.uniform(0.5, 2.0, 4)
    check_first_and_second(lambda t, s, v: F.multilabel_soft_margin_loss(t, s, v, reduction="sum"), x, y, w)
    # derivative: w·(σ(x) - y)/C
    t = am.tensor(x, requires_grad=True)
    F.multilabel_soft_margin_loss(t, y, w, reduction="sum").backward()
    np.testing.assert_allclose(t.grad.data, w * (1 / (1 + np.exp(-x)) - y) / 4)


# ---------------------------------------------------------------- MultiMarginLoss


def multi_margin_reference(x, y, p=1, margin=1.0, w=None):
    n, c = x.shape
    out = np.zeros(n)
    for i in range(n):
        for j in range(c):
            if j != y[i]:
                term = max(0.0, margin - x[i, y[i]] + x[i, j]) ** p
                out[i] += term * (1.0 if w is None else w[y[i]])
    return out / c


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1, 2])
def test_multi_margin_loss_values(reduction, p):
    x = RNG.standard_normal((6, 4))
    y = np.array([0, 3, 1, 2, 3, 0])
    w = np.array([0.5, 1.0, 2.0, 3.0])
    np.testing.assert_allclose(
        nn.MultiMarginLoss(p=p, reduction=reduction)(x, y).data,
        reduce(multi_margin_reference(x, y, p), reduction),
    )
    loss = nn.MultiMarginLoss(p, 0.7, w, reduction=reduction)
    np.testing.assert_allclose(loss(x, y).data, reduce(multi_margin_reference(x, y, p, 0.7, w), reduction))
    assert list(loss.state_dict()) == ["weight"]
    # one sample: (C,) scores and a 0-d label
    np.testing.assert_allclose(
        F.multi_margin_loss(x[1], np.array(3), p).data, multi_margin_reference(x[1:2], y[1:2], p)[0]
    )


def test_multi_margin_loss_gradients_and_errors():
    x = RNG.standard_normal((4, 3)) * 3  # hinge terms away from their kink
    y = np.array([2, 0, 1, 1])
    for p in (1, 2):
        check_first_and_second(
            lambda t, v, p=p: F.multi_margin_loss(t, y, p, 0.5, v, reduction="sum"),
            x,
            np.array([1.0, 2.0, 0.5]),
        )
    with pytest.raises(IndexError, match=r"multi_margin_loss: class labels must be in \[0, 3\).*\[0, 3\]"):
        F.multi_margin_loss(x, np.array([0, 1, 3, 2]))
    with pytest.raises(TypeError, match="integer class labels, got float64"):
        F.multi_margin_loss(x, y.astype(float))
    with pytest.raises(
        ValueError,
        match=r"scores of shape \(4, 3\) need 4 labels \(shape \(4,\)\), got a target of shape \(3,\)",
    ):
        F.multi_margin_loss(x, y[:3])
    with pytest.raises(ValueError, match="only p = 1 and p = 2"):
        nn.MultiMarginLoss(p=3)
    with pytest.raises(ValueError, match=r"weight must hold one entry per class, shape \(3,\)"):
        F.multi_margin_loss(x, y, weight=np.ones(4))


# ---------------------------------------------------------------- PoissonNLLLoss


def stirling(y):
    safe = np.where(y > 1, y, 1.0)
    return np.where(y > 1, safe * np.log(safe) - safe + 0.5 * np.log(2 * np.pi * safe), 0.0)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_poisson_nll_loss_values(reduction):
    x = RNG.standard_normal((4, 3))
    y = RNG.poisson(2.0, (4, 3)).astype(float)
    assert (y <= 1).any() and (y > 1).any()
    np.testing.assert_allclose(
        nn.PoissonNLLLoss(reduction=reduction)(x, y).data, reduce(np.exp(x) - y * x, reduction)
    )
    rate = np.exp(x)
    expected = rate - y * np.log(rate + 1e-8) + stirling(y)
    loss = nn.PoissonNLLLoss(log_input=False, full=True, reduction=reduction)
    np.testing.assert_allclose(loss(rate, y).data, reduce(expected, reduction))
    assert repr(nn.PoissonNLLLoss(full=True, eps=1e-3)) == "PoissonNLLLoss(full=True, eps=0.001)"


def test_poisson_nll_loss_gradients_including_the_target():
    x = RNG.uniform(0.5, 2.0, (3, 4))
    y = np.array([[0.0, 1.0, 2.5, 4.0], [0.5, 3.0, 0.0, 1.5], [2.0, 6.0, 1.0, 0.0]])
    check_first_and_second(lambda t, s: F.poisson_nll_loss(t, s, full=True, reduction="sum"), x, y + 0.0)
    check_first_and_second(lambda t, s: F.poisson_nll_loss(t, s, log_input=False, full=True), x, y + 0.0)
    # zero counts with full=True: no nan reaches the target's gradient from the unused log
    target = am.tensor(y, requires_grad=True)
    F.poisson_nll_loss(am.tensor(x), target, full=True, reduction="sum").backward()
    expected = -x + np.where(y > 1, np.log(np.where(y > 1, y, 1.0)) + 0.5 / np.where(y > 1, y, 1.0), 0.0)
    np.testing.assert_allclose(target.grad.data, expected)


# ---------------------------------------------------------------- shared behaviour


def test_deprecated_size_average_and_reduce_are_refused_with_the_fix():
    with pytest.raises(ValueError, match=r"size_average and reduce are deprecated.*use reduction="):
        nn.SoftMarginLoss(size_average=False)
    with pytest.raises(ValueError, match="size_average and reduce are deprecated"):
        F.poisson_nll_loss(np.ones(2), np.ones(2), True, False, False)
    with pytest.raises(ValueError, match='reduction must be "mean", "sum" or "none"'):
        nn.MultiMarginLoss(reduction="batchmean")
    with pytest.raises(
        ValueError, match=r"soft_margin_loss: the input has shape \(2, 3\) but the target has shape \(3,\)"
    ):
        F.soft_margin_loss(np.ones((2, 3)), np.ones(3))


def test_poisson_eps_keeps_its_pytorch_position():
    # PoissonNLLLoss(log_input, full, size_average, eps, ...): eps is the fourth argument
    loss = nn.PoissonNLLLoss(False, False, None, 0.5)
    np.testing.assert_allclose(loss(np.array([1.0]), np.array([2.0])).item(), 1.0 - 2.0 * math.log(1.5))


def test_compiled_steps_read_each_batch_labels_and_targets():
    x = RNG.standard_normal((5, 4))
    batches = [(RNG.integers(0, 4, 5), RNG.poisson(1.5, (5, 4)).astype(float)) for _ in range(4)]

    def make():
        return am.tensor(x, requires_grad=True)

    runs = []
    for compiled in (False, True):
        scores = make()
        opt = nn.optim.SGD([scores], lr=0.1)
        margin = nn.MultiMarginLoss(p=2, weight=np.array([1.0, 2.0, 0.5, 1.5]))
        poisson = nn.PoissonNLLLoss(full=True)

        def step(labels, counts, scores=scores, opt=opt, margin=margin, poisson=poisson):
            opt.zero_grad()
            loss = margin(scores, labels) + poisson(scores, counts) + F.soft_margin_loss(scores, counts - 1.0)
            loss.backward()
            opt.step()
            return loss

        run = am.compile(step) if compiled else step
        losses = [run(am.tensor(labels), am.tensor(counts)).item() for labels, counts in batches]
        runs.append((losses, scores.data.copy()))
    np.testing.assert_allclose(runs[1][0], runs[0][0], rtol=1e-12)
    np.testing.assert_allclose(runs[1][1], runs[0][1], rtol=1e-12)


def test_float32_stays_float32():
    x32 = RNG.standard_normal((4, 3)).astype(np.float32)
    t = am.tensor(x32, requires_grad=True)
    losses = [
        F.triplet_margin_loss(t, x32[::-1].copy(), x32 * 2, reduction="sum"),
        F.soft_margin_loss(t, np.sign(x32)),
        F.multilabel_soft_margin_loss(t, (x32 > 0).astype(np.float32), np.ones(3, np.float32)),
        F.multi_margin_loss(t, np.array([0, 1, 2, 0]), 2, weight=np.ones(3, np.float32)),
        F.poisson_nll_loss(t, np.abs(x32) * 3, full=True),
    ]
    for loss in losses:
        t.grad = None
        loss.backward()
        assert loss.dtype == np.float32 and t.grad.dtype == np.float32


@pytest.mark.parametrize(
    "f",
    [
        lambda t: F.triplet_margin_loss(t, t[::-1] * 0.5, t * 0.1 + 1.0, margin=3.0, reduction="none"),
        lambda t: F.multi_margin_loss(t, np.array([0, 2, 1]), 2, margin=2.0),
        lambda t: F.multilabel_soft_margin_loss(t, np.eye(3)),
        lambda t: F.poisson_nll_loss(t, np.full((3, 3), 2.0), full=True),
        lambda t: F.soft_margin_loss(t, -np.ones((3, 3)), reduction="none"),
    ],
)
def test_forward_mode_matches_finite_differences(f):
    x = RNG.standard_normal((3, 3))
    v = RNG.standard_normal((3, 3))
    _, tangent = am.jvp(f, (x,), (v,))
    eps = 1e-6
    expected = (f(am.tensor(x + eps * v)).data - f(am.tensor(x - eps * v)).data) / (2 * eps)
    np.testing.assert_allclose(np.asarray(tangent), expected, rtol=1e-6, atol=1e-8)
