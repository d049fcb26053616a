"""The workloads W1-W6: the library and hand-written NumPy, same weights, same process.

Each workload first checks that both give the same loss and gradients (so the
comparison is honest), then times them alternately over several repeats and reports
the median time per step with its min-max, and the ratio library / hand-written.
"""

from __future__ import annotations

import functools
import gc
import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.examples import handwritten as backprop

from . import handwritten


def _timed(fn: Callable[[], Any], steps: int) -> float:
    start = time.perf_counter()
    for _ in range(steps):
        fn()
    return (time.perf_counter() - start) / steps


def compare(
    library: Callable[[], Any], reference: Callable[[], Any], steps: int, repeats: int
) -> dict[str, Any]:
    """Median, min and max seconds per step of both, measured alternately; and the ratio."""
    lib, ref = [], []
    library()
    reference()  # warm up caches and allocators
    for _ in range(repeats):
        lib.append(_timed(library, steps))
        ref.append(_timed(reference, steps))
    lib_med, ref_med = float(np.median(lib)), float(np.median(ref))
    return {
        "library_s": lib_med,
        "library_min_s": min(lib),
        "library_max_s": max(lib),
        "reference_s": ref_med,
        "reference_min_s": min(ref),
        "reference_max_s": max(ref),
        "ratio": lib_med / ref_med,
    }


def _model_and_copies(sizes: list[int], dtype: Any, seed: int = 0, activation: str = "relu"):
    model = nn.MLP(sizes, activation=activation, seed=seed, dtype=dtype)
    params = [p.data.copy() for _, p in model.named_parameters()]
    return model, params


def _ce_step(model: Any, opt: Any, xt: am.Tensor, y: np.ndarray) -> float:
    """One library training step with softmax cross-entropy; returns the loss."""
    loss = nn.functional.cross_entropy(model(xt), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return float(loss.item())


def _check(lib_loss: float, ref_loss: float, lib_grads: list[np.ndarray], ref_grads: list[np.ndarray],
           dtype: Any) -> bool:
    rtol = 1e-3 if np.dtype(dtype) == np.float32 else 1e-9
    ok = bool(np.isclose(lib_loss, ref_loss, rtol=rtol, atol=rtol))
    for a, b in zip(lib_grads, ref_grads):
        ok &= bool(np.allclose(a, b, rtol=rtol, atol=rtol * 1e-2 + 1e-7))
    if not ok:
        raise AssertionError("the library and the hand-written step disagree: the benchmark is void")
    return ok


def mlp_ce(
    sizes: list[int], x: np.ndarray, y: np.ndarray, dtype: Any, steps: int, repeats: int
) -> dict[str, Any]:
    """W1/W2: one SGD step of a ReLU MLP with softmax cross-entropy (library vs by hand)."""
    x = x.astype(dtype)
    lr = 0.01
    model, params = _model_and_copies(sizes, dtype)
    opt = nn.optim.SGD(model.parameters(), lr=lr)
    xt = am.tensor(x)

    def library() -> float:
        return _ce_step(model, opt, xt, y)

    def reference() -> float:
        return backprop.relu_mlp_ce_step(params, x, y, lr)[0]

    # same weights, same step: same loss and gradients
    lib_loss = library()
    lib_grads = [p.grad.numpy().copy() for p in model.parameters()]
    ref_loss, ref_grads = backprop.relu_mlp_ce_step(params, x, y, lr)
    verified = _check(lib_loss, ref_loss, lib_grads, ref_grads, dtype)
    out = compare(library, reference, steps, repeats)
    out["verified"] = verified
    out["graph_ops"] = len(am.autograd.topological_order(nn.functional.cross_entropy(model(xt), y)))
    return out


def optimizer_update(sizes: list[int], dtype: Any, steps: int, repeats: int) -> dict[str, Any]:
    """The SGD update alone: the library's copy-on-write step vs an in-place ``p -= lr·g``."""
    model, params = _model_and_copies(sizes, dtype)
    for p in model.parameters():
        p.grad = am.zeros_like(p)
    grads = [np.zeros_like(p) for p in params]
    opt = nn.optim.SGD(model.parameters(), lr=0.01)

    def reference() -> None:
        for p, g in zip(params, grads):
            p -= 0.01 * g

    return compare(opt.step, reference, steps, repeats)


def matmul_gflops(n: int, k: int, m: int, dtype: Any, repeats: int = 20) -> float:
    """GFLOP/s of one bare NumPy matmul (n×k)·(k×m) in this process."""
    a = np.random.default_rng(0).standard_normal((n, k)).astype(dtype)
    b = np.random.default_rng(1).standard_normal((k, m)).astype(dtype)
    a @ b
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - t0)
    return 2.0 * n * k * m / float(np.median(times)) / 1e9


