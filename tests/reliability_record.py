"""Figures that tests record for docs/reliability.md (written only when asked to).

``make reliability`` runs the suite with ``AM_RELIABILITY_JSON`` set; ``conftest.py``
then writes these counters to that file at the end of the session, and
``tools/reliability_report.py`` turns them into the page.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

COUNTS: Counter[str] = Counter()
VALUES: dict[str, Any] = {}
OPS: set[str] = set()


def count(key: str, n: int = 1) -> None:
    """Add ``n`` to a counter (e.g. one more op case checked)."""
    COUNTS[key] += n


def value(key: str, v: Any) -> None:
    """Record a measured figure (e.g. RSS growth of the soak)."""
    VALUES[key] = v
