"""MkDocs hook: the table of contents of a notebook page points at its headings.

mkdocs-jupyter gives a notebook heading such as ``In which order did `backward()` visit the
ops?`` the id ``in-which-order-did-backward-visit-the-ops``, but builds the page's table of
contents from the heading text *without* its code, ``#in-which-order-did-visit-the-ops``: a
link to nothing. After each notebook page is rendered, this hook rewrites every such
``href`` to the id the heading really has (the docs check, ``tests/test_docs_site.py``,
fails on any internal link or anchor that leads nowhere).
"""

from __future__ import annotations

import html
import re
from typing import Any

from markdown.extensions.toc import slugify

HEADING = re.compile(r'<h([1-6]) id="([^"]+)"[^>]*>(.*?)</h\1>', re.S)
CODE = re.compile(r"<code>.*?</code>", re.S)
TAG = re.compile(r"<[^>]+>")
ANCHOR_LINK = re.compile(r'<a class="anchor-link"[^>]*>.*?</a>', re.S)


def toc_fixes(page_html: str) -> dict[str, str]:
    """``{slug the table of contents uses: id the heading has}`` where the two differ."""
    ids = set(re.findall(r'\bid="([^"]+)"', page_html))
    fixes = {}
    for _, ident, inner in HEADING.findall(page_html):
        text = html.unescape(TAG.sub("", CODE.sub("", ANCHOR_LINK.sub("", inner))))
        wrong = slugify(text.strip(), "-")
        if wrong and wrong != ident and wrong not in ids:
            fixes[wrong] = ident
    return fixes


def repair(page_html: str) -> str:
    """``page_html`` with each table-of-contents link to a missing id sent to its heading."""
    for wrong, ident in toc_fixes(page_html).items():
        page_html = page_html.replace(f'href="#{wrong}"', f'href="#{ident}"')
    return page_html


def on_post_page(output: str, page: Any, config: Any, **kwargs: Any) -> str:
    """Repair notebook pages only (Markdown pages build their table of contents correctly)."""
    if not str(page.file.src_path).endswith(".ipynb"):
        return output
    return repair(output)
