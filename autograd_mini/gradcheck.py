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

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .finite_differences import (
    _ArgsTarget,
    _coordinate_differences,
    _directional_differences,
    _float64,
    _ModuleTarget,
    _Scalarize,
    _Target,
    numerical_grad,
)
from .gradreport import EntryReport, GradientReport, GradientRow, _judge
from .tables import text_table
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
