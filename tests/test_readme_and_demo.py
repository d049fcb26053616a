"""The README's Python examples run, and print what the README says they print."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import matplotlib
import pytest

from autograd_mini.examples.demo import single_weight_demo

matplotlib.use("Agg")

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"```python\n(.*?)```(?:\s*\n(?:[^`\n]*\n){0,3}?\s*```text\n(.*?)```)?", re.S)


def _examples():
    return [(m.group(1), m.group(2)) for m in BLOCK.finditer(README.read_text(encoding="utf-8"))]


@pytest.mark.parametrize(("code", "expected"), _examples())
def test_readme_example(code, expected, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(README), "exec"), {"__name__": "__readme__"})
    if expected is not None:
        assert out.getvalue().strip() == expected.strip()


def test_the_single_weight_demo_reproduces_the_lecture_notes(capsys):
    # w = 0.95, x = 2, y* = 1, h = 0.1: the notes print w = 0.77, 0.5027, 0.5002, 0.5000
    history = single_weight_demo()
    assert [round(history[i - 1], 4) for i in (1, 10, 15, 20)] == [0.77, 0.5027, 0.5002, 0.5]
    printed = capsys.readouterr().out
    assert "dJ/dw by backward():            1.800000" in printed
    assert "dJ/dw by hand, (y - y*)·x:      1.800000" in printed
