"""am.compile never bakes a value into a program silently (issue 16, "nothing silently wrong").

Library functions that compute with NumPy outside the ops (masks, indices, sort orders)
tell the recorder their call, so a replay on a NEW batch recomputes them and gives the
eager values; what cannot be replayed (results whose shape depends on the values,
NumPy's global random generator, ``.data`` reads of traced tensors) raises TraceError at
trace time. Each test runs the compiled function on a first batch (the trace), then on
another batch (a replay) and compares with the plain function on that batch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.compile import TraceError


def _arrays(result: Any) -> list[np.ndarray]:
    """The values of a (nested) result as arrays, for comparison."""
    if isinstance(result, (tuple, list)):
        return [a for r in result for a in _arrays(r)]
    return [np.asarray(result.data if isinstance(result, am.Tensor) else result)]


def _same_on_new_batch(fn: Callable[..., Any], first: tuple[Any, ...], second: tuple[Any, ...]) -> None:
    """Traced on ``first``, replayed on ``second``: the values of the eager call on ``second``."""
    step = am.compile(fn)
    step(*first)
    got = step(*second)
    assert step.traces == 1 and step.program is not None and step.program.replays == 1
    want = fn(*second)
    for g, w in zip(_arrays(got), _arrays(want), strict=True):
        assert g.dtype == w.dtype and g.shape == w.shape
        assert np.array_equal(g, w, equal_nan=g.dtype.kind == "f"), (g, w)


RNG = np.random.default_rng(0)
X1, X2 = RNG.normal(size=(2, 6, 5))
X2[0, :] = X1[0, :]  # some rows equal, most differ: a baked value shows on the others
N1, N2 = X1.copy(), X2.copy()
N1[1, 2] = np.nan
N2[3, 0] = np.nan
N2[4, 4] = np.inf


# ---------------------------------------------------------------- logic


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: am.isnan(x),
        lambda x: am.isinf(x),
        lambda x: am.isfinite(x),
        lambda x: am.isclose(x, am.tensor(N1)),
        lambda x: am.logical_and(x > 0, am.isfinite(x)),
        lambda x: am.logical_or(x > 0, am.isnan(x)),
        lambda x: am.logical_xor(x > 0, x > 1),
        lambda x: am.logical_not(x > 0),
        lambda x: am.any(am.isnan(x), axis=1),
        lambda x: am.all(x > -1, axis=0),
        lambda x: (am.any(am.isinf(x)), am.all(am.isfinite(x) | am.isnan(x))),
    ],
    ids=["isnan", "isinf", "isfinite", "isclose", "and", "or", "xor", "not", "any", "all", "any_all_0d"],
)
def test_logic_results_are_recomputed_on_replay(fn: Callable[..., Any]) -> None:
    _same_on_new_batch(fn, (am.tensor(N1),), (am.tensor(N2),))


def test_a_step_masking_nan_with_isnan_trains_like_eager() -> None:
    """A loss that ignores NaN targets: the mask of the new batch, on every replay."""

    def make() -> tuple[am.Tensor, Callable[..., Any]]:
        w = am.tensor(np.linspace(-1.0, 1.0, 5), requires_grad=True)
        opt = nn.optim.SGD([w], lr=0.1)

        def step(x: Any, y: Any) -> Any:
            opt.zero_grad()
            missing = am.isnan(y)
            err = am.where(missing, 0.0, x @ w - am.where(missing, 0.0, y))
            loss = (err**2).sum() / am.logical_not(missing).sum()
            loss.backward()
            opt.step()
            return loss, missing

        return w, step

    (w_e, eager), (w_c, fn) = make(), make()
    compiled = am.compile(fn)
    rng = np.random.default_rng(1)
    for k in range(4):
        x, y = rng.normal(size=(8, 5)), rng.normal(size=8)
        y[rng.choice(8, 2 + k % 3, replace=False)] = np.nan  # the NaNs move every batch
        (le, me), (lc, mc) = eager(x, y), compiled(x, y)
        assert np.array_equal(me.data, mc.data)
        assert le.item() == lc.item()
        assert np.array_equal(w_e.data, w_c.data)
    assert compiled.traces == 1


def test_where_with_a_non_boolean_condition_recasts_it_on_replay() -> None:
    _same_on_new_batch(lambda c, x: am.where(c, x, -x), (am.tensor(X1 > 0) * 1.0, am.tensor(X1)),
                       (am.tensor(X2 > 0) * 1.0, am.tensor(X2)))


# ---------------------------------------------------------------- argmax / argmin


def test_accuracy_with_argmax_in_a_compiled_training_step_is_the_new_batch_accuracy() -> None:
    x, y = am.data.load_digits()

    def make() -> tuple[nn.Module, Callable[..., Any]]:
        model = nn.MLP([64, 16, 10], activation="relu", seed=0)
        opt = nn.optim.SGD(model.parameters(), lr=0.05)

        def step(xb: Any, yb: Any) -> Any:
            opt.zero_grad()
            logits = model(xb)
            loss = nn.functional.cross_entropy(logits, yb)
            loss.backward()
            opt.step()
            correct = logits.argmax(axis=1) == yb
            return loss, correct.mean(), am.argmax(logits, axis=1), am.argmin(logits)

        return model, step

    (_, eager), (_, fn) = make(), make()
    compiled = am.compile(fn)
    accuracies = set()
    for k in range(5):
        xb, yb = x[32 * k : 32 * (k + 1)], y[32 * k : 32 * (k + 1)]
        want, got = eager(xb, yb), compiled(xb, yb)
        for g, w in zip(_arrays(got), _arrays(want), strict=True):
            assert np.array_equal(g, w)
        accuracies.add(float(got[1].item()))
    assert compiled.traces == 1 and len(accuracies) > 1  # not one baked-in accuracy


def test_argmax_and_argmin_of_every_axis_replay() -> None:
    _same_on_new_batch(
        lambda x: (am.argmax(x), x.argmin(axis=0), am.argmax(x, axis=1, keepdims=True)),
        (am.tensor(X1),), (am.tensor(X2),),
    )


# ---------------------------------------------------------------- sort, topk, scans, median


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: am.sort(x, axis=1),
        lambda x: am.sort(x, axis=0, descending=True),
        lambda x: am.argsort(x, axis=1),
        lambda x: am.argsort(x, axis=0, descending=True),
        lambda x: am.topk(x, 2, axis=1),
        lambda x: am.topk(x, 3, axis=0, largest=False),
        lambda x: am.cummax(x, axis=1),
        lambda x: am.cummin(x, axis=0),
        lambda x: am.cummax(x),
        lambda x: am.median(x, axis=1),
        lambda x: am.median(x),
    ],
    ids=["sort", "sort_desc", "argsort", "argsort_desc", "topk", "topk_small", "cummax",
         "cummin", "cummax_flat", "median", "median_all"],
)
def test_orders_and_their_gradients_are_recomputed_on_replay(fn: Callable[..., Any]) -> None:
    """Values (gathered at the order), indices, and the gradient sent back through them."""

    def with_grad(x: am.Tensor) -> Any:
        out = fn(x)
        values = out[0] if isinstance(out, tuple) and isinstance(out[0], am.Tensor) else out
        if values.dtype.kind == "f":
            (values * am.tensor(np.arange(values.size, dtype=float).reshape(values.shape))).sum().backward()
        return out

    a = am.tensor(X1, requires_grad=True)
    b = am.tensor(X2, requires_grad=True)
    b_eager = am.tensor(X2, requires_grad=True)
    step = am.compile(with_grad)
    step(a)
    got = step(b)
    want = with_grad(b_eager)
    for g, w in zip(_arrays(got), _arrays(want), strict=True):
        assert np.array_equal(g, w)
    if b_eager.grad is not None:
        assert b.grad is not None and np.array_equal(b.grad.data, b_eager.grad.data)


# ---------------------------------------------------------------- what cannot be replayed


@pytest.mark.parametrize(
    ("fn", "what"),
    [
        (lambda x: am.nonzero(x > 0), "nonzero"),
        (lambda x: am.argwhere(x > 0), "argwhere"),
        (lambda x: (x > 0).nonzero(), "argwhere"),
        (lambda x: am.where(x > 0), r"where\(condition\)"),
    ],
)
def test_results_whose_shape_depends_on_values_raise_naming_the_line(
    fn: Callable[..., Any], what: str
) -> None:
    with pytest.raises(TraceError, match=rf"{what} at test_compile_values\.py:\d+ .*fixed shapes"):
        am.compile(fn)(am.tensor(X1))
    # a constant array of the user's is the same on every call: allowed
    const = np.array([0.0, 1.0, 2.0])
    step = am.compile(lambda x: x + am.tensor(np.asarray(am.argwhere(const).numpy(), float)).sum())
    assert step(am.tensor(1.0)).item() == step(am.tensor(2.0)).item() - 1 == 4.0


def test_numpy_global_random_inside_a_compiled_function_raises() -> None:
    w = am.tensor(np.ones(3), requires_grad=True)

    def noisy(x: Any) -> Any:
        return (w * (x + np.random.normal(size=3))).sum()

    with pytest.raises(TraceError, match=r"NumPy's global random generator.*am\.randn"):
        am.compile(noisy)(np.zeros(3))

    def fresh(x: Any) -> Any:  # the library's generators draw again on every replay
        return (w * (x + am.randn(3))).sum()

    step = am.compile(fresh)
    values = {step(np.zeros(3)).item() for _ in range(3)}
    assert len(values) == 3 and step.traces == 1


def test_data_reads_of_traced_tensors_and_parameters_raise() -> None:
    w = am.tensor(np.ones(3), requires_grad=True)
    with pytest.raises(TraceError, match=r"\.data at test_compile_values\.py:\d+ \(`.*\)\.data\.sum"):
        am.compile(lambda x: (y := w * x).data.sum() + 0 * y.sum())(am.tensor(np.ones(3)))
    with pytest.raises(TraceError, match=r"\.data at .*w\.data"):
        am.compile(lambda x: (am.tensor(w.data) * x).sum())(am.tensor(np.ones(3)))
    with pytest.raises(TraceError, match=r"\.data at"):
        am.compile(lambda x: am.tensor(x.data * 2))(am.tensor(np.ones(3)))
    # a constant made inside the function may be read: it is the same on every call
    step = am.compile(lambda x: x * float(am.tensor([2.0]).data[0]))
    assert np.array_equal(step(am.tensor([1.0, 3.0])).data, [2.0, 6.0])


# ---------------------------------------------------------------- losses that read labels or masks

F = nn.functional
Z1, Z2 = RNG.normal(size=(2, 6, 4))
Y1 = np.array([0, 1, 2, 3, 0, 1])
Y2 = np.array([3, 3, 1, 0, 2, 2])
IGN1 = np.array([0, -100, 2, 3, -100, 1])
IGN2 = np.array([-100, 3, 1, -100, 2, 2])


@pytest.mark.parametrize(
    ("fn", "y1", "y2"),
    [
        (lambda z, y: F.cross_entropy(z, y, label_smoothing=0.1), Y1, Y2),
        (lambda z, y: F.cross_entropy(z, y, weight=np.array([1.0, 2.0, 0.5, 1.5])), Y1, Y2),
        (lambda z, y: F.cross_entropy(z, y, reduction="none"), Y1, Y2),
        (lambda z, y: F.cross_entropy(z, y), IGN1, IGN2),
        (lambda z, y: F.cross_entropy(z, y), Y1.astype(np.int32), Y2.astype(np.int32)),
        (lambda z, y: F.nll_loss(F.log_softmax(z, 1), y), Y1, Y2),
        (lambda z, y: F.cross_entropy(z[0], y[0]), Y1, Y2),
        (lambda z, y: F.cross_entropy(z.reshape(2, 4, 3), y.reshape(2, 3) % 4), Y1, Y2),
    ],
    ids=["smoothing", "weight", "none", "ignore_index", "int32", "nll", "one_sample", "spatial"],
)
def test_class_index_losses_pick_each_batchs_labels_on_replay(
    fn: Callable[..., Any], y1: Any, y2: Any
) -> None:
    def with_grad(z: am.Tensor, y: Any) -> Any:
        loss = fn(z, y)
        loss.sum().backward()
        return loss

    a, b, b_eager = (am.tensor(v, requires_grad=True) for v in (Z1, Z2, Z2))
    step = am.compile(with_grad)
    step(a, y1)
    got = step(b, y2)
    assert step.traces == 1
    want = with_grad(b_eager, y2)
    assert np.array_equal(got.data, want.data)
    assert b.grad is not None and b_eager.grad is not None
    assert np.array_equal(b.grad.data, b_eager.grad.data)


def test_a_fused_loss_traced_without_ignored_labels_refuses_a_batch_with_them() -> None:
    """ignore_index=0 is a class the fused loss would read: the replay stops, never silently."""
    step = am.compile(lambda z, y: F.cross_entropy(z, y, ignore_index=0))
    step(am.tensor(Z1), Y1 % 3 + 1)
    with pytest.raises(ValueError, match=r"ignore_index=0 .*traced with had none"):
        step(am.tensor(Z2), Y2)


@pytest.mark.parametrize(
    "fn",
    [
        lambda x, y: F.smooth_l1_loss(x, y, beta=0.5),
        lambda x, y: F.huber_loss(x, y, delta=0.5),
        lambda x, y: F.kl_div(x, y * (y > 0), reduction="batchmean"),
        lambda x, y: F.gaussian_nll_loss(x, am.zeros_like(x), y * y * (y > 0)),
    ],
    ids=["smooth_l1", "huber", "kl_div", "gaussian_nll"],
)
def test_elementwise_losses_recompute_their_masks_on_replay(fn: Callable[..., Any]) -> None:
    def with_grad(x: am.Tensor, y: am.Tensor) -> Any:
        loss = fn(x, y)
        loss.backward()
        return loss

    a, b, b_eager = (am.tensor(v, requires_grad=True) for v in (X1, X2, X2))
    step = am.compile(with_grad)
    step(a, am.tensor(X2))
    got = step(b, am.tensor(X1 * 0.3))  # |x - y| is not the traced call's
    want = with_grad(b_eager, am.tensor(X1 * 0.3))
    assert np.array_equal(got.data, want.data)
    assert b.grad is not None and b_eager.grad is not None
    assert np.array_equal(b.grad.data, b_eager.grad.data)


def test_attention_with_fully_masked_rows_replays_each_batchs_mask() -> None:
    q = RNG.normal(size=(2, 3, 4))

    def attend(mask: Any) -> Any:
        return F.scaled_dot_product_attention(am.tensor(q), am.tensor(q), am.tensor(q), attn_mask=mask)

    m1 = np.ones((3, 3), dtype=bool)
    m2 = m1.copy()
    m2[1] = False  # a row with no key to attend to: zeros, not nan
    _same_on_new_batch(attend, (m1,), (m2,))
    _same_on_new_batch(attend, (m2,), (m1,))


# ---------------------------------------------------------------- linear algebra, shapes from tensors


def test_slogdet_sign_is_recomputed_on_replay() -> None:
    a1 = np.array([[2.0, 0.0], [0.0, 3.0]])  # det > 0
    a2 = np.array([[0.0, 1.0], [1.0, 0.0]])  # det < 0
    _same_on_new_batch(lambda a: am.linalg.slogdet(a), (am.tensor(a1),), (am.tensor(a2),))


@pytest.mark.parametrize(
    ("fn", "what"),
    [
        (lambda a: am.linalg.lstsq(a, am.ones((3, 1))).solution, "lstsq"),
        (lambda a: am.repeat(a, am.tensor([1, 2, 0])), "repeat with repeats given as a tensor"),
        (lambda a: am.reshape(a, am.tensor([9])), "reshape with"),
    ],
    ids=["lstsq", "repeat", "reshape"],
)
def test_shapes_read_from_tensors_raise_under_compile(fn: Callable[..., Any], what: str) -> None:
    with pytest.raises(TraceError, match=rf"{what}.* at test_compile_values\.py"):
        am.compile(fn)(am.tensor(np.eye(3)))


def test_boolean_mask_indexing_of_traced_values_raises() -> None:
    with pytest.raises(TraceError, match=r"boolean mask .* at test_compile_values\.py"):
        am.compile(lambda x: x[x > 0].sum())(am.tensor(X1))
    with pytest.raises(TraceError, match=r"boolean mask"):
        am.compile(lambda x, m: x[m].sum())(am.tensor(X1), X1 > 0)
    # the fixed-shape way replays on each batch
    _same_on_new_batch(lambda x: am.where(x > 0, x, 0.0).sum(), (am.tensor(X1),), (am.tensor(X2),))
