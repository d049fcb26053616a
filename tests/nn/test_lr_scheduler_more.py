"""The learning-rate schedulers added after StepLR/ExponentialLR/CosineAnnealingLR, each
against the closed form of its documentation written out here by hand."""

from __future__ import annotations

import bisect
import math

import numpy as np
import pytest

from autograd_mini import nn
from autograd_mini.nn.optim import lr_scheduler as sch

LR = 0.5


def _opt(lr=LR, cls=nn.optim.SGD, groups=1, **kw):
    params = [{"params": [nn.Parameter(np.zeros(1))], "lr": lr * (g + 1)} for g in range(groups)]
    return cls(params, lr=lr, **kw)


def _lrs(make_scheduler, epochs=12, group=0, **opt_kw):
    """Each epoch's lr of ``group`` (epoch 0 = right after the scheduler is made)."""
    opt = _opt(**opt_kw)
    scheduler = make_scheduler(opt)
    out = [opt.param_groups[group]["lr"]]
    for _ in range(epochs - 1):
        opt.step()
        scheduler.step()
        out.append(opt.param_groups[group]["lr"])
        assert scheduler.get_last_lr() == [g["lr"] for g in opt.param_groups]
    return out


def test_lambda_lr_one_function_per_group():
    got0 = _lrs(lambda o: sch.LambdaLR(o, [lambda e: 0.9**e, lambda e: 1 / (e + 1)]), groups=2)
    got1 = _lrs(lambda o: sch.LambdaLR(o, [lambda e: 0.9**e, lambda e: 1 / (e + 1)]), groups=2, group=1)
    np.testing.assert_allclose(got0, [LR * 0.9**e for e in range(12)], rtol=1e-14)
    np.testing.assert_allclose(got1, [2 * LR / (e + 1) for e in range(12)], rtol=1e-14)


def test_multiplicative_lr_multiplies_the_previous_lr():
    def lam(e):
        return 0.9 if e % 2 else 0.5

    got = _lrs(lambda o: sch.MultiplicativeLR(o, lam))
    np.testing.assert_allclose(got, [LR * math.prod(lam(k) for k in range(1, e + 1)) for e in range(12)],
                               rtol=1e-14)


def test_multistep_lr_counts_repeated_milestones():
    got = _lrs(lambda o: sch.MultiStepLR(o, milestones=[8, 2, 5, 5], gamma=0.5))
    ms = [2, 5, 5, 8]
    np.testing.assert_allclose(got, [LR * 0.5 ** bisect.bisect_right(ms, e) for e in range(12)])
    assert got[5] == LR * 0.5**3  # 2, 5 and 5 passed


def test_constant_lr():
    got = _lrs(lambda o: sch.ConstantLR(o, factor=0.25, total_iters=3))
    assert got == [LR * 0.25] * 3 + [LR] * 9
    default = _lrs(lambda o: sch.ConstantLR(o))
    np.testing.assert_allclose(default, [LR / 3] * 5 + [LR] * 7)


def test_linear_lr():
    got = _lrs(lambda o: sch.LinearLR(o, start_factor=0.2, end_factor=0.9, total_iters=4))
    np.testing.assert_allclose(got, [LR * (0.2 + 0.7 * min(e, 4) / 4) for e in range(12)], rtol=1e-14)
    default = _lrs(lambda o: sch.LinearLR(o))
    np.testing.assert_allclose(default, [LR * (1 / 3 + (2 / 3) * min(e, 5) / 5) for e in range(12)])


def _warm_restarts(e, T_0, T_mult, eta_min):
    T_i, start = T_0, 0
    while e >= start + T_i:
        start += T_i
        T_i *= T_mult
    return eta_min + (LR - eta_min) * (1 + math.cos(math.pi * (e - start) / T_i)) / 2


@pytest.mark.parametrize("T_0, T_mult", [(3, 1), (2, 2), (1, 3)])
def test_cosine_annealing_warm_restarts(T_0, T_mult):
    got = _lrs(lambda o: sch.CosineAnnealingWarmRestarts(o, T_0=T_0, T_mult=T_mult, eta_min=0.01), epochs=30)
    np.testing.assert_allclose(got, [_warm_restarts(e, T_0, T_mult, 0.01) for e in range(30)], rtol=1e-12)
    assert got[T_0] == pytest.approx(LR)  # the first restart


def test_cosine_annealing_warm_restarts_takes_fractional_epochs():
    opt = _opt()
    sched = sch.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=2)
    for epoch, (cur, period) in [(0.5, (0.5, 2)), (1.5, (1.5, 2)), (2.5, (0.5, 4)), (7.0, (1.0, 8))]:
        sched.step(epoch)
        expected = LR * (1 + math.cos(math.pi * cur / period)) / 2
        assert opt.param_groups[0]["lr"] == pytest.approx(expected, rel=1e-12)
        assert sched.last_epoch == math.floor(epoch)
    with pytest.raises(ValueError, match="epoch must be >= 0"):
        sched.step(-1)


