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


# ---------------------------------------------------------------- am.linalg: values against NumPy

LA = am.linalg


def _well(*shape: int) -> np.ndarray:
    m, n = shape[-2:]
    return 2.0 * np.eye(m, n) + 0.3 * RNG.standard_normal(shape)


def _spd(n: int, *batch: int) -> np.ndarray:
    x = RNG.standard_normal((*batch, n, n))
    return x @ np.swapaxes(x, -1, -2) / n + np.eye(n)


def test_linalg_is_a_namespace_with_numpy_names() -> None:
    import autograd_mini.linalg as module

    assert am.linalg is module
    for name in ("inv", "solve", "det", "slogdet", "cholesky", "eigh", "svd", "qr", "pinv", "norm",
                 "matrix_power", "lstsq"):
        assert callable(getattr(am.linalg, name)), name
        assert getattr(am.linalg, name).__doc__


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4)])
def test_inv_det_slogdet_solve_values(shape: tuple[int, ...]) -> None:
    a = _well(*shape)
    a[..., [0, 1], :] = a[..., [1, 0], :]  # det < 0
    np.testing.assert_allclose(LA.inv(a).numpy(), np.linalg.inv(a), rtol=1e-12)
    np.testing.assert_allclose(LA.det(a).numpy(), np.linalg.det(a), rtol=1e-12)
    sign, logabs = LA.slogdet(a)
    want = np.linalg.slogdet(a)
    np.testing.assert_array_equal(sign.numpy(), want.sign)
    np.testing.assert_allclose(logabs.numpy(), want.logabsdet, rtol=1e-12)
    n = shape[-1]
    b = RNG.standard_normal((n, 2))
    np.testing.assert_allclose(LA.solve(a, b).numpy(), np.linalg.solve(a, b), rtol=1e-10)
    v = RNG.standard_normal(n)
    np.testing.assert_allclose(LA.solve(a, v).numpy(), np.linalg.solve(a, v), rtol=1e-10)


def test_decompositions_values() -> None:
    s = _spd(4, 2)
    np.testing.assert_allclose(LA.cholesky(s).numpy(), np.linalg.cholesky(s), rtol=1e-12)
    w, v = LA.eigh(s)
    ref = np.linalg.eigh(s)
    np.testing.assert_allclose(w.numpy(), ref.eigenvalues, rtol=1e-12)
    np.testing.assert_allclose(np.abs(v.numpy()), np.abs(ref.eigenvectors), atol=1e-10)
    np.testing.assert_allclose(LA.eigvalsh(s, UPLO="U").numpy(), np.linalg.eigvalsh(s, UPLO="U"), rtol=1e-12)
    for shape in [(4, 3), (3, 4), (2, 3, 3)]:
        a = RNG.standard_normal(shape)
        for full in (True, False):
            u, sv, vh = LA.svd(a, full_matrices=full)
            ru, rs, rvh = np.linalg.svd(a, full_matrices=full)
            assert u.shape == ru.shape and vh.shape == rvh.shape
            np.testing.assert_allclose(sv.numpy(), rs, rtol=1e-12)
            k = rs.shape[-1]
            rebuilt = (u.numpy()[..., :k] * rs[..., None, :]) @ vh.numpy()[..., :k, :]
            np.testing.assert_allclose(rebuilt, a, atol=1e-12)
        np.testing.assert_allclose(LA.svd(a, compute_uv=False).numpy(), np.linalg.svd(a, compute_uv=False))
        for mode in ("reduced", "complete"):
            q, r = LA.qr(a, mode=mode)
            rq, rr = np.linalg.qr(a, mode=mode)
            np.testing.assert_allclose(q.numpy(), rq, atol=1e-12)
            np.testing.assert_allclose(r.numpy(), rr, atol=1e-12)
        np.testing.assert_allclose(LA.pinv(a).numpy(), np.linalg.pinv(a), rtol=1e-10, atol=1e-12)


def test_lstsq_matches_numpy() -> None:
    for shape_a, shape_b in [((5, 3), (5, 2)), ((5, 3), (5,)), ((3, 5), (3, 2))]:
        a, b = _well(*shape_a), RNG.standard_normal(shape_b)
        got = LA.lstsq(a, b)
        want = np.linalg.lstsq(a, b, rcond=None)
        np.testing.assert_allclose(got.solution.numpy(), want[0], rtol=1e-10)
        np.testing.assert_allclose(got[0].numpy(), want[0], rtol=1e-10)
        np.testing.assert_allclose(got.residuals.numpy(), want[1], rtol=1e-10)
        assert got.rank == want[2]
        np.testing.assert_allclose(got.singular_values.numpy(), want[3], rtol=1e-12)
    # batched (NumPy's lstsq is 2-D only): each matrix solved on its own
    a, b = _well(2, 5, 3), RNG.standard_normal((2, 5, 2))
    want = np.stack([np.linalg.lstsq(a[i], b[i], rcond=None)[0] for i in range(2)])
    np.testing.assert_allclose(LA.lstsq(a, b).solution.numpy(), want, rtol=1e-10)


