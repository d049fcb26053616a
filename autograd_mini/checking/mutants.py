"""The checks prove their own power: every derivative rule, mutated, must fail its op's check.

A gradient check is only as good as the wrong rules it would catch. For every op of the
table (:data:`~autograd_mini.ops.REGISTRY`) and every derivative rule it has (each
input's VJP, and its JVP), this module makes small *semantic mutants* of the rule,
installs each in turn in the op's entry (:func:`installed`, which puts the entry back
afterwards) and runs the op's own check cases
(:func:`~autograd_mini.checking.cases.cases_for`): first order through
:func:`~autograd_mini.checking.check.check_case` for a VJP mutant, the forward-mode check
:func:`check_case_jvp` for a JVP mutant. A mutant is *killed* when a case fails (or
raises); it *survives* when every case passes. A surviving mutant fails the build unless
:data:`EQUIVALENT` lists it with the reason it computes the same function as the rule
on every input the op accepts.

The mutants of a rule ``r(ḡ, y, x…)`` of input ``i`` (``δ = 1e-3``):

- ``negate``: ``-r``;
- ``scale``: ``(1 + δ) r``, a rule almost right (the per-op cases judge to rtol 1e-5);
- ``add``: ``r + δ ḡ``, a stray term in the upstream gradient (``ḡ`` summed to ``r``'s
  shape where it broadcasts, else ``δ Σḡ`` on every entry);
- ``swap``: the rules of inputs ``i`` and ``j`` exchanged (every pair of inputs);
- ``drop-reduction`` (only for an input that some case broadcasts against the output):
  the gradient of the first broadcast copy alone instead of the sum over all copies,
  ``r(ḡ ⊙ m)`` with ``m`` one on the first copy (rules are linear in ``ḡ``);

and of the JVP ``ẏ = J ẋ``: ``negate`` (``-ẏ``), ``scale`` (``(1 + δ) ẏ``) and ``add``
(``ẏ + δ ẋ``, the first input's tangent broadcast to the output, else ``δ Σẋ``). An op
whose JVP is derived from its VJPs (``jvp="elementwise"``) gets JVP mutants of its own:
the mutant replaces the entry's ``jvp`` by the derived rule, then mutates its result.

Mutants are cheap to kill: each runs the op's cases smallest first and stops at the first
failing case, so the whole table takes seconds. ``autograd-mini gradcheck --mutants``
prints the kill table; ``tests/test_mutants.py`` runs it in ``make test``.

>>> table = self_test(["exp"])
>>> row = table.rows[0]
>>> (row.op, row.mutants, row.killed, row.survived)
('exp', 6, 6, 0)
"""

from __future__ import annotations

import contextlib
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..core import forward
from ..core.broadcasting import shape_of, sum_to
from ..core.engine import topological_order
from ..core.grad_mode import no_grad
from ..ops import REGISTRY, Op
from ..tables import text_table
from ..tensor import Tensor
from .cases import Case, cases_for
from .check import CASE_ATOL, CASE_RTOL, GradcheckError, case_inputs, check_case
from .finite_differences import EPS

__all__ = [
    "DELTA",
    "EQUIVALENT",
    "JVP_KINDS",
    "VJP_KINDS",
    "ZERO_RULES",
    "MutantResult",
    "MutantTable",
    "Mutation",
    "OpKills",
    "check_case_jvp",
    "family_of",
    "installed",
    "mutants_of",
    "self_test",
    "self_test_custom",
    "self_test_op",
]

DELTA = 1e-3  # the size of the scale and add mutants: 100 tolerances of the per-op cases
VJP_KINDS = ("negate", "scale", "add", "swap", "drop-reduction")
JVP_KINDS = ("negate", "scale", "add")
TANGENT_SEED = 10_000  # the tangents of the forward-mode check: seed 10_000 + the case's seed

