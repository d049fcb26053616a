"""Checking gradients: central finite differences, gradcheck, side-by-side reports.

Three tools, from quick to thorough:

- :func:`numerical_grad`: central finite differences, one array per input.
- :func:`gradcheck`: AD against finite differences; ``True`` or :class:`GradcheckError`.
- :func:`compare_gradients`: AD, a hand-derived gradient and finite differences side by
  side, per input or per named parameter of a model, as a :class:`GradientReport`.

Finite differences are not a valid oracle at a kink (relu or abs at 0, tied maxima,
clip bounds, or a kink closer than ``eps``): there the one-sided slopes
``(f(x+ε) - f(x))/ε`` and ``(f(x) - f(x-ε))/ε`` differ. An entry where AD disagrees
with the central difference, the one-sided slopes differ, and AD lies between them (a
one-sided derivative or a subgradient, as relu'(0) = 0 or a tie split evenly) is
reported as a kink, not as a wrong gradient. The one-sided slopes come for free: they
reuse ``f(x ± ε)`` and one evaluation of ``f(x)``.

Tolerance: ``a`` and ``b`` agree when ``|a - b| <= atol + rtol · max(|a|, |b|)``. Errors
are reported as ``|a - b|`` (absolute) and ``|a - b| / max(|a|, |b|)`` (relative).
"""

from __future__ import annotations

import html
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .autograd import api as engine_api
from .autograd.grad_mode import enable_grad, no_grad
from .explain import html_table, text_table
from .tensor import Tensor

__all__ = [
    "EntryReport",
    "GradcheckError",
    "GradientReport",
    "GradientRow",
    "compare_gradients",
    "gradcheck",
    "numerical_grad",
]


class GradcheckError(RuntimeError):
    """AD gradients disagree with finite differences; ``.report`` has the details."""

    def __init__(self, message: str, report: GradientReport | None = None) -> None:
        super().__init__(message)
        self.report = report


def _float64(x: Any) -> np.ndarray:
    value = x._data if isinstance(x, Tensor) else x
    return np.array(value, dtype=np.float64, copy=True)


# ---------------------------------------------------------------- f as a function of arrays


class _Target:
    """``f`` seen as a scalar function of float64 arrays: evaluate it, differentiate it."""

    names: list[str]
    bases: list[np.ndarray]

    def value(self, i: int | None = None, array: np.ndarray | None = None) -> float:
        """``f`` with input ``i`` replaced by ``array`` (all inputs at their bases if None)."""
        raise NotImplementedError

    def gradients(self) -> list[np.ndarray]:
        """The AD gradient of every input at the bases."""
        raise NotImplementedError

    def hand(self, reference: Callable[..., Any]) -> Any:
        """Call a hand-derived reference the way ``f`` is called (with float64 arrays)."""
        raise NotImplementedError

    def close(self) -> None:
        """Undo any change made to the user's objects."""


class _Scalarize:
    """Turns f's output into one number; a non-scalar output is projected on a fixed
    random direction ``r`` (so the check covers the VJP along ``r``) when allowed."""

    def __init__(self, who: str, project: bool, seed: int = 0) -> None:
        self.who = who
        self.project = project
        self.seed = seed
        self.direction: np.ndarray | None = None

    def __call__(self, out: Any) -> Any:
        t = out if isinstance(out, Tensor) else Tensor._wrap(np.asarray(out, dtype=np.float64))
        if t.size == 1:
            return t.reshape(())
        if not self.project:
            raise ValueError(
                f"{self.who}: f must return a single number, it returned shape {t.shape}; "
                f"reduce it (e.g. .sum()) or use am.jacobian"
            )
        if self.direction is None or self.direction.shape != t.shape:
            rng = np.random.default_rng(self.seed)
            self.direction = rng.standard_normal(t.shape)
        return (t * self.direction).sum()


def _number(out: Any) -> float:
    return float(np.asarray(out._data if isinstance(out, Tensor) else out).reshape(()))


def _grads_of(out: Tensor, leaves: Sequence[Tensor]) -> list[np.ndarray]:
    if not out.requires_grad:
        return [np.zeros_like(x._data) for x in leaves]
    grads = engine_api.grad(out, list(leaves), allow_unused=True)
    return [
        np.zeros_like(x._data) if g is None else np.array(g._data, dtype=np.float64)
        for x, g in zip(leaves, grads)
    ]


