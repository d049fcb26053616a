"""am.compile: record a step once, replay it on arrays, bitwise like the eager run (issue 16)."""

from __future__ import annotations

import re

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.compile import TraceError


def _digits(n: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    x, y = am.data.load_digits()
    return (x, y) if n is None else (x[:n], y[:n])


def _demo_pair(optimizer: str, dtype: object = np.float64, dropout: float = 0.0):
    """Two identical copies of the demo's digits MLP with their optimizers and step functions."""
    out = []
    for _ in range(2):
        model = nn.MLP([64, 64, 10], activation="relu", seed=0, dtype=dtype, dropout=dropout)
        if dropout:
            for m in model.modules():
                if isinstance(m, nn.Dropout):
                    m._rng = np.random.default_rng(7)  # the same masks in both copies
        opt = (
            nn.optim.Adam(model.parameters(), lr=0.01)
            if optimizer == "adam"
            else nn.optim.SGD(model.parameters(), lr=0.05)
        )

        def step(x, y, model=model, opt=opt):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return loss

        out.append((model, opt, step))
    return out


def _batches(steps: int, batch: int = 32, seed: int = 0):
    x, y = _digits()
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        idx = rng.choice(len(x), batch, replace=False)
        yield x[idx], y[idx]


def _assert_same_state(m1, o1, m2, o2):
    for (name, p), (_, q) in zip(m1.named_parameters(), m2.named_parameters()):
        assert np.array_equal(p.data, q.data), name
        assert p.data.dtype == q.data.dtype
        assert (p.grad is None) == (q.grad is None)
        if p.grad is not None:
            assert np.array_equal(p.grad.data, q.grad.data), name
        assert p.version == q.version, name
    s1, s2 = o1.state_dict(), o2.state_dict()
    assert s1["param_groups"] == s2["param_groups"]
    assert s1["state"].keys() == s2["state"].keys()
    for k in s1["state"]:
        for key, v in s1["state"][k].items():
            w = s2["state"][k][key]
            assert np.array_equal(v, w) if isinstance(v, np.ndarray) else v == w, (k, key)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_100_steps_of_the_demo_mlp_are_bitwise_equal_to_eager(optimizer):
    (m1, o1, eager), (m2, o2, step) = _demo_pair(optimizer)
    traced = am.compile(step)
    for xb, yb in _batches(100):
        l1 = eager(am.tensor(xb), yb)
        l2 = traced(xb, yb)
        assert l1.item() == l2.item()
    _assert_same_state(m1, o1, m2, o2)
    assert traced.traces == 1 and len(traced.programs) == 1
    assert traced.program.replays == 99


def test_full_batch_float32_and_the_last_partial_batch_get_their_own_program():
    (m1, o1, eager), (m2, o2, step) = _demo_pair("sgd", np.float32)
    traced = am.compile(step)
    x, y = _digits(100)
    for _ in range(3):
        for lo in (0, 64):  # batches of 64 and 36: two signatures
            xb, yb = x[lo:lo + 64].astype(np.float32), y[lo:lo + 64]
            assert eager(am.tensor(xb), yb).item() == traced(xb, yb).item()
    _assert_same_state(m1, o1, m2, o2)
    assert len(traced.programs) == 2
    assert [p.replays for p in traced.programs] == [2, 2]


def test_dropout_draws_fresh_masks_on_every_replay_like_eager():
    (m1, o1, eager), (m2, o2, step) = _demo_pair("sgd", dropout=0.5)
    masks = []

    def forward(x, model=m2):
        return model(x)

    traced_forward = am.compile(forward)
    traced = am.compile(step)
    x, y = _digits(32)
    for _ in range(5):
        assert eager(am.tensor(x), y).item() == traced(x, y).item()
    _assert_same_state(m1, o1, m2, o2)
    with am.no_grad():
        for _ in range(3):
            masks.append(traced_forward(x).numpy())
    assert not np.array_equal(masks[0], masks[1]) and not np.array_equal(masks[1], masks[2])
    assert traced_forward.program.replays == 2
    assert "random" in str(traced_forward.program)


def test_eval_mode_grad_mode_and_shapes_are_guarded():
    model = nn.MLP([4, 8, 3], dropout=0.5, seed=0)

    def forward(x):
        return model(x)

    f = am.compile(forward)
    x = np.random.default_rng(0).standard_normal((5, 4))
    f(x)
    f(x)
    assert len(f.programs) == 1
    model.eval()
    out_eval = f(x).numpy()
    assert len(f.programs) == 2  # Dropout is the identity in eval mode: a new program
    with am.no_grad():
        eager = model(am.tensor(x)).numpy()
    assert np.array_equal(out_eval, eager)
    with am.no_grad():
        f(x)
    assert len(f.programs) == 3  # grad mode is part of the signature
    f(x[:2])
    assert len(f.programs) == 4
    model.train()
    f(x)
    assert len(f.programs) == 4 and f.program is f.programs[0]


def test_a_parameter_that_changes_shape_is_retraced():
    w = nn.Parameter(np.ones((2, 3)))

    def f(x):
        return (x @ w.T).sum()

    step = am.compile(f)
    x = np.ones((4, 3))
    assert step(x).item() == 24.0
    w.data = np.ones((5, 3))
    assert step(x).item() == 60.0
    assert len(step.programs) == 2


def test_parameters_replaced_outside_are_read_when_the_step_starts():
    w = am.tensor([1.0, 2.0], requires_grad=True)
    opt = nn.optim.SGD([w], lr=0.5)

    @am.compile
    def step(x):
        opt.zero_grad()
        loss = (w * x).sum()
        loss.backward()
        opt.step()
        return loss

    x = np.array([1.0, 1.0])
    step(x)
    step(x)
    assert np.array_equal(w.data, [0.0, 1.0])
    with am.no_grad():
        w.data = np.array([10.0, 10.0])
    assert step(x).item() == 20.0
    assert np.array_equal(w.data, [9.5, 9.5])
    opt.param_groups[0]["lr"] = 1.0  # hyper-parameters are read on every replay (schedulers)
    step(x)
    assert np.array_equal(w.data, [8.5, 8.5])


@pytest.mark.parametrize(
    "body, what",
    [
        ("if loss.item() > 1.0:\n        pass", "item()"),
        ("if loss > 1.0:\n        pass", "bool()"),
        ("value = float(loss)", "item()"),
        ("value = loss.numpy() * 2", "numpy()"),
        ("value = np.asarray(loss)", "np.asarray()"),
    ],
)
def test_reading_a_value_inside_the_function_raises_naming_the_line(body, what):
    w = am.tensor([1.0, 2.0], requires_grad=True)
    namespace = {"np": np, "w": w}
    source = f"def fn(x):\n    loss = (w * x).sum()\n    {body}\n    return loss\n"
    exec(compile(source, "user_step.py", "exec"), namespace)
    step = am.compile(namespace["fn"])
    pattern = re.escape(f"{what} at user_step.py:3")
    with pytest.raises(TraceError, match=pattern):
        step(np.ones(2))
    # outside the compiled function the same reads work
    assert namespace["fn"].__name__ == "fn"
    assert step.fn(am.tensor(np.ones(2))).item() == 3.0


def test_returning_the_tensor_and_reading_it_outside_works():
    w = am.tensor([1.0, 2.0], requires_grad=True)
    step = am.compile(lambda x: (w * x).sum())
    assert [step(np.full(2, k)).item() for k in (1.0, 2.0, 3.0)] == [3.0, 6.0, 9.0]


def test_python_side_effects_run_once_per_signature():
    calls = []

    def f(x):
        calls.append(x.shape)
        return am.tensor(x) * 2 if False else x * 2

    step = am.compile(f)
    for _ in range(4):
        step(np.ones(3))
    assert calls == [(3,)]
    step(np.ones(2))
    assert calls == [(3,), (2,)]


def test_the_program_text_has_forward_backward_and_update_sections():
    _, (_, _, step) = _demo_pair("sgd")
    traced = am.compile(step)
    x, y = _digits(16)
    traced(x, y)
    text = str(traced.program)
    lines = text.splitlines()
    assert lines[0] == "program step(x: float64[16, 64], y: int64[16])"
    assert "    s0: float64[64, 64] = layers.0.weight" in lines
    assert "  t0: float64[16, 64] = linear(x, s0, s1)" in lines
    # the fused loss saves softmax(z)ᵀ (t4) as it goes; its VJP reads it instead of z's exp again
    assert "  t3: float64[], t4: float64[10, 16] = softmax_cross_entropy(t2, y; reduction='mean')" in lines
    assert "  g0: float64[16, 10] = softmax_cross_entropy.vjp[z](1.0, t4, t2, y; reduction='mean')" in lines
    assert "  g1: float64[16, 64] = linear.vjp[x](g0, -, t1, s2, s3)" in lines
    assert "  s0.grad += g5" in lines
    assert "  u0: float64[64, 64] = SGD.update(s0, s0.grad; lr=0.05); s0.data ← u0" in lines
    sections = [line for line in lines if line.endswith(":") and not line.startswith(" ")]
    assert sections == ["backward:", "forward:", "backward:", "update:"]
    assert lines[-1] == "return t3"
    assert "6 forward" not in repr(traced.program) and "4 forward" in repr(traced.program)


def test_draw_graph_draws_the_program():
    _, (_, _, step) = _demo_pair("sgd")
    traced = am.compile(step)
    with pytest.raises(RuntimeError, match="not been called yet"):
        am.viz.draw_graph(traced)
    x, y = _digits(8)
    traced(x, y)
    picture = am.viz.draw_graph(traced)
    source = picture.source
    for section in ("cluster_forward", "cluster_backward", "cluster_update"):
        assert section in source
    assert "linear.vjp[w]" in source and "SGD.update" in source
    assert source.count("->") >= 20


def test_arrays_a_user_holds_never_change_under_them():
    """Buffers are reused only for arrays private to the program."""
    _, (model, opt, _) = _demo_pair("sgd")
    hidden = []

    def fn(x, y):
        h = model.layers[1](model.layers[0](x))  # a relu output, returned
        loss = nn.functional.cross_entropy(model.layers[2](h), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss, h

    traced = am.compile(fn)
    x, y = _digits(32)
    kept = []
    for k in range(4):
        _, h = traced(x[k:k + 8], y[k:k + 8])
        hidden.append((h.numpy(), h.numpy().copy()))
        params = list(model.parameters())
        kept.append(([p.data for p in params], [p.data.copy() for p in params],
                     [p.grad.data for p in params], [p.grad.data.copy() for p in params]))
    for held, copy in hidden:
        assert np.array_equal(held, copy)
    for data, data_copy, grads, grad_copy in kept:
        assert all(np.array_equal(a, b) for a, b in zip(data, data_copy))
        assert all(np.array_equal(a, b) for a, b in zip(grads, grad_copy))
    assert len({id(h) for h, _ in hidden}) == 4
    private = traced.program.private
    assert private  # some intermediates do reuse buffers
    returned = traced.program.output[1][1][1]
    assert returned not in private


def test_hinge_loss_with_l2_penalty_and_broadcasting_matches_eager():
    """W5: micrograd's moons demo (reshape, scalar ops, a fused L2 penalty)."""
    x, y01 = am.data.make_moons(100, noise=0.1, seed=0)
    y = 2.0 * y01 - 1.0
    runs = []
    for _ in range(2):
        model = nn.MLP([2, 16, 16, 1], seed=0)
        opt = nn.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)

        def step(x, y, model=model, opt=opt):
            score = model(x).reshape(-1)
            loss = am.relu(1.0 - y * score).mean() + nn.functional.l2_penalty(
                model.parameters(), 1e-4, include_bias=True
            )
            opt.zero_grad()
            loss.backward()
            opt.step()
            return loss

        runs.append((model, opt, step))
    (m1, o1, eager), (m2, o2, step) = runs
    traced = am.compile(step)
    for _ in range(30):
        assert eager(am.tensor(x), am.tensor(y)).item() == traced(x, y).item()
    _assert_same_state(m1, o1, m2, o2)


def test_gradients_accumulate_without_zero_grad_like_eager():
    ws = [am.tensor([1.0, -1.0, 2.0], requires_grad=True) for _ in range(2)]

    def make(w):
        def f(x):
            loss = (w * w * x).sum()
            loss.backward()
            return loss

        return f

    eager, traced = make(ws[0]), am.compile(make(ws[1]))
    for k in range(4):
        x = np.full(3, float(k))
        eager(am.tensor(x))
        traced(x)
        assert np.array_equal(ws[0].grad.data, ws[1].grad.data)


def test_a_tensor_argument_that_requires_grad_gets_its_gradient():
    step = am.compile(lambda t: (t * t).sum().backward())
    for k in range(3):
        t = am.tensor(np.arange(3.0) + k, requires_grad=True)
        step(t)
        assert np.array_equal(t.grad.data, 2 * (np.arange(3.0) + k))
    assert len(step.programs) == 1


def test_state_changed_outside_the_recorded_calls_raises():
    class Counter(nn.Module):
        """A buffer set with NumPy values the recorder never saw computed."""

        def __init__(self):
            super().__init__()
            self.register_buffer("seen", am.tensor(0.0))

        def forward(self, x):
            self.seen.data = np.asarray(float(x.shape[0]))
            return x * 2.0

    counter = Counter()
    step = am.compile(lambda x: counter(x).sum())
    with pytest.raises(TraceError, match=r"'seen' was changed during the traced call"):
        step(np.random.default_rng(0).standard_normal((4, 3)))


@pytest.mark.parametrize("momentum", [0.1, None])
def test_batchnorm_in_training_replays_its_running_statistics_bitwise(momentum):
    """The running mean/var and the batch counter (and momentum=None's 1/n) are recorded."""
    rng = np.random.default_rng(0)

    def make():
        model = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6, momentum=momentum), nn.ReLU(),
                              nn.Linear(6, 2))
        for i, p in enumerate(model.parameters()):
            p.data = np.random.default_rng(i).normal(size=p.shape)
        opt = nn.optim.SGD(model.parameters(), lr=0.1)

        def step(x, y):
            opt.zero_grad()
            loss = nn.functional.mse_loss(model(x), y)
            loss.backward()
            opt.step()
            return loss

        return model, step

    (eager_model, eager), (model, fn) = make(), make()
    compiled = am.compile(fn)
    for _ in range(5):
        x, y = rng.normal(size=(8, 4)), rng.normal(size=(8, 2))
        assert eager(x, y).item() == compiled(x, y).item()
    assert compiled.traces == 1 and compiled.program.replays == 4
    for (name, a), (_, b) in zip(eager_model.state_dict().items(), model.state_dict().items(), strict=True):
        assert np.array_equal(a, b) and a.dtype == b.dtype, name
    assert int(model[1].num_batches_tracked.item()) == 5
    # evaluation reads the running statistics on every replay: train more, evaluate again
    model.eval()
    evaluate = am.compile(lambda x: model(x))
    x = rng.normal(size=(8, 4))
    evaluate(x)
    model.train()
    compiled(x, rng.normal(size=(8, 2)))
    model.eval()
    assert np.array_equal(evaluate(x).data, model(x).data)
    assert evaluate.traces == 1


