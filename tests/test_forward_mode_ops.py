"""Every op of the table has a forward-mode rule (JVP), checked like its VJP.

Driven by the VJP's own check cases (``checking.cases.all_cases``), so an op added to the
table is covered here with no new line: its JVP is checked in float64

- against central finite differences along a random tangent,
- against its VJP through the dot-product identity ``⟨w, J v⟩ = ⟨Jᵀ w, v⟩`` (to 1e-10
  relative), so the two rules of an op can never drift apart,
- and one order up: the Hessian-vector product of ``⟨w, f(x)⟩`` by forward over reverse,
  reverse over forward and reverse over reverse agree (tangents are differentiable, and
  forward mode runs through every op's VJP).

``test_every_op_has_a_jvp`` names any op whose entry has no ``jvp=``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.checking.cases import all_cases
from autograd_mini.checking.check import case_inputs
from autograd_mini.core import forward
from autograd_mini.ops import REGISTRY

CASES = all_cases()
IDS = [f"{name}[{c.label or i}]" for name, i, c in CASES]
KINDS = ("elementwise", "linear", "bilinear")
EPS = 1e-6
DOT_RTOL = 1e-10


def test_every_op_has_a_jvp():
    missing = sorted(name for name, op in REGISTRY.items() if op.jvp is None)
    assert not missing, (
        f"ops without a forward-mode rule: {missing}. Set jvp= in each entry: 'elementwise' "
        f"(diagonal Jacobian: the VJP with the tangent), 'linear' (the op applied to the "
        f"tangents), 'bilinear' (Σᵢ the op with input i replaced by its tangent), or a "
        f"function jvp(tangents, ans, *inputs, **params)"
    )
    unknown = sorted(
        name for name, op in REGISTRY.items() if not callable(op.jvp) and op.jvp not in (*KINDS, None)
    )
    assert not unknown, f"ops with an unknown jvp kind: {unknown}"


def _need_jvp(name: str) -> None:
    if REGISTRY[name].jvp is None:
        pytest.fail(f"'{name}' has no forward-mode rule (jvp= in its entry)")


def _tangents(arrays: Sequence[np.ndarray], seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(10_000 + seed)
    return [rng.standard_normal(np.shape(a)) for a in arrays]


def _value(fn: Callable[..., Any], arrays: Sequence[np.ndarray]) -> np.ndarray:
    out = fn(*[am.tensor(a) for a in arrays])
    return np.asarray(out.numpy(), dtype=np.float64)


def _ops_on_tape(fn: Callable[..., Any], arrays: Sequence[np.ndarray]) -> set[str]:
    """The ops a forward-mode pass through ``fn`` differentiates (recorded, not computed)."""
    tape: forward.Tape = []
    with forward.dual_level(tape) as level:
        duals = [forward.make_dual(am.tensor(a), forward.RECORDED, level) for a in arrays]
        fn(*duals)
    return {op.name for op, _, _, _ in tape}


@pytest.mark.parametrize(("name", "index", "c"), CASES, ids=IDS)
def test_jvp_matches_finite_differences(name, index, c):
    _need_jvp(name)
    arrays = case_inputs(c, index)
    assert name in _ops_on_tape(c.fn, arrays), f"case {c.label or index} never runs {name} in forward mode"
    vs = _tangents(arrays, index)
    out, jv = am.jvp(c.fn, tuple(arrays), tuple(vs))
    np.testing.assert_allclose(out, _value(c.fn, arrays), rtol=1e-14, atol=0)
    plus = _value(c.fn, [a + EPS * v for a, v in zip(arrays, vs)])
    minus = _value(c.fn, [a - EPS * v for a, v in zip(arrays, vs)])
    numeric = (plus - minus) / (2 * EPS)
    assert np.shape(jv) == np.shape(out)
    np.testing.assert_allclose(jv, numeric, rtol=1e-5, atol=1e-7, err_msg=f"{name}: JVP vs differences")


@pytest.mark.parametrize(("name", "index", "c"), CASES, ids=IDS)
def test_jvp_and_vjp_are_transposes(name, index, c):
    """⟨w, J v⟩ = ⟨Jᵀ w, v⟩ between the op's JVP and its VJP, to 1e-10 relative."""
    _need_jvp(name)
    arrays = case_inputs(c, index)
    vs = _tangents(arrays, index)
    out, jv = am.jvp(c.fn, tuple(arrays), tuple(vs))
    w = np.random.default_rng(20_000 + index).standard_normal(np.shape(out))
    _, vjp_fn = am.vjp(c.fn, *arrays)
    pulled = vjp_fn(w)
    pulled = (pulled,) if len(arrays) == 1 else pulled
    lhs_terms = np.asarray(w * jv)
    rhs_terms = [np.asarray(g) * v for g, v in zip(pulled, vs)]
    lhs = float(np.sum(lhs_terms))
    rhs = float(sum(np.sum(t) for t in rhs_terms))
    # the rounding of both sums scales with the sums of magnitudes, not with the result
    scale = float(np.sum(np.abs(lhs_terms)) + sum(np.sum(np.abs(t)) for t in rhs_terms))
    assert abs(lhs - rhs) <= DOT_RTOL * max(scale, 1e-300), (
        f"{name}: ⟨w, J v⟩ = {lhs!r} but ⟨Jᵀ w, v⟩ = {rhs!r} (difference {abs(lhs - rhs):.3g}, "
        f"scale {scale:.3g}): the JVP and the VJP of '{name}' disagree"
    )