def elementwise_chain(dtype: Any, n_ops: int, repeats: int) -> dict[str, Any]:
    """W3: n_ops elementwise ops (mul, add, tanh) on a (4,) tensor, forward + backward."""
    x0 = np.full(4, 0.3, dtype=dtype)
    a, b = 0.9, 0.01

    def library() -> np.ndarray:
        x = am.tensor(x0, requires_grad=True)
        y = x
        for _ in range(n_ops // 3):
            y = am.tanh(y * a + b)
        y.backward(gradient=np.ones(4, dtype=dtype))
        return x.grad.numpy()  # type: ignore[union-attr]

    def reference() -> np.ndarray:
        return handwritten.elementwise_chain(x0, n_ops, a, b)

    verified = bool(np.allclose(library(), reference(), rtol=1e-4))
    if not verified:
        raise AssertionError("W3: the library and the hand-written chain disagree")
    out = compare(library, reference, 1, repeats)
    out["us_per_op"] = out["library_s"] / n_ops * 1e6
    out["reference_us_per_op"] = out["reference_s"] / n_ops * 1e6
    out["verified"] = verified
    return out


CHAIN_SCRIPT = """
import json, resource, sys, time
import numpy as np
sys.path.insert(0, {root!r})
n, which = {n}, {which!r}
x0 = np.full(4, 0.5, dtype=np.float32)
if which.startswith("library"):
    import autograd_mini as am
else:
    from bench import handwritten
if which == "library_gc_off":  # the same run with Python's cyclic garbage collector off
    import gc
    gc.disable()
t0 = time.perf_counter()  # imports are not timed
if which.startswith("library"):
    x = am.tensor(x0, requires_grad=True)
    y = x
    for _ in range(n // 2):
        y = y * 1.0001 + 0.0001
    t1 = time.perf_counter()
    y.backward(gradient=np.ones(4, dtype=np.float32))
    grad = x.grad.numpy()
else:
    t1 = t0
    grad = handwritten.mul_add_chain(x0, n, 1.0001, 0.0001)
t2 = time.perf_counter()
print(json.dumps({{"forward_s": t1 - t0, "backward_s": t2 - t1, "total_s": t2 - t0,
                  "grad0": float(grad[0]),
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def deep_chain(n: int, root: str) -> dict[str, Any]:
    """W4: a chain of n ops (mul, add) forward + backward, each side in its own process
    (the library also with Python's cyclic garbage collector off, to show its share)."""
    out: dict[str, Any] = {"ops": n}
    for which in ("library", "library_gc_off", "reference"):
        proc = subprocess.run(
            [sys.executable, "-c", CHAIN_SCRIPT.format(n=n, which=which, root=root)],
            capture_output=True, text=True, check=True,
        )
        out[which] = json.loads(proc.stdout)
    out["ratio"] = out["library"]["total_s"] / out["reference"]["total_s"]
    out["verified"] = bool(np.isclose(out["library"]["grad0"], out["reference"]["grad0"], rtol=1e-3))
    return out


def moons_hinge(dtype: Any, steps: int, repeats: int) -> dict[str, Any]:
    """W5: micrograd's demo, a 2-16-16-1 ReLU MLP on 100 two-moons points, hinge loss + L2."""
    x, y01 = am.data.make_moons(100, noise=0.1, seed=0)
    x = x.astype(dtype)
    y = (2.0 * y01 - 1.0).astype(dtype)
    lr, alpha = 0.05, 1e-4
    model, params = _model_and_copies([2, 16, 16, 1], dtype)
    opt = nn.optim.SGD(model.parameters(), lr=lr)
    xt, yt = am.tensor(x), am.tensor(y)

    def forward() -> am.Tensor:
        score = model(xt).reshape(-1)
        return am.relu(1.0 - yt * score).mean() + nn.functional.l2_penalty(
            model.parameters(), alpha, include_bias=True
        )

    def library() -> float:
        loss = forward()
        opt.zero_grad()
        loss.backward()
        opt.step()
        return float(loss.item())

    def reference() -> float:
        return backprop.hinge_mlp_step(params, x, y, lr, alpha)[0]

    lib_loss = library()
    lib_grads = [p.grad.numpy().copy() for p in model.parameters()]
    ref_loss, ref_grads = backprop.hinge_mlp_step(params, x, y, lr, alpha)
    verified = _check(lib_loss, ref_loss, lib_grads, ref_grads, dtype)
    out = compare(library, reference, steps, repeats)
    out["verified"] = verified
    out["graph_ops"] = len(am.autograd.topological_order(forward()))
    return out


def rss_mb() -> float:
    """Current resident memory of this process in MB."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory_growth(x: np.ndarray, y: np.ndarray, dtype: Any, steps: int) -> dict[str, Any]:
    """W6: resident memory growth over ``steps`` W1 training steps (after a warm-up)."""
    x = x.astype(dtype)
    model, _ = _model_and_copies([64, 128, 64, 10], dtype)
    opt = nn.optim.SGD(model.parameters(), lr=0.01)
    xt = am.tensor(x)

    def step() -> None:
        _ce_step(model, opt, xt, y)

    for _ in range(200):
        step()
    gc.collect()
    start = rss_mb()
    for _ in range(steps):
        step()
    gc.collect()
    return {"steps": steps, "rss_growth_mb": rss_mb() - start}


def jacobian_modes(dtype: Any, repeats: int, hidden: int = 64) -> dict[str, Any]:
    """W7: the full Jacobian of f(x) = A₂ tanh(A₁ x), f: Rⁿ → Rᵐ, by jacfwd and by jacrev.

    Forward mode pushes one tangent per pass (n passes: one column each), reverse mode
    one cotangent per pass (m passes: one row each), so jacfwd should win on tall
    Jacobians (n ≪ m) and jacrev on wide ones (n ≫ m). Both are first checked to agree.
    """
    out: dict[str, Any] = {}
    for label, n, m in (("tall", 8, 256), ("wide", 256, 8)):
        rng = np.random.default_rng(0)
        a1 = (rng.standard_normal((hidden, n)) / np.sqrt(n)).astype(dtype)
        a2 = (rng.standard_normal((m, hidden)) / np.sqrt(hidden)).astype(dtype)
        x = rng.standard_normal(n).astype(dtype)

        def f(t: am.Tensor, a1: np.ndarray = a1, a2: np.ndarray = a2) -> am.Tensor:
            return a2 @ am.tanh(a1 @ t)

        fwd, rev = am.jacfwd(f), am.jacrev(f)
        j_fwd, j_rev = fwd(x), rev(x)
        rtol = 1e-3 if np.dtype(dtype) == np.float32 else 1e-10
        verified = bool(np.allclose(j_fwd, j_rev, rtol=rtol, atol=rtol * 1e-2))
        if not verified or j_fwd.shape != (m, n):
            raise AssertionError(f"W7 {label}: jacfwd and jacrev disagree: the benchmark is void")
        timing = compare(functools.partial(fwd, x), functools.partial(rev, x), 1, repeats)
        out[label] = {
            "n": n,
            "m": m,
            "jacfwd_s": timing["library_s"],
            "jacrev_s": timing["reference_s"],
            "fwd_over_rev": timing["ratio"],
            "verified": verified,
        }
    return out


def cnn_digits(x: np.ndarray, y: np.ndarray, dtype: Any, steps: int, repeats: int) -> dict[str, Any]:
    """W8: one SGD step of the digits CNN (two 3×3 convolutions, max pooling, a linear head)
    against the hand-written NumPy im2col step of :mod:`bench.cnn`."""
    from . import cnn

    x = x.reshape(-1, 1, 8, 8).astype(dtype)
    lr = 0.01
    model = cnn.library_model(dtype)
    params = [p.data.copy() for p in model.parameters()]
    opt = nn.optim.SGD(model.parameters(), lr=lr)
    xt = am.tensor(x)

    def library() -> float:
        return _ce_step(model, opt, xt, y)

    def reference() -> float:
        return cnn.cnn_step(params, x, y, lr)[0]

    lib_loss = library()
    lib_grads = [p.grad.numpy().copy() for p in model.parameters()]
    ref_loss, ref_grads = cnn.cnn_step(params, x, y, lr)
    verified = _check(lib_loss, ref_loss, lib_grads, ref_grads, dtype)
    out = compare(library, reference, steps, repeats)
    out["verified"] = verified
    out["graph_ops"] = len(am.autograd.topological_order(nn.functional.cross_entropy(model(xt), y)))
    return out