def _cos(a, b, pct):
    return b + (a - b) / 2 * (math.cos(math.pi * pct) + 1)


def _lin(a, b, pct):
    return a + (b - a) * pct


def _one_cycle(s, anneal, initial=0.04, top=1.0, low=0.04 / 1e4, three_phase=False):
    """lr and momentum at step s of a 10-step cycle with pct_start=0.3."""
    if not three_phase:  # phases end at steps 2 and 9
        if s <= 2:
            return anneal(initial, top, s / 2), anneal(0.95, 0.85, s / 2)
        return anneal(top, low, (s - 2) / 7), anneal(0.85, 0.95, (s - 2) / 7)
    if s <= 2:  # phases end at steps 2, 4 and 9
        return anneal(initial, top, s / 2), anneal(0.95, 0.85, s / 2)
    if s <= 4:
        return anneal(top, initial, (s - 2) / 2), anneal(0.85, 0.95, (s - 2) / 2)
    return anneal(initial, low, (s - 4) / 5), 0.95


@pytest.mark.parametrize("strategy, anneal", [("cos", _cos), ("linear", _lin)])
@pytest.mark.parametrize("three_phase", [False, True])
def test_one_cycle_lr_and_momentum(strategy, anneal, three_phase):
    opt = _opt(momentum=0.9)
    sched = sch.OneCycleLR(opt, max_lr=1.0, total_steps=10, anneal_strategy=strategy, three_phase=three_phase)
    for s in range(10):
        lr, momentum = _one_cycle(s, anneal, three_phase=three_phase)
        assert opt.param_groups[0]["lr"] == pytest.approx(lr, rel=1e-12, abs=1e-15)
        assert opt.param_groups[0]["momentum"] == pytest.approx(momentum, rel=1e-12)
        opt.step()
        sched.step()  # the 10th step (s = 10) is still allowed, as in PyTorch
    with pytest.raises(ValueError, match="tried to step 11 times, but total_steps is 10"):
        sched.step()


def test_one_cycle_lr_cycles_beta1_of_adam_like_optimizers_and_takes_epochs():
    opt = nn.optim.Adam([nn.Parameter(np.zeros(1))], betas=(0.9, 0.99))
    sched = sch.OneCycleLR(opt, max_lr=[1.0], epochs=2, steps_per_epoch=5)
    assert sched.total_steps == 10
    for s in range(10):
        lr, momentum = _one_cycle(s, _cos)
        assert opt.param_groups[0]["lr"] == pytest.approx(lr, rel=1e-12)
        assert opt.param_groups[0]["betas"] == pytest.approx((momentum, 0.99), rel=1e-12)
        sched.step()


def test_one_cycle_lr_needs_momentum_or_betas_to_cycle():
    opt = _opt(cls=nn.optim.Adagrad)
    with pytest.raises(ValueError, match=r"neither momentum nor betas.*cycle_momentum=False"):
        sch.OneCycleLR(opt, max_lr=1.0, total_steps=10)
    sched = sch.OneCycleLR(opt, max_lr=1.0, total_steps=10, cycle_momentum=False)
    sched.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(_one_cycle(1, _cos)[0])
    with pytest.raises(ValueError, match="total_steps, or both epochs and steps_per_epoch"):
        sch.OneCycleLR(opt, max_lr=1.0)
    with pytest.raises(ValueError, match="anneal_strategy"):
        sch.OneCycleLR(opt, max_lr=1.0, total_steps=10, anneal_strategy="exp", cycle_momentum=False)
    with pytest.raises(ValueError, match="zero steps long"):
        sch.OneCycleLR(opt, max_lr=1.0, total_steps=10, pct_start=0.1, cycle_momentum=False)
    with pytest.raises(ValueError, match="expected 1 values of max_lr"):
        sch.OneCycleLR(opt, max_lr=[1.0, 2.0], total_steps=10, cycle_momentum=False)


def test_reduce_lr_on_plateau_decisions_on_a_scripted_metric():
    opt = _opt(lr=1.0)
    sched = sch.ReduceLROnPlateau(opt, factor=0.5, patience=2, cooldown=1, threshold=0.1, min_lr=0.2)
    # rel mode: an epoch improves when metric < best·0.9
    metrics = [10.0, 9.5, 9.2, 9.1, 8.0, 7.9, 7.8, 7.7, 7.6, 7.5, 7.4, 7.3, 7.2, 7.1, 7.0]
    lrs, bests = [], []
    for m in metrics:
        sched.step(m)
        lrs.append(opt.param_groups[0]["lr"])
        bests.append(sched.best)
    # 9.5, 9.2, 9.1 are not < 10·0.9: the 3rd bad epoch (> patience 2) halves the lr;
    # 8.0 improves (and is the cooldown epoch); 7.9, 7.8, 7.7 are not < 8·0.9 = 7.2:
    # halve at 7.7; 7.6 is the cooldown epoch (not counted); 7.5, 7.4, 7.3: halve to
    # 0.125, floored at min_lr 0.2; 7.2 = 7.2 is no improvement, 7.1 is
    assert lrs == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.2, 0.2, 0.2, 0.2]
    assert bests == [10.0] * 4 + [8.0] * 9 + [7.1, 7.1]
    assert sched.get_last_lr() == [0.2]
    assert sched.last_epoch == len(metrics)


