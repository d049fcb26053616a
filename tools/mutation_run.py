"""Source-level mutation testing of the ops package and the engine with cosmic-ray (`make mutation`).

Usage::

    python tools/mutation_run.py [--sample N] [--seed S] [--timeout SECONDS] [--out .mutation.json]

cosmic-ray mutates files in place while the tests run, so the run never touches this
working tree: the committed tree (``git archive HEAD``) is unpacked into a scratch
directory and cosmic-ray works there, with the tests importing that copy. Mutated:
``autograd_mini/ops`` (every op's forward, rules and argument handling) and the engine
(``autograd_mini/core/engine.py``, ``op.py``, ``broadcasting.py``, ``forward.py``), with
cosmic-ray's operators (arithmetic and comparison operators swapped, constants changed,
``not`` added, booleans flipped, loops skipped, exceptions replaced, ...). An interrupted
run leaves the mutant it was testing in the copy: put that file back from the commit
(``COMMIT`` in the copy), then ``cosmic-ray exec mutation.toml session.sqlite`` there
resumes it, and ``--summarize --workdir DIR`` summarises a session as far as it has run.

Every mutant is run against the tests of gradients and ops (``TEST_FILES``, stopping at
the first failure). The whole set is many thousands of mutants, hours of testing: too
slow for CI, so ``--sample N`` draws N of them at random (seeded) and marks the rest
skipped; ``make mutation`` runs everything unless ``MUTATION_SAMPLE`` is set. The
result, a JSON file with the counts, the kill rate per module and every surviving
mutant's diff, is what ``tools/reliability_report.py`` puts on docs/reliability.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MODULES = [
    "autograd_mini/ops",
    "autograd_mini/core/engine.py",
    "autograd_mini/core/op.py",
    "autograd_mini/core/broadcasting.py",
    "autograd_mini/core/forward.py",
]
# The fast killers first: every op's gradient against finite differences, then the ops'
# own tests, then forward mode and the engine.
TEST_FILES = [
    "tests/test_op_gradients.py",
    "tests/test_ops_elementwise.py",
    "tests/test_ops_reductions.py",
    "tests/test_ops_shape.py",
    "tests/test_ops_linalg.py",
    "tests/test_ops_logic.py",
    "tests/test_math_rules.py",
    "tests/test_edge_values.py",
    "tests/test_tensor.py",
    "tests/test_torch_names.py",
    "tests/nn/test_conv.py",  # conv, pool, embedding, activations and losses are ops too
    "tests/nn/test_pool.py",
    "tests/nn/test_embedding.py",
    "tests/nn/test_activations.py",
    "tests/nn/test_losses.py",
    "tests/nn/test_losses_more.py",
    "tests/test_engine.py",
    "tests/test_forward_mode_ops.py",
    "tests/test_forward_mode.py",
]


def _config(python: str, timeout: float) -> str:
    tests = " ".join(f for f in TEST_FILES if (ROOT / f).exists())
    command = f"{python} -m pytest -x -q -p no:cacheprovider -o addopts= --no-header {tests}"
    modules = ", ".join(json.dumps(m) for m in MODULES)
    return (
        "[cosmic-ray]\n"
        f"module-path = [{modules}]\n"
        f"timeout = {timeout}\n"
        "excluded-modules = []\n"
        f"test-command = {json.dumps(command)}\n\n"
        "[cosmic-ray.distributor]\n"
        'name = "local"\n'
    )


def _run(cmd: list[str], cwd: Path, env: dict[str, str]) -> None:
    print("$", " ".join(cmd), flush=True)
    subprocess.run(cmd, cwd=cwd, env=env, check=True)


def _sample(session: Path, n: int, seed: int) -> tuple[int, int]:
    """Keep ``n`` work items drawn at random; mark the others skipped. (total, kept)"""
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    with use_db(str(session), WorkDB.Mode.open) as db:
        items = sorted(db.work_items, key=lambda w: w.job_id)
        total = len(items)
        if n <= 0 or n >= total:
            return total, total
        keep = {w.job_id for w in random.Random(seed).sample(items, n)}
        for w in items:
            if w.job_id not in keep:
                db.set_result(w.job_id, WorkResult(worker_outcome=WorkerOutcome.SKIPPED))
    return total, n


def _sizes(session: Path) -> tuple[int, int]:
    """(all mutants, those not skipped) of a session."""
    from cosmic_ray.work_db import WorkDB, use_db

    with use_db(str(session), WorkDB.Mode.open) as db:
        total = db.num_work_items
        skipped = sum(1 for _, r in db.results if r.worker_outcome.value == "skipped")
    return total, total - skipped


def _summary(session: Path, total: int, sampled: int, seconds: float, seed: int) -> dict[str, Any]:
    from cosmic_ray.work_db import WorkDB, use_db

    counts: Counter[str] = Counter()
    per_module: dict[str, Counter[str]] = defaultdict(Counter)
    survivors = []
    with use_db(str(session), WorkDB.Mode.open) as db:
        items = {w.job_id: w for w in db.work_items}
        for job_id, result in db.results:
            if result.worker_outcome.value == "skipped":
                continue
            if result.worker_outcome.value == "normal":
                outcome = result.test_outcome.value  # killed, survived, incompetent
            else:
                outcome = result.worker_outcome.value  # timeout, exception, no-test
            counts[outcome] += 1
            mutation = items[job_id].mutations[0]
            module = str(mutation.module_path)
            per_module[module][outcome] += 1
            if outcome == "survived":
                survivors.append(
                    {
                        "job": job_id,
                        "module": module,
                        "line": mutation.start_pos[0],
                        "operator": mutation.operator_name,
                        "diff": result.diff,
                    }
                )
    config = session.parent / "mutation.toml"  # the test files this session ran
    tests = [w.strip('"') for w in config.read_text(encoding="utf-8").split() if w.startswith("tests/")]
    commit_file = session.parent / "COMMIT"
    commit = commit_file.read_text(encoding="utf-8").strip() if commit_file.exists() else None
    killed = counts["killed"] + counts["timeout"]
    judged = killed + counts["survived"]
    return {
        "tool": "cosmic-ray",
        "commit": commit,
        "modules": MODULES,
        "tests": tests,
        "mutants_total": total,
        "mutants_sampled": sampled,
        "mutants_run": sum(counts.values()),
        "seed": seed,
        "counts": dict(counts),
        "killed": killed,
        "survived": counts["survived"],
        "kill_rate": killed / judged if judged else None,
        "per_module": {m: dict(c) for m, c in sorted(per_module.items())},
        "survivors": sorted(survivors, key=lambda s: (s["module"], s["line"])),
        "seconds": round(seconds),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=0, help="run N mutants drawn at random (0: all)")
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per mutant's test run")
    parser.add_argument("--out", default=str(ROOT / ".mutation.json"))
    parser.add_argument("--workdir", default="", help="scratch directory (default: a new temporary one)")
    parser.add_argument(
        "--summarize", action="store_true",
        help="only write the summary of the session in --workdir (as far as it has run); "
        "`cosmic-ray exec mutation.toml session.sqlite` there resumes it",
    )
    args = parser.parse_args(argv)

    start = time.perf_counter()
    if args.summarize:
        session = Path(args.workdir) / "session.sqlite"
        summary = _summary(session, *_sizes(session), 0.0, args.seed)
        Path(args.out).write_text(json.dumps(summary, indent=2), encoding="utf-8")
        print(f"{summary['killed']} killed, {summary['survived']} survived of {summary['mutants_run']} run")
        return 0
    work = Path(args.workdir or tempfile.mkdtemp(prefix="am-mutation-"))
    work.mkdir(parents=True, exist_ok=True)
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()
    archive = subprocess.run(["git", "archive", commit], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(work)], input=archive, check=True)
    (work / "COMMIT").write_text(commit + "\n", encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(work), PYTHONDONTWRITEBYTECODE="1")
    python = sys.executable
    probe = subprocess.run(
        [python, "-c", "import autograd_mini; print(autograd_mini.__file__)"],
        cwd=work, env=env, check=True, capture_output=True, text=True,
    ).stdout.strip()
    if not probe.startswith(str(work)):
        raise SystemExit(f"the tests would import {probe}, not the scratch copy in {work}")
    (work / "mutation.toml").write_text(_config(python, args.timeout), encoding="utf-8")
    session = work / "session.sqlite"
    cosmic = str(Path(python).with_name("cosmic-ray"))
    _run([cosmic, "init", "mutation.toml", str(session)], work, env)
    total, sampled = _sample(session, args.sample, args.seed)
    print(f"{total} mutants; running {sampled}", flush=True)
    _run([cosmic, "exec", "mutation.toml", str(session)], work, env)
    summary = _summary(session, total, sampled, time.perf_counter() - start, args.seed)
    Path(args.out).write_text(json.dumps(summary, indent=2), encoding="utf-8")
    rate = summary["kill_rate"]
    print(
        f"cosmic-ray: {summary['killed']} killed, {summary['survived']} survived of {sampled} "
        f"sampled mutants ({total} in all); kill rate {rate:.1%}" if rate is not None else "no results",
        flush=True,
    )
    print(f"wrote {args.out} (scratch copy: {work})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