NORMS = [
    ((5,), None, None), ((5,), 1, None), ((5,), np.inf, None), ((5,), -np.inf, None), ((5,), 0, None),
    ((5,), 3, None), ((5,), -2, None), ((3, 4), None, None), ((3, 4), "fro", None), ((3, 4), "nuc", None),
    ((3, 4), 1, None), ((3, 4), -1, None), ((3, 4), 2, None), ((3, 4), -2, None), ((3, 4), np.inf, None),
    ((3, 4), -np.inf, None), ((2, 3, 4), None, 1), ((2, 3, 4), 1, -1), ((2, 3, 4), None, (0, 2)),
    ((2, 3, 4), "nuc", (2, 1)), ((2, 3, 4), np.inf, (0, 1)), ((2, 3, 4), -1, (2, 0)), ((2, 3, 4), None, None),
]


@pytest.mark.parametrize(("shape", "ord", "axis"), NORMS)
@pytest.mark.parametrize("keepdims", [False, True])
def test_norm_matches_numpy(shape: Any, ord: Any, axis: Any, keepdims: bool) -> None:
    x = RNG.standard_normal(shape)
    got = LA.norm(x, ord, axis, keepdims)
    want = np.linalg.norm(x, ord, axis, keepdims)
    assert got.shape == np.shape(want)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12)


@pytest.mark.parametrize(("ord", "axis"), [(1, None), (-1, None), (np.inf, None), (-np.inf, None),
                                           (1, (2, 0)), (np.inf, (0, 1))])
def test_matrix_norms_by_sums_gradcheck(ord: Any, axis: Any) -> None:
    # distinct magnitudes: no ties in the max/min over row or column sums
    shape = (3, 4) if axis is None else (2, 3, 4)
    x = RNG.uniform(0.3, 2.0, shape) * RNG.choice([-1.0, 1.0], shape)
    assert am.gradcheck(lambda t: LA.norm(t, ord, axis), x, atol=1e-7, rtol=1e-6)
    # second order: the gradient is piecewise constant (sign pattern), so its derivative is 0
    t = am.tensor(x, requires_grad=True)
    (g,) = am.autograd.grad(LA.norm(t, ord, axis).sum(), [t], create_graph=True)
    (fd,) = am.numerical_grad(lambda u: LA.norm(u, ord, axis).sum(), x)
    np.testing.assert_allclose(g.numpy(), fd, atol=1e-7)
    if g.requires_grad:
        (h,) = am.autograd.grad((g * x).sum(), [t], allow_unused=True)
        assert h is None or np.allclose(h.numpy(), 0.0)


def test_norm_gradient_at_zero_is_zero_like_pytorch() -> None:
    x = am.tensor(np.zeros(3), requires_grad=True)
    LA.norm(x).backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros(3))
    x = am.tensor(np.zeros((2, 2)), requires_grad=True)
    (LA.norm(x, np.inf, axis=1) + LA.norm(x, 3, axis=0).sum()).sum().backward()
    assert np.all(np.isfinite(x.grad.numpy())) and np.all(x.grad.numpy() == 0)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, -1, -3])
def test_matrix_power_values_and_gradients(n: int) -> None:
    a = _well(2, 3, 3) * 0.6
    np.testing.assert_allclose(LA.matrix_power(a, n).numpy(), np.linalg.matrix_power(a, n), rtol=1e-10)
    assert am.gradcheck(lambda t: LA.matrix_power(t, n), a, atol=1e-7, rtol=1e-6)
    with pytest.raises(TypeError, match="must be an integer"):
        LA.matrix_power(a, 1.5)  # type: ignore[arg-type]


def test_float32_stays_float32_through_linalg() -> None:
    s = _spd(3).astype(np.float32)
    a = _well(3, 3).astype(np.float32)
    outs = [LA.inv(a), LA.det(a), LA.slogdet(a)[1], LA.solve(a, a[0]), LA.cholesky(s), LA.eigh(s)[1],
            LA.svd(a)[0],
            LA.qr(a)[0], LA.pinv(a), LA.lstsq(a, a)[0], LA.norm(a), LA.norm(a, "nuc"), LA.matrix_power(a, -2)]
    for out in outs:
        assert out.dtype == np.float32
    x = am.tensor(a, requires_grad=True)
    LA.svd(x, full_matrices=False).U.sum().backward()
    assert x.grad.dtype == np.float32


