"""The tests prove they would catch a wrong derivative: mutation self-tests of every rule.

Driven by the op table (``checking.mutants.self_test``): every rule of every registered op
(each input's VJP and the JVP), mutated (negated, scaled by 1 + 1e-3, plus 1e-3 of the
upstream gradient or tangent, two inputs' rules swapped, a broadcasting reduction
dropped), must make one of the op's own check cases fail. An op added to the table later
is covered with no new line here. Also: the mutants do what they say, the table is put
back, the equivalent list is exact and its claims hold, the checks no longer let the
op under test cancel itself (``sum``, ``astype``), custom ops' ``check=True`` kills the
mutants of a user's rules, and ``autograd-mini gradcheck --mutants``.
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
import reliability_record as record

import autograd_mini as am
from autograd_mini.checking import cases as cases_module
from autograd_mini.checking import mutants
from autograd_mini.checking.cases import case, cases_for, normal
from autograd_mini.checking.check import case_inputs, check_case
from autograd_mini.checking.mutants import (
    EQUIVALENT,
    ZERO_RULES,
    Mutation,
    check_case_jvp,
    installed,
    mutants_of,
    self_test,
    self_test_custom,
    self_test_op,
)
from autograd_mini.cli import main
from autograd_mini.core.engine import topological_order
from autograd_mini.core.op import Domain, Op, remove
from autograd_mini.ops import REGISTRY

SELF_TEST_BUDGET_S = 60.0  # about 3 s on a quiet machine; far below it on a busy one


@pytest.fixture(scope="module")
def table() -> mutants.MutantTable:
    return self_test()


def test_every_mutant_of_every_rule_is_killed(table: mutants.MutantTable):
    assert {row.op for row in table.rows} == set(REGISTRY)
    assert table.ok, "mutants that no check case catches:\n" + table.text(all_rows=False)
    for row in table.rows:
        # every differentiable input and the JVP have mutants
        rules = {r.mutation.rule for r in row.results}
        op = REGISTRY[row.op]
        if op.vjp_all is None:
            assert {f"vjp[{i}]" for i, rule in enumerate(op.vjps) if rule is not None} <= rules, row.op
        assert op.jvp is None or "jvp" in rules, row.op
    assert table.seconds < SELF_TEST_BUDGET_S
    n, killed, equivalent, survived = table.totals()
    record.value("mutants_total", n)
    record.value("mutants_killed", killed)
    record.value("mutants_equivalent", equivalent)
    record.value("mutants_survived", survived)
    record.value("mutants_seconds", round(table.seconds, 1))
    record.value("mutants_by_family", {f: list(v) for f, v in table.by_family().items()})
    record.value(
        "mutants_equivalent_list",
        [[str(r.mutation), r.by] for row in table.rows for r in row.results if r.status == "equivalent"],
    )


def test_the_equivalent_list_is_exact(table: mutants.MutantTable):
    """Each entry is a mutant the self-test makes and no case kills; no more, no fewer."""
    status = {r.mutation.key: r.status for row in table.rows for r in row.results}
    stale = [key for key in EQUIVALENT if key not in status]
    assert not stale, f"EQUIVALENT lists mutants the self-test does not make: {stale}"
    killed = [key for key in EQUIVALENT if status[key] == "killed"]
    assert not killed, f"EQUIVALENT lists mutants a case kills (not equivalent): {killed}"
    assert sorted(k for k, s in status.items() if s == "equivalent") == sorted(EQUIVALENT)
    assert all(reason.strip() and "\n" not in reason for reason in EQUIVALENT.values())
    assert len({(op, rule) for op, rule, _ in EQUIVALENT}) <= 20  # the list stays short


@pytest.mark.parametrize(("name", "rule"), sorted(ZERO_RULES))
def test_the_rules_listed_as_identically_zero_are_zero(name: str, rule: str):
    """The claim behind most equivalents, checked: at every application of the op in its
    cases the rule gives exact zeros (for a random upstream gradient or tangent), so
    negating, scaling or masking it is a no-op."""
    op = REGISTRY[name]
    rng = np.random.default_rng(0)
    applications = 0
    for index, c in enumerate(cases_for(name)):
        leaves = [am.tensor(a, requires_grad=True) for a in case_inputs(c, index)]
        for node in topological_order(c.fn(*leaves)):
            if node.op is not op:
                continue
            applications += 1
            values = [x._data if isinstance(x, am.Tensor) else x for x in node.inputs]
            out = op.forward(*values)
            if rule == "jvp":
                ts = [rng.standard_normal(np.shape(v)) if isinstance(x, am.Tensor) else None
                      for v, x in zip(values, node.inputs)]
                result = mutants._derived_tangent(op, op.jvp, ts, out, values, {})
            else:
                result = op.vjps[int(rule[4:-1])](rng.standard_normal(np.shape(out)), out, *values)
            assert np.all(np.asarray(result) == 0.0), (name, rule, c.label)
    assert applications >= 2


# ---------------------------------------------------------------- the mutants do what they say


def _grads(f, *arrays):
    xs = [am.tensor(a, requires_grad=True) for a in arrays]
    f(*xs).backward(np.ones(np.shape(f(*[am.tensor(a) for a in arrays]))))
    return [x.grad.numpy() for x in xs]


def test_vjp_mutants_change_the_gradient_as_documented():
    x = np.array([0.3, -1.2, 2.0])
    exp = REGISTRY["exp"]
    (plain,) = _grads(am.exp, x)
    np.testing.assert_allclose(plain, np.exp(x))
    expected = {"negate": -np.exp(x), "scale": 1.001 * np.exp(x), "add": np.exp(x) + 1e-3}
    for kind, want in expected.items():
        with installed(exp, Mutation("exp", "vjp", kind, (0,))):
            (got,) = _grads(am.exp, x)
        np.testing.assert_allclose(got, want, rtol=1e-14, err_msg=kind)
    assert np.array_equal(_grads(am.exp, x)[0], plain)  # put back


def test_swap_and_drop_reduction_mutants():
    x, y = np.array([[1.0], [2.0]]), np.array([3.0, 4.0, 5.0])  # broadcast to (2, 3)
    mul = REGISTRY["mul"]
    with installed(mul, Mutation("mul", "vjp", "swap", (0, 1))):
        gx, gy = _grads(lambda a, b: a * b, x, y)
    # x̄ is now ḡ·x summed to x's shape, ȳ is ḡ·y summed to y's shape
    np.testing.assert_allclose(gx, 3 * x)
    np.testing.assert_allclose(gy, 2 * y)
    add = REGISTRY["add"]
    with installed(add, Mutation("add", "vjp", "drop-reduction", (1,))):
        gx, gy = _grads(lambda a, b: a + b, x, y)
    np.testing.assert_allclose(gx, [[3.0], [3.0]])  # untouched
    np.testing.assert_allclose(gy, [1.0, 1.0, 1.0])  # one copy of the two rows: 1, not 2
    assert "drop-reduction" in {m.kind for m in mutants_of("add")}
    assert "drop-reduction" not in {m.kind for m in mutants_of("exp")}
    # concatenate's shapes look broadcastable ((2, 1) against (2, 6)) but it broadcasts nothing
    assert "drop-reduction" not in {m.kind for m in mutants_of("concatenate")}


def test_variadic_ops_are_mutated_per_input():
    a, b = np.array([1.0, 2.0]), np.array([3.0])
    cat = REGISTRY["concatenate"]
    assert cat.vjp_all is not None
    with installed(cat, Mutation("concatenate", "vjp", "negate", (1,))):
        ga, gb = _grads(lambda u, v: am.concatenate([u, v]), a, b)
    np.testing.assert_allclose(ga, [1.0, 1.0])
    np.testing.assert_allclose(gb, [-1.0])


def test_jvp_mutants_change_the_tangent():
    x, t = np.array([0.3, -1.2]), np.array([1.0, 2.0])
    for name, f, d in [("exp", am.exp, np.exp(x) * t), ("matmul", lambda u: u @ np.eye(2), t)]:
        op = REGISTRY[name]
        for kind, want in {"negate": -d, "scale": 1.001 * d, "add": d + 1e-3 * t}.items():
            with installed(op, Mutation(name, "jvp", kind)):
                _, got = am.jvp(f, (x,), (t,))
            np.testing.assert_allclose(got, want, rtol=1e-14, err_msg=f"{name} {kind}")
        np.testing.assert_allclose(am.jvp(f, (x,), (t,))[1], d, rtol=1e-14)


def test_the_entry_is_put_back_even_when_the_block_raises():
    op = REGISTRY["mul"]
    saved = (op.vjps, op.vjp_all, op.jvp)
    with pytest.raises(KeyError), installed(op, Mutation("mul", "vjp", "swap", (0, 1))):
        assert op.vjps != saved[0]
        raise KeyError("boom")
    assert (op.vjps, op.vjp_all, op.jvp) == saved
    with installed(op, Mutation("mul", "jvp", "negate")):
        assert op.jvp != saved[2]
    assert (op.vjps, op.vjp_all, op.jvp) == saved


def test_one_mutant_at_a_time_across_threads():
    op = REGISTRY["exp"]
    inside, release, order = threading.Event(), threading.Event(), []

    def first():
        with installed(op, Mutation("exp", "vjp", "negate", (0,))):
            order.append("first in")
            inside.set()
            release.wait(5)
            order.append("first out")

    def second():
        inside.wait(5)
        with installed(op, Mutation("exp", "vjp", "scale", (0,))):
            order.append("second in")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for th in threads:
        th.start()
    time.sleep(0.05)
    release.set()
    for th in threads:
        th.join(5)
    assert order == ["first in", "first out", "second in"]
    assert op.vjps == REGISTRY["exp"].vjps and mutants._LOCK.acquire(blocking=False)
    mutants._LOCK.release()


# ---------------------------------------------------------------- the checks no longer cancel


def test_a_negated_sum_vjp_fails_sums_own_check():
    """The projection L = Σ r ⊙ y used to end in the library's sum, whose negated VJP then
    cancelled the case's own; now L is a NumPy sum and backward is seeded with r."""
    op = REGISTRY["sum"]
    c = cases_for("sum")[0]  # sum(x, axis=None): a scalar output
    assert check_case("sum", c, 0).ok
    with installed(op, Mutation("sum", "vjp", "negate", (0,))):
        assert not check_case("sum", c, 0).ok
        assert not check_case("sum", cases_for("sum")[2], 2).ok  # axis=0: a (3, 4) output
    mul = REGISTRY["mul"]
    with installed(mul, Mutation("mul", "vjp", "negate", (0,))):  # the old projection's other op
        assert check_case("exp", cases_for("exp")[0], 0).ok


