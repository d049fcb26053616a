"""Adadelta, Adamax, NAdam, RAdam and LBFGS against PyTorch's documented algorithms,
written out here in NumPy (no torch), plus convergence, saving, am.compile and dtypes."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import nn

# f(θ) = Σ (a θ⁴/4 + b θ²/2 + c θ): a gradient a θ³ + b θ + c that changes with θ
A = np.array([0.5, 1.0, 2.0, 0.1])
B = np.array([1.0, -0.5, 0.3, 2.0])
C = np.array([0.7, -1.2, 0.4, 0.0])
THETA0 = np.array([0.8, -1.5, 0.3, 2.0])
STEPS = 10


def _grad(theta):
    return A * theta**3 + B * theta + C


def _run(make_optimizer, steps=STEPS):
    """θ after each optimizer step on f, computed by the library."""
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


def _assert_trajectory(got, expected):
    assert len(got) == len(expected) == STEPS
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-14)


def _g(theta, maximize, weight_decay=0.0):
    g = -_grad(theta) if maximize else _grad(theta)
    return g + weight_decay * theta


# ------------------------------------------------------------------ reference algorithms


def _adadelta(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, maximize=False):
    theta, v, u, out = THETA0.copy(), np.zeros(4), np.zeros(4), []
    for _ in range(STEPS):
        g = _g(theta, maximize, weight_decay)
        v = v * rho + g**2 * (1 - rho)
        dx = np.sqrt(u + eps) / np.sqrt(v + eps) * g
        u = u * rho + dx**2 * (1 - rho)
        theta = theta - lr * dx
        out.append(theta)
    return out


def _adamax(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, maximize=False):
    b1, b2 = betas
    theta, m, u, out = THETA0.copy(), np.zeros(4), np.zeros(4), []
    for t in range(1, STEPS + 1):
        g = _g(theta, maximize, weight_decay)
        m = b1 * m + (1 - b1) * g
        u = np.maximum(b2 * u, np.abs(g) + eps)
        theta = theta - lr * m / ((1 - b1**t) * u)
        out.append(theta)
    return out


def _nadam(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, momentum_decay=4e-3,
           decoupled_weight_decay=False, maximize=False):
    b1, b2 = betas
    theta, m, v, out = THETA0.copy(), np.zeros(4), np.zeros(4), []
    mus = [None]  # mus[i] = μ_i
    for t in range(1, STEPS + 1):
        g = _g(theta, maximize)
        if weight_decay:
            if decoupled_weight_decay:
                theta = theta - lr * weight_decay * theta
            else:
                g = g + weight_decay * theta
        mu_t = b1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))
        mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
        mus.append(mu_t)
        prod_t = math.prod(mus[1:t + 1])
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat = mu_next * m / (1 - prod_t * mu_next) + (1 - mu_t) * g / (1 - prod_t)
        v_hat = v / (1 - b2**t)
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append(theta)
    return out


def _radam(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
           decoupled_weight_decay=False, maximize=False):
    b1, b2 = betas
    rho_inf = 2 / (1 - b2) - 1
    theta, m, v, out = THETA0.copy(), np.zeros(4), np.zeros(4), []
    for t in range(1, STEPS + 1):
        g = _g(theta, maximize)
        if weight_decay:
            if decoupled_weight_decay:
                theta = theta - lr * weight_decay * theta
            else:
                g = g + weight_decay * theta
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat = m / (1 - b1**t)
        rho_t = rho_inf - 2 * t * b2**t / (1 - b2**t)
        if rho_t > 5:
            l_t = np.sqrt(1 - b2**t) / (np.sqrt(v) + eps)
            r_t = np.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            theta = theta - lr * m_hat * r_t * l_t
        else:
            theta = theta - lr * m_hat
        out.append(theta)
    return out


@pytest.mark.parametrize(
    "options",
    [{}, {"lr": 0.5, "rho": 0.8, "eps": 1e-4}, {"weight_decay": 0.1}, {"lr": 0.3, "maximize": True}],
)
def test_adadelta_matches_the_documented_algorithm(options):
    _assert_trajectory(_run(lambda p: nn.optim.Adadelta(p, **options)), _adadelta(**options))


@pytest.mark.parametrize(
    "options",
    [{}, {"lr": 0.05, "betas": (0.8, 0.95), "eps": 1e-3}, {"lr": 0.05, "weight_decay": 0.2},
     {"lr": 0.05, "maximize": True}],
)
def test_adamax_matches_the_documented_algorithm(options):
    _assert_trajectory(_run(lambda p: nn.optim.Adamax(p, **options)), _adamax(**options))


@pytest.mark.parametrize(
    "options",
    [{}, {"lr": 0.05, "betas": (0.8, 0.99), "momentum_decay": 0.1},
     {"lr": 0.05, "weight_decay": 0.2},
     {"lr": 0.05, "weight_decay": 0.2, "decoupled_weight_decay": True},
     {"lr": 0.05, "maximize": True, "eps": 1e-3}],
)
def test_nadam_matches_the_documented_algorithm(options):
    _assert_trajectory(_run(lambda p: nn.optim.NAdam(p, **options)), _nadam(**options))


@pytest.mark.parametrize(
    "options",
    [{}, {"lr": 0.05, "betas": (0.8, 0.9)},  # β₂ = 0.9: ρ_t > 5 from step 6 on (both branches)
     {"lr": 0.05, "betas": (0.9, 0.5), "weight_decay": 0.2},
     {"lr": 0.05, "betas": (0.9, 0.8), "weight_decay": 0.2, "decoupled_weight_decay": True},
     {"lr": 0.05, "betas": (0.9, 0.8), "maximize": True}],
)
def test_radam_matches_the_documented_algorithm(options):
    _assert_trajectory(_run(lambda p: nn.optim.RAdam(p, **options)), _radam(**options))


def test_radam_takes_both_branches_in_the_cases_above():
    b2 = 0.9
    rho_inf = 2 / (1 - b2) - 1
    rho = [rho_inf - 2 * t * b2**t / (1 - b2**t) for t in range(1, STEPS + 1)]
    assert min(rho) <= 5 < max(rho)


def test_weight_decay_options_change_the_result():
    """Regression guard: coupled and decoupled decay differ, and decay matters at all."""
    for cls in (nn.optim.NAdam, nn.optim.RAdam):
        plain = _run(lambda p, cls=cls: cls(p, lr=0.05))[-1]
        coupled = _run(lambda p, cls=cls: cls(p, lr=0.05, weight_decay=0.5))[-1]
        decoupled = _run(
            lambda p, cls=cls: cls(p, lr=0.05, weight_decay=0.5, decoupled_weight_decay=True)
        )[-1]
        assert not np.allclose(plain, coupled)
        assert not np.allclose(coupled, decoupled)


def test_new_state_keys_are_pytorchs():
    expected = {
        nn.optim.Adadelta: {"step", "square_avg", "acc_delta"},
        nn.optim.Adamax: {"step", "exp_avg", "exp_inf"},
        nn.optim.NAdam: {"step", "mu_product", "exp_avg", "exp_avg_sq"},
        nn.optim.RAdam: {"step", "exp_avg", "exp_avg_sq"},
    }
    for cls, keys in expected.items():
        w = nn.Parameter(THETA0.copy())
        opt = cls([w])
        (w * w).sum().backward()
        opt.step()
        opt.step()
        assert set(opt.state[w]) == keys
        assert opt.state[w]["step"] == 2


# ------------------------------------------------------------------ convergence

X_LS = np.random.default_rng(0).normal(size=(20, 3))
W_TRUE = np.array([1.5, -2.0, 0.5])
Y_LS = X_LS @ W_TRUE + 0.01 * np.random.default_rng(1).normal(size=20)
W_STAR = np.linalg.lstsq(X_LS, Y_LS, rcond=None)[0]


def _least_squares_loss(w):
    r = am.tensor(X_LS) @ w - Y_LS
    return (r * r).mean()


@pytest.mark.parametrize(
    "make, steps, tol",
    [
        (lambda p: nn.optim.Adadelta(p, lr=1.0, rho=0.99), 2000, 1e-6),  # rho=0.9 oscillates here
        (lambda p: nn.optim.Adamax(p, lr=0.05), 2000, 1e-4),
        (lambda p: nn.optim.NAdam(p, lr=0.05), 2000, 1e-4),
        (lambda p: nn.optim.RAdam(p, lr=0.05), 2000, 1e-4),
    ],
)
def test_first_order_optimizers_solve_least_squares(make, steps, tol):
    w = nn.Parameter(np.zeros(3))
    opt = make([w])
    for _ in range(steps):
        opt.zero_grad()
        _least_squares_loss(w).backward()
        opt.step()
    np.testing.assert_allclose(w.data, W_STAR, atol=tol)


def _rosenbrock_closure(opt, w):
    def closure():
        opt.zero_grad()
        x, y = w[0], w[1]
        loss = (1 - x) ** 2 + 100 * (y - x * x) ** 2
        loss.backward()
        return loss

    return closure


def test_lbfgs_with_strong_wolfe_reaches_the_rosenbrock_minimum():
    w = nn.Parameter(np.array([-1.2, 1.0]))
    opt = nn.optim.LBFGS([w], line_search_fn="strong_wolfe", max_iter=100,
                         tolerance_grad=1e-12, tolerance_change=1e-14)
    closure = _rosenbrock_closure(opt, w)
    for _ in range(5):
        opt.step(closure)
    np.testing.assert_allclose(w.data, [1.0, 1.0], atol=1e-6)
    state = opt.state[w]
    assert state["func_evals"] <= 5 * opt.param_groups[0]["max_eval"]
    assert len(state["old_dirs"]) == len(state["old_stps"]) == len(state["ro"]) > 0


def test_lbfgs_without_line_search_solves_least_squares():
    w = nn.Parameter(np.zeros(3))
    opt = nn.optim.LBFGS([w], tolerance_grad=1e-12, tolerance_change=1e-15)

    def closure():
        opt.zero_grad()
        loss = _least_squares_loss(w)
        loss.backward()
        return loss

    for _ in range(5):
        opt.step(closure)
    np.testing.assert_allclose(w.data, W_STAR, atol=1e-6)


def _lbfgs_reference(theta, steps, max_iter, lr=1.0, history_size=100, tol_grad=1e-7, tol_change=1e-9):
    """PyTorch's L-BFGS without line search, on the quartic f (written from its algorithm)."""
    max_eval = max_iter * 5 // 4
    n_iter_total = 0
    s_hist, y_hist, d, t, h0, prev_g = [], [], None, None, 1.0, None
    out = []
    for _ in range(steps):
        g = _grad(theta)
        loss = f_quartic(theta)
        if np.abs(g).max() <= tol_grad:
            out.append(theta.copy())
            continue
        evals = 1
        for k in range(1, max_iter + 1):
            n_iter_total += 1
            if n_iter_total == 1:
                d = -g
            else:
                y, s = g - prev_g, d * t
                if y @ s > 1e-10:
                    if len(s_hist) == history_size:
                        s_hist.pop(0)
                        y_hist.pop(0)
                    s_hist.append(s)
                    y_hist.append(y)
                    h0 = (y @ s) / (y @ y)
                q = -g
                alphas = []
                for s_i, y_i in reversed(list(zip(s_hist, y_hist))):
                    a = (s_i @ q) / (y_i @ s_i)
                    alphas.append(a)
                    q = q - a * y_i
                r = h0 * q
                for (s_i, y_i), a in zip(zip(s_hist, y_hist), reversed(alphas)):
                    b = (y_i @ r) / (y_i @ s_i)
                    r = r + (a - b) * s_i
                d = r
            prev_g, prev_loss = g, loss
            t = min(1.0, 1.0 / np.abs(g).sum()) * lr if n_iter_total == 1 else lr
            if g @ d > -tol_change:
                break
            theta = theta + t * d
            if k == max_iter:
                break
            g, loss = _grad(theta), f_quartic(theta)
            evals += 1
            if evals >= max_eval or np.abs(g).max() <= tol_grad or np.abs(t * d).max() <= tol_change:
                break
            if abs(loss - prev_loss) < tol_change:
                break
        out.append(theta.copy())
    return out


