"""Running a gradient check: gradcheck, compare_gradients, and the per-op check cases.

Three tools, from quick to thorough:

- :func:`~autograd_mini.checking.finite_differences.numerical_grad`: central finite
  differences, one array per input.
- :func:`gradcheck`: AD against finite differences; ``True`` or :class:`GradcheckError`.
- :func:`compare_gradients`: AD, a hand-derived gradient and finite differences side by
  side, per input or per named parameter of a model, as a :class:`GradientReport`.

All of them, ``custom_op(check=True)``, ``autograd-mini gradcheck`` and the test
suite's per-op checks (:func:`check_case`) run the same code: the finite differences
and the projection of :mod:`~autograd_mini.checking.finite_differences`, the judge of
:mod:`~autograd_mini.checking.report` and the closeness rule of
:mod:`~autograd_mini.checking.closeness`.

Finite differences are not a valid oracle at a kink (relu or abs at 0, tied maxima,
clip bounds, or a kink closer than ``eps``): there the one-sided slopes
``(f(x+ε) - f(x))/ε`` and ``(f(x) - f(x-ε))/ε`` differ. An entry where AD disagrees
with the central difference, the one-sided slopes differ, and AD lies between them (a
one-sided derivative or a subgradient, as relu'(0) = 0 or a tie split evenly) is
reported as a kink, not as a wrong gradient. The one-sided slopes come for free: they
reuse ``f(x ± ε)`` and one evaluation of ``f(x)``.

Tolerance: ``a`` agrees with the reference ``b`` when ``|a - b| <= atol + rtol · |b|``
(defaults ``atol = 1e-5``, ``rtol = 1e-3``). Errors are reported as ``|a - b|``
(absolute) and ``|a - b| / max(|a|, |b|)`` (relative).
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..autograd import api as engine_api
from ..core.engine import topological_order
from ..core.grad_mode import enable_grad
from ..tables import text_table
from ..tensor import Tensor
from .cases import Case
from .closeness import ATOL, RTOL
from .finite_differences import (
    EPS,
    _ArgsTarget,
    _coordinate_differences,
    _directional_differences,
    _float64,
    _ModuleTarget,
    _Scalarize,
    _Target,
)
from .report import GradientReport, GradientRow, _judge

__all__ = [
    "CASE_ATOL",
    "CASE_RTOL",
    "CaseMissesOpError",
    "GradcheckError",
    "check_case",
    "compare_gradients",
    "gradcheck",
]

# The per-op cases draw well-conditioned float64 inputs away from kinks and domain
# boundaries, where central differences with ε = 1e-6 are accurate to about 1e-9: a
# tolerance 100 times tighter than the default catches a rule that is almost right.
CASE_ATOL = 1e-7
CASE_RTOL = 1e-5
# Second derivatives are checked as finite differences (ε = 1e-5) of AD gradients,
# one differentiation more removed from exact: ten times looser than first order.
CASE_EPS_2 = 1e-5
CASE_ATOL_2 = 1e-6
CASE_RTOL_2 = 1e-4
PROJECTION_SEED = 123  # the fixed random direction a case's output is projected on
SECOND_ORDER_SEED = 7  # the fixed random direction of the directional gradient


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


@dataclass(frozen=True)
class _Settings:
    """How a check runs (see :func:`compare_gradients`); ``kinks=False`` excuses no entry."""

    eps: float = EPS
    atol: float = ATOL
    rtol: float = RTOL
    mode: str = "full"
    directions: int = 4
    max_full_size: int = 256
    seed: int = 0
    worst: int = 3
    kinks: bool = True

    def validate(self, who: str) -> None:
        if not self.eps > 0:
            raise ValueError(f"{who}: eps must be positive, got {self.eps}")
        if self.mode not in ("auto", "full", "random"):
            raise ValueError(f"{who}: mode must be 'auto', 'full' or 'random', got {self.mode!r}")
        if self.directions < 1:
            raise ValueError(f"{who}: directions must be at least 1, got {self.directions}")


def _run(target: _Target, hand: list[np.ndarray | None], settings: _Settings) -> list[GradientRow]:
    s = settings
    ad = target.gradients()
    f0 = target.value()
    rng = np.random.default_rng(s.seed)
    rows = []
    for i, (name, base) in enumerate(zip(target.names, target.bases)):
        full = s.mode == "full" or (s.mode == "auto" and base.size <= s.max_full_size)
        if full or base.size == 0:
            plus, minus = _coordinate_differences(target, i, s.eps)
            dirs = None
            check = f"{base.size} entr{'y' if base.size == 1 else 'ies'}"
        else:
            dirs = rng.standard_normal((s.directions, *base.shape))
            norms = np.linalg.norm(dirs.reshape(s.directions, -1), axis=1)
            dirs /= norms.reshape((s.directions,) + (1,) * base.ndim)
            plus, minus = _directional_differences(target, i, s.eps, dirs)
            check = f"{s.directions} random dirs"
        rows.append(
            _judge(
                name, base.shape, check, ad[i], hand[i], dirs, plus, minus, f0,
                s.eps, s.atol, s.rtol, s.worst, s.kinks,
            )
        )
    return rows


def _compare(
    who: str,
    f: Callable[..., Any],
    inputs: Any,
    reference: Any,
    settings: _Settings,
    directions: Sequence[np.ndarray] | None = None,
) -> GradientReport:
    """The one checker: AD (and a hand derivation) of ``f`` against central differences.

    ``directions``: ``f`` returns one output per direction, checked as ``Σₖ ⟨dₖ, fₖ⟩``.
    """
    settings.validate(who)
    scalarize = _Scalarize(who, project=reference is None, seed=settings.seed, directions=directions)
    target = _target_for(f, inputs, scalarize)
    try:
        hand: list[np.ndarray | None] = [None] * len(target.names)
        if reference is not None:
            hand = _hand_gradients(reference, target, who)
        rows = _run(target, hand, settings)
    finally:
        target.close()
    title = f"Gradient check of {_function_name(f)}"
    columns = "AD vs finite differences"
    if reference is not None:
        columns = "AD vs hand-derived vs finite differences"
    return GradientReport(rows, f"{title} ({columns})", settings.eps, settings.atol, settings.rtol)


def compare_gradients(
    f: Callable[..., Any],
    inputs: Any,
    reference: Any = None,
    *,
    eps: float = EPS,
    atol: float = ATOL,
    rtol: float = RTOL,
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
    Without a reference, a non-scalar output is projected on a fixed random direction
    drawn from ``seed`` (checking the VJP along it).

    ``mode="full"`` checks every entry (2 evaluations of ``f`` per entry);
    ``mode="random"`` compares directional derivatives along ``directions`` random unit
    vectors (2 evaluations each), the cheap check for large inputs; ``"auto"`` (default)
    checks inputs with up to ``max_full_size`` entries fully. Entries at kinks, where
    finite differences are not a valid oracle, are reported as such (module docstring).
    A failing input lists its ``worst`` entries farthest outside the tolerance, and the
    entry with the largest absolute error if it is not among them.

    >>> import autograd_mini as am
    >>> report = am.compare_gradients(lambda w: (w * 2.0 - 1.0) ** 2, [0.95],
    ...                               reference=lambda w: 4.0 * (2.0 * w - 1.0))
    >>> report.ok, report["w"].result
    (True, 'ok')
    """
    settings = _Settings(eps, atol, rtol, mode, directions, max_full_size, seed, worst)
    return _compare("compare_gradients", f, inputs, reference, settings)


