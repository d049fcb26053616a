"""Shared test fixtures: float64 default dtype and a deterministic RNG per test."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am


@pytest.fixture(autouse=True)
def _default_dtype_float64():
    am.set_default_dtype(np.float64)
    yield
    am.set_default_dtype(np.float64)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)
