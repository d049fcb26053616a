"""Derivatives beyond the second, and nested forward mode, against finite differences.

The per-op checks of :func:`~autograd_mini.checking.check.check_case` cover the first
derivative and the second (``create_graph=True``). A rule whose own derivative is wrong
(a rule that holds a value of the input as a constant where it is not) can still pass
both, and then gives silently wrong third derivatives or wrong results under nested
forward mode. Three checks per case close that gap, each against central finite
differences in float64 of the order below (itself checked by the lower-order checks):

- :func:`check_case_third_order`: ``x ↦ ∇ₓ⟨∇ₓ⟨r, f(x)⟩, v⟩`` (a Hessian-vector product,
  reverse over reverse with ``create_graph=True``) differentiated once more by AD, entry
  by entry, against central differences of the Hessian-vector product itself.
- :func:`check_case_nested_forward`: forward over forward, ``d/ds [J(x) t]`` by two
  nested dual levels (a ``jvp`` of a ``jvp``), against central differences of the first-order ``jvp`` along
  ``s`` (the JVP rules run on dual Tensors and are differentiated in forward mode).
- :func:`check_case_forward_over_reverse`: ``H s`` of ``⟨r, f(x)⟩`` forward over reverse,
  as ``am.hvp`` computes it (the tangent pushed through the backward pass, so
  the VJP rules run on dual Tensors), against central differences of the gradient.

``r``, ``v``, ``w``, ``s`` and ``t`` are fixed random directions (seeded), so one case
costs a handful of evaluations (the third-order check: two per input entry).
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..autograd import api as engine_api
from ..core import forward
from ..core.engine import topological_order
from ..core.grad_mode import enable_grad
from ..tensor import Tensor
from .cases import Case
from .check import PROJECTION_SEED, CaseMissesOpError, _compare, _Settings, case_inputs
from .finite_differences import _Scalarize
from .report import GradientReport

__all__ = [
    "CASE_ATOL_3",
    "CASE_EPS_3",
    "CASE_RTOL_3",
    "DirectionalReport",
    "check_case_forward_over_reverse",
    "check_case_nested_forward",
    "check_case_third_order",
]

# Third derivatives are central differences (ε = 1e-4) of second derivatives that are
# exact to rounding; the truncation error ε²·f⁽⁵⁾/6 ≈ 1e-9 dominates: ten times looser
# than the second-order check.
CASE_EPS_3 = 1e-4
CASE_ATOL_3 = 1e-5
CASE_RTOL_3 = 1e-3
# The nested-forward and forward-over-reverse checks compare one directional second
# derivative with central differences (ε = 1e-5) of an exact first derivative.
CASE_EPS_DIRECTIONAL = 1e-5
CASE_ATOL_DIRECTIONAL = 1e-6
CASE_RTOL_DIRECTIONAL = 1e-4
DIRECTION_SEEDS = (7, 8, 9)  # v (second order), w (third order), s and t (forward mode)


def _runs_op(name: str, case: Case, arrays: Sequence[np.ndarray]) -> None:
    leaves = [Tensor._wrap(a).requires_grad_() for a in arrays]
    if not any(node.name == name for node in topological_order(case.fn(*leaves))):
        raise CaseMissesOpError(f"case {case.label} does not run {name}")


def _directions(arrays: Sequence[np.ndarray], seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(np.shape(a)) for a in arrays]


def _projection(who: str) -> _Scalarize:
    return _Scalarize(who, project=True, seed=PROJECTION_SEED)


def _as_array(value: Any, like: np.ndarray) -> np.ndarray:
    if value is None:
        return np.zeros(np.shape(like))
    return np.asarray(value.numpy() if isinstance(value, Tensor) else value, dtype=np.float64)


# ---------------------------------------------------------------- third order (reverse³)


def _hessian_vector_product(
    who: str, fn: Callable[..., Any], arrays: Sequence[np.ndarray]
) -> Callable[..., tuple[Any, ...]]:
    """``x ↦ ∇ₓ⟨∇ₓ L(x), v⟩`` with ``L = ⟨r, fn(x)⟩``, differentiable in ``x`` (one entry per input)."""
    v = _directions(arrays, DIRECTION_SEEDS[0])
    projection = _projection(who)

    def product(*xs: Tensor) -> tuple[Any, ...]:
        with enable_grad():
            for x in xs:
                if not x.requires_grad:  # a value of f: the inputs are fresh float64 Tensors
                    x.requires_grad_()
            out = fn(*xs)
            r = projection._direction(0, tuple(out.shape))
            first = engine_api.grad(out, list(xs), grad_outputs=r, create_graph=True, allow_unused=True)
            live = [(g, d) for g, d in zip(first, v) if g is not None and g.requires_grad]
            if not live:  # the gradient does not depend on x: every higher derivative is 0
                return tuple(np.zeros(np.shape(x)) for x in xs)
            second = engine_api.grad(
                [g for g, _ in live],
                list(xs),
                grad_outputs=[d for _, d in live],
                create_graph=True,
                allow_unused=True,
            )
        return tuple(np.zeros(np.shape(x)) if g is None else g for g, x in zip(second, xs))

    with contextlib.suppress(TypeError, ValueError):  # rows named like the case's inputs
        product.__signature__ = inspect.signature(fn)  # type: ignore[attr-defined]
    return product


def check_case_third_order(
    name: str,
    case: Case,
    seed: int,
    *,
    eps: float = CASE_EPS_3,
    atol: float = CASE_ATOL_3,
    rtol: float = CASE_RTOL_3,
) -> GradientReport:
    """The third derivative of one case of the op ``name``, by AD, against finite differences.

    With ``L = ⟨r, f(x)⟩`` and fixed random ``v``, ``w``: AD's ``∇ₓ⟨∇ₓ⟨∇ₓL, v⟩, w⟩`` (three
    backward passes, the first two with ``create_graph=True``, so every VJP rule runs on
    Tensors and is itself differentiated twice) is compared entry by entry with central
    differences of the AD Hessian-vector product ``⟨∇ₓ⟨∇ₓL, v⟩, w⟩``. Raises
    :class:`~autograd_mini.checking.check.CaseMissesOpError` if the case never runs the op.

    >>> from autograd_mini.checking.cases import cases_for
    >>> check_case_third_order("exp", cases_for("exp")[0], 0).ok
    True
    """
    arrays = case_inputs(case, seed)
    _runs_op(name, case, arrays)
    who = f"{name} case {case.label or seed}"
    f = _hessian_vector_product(who, case.fn, arrays)
    directions = _directions(arrays, DIRECTION_SEEDS[1])
    settings = _Settings(eps, atol, rtol, seed=PROJECTION_SEED, kinks=False)
    report = _compare(who, f, tuple(arrays), None, settings, directions)
    report.title = f"Gradient check of {who} (third derivative)"
    return report


# ---------------------------------------------------------------- directional second derivatives


@dataclass
class DirectionalReport:
    """A directional second derivative by AD (``ad``) next to central differences (``fd``)."""

    title: str
    ad: list[np.ndarray]
    fd: list[np.ndarray]
    atol: float
    rtol: float

    @property
    def errors(self) -> list[float]:
        """Per output: the largest ``|ad - fd| - rtol·|fd|`` (≤ atol means it agrees)."""
        return [
            float(np.max(np.abs(a - b) - self.rtol * np.abs(b), initial=-np.inf))
            for a, b in zip(self.ad, self.fd)
        ]

    @property
    def ok(self) -> bool:
        return all(np.allclose(a, b, atol=self.atol, rtol=self.rtol) for a, b in zip(self.ad, self.fd))

    def __str__(self) -> str:
        lines = [f"{self.title}: {'ok' if self.ok else 'AD disagrees with finite differences'}"]
        for i, (a, b) in enumerate(zip(self.ad, self.fd)):
            err = float(np.max(np.abs(a - b), initial=0.0))
            lines.append(f"  output {i} shape {a.shape}: max abs error {err:.3g}")
            if not np.allclose(a, b, atol=self.atol, rtol=self.rtol):
                lines.append(f"    AD: {np.array2string(a.ravel()[:8], precision=6)}")
                lines.append(f"    FD: {np.array2string(b.ravel()[:8], precision=6)}")
        return "\n".join(lines)


def _tangent(fn: Callable[..., Any], xs: Sequence[Tensor], ts: Sequence[np.ndarray]) -> Any:
    """The tangent of ``fn(*xs)`` along ``ts`` (one forward-mode pass at a new dual level;
    zeros if no tangent reaches the output)."""
    with forward.dual_level() as level:
        duals = [forward.make_dual(x, d, level) for x, d in zip(xs, ts)]
        out = fn(*duals)
        tangent = forward.unpack(out, level)[1]
    return np.zeros(out.shape) if tangent is None else tangent


def _central(
    first: Callable[..., list[np.ndarray]], arrays: Sequence[np.ndarray], s: Sequence[np.ndarray], eps: float
) -> list[np.ndarray]:
    plus = first(*[a + eps * d for a, d in zip(arrays, s)])
    minus = first(*[a - eps * d for a, d in zip(arrays, s)])
    return [(p - m) / (2 * eps) for p, m in zip(plus, minus)]


def check_case_nested_forward(
    name: str,
    case: Case,
    seed: int,
    *,
    eps: float = CASE_EPS_DIRECTIONAL,
    atol: float = CASE_ATOL_DIRECTIONAL,
    rtol: float = CASE_RTOL_DIRECTIONAL,
) -> DirectionalReport:
    """Forward over forward: ``d/ds [J(x) t]`` by a ``jvp`` of a ``jvp``, against finite differences.

    An inner dual level pushes ``t`` through the case (each op's JVP rule); an outer one
    pushes ``s`` through that (as ``am.jvp`` of ``am.jvp`` does), so the JVP rules run on
    dual Tensors and their own derivatives count. The reference is
    ``(J(x + εs) t - J(x - εs) t) / 2ε`` with the first-order ``jvp`` (checked by the
    forward-mode tests).

    >>> from autograd_mini.checking.cases import cases_for
    >>> check_case_nested_forward("exp", cases_for("exp")[0], 0).ok
    True
    """
    arrays = case_inputs(case, seed)
    _runs_op(name, case, arrays)
    s = _directions(arrays, DIRECTION_SEEDS[1])
    t = _directions(arrays, DIRECTION_SEEDS[2])

    def first(*xs: Any) -> list[np.ndarray]:
        tangent = _tangent(case.fn, [Tensor._wrap(np.asarray(x, dtype=np.float64)) for x in xs], t)
        return [_as_array(tangent, xs[0])]  # never None: _tangent gives zeros

    with forward.dual_level() as outer:
        xs = [forward.make_dual(Tensor._wrap(a.copy()), d, outer) for a, d in zip(arrays, s)]
        inner = _tangent(case.fn, xs, t)
        second = forward.unpack(inner, outer)[1] if isinstance(inner, Tensor) else None
    fd = _central(first, arrays, s, eps)
    ad = [_as_array(second, f).reshape(f.shape) for f in fd]
    title = f"Nested forward mode of {name} case {case.label or seed} (jvp of jvp)"
    return DirectionalReport(title, ad, fd, atol, rtol)


def check_case_forward_over_reverse(
    name: str,
    case: Case,
    seed: int,
    *,
    eps: float = CASE_EPS_DIRECTIONAL,
    atol: float = CASE_ATOL_DIRECTIONAL,
    rtol: float = CASE_RTOL_DIRECTIONAL,
) -> DirectionalReport:
    """Forward over reverse: ``H s`` of ``L = ⟨r, f(x)⟩`` (as ``am.hvp``), against finite differences.

    The tangent ``s`` rides through ``L`` and its backward pass, so the VJP rules run on
    dual Tensors (their JVPs, not their VJPs, differentiate them). The
    reference is ``(∇L(x + εs) - ∇L(x - εs)) / 2ε`` with first-order reverse-mode gradients.

    >>> from autograd_mini.checking.cases import cases_for
    >>> check_case_forward_over_reverse("exp", cases_for("exp")[0], 0).ok
    True
    """
    arrays = case_inputs(case, seed)
    _runs_op(name, case, arrays)
    who = f"{name} case {case.label or seed}"
    projection = _projection(who)
    s = _directions(arrays, DIRECTION_SEEDS[1])

    def loss(*xs: Any) -> Any:
        out = case.fn(*xs)
        return (out * projection._direction(0, tuple(out.shape))).sum()

    def gradient(*xs: np.ndarray) -> list[np.ndarray]:
        leaves = [Tensor._wrap(np.asarray(x, dtype=np.float64)).requires_grad_() for x in xs]
        with enable_grad():
            grads = engine_api.grad(loss(*leaves), leaves, allow_unused=True)
        return [_as_array(g, x) for g, x in zip(grads, xs)]

    with forward.dual_level() as level:
        duals = [forward.make_dual(Tensor._wrap(a.copy()), d, level) for a, d in zip(arrays, s)]
        with enable_grad():
            for x in duals:
                x.requires_grad_()
            # create_graph: the rules run on the dual Tensors, so the tangents ride along
            grads = engine_api.grad(loss(*duals), duals, allow_unused=True, create_graph=True)
        products = [None if g is None else forward.unpack(g, level)[1] for g in grads]
    ad = [_as_array(p, a).reshape(np.shape(a)) for p, a in zip(products, arrays)]
    fd = _central(gradient, arrays, s, eps)
    title = f"Forward over reverse (hvp) of {who}"
    return DirectionalReport(title, ad, fd, atol, rtol)
