"""Reliability: bad input, in-place safety with real optimizers, threads, soak, deep chains.

The soak length comes from ``AM_SOAK_STEPS`` (2,000 in ``make test``; ``make soak`` and
``make reliability`` run 20,000). Figures go to ``reliability_record`` for the page.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import threading
import weakref
import zipfile
from pathlib import Path

import numpy as np
import pytest
import reliability_record as record

import autograd_mini as am
from autograd_mini import nn

SOAK_STEPS = int(os.environ.get("AM_SOAK_STEPS", "2000"))


def _model(seed: int = 0) -> nn.Module:
    return nn.MLP([4, 16, 3], activation="tanh", seed=seed)


def _params(model: nn.Module) -> dict[str, np.ndarray]:
    return {k: v.copy() for k, v in model.state_dict().items()}


# ------------------------------------------------------------------ bad input

X = np.random.default_rng(0).standard_normal((5, 4))
LOGITS = am.tensor(np.random.default_rng(1).standard_normal((5, 3)), requires_grad=True)

BAD_CALLS = [
    ("tensor from a string", lambda: am.tensor("abc"), TypeError, "str"),
    ("tensor from an object", lambda: am.tensor(object()), TypeError, "object"),
    ("tensor from None", lambda: am.tensor(None), TypeError, "None"),
    ("ragged nested list", lambda: am.tensor([[1.0], [2.0, 3.0]]), ValueError, "ragged"),
    ("complex numbers", lambda: am.tensor(np.array([1j])), TypeError, "complex"),
    ("int tensor requiring grad", lambda: am.tensor([1, 2], requires_grad=True), TypeError, "floating"),
    ("broadcast mismatch", lambda: am.ones(3) * am.ones(2), ValueError, r"mul:.*\(3,\).*\(2,\)"),
    ("matmul mismatch", lambda: am.ones(2, 3) @ am.ones(2, 3), ValueError, "not aligned"),
    ("max of an empty tensor", lambda: am.zeros(0).max(), ValueError, "empty"),
    ("mean of an empty tensor", lambda: am.zeros((2, 0)).mean(), ValueError, "empty"),
    ("axis out of range", lambda: am.ones(2).sum(axis=1), ValueError, "out of range"),
    ("float class labels", lambda: nn.functional.cross_entropy(LOGITS, np.array([0.0, 1.0, 2.0, 0.5, 1.0])),
     (TypeError, ValueError), "cross_entropy"),
    ("class index out of range", lambda: nn.functional.cross_entropy(LOGITS, np.array([0, 1, 2, 3, 1])),
     (ValueError, IndexError), "cross_entropy"),
    ("negative class index", lambda: nn.functional.nll_loss(LOGITS, np.array([0, -1, 2, 0, 1])),
     (ValueError, IndexError), "nll_loss"),
    ("label count mismatch", lambda: nn.functional.cross_entropy(LOGITS, np.array([0, 1])),
     ValueError, "cross_entropy"),
    ("mse shape mismatch", lambda: nn.functional.mse_loss(LOGITS, np.zeros((5, 2))), ValueError, "mse"),
    ("backward of a vector", lambda: (LOGITS * 2).backward(), RuntimeError, "scalar"),
]


@pytest.mark.parametrize(("what", "call", "error", "match"), BAD_CALLS, ids=[c[0] for c in BAD_CALLS])
def test_bad_input_raises_clearly(what, call, error, match):
    with pytest.raises(error, match=match):
        call()
    record.count("bad_inputs")


def test_mismatched_state_dict_leaves_the_model_unchanged():
    model = _model()
    before = _params(model)
    bad = {k: v.copy() for k, v in before.items()}
    first = next(iter(bad))
    bad[first] = np.zeros((7, 7))
    with pytest.raises((ValueError, RuntimeError, KeyError), match="shape"):
        model.load_state_dict(bad)
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, before[k])
    record.count("bad_inputs")


@pytest.mark.parametrize("damage", ["truncated", "garbage", "object array"])
def test_corrupt_npz_is_refused_and_leaves_the_model_unchanged(tmp_path: Path, damage: str):
    model = _model()
    path = tmp_path / "model.npz"
    model.save(path)
    before = _params(model)
    if damage == "truncated":
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        path.write_bytes(b"this is not a zip file at all")
    else:
        with zipfile.ZipFile(path, "w") as zf, zf.open("evil.npy", "w") as fh:
            np.lib.format.write_array(fh, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises((ValueError, OSError, zipfile.BadZipFile)):
        model.load(path)
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, before[k])
    record.count("bad_inputs")


# ------------------------------------------------------------------ in-place safety


@pytest.mark.parametrize("optimizer", ["SGD", "Adam", "RMSprop", "Adagrad", "AdamW"])
def test_optimizer_step_between_forward_and_backward_raises(optimizer):
    model = _model()
    opt = getattr(nn.optim, optimizer)(model.parameters(), lr=0.1)
    target = np.array([0, 1, 2, 0, 1])
    nn.functional.cross_entropy(model(am.tensor(X)), target).backward()  # grads exist
    loss = nn.functional.cross_entropy(model(am.tensor(X)), target)  # forward ...
    opt.step()  # ... then the parameters change ...
    stale = r"gradient of 'linear' was modified in place.*tensor 'weight'"
    with pytest.raises(RuntimeError, match=stale):
        loss.backward()  # ... so this gradient would be stale
    record.count("inplace_cases")


def test_no_graph_outlives_its_step():
    model = _model()
    opt = nn.optim.SGD(model.parameters(), lr=0.05)
    refs = []
    for _ in range(5):
        out = model(am.tensor(X))
        hidden = out * 1.0
        refs.append(weakref.ref(hidden))
        refs.append(weakref.ref(out.grad_fn))
        loss = nn.functional.cross_entropy(hidden, np.array([0, 1, 2, 0, 1]))
        opt.zero_grad()
        loss.backward()
        opt.step()
        del out, hidden, loss
    gc.collect()  # refcounting frees graphs; collect only to be sure nothing cyclic hides
    assert all(r() is None for r in refs)


# ------------------------------------------------------------------ threads


def _train(seed: int, steps: int = 60) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((32, 4))
    y = rng.integers(0, 3, 32)
    model = _model(seed)
    opt = nn.optim.Adam(model.parameters(), lr=0.01)
    for step in range(steps):
        loss = nn.functional.cross_entropy(model(am.tensor(x)), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 7 == 0:
            with am.no_grad():  # grad mode is per thread: must not leak into the other
                model(am.tensor(x))
    return _params(model)


def test_two_models_in_two_threads_match_sequential_training():
    sequential = [_train(1), _train(2)]
    results: dict[int, dict[str, np.ndarray]] = {}
    errors: list[BaseException] = []

    def run(seed: int) -> None:
        try:
            results[seed] = _train(seed)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(s,)) for s in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for seed, expected in zip((1, 2), sequential):
        for k, v in expected.items():
            np.testing.assert_array_equal(results[seed][k], v)
    record.count("thread_runs", 2)


# ------------------------------------------------------------------ soak and memory


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")  # pragma: no cover


def test_soak_training_does_not_grow_memory():
    rng = np.random.default_rng(0)
    x = am.tensor(rng.standard_normal((64, 4)))
    y = rng.integers(0, 3, 64)
    model = _model()
    opt = nn.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    def step() -> am.Tensor:
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    for _ in range(min(200, SOAK_STEPS // 10)):  # warm-up
        step()
    gc.collect()
    start = _rss_mb()
    for _ in range(SOAK_STEPS):
        loss = step()
    gc.collect()
    growth = _rss_mb() - start
    assert growth < 20.0, f"resident memory grew by {growth:.1f} MB over {SOAK_STEPS} steps"
    assert np.isfinite(loss.item())
    record.value("soak_steps", SOAK_STEPS)
    record.value("soak_rss_growth_mb", round(growth, 2))


CHAIN_SCRIPT = """
import json, resource, time
import numpy as np
import autograd_mini as am
n = {n}
x = am.tensor(np.full(4, 0.5), requires_grad=True)
t0 = time.perf_counter()
y = x
for _ in range(n):
    y = y * 1.0 + 0.0
t1 = time.perf_counter()
y.sum().backward()
t2 = time.perf_counter()
ok = bool(np.allclose(x.grad.numpy(), 1.0))
print(json.dumps({{"ops": 2 * n, "forward_s": t1 - t0, "backward_s": t2 - t1, "ok": ok,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


@pytest.mark.slow
def test_million_op_chain_backward_completes_and_reports_peak_memory():
    n = 500_000  # two ops per step: 10⁶ ops
    proc = subprocess.run(
        [sys.executable, "-c", CHAIN_SCRIPT.format(n=n)], capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["ok"] and result["ops"] == 1_000_000
    assert result["peak_rss_mb"] < 1500
    record.value("chain_ops", result["ops"])
    record.value("chain_peak_rss_mb", round(result["peak_rss_mb"], 1))
    record.value("chain_seconds", round(result["forward_s"] + result["backward_s"], 2))
