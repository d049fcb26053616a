"""Turn the figures recorded by a test run into docs/reliability.md.

Usage: ``python tools/reliability_report.py RESULTS.json docs/reliability.md [MUTATION.json]``;
``make reliability`` runs the whole suite with the long soak and calls this. Nothing on
the page is typed by hand: every number comes from the run's JSON, and the source-level
mutation figures from the last ``make mutation`` run (``tools/mutation_results.json``,
written by ``tools/mutation_run.py``).
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any


def _row(label: str, value: Any) -> str:
    return f"| {label} | {value} |"


def _self_test(values: dict[str, Any]) -> list[str]:
    """The semantic mutation self-test (tests/test_mutants.py): kills per op family."""
    total = values.get("mutants_total")
    if total is None:
        return ["The mutation self-test did not run in this run.", ""]
    lines = [
        f"Every derivative rule of every op (each input's VJP and the JVP) is mutated in turn and "
        f"the op's own check cases must fail: {values.get('mutants_killed')} of {total} mutants "
        f"killed, {values.get('mutants_equivalent')} equivalent (listed below with the reason), "
        f"**{values.get('mutants_survived')} survived**, in {values.get('mutants_seconds')} s "
        f"(`tests/test_mutants.py`, `autograd-mini gradcheck --mutants`). Mutants: the rule "
        f"negated, scaled by 1 + 10⁻³, plus 10⁻³ of the upstream gradient (or tangent), two "
        f"inputs' rules swapped, one broadcast copy instead of the sum over copies.",
        "",
        "| op family (module) | ops | mutants | killed | equivalent | survived |",
        "|---|---|---|---|---|---|",
    ]
    for family, (ops, n, killed, equivalent, survived) in sorted(values.get("mutants_by_family", {}).items()):
        lines.append(f"| {family} | {ops} | {n} | {killed} | {equivalent} | {survived} |")
    lines += ["", "Equivalent mutants (they compute the same function as the rule on every input):", ""]
    lines += [f"- `{key}`: {reason}" for key, reason in values.get("mutants_equivalent_list", [])]
    lines.append("")
    return lines


def _source_level(mutation: dict[str, Any] | None) -> list[str]:
    """The cosmic-ray run over the ops package and the engine (``make mutation``)."""
    if not mutation:
        return ["No source-level mutation run recorded yet: `make mutation` (slow) writes one.", ""]
    counts = mutation.get("counts", {})
    rate = mutation.get("kill_rate")
    sampled, total = mutation.get("mutants_sampled"), mutation.get("mutants_total")
    scope = "every mutant"
    if sampled != total:
        scope = f"a random sample of {sampled} (seed {mutation.get('seed')})"
    run = mutation.get("mutants_run", sampled)
    if run is not None and sampled is not None and run < sampled:
        scope += f", stopped after {run} of them"
    lines = [
        f"`make mutation`: {mutation.get('tool')} mutated the source (at commit "
        f"{str(mutation.get('commit'))[:7]}) of "
        f"{', '.join('`' + m + '`' for m in mutation.get('modules', []))} ({total} mutants in all; "
        f"this run: {scope}, {mutation.get('seconds')} s) and ran the gradient and ops tests on each. "
        f"**Kill rate {rate:.1%}** ({mutation.get('mutants_run')} mutants run): "
        f"{mutation.get('killed')} killed, {mutation.get('survived')} survived"
        + (f", {counts.get('incompetent', 0)} incompetent (the mutant does not even import)"
           if counts.get("incompetent") else "")
        + ".",
        "",
        "| module | killed | survived |",
        "|---|---|---|",
    ]
    for module, c in mutation.get("per_module", {}).items():
        lines.append(f"| `{module}` | {c.get('killed', 0) + c.get('timeout', 0)} | {c.get('survived', 0)} |")
    lines.append("")
    survivors = mutation.get("survivors", [])
    notes_path = Path(__file__).with_name("mutation_notes.json")
    notes = json.loads(notes_path.read_text(encoding="utf-8")) if notes_path.exists() else {}
    if survivors:
        said = [notes.get(f"{s['module']}:{s['line']}:{s['operator']}", "") for s in survivors]
        equivalent = sum(n.startswith("equivalent") for n in said)
        new_tests = sum(n.startswith("killed by tests/test_mutation_survivors.py") for n in said)
        elsewhere = sum(n.startswith("killed by") for n in said) - new_tests
        lines += [
            f"Of the {len(survivors)} survivors, {equivalent} are equivalent (they compute what the "
            f"code computes), {elsewhere} are killed by tests outside this run's test files (which "
            f"`make mutation` now runs too) and {new_tests} by tests added for them "
            f"(`tests/test_mutation_survivors.py`); {len(survivors) - equivalent - elsewhere - new_tests} "
            f"are not yet examined.",
            "",
            "Surviving mutants, each killed by a test or explained (`tools/mutation_notes.json`):",
            "",
        ]
        for s in survivors:
            note = notes.get(f"{s['module']}:{s['line']}:{s['operator']}", "not yet examined")
            lines.append(f"- `{s['module']}:{s['line']}` ({s['operator']}): {note}")
        lines.append("")
    return lines


def render(data: dict[str, Any], mutation: dict[str, Any] | None = None) -> str:
    """The Markdown page for one run's figures (and the last source-level mutation run)."""
    counts = data.get("counts", {})
    values = data.get("values", {})
    failed = data.get("tests_failed", 0)
    verdict = (
        "**all tests passed: zero wrong gradients, zero unexplained errors.**"
        if failed == 0
        else f"**{failed} test(s) FAILED in this run**: see the test log."
    )
    lines = [
        "# Reliability",
        "",
        "Figures from the last `make reliability` run (the whole test suite with the long soak).",
        f"Generated {datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC} on {data.get('machine')} with "
        f"Python {data.get('python')} and NumPy {data.get('numpy')}; "
        f"{data.get('tests_collected')} tests collected, {verdict}",
        "",
        "## Gradients checked against central finite differences (float64)",
        "",
        "| check | count |",
        "|---|---|",
        _row("ops in the registry, each checked", len(data.get("ops", []))),
        _row("op cases (op × shapes, broadcast pairs, axes, indices), first order",
             counts.get("op_cases_first_order", 0)),
        _row("gradient entries compared one by one", counts.get("gradient_entries_checked", 0)),
        _row("op cases, second order through `create_graph=True`", counts.get("op_cases_second_order", 0)),
        _row("op cases, third order (reverse three times) against differences of the second",
             counts.get("op_cases_third_order", 0)),
        _row("op cases, forward over forward (a jvp of a jvp)", counts.get("op_cases_nested_forward", 0)),
        _row("op cases, forward over reverse (as `am.hvp`)", counts.get("op_cases_forward_over_reverse", 0)),
        _row("op cases run in float32 against float64", counts.get("op_cases_float32", 0)),
        _row("random programs of 3-8 ops (hypothesis), float64 and float32",
             counts.get("fuzz_programs", 0)),
        _row("random functions: jvp, vjp, grad, jacobian, hessian, hvp against each other",
             counts.get("fuzz_transform_functions", 0)),
        "",
        "## The tests catch wrong derivatives: mutation testing",
        "",
        "### Semantic mutants of every rule (in `make test`)",
        "",
        *_self_test(values),
        "### Source-level mutants of the ops and the engine (`make mutation`)",
        "",
        *_source_level(mutation),
        "## Bad input, in-place safety, threads",
        "",
        "| check | count |",
        "|---|---|",
        _row("bad inputs tried (each raised a clear, named error, leaving state unchanged)",
             counts.get("bad_inputs", 0)),
        _row("optimizers stepping between forward and backward (each caught)",
             counts.get("inplace_cases", 0)),
        _row("models trained in parallel threads, bit-identical to sequential", counts.get("thread_runs", 0)),
        "",
        "## Soak and memory",
        "",
        "| measure | value |",
        "|---|---|",
        _row("training steps of a small MLP", values.get("soak_steps", "not run")),
        _row("resident memory growth over those steps (MB, limit 20)", values.get("soak_rss_growth_mb", "-")),
        _row("ops in the deep chain differentiated", values.get("chain_ops", "not run")),
        _row("peak resident memory of that process (MB)", values.get("chain_peak_rss_mb", "-")),
        _row("forward + backward time of the chain (s)", values.get("chain_seconds", "-")),
        "",
        "Regenerate with `make reliability`.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if len(argv) not in (3, 4):
        print("usage: reliability_report.py RESULTS.json OUTPUT.md [MUTATION.json]", file=sys.stderr)
        return 2
    data = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    mutation_path = Path(argv[3]) if len(argv) == 4 else Path(__file__).with_name("mutation_results.json")
    mutation = json.loads(mutation_path.read_text(encoding="utf-8")) if mutation_path.exists() else None
    Path(argv[2]).write_text(render(data, mutation), encoding="utf-8")
    print(f"wrote {argv[2]}")
    return 0 if data.get("tests_failed", 0) == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