def f_quartic(theta):
    return float(np.sum(A * theta**4 / 4 + B * theta**2 / 2 + C * theta))


@pytest.mark.parametrize("max_iter, lr, history_size", [(3, 1.0, 100), (4, 0.5, 2), (1, 0.8, 100)])
def test_lbfgs_matches_the_documented_algorithm(max_iter, lr, history_size):
    theta = nn.Parameter(THETA0.copy())
    opt = nn.optim.LBFGS([theta], lr=lr, max_iter=max_iter, history_size=history_size)
    calls = []

    def closure():
        calls.append(1)
        opt.zero_grad()
        loss = (A * theta**4 / 4 + B * theta**2 / 2 + C * theta).sum()
        loss.backward()
        return loss

    got = []
    for _ in range(STEPS):
        opt.step(closure)
        got.append(theta.data.copy())
    expected = _lbfgs_reference(THETA0.copy(), STEPS, max_iter, lr=lr, history_size=history_size)
    _assert_trajectory(got, expected)
    assert len(opt.state[theta]["old_dirs"]) <= history_size
    assert opt.state[theta]["func_evals"] == len(calls)


def test_lbfgs_works_on_several_parameters_of_any_shape_and_returns_the_first_loss():
    rng = np.random.default_rng(3)
    target_w, target_b = rng.normal(size=(2, 3)), rng.normal(size=2)
    w, b = nn.Parameter(np.zeros((2, 3))), nn.Parameter(np.zeros(2))
    unused = nn.Parameter(np.ones(4))  # no gradient: treated as zero, left unchanged
    opt = nn.optim.LBFGS([w, unused, b], line_search_fn="strong_wolfe", tolerance_change=1e-15)

    def closure():
        opt.zero_grad()
        loss = ((w - target_w) ** 2).sum() + 3 * ((b - target_b) ** 2).sum() + ((b - target_b) ** 4).sum()
        loss.backward()
        return loss

    first = opt.step(closure)
    assert first.item() == pytest.approx(np.sum(target_w**2) + 3 * np.sum(target_b**2) + np.sum(target_b**4))
    for _ in range(3):
        opt.step(closure)
    np.testing.assert_allclose(w.data, target_w, atol=1e-6)
    np.testing.assert_allclose(b.data, target_b, atol=1e-6)
    np.testing.assert_array_equal(unused.data, np.ones(4))


