"""Central finite differences and the scalar projection: the oracle of every gradient check.

``f`` is seen as a function of float64 arrays: the inputs of a function, or the named
parameters of a model (perturbed through ``p.data = ...`` under ``no_grad`` and put
back exactly). ``∂f/∂xᵢ ≈ (f(x + ε eᵢ) - f(x - ε eᵢ)) / 2ε``, error O(ε²) plus rounding
O(u/ε); the one-sided slopes come for free and tell kinks apart. A non-scalar output
``y`` is checked through its projection ``L = Σ r ⊙ y`` on a fixed random direction
``r`` (:class:`_Scalarize`), so every output entry matters and the check covers the
VJP along ``r``: the one projection of every check (gradcheck, compare_gradients,
``custom_op(check=True)``, the per-op cases and ``autograd-mini gradcheck``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..autograd import api as engine_api
from ..core.grad_mode import enable_grad, no_grad
from ..tensor import Tensor

EPS = 1e-6  # the step of every central difference unless a caller says otherwise


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
    """Turns f's output into one number, ``L = Σ r ⊙ y``, computed on the NumPy side.

    A single-number output is taken as it is (``r = 1``); a larger one is projected on
    a fixed random direction ``r`` drawn from ``seed`` (so the check covers the VJP along
    ``r``) when allowed. The projection runs no op of the library: ``L``'s value is a
    NumPy weighted sum, and AD differentiates it by seeding the backward pass of ``y``
    with ``r`` (``grad_outputs``), so the op under test never appears in the projection
    (a negated ``sum`` or ``mul`` rule cannot cancel against the checker's own).

    ``directions``: fixed directions, one per output, for an ``f`` that returns a tuple
    of outputs (the second-order check projects the gradients on its ``v``).
    """

    def __init__(
        self, who: str, project: bool, seed: int = 0, directions: Sequence[np.ndarray] | None = None
    ) -> None:
        self.who = who
        self.project = project
        self.seed = seed
        self.fixed = None if directions is None else [np.asarray(d, dtype=np.float64) for d in directions]
        self.direction: np.ndarray | None = None

    def _outputs(self, out: Any) -> list[Any]:
        if self.fixed is not None:
            outs = list(out) if isinstance(out, (tuple, list)) else [out]
            if len(outs) != len(self.fixed):
                raise ValueError(
                    f"{self.who}: f returned {len(outs)} outputs for {len(self.fixed)} directions"
                )
            return outs
        return [out]

    def _direction(self, k: int, shape: tuple[int, ...]) -> np.ndarray:
        if self.fixed is not None:
            return self.fixed[k]
        if int(np.prod(shape)) == 1:
            return np.ones(shape)
        if not self.project:
            raise ValueError(
                f"{self.who}: f must return a single number, it returned shape {shape}; "
                f"reduce it (e.g. .sum()) or use am.jacobian"
            )
        if self.direction is None or self.direction.shape != shape:
            rng = np.random.default_rng(self.seed)
            self.direction = rng.standard_normal(shape)
        return self.direction

    def value(self, out: Any) -> float:
        """``L = Σ r ⊙ y`` as a float (NumPy arithmetic only)."""
        total = 0.0
        for k, y in enumerate(self._outputs(out)):
            arr = np.asarray(y._data if isinstance(y, Tensor) else y, dtype=np.float64)
            r = self._direction(k, arr.shape)
            total += float(np.sum(arr * r))
        return total

    def gradients(self, out: Any, leaves: Sequence[Tensor]) -> list[np.ndarray]:
        """AD's ``∂L/∂leaf`` for every leaf: the backward pass of ``y`` seeded with ``r``."""
        roots: list[Tensor] = []
        seeds: list[np.ndarray] = []
        for k, y in enumerate(self._outputs(out)):
            shape = y.shape if isinstance(y, Tensor) else np.shape(y)
            r = self._direction(k, tuple(shape))
            if isinstance(y, Tensor) and y.requires_grad:
                roots.append(y)
                seeds.append(r.astype(y.dtype, copy=False) if y.dtype.kind == "f" else r)
        if not roots:
            return [np.zeros_like(x._data) for x in leaves]
        grads = engine_api.grad(roots, list(leaves), grad_outputs=seeds, allow_unused=True)
        arrays = []
        for i, (x, g) in enumerate(zip(leaves, grads)):
            if g is None:  # f does not depend on this input
                arrays.append(np.zeros_like(x._data))
                continue
            if g.shape != x.shape:
                raise ValueError(
                    f"the AD gradient of input {i} has shape {g.shape}, but the input has shape "
                    f"{x.shape}; a gradient is shaped like its input (check the op's VJP)"
                )
            arrays.append(np.array(g._data, dtype=np.float64))
        return arrays


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
            return self.scalarize.value(self._call([Tensor._wrap(a) for a in arrays]))

    def gradients(self) -> list[np.ndarray]:
        leaves = [Tensor._wrap(b.copy()).requires_grad_() for b in self.bases]
        with enable_grad():
            out = self._call(leaves)
        return self.scalarize.gradients(out, leaves)

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
                return self.scalarize.value(self.f())
            p = self.params[i]
            p.data = array
            try:
                return self.scalarize.value(self.f())
            finally:
                p.data = self.bases[i]

    def gradients(self) -> list[np.ndarray]:
        with enable_grad():
            out = self.f()
        return self.scalarize.gradients(out, self.params)

    def hand(self, reference: Callable[..., Any]) -> Any:
        return reference()

    def close(self) -> None:
        with no_grad():
            for p, original in zip(self.params, self.originals):
                p.data = original


# ---------------------------------------------------------------- finite differences


def numerical_grad(f: Callable[..., Any], *inputs: Any, eps: float = EPS) -> tuple[np.ndarray, ...]:
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


