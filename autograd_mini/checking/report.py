"""Judging AD against hand-derived and finite-difference gradients, and the report.

Every comparison uses the one closeness rule of :mod:`autograd_mini.checking.closeness`:
``a`` agrees with the reference ``b`` when ``|a - b| <= atol + rtol · |b|``. An entry
where AD disagrees with the central difference, the one-sided slopes differ and AD lies
between them is a kink (a subgradient), not a wrong gradient.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..tables import html_table, text_table
from .closeness import close, excess, relative_error, within

# ---------------------------------------------------------------- judging one input


@dataclass(frozen=True)
class EntryReport:
    """One entry (or random direction) of one input: the three gradients side by side.

    ``left`` and ``right`` are the one-sided finite-difference slopes; they differ at a kink.
    """

    index: str
    ad: float
    hand: float | None
    numeric: float
    left: float
    right: float
    abs_error: float
    note: str


@dataclass(frozen=True)
class GradientRow:
    """The check of one input or parameter (one row of a :class:`GradientReport`).

    ``ad`` and ``hand`` are full gradients; ``numeric`` holds the central differences
    of the checked entries (all of them, or the directional derivatives along
    ``directions`` in the random-direction mode).
    """

    name: str
    shape: tuple[int, ...]
    check: str
    ad: np.ndarray
    hand: np.ndarray | None
    numeric: np.ndarray
    directions: np.ndarray | None
    max_abs_error: float
    max_rel_error: float
    worst_index: str
    kinks: int
    ok: bool
    problems: tuple[str, ...]
    worst: tuple[EntryReport, ...] = field(default=())
    kink_entries: tuple[EntryReport, ...] = field(default=())

    @property
    def result(self) -> str:
        """``ok``, ``ok (n at kinks)`` or ``FAIL: <which comparison>``."""
        if not self.ok:
            return "FAIL: " + ", ".join(self.problems)
        return f"ok ({self.kinks} at kinks)" if self.kinks else "ok"


def _judge(
    name: str,
    shape: tuple[int, ...],
    check: str,
    ad_full: np.ndarray,
    hand_full: np.ndarray | None,
    directions: np.ndarray | None,
    plus: np.ndarray,
    minus: np.ndarray,
    f0: float,
    eps: float,
    atol: float,
    rtol: float,
    worst: int,
    kinks: bool = True,
) -> GradientRow:
    """Compare AD (and hand) with the central differences entry by entry.

    Kink-aware unless ``kinks`` is False (for inputs drawn away from kinks, where an
    entry that disagrees is wrong whatever the one-sided slopes say). The worst
    entries listed are the ``worst`` farthest outside the tolerance, plus the entry
    with the largest absolute error when it is not among them.
    """
    if directions is None:
        ad = ad_full.reshape(-1)
        hand = None if hand_full is None else hand_full.reshape(-1)
    else:
        flat_dirs = directions.reshape(len(directions), -1)
        ad = flat_dirs @ ad_full.reshape(-1)
        hand = None if hand_full is None else flat_dirs @ hand_full.reshape(-1)
    numeric = (plus - minus) / (2.0 * eps)
    right = (plus - f0) / eps
    left = (f0 - minus) / eps
    lo, hi = np.minimum(left, right), np.maximum(left, right)
    # where the one-sided slopes differ, finite differences are no oracle
    kink_here = ~close(left, right, atol, rtol) if kinks else np.zeros(ad.shape, dtype=bool)
    ad_close = close(ad, numeric, atol, rtol)
    ad_kink = ~ad_close & kink_here & within(ad, lo, hi, atol, rtol)
    ad_ok = ad_close | ad_kink
    counted = ~ad_kink
    abs_err = np.where(counted, np.abs(ad - numeric), 0.0)
    rel_err = np.where(counted, relative_error(ad, numeric), 0.0)
    ratio = np.where(counted, excess(ad, numeric, atol, rtol), 0.0)
    hand_ok = np.ones(ad.shape, dtype=bool)
    if hand is not None:
        hand_kink = kink_here & within(hand, lo, hi, atol, rtol)
        hand_ok = close(hand, ad, atol, rtol) | close(hand, numeric, atol, rtol) | hand_kink
        hand_ratio = np.where(
            hand_kink,
            0.0,
            np.minimum(excess(hand, ad, atol, rtol), excess(hand, numeric, atol, rtol)),
        )
        abs_err = np.maximum(abs_err, np.where(hand_kink, 0.0, np.abs(hand - ad)))
        rel_err = np.maximum(rel_err, np.where(hand_kink, 0.0, relative_error(hand, ad)))
        ratio = np.maximum(ratio, hand_ratio)
    problems = []
    if not ad_ok.all():
        problems.append("AD ≠ finite differences")
    if not hand_ok.all():
        problems.append("hand ≠ AD")

    def index(j: int) -> str:
        if directions is not None:
            return f"direction {j}"
        return str(tuple(int(k) for k in np.unravel_index(j, shape))) if shape else "()"

    raw_err = np.abs(ad - numeric)
    if hand is not None:
        raw_err = np.maximum(raw_err, np.abs(hand - ad))

    def entry(j: int, note: str) -> EntryReport:
        return EntryReport(
            index=index(j),
            ad=float(ad[j]),
            hand=None if hand is None else float(hand[j]),
            numeric=float(numeric[j]),
            left=float(left[j]),
            right=float(right[j]),
            abs_error=float(raw_err[j]),
            note=note,
        )

    bad = ~(ad_ok & hand_ok)
    order = np.argsort(-ratio, kind="stable")
    largest = int(np.argmax(abs_err)) if abs_err.size else -1

    shown = [int(j) for j in order[:worst] if bad[j]]
    if shown and largest not in shown:
        # ranked by distance to the tolerance, a large error on a large gradient can rank
        # below small errors on small gradients: list the largest absolute error too
        shown.append(largest)

    def notes(j: int) -> str:
        said = []
        if not ad_ok[j]:
            said.append("AD ≠ FD")
        if not hand_ok[j]:
            said.append("hand ≠ AD")
        if j == largest and j != shown[0]:  # the first listed is the worst: no need to say
            said.append("largest abs error" if bad[j] else "largest abs error (within tolerance)")
        return ", ".join(said)

    worst_entries = [entry(j, notes(j)) for j in shown]
    kink_list = [
        entry(int(j), "kink: one-sided slopes differ; AD is between them")
        for j in np.flatnonzero(ad_kink)[:worst]
    ]
    return GradientRow(
        name=name,
        shape=shape,
        check=check,
        ad=ad_full,
        hand=hand_full,
        numeric=numeric if directions is not None else numeric.reshape(shape),
        directions=directions,
        max_abs_error=float(abs_err.max(initial=0.0)),
        max_rel_error=float(rel_err.max(initial=0.0)),
        worst_index=index(int(order[0])) if order.size else "-",
        kinks=int(ad_kink.sum()),
        ok=not problems,
        problems=tuple(problems),
        worst=tuple(worst_entries),
        kink_entries=tuple(kink_list),
    )


# ---------------------------------------------------------------- the report


_SHOWN_IN_FULL = 3  # a gradient with more entries is summarised


def _brief(values: np.ndarray) -> str:
    flat = np.asarray(values).reshape(-1)
    if flat.size == 1:
        return f"{float(flat[0]):.6g}"
    if flat.size <= _SHOWN_IN_FULL:
        return "[" + ", ".join(f"{float(v):.4g}" for v in flat) + "]"
    return f"norm {float(np.linalg.norm(flat)):.6g}"


def _maybe(value: float | None, fmt: str = ".6g") -> str:
    return "—" if value is None else format(value, fmt)


def _at(value: float | None, index: str) -> str:
    """A value at one entry, ``-2.5 at (3, 3)``."""
    return "—" if value is None else f"{value:.6g} at {index}"


class GradientReport:
    """AD vs hand-derived vs finite-difference gradients, one row per input or parameter.

    ``report.ok`` is True when every row passes; ``report.rows`` holds the
    :class:`GradientRow` records and ``report[name]`` one of them. ``str(report)`` is an
    aligned table followed by the worst entries of each failing input and notes on
    entries at kinks; notebooks render it as HTML.
    """

    def __init__(self, rows: Sequence[GradientRow], title: str, eps: float, atol: float, rtol: float) -> None:
        self.rows = list(rows)
        self.title = title
        self.eps = eps
        self.atol = atol
        self.rtol = rtol

    @property
    def ok(self) -> bool:
        """Whether every input passed."""
        return all(row.ok for row in self.rows)

    @property
    def failures(self) -> list[GradientRow]:
        """The rows that failed."""
        return [row for row in self.rows if not row.ok]

    def __getitem__(self, name: str) -> GradientRow:
        for row in self.rows:
            if row.name == name:
                return row
        raise KeyError(f"no input named {name!r}; the rows are {[r.name for r in self.rows]}")

    def __iter__(self) -> Any:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __bool__(self) -> bool:
        return self.ok

    @property
    def _has_hand(self) -> bool:
        return any(row.hand is not None for row in self.rows)

    def _summary(self) -> tuple[list[str], list[list[str]]]:
        headers = ["input", "shape", "check", "AD"]
        if self._has_hand:
            headers.append("hand")
        headers += ["finite diff", "max abs err", "max rel err", "result"]
        rows = []
        for row in self.rows:
            compared_ad = row.ad if row.directions is None else _along(row.ad, row.directions)
            hand = None
            if row.hand is not None:
                hand = row.hand if row.directions is None else _along(row.hand, row.directions)
            if not row.ok and row.worst and row.numeric.size > _SHOWN_IN_FULL:
                # a norm says nothing about where it fails: the values at the worst entry
                e = row.worst[0]
                values = [_at(e.ad, e.index), _at(e.hand, e.index), _at(e.numeric, e.index)]
            else:
                values = [_brief(compared_ad), "—" if hand is None else _brief(hand), _brief(row.numeric)]
            cells = [row.name, str(row.shape), row.check, values[0]]
            if self._has_hand:
                cells.append("—" if row.hand is None else values[1])
            cells += [
                values[2],
                f"{row.max_abs_error:.1e}",
                f"{row.max_rel_error:.1e}",
                row.result,
            ]
            rows.append(cells)
        return headers, rows

    def _entry_table(self, entries: Sequence[EntryReport]) -> tuple[list[str], list[list[str]]]:
        headers = ["index", "AD"] + (["hand"] if self._has_hand else [])
        headers += ["finite diff", "left slope", "right slope", "abs err", "note"]
        rows = []
        for e in entries:
            cells = [e.index, f"{e.ad:.6g}"] + ([_maybe(e.hand)] if self._has_hand else [])
            cells += [f"{e.numeric:.6g}", f"{e.left:.6g}", f"{e.right:.6g}", f"{e.abs_error:.1e}", e.note]
            rows.append(cells)
        return headers, rows

    def _settings(self) -> str:
        return (
            f"central differences in float64, eps={self.eps:g}; a agrees with the reference b when "
            f"|a - b| <= {self.atol:g} + {self.rtol:g}·|b|"
        )

    def __str__(self) -> str:
        headers, rows = self._summary()
        verdict = "all ok" if self.ok else f"{len(self.failures)} of {len(self.rows)} FAILED"
        lines = [f"{self.title}: {verdict}", text_table(headers, rows)]
        for row in self.failures:
            lines.append(f"\nWorst entries of {row.name!r}:")
            lines.append(text_table(*self._entry_table(row.worst)))
        for row in self.rows:
            if row.kink_entries:
                lines.append(
                    f"\n{row.name!r}: {row.kinks} entr{'y' if row.kinks == 1 else 'ies'} at a kink, "
                    f"where finite differences are not a valid oracle (shown: {len(row.kink_entries)}):"
                )
                lines.append(text_table(*self._entry_table(row.kink_entries)))
        lines.append(f"({self._settings()})")
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        headers, rows = self._summary()
        styles = ["" if row.ok else "background:#fdd" for row in self.rows]
        verdict = "all ok" if self.ok else f"{len(self.failures)} of {len(self.rows)} FAILED"
        parts = [
            html_table(headers, rows, caption=html.escape(f"{self.title}: {verdict}"), row_styles=styles)
        ]
        for row in self.failures:
            parts.append(
                html_table(
                    *self._entry_table(row.worst),
                    caption=html.escape(f"Worst entries of {row.name!r}"),
                )
            )
        for row in self.rows:
            if row.kink_entries:
                parts.append(
                    html_table(
                        *self._entry_table(row.kink_entries),
                        caption=html.escape(
                            f"{row.name!r}: {row.kinks} entries at a kink (finite differences "
                            f"are not a valid oracle there)"
                        ),
                    )
                )
        parts.append(f"<p><small>{html.escape(self._settings())}</small></p>")
        return "".join(parts)


def _along(gradient: np.ndarray, directions: np.ndarray) -> np.ndarray:
    return directions.reshape(len(directions), -1) @ gradient.reshape(-1)


