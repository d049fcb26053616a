"""The command line: ``autograd-mini gradcheck`` (table, exit status, errors), --help/--version."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import cli_gradcheck
from autograd_mini.checking.cases import Case, cases_for, normal, positive
from autograd_mini.checking.closeness import relative_error
from autograd_mini.cli import main
from autograd_mini.ops import REGISTRY


def _rows(text: str) -> dict[str, list[str]]:
    """The table's rows by op name: [cases, max abs error, max rel error, status]."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("op "))
    rows = {}
    for line in lines[start + 2 :]:
        if line.startswith("gradcheck:"):
            break
        cells = [c for c in line.split("  ") if c.strip()]
        rows[cells[0].strip()] = [c.strip() for c in cells[1:]]
    return rows


def test_gradcheck_checks_every_registered_op_and_the_demo_model(capsys: pytest.CaptureFixture[str]):
    assert main(["gradcheck"]) == 0
    out = capsys.readouterr().out
    rows = _rows(out)
    model_rows = [name for name in rows if name.startswith("demo model")]
    assert len(model_rows) == 1
    assert set(rows) - set(model_rows) == set(REGISTRY)
    for name, (cases, abs_error, rel_error, status) in rows.items():
        assert status == "ok", name
        if name in REGISTRY:
            assert int(cases) == len(cases_for(name))
        assert float(abs_error) < 1e-6 and float(rel_error) < 1e-3
    total = sum(len(cases_for(name)) for name in REGISTRY)
    assert f"{len(REGISTRY)} ops ({total} cases" in out
    assert out.rstrip().endswith("all agree")


def test_op_selects_ops_in_the_order_given_and_skips_the_model(capsys: pytest.CaptureFixture[str]):
    assert main(["gradcheck", "--op", "matmul", "--op", "exp", "--op", "matmul"]) == 0
    out = capsys.readouterr().out
    assert list(_rows(out)) == ["matmul", "exp"]
    assert "demo model" not in out
    assert "2 ops (10 cases" in out


def test_quiet_prints_only_the_summary_when_all_agree(capsys: pytest.CaptureFixture[str]):
    assert main(["gradcheck", "--op", "tanh", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == [out.strip()]
    assert out.startswith(f"gradcheck: 1 op ({len(cases_for('tanh'))} cases")
    assert out.rstrip().endswith("all agree")


def test_unknown_op_names_the_known_ones(capsys: pytest.CaptureFixture[str]):
    assert main(["gradcheck", "--op", "exp", "--op", "expp"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "unknown op 'expp'" in captured.err
    assert "the registered ops are: abs, add," in captured.err and "matmul" in captured.err


def test_a_wrong_vjp_fails_with_exit_status_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    # sin's rule returns ḡ·sin(x) instead of ḡ·cos(x)
    monkeypatch.setattr(REGISTRY["sin"], "vjps", (lambda g, ans, x: g * am.sin(x),))
    assert main(["gradcheck", "--op", "sin", "--op", "cos"]) == 1
    out = capsys.readouterr().out
    rows = _rows(out)
    assert rows["sin"][3].startswith("FAIL: case 0 [(3, 4)], input 0 disagrees")
    assert float(rows["sin"][1]) > 0.1
    assert rows["cos"][3] == "ok"
    assert out.rstrip().endswith("1 of 2 FAILED")
    # --quiet keeps the failing row
    assert main(["gradcheck", "--op", "sin", "--op", "cos", "--quiet"]) == 1
    assert list(_rows(capsys.readouterr().out)) == ["sin"]


def test_a_broken_op_in_a_copy_of_the_spec_table_fails(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    @am.custom_op
    def bad_square(x):
        return x**2

    @bad_square.defvjp
    def _(g, ans, x):
        return 3 * x * g  # should be 2·x·ḡ

    bad_cases = [
        Case(bad_square, [normal(3)]),
        Case(bad_square, [positive(2, 2)], label="positive"),
    ]
    registry = dict(REGISTRY)
    registry["bad_square"] = bad_square
    monkeypatch.setattr(
        cli_gradcheck, "cases_for", lambda name: bad_cases if name == "bad_square" else cases_for(name)
    )
    monkeypatch.setattr(cli_gradcheck, "REGISTRY", registry)
    assert main(["gradcheck", "--op", "bad_square", "--op", "exp"]) == 1
    rows = _rows(capsys.readouterr().out)
    assert rows["bad_square"][0] == "2"
    assert rows["bad_square"][3] == "FAIL: case 0, input 0 disagrees (+1 more)"
    assert rows["exp"][3] == "ok"


def test_cases_that_miss_the_op_or_raise_are_failures():
    specs = {
        "exp": [Case(lambda x: am.tanh(x), [normal(3)])],
        "log": [Case(lambda x: am.log(x.reshape(5)), [normal(3)])],
    }
    missed = cli_gradcheck.check_op("exp", specs)
    assert not missed.ok and missed.problems == ("case 0 does not run exp",)
    crashed = cli_gradcheck.check_op("log", specs)
    assert not crashed.ok and crashed.status.startswith("FAIL: case 0 raised ValueError")
    assert cli_gradcheck.check_op("sin", {}).status == "FAIL: no cases in the spec table"


def test_the_demo_model_check_catches_a_wrong_relu_rule(monkeypatch: pytest.MonkeyPatch):
    assert cli_gradcheck.check_model().ok
    monkeypatch.setattr(REGISTRY["relu"], "vjps", (lambda g, ans, x: g,))  # ignores the kink: identity
    result = cli_gradcheck.check_model()
    assert not result.ok
    assert any(p.startswith("layers.0.") for p in result.problems)


def test_gradcheck_output_goes_to_the_given_stream(tmp_path: Path):
    path = tmp_path / "report.txt"
    with path.open("w", encoding="utf-8") as stream:
        assert cli_gradcheck.run(["neg"], model=False, stream=stream) == 0
    text = path.read_text(encoding="utf-8")
    header = ["op", "cases", "max", "abs", "error", "max", "rel", "error", "status"]
    assert text.splitlines()[0].split() == header
    assert "neg" in _rows(text)


def test_the_relative_error_is_zero_where_both_gradients_are_zero():
    rel = relative_error(np.array([0.0, 1.0, 2.0]), np.array([0.0, 1.0, 1.0]))
    np.testing.assert_array_equal(rel, [0.0, 0.0, 0.5])


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)


def test_python_dash_m_help_and_version_in_a_real_process():
    helped = _run(sys.executable, "-m", "autograd_mini", "--help")
    assert helped.returncode == 0, helped.stderr
    for command in ("demo", "gradcheck", "graph"):
        assert command in helped.stdout
    version = _run(sys.executable, "-m", "autograd_mini", "--version")
    assert version.returncode == 0 and version.stdout.strip() == f"autograd-mini {am.__version__}"


def test_the_console_script_runs_gradcheck():
    bin_dir = Path(sys.executable).parent
    script = shutil.which("autograd-mini", path=os.pathsep.join([str(bin_dir), os.environ.get("PATH", "")]))
    assert script is not None, "the autograd-mini console script is not installed (pip install -e .)"
    result = _run(script, "gradcheck", "--op", "exp", "--op", "nope")
    assert result.returncode == 2 and "unknown op 'nope'" in result.stderr
    result = _run(script, "gradcheck", "--op", "exp", "--quiet")
    assert result.returncode == 0 and "all agree" in result.stdout


def test_no_command_prints_help_and_returns_2(capsys: pytest.CaptureFixture[str]):
    assert main([]) == 2
    assert "gradcheck" in capsys.readouterr().out
