"""The documentation site stays true: its Python examples run and print what the pages say.

Every ```python block of ``docs/**/*.md`` (except the generated pages) is executed, the
blocks of one page in order in one namespace, with a temporary directory as the working
directory. A ```text block right after a Python block (at most three lines of prose in
between) is the output that block prints, and must match it exactly.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import re
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
GENERATED = {"derivatives.md", "performance.md", "reliability.md"}
SKIPPED_DIRS = {"notebooks", "hooks", "javascripts"}  # the notebooks run under nbmake
BLOCK = re.compile(r"```python\n(.*?)```(?:\s*\n(?:[^`\n]*\n){0,3}?\s*```text\n(.*?)```)?", re.S)


def _pages() -> list[Path]:
    pages = []
    for path in sorted(DOCS.rglob("*.md")):
        relative = path.relative_to(DOCS)
        if relative.parts[0] in SKIPPED_DIRS or relative.as_posix() in GENERATED:
            continue
        pages.append(path)
    return pages


def _blocks(page: Path) -> list[tuple[str, str | None]]:
    return [(m.group(1), m.group(2)) for m in BLOCK.finditer(page.read_text(encoding="utf-8"))]


PAGES = [page for page in _pages() if _blocks(page)]


def test_the_pages_with_examples_are_found():
    names = {page.relative_to(DOCS).as_posix() for page in PAGES}
    assert {"index.md", "pictures.md", "howto/check_gradients.md", "howto/custom_op.md"} <= names
    assert not names & GENERATED


@pytest.mark.parametrize("page", PAGES, ids=[p.relative_to(DOCS).as_posix() for p in PAGES])
def test_page_examples_run_and_print_what_the_page_says(page: Path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for number, (code, expected) in enumerate(_blocks(page), start=1):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, f"{page.relative_to(ROOT)} (python block {number})", "exec"), namespace)
        if expected is not None:
            assert out.getvalue().strip() == expected.strip(), f"{page.name}, python block {number}"


def _nav_files(nav: object) -> list[str]:
    """Every file named in mkdocs.yml's nav (iteratively, depth first)."""
    files, stack = [], [nav]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            files.append(item)
        elif isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend(reversed(item))
    return files


def _mkdocs_config() -> dict:
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    # mkdocs.yml may use !!python/name tags (e.g. for emoji); ignore them here
    Loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)
    return yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)


def test_every_page_is_in_the_nav_and_every_nav_entry_exists():
    nav = _nav_files(_mkdocs_config()["nav"])
    for entry in nav:
        assert (DOCS / entry).exists(), f"mkdocs.yml nav names {entry}, which does not exist"
    pages = {p.relative_to(DOCS).as_posix() for p in _pages()} - {"notebooks/README.md"}
    generated_present = {name for name in GENERATED if (DOCS / name).exists()}
    missing = sorted((pages | generated_present) - set(nav))
    assert not missing, f"pages missing from the nav in mkdocs.yml: {missing}"


def test_the_notebooks_reach_the_site_through_a_relative_symlink():
    link = DOCS / "notebooks"
    assert link.is_symlink() and Path(link.readlink()) == Path("../notebooks")
    nav = _nav_files(_mkdocs_config()["nav"])
    notebooks = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert notebooks, "no notebooks in notebooks/"
    listed = [e for e in nav if e.endswith(".ipynb")]
    expected = [f"notebooks/{name}" for name in notebooks]
    assert listed == expected, (
        f"the Notebooks section of mkdocs.yml's nav lists {listed}; it must list every notebook in "
        f"notebooks/, in order: {expected} (add a line '- NN · Title: notebooks/NAME.ipynb')"
    )


def _griffe_extension():
    spec = importlib.util.spec_from_file_location("griffe_doctest", DOCS / "hooks" / "griffe_doctest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_reference_fences_doctests_and_rewrites_sphinx_roles():
    ext = _griffe_extension()
    text = "Intro.\n\n    >>> f(1)\n    ['a', 'b']\n    >>> g()\n\nAfter.\n>>> h()\n1"
    assert ext.fence_doctests(text) == (
        "Intro.\n\n    ```pycon\n    >>> f(1)\n    ['a', 'b']\n    >>> g()\n    ```\n\nAfter.\n"
        "```pycon\n>>> h()\n1\n```"
    )
    roles = "See :func:`~autograd_mini.functional.grad` and :class:`autograd_mini.Tensor`."
    assert ext.ROLE.sub(ext._role, roles) == "See `grad` and `autograd_mini.Tensor`."


def _custom_op_page_namespace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    monkeypatch.chdir(tmp_path)
    page = DOCS / "howto" / "custom_op.md"
    namespace: dict[str, object] = {"__name__": "__docs__"}
    with contextlib.redirect_stdout(io.StringIO()):
        for number, (code, _) in enumerate(_blocks(page), start=1):
            exec(compile(code, f"custom_op.md (python block {number})", "exec"), namespace)
    return namespace


def test_custom_op_page_says_what_a_rule_receives():
    page = (DOCS / "howto" / "custom_op.md").read_text(encoding="utf-8")
    text = " ".join(page.split())
    assert "## What the rule receives: NumPy arrays, or Tensors" in page
    assert "NumPy arrays in first-order backward, Tensors under `create_graph=True`" in text
    assert "Do not call `.numpy()`" in text


def test_custom_op_page_rule_works_first_order_and_with_create_graph(tmp_path, monkeypatch):
    """The page's am-only rule, run by both kinds of backward, against hand-derived values and
    central finite differences of the first-order gradient."""
    import numpy as np

    import autograd_mini as am

    ns = _custom_op_page_namespace(tmp_path, monkeypatch)
    rowdot, seen = ns["rowdot"], ns["seen"]
    assert {"ndarray", "Tensor"} <= set(seen), seen  # the page's example ran in both modes

    rng = np.random.default_rng(3)
    a0, b0 = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))

    def first_order_grad_a(a_val: np.ndarray) -> np.ndarray:
        a = am.tensor(a_val, requires_grad=True)
        (rowdot(a, am.tensor(b0)) ** 2).sum().backward()
        assert a.grad is not None
        return np.asarray(a.grad.tolist())

    seen.clear()
    out = np.sum(a0 * b0, axis=-1)
    np.testing.assert_allclose(first_order_grad_a(a0), 2 * out[:, None] * b0, rtol=1e-12)
    assert seen == ["ndarray"]

    seen.clear()
    a = am.tensor(a0, requires_grad=True)
    (rowdot(a, am.tensor(b0)) ** 2).sum().backward(create_graph=True)
    assert seen == ["Tensor"] and a.grad is not None and a.grad.requires_grad
    v = rng.normal(size=a0.shape)
    (hvp,) = am.autograd.grad((a.grad * am.tensor(v)).sum(), [a])
    # Hessian of Σ_i (Σ_j a_ij b_ij)² times v: 2 b_kl Σ_j b_kj v_kj, and by central differences
    np.testing.assert_allclose(hvp.tolist(), 2 * b0 * np.sum(b0 * v, axis=-1, keepdims=True), rtol=1e-10)
    h = 1e-5
    fd = (first_order_grad_a(a0 + h * v) - first_order_grad_a(a0 - h * v)) / (2 * h)
    np.testing.assert_allclose(hvp.tolist(), fd, rtol=1e-6, atol=1e-8)