def test_reduce_lr_on_plateau_max_mode_abs_threshold_and_eps():
    opt = _opt(lr=1.0)
    sched = sch.ReduceLROnPlateau(opt, mode="max", factor=0.1, patience=0, threshold=0.5,
                                threshold_mode="abs", eps=0.05)
    lrs = []
    for m in [1.0, 1.6, 2.0, 2.05, 2.0, 3.0]:  # better only if > best + 0.5
        sched.step(m)
        lrs.append(opt.param_groups[0]["lr"])
    # 2.0 and 2.05 are not > 1.6 + 0.5: two cuts; at 2.0 again 0.01 → 0.001 would change the
    # lr by 0.009 < eps: kept
    assert lrs == pytest.approx([1.0, 1.0, 0.1, 0.01, 0.01, 0.01])
    assert sched.best == 3.0


def test_reduce_lr_on_plateau_per_group_min_lr_and_tensor_metric():
    import autograd_mini as am

    opt = _opt(lr=1.0, groups=2)
    sched = sch.ReduceLROnPlateau(opt, patience=0, min_lr=[0.5, 0.0])
    sched.step(am.tensor(1.0))
    sched.step(am.tensor(2.0))
    assert sched.get_last_lr() == pytest.approx([0.5, 0.2])
    with pytest.raises(TypeError, match="needs the epoch's metric"):
        sched.step()
    with pytest.raises(TypeError, match="must be a number"):
        sched.step("loss")


def test_sequential_lr_warm_up_then_decay():
    def make(o):
        warm = sch.LinearLR(o, start_factor=0.1, total_iters=3)
        decay = sch.ExponentialLR(o, gamma=0.8)
        return sch.SequentialLR(o, [warm, decay], milestones=[4])

    got = _lrs(make)
    expected = [LR * (0.1 + 0.9 * min(e, 3) / 3) if e < 4 else LR * 0.8 ** (e - 4) for e in range(12)]
    np.testing.assert_allclose(got, expected, rtol=1e-14)


def test_sequential_lr_three_schedulers():
    def make(o):
        return sch.SequentialLR(
            o,
            [sch.ConstantLR(o, factor=0.5, total_iters=10), sch.StepLR(o, step_size=2, gamma=0.5),
             sch.CosineAnnealingWarmRestarts(o, T_0=2)],
            milestones=[2, 6],
        )

    got = _lrs(make, epochs=10)
    expected = [LR * 0.5] * 2 + [LR * 0.5 ** ((e - 2) // 2) for e in range(2, 6)] + [
        _warm_restarts(e - 6, 2, 1, 0.0) for e in range(6, 10)
    ]
    np.testing.assert_allclose(got, expected, rtol=1e-14)


def test_chained_scheduler_multiplies_the_factors():
    def make(o):
        constant = sch.ConstantLR(o, factor=0.1, total_iters=2)
        return sch.ChainedScheduler([constant, sch.ExponentialLR(o, gamma=0.9)])

    got = _lrs(make)
    np.testing.assert_allclose(got, [LR * (0.1 if e < 2 else 1.0) * 0.9**e for e in range(12)], rtol=1e-14)


def _resume(make, epochs_before=5, epochs_after=6, opt_kw=None):
    """lrs of a scheduler that ran on, and of a fresh one loaded from its state_dict."""
    opt_kw = opt_kw or {}
    opt1, opt2 = _opt(**opt_kw), _opt(**opt_kw)
    s1, s2 = make(opt1), make(opt2)
    for _ in range(epochs_before):
        s1.step()
    state = s1.state_dict()
    opt2.load_state_dict(opt1.state_dict())
    s2.load_state_dict(state)
    a, b = [], []
    for _ in range(epochs_after):
        s1.step()
        s2.step()
        a.append(s1.get_last_lr())
        b.append(s2.get_last_lr())
    return a, b


@pytest.mark.parametrize(
    "make",
    [
        lambda o: sch.LambdaLR(o, lambda e: 0.9**e),
        lambda o: sch.MultiplicativeLR(o, lambda e: 0.9),
        lambda o: sch.MultiStepLR(o, [3, 7]),
        lambda o: sch.ConstantLR(o),
        lambda o: sch.LinearLR(o),
        lambda o: sch.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=2),
        lambda o: sch.OneCycleLR(o, max_lr=1.0, total_steps=20),
        lambda o: sch.SequentialLR(o, [sch.LinearLR(o), sch.ExponentialLR(o, 0.9)], milestones=[3]),
        lambda o: sch.ChainedScheduler([sch.LinearLR(o), sch.ExponentialLR(o, 0.9)]),
    ],
)
def test_state_dict_resumes_every_scheduler(make):
    a, b = _resume(make, epochs_before=2, opt_kw={"momentum": 0.9})
    assert a == b
    assert len({tuple(x) for x in a}) > 1  # the lr really moves over these epochs