# The rules that are identically 0 (the op is piecewise constant in that input): on
# them negate, scale and drop-reduction compute the same 0 (-0 = (1 + δ)·0 = 0, and a
# masked ḡ still gives 0), and exchanging two of them changes nothing. ``add`` is not
# equivalent (δ ḡ is not 0) and is killed. tests/test_mutants.py checks that each rule
# listed here does return zeros on its op's cases, and each JVP zero tangents.
ZERO_RULES: dict[tuple[str, str], str] = {
    **{(op, rule): f"{op} is piecewise constant" for op in ("sign", "floor", "ceil", "round", "trunc")
       for rule in ("vjp[0]", "jvp")},
    ("floor_divide", "vjp[0]"): "⌊x / y⌋ is piecewise constant in x",
    ("floor_divide", "vjp[1]"): "⌊x / y⌋ is piecewise constant in y",
    ("floor_divide", "jvp"): "⌊x / y⌋ is piecewise constant",
    ("copysign", "vjp[1]"): "|x|·sign(y) is piecewise constant in y",
}
# Mutants that compute the same function as the rule, on every input the op accepts:
# (op, rule, kind) -> the reason. ``rule`` is "vjp[i]", "vjp[i,j]" (a swap) or "jvp".
# tests/test_mutants.py checks that every entry is a mutant the self-test makes and that
# no case kills it (a killed entry is no equivalent and must leave the list).
_BROADCASTING = ("floor_divide", "copysign")  # the two-input ones: drop-reduction applies
EQUIVALENT: dict[tuple[str, str, str], str] = {
    **{(op, rule, kind): f"the rule is identically 0 ({why})"
       for (op, rule), why in ZERO_RULES.items() for kind in ("negate", "scale", "drop-reduction")
       if kind != "drop-reduction" or (op in _BROADCASTING and rule != "jvp")},
    ("floor_divide", "vjp[0,1]", "swap"): "both rules are identically 0: exchanging them changes nothing",
    ("add", "vjp[0,1]", "swap"): "x + y: both rules are ḡ, so exchanging them changes nothing",
}

_LOCK = threading.RLock()  # one mutant installed at a time, process-wide


# ---------------------------------------------------------------- the mutants


@dataclass(frozen=True)
class Mutation:
    """One mutant of one rule of an op: ``kind`` applied to the VJP of ``inputs`` or the JVP."""

    op: str
    mode: str  # "vjp" or "jvp"
    kind: str  # one of VJP_KINDS / JVP_KINDS
    inputs: tuple[int, ...] = ()  # the input (two for a swap); () for the JVP

    @property
    def rule(self) -> str:
        """``vjp[i]``, ``vjp[i,j]`` (a swap) or ``jvp``: the rule the mutant changes."""
        if self.mode == "jvp":
            return "jvp"
        return f"vjp[{','.join(map(str, self.inputs))}]"

    @property
    def key(self) -> tuple[str, str, str]:
        """``(op, rule, kind)``, the key of :data:`EQUIVALENT`."""
        return (self.op, self.rule, self.kind)

    def __str__(self) -> str:
        return f"{self.op} {self.rule} {self.kind}"


def _reducible(shape: tuple[int, ...], to: tuple[int, ...]) -> bool:
    """Whether ``to`` broadcasts to ``shape`` (so an array of ``shape`` sums down to ``to``)."""
    try:
        return np.broadcast_shapes(shape, to) == shape
    except ValueError:
        return False


def _like(value: Any, shape: tuple[int, ...]) -> Any:
    """``value`` (an upstream gradient or a tangent) made ``shape``-shaped, linearly."""
    have = tuple(shape_of(value))
    if have == shape:
        return value
    if _reducible(have, shape):
        return sum_to(value, shape=shape)  # a gradient wider than its input
    if _reducible(shape, have):
        return value * np.ones(shape)  # a tangent narrower than the output
    return value.sum() * np.ones(shape)