def test_a_negated_astype_vjp_fails_astypes_check():
    op = REGISTRY["astype"]
    with installed(op, Mutation("astype", "vjp", "negate", (0,))):
        assert not any(check_case("astype", c, i).ok for i, c in enumerate(cases_for("astype")))
    # the old case cast there and back: two negated VJPs cancelled
    round_trip = case(lambda x: am.astype(am.astype(x, np.float64) * 2.0, x.dtype), normal(3))
    with installed(op, Mutation("astype", "vjp", "negate", (0,))):
        assert check_case("astype", round_trip, 0).ok


def test_the_second_order_check_still_checks():
    exp = REGISTRY["exp"]
    c = cases_for("exp")[0]
    assert check_case("exp", c, 0, order=2).ok
    with installed(exp, Mutation("exp", "vjp", "scale", (0,))):
        assert not check_case("exp", c, 0, order=2).ok


def test_check_case_jvp_agrees_with_am_jvp():
    for name in ("tanh", "matmul", "softmax", "sum"):
        for index, c in enumerate(cases_for(name)[:2]):
            assert check_case_jvp(name, c, index) <= 1.0
    with installed(REGISTRY["tanh"], Mutation("tanh", "jvp", "scale")):
        assert check_case_jvp("tanh", cases_for("tanh")[0], 0) > 1.0


