"""W8, the digits CNN workload (issue 15): the hand-written im2col step agrees with the library."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import autograd_mini as am
from bench import cnn, workloads
from bench.__main__ import render


def test_the_hand_written_cnn_step_matches_the_library_and_is_timed():
    x, y = am.data.load_digits()
    batch = np.random.default_rng(0).choice(len(x), 64, replace=False)
    for dtype in (np.float64, np.float32):
        result = workloads.cnn_digits(x[batch], y[batch], dtype, steps=1, repeats=1)
        assert result["verified"] and result["ratio"] > 0 and result["graph_ops"] == 9


def test_the_hand_written_pooling_sends_the_gradient_to_the_first_maximum():
    a = np.zeros((1, 2, 2, 1))
    a[0, 1, 1, 0] = 3.0  # one window; the maximum is its last entry
    pooled, arg = cnn._pool(a)
    assert pooled[0, 0, 0, 0] == 3.0 and arg[0, 0, 0, 0] == 3
    np.testing.assert_array_equal(cnn._unpool(np.ones((1, 1, 1, 1)), arg)[0, :, :, 0], [[0, 0], [0, 1]])
    _, tie = cnn._pool(np.ones((1, 2, 2, 1)))
    assert tie[0, 0, 0, 0] == 0


def test_the_performance_page_shows_w8_when_measured():
    timing = {
        "library_s": 3e-3,
        "library_min_s": 1e-3,
        "library_max_s": 4e-3,
        "reference_s": 2e-3,
        "reference_min_s": 1e-3,
        "reference_max_s": 3e-3,
        "ratio": 1.5,
        "verified": True,
        "graph_ops": 9,
    }
    w2 = dict(timing, library_gflops=10.0, reference_gflops=11.0, bare_matmul_gflops=40.0)
    w3 = dict(timing, us_per_op=2.5, reference_us_per_op=1.1)
    config = {
        "workloads": {
            "W1_batch64": timing,
            "W1_full": timing,
            "W2": w2,
            "W3": w3,
            "W5": timing,
            "W8": dict(timing, ratio=1.4),
            "peak_rss_mb_W1_W2": 150.0,
        },
        "blas": [{"internal_api": "openblas"}],
    }
    page = render(
        {"date": "today", "cpu": "cpu", "python": "3", "numpy": "2", "configs": {"float32/1": config}}
    )
    assert "| W8 digits CNN conv-pool-conv-pool-linear, batch 64, vs im2col (per step) |" in page
    assert "1.40× | ≤ 1.5× | met |" in page