def test_batch_norm_on_numpy_running_statistics_refuses_to_trace():
    rm, rv = np.zeros(3), np.ones(3)
    step = am.compile(lambda x: nn.functional.batch_norm(x, rm, rv, training=True).sum())
    with pytest.raises(TraceError, match=r"running statistics held in NumPy arrays .*test_compile\.py"):
        step(np.random.default_rng(0).standard_normal((4, 3)))


def test_retain_grad_inside_raises():
    w = am.tensor([1.0, 2.0], requires_grad=True)

    def f(x):
        h = w * x
        h.retain_grad()
        h.sum().backward()

    with pytest.raises(TraceError, match="retain_grad"):
        am.compile(f)(np.ones(2))


def test_anomaly_mode_runs_eagerly():
    w = am.tensor([1.0, 2.0], requires_grad=True)
    step = am.compile(lambda x: (w * x).sum())
    with am.detect_anomaly():
        assert step(np.ones(2)).item() == 3.0
    assert step.programs == []


def test_random_constructors_draw_afresh():
    step = am.compile(lambda x: x + am.randn(3))
    a, b = step(np.zeros(3)).numpy(), step(np.zeros(3)).numpy()
    assert not np.array_equal(a, b)
    seeded = am.compile(lambda x: x + am.randn(3, seed=1))
    assert np.array_equal(seeded(np.zeros(3)).numpy(), seeded(np.zeros(3)).numpy())


