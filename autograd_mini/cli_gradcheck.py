"""``autograd-mini gradcheck``: every registered op and the demo model against finite differences.

Each op in :data:`autograd_mini.ops.REGISTRY` is exercised by its check cases
(:func:`autograd_mini.checking.cases.cases_for`, as the test suite uses them), each run by
:func:`autograd_mini.checking.check.check_case` exactly as the tests run it: its inputs
are drawn in float64, its output ``out`` is reduced to the scalar ``L = Σ w ⊙ out`` with
fixed random weights ``w`` (so every output entry matters), the engine's ``∂L/∂x`` is
compared entry by entry with central differences ``(L(x + ε eᵢ) - L(x - ε eᵢ)) / 2ε``,
and they agree when ``|ad - fd| <= atol + rtol·|fd|`` (rtol 1e-5, atol 1e-7: the cases
avoid kinks and ill-conditioned inputs). The demo model (an MLP on a batch of
digits-shaped inputs with a cross-entropy loss) is checked with
:func:`autograd_mini.compare_gradients` and its default tolerances.

``--mutants`` checks the checks (:func:`run_mutants`): every rule of every op is mutated
in turn (:mod:`autograd_mini.checking.mutants`) and the op's cases must catch each
mutant; the kill table says, per op, how many mutants there were, how many a case
killed, how many are listed as equivalent and how many survived (exit 1 if any did).

>>> from autograd_mini.cli_gradcheck import check_op
>>> result = check_op("exp")
>>> result.ok, result.cases
(True, 2)
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

import numpy as np

from .checking import compare_gradients
from .checking.cases import Case, cases_for
from .checking.check import CASE_ATOL as ATOL
from .checking.check import CASE_RTOL as RTOL
from .checking.check import CaseMissesOpError
from .checking.check import check_case as _check_case
from .checking.mutants import self_test
from .creation import tensor
from .ops import REGISTRY
from .tables import text_table

__all__ = [
    "ATOL",
    "RTOL",
    "CheckResult",
    "check_case",
    "check_model",
    "check_op",
    "run",
    "run_mutants",
    "select_ops",
]


@dataclass(frozen=True)
class CheckResult:
    """One row of the table: an op (or the demo model), its cases and its worst errors."""

    name: str
    cases: int
    max_abs_error: float
    max_rel_error: float
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether every case agreed with finite differences."""
        return not self.problems

    @property
    def status(self) -> str:
        """``ok``, or ``FAIL: `` and the first problem."""
        if self.ok:
            return "ok"
        more = f" (+{len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        return f"FAIL: {self.problems[0]}{more}"


def check_case(name: str, case: Case, seed: int) -> tuple[float, float, str | None]:
    """Check one spec case of op ``name``; returns ``(max abs error, max rel error, problem)``.

    ``problem`` is None when the case passes, else a short reason (an entry disagrees,
    or the case never runs the op); other exceptions propagate.
    """
    try:
        report = _check_case(name, case, seed)
    except CaseMissesOpError as err:
        return 0.0, 0.0, str(err)
    worst_abs = max((row.max_abs_error for row in report), default=0.0)
    worst_rel = max((row.max_rel_error for row in report), default=0.0)
    failing = [i for i, row in enumerate(report) if not row.ok]
    problem = None
    if failing:
        label = f" [{case.label}]" if case.label else ""
        problem = f"case {seed}{label}, input {failing[0]} disagrees"
    return worst_abs, worst_rel, problem


def check_op(name: str, specs: Mapping[str, Sequence[Case]] | None = None) -> CheckResult:
    """Check every spec case of the op ``name``; an exception in a case counts as a failure."""
    cases = cases_for(name) if specs is None else specs.get(name, ())
    if not cases:
        return CheckResult(name, 0, 0.0, 0.0, ("no cases in the spec table",))
    worst_abs = worst_rel = 0.0
    problems: list[str] = []
    with np.errstate(divide="raise", over="raise", invalid="raise"):
        for index, case in enumerate(cases):
            try:
                abs_error, rel_error, problem = check_case(name, case, index)
            except Exception as err:  # a crash is reported as a failing case, not a traceback
                problems.append(f"case {index} raised {type(err).__name__}: {err}".splitlines()[0])
                continue
            worst_abs, worst_rel = max(worst_abs, abs_error), max(worst_rel, rel_error)
            if problem:
                problems.append(problem)
    return CheckResult(name, len(cases), worst_abs, worst_rel, tuple(problems))


