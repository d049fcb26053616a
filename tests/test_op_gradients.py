"""Every registered op's gradient against central finite differences in float64.

Driven by the registry: a new op without check cases (written in ``checking.cases.SPECS``
or generated from the ``domain`` of its entry) fails
``test_every_op_has_a_spec``. Each case is checked three ways by the library's one
gradient checker (:func:`autograd_mini.checking.check.check_case`): the full per-entry
gradient after a random projection of the output, the second derivative through
``create_graph=True`` (the same VJP rule run on Tensors), and float32 consistency.
"""

from __future__ import annotations

import numpy as np
import pytest
import reliability_record as record

import autograd_mini as am
from autograd_mini.checking.cases import SPECS, all_cases, cases_for
from autograd_mini.checking.check import case_inputs, check_case
from autograd_mini.ops import REGISTRY

CASES = all_cases()
IDS = [f"{name}[{c.label or i}]" for name, i, c in CASES]


def test_every_op_has_a_spec():
    missing = sorted(name for name in REGISTRY if not cases_for(name))
    assert not missing, f"ops without check cases (SPECS or a domain in the entry): {missing}"
    unknown = sorted(set(SPECS) - set(REGISTRY))
    assert not unknown, f"specs for unregistered ops: {unknown}"


def _inputs(c, seed):
    return case_inputs(c, seed)


@pytest.mark.parametrize(("name", "index", "c"), CASES, ids=IDS)
def test_gradient_matches_finite_differences(name, index, c):
    report = check_case(name, c, index)  # raises if the case does not run the op
    assert report.ok, str(report)
    arrays = _inputs(c, seed=index)
    xs = [am.tensor(a, requires_grad=True) for a in arrays]
    c.fn(*xs).sum().backward()
    for i, x in enumerate(xs):
        assert x.grad is not None, f"{name}: no gradient for input {i}"
        assert x.grad.shape == x.shape
        assert x.grad.dtype == np.float64
    record.count("op_cases_first_order")
    record.count("gradient_entries_checked", sum(a.size for a in arrays))
    record.OPS.add(name)


@pytest.mark.parametrize(("name", "index", "c"), CASES, ids=IDS)
def test_second_derivative_matches_finite_differences(name, index, c):
    """d/dx ⟨v, ∇L(x)⟩ by create_graph AD equals finite differences of the AD gradient."""
    report = check_case(name, c, index, order=2)
    assert report.ok, str(report)
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