def test_fit_with_compile_matches_eager_fit():
    x, y = _digits(200)
    histories, models = [], []
    for compile_ in (False, True):
        model = nn.MLP([64, 32, 10], seed=0)
        opt = nn.optim.Adam(model.parameters(), lr=0.01)
        loader = am.data.DataLoader(x, y, batch_size=64, shuffle=True, seed=0)
        histories.append(am.train.fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=3,
                                      progress=False, compile=compile_, val_data=(x, y)))
        models.append(model)
    assert histories[0].history == histories[1].history
    for p, q in zip(models[0].parameters(), models[1].parameters()):
        assert np.array_equal(p.data, q.data)


def test_bench_runs_the_three_ways_and_reports_them_side_by_side():
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench import traced

    r = traced.moons_hinge(np.float64, 2, 1)
    assert r["verified"] and r["bitwise_equal_to_eager"]
    assert r["traced_ratio"] > 0 and r["eager_ratio"] > 0
    fake = {"eager_s": 2e-3, "traced_s": 1.1e-3, "reference_s": 1e-3, "eager_ratio": 2.0, "traced_ratio": 1.1}
    lines = traced.section({"W1_batch64": fake, "W1_full": fake, "W5": fake})
    page = "\n".join(lines)
    assert "| W1 digits MLP 64-128-64-10, batch 64 | 1.000 ms | 2.000 ms | 1.100 ms |" in page
    assert "2.00× (≤ 1.6×, **missed by 0.40**)" in page
    assert "1.10× (≤ 1.0×, **missed by 0.10**)" in page and "1.10× (≤ 1.5×, met)" in page


