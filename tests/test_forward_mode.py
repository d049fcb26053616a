"""Forward mode: the machinery, the user API, composition with reverse mode, custom ops, the ledger.

The per-op rules are checked in ``test_forward_mode_ops.py``; here: ``am.jvp`` keeps no
graph (no node, flat memory along a 10⁵-op chain), dual tensors and nested levels,
``jacfwd``/``jacrev``/``linearize``/``hessian``/``hvp`` against each other and against
hand-derived values, every composition with reverse mode, ``no_grad``, custom ops'
``defjvp`` and its check, the errors, the forward ledger, and random op programs in both
modes.
"""

from __future__ import annotations

import sys
import tracemalloc
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import forward_ad as fwad
from autograd_mini.core.node import Node
from autograd_mini.core.op import Op

# ---------------------------------------------------------------- no graph, flat memory


def _chain(n_ops: int) -> Callable[[am.Tensor], am.Tensor]:
    def f(x: am.Tensor) -> am.Tensor:
        y = x
        for _ in range(n_ops // 2):
            y = y * 1.0001 + 0.0001
        return y

    return f


def test_jvp_builds_no_graph_along_a_long_chain(monkeypatch):
    made = []

    class CountingNode(Node):
        def __init__(self, *args, **kwargs):
            made.append(1)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(sys.modules["autograd_mini.tensor"], "Node", CountingNode)
    n = 100_000
    _, tangent = am.jvp(_chain(n), (np.full(4, 0.5),), (np.ones(4),))
    assert not made, f"am.jvp created {len(made)} graph nodes"
    # y ↦ 1.0001 y + 0.0001, n/2 times: the tangent is 1.0001^(n/2)
    np.testing.assert_allclose(tangent, np.full(4, 1.0001 ** (n // 2)), rtol=1e-9)
    # the counter itself works: reverse mode on a short chain makes one node per op
    x = am.tensor(np.ones(2), requires_grad=True)
    _chain(10)(x)
    assert len(made) == 10


def test_jvp_memory_does_not_grow_with_depth():
    f_short, f_long = _chain(1_000), _chain(100_000)
    primal, tangent = (np.full(4, 0.5),), (np.ones(4),)
    am.jvp(f_short, primal, tangent)  # warm caches
    peaks = {}
    tracemalloc.start()
    try:
        for name, f in (("short", f_short), ("long", f_long)):
            tracemalloc.reset_peak()
            base = tracemalloc.get_traced_memory()[0]
            am.jvp(f, primal, tangent)
            peaks[name] = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        x = am.tensor(np.full(4, 0.5), requires_grad=True)
        y = _chain(10_000)(x)  # reverse mode keeps every op: its memory grows with depth
        reverse_peak = tracemalloc.get_traced_memory()[1] - base
        del x, y
    finally:
        tracemalloc.stop()
    assert peaks["long"] < 64 * 1024, peaks
    assert abs(peaks["long"] - peaks["short"]) < 8 * 1024, peaks  # 100× deeper, same memory
    assert reverse_peak > 20 * peaks["long"], (reverse_peak, peaks)


def test_tangents_are_arrays_on_the_fast_path():
    with fwad.dual_level() as level:
        x = fwad.make_dual(np.array([1.0, 2.0]), np.array([1.0, 0.0]))
        y = am.exp(x) * 2.0
        assert y.grad_fn is None and not y.requires_grad
        assert isinstance(y._tangents[level], np.ndarray)


# ---------------------------------------------------------------- dual tensors


def test_make_dual_and_unpack_dual():
    with fwad.dual_level():
        x = fwad.make_dual(np.array([0.0, 1.0]), np.array([2.0, 3.0]))
        y = am.sin(x) * x
        primal, tangent = fwad.unpack_dual(y)
        # ẏ = (cos x · x + sin x) · ẋ
        want = (np.cos([0.0, 1.0]) * [0.0, 1.0] + np.sin([0.0, 1.0])) * [2.0, 3.0]
        np.testing.assert_allclose(tangent.numpy(), want, rtol=1e-15)
        np.testing.assert_allclose(primal.numpy(), np.sin([0.0, 1.0]) * [0.0, 1.0])
        assert fwad.unpack_dual(primal).tangent is None
        assert fwad.unpack_dual(am.tensor(1.0)).tangent is None
    # outside the level the tangent is gone
    assert fwad.unpack_dual(y).tangent is None
    assert fwad.unpack_dual(y).primal is y


def test_make_dual_errors_name_the_fix():
    with pytest.raises(RuntimeError, match=r"no dual level is open.*dual_level\(\)"):
        fwad.make_dual(np.ones(2), np.ones(2))
    with fwad.dual_level():
        with pytest.raises(ValueError, match=r"tangent has shape \(3,\) but the tensor has shape \(2,\)"):
            fwad.make_dual(np.ones(2), np.ones(3))
        with pytest.raises(TypeError, match=r"floating-point"):
            fwad.make_dual(np.array([1, 2]), np.ones(2))


def test_nested_levels_give_second_derivatives_without_confusion():
    # d/dx [x · d/dy (x y)] at y = x: the inner derivative is x, so the outer one is 2x
    # (perturbation confusion would mix the two levels and give something else)
    x0 = 1.5
    with fwad.dual_level() as outer:
        x = fwad.make_dual(am.tensor(x0), am.tensor(1.0), level=outer)
        with fwad.dual_level() as inner:
            y = fwad.make_dual(x, am.tensor(1.0), level=inner)
            inner_tangent = fwad.unpack_dual(x * y, level=inner).tangent
        result = x * inner_tangent
        assert float(fwad.unpack_dual(result, level=outer).tangent) == pytest.approx(2 * x0)
    # forward over forward: the second derivative of sin
    with fwad.dual_level() as outer:
        x = fwad.make_dual(am.tensor(0.3), am.tensor(1.0), level=outer)
        with fwad.dual_level() as inner:
            xx = fwad.make_dual(x, am.tensor(1.0), level=inner)
            d1 = fwad.unpack_dual(am.sin(xx), level=inner).tangent
        d2 = fwad.unpack_dual(d1, level=outer).tangent
    assert float(d1) == pytest.approx(np.cos(0.3), rel=1e-15)
    assert float(d2) == pytest.approx(-np.sin(0.3), rel=1e-15)
    assert am.jacfwd(am.jacfwd(am.sin))(0.3) == pytest.approx(-np.sin(0.3), rel=1e-15)


def test_in_place_update_of_a_dual_tensor_keeps_its_tangent():
    with fwad.dual_level():
        x = fwad.make_dual(np.array([1.0, 2.0]), np.array([1.0, 1.0]))
        y = x * 3.0
        y += x  # out of place for a dual tensor: y = y + x
        np.testing.assert_allclose(fwad.unpack_dual(y).tangent.numpy(), [4.0, 4.0])


def test_float32_tangents_stay_float32():
    x = np.array([0.5, 1.0], dtype=np.float32)
    out, tangent = am.jvp(lambda t: am.tanh(t) * 2.0, (x,), (np.ones(2, dtype=np.float32),))
    assert out.dtype == np.float32 and tangent.dtype == np.float32
    np.testing.assert_allclose(tangent, 2 * (1 - np.tanh(x) ** 2), rtol=1e-6)


def test_an_op_without_a_forward_rule_is_named():
    no_rule = Op("no_rule_op", lambda x: 2 * x, [lambda g, ans, x: 2 * g], register=False)
    with pytest.raises(RuntimeError, match=r"'no_rule_op' has no forward-mode rule.*set jvp="):
        am.jvp(lambda x: no_rule(x), (np.ones(2),), (np.ones(2),))
    # reverse mode is unaffected
    assert am.grad(lambda x: no_rule(x).sum())(np.ones(2)).tolist() == [2.0, 2.0]


# ---------------------------------------------------------------- transforms


def mlp(x: am.Tensor) -> am.Tensor:
    w1 = np.array([[0.3, -0.2, 0.5], [0.1, 0.4, -0.3]])
    w2 = np.array([[0.7, -0.1], [0.2, 0.3], [-0.5, 0.6]])
    return am.softmax(am.tanh(x @ w1) @ w2) * am.logsumexp(x)


def test_jacfwd_equals_jacrev_and_finite_differences(rng):
    x = rng.normal(size=(4, 2))
    jf, jr = am.jacfwd(mlp)(x), am.jacrev(mlp)(x)
    assert jf.shape == (4, 2, 4, 2)
    np.testing.assert_allclose(jf, jr, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(am.jacobian(mlp)(x), jr, rtol=0, atol=0)
    (fd,) = am.numerical_grad(lambda t: (mlp(t) * np.arange(8.0).reshape(4, 2)).sum(), x)
    np.testing.assert_allclose(np.tensordot(np.arange(8.0).reshape(4, 2), jf, 2), fd, rtol=1e-6, atol=1e-8)


def test_jacfwd_argnums_tuples_and_several_outputs():
    f = lambda x, y: (x * y, am.sin(x) + y**2)
    x, y = np.array([0.5, 1.0]), np.array([2.0, -1.0])
    (jxy_x, jxy_y), (j2_x, j2_y) = am.jacfwd(f, argnums=(0, 1))(x, y)
    np.testing.assert_allclose(jxy_x, np.diag(y))
    np.testing.assert_allclose(jxy_y, np.diag(x))
    np.testing.assert_allclose(j2_x, np.diag(np.cos(x)))
    np.testing.assert_allclose(j2_y, np.diag(2 * y))
    assert am.jacfwd(f, argnums=(0, 1))(x, y)[0][0].shape == (2, 2)
    assert am.jacfwd(lambda t: t.sum())(np.zeros((0,))).shape == (0,)
    assert am.jacfwd.__name__ == "jacfwd" and am.jacfwd(mlp).__name__ == "jacfwd(mlp)"


def test_hessian_forward_over_reverse_equals_reverse_over_reverse(rng):
    def loss(x):
        return (mlp(x) ** 2).sum() + am.std(x) * x[0, 0]

    x = rng.normal(size=(2, 2))
    h_forward = am.hessian(loss)(x)
    h_reverse = am.jacrev(am.jacrev(loss))(x)
    np.testing.assert_allclose(h_forward, h_reverse, rtol=1e-10, atol=1e-12)
    third_rf = am.jacrev(am.jacfwd(am.grad(loss)))(x)[0, 0]
    third_ff = am.jacfwd(am.jacfwd(am.grad(loss)))(x)[0, 0]
    np.testing.assert_allclose(third_rf, third_ff, rtol=1e-9, atol=1e-11)
    v = rng.normal(size=(2, 2))
    _, hv = am.hvp(loss, (x,), (v,))
    np.testing.assert_allclose(hv, np.tensordot(h_reverse, v, 2), rtol=1e-10, atol=1e-12)


def test_compositions_with_reverse_mode(rng):
    x = rng.normal(size=3)
    v = rng.normal(size=3)
    f = lambda t: am.tanh(t) * t[0] + am.exp(t) * 0.1
    scalar = lambda t: (f(t) ** 2).sum()
    h = am.jacrev(am.jacrev(scalar))(x)
    # jvp of grad: H v
    _, hv = am.jvp(am.grad(scalar), (x,), (v,))
    np.testing.assert_allclose(hv, h @ v, rtol=1e-10, atol=1e-12)
    # jacfwd(jacrev(f)) and jacrev(jacfwd(f)): the second derivative tensor of f
    d2_fr = am.jacfwd(am.jacrev(f))(x)
    d2_rf = am.jacrev(am.jacfwd(f))(x)
    d2_rr = am.jacrev(am.jacrev(f))(x)
    np.testing.assert_allclose(d2_fr, d2_rr, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(d2_rf, d2_rr, rtol=1e-10, atol=1e-12)
    # grad of a jvp (reverse over forward): ∇ₓ ⟨u, J(x) v⟩
    u = rng.normal(size=3)
    g = am.grad(lambda t: (am.jvp(f, (t,), (v,))[1] * u).sum())(x)
    np.testing.assert_allclose(g, np.einsum("i,ijk,k->j", u, d2_rr, v), rtol=1e-10, atol=1e-12)
    # a dual tensor that requires grad: backward() inside a level
    with fwad.dual_level():
        xt = am.tensor(x, requires_grad=True)
        dual = fwad.make_dual(xt, v)
        y = scalar(dual)
        y.backward()
        _, ydot = fwad.unpack_dual(y)
    np.testing.assert_allclose(xt.grad.numpy(), am.grad(scalar)(x), rtol=1e-12)
    assert float(ydot) == pytest.approx(float(am.grad(scalar)(x) @ v), rel=1e-12)


def test_forward_mode_works_under_no_grad():
    with am.no_grad():
        _, tangent = am.jvp(lambda t: am.sin(t) * t, (np.array([0.5]),), (np.array([1.0]),))
        with fwad.dual_level():
            x = am.tensor([0.5], requires_grad=True)
            y = am.sin(fwad.make_dual(x, np.ones(1))) * 2.0
            assert not y.requires_grad and y.grad_fn is None
            np.testing.assert_allclose(fwad.unpack_dual(y).tangent.numpy(), 2 * np.cos([0.5]))
    np.testing.assert_allclose(tangent, np.cos(0.5) * 0.5 + np.sin(0.5))


def test_linearize_pushes_tangents_without_running_f_again(rng):
    calls = []

    def f(x, w):
        calls.append(1)
        return am.tanh(x @ w).sum(axis=0)

    x, w = rng.normal(size=(3, 2)), rng.normal(size=(2, 4))
    out, jvp_fn = am.linearize(f, x, w)
    assert len(calls) == 1
    np.testing.assert_allclose(out, f(am.tensor(x), am.tensor(w)).numpy())
    for _ in range(3):
        vx, vw = rng.normal(size=(3, 2)), rng.normal(size=(2, 4))
        np.testing.assert_allclose(jvp_fn(vx, vw), am.jvp(f, (x, w), (vx, vw))[1], rtol=1e-13)
    assert len(calls) == 1 + 1 + 3  # the check above and the three am.jvp calls, not jvp_fn
    with pytest.raises(TypeError, match="one tangent per primal"):
        jvp_fn(np.ones((3, 2)))


# ---------------------------------------------------------------- custom ops


def _cube(jvp_rule=None, check=False):
    @am.custom_op(check=check)
    def cube(x):
        return x**3

    @cube.defvjp
    def cube_vjp(g, ans, x):
        return 3 * x**2 * g

    if jvp_rule is not None:
        cube.defjvp(jvp_rule)
    return cube


def test_custom_op_defjvp_serves_every_forward_transform():
    cube = _cube(lambda t, ans, x: 3 * x**2 * t)
    assert am.jvp(cube, (2.0,), (1.0,)) == (8.0, 12.0)
    np.testing.assert_allclose(am.jacfwd(cube)(np.array([1.0, 2.0])), np.diag([3.0, 12.0]))
    # the JVP written with am ops is differentiable: hessian (forward over reverse) and
    # reverse over forward
    assert am.hessian(lambda x: cube(x).sum())(np.array([1.0, 2.0]))[1, 1] == pytest.approx(12.0)
    assert am.grad(lambda x: am.jvp(cube, (x,), (1.0,))[1])(2.0) == pytest.approx(12.0)

    @am.custom_op
    def mul_add(a, b, c=1.0):
        return a * b + c

    @mul_add.defjvp
    def _(t, ans, a, b, c=1.0):
        ta, tb = t
        return ta * b + a * tb

    _, tangent = am.jvp(lambda a, b: mul_add(a, b), (np.array([1.0, 2.0]), np.array([3.0, 4.0])),
                        (np.array([1.0, 0.0]), np.array([0.0, 1.0])))
    np.testing.assert_allclose(tangent, [3.0, 2.0])
    # a constant second input gets a zero tangent
    _, tangent = am.jvp(lambda a: mul_add(a, np.array([3.0, 4.0])), (np.array([1.0, 2.0]),), (np.ones(2),))
    np.testing.assert_allclose(tangent, [3.0, 4.0])


def test_custom_op_without_a_jvp_says_how_to_add_one():
    cube = _cube()
    with pytest.raises(RuntimeError, match=r"custom_op 'cube' has no forward-mode rule") as info:
        am.jvp(cube, (2.0,), (1.0,))
    assert "@cube.defjvp" in str(info.value) and "def cube_jvp(t, ans, *inputs)" in str(info.value)
    # reverse mode still works
    assert am.grad(cube)(2.0) == pytest.approx(12.0)


def test_custom_op_check_tests_the_jvp_too():
    wrong = _cube(lambda t, ans, x: 2 * x**2 * t, check=True)
    with pytest.raises(am.GradcheckError, match=r"custom_op 'cube': the JVP disagrees with finite"):
        wrong(am.tensor([1.0, 2.0]))
    right = _cube(lambda t, ans, x: 3 * x**2 * t, check=True)
    assert right(am.tensor([1.0, 2.0])).tolist() == [1.0, 8.0]


# ---------------------------------------------------------------- the forward ledger


def test_forward_ledger_is_the_evaluation_trace_of_baydin_et_al():
    # Baydin et al. (2018), Table 2: f(x1, x2) = ln x1 + x1 x2 - sin x2 at (2, 5), ẋ = (1, 0)
    def f(x1, x2):
        return am.log(x1) + x1 * x2 - am.sin(x2)

    ledger = am.explain_forward(f, (2.0, 5.0), (1.0, 0.0))
    rows = {e.output: e for e in ledger}
    assert [e.op for e in ledger] == ["input", "input", "log", "mul", "add", "sin", "sub"]
    assert float(rows["v1"].value) == pytest.approx(np.log(2.0)) and float(rows["v1"].tangent) == 0.5
    assert float(rows["v2"].value) == 10.0 and float(rows["v2"].tangent) == 5.0
    assert float(rows["v4"].value) == pytest.approx(np.sin(5.0)) and float(rows["v4"].tangent) == 0.0
    assert float(ledger.value) == pytest.approx(11.652, abs=1e-3)
    assert float(ledger.tangent) == 5.5  # ∂f/∂x1 = 1/x1 + x2
    assert rows["v1"].rule == "v̇1 = ẋ1 / x1"
    assert rows["v2"].rule == "v̇2 = ẋ1 · x2 + x1 · ẋ2"
    assert rows["v4"].rule == "v̇4 = ẋ2 · cos(x2)"
    assert rows["v5"].rule == "v̇5 = v̇3 - v̇4"
    text = str(ledger)
    assert text.startswith("Forward-mode ledger of f: 5 op(s) in evaluation order")
    assert "its tangent J·v: 5.5" in text
    assert "<table" in ledger._repr_html_()
    # the reverse ledger of the same function gives the whole gradient at once
    x1, x2 = am.tensor(2.0, requires_grad=True, name="x1"), am.tensor(5.0, requires_grad=True, name="x2")
    reverse = am.explain(f(x1, x2))
    assert float(reverse.leaf_gradients["x1"]) == pytest.approx(float(ledger.tangent))


def test_forward_ledger_of_hand_written_rules_and_errors():
    ledger = am.explain_forward(lambda x: am.softmax(x).max(), (np.array([1.0, 2.0]),), (np.ones(2),))
    assert "written by hand" in ledger[1].rule and ledger[1].rule.startswith("v̇1 = v1 ⊙ (ẋ")
    with pytest.raises(ValueError, match="tangent 0 has shape"):
        am.explain_forward(am.sin, (np.ones(2),), (np.ones(3),))


# ---------------------------------------------------------------- random programs, both modes

UNARY = {
    "tanh": am.tanh,
    "sin": am.sin,
    "sigmoid": am.sigmoid,
    "exp(-v²)": lambda v: am.exp(-v * v),
    "softplus": am.softplus,
    "softmax": lambda v: am.softmax(v, axis=-1),
    "log_softmax": lambda v: am.log_softmax(v, axis=0),
    "v/(1+|v|²)": lambda v: v / (1.0 + (v * v).sum()),
    "transpose@": lambda v: v.T @ v if v.ndim == 2 and v.shape[0] == v.shape[1] else v,
    "max-centred": lambda v: v - v.max(axis=-1, keepdims=True),
    "std-scaled": lambda v: v * am.std(v),
    "logsumexp+": lambda v: v + am.logsumexp(v, axis=-1, keepdims=True),
}


@st.composite
def programs(draw):
    n, m = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    names = draw(st.lists(st.sampled_from(sorted(UNARY)), min_size=1, max_size=5))
    seed = draw(st.integers(0, 2**16))
    return n, m, names, seed


@settings(max_examples=60, deadline=None)
@given(spec=programs())
def test_random_programs_agree_in_both_modes(spec):
    n, m, names, seed = spec
    note(f"x({n}, {m}) -> {' -> '.join(names)} -> @W")
    rng = np.random.default_rng(seed)
    w = rng.normal(size=(m, 2))

    def f(x):
        v = x
        for name in names:
            v = UNARY[name](v)
        return v @ w

    x = rng.uniform(-1.0, 1.0, (n, m)) + np.arange(n * m).reshape(n, m) * 0.01  # no ties
    v = rng.normal(size=(n, m))
    jf, jr = am.jacfwd(f)(x), am.jacrev(f)(x)
    np.testing.assert_allclose(jf, jr, rtol=1e-10, atol=1e-12)
    _, jv = am.jvp(f, (x,), (v,))
    np.testing.assert_allclose(jv, np.tensordot(jr, v, 2), rtol=1e-10, atol=1e-12)
    loss = lambda t: (f(t) ** 2).sum()
    np.testing.assert_allclose(am.hessian(loss)(x), am.jacrev(am.jacrev(loss))(x), rtol=1e-8, atol=1e-10)



def test_bench_workload_w7_checks_both_modes_and_renders():
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench import workloads
    from bench.__main__ import jacobian_section

    result = workloads.jacobian_modes(np.float64, repeats=1, hidden=8)
    assert result["tall"]["verified"] and result["wide"]["verified"]
    assert (result["tall"]["n"], result["tall"]["m"]) == (8, 256)
    text = "\n".join(jacobian_section(result))
    assert "| tall | 8 → 256 |" in text and "| wide | 256 → 8 |" in text