# ---------------------------------------------------------------- forward-mode rules


JVP_CASES = [
    ("inv", lambda a: LA.inv(a), [_well(2, 3, 3)]),
    ("solve", lambda a, b: LA.solve(a, b), [_well(3, 3), RNG.standard_normal((3, 2))]),
    ("det", lambda a: LA.det(a), [_well(2, 3, 3)]),
    ("slogdet", lambda a: LA.slogdet(a)[1], [_well(3, 3)]),
    ("cholesky", lambda a: LA.cholesky(a), [_spd(3)]),
    ("eigh", lambda a: LA.eigh(a)[0], [_spd(4)]),
    ("svd", lambda a: LA.svd(a, full_matrices=False)[0], [_well(4, 3)]),
    ("svd", lambda a: LA.svd(a, full_matrices=False)[0], [_well(3, 4)]),
    ("svd", lambda a: LA.svd(a)[0], [_well(2, 3, 3)]),
    ("qr", lambda a: LA.qr(a)[0], [_well(4, 3)]),
    ("qr", lambda a: LA.qr(a)[0], [_well(3, 5)]),
    ("pinv", lambda a: LA.pinv(a), [_well(4, 3)]),
    ("pinv", lambda a: LA.pinv(a), [_well(3, 4)]),
    ("lstsq", lambda a, b: LA.lstsq(a, b)[0], [_well(5, 3), RNG.standard_normal((5, 2))]),
    ("lstsq", lambda a, b: LA.lstsq(a, b)[0], [_well(3, 5), RNG.standard_normal((3, 2))]),
    ("vector_norm", lambda x: LA.norm(x, axis=1), [RNG.standard_normal((3, 4))]),
    ("vector_norm", lambda x: LA.norm(x, 3, axis=0, keepdims=True), [RNG.standard_normal((3, 4))]),
    ("vector_norm", lambda x: LA.norm(x, np.inf), [RNG.standard_normal(5)]),
]


def _packed_node(out: am.Tensor, name: str) -> Any:
    """The op node under the unpacking (getitem/reshape) of a multi-result op."""
    from autograd_mini.core.engine import topological_order

    return next(node for node in topological_order(out) if node.name == name)


@pytest.mark.parametrize(("name", "fn", "arrays"), JVP_CASES, ids=[c[0] for c in JVP_CASES])
def test_linalg_jvp_matches_differences_and_vjp(
    name: str, fn: Callable[..., Any], arrays: list[np.ndarray]
) -> None:
    xs = [am.tensor(a, requires_grad=True) for a in arrays]
    node = _packed_node(fn(*xs), name)
    op = node.op
    values = _values(node.inputs)
    params = node.params or {}
    symmetric = name in ("cholesky", "eigh")
    tangents = []
    for v in values:
        t = RNG.standard_normal(np.shape(v))
        tangents.append((t + np.swapaxes(t, -1, -2)) / 2 if symmetric else t)
    got = jvp_of_node(node, tangents)
    eps = 1e-6
    plus = op.forward(*[v + eps * t for v, t in zip(values, tangents)], **params)
    minus = op.forward(*[v - eps * t for v, t in zip(values, tangents)], **params)
    if name in ("eigh", "svd", "qr"):  # compare sign-free parts: the packed results' absolute values
        signs = np.sign(op.forward(*values, **params))
        np.testing.assert_allclose(np.abs(plus) - np.abs(minus), 2 * eps * got * signs, atol=1e-6)
    else:
        np.testing.assert_allclose(got, (plus - minus) / (2 * eps), rtol=1e-5, atol=1e-6)
    g = RNG.standard_normal(np.shape(got))
    leaves = [am.tensor(v, requires_grad=True) for v in values]
    grads = am.autograd.grad((op(*leaves, **params) * g).sum(), leaves)
    lhs = float(np.sum(g * got))
    rhs = float(sum(np.sum(gr.numpy() * t) for gr, t in zip(grads, tangents)))
    assert lhs == pytest.approx(rhs, rel=1e-8, abs=1e-9)


# ---------------------------------------------------------------- where gradients do not exist