def test_arguments_that_cannot_be_traced_are_refused_clearly():
    w = am.tensor([1.0, 2.0], requires_grad=True)
    step = am.compile(lambda t, scale=(1.0, 2.0): (t * w).sum())
    with pytest.raises(TypeError, match="separate arguments"):
        step([np.ones(2), np.ones(2)])
    with pytest.raises(TypeError, match="outside the compiled function"):
        step(w * 2)
    assert step(np.ones(2), (1.0, 3.0)).item() == 3.0
    assert step(np.ones(2), (1.0, 3.0)).item() == 3.0
    assert len(step.programs) == 1


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_cross_entropy_vjp_fast_path_gives_the_composed_rule_bitwise(dtype):
    """Eager's softmax cross-entropy VJP on arrays skips the one-hot temporaries but must
    give exactly (softmax(z) - onehot(y)) · ḡ/N, the rule as composed from the ops."""
    from autograd_mini.ops.loss import _softmax_cross_entropy_vjp
    from autograd_mini.ops.reduction import softmax

    rng = np.random.default_rng(0)
    z = rng.standard_normal((7, 5)).astype(dtype) * 3
    labels = rng.integers(0, 5, 7)
    for reduction, scale in (("mean", 1.0 / 7), ("sum", 1.0)):
        for g in (np.ones((), dtype), np.asarray(0.3, dtype=np.float64)):
            onehot = np.zeros(z.shape, dtype=dtype)
            onehot[np.arange(7), labels] = 1.0
            expected = (softmax(z, axis=-1) - onehot) * (g * scale)
            got = _softmax_cross_entropy_vjp(g, None, z, labels, reduction)
            assert got.dtype == expected.dtype and np.array_equal(got, expected)
    z[2, 1] = -np.inf  # an entry of -inf (a masked class) stays exact
    onehot = np.zeros(z.shape, dtype=dtype)
    onehot[np.arange(7), labels] = 1.0
    expected = (softmax(z, axis=-1) - onehot) * np.ones((), dtype)
    assert np.array_equal(_softmax_cross_entropy_vjp(np.ones((), dtype), None, z, labels, "sum"), expected)


