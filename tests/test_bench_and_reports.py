"""The benchmark's honesty check and the generated pages (figures are not typed by hand)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import handwritten, workloads  # noqa: E402
from bench.__main__ import render as render_performance  # noqa: E402
from tools.reliability_report import render as render_reliability  # noqa: E402


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_library_step_equals_hand_written_backprop(dtype):
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((16, 8)), rng.integers(0, 3, 16)
    result = workloads.mlp_ce([8, 12, 3], x, y, dtype, steps=1, repeats=1)
    assert result["verified"] and result["ratio"] > 0
    assert result["graph_ops"] == 4  # linear, relu, linear, softmax_cross_entropy


def test_hinge_workload_and_chains_agree_with_hand_written():
    assert workloads.moons_hinge(np.float64, steps=1, repeats=1)["verified"]
    assert workloads.elementwise_chain(np.float64, 30, repeats=1)["verified"]
    g = handwritten.mul_add_chain(np.ones(2), 10, 2.0, 1.0)
    np.testing.assert_allclose(g, 2.0**5)


def test_a_wrong_library_gradient_voids_the_benchmark():
    lib = [np.ones(3)]
    with pytest.raises(AssertionError, match="void"):
        workloads._check(1.0, 1.0, lib, [np.zeros(3)], np.float64)


def _config(ratio: float) -> dict:
    timing = {"library_s": 2e-3 * ratio, "library_min_s": 1e-3, "library_max_s": 3e-3,
              "reference_s": 2e-3, "reference_min_s": 1e-3, "reference_max_s": 3e-3,
              "ratio": ratio, "verified": True, "graph_ops": 6}
    w2 = dict(timing, library_gflops=10.0, reference_gflops=11.0, bare_matmul_gflops=40.0)
    w3 = dict(timing, us_per_op=2.5, reference_us_per_op=1.1)
    return {"workloads": {"W1_batch64": timing, "W1_full": timing, "W2": w2, "W3": w3, "W5": timing,
                          "peak_rss_mb_W1_W2": 150.0}, "blas": [{"internal_api": "openblas"}]}


def test_performance_page_states_targets_and_misses():
    results = {"date": "today", "cpu": "cpu", "python": "3", "numpy": "2",
               "configs": {"float32/1": _config(1.5), "float64/1": _config(1.2)}}
    page = render_performance(results)
    assert "| W1 digits MLP 64-128-64-10, batch 64 (per step) |" in page
    assert "**missed by 0.20**" in page  # 1.5 against 1.3
    assert "1.50×" in page and "float64, 1 thread(s)" in page


def test_the_deep_chain_section_shows_the_garbage_collectors_share():
    config = _config(1.5)
    run = {"forward_s": 3.0, "backward_s": 2.0, "total_s": 5.0, "peak_rss_mb": 550.0}
    off = {"forward_s": 1.2, "backward_s": 1.3, "total_s": 2.5, "peak_rss_mb": 550.0}
    ref = {"forward_s": 0.0, "backward_s": 0.0, "total_s": 1.0, "peak_rss_mb": 190.0}
    config["W4"] = [{"ops": 1_000_000, "library": run, "library_gc_off": off, "reference": ref,
                     "ratio": 5.0, "verified": True}]
    page = render_performance({"date": "today", "cpu": "cpu", "python": "3", "numpy": "2",
                               "configs": {"float32/1": config}})
    row = "| 1,000,000 | 3.000 s | 2.000 s | 550 MB | 1.000 s, 190 MB | 5.00× | 1.200 s + 1.300 s | 2.50× |"
    assert row in page
    assert "takes 2.50 s (2.50× the hand-written one): 50% of the library's time" in page


def test_reliability_page_is_made_from_the_recorded_figures(tmp_path):
    data = {"counts": {"op_cases_first_order": 221, "fuzz_programs": 300, "bad_inputs": 25},
            "values": {"soak_steps": 20000, "soak_rss_growth_mb": 0.5}, "ops": ["add", "mul"],
            "tests_collected": 900, "tests_failed": 0, "python": "3.11", "numpy": "2", "machine": "x"}
    page = render_reliability(data)
    assert "| op cases (op × shapes, broadcast pairs, axes, indices), first order | 221 |" in page
    assert "| training steps of a small MLP | 20000 |" in page and "zero wrong gradients" in page
    (tmp_path / "r.json").write_text(json.dumps(dict(data, tests_failed=2)))
    assert "2 test(s) FAILED" in render_reliability(json.loads((tmp_path / "r.json").read_text()))