def _first_copy(x_shape: tuple[int, ...], g: Any) -> np.ndarray | None:
    """1 on the first broadcast copy of an input of ``x_shape`` in ``g``'s shape, else 0.

    ``None`` when the input is not broadcast against ``g`` (same shape, or shapes that
    are not related by broadcasting).
    """
    g_shape = tuple(shape_of(g))
    if len(x_shape) > len(g_shape) or not _reducible(g_shape, x_shape):
        return None
    padded = (1,) * (len(g_shape) - len(x_shape)) + tuple(x_shape)
    axes = [k for k, (a, b) in enumerate(zip(padded, g_shape)) if a == 1 and b != 1]
    if not axes:
        return None
    m = np.zeros(g_shape, dtype=np.asarray(getattr(g, "_data", g)).dtype)
    m[tuple(slice(0, 1) if k in axes else slice(None) for k in range(len(g_shape)))] = 1
    return m


def _perturb(kind: str, r: Any, extra: Any) -> Any:
    if r is None:
        return None
    if kind == "negate":
        return -r
    if kind == "scale":
        return r * (1.0 + DELTA)
    return r + DELTA * _like(extra, tuple(shape_of(r)))  # "add"


def _mutant_vjp(rule: Callable[..., Any], i: int, kind: str) -> Callable[..., Any]:
    def mutant(g: Any, ans: Any, *values: Any, **params: Any) -> Any:
        if kind == "drop-reduction":
            m = _first_copy(tuple(shape_of(values[i])), g)
            return rule(g if m is None else g * m, ans, *values, **params)
        return _perturb(kind, rule(g, ans, *values, **params), g)

    return mutant


def _mutant_vjp_all(rule: Callable[..., Any], inputs: tuple[int, ...], kind: str) -> Callable[..., Any]:
    def mutant(g: Any, ans: Any, values: Sequence[Any], needs: Sequence[bool], **params: Any) -> list[Any]:
        grads = list(rule(g, ans, values, needs, **params))
        if any(i >= len(grads) for i in inputs):
            return grads  # this call has fewer inputs than the mutated position
        if kind == "swap":
            i, j = inputs
            grads[i], grads[j] = grads[j], grads[i]
            return grads
        (i,) = inputs
        if kind == "drop-reduction":
            m = _first_copy(tuple(shape_of(values[i])), g)
            if m is not None:
                grads[i] = list(rule(g * m, ans, values, needs, **params))[i]
            return grads
        grads[i] = _perturb(kind, grads[i], g)
        return grads

    return mutant


def _derived_tangent(
    op: Op, kind: Any, ts: list[Any], ans: Any, values: Sequence[Any], p: dict[str, Any]
) -> Any:
    """The tangent an entry's ``jvp`` gives (the derived kinds of core/forward.py, or its function)."""
    if kind == "elementwise":
        return forward._elementwise(op, ts, ans, values, p)
    if kind == "linear":
        return forward._linear(op, ts, values, p, np.asarray(getattr(ans, "_data", ans)).dtype)
    if kind == "bilinear":
        return forward._bilinear(op, ts, values, p)
    return kind(ts, ans, *values, **p)


def _mutant_jvp(op: Op, original: Any, kind: str) -> Callable[..., Any]:
    def mutant(ts: list[Any], ans: Any, *values: Any, **params: Any) -> Any:
        t = _derived_tangent(op, original, ts, ans, values, params)
        first = next((x for x in ts if x is not None), None)
        if t is None or first is None:
            return t
        return _perturb(kind, t, first)

    return mutant


@contextlib.contextmanager
def installed(op: Op, mutation: Mutation) -> Iterator[Op]:
    """Install ``mutation`` in ``op``'s entry for the ``with`` block; the entry is put back after.

    The entry's ``vjps``, ``vjp_all`` and ``jvp`` are saved and restored in ``finally``,
    whatever the block raises. One mutant is installed at a time in the process (a
    lock): the self-test is sequential, and a test running on another thread meanwhile
    would see the mutant, so the self-test runs in its own test, not beside others.
    """
    with _LOCK:
        saved = (op.vjps, op.vjp_all, op.jvp)
        try:
            if mutation.mode == "jvp":
                op.jvp = _mutant_jvp(op, op.jvp, mutation.kind)
            elif op.vjp_all is not None:
                op.vjp_all = _mutant_vjp_all(op.vjp_all, mutation.inputs, mutation.kind)
            elif mutation.kind == "swap":
                i, j = mutation.inputs
                rules = list(op.vjps)
                rules[i], rules[j] = rules[j], rules[i]
                op.vjps = tuple(rules)
            else:
                (i,) = mutation.inputs
                rules = list(op.vjps)
                rule = rules[i]
                if rule is None:
                    raise ValueError(f"'{op.name}' has no VJP for input {i} to mutate")
                rules[i] = _mutant_vjp(rule, i, mutation.kind)
                op.vjps = tuple(rules)
            yield op
        finally:
            op.vjps, op.vjp_all, op.jvp = saved