@pytest.mark.parametrize("clip", ["norm", "value"])
def test_gradient_hooks_clipping_and_momentum_replay_like_eager(clip):
    x, y = _digits(16)
    runs = []
    for _ in range(2):
        model = nn.MLP([64, 16, 10], seed=0)
        opt = nn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)

        def step(x, y, model=model, opt=opt):
            opt.zero_grad()
            h = model.layers[0](x)
            h.register_hook(lambda g: g * 0.5)  # a hook written with ops is recorded
            loss = nn.functional.cross_entropy(model.layers[2](model.layers[1](h)), y)
            loss.backward()
            if clip == "norm":
                norm = nn.utils.clip_grad_norm_(model.parameters(), 0.05)
            else:
                nn.utils.clip_grad_value_(model.parameters(), 0.01)
                norm = loss
            opt.step()
            return loss, norm

        runs.append((model, opt, step))
    (m1, o1, eager), (m2, o2, step) = runs
    traced = am.compile(step)
    for _ in range(6):
        (l1, n1), (l2, n2) = eager(am.tensor(x), y), traced(x, y)
        assert l1.item() == l2.item() and n1.item() == n2.item()
    _assert_same_state(m1, o1, m2, o2)
    assert f"clip_grad_{clip}_" in str(traced.program)


