"""The check cases of every op of the registry: callables, shapes and input domains.

Shared by the test suite and ``autograd-mini gradcheck`` (both run them through
:func:`autograd_mini.checking.check.check_case`).

``SPECS`` maps each registered op name to a list of cases. A case is a function of
Tensors (through the public API, so argument handling is tested too) and a list of
input makers; each maker draws a float64 array from a generator, kept away from the
op's kinks and outside its domain boundaries so finite differences are a valid oracle.
A test asserts that every op in ``REGISTRY`` has an entry, so no op can skip checking.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..ops import api as ops
from ..ops import linalg, loss, reduction
from ..ops import shape as shape_ops

Maker = Callable[[np.random.Generator], np.ndarray]


def normal(*shape: int) -> Maker:
    return lambda rng: rng.standard_normal(shape)


def positive(*shape: int) -> Maker:
    return lambda rng: rng.uniform(0.5, 2.0, shape)


def away_from_zero(*shape: int) -> Maker:
    """Values with |x| in [0.2, 2]: away from the kink of relu/abs at 0."""
    return lambda rng: rng.uniform(0.2, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


def distinct(*shape: int) -> Maker:
    """A permutation of well-separated values: no ties for max/min."""
    return lambda rng: rng.permutation(np.arange(int(np.prod(shape))) * 0.37 - 1.0).reshape(shape)


def distinct_shifted(*shape: int) -> Maker:
    """Like ``distinct`` but offset by half a step: never ties with ``distinct`` values."""
    return lambda rng: distinct(*shape)(rng) + 0.185


@dataclass
class Case:
    fn: Callable[..., Any]
    makers: list[Maker]
    label: str = ""
    nondiff: set[int] = field(default_factory=set)  # inputs passed as constants


def case(fn: Callable[..., Any], *makers: Maker, label: str = "") -> Case:
    return Case(fn, list(makers), label)


BROADCAST_PAIRS = [((3,), (3,)), ((3, 1), (1, 4)), ((2, 3, 4), (4,)), ((), (2, 3)), ((2, 1, 3), (4, 1))]


def _binary(
    fn: Callable[..., Any], make: Callable[..., Maker], make_y: Callable[..., Maker] | None = None
) -> list[Case]:
    make_y = make_y or make
    return [case(fn, make(*a), make_y(*b), label=f"{a}x{b}") for a, b in BROADCAST_PAIRS]


def _reductions(fn: Callable[..., Any], make: Callable[..., Maker]) -> list[Case]:
    out = []
    for axis in [None, 0, 1, -1, (0, 2)]:
        for keepdims in (False, True):
            out.append(
                case(
                    lambda x, axis=axis, keepdims=keepdims: fn(x, axis=axis, keepdims=keepdims),
                    make(2, 3, 4),
                    label=f"axis={axis},keepdims={keepdims}",
                )
            )
    out.append(case(lambda x: fn(x), make(5), label="1-D"))
    return out


SPECS: dict[str, list[Case]] = {
    # unary elementwise
    "neg": [case(lambda x: -x, normal(3, 4))],
    "exp": [case(ops.exp, normal(3, 4)), case(ops.exp, normal())],
    "log": [case(ops.log, positive(3, 4))],
    "sqrt": [case(ops.sqrt, positive(3, 4))],
    "abs": [case(ops.abs, away_from_zero(3, 4))],
    "sin": [case(ops.sin, normal(3, 4))],
    "cos": [case(ops.cos, normal(3, 4))],
    "tanh": [case(ops.tanh, normal(3, 4))],
    "sigmoid": [case(ops.sigmoid, normal(3, 4))],
    "relu": [case(ops.relu, away_from_zero(3, 4))],
    "leaky_relu": [case(lambda x: ops.leaky_relu(x, 0.1), away_from_zero(3, 4))],
    "elu": [case(lambda x: ops.elu(x, alpha=0.7), away_from_zero(3, 4))],
    "softplus": [case(ops.softplus, normal(3, 4))],
    "clip": [
        case(lambda x: ops.clip(x, -0.5, 0.5), lambda rng: rng.choice([-1.0, -0.25, 0.1, 0.3, 1.2], (3, 4))),
        case(lambda x: ops.clip(x, lo=0.0), away_from_zero(4)),
    ],
    "astype": [case(lambda x: ops.astype(ops.astype(x, np.float64) * 2.0, x.dtype), normal(3))],
    # binary elementwise, with broadcasting
    "add": _binary(lambda x, y: x + y, normal),
    "sub": _binary(lambda x, y: x - y, normal),
    "mul": _binary(lambda x, y: x * y, normal),
    "div": _binary(lambda x, y: x / y, normal, away_from_zero),
    "pow": [
        *_binary(lambda x, y: x ** y, positive, normal),
        case(lambda x: x ** 3, normal(4), label="x**3"),
        # x = 0 with constant exponents 0..3: x⁰ has derivative 0 there (not 0·0⁻¹ = nan)
        case(lambda x: x**0 + x**1 + x**2 + x**3, lambda rng: np.r_[0.0, rng.standard_normal(3)],
             label="x=0"),
    ],
    "maximum": _binary(ops.maximum, distinct, distinct_shifted),
    "minimum": _binary(ops.minimum, distinct, distinct_shifted),
    "where": [
        case(lambda x, y: ops.where(np.array([True, False, True]), x, y), normal(3), normal(3)),
        case(lambda x, y: ops.where(np.array([[True], [False]]), x, y), normal(2, 3), normal(3)),
    ],
    # reductions
    "sum": _reductions(ops.sum, normal),
    "mean": _reductions(ops.mean, normal),
    "max": _reductions(ops.max, distinct),
    "min": _reductions(ops.min, distinct),
    "std": [
        *_reductions(ops.std, normal),
        case(lambda x: ops.std(x, axis=1, ddof=1), normal(3, 4), label="ddof=1"),
        # one element per column: std is identically 0, so is its gradient (not nan)
        case(lambda x: ops.std(x, axis=0), normal(1, 3), label="one element"),
    ],
    "logsumexp": _reductions(ops.logsumexp, normal),
    "softmax": [
        case(lambda x, a=a: ops.softmax(x, axis=a), normal(3, 4), label=f"axis={a}") for a in (0, 1, -1)
    ],
    "log_softmax": [
        case(lambda x, a=a: ops.log_softmax(x, axis=a), normal(3, 4), label=f"axis={a}") for a in (0, 1, -1)
    ],
    # shape and indexing
    "reshape": [
        case(lambda x: x.reshape(4, 3), normal(3, 4)),
        case(lambda x: x.reshape(-1), normal(2, 3, 2)),
    ],
    "expand_dims": [case(lambda x: x.unsqueeze(1), normal(3, 4)), case(lambda x: x.unsqueeze(-1), normal(3))],
    "squeeze": [case(lambda x: x.squeeze(), normal(3, 1, 4)), case(lambda x: x.squeeze(0), normal(1, 3))],
    "transpose": [
        case(lambda x: x.T, normal(3, 4)),
        case(lambda x: x.transpose(1, 2, 0), normal(2, 3, 4)),
        case(lambda x: x.swapaxes(0, 2), normal(2, 3, 4)),
    ],
    "broadcast_to": [case(lambda x: ops.broadcast_to(x, (2, 3, 4)), normal(3, 1))],
    "sum_to": [case(lambda x: shape_ops.sum_to(x, shape=(3, 1)), normal(2, 3, 4))],
    "getitem": [
        case(lambda x: x[1], normal(3, 4), label="int"),
        case(lambda x: x[:, 1:3], normal(3, 4), label="slice"),
        case(lambda x: x[None, ..., ::2], normal(3, 4), label="None-ellipsis-step"),
        case(lambda x: x[np.array([0, 2, 0, 0])], normal(3, 4), label="repeated int array"),
        case(lambda x: x[np.array([0, 2]), np.array([1, 1])], normal(3, 4), label="paired int arrays"),
        case(lambda x: x[np.array([[True, False, True, True]] * 3)], normal(3, 4), label="bool mask"),
        case(lambda x: x[-1, [3, 0, 3]], normal(3, 4), label="mixed"),
    ],
    "index_add": [
        case(
            lambda g: shape_ops.index_add(g, index=np.array([0, 2, 0]), shape=(4, 2), dtype=g.dtype),
            normal(3, 2),
        )
    ],
    "concatenate": [
        case(lambda x, y: ops.concatenate([x, y], axis=0), normal(2, 3), normal(4, 3)),
        case(lambda x, y, z: ops.concatenate([x, y, z], axis=-1), normal(2, 1), normal(2, 3), normal(2, 2)),
    ],
    "stack": [
        case(lambda x, y: ops.stack([x, y]), normal(2, 3), normal(2, 3)),
        case(lambda x, y, z: ops.stack([x, y, z], axis=-1), normal(4), normal(4), normal(4)),
    ],
    # fused ops, called as ops (nn.functional.linear, cross_entropy and l2_penalty run them)
    "sum_squares": [
        case(lambda x, y: reduction.sum_squares(x, y), normal(3, 4), normal(5)),
        case(lambda x: reduction.sum_squares(x) * 0.3, normal(2, 3), label="one input, scaled"),
    ],
    "linear": [
        case(lambda x, w, b: linalg.linear(x, w, b), normal(5, 3), normal(4, 3), normal(4)),
        case(lambda x, w: linalg.linear(x, w, None), normal(2, 5, 3), normal(4, 3), label="batched"),
        case(lambda x, w, b: linalg.linear(x, w, b), normal(3), normal(4, 3), normal(4), label="1-D"),
    ],
    "softmax_cross_entropy": [
        case(lambda z: loss.softmax_cross_entropy(z, np.array([0, 2, 1, 2])), normal(4, 3)),
        case(lambda z: loss.softmax_cross_entropy(z, np.array([1, 1, 0]), reduction="sum"),
             normal(3, 5), label="sum"),
    ],
    # linear algebra
    "matmul": [
        case(lambda x, y: x @ y, normal(3, 4), normal(4, 2), label="2-D"),
        case(lambda x, y: x @ y, normal(4), normal(4), label="1-D.1-D"),
        case(lambda x, y: x @ y, normal(4), normal(4, 2), label="1-D.2-D"),
        case(lambda x, y: x @ y, normal(3, 4), normal(4), label="2-D.1-D"),
        case(lambda x, y: x @ y, normal(2, 3, 4), normal(4, 5), label="batched.2-D"),
        case(lambda x, y: x @ y, normal(2, 1, 3, 4), normal(3, 4, 2), label="broadcast batch"),
        case(lambda x, y: x @ y, normal(4), normal(2, 4, 3), label="1-D.batched"),
        case(lambda x, y: x @ y, normal(2, 3, 4), normal(4), label="batched.1-D"),
    ],
}


def all_cases() -> list[tuple[str, int, Case]]:
    return [(name, i, c) for name, cases in SPECS.items() for i, c in enumerate(cases)]