# ---------------------------------------------------------------- which mutants an op has


@dataclass(frozen=True)
class _Use:
    """How one case applies the op: its differentiated inputs and those it broadcasts."""

    inputs: tuple[bool, ...]  # the input is a Tensor that requires grad
    broadcast: frozenset[int]  # inputs the op broadcasts against its output


def _broadcasts(node: Any, i: int, out: np.ndarray) -> bool:
    """Whether the op broadcasts input ``i``: the output is the same with it materialized.

    Shapes alone do not tell (``concatenate`` of a (2, 1) and a (2, 5) array gives a
    (2, 6) one without broadcasting anything): the op is run once more with input ``i``
    repeated to the output's shape, and must give the same output.
    """
    values = [x._data if isinstance(x, Tensor) else x for x in node.inputs]
    x = np.asarray(values[i])
    if _first_copy(x.shape, out) is None:
        return False
    values[i] = np.array(np.broadcast_to(x, out.shape))
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            again = np.asarray(node.op.forward(*values, **(node.params or {})))
    except Exception:
        return False
    return again.shape == out.shape and bool(np.array_equal(again, out, equal_nan=True))


def _uses(op: Op, cases: Sequence[Case]) -> list[_Use]:
    """Every application of ``op`` in the graphs of ``cases`` (forwards only, no backward)."""
    uses = []
    for index, c in enumerate(cases):
        leaves = [Tensor._wrap(a).requires_grad_() for a in case_inputs(c, index)]
        try:
            root = c.fn(*leaves)
        except Exception:  # a case that does not even run is reported by the plain check
            continue
        for node in topological_order(root):
            if node.op is not op:
                continue
            values = [x._data if isinstance(x, Tensor) else x for x in node.inputs]
            with no_grad():
                out = np.asarray(op.forward(*values, **(node.params or {})))
            diff = tuple(isinstance(x, Tensor) and x.requires_grad for x in node.inputs)
            wide = frozenset(i for i, d in enumerate(diff) if d and _broadcasts(node, i, out))
            uses.append(_Use(diff, wide))
    return uses


def _differentiable(op: Op, uses: Sequence[_Use]) -> list[int]:
    if op.vjp_all is None:
        return [i for i, rule in enumerate(op.vjps) if rule is not None]
    seen = sorted({i for u in uses for i, d in enumerate(u.inputs) if d})
    return seen[:3]  # variadic ops: the first three positions stand for the rest


def mutants_of(
    name: str, cases: Sequence[Case] | None = None, op: Op | None = None, *, jvp: bool = True
) -> list[Mutation]:
    """The mutants of every rule of the op ``name``: cheap kinds first, the JVP's last.

    ``cases`` (default: the op's check cases) tell which inputs some case broadcasts
    (``drop-reduction``) and, for a variadic op (``vjp_all``), which positions are used.
    ``jvp=False`` leaves out the JVP's mutants.
    """
    op = REGISTRY[name] if op is None else op
    cases = cases_for(name) if cases is None else cases
    uses = _uses(op, cases)
    inputs = _differentiable(op, uses)
    out: list[Mutation] = []
    for i in inputs:
        out += [Mutation(name, "vjp", kind, (i,)) for kind in ("negate", "scale", "add")]
    for a, i in enumerate(inputs):
        out += [Mutation(name, "vjp", "swap", (i, j)) for j in inputs[a + 1 :]]
    for i in inputs:
        if any(i in u.broadcast for u in uses):
            out.append(Mutation(name, "vjp", "drop-reduction", (i,)))
    if jvp and op.jvp is not None:
        out += [Mutation(name, "jvp", kind) for kind in JVP_KINDS]
    return out