def test_replays_do_not_accumulate_memory():
    import gc
    import tracemalloc

    _, (_, _, step) = _demo_pair("adam")
    traced = am.compile(step)
    x, y = _digits(32)
    tracemalloc.start()
    for _ in range(100):  # warm-up inside the trace: NumPy's and tracemalloc's own caches
        traced(x, y)
    gc.collect()
    before = tracemalloc.get_traced_memory()[0]
    for _ in range(300):
        traced(x, y)
    gc.collect()
    grown = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert grown < 16 * 1024, grown  # nothing kept per replay (no graph, no growing cache)


def test_assigning_grad_inside_a_compiled_function_is_replayed():
    # `w.grad = None` is plain Python on the tensor: the setter tells the recorder, so
    # every replay resets it too instead of piling gradients up across calls
    w = am.tensor(np.ones(2), requires_grad=True)

    def f(x):
        w.grad = None
        (w * x).sum().backward()
        return w.grad

    step = am.compile(f)
    eager = [f(am.tensor(np.array(v))).numpy().copy() for v in ([1.0, 1.0], [5.0, 7.0], [2.0, 3.0])]
    traced = [step(np.array(v)).numpy().copy() for v in ([1.0, 1.0], [5.0, 7.0], [2.0, 3.0])]
    assert step.traces == 1
    for a, b in zip(eager, traced):
        np.testing.assert_array_equal(a, b)
    assert "s0.grad ← None" in str(step.program)


def test_assigning_a_constant_grad_inside_a_compiled_function_is_copied_on_replay():
    w = am.tensor(np.ones(2), requires_grad=True)
    start = am.tensor(np.array([10.0, 20.0]))

    def f(x):
        w.grad = start  # a constant the step did not compute
        (w * x).sum().backward()
        return w.grad

    step = am.compile(f)
    step(np.array([1.0, 2.0]))
    out = step(np.array([3.0, 4.0]))
    np.testing.assert_array_equal(out.numpy(), [13.0, 24.0])
    np.testing.assert_array_equal(start.numpy(), [10.0, 20.0])  # never written into


def test_grad_assignment_checks_type_and_shape():
    w = am.tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(TypeError, match="grad must be a Tensor or None"):
        w.grad = np.ones((2, 3))
    with pytest.raises(RuntimeError, match=r"shape \(3,\), but the tensor has shape \(2, 3\)"):
        w.grad = am.tensor(np.ones(3))
    w.grad = am.tensor(np.full((2, 3), 2.0))
    w.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), np.full((2, 3), 3.0))


def test_an_error_in_a_replay_names_the_call_its_program_line_and_the_traced_site():
    def f(x, i):
        return am.take(x, i).sum()

    step = am.compile(f)
    step(np.arange(4.0), np.array([0, 3]))
    with pytest.raises(IndexError) as err:  # a recorded library check: it names itself
        step(np.arange(4.0), np.array([0, 7]))
    text = str(err.value)
    assert text.startswith("take: index 7 is out of range") and "replaying the compiled step f" in text
    assert "test_compile.py" in text  # the line of f that made the call when it was traced

    def g(a):
        return am.linalg.inv(a).sum()

    step = am.compile(g)
    step(np.eye(2))
    with pytest.raises(ValueError) as err:  # an op's own error: the replay names the op
        step(np.zeros((2, 2)))
    assert str(err.value).startswith("inv: the matrix is singular")
    assert "`t0: float64[2, 2] = inv(a)`" in str(err.value)
