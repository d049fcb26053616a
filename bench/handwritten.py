"""Hand-written NumPy chains of elementwise ops: the floor of workloads W3 and W4.

The hand-written backpropagation of the MLP workloads (W1, W2, W5) is shared with the demo
and the tests: it lives in :mod:`autograd_mini.examples.handwritten`. These chains stay
here, importing only NumPy, so the W4 reference process does not load the library.
"""

from __future__ import annotations

import numpy as np


def elementwise_chain(x: np.ndarray, n_ops: int, a: float, b: float) -> np.ndarray:
    """Forward and backward of y ← tanh(a·y + b), repeated (three ops each): returns dy/dx."""
    saved = []
    y = x
    for _ in range(n_ops // 3):
        t = np.tanh(y * a + b)
        saved.append(t)
        y = t
    g = np.ones_like(x)
    for t in reversed(saved):
        g = g * (1.0 - t * t)
        g = g * a
    return g


def mul_add_chain(x: np.ndarray, n_ops: int, a: float, b: float) -> np.ndarray:
    """Forward and backward of y ← y·a + b, repeated (two ops each): returns dy/dx."""
    y = x
    saved = []
    for _ in range(n_ops // 2):
        saved.append(y)
        y = y * a + b
    g = np.ones_like(x)
    for _ in reversed(saved):
        g = g * a
    return g
