"""Turn the figures recorded by a test run into docs/reliability.md.

Usage: ``python tools/reliability_report.py RESULTS.json docs/reliability.md``; ``make
reliability`` runs the whole suite with the long soak and calls this. Nothing on the
page is typed by hand: every number comes from the run's JSON.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any


def _row(label: str, value: Any) -> str:
    return f"| {label} | {value} |"


def render(data: dict[str, Any]) -> str:
    """The Markdown page for one run's figures."""
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
        _row("op cases run in float32 against float64", counts.get("op_cases_float32", 0)),
        _row("random programs of 3-8 ops (hypothesis), float64 and float32",
             counts.get("fuzz_programs", 0)),
        _row("random functions: jvp, vjp, grad, jacobian, hessian, hvp against each other",
             counts.get("fuzz_transform_functions", 0)),
        "",
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
    if len(argv) != 3:
        print("usage: reliability_report.py RESULTS.json OUTPUT.md", file=sys.stderr)
        return 2
    data = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    Path(argv[2]).write_text(render(data), encoding="utf-8")
    print(f"wrote {argv[2]}")
    return 0 if data.get("tests_failed", 0) == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
