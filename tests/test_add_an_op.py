"""Adding an elementwise op takes one entry in one place (docs/contributing.md says so).

A throwaway op registered with one ``Op(...)`` call must show up as ``am.<name>``, as a
Tensor method, in the derivative table, with generated check cases that pass, and in
``autograd-mini gradcheck``; ``remove`` withdraws all of it. The worked example of the
contributing page (the ``tan`` entry) is kept identical to the source.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.checking.cases import cases_for
from autograd_mini.checking.check import check_case
from autograd_mini.cli import main
from autograd_mini.core.op import REGISTRY, Domain, Op, remove
from autograd_mini.ops.table import markdown

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def cube_op():
    op = Op(
        "cube_for_test",
        lambda x: x**3,
        [lambda g, ans, x: 3.0 * g * x * x],
        rules=["x̄ = 3 · ḡ · x²"],
        math="y = x³",
        doc="The cube of every element.",
        domain=Domain((-2.0, 2.0)),
        public=True,
        method=True,
    )
    yield op
    if "cube_for_test" in REGISTRY:
        remove("cube_for_test")


def test_one_entry_gives_function_method_docs_row_and_checks(cube_op, capsys) -> None:
    x = am.tensor([1.0, -2.0], requires_grad=True)
    y = am.cube_for_test(x)
    assert "cube_for_test" in dir(am)
    assert am.cube_for_test.__doc__.startswith("The cube of every element.")
    assert "x̄ = 3 · ḡ · x²" in am.cube_for_test.__doc__
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 12.0])
    np.testing.assert_allclose(x.cube_for_test().numpy(), [1.0, -8.0])
    assert "| `cube_for_test` | y = x³ | x̄ = 3 · ḡ · x² | no forward-mode rule | inputs |" in markdown()
    cases = cases_for("cube_for_test")
    assert len(cases) == 2
    for i, c in enumerate(cases):
        assert check_case("cube_for_test", c, i).ok
        assert check_case("cube_for_test", c, i, order=2).ok
    assert main(["gradcheck", "--op", "cube_for_test"]) == 0
    assert "cube_for_test" in capsys.readouterr().out


def test_a_wrong_rule_in_the_entry_is_caught_by_the_generated_cases(capsys) -> None:
    Op(
        "bad_cube_for_test",
        lambda x: x**3,
        [lambda g, ans, x: 2.0 * g * x * x],  # should be 3·ḡ·x²
        rules=["x̄ = 2 · ḡ · x² (wrong on purpose)"],
        math="y = x³",
        domain=Domain((0.5, 2.0)),
        public=True,
    )
    try:
        assert not check_case("bad_cube_for_test", cases_for("bad_cube_for_test")[0], 0).ok
        assert main(["gradcheck", "--op", "bad_cube_for_test"]) == 1
    finally:
        remove("bad_cube_for_test")


def test_remove_withdraws_everything(cube_op) -> None:
    remove("cube_for_test")
    assert not hasattr(am.tensor(1.0), "cube_for_test")
    with pytest.raises(AttributeError):
        am.cube_for_test  # noqa: B018
    assert "cube_for_test" not in markdown()
    assert cases_for("cube_for_test") == []


def test_a_name_taken_twice_is_refused(cube_op) -> None:
    with pytest.raises(ValueError, match="already registered"):
        Op("cube_for_test", np.negative, [lambda g, ans, x: -g])


def test_contributing_page_shows_the_tan_entry_as_it_is_in_the_source() -> None:
    page = (ROOT / "docs" / "contributing.md").read_text(encoding="utf-8")
    snippet = re.search(r"```py\n(tan: Op = Op\(.*?\n\))\n```", page, re.S)
    assert snippet, "docs/contributing.md lost its tan entry"
    source = (ROOT / "autograd_mini" / "ops" / "unary.py").read_text(encoding="utf-8")
    assert snippet.group(1) in source