def test_reduce_lr_on_plateau_state_dict_resumes():
    opt1, opt2 = _opt(lr=1.0), _opt(lr=1.0)
    s1 = sch.ReduceLROnPlateau(opt1, patience=1)
    s2 = sch.ReduceLROnPlateau(opt2, patience=1)
    for m in [3.0, 2.0, 2.5]:
        s1.step(m)
    s2.load_state_dict(s1.state_dict())
    opt2.load_state_dict(opt1.state_dict())
    for m in [2.6, 2.7, 1.0]:
        s1.step(m)
        s2.step(m)
        assert s1.get_last_lr() == s2.get_last_lr()
    assert s2.get_last_lr() == pytest.approx([0.1]) and s2.best == 1.0
    assert "optimizer" not in s1.state_dict()


def test_lambda_state_dict_saves_callable_objects_but_not_functions():
    class Decay:
        def __init__(self, rate):
            self.rate = rate

        def __call__(self, epoch):
            return self.rate**epoch

    opt = _opt()
    sched = sch.LambdaLR(opt, Decay(0.5))
    state = sched.state_dict()
    assert state["lr_lambdas"] == [{"rate": 0.5}]
    other = sch.LambdaLR(_opt(), Decay(0.9))
    other.load_state_dict(state)
    assert other.lr_lambdas[0].rate == 0.5
    assert sch.LambdaLR(_opt(), lambda e: 1.0).state_dict()["lr_lambdas"] == [None]


def test_scheduler_argument_errors():
    opt = _opt()
    two = [lambda e: 1.0, lambda e: 1.0]
    cases = [
        (lambda: sch.LambdaLR(opt, two), ValueError, "expected 1 values of lr_lambda"),
        (lambda: sch.LambdaLR(opt, 0.5), TypeError, "lr_lambda must be a function"),
        (lambda: sch.MultiStepLR(opt, [2, -1]), ValueError, "milestones"),
        (lambda: sch.ConstantLR(opt, factor=1.5), ValueError, "factor must be between 0 and 1"),
        (lambda: sch.LinearLR(opt, start_factor=0.0), ValueError, "start_factor"),
        (lambda: sch.LinearLR(opt, total_iters=0), ValueError, "total_iters must be a positive int"),
        (lambda: sch.CosineAnnealingWarmRestarts(opt, T_0=0), ValueError, "T_0 must be a positive int"),
        (lambda: sch.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=1.5), ValueError, "T_mult"),
        (lambda: sch.ReduceLROnPlateau(opt, factor=1.0), ValueError, r"factor must be in \[0, 1\)"),
        (lambda: sch.ReduceLROnPlateau(opt, mode="up"), ValueError, "mode must be 'min' or 'max'"),
        (lambda: sch.ReduceLROnPlateau(opt, threshold_mode="pct"), ValueError, "threshold_mode"),
        (lambda: sch.ReduceLROnPlateau(opt, patience=-1), ValueError, "patience"),
        (lambda: sch.ReduceLROnPlateau(opt, min_lr=[0.1, 0.2]), ValueError, "expected 1 values of min_lr"),
        (lambda: sch.ReduceLROnPlateau("sgd"), TypeError, "expected an optimizer"),
        (lambda: sch.SequentialLR(opt, [sch.StepLR(opt, 2)], milestones=[3]), ValueError,
         "expected 0 milestones"),
        (lambda: sch.SequentialLR(opt, [], milestones=[]), ValueError, "at least one scheduler"),
        (lambda: sch.SequentialLR(opt, [sch.StepLR(opt, 2), sch.StepLR(opt, 3)], milestones=[2.5]),
         ValueError, "increasing int"),
        (lambda: sch.ChainedScheduler([sch.StepLR(opt, 2), sch.StepLR(_opt(), 2)]), ValueError,
         "another optimizer"),
        (lambda: sch.ChainedScheduler([sch.ReduceLROnPlateau(opt)]), ValueError, "step it separately"),
        (lambda: sch.ChainedScheduler([opt]), TypeError, "not an lr scheduler"),
    ]
    for make, error, message in cases:
        with pytest.raises(error, match=message):
            make()
