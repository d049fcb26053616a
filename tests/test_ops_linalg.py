"""Linear algebra (issue 13): einsum and the products built on it, cross, and ``am.linalg``.

Values are compared with NumPy's own functions on the same inputs; first and second
derivatives by finite differences come from the check cases
(``checking/cases_linalg.py``, run by ``tests/test_op_gradients.py``). Here: forward
values, dtypes, the forward-mode rules (against central differences of the forward and,
by the dot-product test ⟨ḡ, J ṫ⟩ = ⟨Jᵀ ḡ, ṫ⟩, against the VJP), error messages, and the
documented conditions under which a gradient does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.checking.cases import cases_for
from autograd_mini.checking.check import case_inputs
from autograd_mini.ops import REGISTRY

RNG = np.random.default_rng(2024)


def _normal(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


def _node(out: am.Tensor) -> Any:
    assert out.grad_fn is not None
    return out.grad_fn


def _values(xs: Any) -> list[Any]:
    return [x._data if isinstance(x, am.Tensor) else x for x in xs]


def jvp_of_node(node: Any, tangents: list[Any]) -> np.ndarray:
    """The output tangent of one recorded op by its entry's forward-mode rule, on arrays."""
    op = node.op
    values = _values(node.inputs)
    params = node.params or {}
    ans = op.forward(*values, **params)
    kind = op.jvp
    if callable(kind):
        return np.asarray(_values([kind(tangents, ans, *values, **params)])[0])
    total = np.zeros_like(ans)
    if kind == "bilinear":
        for i, t in enumerate(tangents):
            if t is not None:
                args = list(values)
                args[i] = t
                total = total + op.forward(*args, **params)
        return total
    raise AssertionError(f"{op.name}: unexpected jvp kind {kind!r}")


def check_jvp(name: str, fn: Callable[..., am.Tensor], *arrays: np.ndarray, eps: float = 1e-6) -> None:
    """The op's JVP against central differences of its forward and against its VJP."""
    xs = [am.tensor(a, requires_grad=True) for a in arrays]
    out = fn(*xs)
    node = _node(out)
    assert node.op.name == name
    assert node.op.jvp is not None, f"{name}: no forward-mode rule"
    values = _values(node.inputs)
    params = node.params or {}
    tangents = [RNG.standard_normal(np.shape(v)) for v in values]
    got = jvp_of_node(node, tangents)
    plus = node.op.forward(*[v + eps * t for v, t in zip(values, tangents)], **params)
    minus = node.op.forward(*[v - eps * t for v, t in zip(values, tangents)], **params)
    np.testing.assert_allclose(got, (plus - minus) / (2 * eps), rtol=1e-5, atol=1e-6)
    # dot-product test: ⟨ḡ, J ṫ⟩ = Σᵢ ⟨Jᵢᵀ ḡ, ṫᵢ⟩
    g = RNG.standard_normal(np.shape(got))
    leaves = [am.tensor(v, requires_grad=True) for v in values]
    grads = am.autograd.grad((node.op(*leaves, **params) * g).sum(), leaves)
    lhs = float(np.sum(g * got))
    rhs = float(sum(np.sum(gr.numpy() * t) for gr, t in zip(grads, tangents)))
    assert lhs == pytest.approx(rhs, rel=1e-9, abs=1e-9)


# ---------------------------------------------------------------- einsum: values


EINSUM_FORMS = [
    ("ij,jk->ik", [(3, 4), (4, 2)]),
    ("ij,jk", [(3, 4), (4, 2)]),
    ("ii", [(3, 3)]),
    ("ii->i", [(3, 3)]),
    ("iij->j", [(3, 3, 2)]),
    ("ji", [(2, 3)]),
    ("bA", [(2, 3)]),  # implicit output in ASCII order: uppercase first
    ("ij->", [(2, 3)]),
    ("i,j->ij", [(3,), (4,)]),
    ("...ij,...jk", [(4, 1, 2, 3), (5, 3, 2)]),
    ("...ij,...jk->...ik", [(2, 3), (3, 4)]),
    ("i...->...", [(2, 3, 4)]),
    ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),
    ("abc,cd,de->abe", [(2, 3, 4), (4, 5), (5, 2)]),
    (",i->i", [(), (3,)]),
    ("ij,ij->ij", [(1, 3), (2, 3)]),
    (" i j , j k -> i k ", [(3, 4), (4, 2)]),
]


@pytest.mark.parametrize(("subscripts", "shapes"), EINSUM_FORMS, ids=[s for s, _ in EINSUM_FORMS])
def test_einsum_matches_numpy(subscripts: str, shapes: list[tuple[int, ...]]) -> None:
    arrays = [_normal(*s) for s in shapes]
    got = am.einsum(subscripts, *arrays)
    want = np.einsum(subscripts, *arrays)
    assert got.shape == want.shape
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12, atol=1e-12)