# ---------------------------------------------------------------- driven by the table


def _register_sec():
    return Op(
        "sec_mutant_test",
        lambda x: 1.0 / np.cos(x),
        [lambda g, ans, x: g * ans * am.tan(x)],
        rules=["x̄ = ḡ · y · tan(x)"],
        save_output=True,
        math="y = 1 / cos x",
        domain=Domain((-1.2, 1.2)),
        jvp="elementwise",
    )


def test_an_op_added_to_the_table_is_self_tested():
    _register_sec()
    try:
        table = self_test()
        row = next(r for r in table.rows if r.op == "sec_mutant_test")
        assert (row.mutants, row.killed, row.survived) == (6, 6, 0)
    finally:
        remove("sec_mutant_test")


def test_a_weak_case_is_exposed():
    """A case that applies the op twice so a negation cancels: the negated VJP and JVP survive."""
    op = _register_sec()
    try:
        weak = [case(lambda x: op(op(x * 0.1)), normal(3), label="sec twice")]
        once = case(lambda x: op(x * 0.1), normal(3), label="sec once")
        row = self_test_op("sec_mutant_test", cases=weak)
        survivors = {str(r.mutation) for r in row.survivors}
        assert survivors == {"sec_mutant_test vjp[0] negate", "sec_mutant_test jvp negate"}
        assert row.killed == 4
        strong = self_test_op("sec_mutant_test", cases=[*weak, once])
        assert strong.survived == 0
    finally:
        remove("sec_mutant_test")