class _ArgsTarget(_Target):
    """``f(*inputs)`` (or ``f(**inputs)`` when ``keys`` are given) on float64 Tensors."""

    def __init__(
        self,
        f: Callable[..., Any],
        inputs: Sequence[Any],
        names: Sequence[str],
        scalarize: _Scalarize,
        keys: Sequence[str] | None = None,
    ) -> None:
        self.f = f
        self.bases = [_float64(x) for x in inputs]
        self.names = list(names)
        self.labels = [x.name if isinstance(x, Tensor) else None for x in inputs]
        self.keys = list(keys) if keys is not None else None
        self.scalarize = scalarize

    def _call(self, tensors: list[Tensor]) -> Any:
        for t, label in zip(tensors, self.labels):
            t.name = label
        if self.keys is not None:
            return self.f(**dict(zip(self.keys, tensors)))
        return self.f(*tensors)

    def value(self, i: int | None = None, array: np.ndarray | None = None) -> float:
        arrays = list(self.bases)
        if i is not None and array is not None:
            arrays[i] = array
        with no_grad():
            return _number(self.scalarize(self._call([Tensor._wrap(a) for a in arrays])))

    def gradients(self) -> list[np.ndarray]:
        leaves = [Tensor._wrap(b.copy()).requires_grad_() for b in self.bases]
        with enable_grad():
            out = self.scalarize(self._call(leaves))
        return _grads_of(out, leaves)

    def hand(self, reference: Callable[..., Any]) -> Any:
        arrays = [b.copy() for b in self.bases]
        if self.keys is not None:
            return reference(**dict(zip(self.keys, arrays)))
        return reference(*arrays)


class _ModuleTarget(_Target):
    """``f()`` of a model's parameters, perturbed by assigning ``p.data`` under no_grad."""

    def __init__(self, f: Callable[[], Any], model: Any, scalarize: _Scalarize) -> None:
        named = [(n, p) for n, p in model.named_parameters() if getattr(p, "requires_grad", True)]
        if not named:
            raise ValueError(
                "compare_gradients: the model has no parameters that require grad; nothing to check"
            )
        self.f = f
        self.names = [n for n, _ in named]
        self.params = [p for _, p in named]
        self.originals = [p.data for p in self.params]
        self.bases = [_float64(a) for a in self.originals]
        self.scalarize = scalarize
        with no_grad():
            for p, b in zip(self.params, self.bases):
                p.data = b  # checked in float64; close() puts the original arrays back

    def value(self, i: int | None = None, array: np.ndarray | None = None) -> float:
        with no_grad():
            if i is None or array is None:
                return _number(self.scalarize(self.f()))
            p = self.params[i]
            p.data = array
            try:
                return _number(self.scalarize(self.f()))
            finally:
                p.data = self.bases[i]

    def gradients(self) -> list[np.ndarray]:
        with enable_grad():
            out = self.scalarize(self.f())
        return _grads_of(out, self.params)

    def hand(self, reference: Callable[..., Any]) -> Any:
        return reference()

    def close(self) -> None:
        with no_grad():
            for p, original in zip(self.params, self.originals):
                p.data = original


# ---------------------------------------------------------------- finite differences


def numerical_grad(f: Callable[..., Any], *inputs: Any, eps: float = 1e-6) -> tuple[np.ndarray, ...]:
    """Central finite differences of a scalar function, one float64 array per input.

    ``∂f/∂xᵢ ≈ (f(x + ε eᵢ) - f(x - ε eᵢ)) / 2ε`` for every entry of every input; ``f``
    receives float64 Tensors and must return a single number (a one-element Tensor,
    array or float). The error of the estimate is O(ε²) plus rounding O(u/ε).

    >>> import autograd_mini as am
    >>> (g,) = am.numerical_grad(lambda x: (x ** 3).sum(), [1.0, 2.0])
    >>> g.round(4)
    array([ 3., 12.])
    """
    target = _ArgsTarget(
        f, inputs, [f"input {i}" for i in range(len(inputs))], _Scalarize("numerical_grad", False)
    )
    target.labels = [None] * len(inputs)
    grads = []
    for i in range(len(inputs)):
        plus, minus = _coordinate_differences(target, i, eps)
        grads.append(((plus - minus) / (2.0 * eps)).reshape(target.bases[i].shape))
    return tuple(grads)