def test_singular_matrix_messages() -> None:
    sing = np.array([[1.0, 2.0], [2.0, 4.0]])
    for call in (lambda: LA.inv(sing), lambda: LA.solve(sing, np.ones(2))):
        with pytest.raises(ValueError, match=r"(inv|solve): the matrix is singular.*pinv.*lstsq"):
            call()
    with pytest.raises(ValueError, match=r"cholesky: the matrix is not positive definite"):
        LA.cholesky(-np.eye(2))
    with pytest.raises(ValueError, match=r"inv: expected square matrices \(\.\.\., n, n\), got shape \(2, "):
        LA.inv(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"solve: A has shape \(2, 2\), so B needs shape \(2,\)"):
        LA.solve(np.eye(2), np.ones(3))
    x = am.tensor(sing, requires_grad=True)
    with pytest.raises(LA.GradientUndefinedError, match="det: the gradient at a singular matrix"):
        LA.det(x).backward()
    with pytest.raises(LA.GradientUndefinedError, match=r"slogdet: .*singular"):
        LA.slogdet(x)[1].backward()
    with pytest.raises(LA.GradientUndefinedError, match="pinv: the gradient needs a full-rank matrix"):
        LA.pinv(x).sum().backward()
    with pytest.raises(LA.GradientUndefinedError, match="lstsq: the gradient needs a full-rank matrix"):
        LA.lstsq(x, np.ones(2))[0].sum().backward()


def test_repeated_eigenvalues_refuse_eigenvector_gradients_but_not_eigenvalue_ones() -> None:
    a = am.tensor(np.diag([1.0, 1.0, 3.0]), requires_grad=True)
    _, v = LA.eigh(a)
    with pytest.raises(LA.GradientUndefinedError, match=r"eigh: .*eigenvectors does not exist where"):
        (v**2 * np.arange(9.0).reshape(3, 3)).sum().backward()
    a.grad = None
    (LA.eigvalsh(a) * np.array([1.0, 2.0, 3.0])).sum().backward()  # eigenvalues alone: fine
    np.testing.assert_allclose(np.diag(a.grad.numpy())[2], 3.0)
    assert np.all(np.isfinite(a.grad.numpy()))
    # nearly repeated but beyond the tolerance: the (large) exact gradient, no error
    b = am.tensor(np.diag([1.0, 1.0 + 1e-6, 3.0]), requires_grad=True)
    (LA.eigh(b)[1] ** 2).sum().backward()
    assert np.all(np.isfinite(b.grad.numpy()))


def test_svd_and_qr_gradient_conditions() -> None:
    a = am.tensor(np.diag([2.0, 2.0, 1.0]), requires_grad=True)
    with pytest.raises(LA.GradientUndefinedError, match=r"svd: .*singular vectors does not exist where two"):
        LA.svd(a)[0].sum().backward()
    LA.svdvals(a).sum().backward()  # singular values alone: U Vh
    np.testing.assert_allclose(a.grad.numpy(), np.eye(3), atol=1e-12)
    tall = am.tensor(_well(4, 3), requires_grad=True)
    with pytest.raises(LA.GradientUndefinedError, match="full_matrices=True are not unique"):
        LA.svd(tall)[0].sum().backward()
    LA.svd(tall)[0][:, :3].sum().backward()  # the unique columns: fine
    rank1 = am.tensor(np.outer([1.0, 2.0, 3.0], [1.0, 1.0]), requires_grad=True)
    with pytest.raises(LA.GradientUndefinedError, match=r"svd: .*nonzero singular values"):
        LA.svd(rank1, full_matrices=False)[0].sum().backward()
    with pytest.raises(LA.GradientUndefinedError, match="qr: the gradient needs the first min"):
        LA.qr(rank1)[1].sum().backward()
    with pytest.raises(ValueError, match="qr: mode must be"):
        LA.qr(np.eye(2), mode="r")


def test_linalg_functions_take_nested_lists_of_tensors() -> None:
    a = am.tensor(2.0, requires_grad=True)
    m = [[a, 1.0], [1.0, a]]
    LA.det(m).backward()  # det = a² - 1
    assert a.grad.item() == pytest.approx(4.0)


def test_forward_mode_of_non_unique_singular_vectors_is_nan_not_silent() -> None:
    a = _well(4, 3)
    node = _packed_node(LA.svd(am.tensor(a, requires_grad=True))[1], "svd")
    packed = jvp_of_node(node, [RNG.standard_normal((4, 3))])
    du = packed[: 16].reshape(4, 4)
    ds = packed[16:19]
    assert np.all(np.isnan(du[:, 3])) and np.all(np.isfinite(du[:, :3])) and np.all(np.isfinite(ds))
    node = _packed_node(LA.qr(am.tensor(a, requires_grad=True), mode="complete")[1], "qr")
    packed = jvp_of_node(node, [RNG.standard_normal((4, 3))])
    dq, dr = packed[:16].reshape(4, 4), packed[16:].reshape(4, 3)
    assert np.all(np.isnan(dq[:, 3])) and np.all(np.isfinite(dr)) and np.all(dr[3] == 0)