def check_model(seed: int = 0) -> CheckResult:
    """The demo model's parameters against finite differences, via :func:`compare_gradients`.

    A ReLU MLP 64 → 32 → 10 on 8 random digits-shaped inputs (8×8 pixels in [0, 1)) with
    the mean cross-entropy against labels 0..7. One case per parameter.
    """
    from . import nn

    model = nn.MLP([64, 32, 10], activation="relu", seed=seed)
    rng = np.random.default_rng(seed)
    images = tensor(rng.random((8, 64)))
    labels = np.arange(8) % 10
    loss_fn = nn.CrossEntropyLoss()

    def demo_model_loss() -> Any:
        """The mean cross-entropy of the demo MLP on the batch."""
        return loss_fn(model(images), labels)

    name = "demo model (MLP 64-32-10)"
    try:
        report = compare_gradients(demo_model_loss, model, seed=seed)
    except Exception as err:
        return CheckResult(name, 0, 0.0, 0.0, (f"raised {type(err).__name__}: {err}".splitlines()[0],))
    problems = tuple(f"{row.name}: {row.result}" for row in report.failures)
    worst_abs = max((row.max_abs_error for row in report), default=0.0)
    worst_rel = max((row.max_rel_error for row in report), default=0.0)
    return CheckResult(name, len(report), worst_abs, worst_rel, problems)


def select_ops(requested: Iterable[str] | None, registry: Mapping[str, Any] | None = None) -> list[str]:
    """The op names to check: all registered ops (sorted), or the requested ones in order.

    Raises ValueError naming the unknown ops and listing the known ones.
    """
    known = sorted(REGISTRY if registry is None else registry)
    if not requested:
        return known
    chosen = list(dict.fromkeys(requested))
    unknown = [n for n in chosen if n not in known]
    if unknown:
        raise ValueError(
            f"unknown op{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
            f"the registered ops are: {', '.join(known)}"
        )
    return chosen


def _format(results: Sequence[CheckResult]) -> str:
    headers = ["op", "cases", "max abs error", "max rel error", "status"]
    rows = [
        [r.name, str(r.cases), f"{r.max_abs_error:.1e}", f"{r.max_rel_error:.1e}", r.status] for r in results
    ]
    return text_table(headers, rows)


def run(
    ops: Iterable[str] | None = None,
    *,
    model: bool = True,
    quiet: bool = False,
    specs: Mapping[str, Sequence[Case]] | None = None,
    registry: Mapping[str, Any] | None = None,
    stream: TextIO | None = None,
) -> int:
    """Check ``ops`` (default: every registered op) and, if ``model``, the demo model.

    Prints the table (with ``quiet``, only failing rows) and a summary line to
    ``stream`` (stdout by default); returns the exit status: 0 if everything agreed,
    1 on any failure. ``specs`` and ``registry`` default to the package's tables.
    """
    stream = sys.stdout if stream is None else stream
    names = select_ops(ops, registry)
    results = [check_op(name, specs) for name in names]
    if model:
        results.append(check_model())
    failed = [r for r in results if not r.ok]
    shown = failed if quiet else results
    if shown:
        print(_format(shown), file=stream)
    cases = sum(r.cases for r in results[: len(names)])
    plural = "s" if len(names) != 1 else ""
    what = f"{len(names)} op{plural} ({cases} cases, float64, rtol {RTOL:g}, atol {ATOL:g})"
    if model:
        what += f" and the demo model ({results[-1].cases} parameters, compare_gradients)"
    verdict = f"{len(failed)} of {len(results)} FAILED" if failed else "all agree"
    print(f"gradcheck: {what} against central finite differences: {verdict}", file=stream)
    return 1 if failed else 0


def run_mutants(
    ops: Iterable[str] | None = None, *, quiet: bool = False, stream: TextIO | None = None
) -> int:
    """``gradcheck --mutants``: the self-test of the checks over ``ops`` (default: every op).

    Each op's rules are mutated in turn (:mod:`autograd_mini.checking.mutants`: negated,
    scaled by 1 + 1e-3, plus 1e-3 of the upstream gradient or tangent, two inputs' rules
    swapped, a broadcasting reduction dropped) and the op's check cases must fail for
    each. Prints the kill table (with ``quiet``, only ops with a surviving mutant), every
    survivor and a summary line; returns 1 if a mutant that is not listed as equivalent
    survived, else 0.
    """
    stream = sys.stdout if stream is None else stream
    table = self_test(select_ops(ops))
    text = table.text(all_rows=not quiet)
    if text:
        print(text, file=stream)
    print(f"gradcheck --mutants: {table.summary()}", file=stream)
    return 0 if table.ok else 1
