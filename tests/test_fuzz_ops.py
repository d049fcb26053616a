"""Property-based fuzzing: random compositions of 3 to 8 ops, checked against finite differences.

Hypothesis draws input shapes that broadcast together, a program of steps (elementwise
ops, binary ops with another input, reductions with random axis/keepdims, softmax,
reshapes, transposes and random indexing), runs it in float32 and float64, and checks
the float64 gradient of every input against central differences. On failure it shrinks
to a minimal program and prints it as readable code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import reliability_record as record
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

import autograd_mini as am


@dataclass(frozen=True, repr=False)
class Step:
    """One op of a program: ``text`` shows it as code, ``apply`` runs it."""

    text: str
    apply: Callable[[am.Tensor, list[am.Tensor]], am.Tensor]

    def __repr__(self) -> str:
        return self.text


UNARY: dict[str, Callable[[am.Tensor], am.Tensor]] = {
    "tanh": am.tanh,
    "sigmoid": am.sigmoid,
    "sin": am.sin,
    "cos": am.cos,
    "softplus": am.softplus,
    "neg": lambda v: -v,
    "square": lambda v: v * v,
    "exp(clip)": lambda v: am.exp(am.clip(v, -3.0, 3.0) * 0.5),
    "log(softplus+0.5)": lambda v: am.log(am.softplus(v) + 0.5),
    "sqrt(v*v+1)": lambda v: am.sqrt(v * v + 1.0),
    "elu": lambda v: am.elu(v, 0.5),
    "cube(tanh)": lambda v: am.tanh(v) ** 3,  # bounded: x⁹-like growth defeats finite differences
}

BINARY: dict[str, Callable[[am.Tensor, am.Tensor], am.Tensor]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/(1+b²)": lambda a, b: a / (1.0 + b * b),
    "maximum": lambda a, b: am.maximum(a, b),
}


@st.composite
def broadcast_shapes(draw: Any) -> tuple[tuple[int, ...], ...]:
    """Two or three shapes that broadcast to a common shape of 1 to 3 axes."""
    ndim = draw(st.integers(1, 3))
    full = tuple(draw(st.lists(st.integers(1, 3), min_size=ndim, max_size=ndim)))
    shapes = [full]
    for _ in range(draw(st.integers(1, 2))):
        drop = draw(st.integers(0, ndim))  # leading axes left out
        shape = tuple(n if draw(st.booleans()) else 1 for n in full[drop:])
        shapes.append(shape)
    return tuple(shapes)


def _axis_step(draw: Any, ndim: int, name: str, fn: Callable[..., am.Tensor]) -> Step:
    if ndim == 0 or draw(st.booleans()):
        axis: Any = None
    elif ndim > 1 and draw(st.booleans()):
        axis = tuple(sorted(draw(st.sets(st.integers(0, ndim - 1), min_size=1, max_size=ndim))))
    else:
        axis = draw(st.integers(-ndim, ndim - 1))
    keepdims = draw(st.booleans())
    return Step(
        f"v = am.{name}(v, axis={axis}, keepdims={keepdims})",
        lambda v, xs: fn(v, axis=axis, keepdims=keepdims),
    )


@st.composite
def programs(draw: Any) -> tuple[tuple[tuple[int, ...], ...], list[Step]]:
    shapes = draw(broadcast_shapes())
    steps: list[Step] = []
    shape = np.broadcast_shapes(*shapes)
    steps.append(Step("v = " + " + ".join(f"x{i}" for i in range(len(shapes))), lambda v, xs: _sum(xs)))
    for _ in range(draw(st.integers(3, 8))):
        ndim = len(shape)
        kind = draw(st.sampled_from(["unary", "unary", "binary", "reduce", "softmax", "shape", "index"]))
        if kind == "unary":
            name = draw(st.sampled_from(sorted(UNARY)))
            steps.append(Step(f"v = {name}(v)", lambda v, xs, f=UNARY[name]: f(v)))
        elif kind == "binary":
            name = draw(st.sampled_from(sorted(BINARY)))
            k = draw(st.integers(0, len(shapes) - 1))
            if not _broadcasts_into(shapes[k], shape):
                continue  # keep the running shape; only inputs that broadcast into it
            steps.append(Step(f"v = ({name})(v, x{k})", lambda v, xs, f=BINARY[name], k=k: f(v, xs[k])))
        elif kind == "reduce" and ndim > 0:
            name = draw(st.sampled_from(["sum", "mean", "logsumexp", "max"]))
            step = _axis_step(draw, ndim, name, getattr(am, name))
            steps.append(step)
            shape = step.apply(am.zeros(shape), []).shape
        elif kind == "softmax" and ndim > 0:
            axis = draw(st.integers(-ndim, ndim - 1))
            fn = am.softmax if draw(st.booleans()) else am.log_softmax
            text = f"v = am.{fn.__name__}(v, axis={axis})"
            steps.append(Step(text, lambda v, xs, a=axis, f=fn: f(v, axis=a)))
        elif kind == "shape" and ndim > 1:
            perm = tuple(draw(st.permutations(range(ndim))))
            steps.append(Step(f"v = v.transpose{perm}", lambda v, xs, p=perm: v.transpose(p)))
            shape = tuple(shape[i] for i in perm)
        elif kind == "shape" and ndim <= 1:
            steps.append(Step("v = v.reshape(-1, 1)", lambda v, xs: v.reshape(-1, 1)))
            shape = (int(np.prod(shape)), 1)
        elif kind == "index" and ndim > 0:
            n = shape[0]
            choice = draw(st.sampled_from(["int", "slice", "array", "mask"]))
            index: Any
            if choice == "int":
                index = draw(st.integers(-n, n - 1))
            elif choice == "slice":
                start = draw(st.integers(0, n - 1))
                index = slice(start, None, draw(st.integers(1, 2)))
            elif choice == "array":
                index = np.array(draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=4)))
            else:
                bits = draw(st.lists(st.booleans(), min_size=n, max_size=n))
                if not any(bits):
                    bits[0] = True
                index = np.array(bits)
            steps.append(Step(f"v = v[{_show(index)}]", lambda v, xs, i=index: v[i]))
            shape = np.zeros(shape)[index].shape
    return shapes, steps


def _broadcasts_into(small: tuple[int, ...], big: tuple[int, ...]) -> bool:
    if len(small) > len(big):
        return False
    return all(a in (1, b) for a, b in zip(small[::-1], big[::-1]))


def _show(index: Any) -> str:
    return f"np.array({index.tolist()})" if isinstance(index, np.ndarray) else repr(index)


def _sum(xs: list[am.Tensor]) -> am.Tensor:
    total = xs[0]
    for x in xs[1:]:
        total = total + x
    return total


def _run(steps: list[Step], xs: list[am.Tensor]) -> am.Tensor:
    v = xs[0]
    for step in steps:
        v = step.apply(v, xs)
    return v


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(program=programs(), seed=st.integers(0, 2**16))
def test_random_programs_match_finite_differences(program, seed):
    shapes, steps = program
    note("program:\n  " + "\n  ".join(map(repr, steps)) + f"\ninput shapes: {shapes}")
    rng = np.random.default_rng(seed)
    arrays = [rng.uniform(-1.5, 1.5, s) for s in shapes]
    weights_cache: dict[str, np.ndarray] = {}

    def loss(*xs: am.Tensor) -> am.Tensor:
        out = _run(steps, list(xs))
        if "w" not in weights_cache:
            weights_cache["w"] = np.random.default_rng(seed + 1).uniform(0.5, 1.5, out.shape)
        return (out * weights_cache["w"].astype(out.dtype)).sum()

    xs = [am.tensor(a, requires_grad=True) for a in arrays]
    out = loss(*xs)
    out.backward()
    numeric = am.numerical_grad(loss, *arrays)
    for i, (x, num) in enumerate(zip(xs, numeric)):
        assert x.grad is not None
        np.testing.assert_allclose(x.grad.numpy(), num, rtol=1e-4, atol=1e-6, err_msg=f"input x{i}")

    # the same program in float32 stays float32 and agrees with float64
    xs32 = [am.tensor(a.astype(np.float32), requires_grad=True) for a in arrays]
    out32 = loss(*xs32)
    assert out32.dtype == np.float32
    out32.backward()
    for x32, x64 in zip(xs32, xs):
        assert x32.grad.dtype == np.float32
        scale = np.abs(x64.grad.numpy()).max() + 1.0
        np.testing.assert_allclose(x32.grad.numpy(), x64.grad.numpy(), atol=5e-3 * scale)
    record.count("fuzz_programs")
