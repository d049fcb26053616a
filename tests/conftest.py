"""Shared test fixtures: float64 default dtype and a deterministic RNG per test."""

from __future__ import annotations

import json
import os
import platform

import numpy as np
import pytest
from hypothesis import settings

import autograd_mini as am

# CI runs the property-based tests with a fixed seed, so a submission's result does not
# depend on luck; local runs draw new examples every time to keep exploring.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _default_dtype_float64():
    am.set_default_dtype(np.float64)
    yield
    am.set_default_dtype(np.float64)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


def pytest_sessionfinish(session, exitstatus):
    """With AM_RELIABILITY_JSON set, write the recorded figures for docs/reliability.md."""
    path = os.environ.get("AM_RELIABILITY_JSON")
    if not path:
        return
    import reliability_record as rec

    data = {
        "counts": dict(rec.COUNTS),
        "values": rec.VALUES,
        "ops": sorted(rec.OPS),
        "tests_collected": session.testscollected,
        "tests_failed": session.testsfailed,
        "exitstatus": int(exitstatus),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "machine": platform.machine(),
    }
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, sort_keys=True)
