"""Property-based checks of the function transforms against each other.

The elementwise maps grow at most linearly, so compositions stay finite.

Random smooth functions (a random matrix, then 2 to 5 random elementwise maps, another
random matrix, optional reductions) on random shapes: ``jvp`` equals ``J v``, ``vjp``
equals ``uᵀ J``, ``hvp`` equals ``H v``, the Hessian is symmetric and equals the
Jacobian of the gradient, and ``grad`` equals the Jacobian of a scalar function.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import reliability_record as record
from hypothesis import given, note, settings
from hypothesis import strategies as st

import autograd_mini as am

SMOOTH: dict[str, Callable[[am.Tensor], am.Tensor]] = {
    "tanh": am.tanh,
    "sigmoid": am.sigmoid,
    "sin": am.sin,
    "softplus": am.softplus,
    "v²/(1+v²)": lambda v: v * v / (1.0 + v * v),
    "exp(tanh v)": lambda v: am.exp(am.tanh(v)),
    "sqrt(v²+1)": lambda v: am.sqrt(v * v + 1.0),
}


@st.composite
def smooth_functions(draw: Any) -> tuple[str, tuple[int, ...], int, Callable[[am.Tensor], am.Tensor], int]:
    in_shape = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=2)))
    n_in = int(np.prod(in_shape))
    hidden = draw(st.integers(1, 4))
    n_out = draw(st.integers(1, 3))
    names = draw(st.lists(st.sampled_from(sorted(SMOOTH)), min_size=2, max_size=5))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((n_in, hidden)) * 0.7
    b = rng.standard_normal((hidden, n_out)) * 0.7

    def f(x: am.Tensor) -> am.Tensor:
        v = x.reshape(-1) @ a
        for name in names:
            v = SMOOTH[name](v)
        return v @ b

    text = f"x{in_shape} -> @A -> {' -> '.join(names)} -> @B -> ({n_out},)"
    return text, in_shape, n_out, f, seed


@settings(max_examples=100, deadline=None)
@given(spec=smooth_functions())
def test_transforms_agree(spec):
    text, in_shape, n_out, f, seed = spec
    note(text)
    rng = np.random.default_rng(seed + 1)
    x = rng.uniform(-1.0, 1.0, in_shape)
    v = rng.standard_normal(in_shape)
    u = rng.standard_normal((n_out,))

    jac = am.jacobian(f)(x)
    assert jac.shape == (n_out, *in_shape)
    flat_j = jac.reshape(n_out, -1)

    out, tangent = am.jvp(f, (x,), (v,))
    np.testing.assert_allclose(tangent, flat_j @ v.reshape(-1), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(out, f(am.tensor(x)).numpy())

    _, vjp_fn = am.vjp(f, x)
    np.testing.assert_allclose(vjp_fn(u).reshape(-1), u @ flat_j, rtol=1e-8, atol=1e-10)

    # scalar function g = ⟨u, f(x)⟩: gradient, Hessian, Hessian-vector product
    def g(t: am.Tensor) -> am.Tensor:
        return (f(t) * u).sum()

    grad = am.grad(g)(x)
    np.testing.assert_allclose(grad.reshape(-1), u @ flat_j, rtol=1e-8, atol=1e-10)
    hess = am.hessian(g)(x)
    n = int(np.prod(in_shape))
    flat_h = hess.reshape(n, n)
    np.testing.assert_allclose(flat_h, flat_h.T, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(flat_h, am.jacobian(am.grad(g))(x).reshape(n, n), rtol=1e-8, atol=1e-10)
    _, hv = am.hvp(g, (x,), (v,))
    np.testing.assert_allclose(np.reshape(hv, -1), flat_h @ v.reshape(-1), rtol=1e-7, atol=1e-9)
    # and the Hessian against finite differences of the AD gradient
    (numeric,) = am.numerical_grad(lambda t: (am.grad(g)(t.numpy()) * v).sum(), x, eps=1e-5)
    np.testing.assert_allclose(numeric.reshape(-1), flat_h @ v.reshape(-1), rtol=1e-5, atol=1e-7)
    record.count("fuzz_transform_functions")
