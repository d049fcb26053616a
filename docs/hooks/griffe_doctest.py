"""A Griffe extension for the API reference: doctest blocks and Sphinx roles read as Markdown.

The library's docstrings carry ``>>>`` examples (run by the test suite) and Sphinx roles
such as ``:func:`~autograd_mini.grad```. Markdown would turn the examples into nested
block quotes (and ``['a', 'b']`` outputs into reference links), and print the roles
verbatim. This extension rewrites each docstring before mkdocstrings renders it: every
run of ``>>>`` lines with its output becomes a fenced ``pycon`` block, and every role
becomes inline code holding the target's short name (``~``) or full name. The source
docstrings are left as they are.
"""

from __future__ import annotations

import re
from typing import Any

from griffe import Extension, Object

ROLE = re.compile(r":(?:class|func|data|mod|meth|attr|exc|obj):`(~?)([^`]+)`")


def _role(match: re.Match[str]) -> str:
    short, target = match.group(1), match.group(2)
    return f"`{target.rsplit('.', 1)[-1] if short else target}`"


def fence_doctests(text: str) -> str:
    """Wrap each doctest block (``>>>`` lines with their output, up to a blank line) in a fence."""
    out: list[str] = []
    in_block = False
    indent = ""
    for line in text.splitlines():
        stripped = line.lstrip()
        if not in_block and stripped.startswith(">>>"):
            indent = line[: len(line) - len(stripped)]
            out.append(f"{indent}```pycon")
            in_block = True
        elif in_block and not stripped:
            out.append(f"{indent}```")
            in_block = False
        out.append(line)
    if in_block:
        out.append(f"{indent}```")
    return "\n".join(out)


class DoctestFences(Extension):
    """Rewrite docstrings: fenced doctest blocks, Sphinx roles as inline code."""

    def on_instance(self, *, obj: Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = fence_doctests(ROLE.sub(_role, obj.docstring.value))
