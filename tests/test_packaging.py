"""Packaging metadata that installs without warnings (pyproject.toml)."""

from __future__ import annotations

import re
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # the backport; a dependency of the dev tools there

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_license_is_an_spdx_expression_with_a_setuptools_that_reads_it():
    # The TOML-table form (license = { text = "MIT" }) prints setuptools' deprecation banner on
    # every install; the SPDX string needs setuptools >= 77 to build.
    assert PYPROJECT["project"]["license"] == "MIT"
    requires = PYPROJECT["build-system"]["requires"]
    setuptools = [r for r in requires if re.match(r"setuptools\b", r)]
    assert setuptools, requires
    floor = re.search(r">=\s*(\d+)", setuptools[0])
    assert floor and int(floor.group(1)) >= 77, setuptools
    classifiers = PYPROJECT["project"].get("classifiers", [])
    assert not [c for c in classifiers if c.startswith("License ::")], (
        "an SPDX license excludes License classifiers"
    )


def test_the_docs_site_dependencies_are_in_the_dev_extra():
    dev = " ".join(PYPROJECT["project"]["optional-dependencies"]["dev"])
    for name in ("mkdocs-material", "mkdocs-jupyter", "django-static-mathjax", "selenium"):
        assert name in dev, f"{name} missing from the dev extra"