def _coordinate_differences(target: _Target, i: int, eps: float) -> tuple[np.ndarray, np.ndarray]:
    """``f(x ± ε eⱼ)`` for every entry ``j`` of input ``i`` (flat arrays)."""
    work = target.bases[i].copy()
    flat = work.reshape(-1)
    plus = np.empty(flat.size)
    minus = np.empty(flat.size)
    for j in range(flat.size):
        old = flat[j]
        flat[j] = old + eps
        plus[j] = target.value(i, work)
        flat[j] = old - eps
        minus[j] = target.value(i, work)
        flat[j] = old
    return plus, minus


def _directional_differences(
    target: _Target, i: int, eps: float, directions: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``f(x ± ε d)`` for each unit direction ``d`` of input ``i``."""
    base = target.bases[i]
    plus = np.array([target.value(i, base + eps * d) for d in directions])
    minus = np.array([target.value(i, base - eps * d) for d in directions])
    return plus, minus


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


def _close(a: np.ndarray, b: np.ndarray, atol: float, rtol: float) -> np.ndarray:
    return np.abs(a - b) <= atol + rtol * np.maximum(np.abs(a), np.abs(b))


def _ratio(a: np.ndarray, b: np.ndarray, atol: float, rtol: float) -> np.ndarray:
    """How many tolerances apart ``a`` and ``b`` are (> 1 means they disagree)."""
    return np.abs(a - b) / (atol + rtol * np.maximum(np.abs(a), np.abs(b)))


def _relative(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    scale = np.maximum(np.abs(a), np.abs(b))
    diff = np.abs(a - b)
    return np.divide(diff, scale, out=np.zeros_like(diff), where=scale > 0)


def _between(v: np.ndarray, lo: np.ndarray, hi: np.ndarray, atol: float, rtol: float) -> np.ndarray:
    tol = atol + rtol * np.abs(v)
    return (v >= lo - tol) & (v <= hi + tol)


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
) -> GradientRow:
    """Compare AD (and hand) with the central differences entry by entry, kink-aware."""
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
    kink_here = ~_close(left, right, atol, rtol)  # finite differences are no oracle here
    ad_close = _close(ad, numeric, atol, rtol)
    ad_kink = ~ad_close & kink_here & _between(ad, lo, hi, atol, rtol)
    ad_ok = ad_close | ad_kink
    counted = ~ad_kink
    abs_err = np.where(counted, np.abs(ad - numeric), 0.0)
    rel_err = np.where(counted, _relative(ad, numeric), 0.0)
    ratio = np.where(counted, _ratio(ad, numeric, atol, rtol), 0.0)
    hand_ok = np.ones(ad.shape, dtype=bool)
    if hand is not None:
        hand_kink = kink_here & _between(hand, lo, hi, atol, rtol)
        hand_ok = _close(hand, ad, atol, rtol) | _close(hand, numeric, atol, rtol) | hand_kink
        hand_ratio = np.where(
            hand_kink,
            0.0,
            np.minimum(_ratio(hand, ad, atol, rtol), _ratio(hand, numeric, atol, rtol)),
        )
        abs_err = np.maximum(abs_err, np.where(hand_kink, 0.0, np.abs(hand - ad)))
        rel_err = np.maximum(rel_err, np.where(hand_kink, 0.0, _relative(hand, ad)))
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
    worst_entries = []
    for j in order[:worst]:
        if not bad[j]:
            break
        notes = []
        if not ad_ok[j]:
            notes.append("AD ≠ FD")
        if not hand_ok[j]:
            notes.append("hand ≠ AD")
        worst_entries.append(entry(int(j), ", ".join(notes)))
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


def _brief(values: np.ndarray) -> str:
    flat = np.asarray(values).reshape(-1)
    if flat.size == 1:
        return f"{float(flat[0]):.6g}"
    if flat.size <= 3:
        return "[" + ", ".join(f"{float(v):.4g}" for v in flat) + "]"
    return f"norm {float(np.linalg.norm(flat)):.6g}"


def _maybe(value: float | None, fmt: str = ".6g") -> str:
    return "—" if value is None else format(value, fmt)


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
            cells = [row.name, str(row.shape), row.check, _brief(compared_ad)]
            if self._has_hand:
                if row.hand is None:
                    cells.append("—")
                else:
                    h = row.hand if row.directions is None else _along(row.hand, row.directions)
                    cells.append(_brief(h))
            cells += [
                _brief(row.numeric),
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
            f"central differences in float64, eps={self.eps:g}; agree when |a - b| <= "
            f"{self.atol:g} + {self.rtol:g}·max(|a|, |b|)"
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


# ---------------------------------------------------------------- running a check


def _function_name(f: Callable[..., Any]) -> str:
    name = str(getattr(f, "__name__", "f"))
    return "f" if name == "<lambda>" else name


def _default_names(f: Callable[..., Any], inputs: Sequence[Any]) -> list[str]:
    try:
        params = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        params = []
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    names: list[str] = []
    for i, x in enumerate(inputs):
        if isinstance(x, Tensor) and x.name:
            name = x.name
        elif i < len(params) and params[i].kind in positional:
            name = params[i].name
        elif params and params[-1].kind is params[-1].VAR_POSITIONAL:
            name = f"{params[-1].name}[{i}]"
        else:
            name = f"input {i}"
        names.append(name if name not in names else f"{name} ({i})")
    return names


def _target_for(f: Callable[..., Any], inputs: Any, scalarize: _Scalarize) -> _Target:
    named = getattr(inputs, "named_parameters", None)
    if callable(named):
        return _ModuleTarget(f, inputs, scalarize)
    if isinstance(inputs, dict):
        keys = list(inputs)
        return _ArgsTarget(f, list(inputs.values()), keys, scalarize, keys=keys)
    seq = list(inputs) if isinstance(inputs, (tuple, list)) else [inputs]
    return _ArgsTarget(f, seq, _default_names(f, seq), scalarize)


def _hand_gradients(reference: Any, target: _Target, who: str) -> list[np.ndarray | None]:
    """The hand-derived gradients, one per input (None where none is given), checked."""
    names = target.names
    value = target.hand(reference) if callable(reference) else reference
    if isinstance(value, dict):
        unknown = [k for k in value if k not in names]
        if unknown:
            raise ValueError(f"{who}: the reference names {unknown} are not inputs; the inputs are {names}")
        given = [value.get(n) for n in names]
    elif len(names) == 1 and not (isinstance(value, (tuple, list)) and len(value) == 1):
        given = [value]
    elif isinstance(value, (tuple, list)) and len(value) == len(names):
        given = list(value)
    else:
        count = len(value) if isinstance(value, (tuple, list)) else 1
        raise ValueError(
            f"{who}: the reference gave {count} gradient(s) for {len(names)} inputs {names}; "
            f"return one per input (in order) or a dict name -> gradient"
        )
    out: list[np.ndarray | None] = []
    for name, g, base in zip(names, given, target.bases):
        if g is None:
            out.append(None)
            continue
        arr = _float64(g)
        if arr.shape != base.shape:
            if arr.size == base.size == 1:
                arr = arr.reshape(base.shape)
            else:
                raise ValueError(
                    f"{who}: the hand-derived gradient for {name!r} has shape {arr.shape}, but "
                    f"{name!r} has shape {base.shape}; a gradient is shaped like its input"
                )
        out.append(arr)
    return out


def _run(
    target: _Target,
    hand: list[np.ndarray | None],
    eps: float,
    atol: float,
    rtol: float,
    mode: str,
    directions: int,
    max_full_size: int,
    seed: int,
    worst: int,
) -> list[GradientRow]:
    ad = target.gradients()
    f0 = target.value()
    rng = np.random.default_rng(seed)
    rows = []
    for i, (name, base) in enumerate(zip(target.names, target.bases)):
        full = mode == "full" or (mode == "auto" and base.size <= max_full_size)
        if full or base.size == 0:
            plus, minus = _coordinate_differences(target, i, eps)
            dirs = None
            check = f"{base.size} entr{'y' if base.size == 1 else 'ies'}"
        else:
            dirs = rng.standard_normal((directions, *base.shape))
            norms = np.linalg.norm(dirs.reshape(directions, -1), axis=1)
            dirs /= norms.reshape((directions,) + (1,) * base.ndim)
            plus, minus = _directional_differences(target, i, eps, dirs)
            check = f"{directions} random dirs"
        rows.append(
            _judge(name, base.shape, check, ad[i], hand[i], dirs, plus, minus, f0, eps, atol, rtol, worst)
        )
    return rows


def _check_settings(who: str, eps: float, mode: str, directions: int) -> None:
    if not eps > 0:
        raise ValueError(f"{who}: eps must be positive, got {eps}")
    if mode not in ("auto", "full", "random"):
        raise ValueError(f"{who}: mode must be 'auto', 'full' or 'random', got {mode!r}")
    if directions < 1:
        raise ValueError(f"{who}: directions must be at least 1, got {directions}")


def compare_gradients(
    f: Callable[..., Any],
    inputs: Any,
    reference: Any = None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    mode: str = "auto",
    directions: int = 4,
    max_full_size: int = 256,
    seed: int = 0,
    worst: int = 3,
) -> GradientReport:
    """Set AD, a hand-derived gradient and central finite differences side by side.

    ``inputs`` is one input, a tuple/list of inputs (``f(*inputs)``), a dict
    (``f(**inputs)``), or a model: any object with ``named_parameters()`` yielding
    ``(name, Tensor)``, in which case ``f()`` takes no arguments and returns the loss,
    and each parameter is perturbed through ``p.data = perturbed`` under ``no_grad()``
    and restored exactly afterwards. Rows are named after the tensors' ``name``, the
    parameters of ``f``, or the model's parameter names. Everything runs in float64.

    ``reference`` (optional) is the hand derivation: a dict name -> gradient, or a
    callable called like ``f`` (with float64 arrays; with no arguments for a model)
    returning one gradient per input (a sequence, a dict, or a bare array for one input).

    ``mode="full"`` checks every entry (2 evaluations of ``f`` per entry);
    ``mode="random"`` compares directional derivatives along ``directions`` random unit
    vectors (2 evaluations each), the cheap check for large inputs; ``"auto"`` (default)
    checks inputs with up to ``max_full_size`` entries fully. Entries at kinks, where
    finite differences are not a valid oracle, are reported as such (module docstring).

    >>> import autograd_mini as am
    >>> report = am.compare_gradients(lambda w: (w * 2.0 - 1.0) ** 2, [0.95],
    ...                               reference=lambda w: 4.0 * (2.0 * w - 1.0))
    >>> report.ok, report["w"].result
    (True, 'ok')
    """
    who = "compare_gradients"
    _check_settings(who, eps, mode, directions)
    scalarize = _Scalarize(who, project=reference is None, seed=seed)
    target = _target_for(f, inputs, scalarize)
    try:
        hand: list[np.ndarray | None] = [None] * len(target.names)
        if reference is not None:
            hand = _hand_gradients(reference, target, who)
        rows = _run(target, hand, eps, atol, rtol, mode, directions, max_full_size, seed, worst)
    finally:
        target.close()
    title = f"Gradient check of {_function_name(f)}"
    columns = "AD vs finite differences"
    if reference is not None:
        columns = "AD vs hand-derived vs finite differences"
    return GradientReport(rows, f"{title} ({columns})", eps, atol, rtol)


def gradcheck(
    f: Callable[..., Any],
    *inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Check AD gradients of ``f`` against central finite differences, entry by entry.

    ``f`` receives float64 Tensors. A scalar output is checked directly; a non-scalar
    output is projected on a fixed random direction ``r`` (checking the VJP along
    ``r``). Returns True, or raises :class:`GradcheckError` whose message reports, per
    input, its shape, the max absolute and relative error and the index of the worst
    entry, followed by the worst entries side by side. Entries at kinks where AD takes
    a valid one-sided derivative or subgradient pass (see the module docstring).

    >>> import autograd_mini as am
    >>> am.gradcheck(lambda x, y: (am.tanh(x) * y).sum(), [0.1, 0.2], [1.0, -2.0])
    True
    """
    who = "gradcheck"
    _check_settings(who, eps, "full", 1)
    target = _ArgsTarget(f, inputs, _default_names(f, inputs), _Scalarize(who, project=True))
    rows = _run(target, [None] * len(inputs), eps, atol, rtol, "full", 1, 0, 0, 3)
    report = GradientReport(rows, "gradcheck", eps, atol, rtol)
    if report.ok:
        return True
    lines = [
        f"gradcheck: the AD gradient of {_function_name(f)} disagrees with central "
        f"finite differences ({report._settings()})"
    ]
    for i, row in enumerate(rows):
        lines.append(
            f"  input {i} {row.name!r} shape {row.shape}: max abs error {row.max_abs_error:.3g}, "
            f"max rel error {row.max_rel_error:.3g}, worst entry at index {row.worst_index}: "
            f"{row.result}"
        )
    for row in report.failures:
        lines.append(f"Worst entries of {row.name!r}:")
        lines.append(text_table(*report._entry_table(row.worst)))
    raise GradcheckError("\n".join(lines), report)