def gradcheck(
    f: Callable[..., Any],
    *inputs: Any,
    eps: float = EPS,
    atol: float = ATOL,
    rtol: float = RTOL,
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
    report = _compare("gradcheck", f, tuple(inputs), None, _Settings(eps, atol, rtol, directions=1))
    report.title = "gradcheck"
    if report.ok:
        return True
    lines = [
        f"gradcheck: the AD gradient of {_function_name(f)} disagrees with central "
        f"finite differences ({report._settings()})"
    ]
    for i, row in enumerate(report.rows):
        lines.append(
            f"  input {i} {row.name!r} shape {row.shape}: max abs error {row.max_abs_error:.3g}, "
            f"max rel error {row.max_rel_error:.3g}, worst entry at index {row.worst_index}: "
            f"{row.result}"
        )
    for row in report.failures:
        lines.append(f"Worst entries of {row.name!r}:")
        lines.append(text_table(*report._entry_table(row.worst)))
    raise GradcheckError("\n".join(lines), report)


# ---------------------------------------------------------------- the per-op check cases


class CaseMissesOpError(ValueError):
    """A check case of an op whose graph never runs that op (so it checks nothing of it)."""


def case_inputs(case: Case, seed: int) -> list[np.ndarray]:
    """The float64 inputs of ``case``, drawn from a generator seeded with ``seed``."""
    rng = np.random.default_rng(seed)
    return [make(rng) for make in case.makers]


def check_case(
    name: str,
    case: Case,
    seed: int,
    *,
    order: int = 1,
    eps: float | None = None,
    atol: float | None = None,
    rtol: float | None = None,
) -> GradientReport:
    """Check one case of the op ``name`` (inputs drawn with ``seed``) against finite differences.

    The case's output ``y`` is projected on a fixed random direction ``r``,
    ``L = Σ r ⊙ y``, and AD's ``∂L/∂x`` is compared with central differences entry by
    entry (``order=1``). With ``order=2`` the checked function is the directional
    gradient ``⟨∇L(x), v⟩`` for a fixed random ``v``, differentiated by AD through
    ``create_graph=True`` (the same VJP rules run on Tensors): the second derivative.
    Tolerances default to :data:`CASE_ATOL` / :data:`CASE_RTOL` (first order) and
    :data:`CASE_ATOL_2` / :data:`CASE_RTOL_2` with ``eps`` :data:`CASE_EPS_2` (second
    order); the inputs are drawn away from kinks, so kinks excuse nothing here. Raises
    :class:`CaseMissesOpError` if the case never runs the op.

    >>> from autograd_mini.checking.cases import cases_for
    >>> check_case("exp", cases_for("exp")[0], 0).ok
    True
    """
    if order not in (1, 2):
        raise ValueError(f"check_case: order must be 1 or 2, got {order}")
    arrays = case_inputs(case, seed)
    leaves = [Tensor._wrap(a).requires_grad_() for a in arrays]
    if not any(node.name == name for node in topological_order(case.fn(*leaves))):
        raise CaseMissesOpError(f"case {case.label or seed} does not run {name}")
    who = f"{name} case {case.label or seed}"
    directions: list[np.ndarray] | None = None
    if order == 1:
        f: Callable[..., Any] = case.fn
        defaults = (EPS, CASE_ATOL, CASE_RTOL)
    else:
        f, directions = _directional_gradient(who, case.fn, arrays)
        defaults = (CASE_EPS_2, CASE_ATOL_2, CASE_RTOL_2)
    settings = _Settings(
        defaults[0] if eps is None else eps,
        defaults[1] if atol is None else atol,
        defaults[2] if rtol is None else rtol,
        seed=PROJECTION_SEED,
        kinks=False,
    )
    report = _compare(who, f, tuple(arrays), None, settings, directions)
    report.title = f"Gradient check of {who} ({'first' if order == 1 else 'second'} derivative)"
    return report


def _directional_gradient(
    who: str, fn: Callable[..., Any], arrays: Sequence[np.ndarray]
) -> tuple[Callable[..., Any], list[np.ndarray]]:
    """``x ↦ ∇L(x)`` (one Tensor per input, differentiable in ``x``) and the fixed ``v``.

    ``L`` is ``fn``'s output projected on the case's direction ``r``, differentiated by
    seeding the backward pass with ``r``; the checked function ``⟨∇L(x), v⟩`` is the
    projection of these gradients on ``v``, which :class:`_Scalarize` computes on the
    NumPy side, so no op of the library is added around the op under test.
    """
    rng = np.random.default_rng(SECOND_ORDER_SEED)
    directions = [rng.standard_normal(np.shape(a)) for a in arrays]
    projection = _Scalarize(who, project=True, seed=PROJECTION_SEED)

    def gradient(*xs: Tensor) -> tuple[Any, ...]:
        with enable_grad():
            for x in xs:
                if not x.requires_grad:  # a value of f: the inputs are fresh float64 Tensors
                    x.requires_grad_()
            out = fn(*xs)
            r = projection._direction(0, tuple(out.shape))
            grads = engine_api.grad(out, list(xs), grad_outputs=r, create_graph=True, allow_unused=True)
        return tuple(np.zeros(np.shape(x)) if g is None else g for g, x in zip(grads, xs))

    with contextlib.suppress(TypeError, ValueError):  # rows named like the case's inputs
        gradient.__signature__ = inspect.signature(fn)  # type: ignore[attr-defined]
    return gradient, directions
