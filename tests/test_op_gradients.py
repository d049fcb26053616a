"""Every registered op's gradient against central finite differences in float64.

Driven by the registry: a new op without a spec in ``op_specs.SPECS`` fails
``test_every_op_has_a_spec``. Each case is checked three ways: the full per-entry
gradient after a random projection of the output, the second derivative through
``create_graph=True`` (the same VJP rule run on Tensors), and float32 consistency.
"""

from __future__ import annotations

import numpy as np
import pytest
import reliability_record as record

import autograd_mini as am
from autograd_mini.ops import REGISTRY
from autograd_mini.ops.specs import SPECS, all_cases

CASES = all_cases()
IDS = [f"{name}[{c.label or i}]" for name, i, c in CASES]


def test_every_op_has_a_spec():
    missing = sorted(set(REGISTRY) - set(SPECS))
    assert not missing, f"ops without a gradient-check spec: {missing}"
    unknown = sorted(set(SPECS) - set(REGISTRY))
    assert not unknown, f"specs for unregistered ops: {unknown}"


def _inputs(c, seed):
    rng = np.random.default_rng(seed)
    return [make(rng) for make in c.makers]


def _projected(c, weights_seed=123):
    """Scalar L = Σ w ⊙ f(x) with fixed random weights, so every output entry matters."""
    cache = {}

    def loss(*xs):
        out = c.fn(*xs)
        if "w" not in cache:
            cache["w"] = np.random.default_rng(weights_seed).standard_normal(out.shape)
        return (out * cache["w"]).sum()

    return loss


def _op_appears(name, root):
    return any(node.name == name for node in am.autograd.topological_order(root))


@pytest.mark.parametrize(("name", "index", "c"), CASES, ids=IDS)
def test_gradient_matches_finite_differences(name, index, c):
    arrays = _inputs(c, seed=index)
    loss = _projected(c)
    xs = [am.tensor(a, requires_grad=True) for a in arrays]
    out = loss(*xs)
    assert _op_appears(name, out), f"case does not exercise {name}"
    out.backward()
    numeric = am.numerical_grad(loss, *arrays)
    for i, (x, num) in enumerate(zip(xs, numeric)):
        assert x.grad is not None, f"{name}: no gradient for input {i}"
        assert x.grad.shape == x.shape
        assert x.grad.dtype == np.float64
        np.testing.assert_allclose(x.grad.numpy(), num, rtol=1e-5, atol=1e-7, err_msg=f"{name} input {i}")
    record.count("op_cases_first_order")
    record.count("gradient_entries_checked", sum(a.size for a in arrays))
    record.OPS.add(name)


@pytest.mark.parametrize(("name", "index", "c"), CASES, ids=IDS)
def test_second_derivative_matches_finite_differences(name, index, c):
    """d/dx ⟨v, ∇L(x)⟩ by create_graph AD equals finite differences of the AD gradient."""
    arrays = _inputs(c, seed=index)
    loss = _projected(c)
    rng = np.random.default_rng(7)
    directions = [rng.standard_normal(a.shape) for a in arrays]

    def directional_grad(*xs):
        with am.enable_grad():
            leaves = [am.tensor(x.numpy(), requires_grad=True) for x in xs]
            grads = am.autograd.grad(loss(*leaves), leaves, create_graph=True)
            total = sum((g * v).sum() for g, v in zip(grads, directions))
        return total, leaves

    xs = [am.tensor(a, requires_grad=True) for a in arrays]
    total, leaves = directional_grad(*xs)
    if not total.requires_grad:  # the gradient does not depend on x (linear op)
        second = [np.zeros_like(a) for a in arrays]
    else:
        second = [
            g.numpy() if g is not None else np.zeros_like(a)
            for g, a in zip(am.autograd.grad(total, leaves, allow_unused=True), arrays)
        ]
    numeric = am.numerical_grad(lambda *t: directional_grad(*t)[0], *arrays, eps=1e-5)
    for i, (s, num) in enumerate(zip(second, numeric)):
        np.testing.assert_allclose(s, num, rtol=1e-4, atol=1e-6, err_msg=f"{name} input {i}")
    record.count("op_cases_second_order")


@pytest.mark.parametrize(("name", "index", "c"), CASES, ids=IDS)
def test_float32_stays_float32(name, index, c):
    arrays = [a.astype(np.float32) for a in _inputs(c, seed=index)]
    xs = [am.tensor(a, requires_grad=True) for a in arrays]
    out = c.fn(*xs)
    assert out.dtype == np.float32, f"{name} forward promoted to {out.dtype}"
    (out * 1.5).sum().backward()
    for x in xs:
        assert x.grad is not None and x.grad.dtype == np.float32
    # the float32 gradient agrees with the float64 one
    xs64 = [am.tensor(a.astype(np.float64), requires_grad=True) for a in arrays]
    (c.fn(*xs64) * 1.5).sum().backward()
    for x32, x64 in zip(xs, xs64):
        np.testing.assert_allclose(x32.grad.numpy(), x64.grad.numpy(), rtol=2e-3, atol=2e-4)
    record.count("op_cases_float32")
