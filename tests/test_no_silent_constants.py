"""No Tensor that requires grad is ever turned into a constant silently.

Ops and transforms given (nested) lists and tuples that hold Tensors stack them
differentiably, as ``jax.numpy.array`` does; ``am.tensor`` (a leaf constructor) and slice
assignment refuse them with an error that names the differentiable way. The property
tests feed nested lists of Tensors to every public op, operator and transform, and
compare every piece's gradient with the one obtained through an explicit ``am.stack``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import functional
from autograd_mini.ops import REGISTRY
from autograd_mini.ops import api as ops_api
from autograd_mini.ops.publish import PUBLIC

SHAPE = (2, 3)

# How each public op is called with the list-built argument ``x`` (shape (2, 3)) and an
# ordinary Tensor ``o`` of the same shape. A new public op must get a line here.
CALLS: dict[str, list[Callable[[Any, am.Tensor], am.Tensor]]] = {
    "as_tensor": [lambda x, o: am.as_tensor(x)],
    "exp": [lambda x, o: am.exp(x)],
    "log": [lambda x, o: am.log(x)],
    "sqrt": [lambda x, o: am.sqrt(x)],
    "abs": [lambda x, o: am.abs(x)],
    "sin": [lambda x, o: am.sin(x)],
    "cos": [lambda x, o: am.cos(x)],
    "tan": [lambda x, o: am.tan(x)],
    "tanh": [lambda x, o: am.tanh(x)],
    "sigmoid": [lambda x, o: am.sigmoid(x)],
    "relu": [lambda x, o: am.relu(x)],
    "leaky_relu": [lambda x, o: am.leaky_relu(x, 0.1)],
    "elu": [lambda x, o: am.elu(x)],
    "softplus": [lambda x, o: am.softplus(x)],
    "clip": [lambda x, o: am.clip(x, 0.8, 1.6)],
    "astype": [lambda x, o: am.astype(x, np.float32)],
    "maximum": [lambda x, o: am.maximum(x, o), lambda x, o: am.maximum(o, x)],
    "minimum": [lambda x, o: am.minimum(x, o), lambda x, o: am.minimum(o, x)],
    "where": [lambda x, o: am.where(o > 1.2, x, o), lambda x, o: am.where(o > 1.2, o, x)],
    "sum": [lambda x, o: am.sum(x), lambda x, o: am.sum(x, axis=1)],
    "mean": [lambda x, o: am.mean(x), lambda x, o: am.mean(x, axis=0)],
    "max": [lambda x, o: am.max(x), lambda x, o: am.max(x, axis=1)],
    "min": [lambda x, o: am.min(x), lambda x, o: am.min(x, axis=1)],
    "var": [lambda x, o: am.var(x), lambda x, o: am.var(x, axis=1)],
    "std": [lambda x, o: am.std(x), lambda x, o: am.std(x, axis=1)],
    "logsumexp": [lambda x, o: am.logsumexp(x), lambda x, o: am.logsumexp(x, axis=1)],
    "softmax": [lambda x, o: am.softmax(x)],
    "log_softmax": [lambda x, o: am.log_softmax(x, axis=0)],
    "reshape": [lambda x, o: am.reshape(x, (3, 2))],
    "transpose": [lambda x, o: am.transpose(x)],
    "swapaxes": [lambda x, o: am.swapaxes(x, 0, 1)],
    "squeeze": [lambda x, o: am.squeeze(x)],
    "unsqueeze": [lambda x, o: am.unsqueeze(x, 0)],
    "expand_dims": [lambda x, o: am.expand_dims(x, 1)],
    "flatten": [lambda x, o: am.flatten(x)],
    "broadcast_to": [lambda x, o: am.broadcast_to(x, (2, 2, 3))],
    "cat": [lambda x, o: am.cat([x, o], dim=1)],
    "clamp": [lambda x, o: am.clamp(x, min=0.8, max=1.6)],
    "concatenate": [lambda x, o: am.concatenate([x, o]), lambda x, o: am.concatenate([o, x], axis=1)],
    "stack": [lambda x, o: am.stack([x, o]), lambda x, o: am.stack([o, x], axis=2)],
    "matmul": [lambda x, o: am.matmul(x, o.T), lambda x, o: am.matmul(o.T, x)],
    "dot": [lambda x, o: am.dot(x, o.T), lambda x, o: am.dot(o.T, x)],
    "outer": [lambda x, o: am.outer(x, o), lambda x, o: am.outer(o, x)],
    # issue 13, reductions and scans (values in [0.6, 1.9]: no zeros, ties unlikely)
    "prod": [lambda x, o: am.prod(x), lambda x, o: am.prod(x, axis=1)],
    "cumsum": [lambda x, o: am.cumsum(x, axis=1)],
    "cumprod": [lambda x, o: am.cumprod(x, axis=0)],
    "logcumsumexp": [lambda x, o: am.logcumsumexp(x, axis=1)],
    "cummax": [lambda x, o: am.cummax(x, axis=1).values],
    "cummin": [lambda x, o: am.cummin(x, axis=0).values],
    "diff": [lambda x, o: am.diff(x), lambda x, o: am.diff(o, prepend=x)],
    "trace": [lambda x, o: am.trace(x)],
    "norm": [lambda x, o: am.norm(x), lambda x, o: am.norm(x, ord=3, axis=1), lambda x, o: am.norm(x, "nuc")],
    "sort": [lambda x, o: am.sort(x, axis=1).values],
    "argsort": [lambda x, o: am.where(am.argsort(x) > 0, x, o)],
    "topk": [lambda x, o: am.topk(x, 2).values],
    "median": [lambda x, o: am.median(x, axis=1)],
    "var_mean": [lambda x, o: am.var_mean(x, axis=1)[0] + am.var_mean(x, axis=1)[1]],
    "std_mean": [lambda x, o: am.std_mean(x)[0] * am.std_mean(x)[1]],
    "argmax": [lambda x, o: am.where(am.argmax(x, axis=1, keepdims=True) > 0, x, o)],
    "argmin": [lambda x, o: am.where(am.argmin(x, axis=1, keepdims=True) > 0, x, o)],
    # issue 13, comparisons and logic: boolean results, used as masks on x
    "isnan": [lambda x, o: am.where(am.isnan(x), o, x)],
    "isinf": [lambda x, o: am.where(am.isinf(x), o, x)],
    "isfinite": [lambda x, o: am.where(am.isfinite(x), x, o)],
    "isclose": [lambda x, o: am.where(am.isclose(x, o), o, x), lambda x, o: am.where(am.isclose(o, x), o, x)],
    "logical_and": [lambda x, o: am.where(am.logical_and(x, o > 1.2), x, o)],
    "logical_or": [lambda x, o: am.where(am.logical_or(o > 1.2, x), x, o)],
    "logical_xor": [lambda x, o: am.where(am.logical_xor(x, o > 1.2), x, o)],
    "logical_not": [lambda x, o: am.where(am.logical_not(x), o, x)],
    "any": [lambda x, o: am.where(am.any(x, axis=0), x, o)],
    "all": [lambda x, o: am.where(am.all(x, axis=1, keepdims=True), x, o)],
    "masked_fill": [lambda x, o: am.masked_fill(x, o.data > 1.2, 0.5)],
    # issue 13, elementwise math and activations (ops/elementwise.py, ops/activation.py)
    "nan_to_num": [lambda x, o: am.nan_to_num(x)],
    "lerp": [
        lambda x, o: am.lerp(x, o, 0.3),
        lambda x, o: am.lerp(o, x, o - 0.5),
        lambda x, o: am.lerp(o, o, x),
    ],
    "mod": [lambda x, o: am.mod(x, o), lambda x, o: am.mod(o, x)],
    "gelu": [lambda x, o: am.gelu(x), lambda x, o: am.gelu(x, approximate="tanh")],
    "celu": [lambda x, o: am.celu(x, 0.5)],
    "hardtanh": [lambda x, o: am.hardtanh(x, 0.0, 1.5)],
    "relu6": [lambda x, o: am.relu6(x)],
    # generated ops whose domain excludes part of [0.6, 1.9]: the list goes through an op that
    # maps it into the domain (tanh: into [0.53, 0.96], exp: above 1.8); the list handling of
    # every generated one-input function is the same code as tanh's and exp's
    "arcsin": [lambda x, o: am.arcsin(am.tanh(x))],
    "arccos": [lambda x, o: am.arccos(am.tanh(x))],
    "arctanh": [lambda x, o: am.arctanh(am.tanh(x))],
    "erfinv": [lambda x, o: am.erfinv(am.tanh(x))],
    "arccosh": [lambda x, o: am.arccosh(am.exp(x))],
    "mish": [lambda x, o: am.mish(x)],
    "softsign": [lambda x, o: am.softsign(x)],
    "softmin": [lambda x, o: am.softmin(x), lambda x, o: am.softmin(x, dim=0)],
    "glu": [lambda x, o: am.glu(x, 0)],
    # issue 13, linear algebra
    "einsum": [lambda x, o: am.einsum("ij,kj->ik", x, o), lambda x, o: am.einsum("ij,ij", o, x)],
    "tensordot": [lambda x, o: am.tensordot(x, o), lambda x, o: am.tensordot(o, x, axes=([0], [0]))],
    "inner": [lambda x, o: am.inner(x, o), lambda x, o: am.inner(o, x)],
    "vdot": [lambda x, o: am.vdot(x, o), lambda x, o: am.vdot(o, x)],
    "kron": [lambda x, o: am.kron(x, o), lambda x, o: am.kron(o, x)],
    "cross": [lambda x, o: am.cross(x, o), lambda x, o: am.cross(o, x)],
    # issue 13, shape and indexing (ops/shape_api.py)
    "ravel": [lambda x, o: am.ravel(x)],
    "view": [lambda x, o: am.view(x, 3, 2)],
    "permute": [lambda x, o: am.permute(x, 1, 0)],
    "moveaxis": [lambda x, o: am.moveaxis(x, 0, 1)],
    "movedim": [lambda x, o: am.movedim(x, 0, -1)],
    "unflatten": [lambda x, o: am.unflatten(x, 1, (3, 1))],
    "atleast_1d": [lambda x, o: am.atleast_1d(x)],
    "atleast_2d": [lambda x, o: am.atleast_2d(x)],
    "atleast_3d": [lambda x, o: am.atleast_3d(x)],
    "flip": [lambda x, o: am.flip(x, 1), lambda x, o: am.flip(x)],
    "fliplr": [lambda x, o: am.fliplr(x)],
    "flipud": [lambda x, o: am.flipud(x)],
    "rot90": [lambda x, o: am.rot90(x), lambda x, o: am.rot90(x, 3)],
    "roll": [lambda x, o: am.roll(x, 1, 1), lambda x, o: am.roll(x, 2)],
    "repeat": [lambda x, o: am.repeat(x, 2, axis=1), lambda x, o: am.repeat(x, [1, 0, 2], axis=1)],
    "repeat_interleave": [lambda x, o: am.repeat_interleave(x, 2)],
    "tile": [lambda x, o: am.tile(x, (2, 1, 2))],
    "split": [lambda x, o: am.stack(am.split(x, 3, axis=1))],
    "array_split": [lambda x, o: am.concatenate(am.array_split(x, 2, axis=1)[::-1], axis=1)],
    "hsplit": [lambda x, o: am.concatenate(am.hsplit(x, [1])[::-1], axis=1)],
    "vsplit": [lambda x, o: am.concatenate(am.vsplit(x, 2)[::-1])],
    "dsplit": [lambda x, o: am.concatenate(am.dsplit(am.atleast_3d(x), 1), axis=2)],
    "chunk": [lambda x, o: am.concatenate(am.chunk(x, 2, 1)[::-1], axis=1)],
    "vstack": [lambda x, o: am.vstack([x, o]), lambda x, o: am.vstack([o, x])],
    "hstack": [lambda x, o: am.hstack([x, o])],
    "dstack": [lambda x, o: am.dstack([o, x])],
    "column_stack": [lambda x, o: am.column_stack([x, o])],
    "meshgrid": [lambda x, o: am.stack(am.meshgrid(x, o[0]))],
    "diagonal": [lambda x, o: am.diagonal(x), lambda x, o: am.diagonal(x, 1)],
    "diag": [lambda x, o: am.diag(x, 1)],
    "diag_embed": [lambda x, o: am.diag_embed(x, -1)],
    "triu": [lambda x, o: am.triu(x, 1)],
    "tril": [lambda x, o: am.tril(x)],
    "take": [lambda x, o: am.take(x, [0, 5, 5]), lambda x, o: am.take(x, [2, 0, 2], axis=1)],
    "take_along_axis": [lambda x, o: am.take_along_axis(x, np.array([[0, 0], [2, 1]]), axis=1)],
    "gather": [lambda x, o: am.gather(x, 1, np.array([[0, 0], [2, 1]]))],
    "put_along_axis": [
        lambda x, o: am.put_along_axis(x, np.array([[0], [2]]), o[:, :1], axis=1),
        lambda x, o: am.put_along_axis(o, np.array([[1, 0, 1], [0, 1, 0]]), x, axis=0),
    ],
    "scatter": [
        lambda x, o: am.scatter(o, 1, np.array([[2, 0, 1], [1, 2, 0]]), x),
        lambda x, o: am.scatter(x, 0, np.array([[1, 0, 1]]), o),
    ],
    "scatter_add": [
        lambda x, o: am.scatter_add(o, 1, np.array([[0, 0, 1], [2, 2, 2]]), x),
        lambda x, o: am.scatter_add(x, 1, np.array([[0, 0, 1], [2, 2, 2]]), o),
    ],
    "nonzero": [lambda x, o: am.as_tensor(x)[am.nonzero(x)]],
    "argwhere": [lambda x, o: (lambda a: am.as_tensor(x)[a[:, 0], a[:, 1]])(am.argwhere(x))],
    "sliding_window_view": [lambda x, o: am.sliding_window_view(x, 2, axis=1)],
    "unfold": [lambda x, o: am.unfold(x, 1, 2, 1)],
    "pad": [
        lambda x, o: am.pad(x, 1, mode="reflect"),
        lambda x, o: am.pad(x, ((1, 0), (2, 2)), constant_values=0.5),
    ],
}

OPERATORS: dict[str, Callable[[Any, am.Tensor], am.Tensor]] = {
    "t + list": lambda x, o: o + x,
    "list + t": lambda x, o: x + o,
    "t - list": lambda x, o: o - x,
    "list - t": lambda x, o: x - o,
    "t * list": lambda x, o: o * x,
    "list * t": lambda x, o: x * o,
    "t / list": lambda x, o: o / x,
    "list / t": lambda x, o: x / o,
    "t ** list": lambda x, o: o**x,
    "list ** t": lambda x, o: x**o,
    "t @ list": lambda x, o: o.T @ x,
    "list @ t": lambda x, o: x @ o.T,
}


def _public_ops() -> list[str]:
    """Every public function of the ops layer that ``am`` exports (hand-written or generated)."""
    written = {
        name
        for name, f in vars(ops_api).items()
        if inspect.isfunction(f) and f.__module__.startswith("autograd_mini.ops") and name in am.__all__
    }
    return sorted(written | set(PUBLIC))


def _generated_calls() -> None:
    """Ops published from their table entry need no line here: they are called generically."""
    for name, fn in PUBLIC.items():
        if name in CALLS or name not in REGISTRY or not REGISTRY[name].public:
            continue  # hand-written functions (@public) need their own line in CALLS
        if len(REGISTRY[name].vjps) == 1:
            CALLS[name] = [lambda x, o, fn=fn: fn(x)]
        else:
            CALLS[name] = [lambda x, o, fn=fn: fn(x, o), lambda x, o, fn=fn: fn(o, x)]


_generated_calls()


def test_every_public_op_has_a_call() -> None:
    missing = sorted(set(_public_ops()) - set(CALLS))
    assert not missing, f"add the new hand-written ops to CALLS: {missing}"
    assert set(CALLS) <= set(_public_ops())


@st.composite
def nestings(draw: Any) -> tuple[np.ndarray, str]:
    """Values of shape (2, 3) in [0.6, 1.9] (inside every op's domain, away from kinks of
    relu/abs/clip at the values used) and how they are split into Tensors."""
    values = np.array(
        draw(st.lists(st.floats(0.6, 1.9), min_size=6, max_size=6)), dtype=np.float64
    ).reshape(SHAPE)
    return values, draw(st.sampled_from(["rows", "scalars", "mixed", "tuple-rows"]))


def _pieces(values: np.ndarray, mode: str) -> tuple[Any, list[am.Tensor], Callable[[], am.Tensor]]:
    """The nested list given to the op, its leaf Tensors, and the same value built with am.stack."""
    if mode in ("rows", "tuple-rows"):
        leaves = [am.tensor(r, requires_grad=True) for r in values]
        nested: Any = list(leaves) if mode == "rows" else tuple(leaves)
        return nested, leaves, lambda: am.stack(leaves)
    if mode == "scalars":
        leaves = [am.tensor(v, requires_grad=True) for v in values.ravel()]
        nested = [leaves[:3], leaves[3:]]
        return nested, leaves, lambda: am.stack([am.stack(leaves[:3]), am.stack(leaves[3:])])
    # mixed: a row Tensor, then a row of scalar Tensors and a plain float
    row = am.tensor(values[0], requires_grad=True)
    scalars = [am.tensor(v, requires_grad=True) for v in values[1, :2]]
    last = float(values[1, 2])
    nested = [row, [scalars[0], scalars[1], last]]
    return (
        nested,
        [row, *scalars],
        lambda: am.stack([row, am.stack([scalars[0], scalars[1], am.tensor(last)])]),
    )


def _gradients(fn: Callable[[], am.Tensor], leaves: list[am.Tensor], weights: np.ndarray | None) -> list[Any]:
    for leaf in leaves:
        leaf.grad = None
    out = fn()
    w = np.cos(np.arange(out.size, dtype=np.float64)).reshape(out.shape) + 1.5 if weights is None else weights
    (out * am.tensor(w.astype(out.dtype))).sum().backward()
    return [None if leaf.grad is None else leaf.grad.numpy().copy() for leaf in leaves]


def _assert_same_gradients(
    call: Callable[[Any, am.Tensor], am.Tensor], values: np.ndarray, mode: str
) -> None:
    nested, leaves, stacked = _pieces(values, mode)
    other = am.tensor(values[::-1, ::-1] * 0.9 + 0.1)
    through_list = _gradients(lambda: call(nested, other), leaves, None)
    through_stack = _gradients(lambda: call(stacked(), other), leaves, None)
    for i, (a, b) in enumerate(zip(through_list, through_stack)):
        assert b is not None, "the reference lost the gradient itself"
        assert a is not None, f"piece {i} lost its gradient: the list became a constant"
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9)


CASES = [(name, i) for name, calls in CALLS.items() for i in range(len(calls))]


@pytest.mark.parametrize(("name", "index"), CASES, ids=[f"{n}-{i}" for n, i in CASES])
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=nestings())
def test_op_differentiates_nested_lists_of_tensors(
    name: str, index: int, data: tuple[np.ndarray, str]
) -> None:
    values, mode = data
    _assert_same_gradients(CALLS[name][index], values, mode)


@pytest.mark.parametrize("name", sorted(OPERATORS))
@settings(max_examples=15, deadline=None)
@given(data=nestings())
def test_operator_differentiates_nested_lists_of_tensors(name: str, data: tuple[np.ndarray, str]) -> None:
    values, mode = data
    _assert_same_gradients(OPERATORS[name], values, mode)


def test_issue_examples() -> None:
    a = am.tensor([1.0, 2.0], requires_grad=True)
    b = am.tensor([3.0, 4.0], requires_grad=True)
    am.matmul([a, b], a).sum().backward()
    # out_i = Σ_j M_ij a_j with rows a, b: ∂/∂a = Σ_i M_i + a-column terms = 2a + b
    np.testing.assert_allclose(a.grad.numpy(), 2 * a.numpy() + b.numpy())
    np.testing.assert_allclose(b.grad.numpy(), a.numpy())
    assert am.grad(lambda x: am.mean([x, x + 2]))(1.0) == pytest.approx(1.0)
    assert am.grad(lambda x: am.sum([x, 3 * x]))(0.5) == pytest.approx(4.0)
    assert am.grad(lambda x: am.tanh([x, x]).sum())(0.3) == pytest.approx(2 * (1 - np.tanh(0.3) ** 2))


# ---------------------------------------------------------------- transforms

SCALAR_F = lambda y: (y**3).sum() * y[0]
VECTOR_F = lambda y: y**2 * y[0]

TRANSFORMS: dict[str, Callable[[Any], Any]] = {
    "grad": lambda y: am.grad(SCALAR_F)(y),
    "value_and_grad": lambda y: am.value_and_grad(SCALAR_F)(y)[1],
    "jacobian": lambda y: am.jacobian(VECTOR_F)(y),
    "jacrev": lambda y: am.jacrev(VECTOR_F)(y),
    "jacfwd": lambda y: am.jacfwd(VECTOR_F)(y),
    "hessian": lambda y: am.hessian(SCALAR_F)(y),
    "vjp": lambda y: am.vjp(VECTOR_F, y)[1](np.array([1.0, -2.0, 0.5])),
    "jvp": lambda y: am.jvp(VECTOR_F, (y,), (np.array([1.0, -2.0, 0.5]),))[1],
    "linearize": lambda y: am.linearize(VECTOR_F, y)[1](np.array([1.0, -2.0, 0.5])),
    "hvp": lambda y: am.hvp(SCALAR_F, (y,), (np.array([1.0, -2.0, 0.5]),))[1],
}


def test_every_public_transform_is_covered() -> None:
    assert set(TRANSFORMS) == set(functional.__all__)


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
@settings(max_examples=10, deadline=None)
@given(x0=st.floats(0.3, 1.7), container=st.sampled_from([list, tuple]))
def test_transform_differentiates_a_tuple_of_traced_tensors(name: str, x0: float, container: type) -> None:
    """The outer gradient flows through a transform applied to (x, 2x, x²) given as a tuple."""
    inner = TRANSFORMS[name]

    def through_list(x: am.Tensor) -> am.Tensor:
        return am.sum(inner(container([x, 2 * x, x * x])))

    def through_stack(x: am.Tensor) -> am.Tensor:
        return am.sum(inner(am.stack([x, 2 * x, x * x])))

    got = am.grad(through_list)(x0)
    want = am.grad(through_stack)(x0)
    (fd,) = am.numerical_grad(lambda x: through_stack(x), np.array(x0))
    assert want == pytest.approx(float(fd), rel=1e-5, abs=1e-6)
    assert got == pytest.approx(want, rel=1e-9, abs=1e-12)


def test_issue_transform_example() -> None:
    f = lambda x: am.grad(lambda y: y[0] * y[1])((x, x)).sum()
    # the inner gradient is (y₁, y₀) = (x, x); its sum 2x has derivative 2
    assert am.grad(f)(3.0) == pytest.approx(2.0)


# ---------------------------------------------------------------- refusals


def test_tensor_refuses_lists_of_tensors_that_require_grad() -> None:
    a = am.tensor(1.0, requires_grad=True)
    for data in ([a, 2.0], ((a,),), [[1.0], [a]]):
        with pytest.raises(TypeError, match=r"am\.stack"):
            am.tensor(data)
    with pytest.raises(TypeError, match=r"detach"):
        am.tensor(a)
    # constants inside lists are plain values: nothing can be lost
    c = am.tensor(2.0)
    assert am.tensor([c, 3.0]).tolist() == [2.0, 3.0]
    assert am.tensor(a.detach()).item() == 1.0


def test_slice_assignment_refuses_a_value_that_requires_grad() -> None:
    a = am.tensor(1.0, requires_grad=True)
    t = am.zeros(3)
    with pytest.raises(RuntimeError, match="drop its gradient"):
        t[0] = a
    with pytest.raises(RuntimeError, match="drop its gradient"):
        t[:2] = [a, a]
    with am.no_grad():
        t[0] = a  # explicit: constants wanted
    assert t.tolist() == [1.0, 0.0, 0.0]


def test_parameter_from_a_tensor_is_a_new_leaf() -> None:
    from autograd_mini import nn

    a = am.tensor([1.0, 2.0], requires_grad=True)
    p = nn.Parameter(a * 2)
    assert p.is_leaf and p.requires_grad and p.tolist() == [2.0, 4.0]


def test_ragged_nested_list_names_the_shapes() -> None:
    a = am.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match="different shapes"):
        am.sum([a, am.tensor([1.0, 2.0, 3.0])])
