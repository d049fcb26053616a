"""The seeds' four-weight chain (002_*.txt), derived by hand once for every test that needs it.

y = x·w1·w2·w3·w4 with x = 2, target y* = 1, J = ½(y - y*)². The seed's d-chain:
d4 = y - y*, d3 = d4 w4, d2 = d3 w3, d1 = d2 w2, and dJ/dw4 = d4 z3, dJ/dw3 = d3 z2,
dJ/dw2 = d2 z1, dJ/dw1 = d1 x.
"""

from __future__ import annotations

X, TARGET = 2.0, 1.0  # the seeds' input and target


def d_chain(w1: float, w2: float, w3: float, w4: float) -> dict[str, tuple[float, ...]]:
    """Hidden values z, the d-chain and the four gradients, as the seed writes them."""
    z1 = X * w1
    z2 = z1 * w2
    z3 = z2 * w3
    y = z3 * w4
    d4 = y - TARGET
    d3 = d4 * w4
    d2 = d3 * w3
    d1 = d2 * w2
    return {"z": (z1, z2, z3), "d": (d1, d2, d3, d4), "grads": (d1 * X, d2 * z1, d3 * z2, d4 * z3)}
