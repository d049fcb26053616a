"""Run the timed workloads for one configuration (threads, dtype) and print JSON.

Started by ``python -m bench`` in a fresh process per configuration, with the BLAS
thread count pinned through the environment before NumPy is imported.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import sys
from typing import Any

import numpy as np

from . import traced, workloads


def digits() -> tuple[np.ndarray, np.ndarray]:
    import autograd_mini as am

    return am.data.load_digits()


def run(dtype_name: str, quick: bool) -> dict[str, Any]:
    dtype = np.dtype(dtype_name)
    reps = 5 if quick else 15
    x, y = digits()
    rng = np.random.default_rng(0)
    batch = rng.choice(len(x), 64, replace=False)
    out: dict[str, Any] = {}
    out["W1_batch64"] = workloads.mlp_ce([64, 128, 64, 10], x[batch], y[batch], dtype, 50, reps)
    out["W1_full"] = workloads.mlp_ce([64, 128, 64, 10], x, y, dtype, 5, reps)
    xb = rng.standard_normal((256, 784))
    yb = rng.integers(0, 10, 256)
    w2 = workloads.mlp_ce([784, 1024, 1024, 10], xb, yb, dtype, 2, max(3, reps // 3))
    flops = 6.0 * 256 * (784 * 1024 + 1024 * 1024 + 1024 * 10)
    w2["library_gflops"] = flops / w2["library_s"] / 1e9
    w2["reference_gflops"] = flops / w2["reference_s"] / 1e9
    w2["bare_matmul_gflops"] = workloads.matmul_gflops(256, 1024, 1024, dtype)
    w2["optimizer"] = workloads.optimizer_update([784, 1024, 1024, 10], dtype, 5, max(3, reps // 3))
    out["W2"] = w2
    out["W3"] = workloads.elementwise_chain(dtype, 999, reps * 4)
    out["W5"] = workloads.moons_hinge(dtype, 20, reps)
    out["traced"] = traced.run(x, y, batch, dtype, reps)  # eager and traced side by side (issue 16)
    out["W8"] = workloads.cnn_digits(x[batch], y[batch], dtype, 20, reps)
    out["W7"] = workloads.jacobian_modes(dtype, reps)
    out["peak_rss_mb_W1_W2"] = workloads.peak_rss_mb()
    return out


def profile_w1(dtype_name: str) -> str:
    """The top of a cProfile of W1 (batch 64): where the library's time goes."""
    import autograd_mini as am
    from autograd_mini import nn

    x, y = digits()
    batch = np.random.default_rng(0).choice(len(x), 64, replace=False)
    dtype = np.dtype(dtype_name)
    model = nn.MLP([64, 128, 64, 10], seed=0, dtype=dtype)
    opt = nn.optim.SGD(model.parameters(), lr=0.01)
    xt, yb = am.tensor(x[batch].astype(dtype)), y[batch]
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(200):  # the library's step only
        loss = nn.functional.cross_entropy(model(xt), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
    profiler.disable()
    buf = io.StringIO()
    stats = pstats.Stats(profiler, stream=buf).strip_dirs().sort_stats("tottime")
    stats.print_stats(14)
    text = buf.getvalue()
    return text[text.find("ncalls"):].rstrip()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dtype", default="float32")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--extras", action="store_true", help="also W4, W6 and the profile")
    args = parser.parse_args()
    result: dict[str, Any] = {"workloads": run(args.dtype, args.quick)}
    if args.extras:
        root = sys.path[0] or "."
        sizes = [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000]
        result["W4"] = [workloads.deep_chain(n, root) for n in sizes]
        x, y = digits()
        batch = np.random.default_rng(0).choice(len(x), 64, replace=False)
        result["W6"] = workloads.memory_growth(x[batch], y[batch], np.dtype(args.dtype), 2000)
        result["profile_W1"] = profile_w1(args.dtype)
    from threadpoolctl import threadpool_info

    result["blas"] = [b for b in threadpool_info() if b.get("user_api") == "blas"]
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