# ---------------------------------------------------------------- the forward-mode check


def check_case_jvp(
    name: str, case: Case, seed: int, *, atol: float = CASE_ATOL, rtol: float = CASE_RTOL
) -> float:
    """Check the JVP of one case of the op ``name``: ``J v`` against central differences.

    Inputs drawn as :func:`~autograd_mini.checking.check.check_case` draws them, a fixed
    random tangent ``v`` per input (seed ``10_000 + seed``); ``J v`` by one forward-mode
    pass (a dual level, no graph) against ``(f(x + εv) - f(x - εv)) / 2ε`` entry by
    entry, ``|a - b| <= atol + rtol·|b|``. Returns the worst ratio of error to tolerance
    (``<= 1``: the case passes).

    >>> from autograd_mini.checking.cases import cases_for
    >>> check_case_jvp("exp", cases_for("exp")[0], 0) <= 1
    True
    """
    arrays = case_inputs(case, seed)
    rng = np.random.default_rng(TANGENT_SEED + seed)
    vs = [rng.standard_normal(np.shape(a)) for a in arrays]
    with no_grad(), forward.dual_level() as level:
        duals = [forward.make_dual(Tensor._wrap(a), v, level) for a, v in zip(arrays, vs)]
        out = case.fn(*duals)
        _, tangent = forward.unpack(out, level)
    value = np.asarray(out._data, dtype=np.float64)
    jv = np.zeros(value.shape)
    if tangent is not None:
        jv = np.asarray(getattr(tangent, "_data", tangent), dtype=np.float64)
    with no_grad():
        plus = case.fn(*[Tensor._wrap(a + EPS * v) for a, v in zip(arrays, vs)])
        minus = case.fn(*[Tensor._wrap(a - EPS * v) for a, v in zip(arrays, vs)])
    numeric = (np.asarray(plus._data, np.float64) - np.asarray(minus._data, np.float64)) / (2 * EPS)
    if jv.shape != numeric.shape:
        raise ValueError(f"{name}: the JVP has shape {jv.shape}, the output {numeric.shape}")
    if numeric.size == 0:
        return 0.0
    return float(np.max(np.abs(jv - numeric) / (atol + rtol * np.abs(numeric))))


# ---------------------------------------------------------------- running the mutants


@dataclass(frozen=True)
class MutantResult:
    """What became of one mutant: ``killed`` by which case (or ``survived``, ``equivalent``)."""

    mutation: Mutation
    status: str  # "killed", "equivalent" or "survived"
    by: str = ""  # the case that failed (and how), or the reason it is equivalent
    cases_run: int = 0