# ---------------------------------------------------------------- custom ops


def _two_input_op(vjp_scale=1.0):
    @am.custom_op(check=True)
    def bilin(x, y):
        return 2.0 * x * y + y**2

    @bilin.defvjp
    def _(g, ans, x, y):
        return 2.0 * y * g * vjp_scale, (2.0 * x + 2.0 * y) * g

    @bilin.defjvp
    def _(t, ans, x, y):
        tx, ty = t
        return 2.0 * y * tx + (2.0 * x + 2.0 * y) * ty

    return bilin


def test_custom_op_check_kills_every_mutant_of_the_users_rules():
    x, y = np.array([[0.5], [-1.2]]), np.array([0.3, 1.0, -2.0])  # y broadcast against x
    bilin = _two_input_op()
    bilin.check_rules(x, y)  # the rules are right
    row = self_test_custom(bilin, x, y)
    kinds = sorted((r.mutation.rule, r.mutation.kind) for r in row.results)
    assert ("vjp[0,1]", "swap") in kinds and ("jvp", "scale") in kinds
    assert ("vjp[0]", "drop-reduction") in kinds and ("vjp[1]", "drop-reduction") in kinds
    assert row.survived == 0 and row.killed == row.mutants == 12, [str(r.mutation) for r in row.survivors]
    # check=True itself raises on the first call of an almost-right rule (1 + 1e-3)
    with pytest.raises(am.GradcheckError, match="custom_op 'bilin'"):
        _two_input_op(vjp_scale=1.001)(x, y)


def test_custom_op_without_a_jvp_has_vjp_mutants_only():
    @am.custom_op(check=True)
    def cube(x):
        return x**3

    @cube.defvjp
    def _(g, ans, x):
        return 3.0 * x**2 * g

    row = self_test_custom(cube, np.array([0.5, -1.2, 2.0]))
    assert {r.mutation.mode for r in row.results} == {"vjp"}
    assert (row.mutants, row.killed) == (3, 3)


def test_custom_op_check_tolerance_can_be_loosened():
    @am.custom_op(check=True, rtol=1e-2)
    def loose(x):
        return x**2

    @loose.defvjp
    def _(g, ans, x):
        return 2.0 * x * g * 1.001  # within 1e-2

    loose(np.array([1.0, 2.0]))
    assert (loose.atol, loose.rtol) == (am.custom.CHECK_ATOL, 1e-2)


# ---------------------------------------------------------------- the command line


def test_gradcheck_mutants_prints_the_kill_table(capsys: pytest.CaptureFixture[str]):
    assert main(["gradcheck", "--mutants", "--op", "mul", "--op", "floor_divide"]) == 0
    out = capsys.readouterr().out
    header = out.splitlines()[0].split()
    assert header == ["op", "family", "mutants", "killed", "equivalent", "survived"]
    assert "mul  " in out and "equivalent: floor_divide vjp[0] negate: the rule is identically 0" in out
    assert out.rstrip().splitlines()[-1].startswith("gradcheck --mutants: 2 ops, ")
    assert "none survived" in out


def test_gradcheck_mutants_exits_1_on_a_survivor(capsys: pytest.CaptureFixture[str], monkeypatch):
    _register_sec()
    try:
        sec = REGISTRY["sec_mutant_test"]
        weak = [case(lambda x: sec(sec(x * 0.1)), normal(3))]
        monkeypatch.setitem(cases_module.SPECS, "sec_mutant_test", weak)
        assert main(["gradcheck", "--mutants", "--quiet", "--op", "sec_mutant_test", "--op", "exp"]) == 1
    finally:
        remove("sec_mutant_test")
    out = capsys.readouterr().out
    lines = out.splitlines()[2:]
    rows = [line.split()[0] for line in lines if line and not line.startswith(("SURVIVED", "grad", "Fix:"))]
    assert "Fix: add a check case that the wrong rule fails" in out
    assert rows == ["sec_mutant_test"]  # --quiet: only the op with survivors
    assert "SURVIVED: sec_mutant_test vjp[0] negate" in out and "SURVIVED: sec_mutant_test jvp negate" in out
    assert "2 SURVIVED" in out
