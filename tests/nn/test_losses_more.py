"""L1, SmoothL1, Huber, KLDiv, CosineEmbedding, MarginRanking and GaussianNLL losses, and
BCELoss's gradient at its log clamp: PyTorch's formulas, reductions and gradients.

Reference values are written here in NumPy from PyTorch's documented formulas."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.nn import functional

RNG = np.random.default_rng(0)
X = RNG.normal(size=(4, 3))
Y = RNG.normal(size=(4, 3))


def reduce(values, reduction):
    return {"mean": values.mean(), "sum": values.sum(), "none": values}[reduction]


# ---------------------------------------------------------------- elementwise regression losses


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_l1_smooth_l1_and_huber_values(reduction):
    d = X - Y
    a = np.abs(d)
    np.testing.assert_allclose(nn.L1Loss(reduction)(X, Y).data, reduce(a, reduction))
    for beta in (0.5, 1.0, 2.0):
        expected = np.where(a < beta, 0.5 * d**2 / beta, a - 0.5 * beta)
        np.testing.assert_allclose(
            nn.SmoothL1Loss(reduction, beta=beta)(X, Y).data, reduce(expected, reduction)
        )
    for delta in (0.5, 1.0, 2.0):
        expected = np.where(a < delta, 0.5 * d**2, delta * (a - 0.5 * delta))
        np.testing.assert_allclose(
            nn.HuberLoss(reduction, delta=delta)(X, Y).data, reduce(expected, reduction)
        )
        # Huber with δ is δ times smooth L1 with β = δ
        np.testing.assert_allclose(
            functional.huber_loss(X, Y, reduction, delta).data,
            delta * functional.smooth_l1_loss(X, Y, reduction, delta).data,
        )


def test_smooth_l1_with_beta_zero_is_l1_and_bad_parameters_raise():
    np.testing.assert_allclose(functional.smooth_l1_loss(X, Y, beta=0.0).data, functional.l1_loss(X, Y).data)
    with pytest.raises(ValueError, match="beta must be a non-negative"):
        nn.SmoothL1Loss(beta=-1.0)
    with pytest.raises(ValueError, match="delta must be a positive"):
        nn.HuberLoss(delta=0.0)
    with pytest.raises(ValueError, match="reduction must be"):
        nn.L1Loss("batchmean")


def test_regression_loss_gradients():
    for fn in (
        lambda x, y: functional.l1_loss(x, y),
        lambda x, y: functional.smooth_l1_loss(x, y, beta=0.7),
        lambda x, y: functional.huber_loss(x, y, "sum", delta=0.7),
    ):
        assert am.gradcheck(fn, X, Y)
    # at the kinks: L1's gradient is sign(x - y) with 0 at a tie (PyTorch); smooth L1 at |d| = β
    x = am.tensor([1.0, 2.0, 3.0, 0.5], requires_grad=True)
    y = np.array([1.0, 1.0, 4.0, 0.0])
    functional.l1_loss(x, y, "sum").backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0, -1.0, 1.0])
    x.grad = None
    functional.smooth_l1_loss(x, y, "sum", beta=0.5).backward()
    np.testing.assert_allclose(x.grad.data, [0.0, 1.0, -1.0, 1.0])  # d/β = 1 at d = β: continuous
    x.grad = None
    functional.huber_loss(x, y, "sum", delta=2.0).backward()
    np.testing.assert_allclose(x.grad.data, [0.0, 1.0, -1.0, 0.5])


# ---------------------------------------------------------------- KL divergence


def test_kl_div_pointwise_batchmean_and_log_target():
    p = RNG.dirichlet(np.ones(5), size=3)
    q = RNG.dirichlet(np.ones(5), size=3)
    q[0, 1] = 0.0  # a zero target probability contributes 0 (0·log 0 = 0)
    logp = np.log(p)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(q > 0, q * (np.log(q) - logp), 0.0)
    np.testing.assert_allclose(functional.kl_div(logp, q, "none").data, terms)
    np.testing.assert_allclose(functional.kl_div(logp, q, "sum").data, terms.sum())
    batchmean = nn.KLDivLoss(reduction="batchmean")(logp, q)
    np.testing.assert_allclose(batchmean.data, terms.sum() / 3)
    q_safe = RNG.dirichlet(np.ones(5), size=3)
    # the KL divergence of the math: Σ q log(q/p) per row, averaged
    kl = (q_safe * np.log(q_safe / p)).sum(axis=1).mean()
    np.testing.assert_allclose(functional.kl_div(logp, q_safe, "batchmean").data, kl)
    np.testing.assert_allclose(functional.kl_div(logp, np.log(q_safe), "batchmean", log_target=True).data, kl)
    with pytest.warns(UserWarning, match="batchmean"):
        value = nn.KLDivLoss()(logp, q)  # "mean" divides by every element (PyTorch warns)
    np.testing.assert_allclose(value.data, terms.mean())


def test_kl_div_gradients():
    p = RNG.dirichlet(np.ones(4), size=2)
    q = RNG.dirichlet(np.ones(4), size=2)
    assert am.gradcheck(lambda x: functional.kl_div(x, q, "batchmean"), np.log(p))
    assert am.gradcheck(lambda x, t: functional.kl_div(x, t, "sum", log_target=True), np.log(p), np.log(q))
    assert am.gradcheck(lambda t: functional.kl_div(np.log(p), t, "sum"), q)  # ȳ = log y + 1 - x
    x = am.tensor(np.log(p), requires_grad=True)
    functional.kl_div(x, q, "batchmean").backward()
    np.testing.assert_allclose(x.grad.data, -q / 2)


# ---------------------------------------------------------------- pairs


def test_cosine_embedding_loss_values_and_gradients():
    a, b = RNG.normal(size=(5, 4)), RNG.normal(size=(5, 4))
    y = np.array([1, -1, 1, -1, -1])
    cos = (a * b).sum(1) / np.sqrt(((a * a).sum(1) + 1e-12) * ((b * b).sum(1) + 1e-12))
    for margin in (0.0, 0.3, -0.5):
        expected = np.where(y == 1, 1.0 - cos, np.maximum(cos - margin, 0.0))
        loss = nn.CosineEmbeddingLoss(margin=margin, reduction="none")(a, b, y)
        np.testing.assert_allclose(loss.data, expected)
        np.testing.assert_allclose(functional.cosine_embedding_loss(a, b, y, margin).data, expected.mean())
    assert am.gradcheck(lambda u, v: functional.cosine_embedding_loss(u, v, y, -0.5, "sum"), a, b)
    one = functional.cosine_embedding_loss(
        a[0], b[0], np.array(1), reduction="none"
    )  # (D,) with a 0-d target
    np.testing.assert_allclose(one.data, 1.0 - cos[0])
    with pytest.raises(ValueError, match=r"1 .* or -1"):
        functional.cosine_embedding_loss(a, b, np.zeros(5))
    with pytest.raises(ValueError, match=r"target of shape \(N,\)"):
        functional.cosine_embedding_loss(a, b, np.ones(4))


def test_margin_ranking_loss_values_and_gradients():
    x1, x2 = RNG.normal(size=6), RNG.normal(size=6)
    y = np.array([1.0, -1.0, 1.0, 1.0, -1.0, -1.0])
    for margin in (0.0, 0.5):
        expected = np.maximum(-y * (x1 - x2) + margin, 0.0)
        np.testing.assert_allclose(nn.MarginRankingLoss(margin, "none")(x1, x2, y).data, expected)
        np.testing.assert_allclose(nn.MarginRankingLoss(margin)(x1, x2, y).data, expected.mean())
    assert am.gradcheck(lambda a, b: functional.margin_ranking_loss(a, b, y, 0.5, "sum"), x1, x2)
    # at the hinge's kink the gradient passes, as PyTorch's clamp_min: x̄₁ = -y
    a = am.tensor([1.0], requires_grad=True)
    functional.margin_ranking_loss(a, np.array([1.0]), np.array([1.0]), 0.0).backward()
    np.testing.assert_array_equal(a.grad.data, [-1.0])


# ---------------------------------------------------------------- Gaussian NLL


def test_gaussian_nll_values_shapes_and_full():
    mu, t = RNG.normal(size=(4, 3)), RNG.normal(size=(4, 3))
    var = RNG.uniform(0.5, 2.0, size=(4, 3))
    terms = 0.5 * (np.log(var) + (mu - t) ** 2 / var)
    np.testing.assert_allclose(nn.GaussianNLLLoss(reduction="none")(mu, t, var).data, terms)
    np.testing.assert_allclose(nn.GaussianNLLLoss()(mu, t, var).data, terms.mean())
    full = nn.GaussianNLLLoss(full=True, reduction="sum")(mu, t, var)
    np.testing.assert_allclose(full.data, (terms + 0.5 * math.log(2 * math.pi)).sum())
    per_sample = var[:, 0]  # one variance per sample: (N,) or (N, 1)
    expected = 0.5 * (np.log(per_sample[:, None]) + (mu - t) ** 2 / per_sample[:, None])
    np.testing.assert_allclose(
        functional.gaussian_nll_loss(mu, t, per_sample, reduction="none").data, expected
    )
    np.testing.assert_allclose(
        functional.gaussian_nll_loss(mu, t, per_sample[:, None], reduction="none").data, expected
    )
    np.testing.assert_allclose(
        functional.gaussian_nll_loss(mu, t, 2.0, reduction="none").data,
        0.5 * (np.log(2.0) + (mu - t) ** 2 / 2.0),
    )
    with pytest.raises(ValueError, match="var has shape"):
        functional.gaussian_nll_loss(mu, t, np.ones((3,)))
    with pytest.raises(ValueError, match="negative"):
        functional.gaussian_nll_loss(mu, t, -var)


def test_gaussian_nll_gradients_and_the_undifferentiated_clamp():
    mu, t = RNG.normal(size=(3, 2)), RNG.normal(size=(3, 2))
    var = RNG.uniform(0.5, 2.0, size=(3, 2))
    assert am.gradcheck(lambda m, v: functional.gaussian_nll_loss(m, t, v, reduction="sum"), mu, var)
    # var below eps is clamped, but the gradient still reaches it (PyTorch clamps under no_grad):
    # v̄ = ½(1/v - (x - y)²/v²) at the clamped v = eps
    v = am.tensor([1e-9, 1.0], requires_grad=True)
    m = np.array([0.0, 0.0])
    y = np.array([1e-3, 1.0])
    loss = functional.gaussian_nll_loss(m, y, v, eps=1e-6, reduction="sum")
    np.testing.assert_allclose(loss.data, 0.5 * (np.log(1e-6) + 1e-6 / 1e-6) + 0.5 * (0.0 + 1.0))
    loss.backward()
    np.testing.assert_allclose(v.grad.data, [0.5 * (1 / 1e-6 - 1e-6 / 1e-12), 0.5 * (1.0 - 1.0)])


# ---------------------------------------------------------------- BCELoss at the clamp


def test_bce_gradient_follows_pytorchs_rule_at_the_clamp():
    """PyTorch's binary_cross_entropy_backward: ḡ·(p - y) / max(p(1 - p), 1e-12),
    everywhere, so the gradient at p = 0 or 1 is large and points to the target."""
    p = am.tensor([0.0, 0.0, 1.0, 1.0, 1e-13, 0.3, 1e-300], requires_grad=True)
    y = np.array([1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 1.0])
    loss = nn.BCELoss(reduction="sum")(p, y)
    np.testing.assert_allclose(loss.data, 100 + 0 + 100 + 0 + 1e-13 - math.log(0.3) + 100, rtol=1e-12)
    loss.backward()
    pv = p.data
    expected = (pv - y) / np.maximum(pv * (1 - pv), 1e-12)
    np.testing.assert_allclose(p.grad.data, expected, rtol=1e-12)
    assert p.grad.data[0] == -1e12 and p.grad.data[2] == 1e12 and p.grad.data[1] == 0.0
    np.testing.assert_allclose(p.grad.data[4], 0.1)  # p(1-p) < 1e-12: the clamped denominator
    # weights and the mean scale it as in PyTorch
    q = am.tensor([0.0, 0.5], requires_grad=True)
    nn.BCELoss(weight=np.array([2.0, 3.0]))(q, np.array([1.0, 1.0])).backward()
    np.testing.assert_allclose(q.grad.data, [2.0 * -1e12 / 2, 3.0 * (-0.5 / 0.25) / 2])


def test_bce_inside_the_clamp_first_and_second_order():
    p = RNG.uniform(0.1, 0.9, size=(3, 2))
    y = RNG.uniform(0.0, 1.0, size=(3, 2))
    assert am.gradcheck(lambda a, b: functional.binary_cross_entropy(a, b), p, y)
    # second order: d/dp of (p - y)/(p(1 - p)) through create_graph
    x = am.tensor(p, requires_grad=True)
    (g,) = am.autograd.grad(functional.binary_cross_entropy(x, y, reduction="sum"), x, create_graph=True)
    (h,) = am.autograd.grad(g.sum(), x)
    expected = y / p**2 + (1 - y) / (1 - p) ** 2
    np.testing.assert_allclose(h.data, expected, rtol=1e-10)


def test_loss_reprs():
    assert repr(nn.SmoothL1Loss(beta=0.5)) == "SmoothL1Loss(beta=0.5)"
    assert (
        repr(nn.KLDivLoss("batchmean", log_target=True))
        == "KLDivLoss(reduction='batchmean', log_target=True)"
    )
    assert repr(nn.MarginRankingLoss(0.2)) == "MarginRankingLoss(margin=0.2)"
    assert repr(nn.GaussianNLLLoss(full=True)) == "GaussianNLLLoss(full=True)"
