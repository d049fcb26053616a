"""MkDocs hook: serve MathJax from the site itself, so formulas render offline.

MathJax 3 comes from a Python package (``django-static-mathjax``, a plain copy of the
MathJax release; nothing of Django is imported), installed with the project's ``dev``
extra. At build time this hook adds the browser build (``es5/``) to the site's files
under ``javascripts/mathjax/``; ``mkdocs.yml`` loads ``javascripts/mathjax/tex-chtml.js``
from there. Only what the TeX input and the CommonHTML output load is copied: the
combined component, its lazily loaded extensions (``input/``, ``output/chtml/`` with its
fonts, ``a11y/``, ``sre/``, ``ui/``) and MathJax's licence.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

SITE_DIR = "javascripts/mathjax"
COMPONENT = "tex-chtml.js"
LAZY_DIRS = ("input", "output/chtml", "a11y", "sre", "ui")


def mathjax_root() -> Path:
    """The installed MathJax release (the folder holding ``es5/`` and ``LICENSE``)."""
    try:
        root = Path(str(importlib.resources.files("mathjax"))) / "static" / "mathjax"
    except ModuleNotFoundError:
        root = None
    if root is None or not (root / "es5" / COMPONENT).is_file():
        raise PluginError(
            "mathjax_assets: MathJax is not installed, so the site's formulas cannot render. "
            "Install the docs dependencies with `make setup` (or "
            "`pip install -e '.[dev]'`, which brings django-static-mathjax)."
        )
    return root


def mathjax_files() -> list[tuple[str, Path]]:
    """(path in the site, file on disk) for every MathJax file the site serves."""
    root = mathjax_root()
    es5 = root / "es5"
    files = [(f"{SITE_DIR}/{COMPONENT}", es5 / COMPONENT), (f"{SITE_DIR}/LICENSE", root / "LICENSE")]
    for folder in LAZY_DIRS:
        for path in sorted((es5 / folder).rglob("*")):
            if path.is_file():
                files.append((f"{SITE_DIR}/{path.relative_to(es5).as_posix()}", path))
    return files


def on_files(files: Files, *, config: MkDocsConfig) -> Files:
    for src_uri, path in mathjax_files():
        files.append(File.generated(config, src_uri, abs_src_path=str(path)))
    return files