@dataclass
class OpKills:
    """One op's row of the kill table."""

    op: str
    family: str
    results: list[MutantResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def mutants(self) -> int:
        return len(self.results)

    def _count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    @property
    def killed(self) -> int:
        return self._count("killed")

    @property
    def equivalent(self) -> int:
        return self._count("equivalent")

    @property
    def survived(self) -> int:
        return self._count("survived")

    @property
    def survivors(self) -> list[MutantResult]:
        return [r for r in self.results if r.status == "survived"]


@dataclass
class MutantTable:
    """The kill table of a self-test: one :class:`OpKills` per op."""

    rows: list[OpKills]
    seconds: float = 0.0

    @property
    def survivors(self) -> list[MutantResult]:
        """Every mutant that no case killed and no entry of :data:`EQUIVALENT` explains."""
        return [r for row in self.rows for r in row.survivors]

    @property
    def ok(self) -> bool:
        return not self.survivors

    def totals(self) -> tuple[int, int, int, int]:
        """(mutants, killed, equivalent, survived) over all rows."""
        return (
            sum(r.mutants for r in self.rows),
            sum(r.killed for r in self.rows),
            sum(r.equivalent for r in self.rows),
            sum(r.survived for r in self.rows),
        )

    def by_family(self) -> dict[str, tuple[int, int, int, int, int]]:
        """family -> (ops, mutants, killed, equivalent, survived)."""
        out: dict[str, list[int]] = {}
        for r in self.rows:
            acc = out.setdefault(r.family, [0, 0, 0, 0, 0])
            for k, v in enumerate((1, r.mutants, r.killed, r.equivalent, r.survived)):
                acc[k] += v
        return {f: (a[0], a[1], a[2], a[3], a[4]) for f, a in sorted(out.items())}

    def text(self, all_rows: bool = True) -> str:
        """The kill table (every op, or only ops with a survivor) and each survivor."""
        shown = [r for r in self.rows if all_rows or r.survived]
        lines = []
        if shown:
            lines.append(
                text_table(
                    ["op", "family", "mutants", "killed", "equivalent", "survived"],
                    [[r.op, r.family, str(r.mutants), str(r.killed), str(r.equivalent), str(r.survived)]
                     for r in shown],
                )
            )
        if all_rows:
            for r in (r for row in self.rows for r in row.results if r.status == "equivalent"):
                lines.append(f"equivalent: {r.mutation}: {r.by}")
        for r in self.survivors:
            lines.append(f"SURVIVED: {r.mutation} (every case of '{r.mutation.op}' still passes)")
        if self.survivors:
            lines.append(
                "Fix: add a check case that the wrong rule fails (checking/cases*.py; a case must not "
                "apply the op so that two wrong rules cancel), or, if the mutant computes the same "
                "function as the rule on every input the op accepts, list it in EQUIVALENT "
                "(checking/mutants.py) with the reason."
            )
        return "\n".join(lines)

    def summary(self) -> str:
        n, killed, equivalent, survived = self.totals()
        verdict = f"{survived} SURVIVED" if survived else "none survived"
        ops = f"{len(self.rows)} op{'s' if len(self.rows) != 1 else ''}"
        return (
            f"{ops}, {n} mutants of their rules: {killed} killed, "
            f"{equivalent} equivalent (listed with a reason), {verdict} ({self.seconds:.1f} s)"
        )


def _cheap_first(cases: Sequence[Case]) -> list[tuple[int, Case]]:
    """The cases with their seeds (their index), the smallest inputs first."""
    sizes = []
    for index, c in enumerate(cases):
        rng = np.random.default_rng(index)
        sizes.append(sum(int(np.size(make(rng))) for make in c.makers))
    order = sorted(range(len(cases)), key=lambda k: (sizes[k], k))
    return [(k, cases[k]) for k in order]


def _first_failure(
    name: str,
    mutation: Mutation,
    cases: Sequence[tuple[int, Case]],
    check: Callable[[Case, int], bool] | None,
) -> tuple[str, int]:
    """The first case that fails under the installed mutant (``""`` if none), and how many ran."""
    run = 0
    for index, c in cases:
        run += 1
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                if check is not None:
                    passed = check(c, index)
                elif mutation.mode == "jvp":
                    passed = check_case_jvp(name, c, index) <= 1.0
                else:
                    passed = check_case(name, c, index).ok
        except Exception as err:  # a mutant that breaks the check is caught by it too
            return f"case {c.label or index} raised {type(err).__name__}", run
        if not passed:
            return f"case {c.label or index} disagrees", run
    return "", run


def self_test_op(
    name: str,
    *,
    op: Op | None = None,
    cases: Sequence[Case] | None = None,
    check: Callable[[Case, int], bool] | None = None,
    equivalent: Mapping[tuple[str, str, str], str] | None = None,
    kinds: Iterable[str] | None = None,
    jvp: bool = True,
) -> OpKills:
    """Install each mutant of the op ``name`` in turn and run its cases until one fails.

    ``op``/``cases`` default to the table's entry and :func:`cases_for`; ``check(case,
    seed) -> passed`` replaces the per-op checks (for ops outside the table);
    ``equivalent`` defaults to :data:`EQUIVALENT`; ``kinds`` restricts the mutant kinds;
    ``jvp=False`` leaves the JVP alone.
    """
    start = time.perf_counter()
    op = REGISTRY[name] if op is None else op
    cases = cases_for(name) if cases is None else cases
    equivalent = EQUIVALENT if equivalent is None else equivalent
    chosen = set(kinds) if kinds is not None else None
    ordered = _cheap_first(cases)
    row = OpKills(name, family_of(op))
    for mutation in mutants_of(name, cases, op, jvp=jvp):
        if chosen is not None and mutation.kind not in chosen:
            continue
        with installed(op, mutation):
            by, run = _first_failure(name, mutation, ordered, check)
        if by:
            row.results.append(MutantResult(mutation, "killed", by, run))
        elif mutation.key in equivalent:
            row.results.append(MutantResult(mutation, "equivalent", equivalent[mutation.key], run))
        else:
            row.results.append(MutantResult(mutation, "survived", "", run))
    row.seconds = time.perf_counter() - start
    return row


def self_test(names: Iterable[str] | None = None) -> MutantTable:
    """The self-test over ``names`` (default: every op of the table, in table order)."""
    start = time.perf_counter()
    chosen = list(REGISTRY) if names is None else list(names)
    rows = [self_test_op(name) for name in chosen]
    return MutantTable(rows, time.perf_counter() - start)


def self_test_custom(custom: Any, *args: Any, **params: Any) -> OpKills:
    """The self-test of a custom op's rules: its own check must kill every mutant of them.

    ``custom`` is an :func:`~autograd_mini.custom.custom_op` (anything with its ``op``
    entry, ``vjp``, ``jvp`` and ``check_rules(*args, **params)``); ``args`` are the inputs
    its check runs at, as on the first call of a ``check=True`` op. Each mutant of the
    user's VJP (per input, and swaps) and of the JVP (when one is defined) is installed in
    turn and ``check_rules`` must raise. An op without a JVP has only VJP mutants.

    >>> import numpy as np, autograd_mini as am
    >>> @am.custom_op(check=True)
    ... def cube(x):
    ...     return x ** 3
    >>> @cube.defvjp
    ... def cube_vjp(g, ans, x):
    ...     return 3 * x ** 2 * g
    >>> row = self_test_custom(cube, np.array([0.5, -1.2, 2.0]))
    >>> (row.mutants, row.killed, row.survived)
    (3, 3, 0)
    """
    floats = [i for i, a in enumerate(args) if np.asarray(getattr(a, "_data", a)).dtype.kind == "f"]
    arrays = [np.array(getattr(a, "_data", a)) for a in args]

    def run(*xs: Any) -> Any:
        full: list[Any] = list(arrays)
        for i, x in zip(floats, xs):
            full[i] = x
        return custom(*full, **params)

    makers = [lambda rng, a=arrays[i]: np.array(a, dtype=np.float64) for i in floats]
    probe = Case(run, list(makers), label="the given inputs")

    def check(c: Case, seed: int) -> bool:
        try:
            custom.check_rules(*arrays, **params)
        except GradcheckError:
            return False
        return True

    return self_test_op(
        custom.op.name, op=custom.op, cases=[probe], check=check, equivalent={}, jvp=custom.jvp is not None
    )


# ---------------------------------------------------------------- op families

# The ops modules from the bottom of the ops layer up: an op's family is the first module
# that holds it (the module that defines it, since modules only import from below).
_FAMILY_MODULES = (
    "registry", "selection", "unary", "shape", "windows", "scan", "linalg", "reduction", "binary",
    "einsum", "decompositions", "loss", "bce", "conv", "pool", "embedding", "api", "logic",
    "reductions_api", "activation", "elementwise", "linalg_api", "shape_api",
)
_FAMILIES: dict[int, str] = {}


def family_of(op: Op) -> str:
    """The ops module that defines ``op`` (``unary``, ``binary``, ``reduction`` ...), else ``other``."""
    if not _FAMILIES:
        import importlib

        for module_name in _FAMILY_MODULES:
            try:
                module = importlib.import_module(f"autograd_mini.ops.{module_name}")
            except ImportError:
                continue
            for value in vars(module).values():
                if isinstance(value, Op):
                    _FAMILIES.setdefault(id(value), module_name)
    return _FAMILIES.get(id(op), "other")