def test_einsum_float32_stays_float32_and_diagonal_is_a_copy() -> None:
    a = am.tensor(_normal(3, 3).astype(np.float32), requires_grad=True)
    d = am.einsum("ii->i", a)
    assert d.dtype == np.float32
    d.data[0] = 100.0  # the result owns its values: the input is untouched
    assert a.numpy()[0, 0] != 100.0
    (d * 2.0).sum().backward()
    assert a.grad.dtype == np.float32
    np.testing.assert_array_equal(a.grad.numpy(), 2 * np.eye(3, dtype=np.float32))


def test_einsum_trace_and_diagonal_gradients_land_on_the_diagonal() -> None:
    x = am.tensor(_normal(2, 3, 3), requires_grad=True)
    am.einsum("bii->b", x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.broadcast_to(np.eye(3), (2, 3, 3)))


def test_einsum_double_backward_is_exact() -> None:
    # f(A) = Σ (A Aᵀ)² elementwise: ∂f/∂A = 4 (A Aᵀ) A; Hessian-vector product by hand
    a = _normal(3, 2)
    v = _normal(3, 2)
    x = am.tensor(a, requires_grad=True)
    m = am.einsum("ik,jk->ij", x, x)
    (g,) = am.autograd.grad(am.einsum("ij,ij", m, m), [x], create_graph=True)
    np.testing.assert_allclose(g.numpy(), 4 * (a @ a.T) @ a, rtol=1e-12)
    (h,) = am.autograd.grad((g * v).sum(), [x])
    # d/dε 4 (A+εV)(A+εV)ᵀ(A+εV) = 4 [(V Aᵀ + A Vᵀ) A + A Aᵀ V]; ⟨v, Hw⟩ symmetric: compare H v
    want = 4 * ((v @ a.T + a @ v.T) @ a + a @ a.T @ v)
    np.testing.assert_allclose(h.numpy(), want, rtol=1e-10)


def test_einsum_third_order_through_its_own_rule() -> None:
    # y = Σᵢ xᵢ³ via einsum('i,i,i->'): d³y/dx³ along e₀ = 6
    x = am.tensor(np.array([0.7, -1.3]), requires_grad=True)
    y = am.einsum("i,i,i->", x, x, x)
    (g,) = am.autograd.grad(y, [x], create_graph=True)
    (h,) = am.autograd.grad(g[0], [x], create_graph=True)
    (t,) = am.autograd.grad(h[0], [x])
    np.testing.assert_allclose(g.numpy(), 3 * x.numpy() ** 2)
    np.testing.assert_allclose(t.numpy(), [6.0, 0.0])


@pytest.mark.parametrize(
    ("subscripts", "shapes"),
    [("ij,jk->ik", [(3, 4), (4, 2)]), ("iij,jk", [(3, 3, 2), (2, 4)]),
     ("...ij,...jk", [(2, 1, 2, 3), (4, 3, 2)]), ("abc,cd,de->abe", [(2, 3, 4), (4, 5), (5, 2)])],
)
def test_einsum_jvp_is_multilinear(subscripts: str, shapes: list[tuple[int, ...]]) -> None:
    check_jvp("einsum", lambda *xs: am.einsum(subscripts, *xs), *[_normal(*s) for s in shapes])


