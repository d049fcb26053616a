"""Library code that reads tensor values in Python, under am.compile (nothing frozen silently).

A read in library code (``np.where`` on an index array, ``y == 1`` on a target, a range
check of labels) runs once, when a compiled step is traced. Each function here used to
keep the traced call's result on every replay. Now the read is recorded (a replay makes
it again from the new call's values, so a replay equals the eager call bitwise), or it
makes the program independent of the values, or it raises TraceError at trace time.
Checks that reject bad values (labels out of range ...) run again on every replay and
raise the eager call's error.

Every test traces on one batch and replays on a batch that takes the other branch (other
indices, other targets, a label that is ignored, an all-ignored batch), then compares
with the plain function on that batch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.compile import TraceError

F = nn.functional
RNG = np.random.default_rng(7)
X1, X2 = RNG.normal(size=(2, 4, 3))
COEF = RNG.normal(size=256)  # weights the outputs, so every gradient entry differs


def _arrays(result: Any) -> list[np.ndarray]:
    if isinstance(result, (tuple, list)):
        return [a for r in result for a in _arrays(r)]
    return [np.asarray(result._data if isinstance(result, am.Tensor) else result)]


def _assert_same(got: Any, want: Any) -> None:
    for g, w in zip(_arrays(got), _arrays(want), strict=True):
        assert g.dtype == w.dtype and g.shape == w.shape
        assert np.array_equal(g, w, equal_nan=g.dtype.kind == "f"), (g, w)


def _replays_like_eager(fn: Callable[..., Any], first: tuple[Any, ...], second: tuple[Any, ...]) -> None:
    """``fn`` traced on ``first`` and replayed on ``second`` gives the eager values on
    ``second``, bitwise. The first argument becomes a fresh Tensor that requires grad on
    each call, and ``fn``'s result is weighted and differentiated, so its gradient is
    compared too."""

    def tensors(args: tuple[Any, ...]) -> tuple[Any, ...]:
        return (am.tensor(args[0], requires_grad=True), *args[1:])

    def with_grad(*args: Any) -> Any:
        out = fn(*args)
        first_out = out[0] if isinstance(out, tuple) else out
        if first_out.requires_grad:
            (first_out * COEF[: first_out.size].reshape(first_out.shape)).sum().backward()
        return out

    step = am.compile(with_grad)
    step(*tensors(first))
    args, eager_args = tensors(second), tensors(second)
    got = step(*args)
    assert step.traces == 1 and step.program is not None and step.program.replays == 1
    want = with_grad(*eager_args)
    _assert_same(got, want)
    for a, b in zip(args, eager_args, strict=True):
        if isinstance(a, am.Tensor) and a.requires_grad:
            assert a.grad is not None and b.grad is not None
            _assert_same(a.grad, b.grad)


# ---------------------------------------------------------------- gather and scatter

I1 = np.array([[0], [1], [2], [0]])
I2 = np.array([[2], [2], [1], [-1]])  # a negative index: wrapped on replay as eagerly
Y1 = np.array([0, 1, 2, 0])
Y2 = np.array([2, 2, 1, -3])


@pytest.mark.parametrize(
    ("fn", "i1", "i2"),
    [
        (lambda x, i: x.gather(1, i), I1, I2),
        (lambda x, i: am.take_along_axis(x, i, 1), I1, I2),
        (lambda x, i: am.take_along_axis(x, i, None), Y1, Y2),
        (lambda x, i: am.take(x, i, 1), Y1, Y2),
        (lambda x, i: am.take(x, i), Y1 * 3, Y2 * 3),
        (lambda x, i: am.put_along_axis(x, i, 5.0, 1), I1, I2),
        (lambda x, i: am.scatter(x, 1, i, x[:, :1] * 2.0), I1, I2),
        (lambda x, i: am.scatter_add(x, 1, i, x[:, 1:2]), I1, I2),
        (lambda x, i: x.gather(1, i.astype(np.int32)), I1, I2),
    ],
    ids=[
        "gather",
        "take_along_axis",
        "take_along_flat",
        "take",
        "take_flat",
        "put_along_axis",
        "scatter",
        "scatter_add",
        "int32",
    ],
)
def test_gather_and_scatter_use_each_calls_indices(fn: Callable[..., Any], i1: Any, i2: Any) -> None:
    """The indices were wrapped (negatives) by NumPy outside the ops, so a replay kept the
    traced call's: x.gather(1, y[:, None]) picked the first batch's labels forever."""
    _replays_like_eager(fn, (X1, i1), (X2, i2))


def test_put_with_repeated_indices_replays_the_last_write_rule() -> None:
    """Which write wins at a repeated place depends on the indices: traced without a
    repeat (the winner mask is all True), replayed with one, and the other way round."""
    unique = np.array([[0, 1, 2], [2, 1, 0], [1, 0, 2], [0, 2, 1]])
    repeated = np.array([[0, 0, 2], [1, 1, 1], [2, 0, 2], [0, 1, 0]])

    def fn(x: am.Tensor, i: Any) -> Any:
        return am.put_along_axis(x, i, x[:, ::-1] * 3.0, 1)

    _replays_like_eager(fn, (X1, unique), (X2, repeated))
    _replays_like_eager(fn, (X1, repeated), (X2, unique))


def test_gather_checks_each_calls_indices() -> None:
    step = am.compile(lambda x, i: x.gather(1, i))
    step(am.tensor(X1), I1)
    with pytest.raises(IndexError, match=r"gather: index 7 is out of range for axis 1 of size 3"):
        step(am.tensor(X2), I2 + 5)


# ---------------------------------------------------------------- losses


def test_cosine_embedding_loss_reads_each_calls_targets() -> None:
    t1 = np.array([1.0, -1.0, 1.0, -1.0])
    t2 = np.array([-1.0, -1.0, 1.0, 1.0])
    fn = lambda a, b, t: F.cosine_embedding_loss(a, b, t, margin=-0.5, reduction="none")
    _replays_like_eager(fn, (X1, X2 * 0.5, t1), (X2, X1 * 0.5, t2))
    step = am.compile(lambda a, t: F.cosine_embedding_loss(a, am.tensor(X2), t))
    step(am.tensor(X1), t1)
    with pytest.raises(ValueError, match=r"cosine_embedding_loss: the target must hold 1"):
        step(am.tensor(X1), np.array([1.0, 0.0, 1.0, -1.0]))


def test_one_hot_rows_are_each_calls_labels() -> None:
    _replays_like_eager(lambda z, y: F.mse_loss(z, F.one_hot(y, 3)), (X1, Y1), (X2, Y2 % 3))
    step = am.compile(lambda y: F.one_hot(y, 3))
    step(Y1)
    with pytest.raises(ValueError, match=r"one_hot: labels must be in \[0, 3\), got \[-3, 2\]"):
        step(Y2)


def test_one_hot_without_num_classes_refuses_labels_of_the_function() -> None:
    """Its width would come from the largest label of the traced batch."""
    with pytest.raises(
        TraceError, match=r"one_hot without num_classes at test_compile_reads\.py.*num_classes=C"
    ):
        am.compile(lambda y: F.one_hot(y))(Y1)
    # labels made inside the function are a constant: allowed, the same on every call
    step = am.compile(lambda z: z * F.one_hot(np.array([0, 1, 2, 0])))
    step(am.tensor(X1))
    _assert_same(step(am.tensor(X2)), am.tensor(X2) * np.eye(3)[[0, 1, 2, 0]])


W1 = np.array([1.0, 2.0, 3.0])
W2 = np.array([3.0, 0.5, 1.0])
P1, P2 = np.abs(X1) / 4, np.abs(X2) / 4


@pytest.mark.parametrize(
    ("fn", "first", "second"),
    [
        (
            lambda z, y, w: F.cross_entropy(z, y, weight=w, label_smoothing=0.1),
            (X1, Y1, W1),
            (X2, Y2 % 3, W2),
        ),
        (lambda z, q, w: F.cross_entropy(z, q, weight=w), (X1, P1, W1), (X2, P2, W2)),
        (lambda z, y, w: F.cross_entropy(z, y, weight=w.astype(np.float32)), (X1, Y1, W1), (X2, Y2 % 3, W2)),
    ],
    ids=["smoothing", "probabilities", "float32_weight"],
)
def test_class_weights_given_as_an_argument_are_each_calls(
    fn: Callable[..., Any], first: tuple[Any, ...], second: tuple[Any, ...]
) -> None:
    """The weights were reshaped (or cast) by NumPy, which a replay could not follow."""

    def with_grad(z: am.Tensor, y: Any, w: am.Tensor) -> Any:
        loss = fn(z, y, w)
        loss.backward()
        return loss

    step = am.compile(with_grad)
    a, b = am.tensor(first[0], requires_grad=True), am.tensor(second[0], requires_grad=True)
    step(a, first[1], am.tensor(first[2]))
    got = step(b, second[1], am.tensor(second[2]))
    assert step.traces == 1
    b_eager = am.tensor(second[0], requires_grad=True)
    want = with_grad(b_eager, second[1], am.tensor(second[2]))
    _assert_same(got, want)
    assert b.grad is not None and b_eager.grad is not None
    _assert_same(b.grad, b_eager.grad)


@pytest.mark.parametrize("order", ["counted_first", "empty_first"])
def test_a_weight_that_requires_grad_with_every_label_ignored_replays_like_eager(order: str) -> None:
    """No label counts: eagerly the mean is nan and every gradient 0 (PyTorch). The traced
    program used to divide by the zero total on replay: nan gradients and a warning."""
    counted, empty = np.array([0, 1, 2, 0]), np.full(4, -1)
    batches = [counted, empty] if order == "counted_first" else [empty, counted]

    def run(compiled: bool) -> list[tuple[np.ndarray, ...]]:
        z = am.tensor(X1, requires_grad=True)
        w = am.tensor(W1, requires_grad=True)

        def f(y: Any) -> Any:
            loss = F.cross_entropy(z, y, weight=w, ignore_index=-1)
            loss.backward()
            return loss

        g = am.compile(f) if compiled else f
        seen = []
        for y in batches:
            z.grad = w.grad = None
            loss = g(y)
            assert z.grad is not None and w.grad is not None
            seen.append((loss._data, z.grad._data.copy(), w.grad._data.copy()))
        return seen

    for got, want in zip(run(True), run(False), strict=True):
        _assert_same(list(got), list(want))


def test_a_fused_loss_traced_without_padding_stops_on_a_padded_batch() -> None:
    """The fused loss op checks its labels itself: a replay on a -100 (ignored) label, a
    negative label or a label >= C raises its IndexError, never a value."""
    step = am.compile(lambda z, y: F.cross_entropy(z, y))
    step(am.tensor(X1), Y1)
    for bad, low, high in (([2, -100, 1, 1], -100, 2), ([2, -1, 1, 1], -1, 2), ([2, 3, 1, 1], 1, 3)):
        with pytest.raises(IndexError, match=rf"class indices in \[0, 3\), .* values in \[{low}, {high}\]"):
            step(am.tensor(X2), np.array(bad))
    assert step.traces == 1


def test_clip_grad_norm_checks_each_replays_norm() -> None:
    """error_if_nonfinite is checked inside the recorded clipping call."""
    w = am.tensor(np.ones(3), requires_grad=True)

    def step_fn(x: am.Tensor) -> Any:
        (w * x).sum().backward()
        return nn.utils.clip_grad_norm_([w], 1.0, error_if_nonfinite=True)

    step = am.compile(step_fn)
    step(am.tensor(np.ones(3)))
    w.grad = None
    with pytest.raises(RuntimeError, match=r"clip_grad_norm_: the total norm of order 2.0 .* is inf"):
        step(am.tensor(np.array([1.0, np.inf, 0.0])))


# ---------------------------------------------------------------- checks replayed


@pytest.mark.parametrize(
    ("fn", "good", "bad", "error", "message"),
    [
        (
            lambda z, y: F.cross_entropy(z, y, label_smoothing=0.1),
            Y1,
            np.array([2, -1, 1, 1]),
            IndexError,
            r"cross_entropy: class indices must be in \[0, 3\)",
        ),
        (
            lambda z, y: F.cross_entropy(z, y, weight=np.ones(3)),
            Y1,
            np.array([2, 5, 1, 1]),
            IndexError,
            r"cross_entropy: class indices must be in \[0, 3\)",
        ),
        (
            lambda z, y: F.cross_entropy(z, y, ignore_index=-1),
            Y1,
            np.array([2, -2, 1, 1]),
            IndexError,
            r"cross_entropy: class indices must be in \[0, 3\) .*ignore_index=-1",
        ),
        (
            lambda z, y: F.nll_loss(z, y),
            Y1,
            np.array([2, -1, 1, 1]),
            IndexError,
            r"nll_loss: class indices must be in \[0, 3\)",
        ),
        (
            lambda z, i: F.embedding(i, z),
            Y1,
            np.array([0, -1, 1, 1]),
            IndexError,
            r"embedding: indices must lie in \[0, 4\)",
        ),
        (
            lambda z, i: nn.Embedding(4, 3, _weight=X1)(i),
            Y1,
            np.array([0, 4, 1, 1]),
            IndexError,
            r"Embedding: indices must lie in \[0, 4\)",
        ),
        (
            lambda z, p: F.binary_cross_entropy(p, am.tensor(P1.clip(0, 1))),
            P1.clip(0, 1),
            P2 + 1.0,
            ValueError,
            r"binary_cross_entropy: the input must be probabilities in \[0, 1\]",
        ),
        (
            lambda z, v: F.gaussian_nll_loss(z, am.tensor(X1), v),
            np.abs(X2),
            -np.abs(X2),
            ValueError,
            r"gaussian_nll_loss: var has negative entries",
        ),
    ],
    ids=[
        "negative_label",
        "label_too_large",
        "fused_ignore_in_range",
        "nll_negative_label",
        "embedding_negative",
        "Embedding_too_large",
        "bce_range",
        "gaussian_var",
    ],
)
def test_value_checks_run_again_on_every_replay(
    fn: Callable[..., Any], good: Any, bad: Any, error: type[Exception], message: str
) -> None:
    """A replay on bad values raises the eager call's error: a negative label or index
    would otherwise pick a class or row from the end, silently."""
    step = am.compile(fn)
    step(am.tensor(X1), good)
    with pytest.raises(error, match=message):
        fn(am.tensor(X2), am.tensor(bad))  # eager
    with pytest.raises(error, match=message):
        step(am.tensor(X2), bad)
    assert step.traces == 1


# ---------------------------------------------------------------- layers


def test_max_pool_indices_are_each_calls() -> None:
    _replays_like_eager(lambda x: F.max_pool1d(x[None], 2, return_indices=True), (X1,), (X2,))
    x1, x2 = RNG.normal(size=(2, 1, 2, 4, 4))
    _replays_like_eager(lambda x: nn.MaxPool2d(2, return_indices=True)(x), (x1,), (x2,))


@pytest.mark.parametrize(
    "extra", [{}, {"add_bias_kv": True, "add_zero_attn": True}], ids=["plain", "bias_kv"]
)
def test_multihead_attention_boolean_masks_are_each_calls(extra: dict[str, Any]) -> None:
    """A boolean mask became its additive -inf/0 form in NumPy: a replay kept the first's."""
    mha = nn.MultiheadAttention(4, 2, seed=0, **extra)
    q = RNG.normal(size=(3, 2, 4))  # (L, N, E)
    padding1 = np.array([[False, False, True], [False, True, False]])
    causal = np.triu(np.ones((3, 3), dtype=bool), 1)
    _replays_like_eager(
        lambda x, m: mha(x, x, x, key_padding_mask=m), (q, padding1), (q, ~padding1 | causal[0])
    )
    _replays_like_eager(lambda x, m: mha(x, x, x, attn_mask=m), (q, causal), (q, causal.T.copy()))


def test_a_mask_tensor_from_outside_is_read_fresh_on_every_replay() -> None:
    """where/masked_fill given a Tensor condition from outside the function (not an
    argument): a replay reads its current values, as eager does, not the traced ones."""
    mask = am.tensor(np.array([True, False, True]))

    def f(x: Any) -> Any:
        return am.where(mask, x, 0.0) + x.masked_fill(mask, 5.0)

    step = am.compile(f)
    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(step(x).numpy(), f(am.tensor(x)).numpy())
    mask.data = np.array([False, True, False])
    np.testing.assert_array_equal(step(x).numpy(), f(am.tensor(x)).numpy())
    np.testing.assert_array_equal(step(x).numpy(), [1.0, 7.0, 3.0])
    assert step.traces == 1