@pytest.mark.parametrize(("name", "index", "c"), CASES, ids=IDS)
def test_second_order_forward_and_reverse_agree(name, index, c):
    """H v of L(x) = ⟨w, f(x)⟩ three ways: forward/reverse, reverse/forward, reverse/reverse."""
    _need_jvp(name)
    arrays = case_inputs(c, index)
    vs = _tangents(arrays, index)
    n = len(arrays)
    w = np.random.default_rng(20_000 + index).standard_normal(np.shape(_value(c.fn, arrays)))

    def loss(*xs):
        return (c.fn(*xs) * w).sum()

    _, forward_over_reverse = am.hvp(loss, tuple(arrays), tuple(vs))

    def directional(*xs):
        return (am.jvp(c.fn, xs, tuple(vs))[1] * w).sum()

    reverse_over_forward = am.grad(directional, argnums=0 if n == 1 else tuple(range(n)))(*arrays)

    xs = [am.tensor(a, requires_grad=True) for a in arrays]
    grads = am.autograd.grad(loss(*xs), xs, create_graph=True, allow_unused=True)
    terms = [(g * v).sum() for g, v in zip(grads, vs) if g is not None and g.requires_grad]
    if terms:
        total = terms[0]
        for t in terms[1:]:
            total = total + t
        second = am.autograd.grad(total, xs, allow_unused=True)
        reverse_over_reverse = [np.zeros_like(a) if s is None else s.numpy() for a, s in zip(arrays, second)]
    else:
        reverse_over_reverse = [np.zeros_like(a) for a in arrays]

    fo_r = [forward_over_reverse] if n == 1 else list(forward_over_reverse)
    ro_f = [reverse_over_forward] if n == 1 else list(reverse_over_forward)
    for i in range(n):
        scale = 1.0 + float(np.max(np.abs(reverse_over_reverse[i]), initial=0.0))
        np.testing.assert_allclose(fo_r[i], reverse_over_reverse[i], rtol=1e-9, atol=1e-11 * scale,
                                   err_msg=f"{name} input {i}: forward over reverse vs reverse over reverse")
        np.testing.assert_allclose(ro_f[i], reverse_over_reverse[i], rtol=1e-9, atol=1e-11 * scale,
                                   err_msg=f"{name} input {i}: reverse over forward vs reverse over reverse")