def test_einsum_differentiates_nested_lists_of_tensors() -> None:
    a = am.tensor(1.5, requires_grad=True)
    out = am.einsum("ij,j->i", [[a, 2.0], [3.0, a]], [3.0, 4.0])
    assert repr(out.grad_fn) == "<EinsumBackward>"
    np.testing.assert_allclose(out.numpy(), [4.5 + 8.0, 9.0 + 6.0])
    out.sum().backward()
    assert a.grad.item() == pytest.approx(3.0 + 4.0)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: am.einsum("ij,jk", np.ones((2, 3)), np.ones((4, 2))),
         r"einsum: index 'j' has size 3 .* but 4"),
        (lambda: am.einsum("ij", np.ones(3)), r"operand 0 has 1 axes but its term 'ij' names 2"),
        (lambda: am.einsum("ij,jk", np.ones((2, 3))), r"2 operand term\(s\) for 1 operand"),
        (lambda: am.einsum("ij->k", np.ones((2, 2))), r"output index 'k' occurs in no operand"),
        (lambda: am.einsum("ij->ii", np.ones((2, 2))), r"repeats an index"),
        (lambda: am.einsum("...i->i", np.ones((2, 3))), r"no '\.\.\.'"),
        (lambda: am.einsum("i1", np.ones((2, 3))), r"invalid character '1'"),
        (lambda: am.einsum("ii", np.ones((2, 3))), r"repeats index 'i' on axes of sizes 2 and 3"),
        (lambda: am.einsum("i->i->i", np.ones(2)), r"more than one '->'"),
        (lambda: am.einsum("ij"), r"no operands"),
    ],
)
def test_einsum_bad_input_messages(call: Callable[[], Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_einsum_refuses_the_interleaved_form() -> None:
    with pytest.raises(TypeError, match="subscripts string"):
        am.einsum(np.ones((2, 2)), [0, 1])  # type: ignore[arg-type]


# ---------------------------------------------------------------- dot, tensordot, inner, vdot, kron


@pytest.mark.parametrize(
    ("sa", "sb"),
    [((), (3,)), ((3,), (3,)), ((2, 3), (3,)), ((2, 3), (3, 4)), ((2, 3, 4), (4,)), ((4,), (2, 4, 3)),
     ((2, 3, 4), (5, 4, 2)), ((2, 1, 3), (3, 2))],
)
def test_dot_matches_numpy_nd(sa: tuple[int, ...], sb: tuple[int, ...]) -> None:
    a, b = _normal(*sa), _normal(*sb)
    got = am.dot(a, b)
    np.testing.assert_allclose(got.numpy(), np.dot(a, b), rtol=1e-12, atol=1e-12)
    assert got.shape == np.dot(a, b).shape


def test_dot_nd_misaligned_message() -> None:
    with pytest.raises(ValueError, match=r"dot: shapes \(2, 3, 4\) and \(5, 3, 2\) are not aligned"):
        am.dot(np.ones((2, 3, 4)), np.ones((5, 3, 2)))


@pytest.mark.parametrize(
    ("sa", "sb", "axes"),
    [((2, 3, 4), (3, 4, 5), 2), ((2, 3, 4), (4, 5), 1), ((2,), (3,), 0),
     ((2, 3, 4), (4, 5, 2), ([0, 2], [2, 0])), ((2, 3), (3, 2), (1, 0)),
     ((2, 3), (2, 3), ((-2, -1), (0, 1)))],
)
def test_tensordot_matches_numpy(sa: Any, sb: Any, axes: Any) -> None:
    a, b = _normal(*sa), _normal(*sb)
    want = np.tensordot(a, b, axes=axes)
    np.testing.assert_allclose(am.tensordot(a, b, axes=axes).numpy(), want, rtol=1e-12)


def test_tensordot_messages() -> None:
    with pytest.raises(ValueError, match=r"tensordot: axis 1 of the first operand .* has size 3 but axis 0"):
        am.tensordot(np.ones((2, 3)), np.ones((4, 2)), axes=([1], [0]))
    with pytest.raises(ValueError, match=r"axes=3 needs at least 3 axes"):
        am.tensordot(np.ones((2, 3)), np.ones((2, 3)), axes=3)
    with pytest.raises(ValueError, match=r"1 axes of the first operand but 2"):
        am.tensordot(np.ones((2, 3)), np.ones((2, 3)), axes=([0], [0, 1]))
    with pytest.raises(TypeError, match=r"axes must be an int or a pair"):
        am.tensordot(np.ones((2, 3)), np.ones((2, 3)), axes=None)  # type: ignore[arg-type]


@pytest.mark.parametrize(("sa", "sb"), [((3,), (3,)), ((2, 3), (4, 3)), ((2, 2, 3), (3,)), ((), (2, 2))])
def test_inner_matches_numpy(sa: Any, sb: Any) -> None:
    a, b = _normal(*sa), _normal(*sb)
    np.testing.assert_allclose(am.inner(a, b).numpy(), np.inner(a, b), rtol=1e-12)


def test_vdot_and_kron_match_numpy() -> None:
    a, b = _normal(2, 3), _normal(3, 2)
    assert am.vdot(a, b).item() == pytest.approx(np.vdot(a, b))
    for sa, sb in [((2, 3), (3, 2)), ((2,), (2, 3)), ((2, 2, 2), (3,)), ((), (2,))]:
        a, b = _normal(*sa), _normal(*sb)
        np.testing.assert_allclose(am.kron(a, b).numpy(), np.kron(a, b), rtol=1e-12)
    with pytest.raises(ValueError, match=r"vdot: the operands hold 6 and 4 elements"):
        am.vdot(np.ones((2, 3)), np.ones(4))
    with pytest.raises(ValueError, match=r"inner: the last axes differ"):
        am.inner(np.ones((2, 3)), np.ones(4))


# ---------------------------------------------------------------- cross


@pytest.mark.parametrize(
    ("sa", "sb", "axis"),
    [((3,), (3,), -1), ((4, 3), (4, 3), -1), ((3,), (2, 3), -1), ((3, 2), (3, 1), 0), ((3, 2), (3,), 0),
     ((2, 3, 4), (2, 3, 4), 1)],
)
def test_cross_matches_numpy(sa: Any, sb: Any, axis: int) -> None:
    a, b = _normal(*sa), _normal(*sb)
    got = am.cross(a, b, axis=axis)
    want = np.cross(a, b, axis=axis)
    assert got.shape == want.shape
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12)


def test_cross_rule_is_bilinear_and_messages() -> None:
    check_jvp("cross", lambda a, b: am.cross(a, b), _normal(4, 3), _normal(4, 3))
    with pytest.raises(ValueError, match=r"cross: axis -1 of shape \(4, 2\) has size 2.*append a zero"):
        am.cross(np.ones((4, 2)), np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"cross: needs vectors"):
        am.cross(np.ones(()), np.ones(3))


def test_every_linalg_case_runs_its_op() -> None:
    for name in ("einsum", "cross"):
        assert name in REGISTRY and cases_for(name)
        for i, c in enumerate(cases_for(name)):
            xs = [am.tensor(a, requires_grad=True) for a in case_inputs(c, i)]
            assert c.fn(*xs).requires_grad