def test_lbfgs_stops_at_once_when_the_gradient_is_zero():
    w = nn.Parameter(np.array([1.0, 2.0]))
    opt = nn.optim.LBFGS([w])
    calls = []

    def closure():
        calls.append(1)
        opt.zero_grad()
        loss = ((w - np.array([1.0, 2.0])) ** 2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    assert len(calls) == 1 and w.version == 0


# ------------------------------------------------------------------ saving


FIRST_ORDER = [
    lambda p: nn.optim.Adadelta(p, lr=0.5, weight_decay=0.01),
    lambda p: nn.optim.Adamax(p, lr=0.05),
    lambda p: nn.optim.NAdam(p, lr=0.05, weight_decay=0.1, decoupled_weight_decay=True),
    lambda p: nn.optim.RAdam(p, lr=0.05, betas=(0.9, 0.9)),
]


@pytest.mark.parametrize("make", FIRST_ORDER)
def test_state_dict_round_trip(make):
    x = np.random.default_rng(0).normal(size=(5, 3))

    def model_and_optimizer():
        model = nn.Linear(3, 2, seed=0)
        return model, make(model.parameters())

    def step(model, optimizer):
        optimizer.zero_grad()
        (model(x) ** 2).mean().backward()
        optimizer.step()

    a, opt_a = model_and_optimizer()
    for _ in range(7):
        step(a, opt_a)
    saved_model, saved_opt = a.state_dict(), opt_a.state_dict()
    b, opt_b = model_and_optimizer()
    b.load_state_dict(saved_model)
    opt_b.load_state_dict(saved_opt)
    for _ in range(3):
        step(a, opt_a)
        step(b, opt_b)
    for pa, pb in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(pa.data, pb.data)


def test_lbfgs_state_dict_round_trip_continues_the_same_history():
    def make():
        w = nn.Parameter(np.array([-1.2, 1.0]))
        opt = nn.optim.LBFGS([w], max_iter=3, line_search_fn="strong_wolfe")
        return w, opt, _rosenbrock_closure(opt, w)

    w1, opt1, c1 = make()
    opt1.step(c1)
    opt1.step(c1)
    saved = opt1.state_dict()
    w2, opt2, c2 = make()
    w2.data = w1.data.copy()
    opt2.load_state_dict(saved)
    opt1.step(c1)  # the saved copy is not changed by further steps
    opt2.step(c2)
    np.testing.assert_array_equal(w1.data, w2.data)
    assert opt2.state[w2]["n_iter"] == opt1.state[w1]["n_iter"] > saved["state"][0]["n_iter"] > 0
    assert len(saved["state"][0]["old_dirs"]) < len(opt1.state[w1]["old_dirs"])
    other = nn.optim.LBFGS([nn.Parameter(np.zeros(3))])
    with pytest.raises(ValueError, match="shape"):
        other.load_state_dict(saved)
    assert other.state == {}


# ------------------------------------------------------------------ am.compile and dtypes


@pytest.mark.parametrize("make", FIRST_ORDER)
def test_compiled_step_is_bitwise_equal_to_eager(make):
    rng = np.random.default_rng(0)
    batches = [(rng.normal(size=(8, 4)), rng.integers(0, 3, size=8)) for _ in range(12)]
    pairs = []
    for _ in range(2):
        model = nn.MLP([4, 6, 3], activation="tanh", seed=0)
        opt = make(model.parameters())

        def step(x, y, model=model, opt=opt):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return loss

        pairs.append((model, opt, step))
    (m1, o1, eager), (m2, o2, step) = pairs
    traced = am.compile(step)
    for x, y in batches:
        assert eager(am.tensor(x), y).item() == traced(x, y).item()
    for p, q in zip(m1.parameters(), m2.parameters()):
        assert np.array_equal(p.data, q.data)
    s1, s2 = o1.state_dict()["state"], o2.state_dict()["state"]
    for k in s1:
        for key, v in s1[k].items():
            assert np.array_equal(v, s2[k][key]), key
    assert traced.program.replays == len(batches) - 1


def test_compiled_step_calling_lbfgs_is_refused_with_the_fix():
    w = nn.Parameter(np.array([3.0, -1.0]))
    opt = nn.optim.LBFGS([w])

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    @am.compile
    def step():
        return opt.step(closure)

    with pytest.raises(am.TraceError, match=r"LBFGS\.step.*run the LBFGS step eagerly"):
        step()


def test_lbfgs_can_call_a_compiled_closure():
    w = nn.Parameter(np.array([3.0, -1.0]))
    opt = nn.optim.LBFGS([w], line_search_fn="strong_wolfe")

    @am.compile
    def closure():
        opt.zero_grad()
        loss = ((w - np.array([1.0, 2.0])) ** 2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    np.testing.assert_allclose(w.data, [1.0, 2.0], atol=1e-8)


@pytest.mark.parametrize(
    "make",
    [*FIRST_ORDER, lambda p: nn.optim.LBFGS(p, max_iter=5, line_search_fn="strong_wolfe")],
)
def test_float32_parameters_and_state_stay_float32(make):
    w = nn.Parameter(THETA0.astype(np.float32))
    opt = make([w])

    def closure():
        opt.zero_grad()
        loss = (am.tensor(A.astype(np.float32)) * w**4 / 4 + am.tensor(B.astype(np.float32)) * w**2 / 2).sum()
        loss.backward()
        return loss

    for _ in range(4):
        opt.step(closure)
        assert w.data.dtype == np.float32
    for key, value in opt.state[w].items():
        if isinstance(value, np.ndarray):
            assert value.dtype == np.float32, key
        if isinstance(value, list):
            assert all(v.dtype == np.float32 for v in value if isinstance(v, np.ndarray)), key
    assert np.isfinite(w.data).all()


# ------------------------------------------------------------------ bad arguments


def test_bad_arguments_raise_clear_errors():
    w = nn.Parameter(np.zeros(2))
    cases = [
        (lambda: nn.optim.Adadelta([w], rho=1.5), "rho"),
        (lambda: nn.optim.Adadelta([w], lr=-1.0), "invalid lr"),
        (lambda: nn.optim.Adamax([w], betas=(0.9, 1.0)), "beta parameter at index 1"),
        (lambda: nn.optim.Adamax([w], eps=-1e-8), "invalid eps"),
        (lambda: nn.optim.NAdam([w], momentum_decay=-0.1), "momentum_decay"),
        (lambda: nn.optim.NAdam([w], betas=0.9), "pair"),
        (lambda: nn.optim.RAdam([w], weight_decay=-0.1), "weight_decay"),
        (lambda: nn.optim.RAdam([w], betas=(-0.1, 0.9)), "index 0"),
        (lambda: nn.optim.LBFGS([w], line_search_fn="armijo"), "strong_wolfe"),
        (lambda: nn.optim.LBFGS([w], max_iter=0), "max_iter must be a positive int"),
        (lambda: nn.optim.LBFGS([w], history_size=2.5), "history_size"),
        (lambda: nn.optim.LBFGS([{"params": [w]}, {"params": [nn.Parameter(np.zeros(1))]}]), "groups"),
    ]
    for make, message in cases:
        with pytest.raises(ValueError, match=message):
            make()
    opt = nn.optim.LBFGS([w])
    with pytest.raises(TypeError, match="needs a closure"):
        opt.step()
    with pytest.raises(TypeError, match="no per-parameter update"):
        opt.update_param(w, w.data, w.data, opt.param_groups[0])


def test_lbfgs_max_eval_defaults_to_five_quarters_of_max_iter():
    w = nn.Parameter(np.zeros(2))
    assert nn.optim.LBFGS([w]).param_groups[0]["max_eval"] == 25
    assert nn.optim.LBFGS([w], max_iter=7).param_groups[0]["max_eval"] == 8
    defaults = nn.optim.LBFGS([w]).defaults
    assert (defaults["lr"], defaults["history_size"], defaults["line_search_fn"]) == (1.0, 100, None)
    assert (defaults["tolerance_grad"], defaults["tolerance_change"]) == (1e-7, 1e-9)


def test_strong_wolfe_line_search_accepts_a_good_first_step_and_zooms_after_a_bad_one():
    from autograd_mini.nn.optim.lbfgs import _strong_wolfe

    def obj(x, t, d):  # f(x) = Σ x², evaluated at x + t d
        z = x + t * d
        return float(z @ z), 2 * z

    x = np.array([1.0])
    g = 2 * x
    d = -g
    gtd = float(g @ d)  # -4
    # t = 0.1: x = 0.8, slope -3.2: |−3.2| ≤ 0.9·4 and f = 0.64 ≤ 1 - 1e-4·0.1·4: accepted at once
    f_new, g_new, t, evals = _strong_wolfe(obj, x, 0.1, d, 1.0, g, gtd)
    assert (t, evals) == (0.1, 1) and f_new == pytest.approx(0.64) and g_new == pytest.approx([1.6])
    # t = 5: x = -9 overshoots (f = 81 > 1): the zoom returns a step meeting both conditions
    f_new, g_new, t, evals = _strong_wolfe(obj, x, 5.0, d, 1.0, g, gtd)
    assert evals > 1 and 0 < t < 5
    assert f_new <= 1.0 + 1e-4 * t * gtd
    assert abs(float(g_new @ d)) <= 0.9 * abs(gtd)
    assert f_new == pytest.approx(obj(x, t, d)[0])
    # a step that is too short (t = 0.01: slope -3.92, not ≤ 3.6 in size) is extrapolated
    f_new, g_new, t, evals = _strong_wolfe(obj, x, 0.01, d, 1.0, g, gtd)
    assert t > 0.01 and evals > 1 and abs(float(g_new @ d)) <= 0.9 * abs(gtd)
