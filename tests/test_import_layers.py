"""The layer contracts of pyproject.toml hold, and they would catch an upward import.

import-linter's ``lint-imports`` reads the contracts (core → ops → transforms, checking,
explain, viz → nn → data, train → command line; and the kinds of ops among themselves).
The second test plants an upward import in a copy of the package and expects the
contracts to break, so the check cannot pass vacuously.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(cwd: Path) -> subprocess.CompletedProcess[str]:
    if not LINT.exists():
        pytest.fail(f"{LINT} is missing: install the dev dependencies (make setup)")
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run(
        [str(LINT), "--config", str(cwd / "pyproject.toml"), "--no-cache"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _copy(tmp_path: Path) -> Path:
    shutil.copytree(
        ROOT / "autograd_mini", tmp_path / "autograd_mini", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_package_keeps_its_layers(tmp_path: Path) -> None:
    result = _lint(_copy(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "upward"),
    [
        ("core/node.py", "import autograd_mini.nn"),  # the core reaching for nn
        ("tensor.py", "from autograd_mini.ops import api"),  # the Tensor type importing the ops
        ("ops/unary.py", "from autograd_mini.ops import binary"),  # a cycle inside the ops
    ],
)
def test_an_upward_import_breaks_the_contracts(tmp_path: Path, module: str, upward: str) -> None:
    copy = _copy(tmp_path)
    path = copy / "autograd_mini" / module
    path.write_text(path.read_text() + f"\n{upward}  # planted by the test\n")
    result = _lint(copy)
    assert result.returncode != 0, result.stdout
    assert "BROKEN" in result.stdout
