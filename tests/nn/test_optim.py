"""Optimizers and schedulers against PyTorch's documented formulas, written out in NumPy."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.nn.optim import lr_scheduler

# A loss whose gradient changes with θ: f(θ) = Σ (a θ⁴/4 + b θ²/2 + c θ), ∇f = a θ³ + b θ + c
A = np.array([0.5, 1.0, 2.0, 0.1])
B = np.array([1.0, -0.5, 0.3, 2.0])
C = np.array([0.7, -1.2, 0.4, 0.0])
THETA0 = np.array([0.8, -1.5, 0.3, 2.0])


def _grad(theta):
    return A * theta**3 + B * theta + C


def _run(make_optimizer, steps=3):
    """θ after each of ``steps`` optimizer steps on f, computed by the engine."""
    theta = nn.Parameter(THETA0.copy())
    optimizer = make_optimizer([theta])
    out = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = (A * theta**4 / 4 + B * theta**2 / 2 + C * theta).sum()
        loss.backward()
        optimizer.step()
        out.append(theta.data.copy())
    return out


def _sgd(lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False):
    theta, b, out = THETA0.copy(), None, []
    for t in range(1, 4):
        g = _grad(theta)
        if maximize:
            g = -g
        if weight_decay:
            g = g + weight_decay * theta
        if momentum:
            b = g if t == 1 else momentum * b + (1 - dampening) * g
            g = g + momentum * b if nesterov else b
        theta = theta - lr * g
        out.append(theta)
    return out


@pytest.mark.parametrize(
    "options",
    [
        {"lr": 0.1},
        {"lr": 0.05, "momentum": 0.9},
        {"lr": 0.05, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.1},
        {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.01},
        {"lr": 0.05, "momentum": 0.5, "maximize": True},
    ],
)
def test_sgd_matches_the_documented_formula(options):
    got = _run(lambda p: nn.optim.SGD(p, **options))
    for g, e in zip(got, _sgd(**options)):
        np.testing.assert_allclose(g, e, rtol=1e-12)


def _adam(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, decoupled=False):
    theta, out = THETA0.copy(), []
    m = np.zeros(4)
    v = np.zeros(4)
    v_max = np.zeros(4)
    b1, b2 = betas
    for t in range(1, 4):
        g = _grad(theta)
        if decoupled:
            theta = theta - lr * weight_decay * theta
        elif weight_decay:
            g = g + weight_decay * theta
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat = m / (1 - b1**t)
        if amsgrad:
            v_max = np.maximum(v_max, v)
            v_hat = v_max / (1 - b2**t)
        else:
            v_hat = v / (1 - b2**t)
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append(theta)
    return out


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"lr": 0.1, "betas": (0.8, 0.99), "eps": 1e-6},
        {"lr": 0.1, "weight_decay": 0.1},
        {"lr": 0.1, "amsgrad": True},
    ],
)
def test_adam_matches_the_documented_formula(options):
    got = _run(lambda p: nn.optim.Adam(p, **options))
    for g, e in zip(got, _adam(**options)):
        np.testing.assert_allclose(g, e, rtol=1e-12)


@pytest.mark.parametrize("options", [{}, {"lr": 0.1, "weight_decay": 0.5}])
def test_adamw_decouples_weight_decay(options):
    got = _run(lambda p: nn.optim.AdamW(p, **options))
    expected = _adam(decoupled=True, **{"weight_decay": 0.01, **options})
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-12)
    with_l2 = _adam(**{"weight_decay": 0.01, **options})
    assert not np.allclose(got[-1], with_l2[-1])


def _rmsprop(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False):
    theta, out = THETA0.copy(), []
    v, b, g_ave = np.zeros(4), np.zeros(4), np.zeros(4)
    for _ in range(3):
        g = _grad(theta)
        if weight_decay:
            g = g + weight_decay * theta
        v = alpha * v + (1 - alpha) * g**2
        v_tilde = v
        if centered:
            g_ave = alpha * g_ave + (1 - alpha) * g
            v_tilde = v - g_ave**2
        if momentum > 0:
            b = momentum * b + g / (np.sqrt(v_tilde) + eps)
            theta = theta - lr * b
        else:
            theta = theta - lr * g / (np.sqrt(v_tilde) + eps)
        out.append(theta)
    return out


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"lr": 0.05, "alpha": 0.9, "momentum": 0.7},
        {"lr": 0.05, "alpha": 0.9, "centered": True, "weight_decay": 0.1},
        {"lr": 0.05, "centered": True, "momentum": 0.5, "eps": 1e-4},
    ],
)
def test_rmsprop_matches_the_documented_formula(options):
    got = _run(lambda p: nn.optim.RMSprop(p, **options))
    for g, e in zip(got, _rmsprop(**options)):
        np.testing.assert_allclose(g, e, rtol=1e-12)


def _adagrad(lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10):
    theta, out = THETA0.copy(), []
    state_sum = np.full(4, initial_accumulator_value)
    for t in range(1, 4):
        g = _grad(theta)
        clr = lr / (1 + (t - 1) * lr_decay)
        if weight_decay:
            g = g + weight_decay * theta
        state_sum = state_sum + g**2
        theta = theta - clr * g / (np.sqrt(state_sum) + eps)
        out.append(theta)
    return out


@pytest.mark.parametrize(
    "options",
    [{}, {"lr": 0.5, "lr_decay": 0.1, "weight_decay": 0.2, "initial_accumulator_value": 0.3}],
)
def test_adagrad_matches_the_documented_formula(options):
    got = _run(lambda p: nn.optim.Adagrad(p, **options))
    for g, e in zip(got, _adagrad(**options)):
        np.testing.assert_allclose(g, e, rtol=1e-12)


@pytest.mark.parametrize(
    "make",
    [
        lambda p: nn.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True),
        lambda p: nn.optim.Adam(p, lr=0.05, amsgrad=True),
        lambda p: nn.optim.AdamW(p, lr=0.05),
        lambda p: nn.optim.RMSprop(p, lr=0.01, momentum=0.5, centered=True),
        lambda p: nn.optim.Adagrad(p, lr=0.1, lr_decay=0.01),
    ],
)
def test_optimizer_state_dict_round_trip(make):
    def model_and_optimizer():
        model = nn.Linear(3, 2, seed=0)
        return model, make(model.parameters())

    x = np.random.default_rng(0).normal(size=(5, 3))

    def step(model, optimizer):
        optimizer.zero_grad()
        (model(x) ** 2).mean().backward()
        optimizer.step()

    a, opt_a = model_and_optimizer()
    for _ in range(2):
        step(a, opt_a)
    saved_model, saved_opt = a.state_dict(), opt_a.state_dict()
    snapshot = {i: {k: np.copy(v) for k, v in entry.items()} for i, entry in saved_opt["state"].items()}
    b, opt_b = model_and_optimizer()
    b.load_state_dict(saved_model)
    opt_b.load_state_dict(saved_opt)
    step(a, opt_a)
    step(b, opt_b)
    for pa, pb in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(pa.data, pb.data)
    assert len(snapshot) == 2
    for i, entry in saved_opt["state"].items():  # the saved state is a copy: stepping left it alone
        for k, v in entry.items():
            np.testing.assert_array_equal(v, snapshot[i][k])


def test_load_state_dict_checks_before_changing_anything():
    model = nn.Linear(3, 2, seed=0)
    opt = nn.optim.Adam(model.parameters(), lr=0.1)
    (model(np.ones((1, 3))) ** 2).sum().backward()
    opt.step()
    state = opt.state_dict()
    other = nn.optim.Adam(nn.Linear(3, 2, seed=1).parameters())
    other.load_state_dict(state)
    assert other.param_groups[0]["lr"] == 0.1
    bad = nn.optim.Adam(nn.Linear(4, 2, seed=1).parameters(), lr=0.5)
    with pytest.raises(ValueError, match="shape"):
        bad.load_state_dict(state)
    assert bad.param_groups[0]["lr"] == 0.5 and bad.state == {}
    single = nn.optim.Adam([nn.Parameter(np.zeros(2))])
    with pytest.raises(ValueError, match="group 0 has 2 parameter"):
        single.load_state_dict(state)


def test_step_updates_out_of_place_and_skips_parameters_without_grad():
    w = nn.Parameter(np.array([1.0, 2.0]))
    unused = nn.Parameter(np.array([5.0]))
    opt = nn.optim.SGD([w, unused], lr=0.5)
    (w * w).sum().backward()
    old, version = w.data, w.version
    opt.step()
    np.testing.assert_array_equal(old, [1.0, 2.0])  # the old array, maybe saved by a graph
    np.testing.assert_allclose(w.data, [0.0, 0.0])
    assert w.version == version + 1
    np.testing.assert_array_equal(unused.data, [5.0])
    opt.zero_grad()
    assert w.grad is None
    (w * 1.0).sum().backward()
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(w.grad.data, [0.0, 0.0])


def test_parameter_groups_and_closure():
    a, b = nn.Parameter(np.array([1.0])), nn.Parameter(np.array([1.0]))
    opt = nn.optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5}], lr=0.1)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]

    def closure():
        opt.zero_grad()
        loss = (a * a + b * b).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert loss.item() == pytest.approx(2.0)
    np.testing.assert_allclose([a.item(), b.item()], [1 - 0.1 * 2, 1 - 0.5 * 2])
    assert "Parameter Group 1" in repr(opt) and "lr: 0.5" in repr(opt)


def test_optimizer_argument_errors():
    w = nn.Parameter(np.zeros(2))
    with pytest.raises(ValueError, match="empty parameter list"):
        nn.optim.Adam([])
    with pytest.raises(TypeError, match="wrap it in a list"):
        nn.optim.Adam(w)
    with pytest.raises(ValueError, match="leaf"):
        nn.optim.SGD([w * 2], lr=0.1)
    with pytest.raises(ValueError, match="does not require grad"):
        nn.optim.SGD([am.tensor([1.0])], lr=0.1)
    with pytest.raises(ValueError, match="twice"):
        nn.optim.SGD([w, w], lr=0.1)
    with pytest.raises(ValueError, match="Nesterov"):
        nn.optim.SGD([w], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="invalid lr"):
        nn.optim.Adam([w], lr=-1.0)
    with pytest.raises(ValueError, match="beta"):
        nn.optim.Adam([w], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="required 'lr'"):
        nn.optim.SGD([w])


def _lrs(make_scheduler, epochs=7, lr=0.5):
    opt = nn.optim.SGD([nn.Parameter(np.zeros(1))], lr=lr)
    scheduler = make_scheduler(opt)
    out = [opt.param_groups[0]["lr"]]
    for _ in range(epochs - 1):
        opt.step()
        scheduler.step()
        out.append(opt.param_groups[0]["lr"])
    assert scheduler.get_last_lr() == [out[-1]]
    return out


def test_step_lr():
    got = _lrs(lambda o: lr_scheduler.StepLR(o, step_size=3, gamma=0.1))
    np.testing.assert_allclose(got, [0.5 * 0.1 ** (e // 3) for e in range(7)])


def test_exponential_lr():
    got = _lrs(lambda o: lr_scheduler.ExponentialLR(o, gamma=0.9))
    np.testing.assert_allclose(got, [0.5 * 0.9**e for e in range(7)])


def test_cosine_annealing_lr():
    got = _lrs(lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=6, eta_min=0.01))
    expected = [0.01 + (0.5 - 0.01) * (1 + math.cos(math.pi * e / 6)) / 2 for e in range(7)]
    np.testing.assert_allclose(got, expected)
    assert got[-1] == pytest.approx(0.01)


def test_scheduler_state_dict_resumes():
    opt = nn.optim.SGD([nn.Parameter(np.zeros(1))], lr=1.0)
    sched = lr_scheduler.ExponentialLR(opt, gamma=0.5)
    sched.step()
    sched.step()
    state = sched.state_dict()
    opt2 = nn.optim.SGD([nn.Parameter(np.zeros(1))], lr=1.0)
    sched2 = lr_scheduler.ExponentialLR(opt2, gamma=0.5)
    sched2.load_state_dict(state)
    sched.step()
    sched2.step()
    assert opt.param_groups[0]["lr"] == opt2.param_groups[0]["lr"] == 0.125
