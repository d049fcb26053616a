"""Shape and indexing ops of issue 13: values against NumPy's own functions, gradients
against hand-derived references and finite differences (first and second order),
float32 kept, and errors that name the op, the shapes and the fix.

The registered entries (pad, pad_adjoint, sliding_window, fold_windows) also have check
cases in ``autograd_mini/checking/cases_shape.py`` run by tests/test_op_gradients.py; the
functions composed of existing ops are checked here with the same checker
(:func:`autograd_mini.checking.check.check_case`), naming the op their graph runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.checking.cases import case, normal
from autograd_mini.checking.check import check_case
from autograd_mini.nn import functional

RNG = np.random.default_rng(0)


def leaf(*shape: int, dtype: Any = np.float64) -> am.Tensor:
    return am.tensor(RNG.standard_normal(shape).astype(dtype), requires_grad=True)


def vjp(f: Callable[[am.Tensor], am.Tensor], x: np.ndarray, g: np.ndarray) -> np.ndarray:
    """x̄ for the upstream gradient g, by the library."""
    t = am.tensor(x, requires_grad=True)
    f(t).backward(g)
    return t.grad.numpy()


def fd_check(op: str, f: Callable[..., am.Tensor], *shapes: tuple[int, ...]) -> None:
    """First and second derivative of ``f`` against central finite differences."""
    c = case(f, *(normal(*s) for s in shapes))
    for order in (1, 2):
        report = check_case(op, c, 3, order=order)
        assert report.ok, str(report)


# ---------------------------------------------------------------- pad

MODES = ["constant", "edge", "reflect", "symmetric", "wrap"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("width", [2, (1, 3), ((2, 3), (4, 1)), ((0, 0), (5, 6)), ((7, 2),)], ids=str)
def test_pad_matches_numpy(mode: str, width: Any) -> None:
    x = RNG.standard_normal((3, 5))
    np.testing.assert_array_equal(am.pad(x, width, mode=mode).numpy(), np.pad(x, width, mode=mode))


def test_pad_pytorch_mode_names_and_constant_values() -> None:
    x = RNG.standard_normal((3, 4))
    w = ((1, 2), (3, 1))
    np.testing.assert_array_equal(am.pad(x, w, mode="replicate").numpy(), np.pad(x, w, mode="edge"))
    np.testing.assert_array_equal(am.pad(x, w, mode="circular").numpy(), np.pad(x, w, mode="wrap"))
    cv = ((1.0, 2.0), (-3.0, 4.0))
    np.testing.assert_array_equal(am.pad(x, w, constant_values=cv).numpy(), np.pad(x, w, constant_values=cv))
    ninf = am.pad(x, 1, constant_values=-np.inf).numpy()  # max-pool padding
    np.testing.assert_array_equal(ninf, np.pad(x, 1, constant_values=-np.inf))


def _pad_adjoint_reference(g: np.ndarray, n: int, lo: int, hi: int, mode: str) -> np.ndarray:
    """x̄ of a 1-D pad: every entry of ḡ added onto the input value copied to its place."""
    out = np.zeros(n)
    src = np.pad(np.arange(n), (lo, hi), mode=mode)
    keep = np.ones(n + lo + hi, bool)
    if mode == "constant":  # padded places hold constants: nothing flows back from them
        keep[:lo] = keep[lo + n :] = False
    np.add.at(out, src[keep], g[keep])
    return out


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("n", "lo", "hi"), [(5, 2, 3), (3, 5, 4), (4, 0, 2), (1, 2, 2)])
def test_pad_gradient_adds_each_copy_onto_its_source(mode: str, n: int, lo: int, hi: int) -> None:
    x = RNG.standard_normal(n)
    g = RNG.standard_normal(n + lo + hi)
    got = vjp(lambda t: am.pad(t, (lo, hi), mode=mode), x, g)
    np.testing.assert_allclose(got, _pad_adjoint_reference(g, n, lo, hi, mode), rtol=1e-12)


def test_pad_gradient_is_separable_over_axes() -> None:
    x = RNG.standard_normal((3, 4))
    g = RNG.standard_normal((3 + 4, 4 + 3))
    got = vjp(lambda t: am.pad(t, ((2, 2), (1, 2)), mode="reflect"), x, g)
    # adjoint of a Kronecker product: fold axis 1, then axis 0
    rows = np.stack([_pad_adjoint_reference(r, 4, 1, 2, "reflect") for r in g])
    want = np.stack([_pad_adjoint_reference(c, 3, 2, 2, "reflect") for c in rows.T]).T
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_pad_constant_value_gets_no_gradient_and_keeps_float32() -> None:
    x = leaf(2, 3, dtype=np.float32)
    y = am.pad(x, ((1, 1), (2, 0)), constant_values=2.5)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((2, 3), np.float32))
    for mode in MODES:
        assert am.pad(leaf(3, 3, dtype=np.float32), 2, mode=mode).dtype == np.float32


@pytest.mark.parametrize("mode", ["reflect", "wrap", "constant"])
def test_pad_second_order(mode: str) -> None:
    fd_check("pad", lambda x: am.pad(x * x, ((2, 3), (3, 1)), mode=mode) ** 2, (3, 4))


def test_functional_pad_is_pytorch_form_last_axis_first() -> None:
    x = RNG.standard_normal((2, 3, 4))
    got = functional.pad(am.tensor(x), (1, 2, 3, 0), mode="reflect").numpy()
    np.testing.assert_array_equal(got, np.pad(x, ((0, 0), (3, 0), (1, 2)), mode="reflect"))
    got = functional.pad(am.tensor(x), (2, 2), mode="replicate").numpy()
    np.testing.assert_array_equal(got, np.pad(x, ((0, 0), (0, 0), (2, 2)), mode="edge"))
    got = functional.pad(am.tensor(x), (1, 1, 1, 1, 1, 1), mode="circular").numpy()
    np.testing.assert_array_equal(got, np.pad(x, 1, mode="wrap"))
    got = functional.pad(am.tensor(x), (1, 0), value=7.0).numpy()
    np.testing.assert_array_equal(got, np.pad(x, ((0, 0), (0, 0), (1, 0)), constant_values=7.0))
    # negative widths crop (PyTorch's rule, constant mode)
    got = functional.pad(am.tensor(x), (-1, 2, 0, -2)).numpy()
    np.testing.assert_array_equal(got, np.pad(x[:, :1, 1:], ((0, 0), (0, 0), (0, 2))))


def test_functional_pad_gradient() -> None:
    fd_check("pad", lambda x: functional.pad(x, (2, 1, 1, 2), mode="reflect"), (2, 3, 4))
    fd_check("pad", lambda x: functional.pad(x, (-1, 2), value=0.5), (2, 5))


def test_pad_errors_name_op_shape_and_fix() -> None:
    x = am.ones(3, 4)
    with pytest.raises(ValueError, match=r"pad: mode 'mean' is not supported; use 'constant'"):
        am.pad(x, 1, mode="mean")
    with pytest.raises(ValueError, match=r"pad: pad_width .* shape \(3, 4\).* 2 pairs"):
        am.pad(x, ((1, 2), (3, 4), (5, 6)))
    with pytest.raises(ValueError, match=r"pad: pad_width"):
        am.pad(x, 1.5)
    with pytest.raises(ValueError, match="must not be negative"):
        am.pad(x, -1)
    with pytest.raises(ValueError, match=r"axis 0 of shape \(0, 4\) is empty; mode 'reflect'"):
        am.pad(am.ones(0, 4), 1, mode="reflect")
    with pytest.raises(ValueError, match="constant_values only applies to mode 'constant'"):
        am.pad(x, 1, mode="edge", constant_values=3)
    with pytest.raises(
        ValueError, match=r"pad=\(1, 2, 3\) must hold \(before, after\) pairs for at most 2 axes"
    ):
        functional.pad(x, (1, 2, 3))
    with pytest.raises(ValueError, match="crop, which needs mode 'constant'"):
        functional.pad(x, (-1, 1), mode="reflect")
    np.testing.assert_array_equal(am.pad(am.ones(0, 2), 1).numpy(), np.pad(np.ones((0, 2)), 1))


# ---------------------------------------------------------------- sliding windows


def test_sliding_window_view_matches_numpy() -> None:
    x = RNG.standard_normal((3, 5, 6))
    view = np.lib.stride_tricks.sliding_window_view
    for shape, axis in [((2,), 1), ((2, 3), (1, 2)), ((3, 2), (2, 0)), ((2, 3, 4), None), (4, -1)]:
        got = am.sliding_window_view(x, shape, axis=axis).numpy()
        np.testing.assert_array_equal(got, view(x, shape, axis=axis))


def test_sliding_window_step_and_dilation() -> None:
    x = np.arange(2 * 9 * 8, dtype=float).reshape(2, 9, 8)
    got = am.sliding_window_view(x, (2, 3), axis=(1, 2), step=(3, 2), dilation=(2, 1)).numpy()
    # by definition: y[b, i, j, p, q] = x[b, 3i + 2p, 2j + q]
    ni, nj = (9 - 3) // 3 + 1, (8 - 3) // 2 + 1
    want = np.empty((2, ni, nj, 2, 3))
    for i in range(ni):
        for j in range(nj):
            for p in range(2):
                for q in range(3):
                    want[:, i, j, p, q] = x[:, 3 * i + 2 * p, 2 * j + q]
    np.testing.assert_array_equal(got, want)


def test_unfold_is_pytorch_tensor_unfold() -> None:
    x = am.tensor(np.arange(7.0))
    np.testing.assert_array_equal(x.unfold(0, 2, 2).numpy(), [[0, 1], [2, 3], [4, 5]])
    y = am.tensor(np.arange(12.0).reshape(3, 4))
    np.testing.assert_array_equal(
        am.unfold(y, 1, 3, 1).numpy(), np.lib.stride_tricks.sliding_window_view(y.numpy(), 3, axis=1)
    )
    assert y.unfold(0, 2, 1).shape == (2, 4, 2)  # windowed axis in place, window last


def test_unfold_gradient_adds_overlapping_windows() -> None:
    x = RNG.standard_normal(7)
    g = RNG.standard_normal((3, 3))  # windows of 3, step 2: starts 0, 2, 4
    want = np.zeros(7)
    for w in range(3):
        want[2 * w : 2 * w + 3] += g[w]
    np.testing.assert_allclose(vjp(lambda t: t.unfold(0, 3, 2), x, g), want, rtol=1e-12)
    # ones upstream: each entry receives the number of windows covering it
    x2 = RNG.standard_normal((5, 6))
    cover = vjp(lambda t: am.sliding_window_view(t, (3, 3)), x2, np.ones((3, 4, 3, 3)))
    rows = np.array([1, 2, 3, 2, 1])
    cols = np.array([1, 2, 3, 3, 2, 1])
    np.testing.assert_array_equal(cover, np.outer(rows, cols))


def test_sliding_window_gradients_first_and_second_order() -> None:
    fd_check(
        "sliding_window",
        lambda x: am.sliding_window_view(x * x, (2, 3), axis=(1, 2), step=(1, 2)) ** 2,
        (2, 4, 7),
    )
    fd_check(
        "sliding_window", lambda x: am.sliding_window_view(x, (3,), axis=1, dilation=2).sum() ** 2, (2, 7)
    )


def test_windows_are_a_read_only_view_that_in_place_ops_copy() -> None:
    x = am.tensor(np.arange(6.0))
    y = x.unfold(0, 2, 1)
    assert np.shares_memory(y.numpy(), x.numpy())  # no copy
    y += 1.0  # in-place ops are copy-on-write here: x is untouched
    assert x.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert y.numpy()[0].tolist() == [1.0, 2.0]


def test_windows_keep_float32() -> None:
    x = leaf(2, 6, dtype=np.float32)
    y = am.sliding_window_view(x, 3, axis=1, step=2)
    assert y.dtype == np.float32
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32


def test_window_errors_name_op_shape_and_fix() -> None:
    x = am.ones(3, 4)
    with pytest.raises(
        ValueError,
        match=r"unfold: a window of size 5 does not fit in axis 1 of size 4 \(shape \(3, 4\)\); "
        r"use a window of 1..4 or pad first",
    ):
        x.unfold(1, 5, 1)
    with pytest.raises(ValueError, match="with dilation 2 does not fit"):
        am.sliding_window_view(x, 3, axis=1, dilation=2)
    with pytest.raises(ValueError, match=r"window_shape \(2,\) needs one size per axis .* shape \(3, 4\)"):
        am.sliding_window_view(x, 2)
    with pytest.raises(ValueError, match="repeated axis"):
        am.sliding_window_view(x, (2, 2), axis=(1, -1))
    with pytest.raises(ValueError, match="step must be at least 1"):
        x.unfold(0, 2, 0)
    with pytest.raises(ValueError, match=r"axis 2 is out of range for a tensor of shape \(3, 4\)"):
        x.unfold(2, 2, 1)


# ---------------------------------------------------------------- reshaping and moving axes


def test_reshaping_functions_match_numpy() -> None:
    x = RNG.standard_normal((2, 3, 4))
    t = am.tensor(x)
    np.testing.assert_array_equal(am.ravel(t).numpy(), np.ravel(x))
    np.testing.assert_array_equal(t.ravel().numpy(), np.ravel(x))
    np.testing.assert_array_equal(t.view(4, -1).numpy(), x.reshape(4, -1))
    np.testing.assert_array_equal(am.view(t, (6, 4)).numpy(), x.reshape(6, 4))
    np.testing.assert_array_equal(t.permute(2, 0, 1).numpy(), np.transpose(x, (2, 0, 1)))
    np.testing.assert_array_equal(am.permute(t, (1, -1, 0)).numpy(), np.transpose(x, (1, 2, 0)))
    np.testing.assert_array_equal(am.moveaxis(t, 0, -1).numpy(), np.moveaxis(x, 0, -1))
    np.testing.assert_array_equal(am.moveaxis(t, (0, 1), (2, 0)).numpy(), np.moveaxis(x, (0, 1), (2, 0)))
    np.testing.assert_array_equal(t.movedim(2, 0).numpy(), np.moveaxis(x, 2, 0))
    assert am.flatten(t).shape == (24,) and t.flatten().shape == (24,)
    assert t.flatten(1).shape == (2, 12) and am.flatten(t, 0, 1).shape == (6, 4)
    assert t.flatten(start_dim=-2, end_dim=-1).shape == (2, 12) and t.flatten(1, 1).shape == (2, 3, 4)
    assert am.flatten(am.tensor(3.0)).shape == (1,)
    np.testing.assert_array_equal(t.unflatten(2, (2, 2)).numpy(), x.reshape(2, 3, 2, 2))
    assert am.unflatten(t, -1, (-1, 1)).shape == (2, 3, 4, 1)


def test_atleast_match_numpy() -> None:
    for v in [np.float64(2.0), np.arange(3.0), np.ones((2, 3)), np.ones((2, 3, 4))]:
        for fn, ref in [
            (am.atleast_1d, np.atleast_1d),
            (am.atleast_2d, np.atleast_2d),
            (am.atleast_3d, np.atleast_3d),
        ]:
            assert fn(am.tensor(v)).shape == ref(v).shape
    a, b = am.atleast_2d(am.tensor(1.0), am.tensor([1.0, 2.0]))
    assert (a.shape, b.shape) == ((1, 1), (1, 2))


def test_reshaping_errors() -> None:
    t = am.ones(2, 3, 4)
    with pytest.raises(
        ValueError, match=r"permute: dims \(0, 1\) are not a permutation of range\(3\) .* \(2, 3, 4\)"
    ):
        t.permute(0, 1)
    with pytest.raises(ValueError, match="permute: dims"):
        t.permute(0, 0, 1)
    with pytest.raises(ValueError, match=r"axis 3 is out of range for a tensor of shape \(2, 3, 4\)"):
        t.permute(0, 1, 3)
    with pytest.raises(ValueError, match=r"moveaxis: source .* must name as many axes"):
        am.moveaxis(t, (0, 1), 2)
    with pytest.raises(ValueError, match="flatten: start_dim 2 comes after end_dim 1"):
        t.flatten(2, 1)
    with pytest.raises(
        ValueError, match=r"unflatten: sizes \(3, 2\) do not multiply to 4, .* shape \(2, 3, 4\)"
    ):
        t.unflatten(2, (3, 2))
    with pytest.raises(ValueError, match=r"reshape: .*\(2, 3, 4\)"):
        t.view(5, -1)


# ---------------------------------------------------------------- flips, rotations, rolls


def test_flips_rotations_rolls_match_numpy() -> None:
    x = RNG.standard_normal((3, 4, 5))
    t = am.tensor(x)
    for axis in [None, 0, -1, (0, 2)]:
        np.testing.assert_array_equal(am.flip(t, axis).numpy(), np.flip(x, axis))
    np.testing.assert_array_equal(t.flip(dims=(1,)).numpy(), np.flip(x, 1))
    np.testing.assert_array_equal(am.fliplr(t).numpy(), np.fliplr(x))
    np.testing.assert_array_equal(t.flipud().numpy(), np.flipud(x))
    for k in range(-2, 6):
        np.testing.assert_array_equal(am.rot90(t, k).numpy(), np.rot90(x, k))
        np.testing.assert_array_equal(am.rot90(t, k, axes=(2, 0)).numpy(), np.rot90(x, k, axes=(2, 0)))
    np.testing.assert_array_equal(t.rot90(1, dims=[1, 2]).numpy(), np.rot90(x, 1, axes=(1, 2)))
    for shift, axis in [
        (2, None),
        (-7, None),
        (1, 0),
        (6, 2),
        ((1, -2), (0, 2)),
        ((1, 2), (1, 1)),
        (3, (0, 1)),
    ]:
        np.testing.assert_array_equal(am.roll(t, shift, axis).numpy(), np.roll(x, shift, axis))
    np.testing.assert_array_equal(t.roll(shifts=2, dims=1).numpy(), np.roll(x, 2, 1))


def test_flips_rotations_rolls_gradients() -> None:
    fd_check("getitem", lambda x: am.flip(x * x, (0, 2)), (3, 4, 5))
    fd_check("getitem", lambda x: am.rot90(x * x, 3, axes=(1, 2)), (2, 3, 4))
    fd_check("concatenate", lambda x: am.roll(x * x, (2, -1), (0, 1)), (3, 5))
    # a roll's gradient is the opposite roll of ȳ
    x, g = RNG.standard_normal((3, 5)), RNG.standard_normal((3, 5))
    np.testing.assert_array_equal(vjp(lambda t: am.roll(t, 2, 1), x, g), np.roll(g, -2, 1))
    np.testing.assert_array_equal(vjp(lambda t: am.rot90(t), x, np.rot90(g)), g)


def test_flip_rot_roll_errors() -> None:
    t = am.ones(3)
    with pytest.raises(
        ValueError, match=r"fliplr: needs a tensor with at least 2 axes, got shape \(3,\); use flip"
    ):
        am.fliplr(t)
    with pytest.raises(ValueError, match=r"rot90: axes .* name the same axis"):
        am.rot90(am.ones(2, 2), 1, (1, -1))
    with pytest.raises(ValueError, match="roll: 2 shifts for 3 axes"):
        am.roll(am.ones(2, 2, 2), (1, 2), (0, 1, 2))
    with pytest.raises(TypeError, match="flip: give axis= or dims=, not both"):
        am.flip(t, 0, dims=0)


# ---------------------------------------------------------------- repeat and tile


def test_repeat_and_tile_match_numpy() -> None:
    x = RNG.standard_normal((2, 3))
    t = am.tensor(x)
    for reps, axis in [(2, None), (3, 0), (2, -1), ([1, 0, 3], 1), ([2, 1], 0), (np.array([2]), 1)]:
        np.testing.assert_array_equal(am.repeat(t, reps, axis).numpy(), np.repeat(x, reps, axis))
    np.testing.assert_array_equal(t.repeat_interleave(2, dim=0).numpy(), np.repeat(x, 2, 0))
    np.testing.assert_array_equal(am.repeat_interleave(t, 2).numpy(), np.repeat(x, 2))
    for reps in [2, (2, 1), (1, 3), (2, 2, 2), (0, 2)]:
        np.testing.assert_array_equal(am.tile(t, reps).numpy(), np.tile(x, reps))
    # the method x.repeat is PyTorch's: the whole tensor tiled
    np.testing.assert_array_equal(t.repeat(2, 3).numpy(), np.tile(x, (2, 3)))
    np.testing.assert_array_equal(t.repeat((2, 1, 2)).numpy(), np.tile(x, (2, 1, 2)))


def test_repeat_and_tile_gradients_sum_the_copies() -> None:
    x = RNG.standard_normal((2, 3))
    g = RNG.standard_normal((2, 6))
    np.testing.assert_allclose(vjp(lambda t: am.repeat(t, 2, 1), x, g), g.reshape(2, 3, 2).sum(-1))
    g2 = RNG.standard_normal((2, 4))
    np.testing.assert_allclose(
        vjp(lambda t: am.repeat(t, [1, 0, 3], 1), x, g2), np.c_[g2[:, 0], [0, 0], g2[:, 1:].sum(1)]
    )
    g3 = RNG.standard_normal((4, 9))
    np.testing.assert_allclose(vjp(lambda t: am.tile(t, (2, 3)), x, g3), g3.reshape(2, 2, 3, 3).sum((0, 2)))
    fd_check("broadcast_to", lambda x: am.repeat(x * x, 3, 0), (2, 3))
    fd_check("getitem", lambda x: am.repeat(x * x, [2, 0, 1], 1), (2, 3))
    fd_check("broadcast_to", lambda x: x.repeat(2, 1, 2) ** 2, (3, 2))


def test_repeat_errors() -> None:
    t = am.ones(2, 3)
    with pytest.raises(ValueError, match=r"repeat: 2 repeats for axis 1 of size 3 \(shape \(2, 3\)\)"):
        am.repeat(t, [1, 2], 1)
    with pytest.raises(ValueError, match="repeats must not be negative"):
        am.repeat(t, -1)
    with pytest.raises(TypeError, match="repeats must be an int"):
        am.repeat(t, 1.5)
    with pytest.raises(
        ValueError, match=r"repeat: 1 sizes for a tensor of shape \(2, 3\).*am.repeat\(x, repeats, axis\)"
    ):
        t.repeat(2)


# ---------------------------------------------------------------- split, stack


def _values(ts: Any) -> list[np.ndarray]:
    return [t.numpy() for t in ts]


def test_splits_match_numpy() -> None:
    x = RNG.standard_normal((4, 6, 2))
    t = am.tensor(x)
    for spec, axis in [(2, 0), (3, 1), ([1, 4], 1), ([2, 9], 0), ([], 2)]:
        for got, want in zip(_values(am.split(t, spec, axis)), np.split(x, spec, axis)):
            np.testing.assert_array_equal(got, want)
    for spec in [4, 5, [1, 2]]:
        got_all, want_all = _values(am.array_split(t, spec, axis=1)), np.array_split(x, spec, axis=1)
        assert len(got_all) == len(want_all)
        for got, want in zip(got_all, want_all):
            np.testing.assert_array_equal(got, want)
    for fn, ref, spec in [(am.hsplit, np.hsplit, 3), (am.vsplit, np.vsplit, [1]), (am.dsplit, np.dsplit, 2)]:
        for got, want in zip(_values(fn(t, spec)), ref(x, spec)):
            np.testing.assert_array_equal(got, want)
    assert [p.shape for p in am.hsplit(am.ones(6), 3)] == [(2,)] * 3


def test_pytorch_split_and_chunk() -> None:
    t = am.tensor(np.arange(7.0))
    assert [p.tolist() for p in t.split(3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [p.tolist() for p in t.split([2, 5])] == [[0, 1], [2, 3, 4, 5, 6]]
    assert isinstance(t.split(3), tuple)
    assert [p.tolist() for p in t.chunk(3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [p.shape for p in am.chunk(am.ones(2, 6), 4, dim=1)] == [(2, 2)] * 3  # ceil(6/4) = 2: 3 pieces
    with pytest.raises(TypeError, match=r"am.split follows NumPy .* use x.split\(size_or_sizes, dim\)"):
        am.split(t, 3, dim=0)
    with pytest.raises(ValueError, match=r"split: piece sizes \[2, 2\] must be non-negative and add up to 7"):
        t.split([2, 2])
    with pytest.raises(
        ValueError,
        match=r"split: axis 0 of shape \(7,\) \(size 7\) does not divide into 2 equal sections; "
        r"use am.array_split",
    ):
        am.split(t, 2)


def test_split_gradients() -> None:
    x = RNG.standard_normal((3, 5))

    def f(t: am.Tensor) -> am.Tensor:
        a, b, c = am.array_split(t * t, 3, axis=1)
        return am.concatenate([c * 2.0, a, b * b], axis=1)

    fd_check("getitem", f, (3, 5))
    fd_check("getitem", lambda t: am.stack([p.sum() for p in t.split(2, dim=1)]), (3, 5))
    g = np.ones((3, 2))
    np.testing.assert_array_equal(
        vjp(lambda t: am.split(t, [1, 3], axis=1)[1], x, g), np.c_[np.zeros(3), g, np.zeros((3, 2))]
    )


def test_stacking_matches_numpy() -> None:
    a1, b1 = RNG.standard_normal(3), RNG.standard_normal(3)
    a2, b2 = RNG.standard_normal((2, 3)), RNG.standard_normal((2, 3))
    for fn, ref in [
        (am.vstack, np.vstack),
        (am.hstack, np.hstack),
        (am.dstack, np.dstack),
        (am.column_stack, np.column_stack),
    ]:
        for pair in [(a1, b1), (a2, b2)]:
            np.testing.assert_array_equal(fn([am.tensor(p) for p in pair]).numpy(), ref(pair))
    np.testing.assert_array_equal(am.hstack([am.tensor(2.0), am.tensor(a1)]).numpy(), np.hstack((2.0, a1)))
    fd_check("concatenate", lambda a, b: am.column_stack([a, b * b]), (3,), (3, 2))
    fd_check("concatenate", lambda a, b: am.dstack([a * b, b]), (2, 3), (2, 3))


def test_meshgrid_matches_numpy() -> None:
    a, b, c = RNG.standard_normal(3), RNG.standard_normal(4), RNG.standard_normal(2)
    for indexing in ("xy", "ij"):
        for args in [(a,), (a, b), (a, b, c)]:
            got = am.meshgrid(*(am.tensor(v) for v in args), indexing=indexing)
            for g, w in zip(got, np.meshgrid(*args, indexing=indexing)):
                np.testing.assert_array_equal(g.numpy(), w)
    fd_check("broadcast_to", lambda x, y: am.stack(am.meshgrid(x * x, y)) ** 2, (3,), (4,))
    with pytest.raises(ValueError, match="meshgrid: indexing must be 'xy' or 'ij'"):
        am.meshgrid(am.ones(2), indexing="ji")


# ---------------------------------------------------------------- diagonals and triangles


def test_diagonals_and_triangles_match_numpy() -> None:
    x = RNG.standard_normal((3, 4, 5))
    t = am.tensor(x)
    m, v = x[0], x[0, 0]
    for k in (-2, 0, 1, 4, 7):
        np.testing.assert_array_equal(am.diag(am.tensor(m), k).numpy(), np.diag(m, k))
        np.testing.assert_array_equal(am.diag(am.tensor(v), k).numpy(), np.diag(v, k))
        np.testing.assert_array_equal(am.triu(t, k).numpy(), np.triu(x, k))
        np.testing.assert_array_equal(t.tril(k).numpy(), np.tril(x, k))
    for offset, a1, a2 in [(0, 0, 1), (1, 1, 2), (-1, 2, 0), (2, -1, -3)]:
        np.testing.assert_array_equal(am.diagonal(t, offset, a1, a2).numpy(), np.diagonal(x, offset, a1, a2))
    np.testing.assert_array_equal(t.diagonal(0, dim1=1, dim2=2).numpy(), np.diagonal(x, 0, 1, 2))


def test_diag_embed_is_pytorch_diag_embed() -> None:
    x = RNG.standard_normal((2, 3))
    for offset in (0, 1, -2):
        got = am.diag_embed(am.tensor(x), offset).numpy()
        want = np.stack([np.diag(r, offset) for r in x])  # by definition, per batch row
        np.testing.assert_array_equal(got, want)
    got = am.diag_embed(am.tensor(x), 1, dim1=0, dim2=2).numpy()  # (4, 2, 4): out[i, b, j]
    np.testing.assert_array_equal(got, np.stack([np.diag(r, 1) for r in x]).transpose(1, 0, 2))
    np.testing.assert_array_equal(am.diagonal(am.diag_embed(am.tensor(x), -1), -1, -2, -1).numpy(), x)


def test_diagonal_and_triangle_gradients() -> None:
    fd_check("getitem", lambda x: am.diagonal(x * x, 1, 2, 0), (3, 4, 5))
    fd_check("index_add", lambda x: am.diag_embed(x * x, -1, 0, 2), (2, 3))
    fd_check("index_add", lambda x: am.diag(x * x, 2), (3,))
    fd_check("where", lambda x: am.triu(x * x, -1) + am.tril(x, 1), (2, 4, 3))
    g = RNG.standard_normal((3, 3))
    np.testing.assert_array_equal(vjp(lambda t: am.tril(t), RNG.standard_normal((3, 3)), g), np.tril(g))
    # triangles give 0 outside, not nan, even where x is inf (masked by where, not multiplied)
    assert am.triu(am.tensor([[1.0, 2.0], [np.inf, 3.0]])).tolist() == [[1.0, 2.0], [0.0, 3.0]]


def test_diagonal_errors() -> None:
    with pytest.raises(
        ValueError, match=r"diag: needs a 1-D or 2-D tensor, got shape \(2, 2, 2\); use am.diagonal"
    ):
        am.diag(am.ones(2, 2, 2))
    with pytest.raises(ValueError, match="diagonal: axis1 and axis2 name the same axis 1"):
        am.diagonal(am.ones(2, 3), 0, 1, -1)
    with pytest.raises(ValueError, match=r"triu: needs a tensor with at least 2 axes, got shape \(3,\)"):
        am.triu(am.ones(3))


# ---------------------------------------------------------------- gather and scatter


def test_take_and_take_along_axis_match_numpy() -> None:
    x = RNG.standard_normal((3, 4))
    t = am.tensor(x)
    for idx, axis in [
        ([0, 5, 5, -1], None),
        ([[1, 1], [0, 3]], 1),
        (np.array([2, 0, 2]), 0),
        (np.int64(1), 1),
    ]:
        np.testing.assert_array_equal(am.take(t, idx, axis).numpy(), np.take(x, idx, axis))
    np.testing.assert_array_equal(t.take([3, 11]).numpy(), np.take(x, [3, 11]))
    idx = RNG.integers(0, 4, (3, 6))
    np.testing.assert_array_equal(am.take_along_axis(t, idx, axis=1).numpy(), np.take_along_axis(x, idx, 1))
    idx0 = RNG.integers(-3, 3, (2, 1))  # broadcasts along axis 1
    np.testing.assert_array_equal(am.take_along_axis(t, idx0, axis=0).numpy(), np.take_along_axis(x, idx0, 0))
    np.testing.assert_array_equal(
        am.take_along_axis(t, np.array([11, 0]), axis=None).numpy(),
        np.take_along_axis(x, np.array([11, 0]), None),
    )
    np.testing.assert_array_equal(t.take_along_dim(idx, dim=1).numpy(), np.take_along_axis(x, idx, 1))


def test_gather_is_pytorch_gather() -> None:
    x = RNG.standard_normal((3, 4))
    index = np.array([[0, 0, 3], [2, 1, 1]])  # smaller than x outside dim 1
    got = am.gather(am.tensor(x), 1, index).numpy()
    want = np.array([[x[i, index[i, j]] for j in range(3)] for i in range(2)])
    np.testing.assert_array_equal(got, want)
    index0 = np.array([[2, 0], [2, 2]])
    got0 = am.tensor(x).gather(0, index0).numpy()
    np.testing.assert_array_equal(got0, np.array([[x[index0[i, j], j] for j in range(2)] for i in range(2)]))


def test_gathers_add_gradients_at_repeated_indices() -> None:
    x = RNG.standard_normal((3, 4))
    idx = np.array([[1, 1, 1, 0], [3, 3, 2, 3], [0, 0, 0, 0]])
    g = RNG.standard_normal((3, 4))
    want = np.zeros((3, 4))
    np.put_along_axis(want, idx, 0, 1)
    for i in range(3):
        np.add.at(want[i], idx[i], g[i])
    np.testing.assert_allclose(vjp(lambda t: am.take_along_axis(t, idx, 1), x, g), want)
    np.testing.assert_allclose(vjp(lambda t: am.gather(t, 1, idx), x, g), want)
    want_take = np.zeros(12)
    np.add.at(want_take, [5, 5, 5, 0], [1.0, 2.0, 3.0, 4.0])
    np.testing.assert_allclose(
        vjp(lambda t: am.take(t, [5, 5, 5, 0]), x, np.array([1.0, 2.0, 3.0, 4.0])), want_take.reshape(3, 4)
    )
    fd_check("getitem", lambda t: am.take_along_axis(t * t, idx, 1) ** 2, (3, 4))
    fd_check("getitem", lambda t: am.gather(t * t, 0, np.array([[2, 2, 0], [2, 1, 1]])), (3, 4))


def test_put_along_axis_matches_numpy_out_of_place() -> None:
    x = RNG.standard_normal((3, 4))
    idx = np.array([[1], [3], [0]])
    vals = RNG.standard_normal((3, 1))
    want = x.copy()
    np.put_along_axis(want, idx, vals, 1)
    t = am.tensor(x)
    np.testing.assert_array_equal(am.put_along_axis(t, idx, vals, 1).numpy(), want)
    np.testing.assert_array_equal(t.numpy(), x)  # out of place
    want2 = x.copy()
    np.put_along_axis(want2, np.array([[2, 2, 0, 2]]), 9.0, 0)
    np.testing.assert_array_equal(am.put_along_axis(t, np.array([[2, 2, 0, 2]]), 9.0, 0).numpy(), want2)
    with pytest.raises(
        ValueError, match=r"put_along_axis: indices of shape \(1, 2\) do not broadcast against"
    ):
        am.put_along_axis(t, np.array([[2, 2]]), 9.0, 0)


def test_scatter_and_scatter_add_are_pytorch_out_of_place() -> None:
    x = RNG.standard_normal((3, 4))
    src = RNG.standard_normal((2, 4))
    index = np.array([[0, 1, 2, 0], [2, 0, 0, 1]])
    want = x.copy()
    want_add = x.copy()
    for i in range(2):
        for j in range(4):
            want[index[i, j], j] = src[i, j]
            want_add[index[i, j], j] += src[i, j]
    np.testing.assert_array_equal(am.scatter(am.tensor(x), 0, index, am.tensor(src)).numpy(), want)
    np.testing.assert_allclose(am.tensor(x).scatter_add(0, index, src).numpy(), want_add)
    np.testing.assert_allclose(am.scatter(x, 0, index, src, reduce="add").numpy(), want_add)
    filled = am.scatter(am.tensor(x), 1, np.array([[0], [3], [1]]), value=-1.0).numpy()
    want_fill = x.copy()
    want_fill[[0, 1, 2], [0, 3, 1]] = -1.0
    np.testing.assert_array_equal(filled, want_fill)
    # src larger than index: only src[:index.shape] is used (PyTorch)
    big = RNG.standard_normal((3, 5))
    np.testing.assert_array_equal(
        am.scatter(am.tensor(x), 0, index, big).numpy(),
        am.scatter(am.tensor(x), 0, index, big[:2, :4]).numpy(),
    )


def test_scatter_gradients_with_repeated_indices() -> None:
    x = am.tensor(RNG.standard_normal((3, 2)), requires_grad=True)
    src = am.tensor(RNG.standard_normal((3, 2)), requires_grad=True)
    index = np.array([[1, 0], [1, 0], [2, 0]])  # place (1, 0) written twice, (0, 1) three times
    g = RNG.standard_normal((3, 2))
    am.scatter_add(x, 0, index, src).backward(g)
    np.testing.assert_array_equal(x.grad.numpy(), g)  # x passes through
    np.testing.assert_array_equal(src.grad.numpy(), np.take_along_axis(g, index, 0))  # each copy gets ȳ
    x.grad = src.grad = None
    am.scatter(x, 0, index, src).backward(g)
    # replaced places pass nothing back to x; only the last write to a place gets ȳ
    np.testing.assert_array_equal(x.grad.numpy(), g * np.array([[1, 0], [0, 1], [0, 1]]))
    np.testing.assert_array_equal(src.grad.numpy(), np.array([[0, 0], [g[1, 0], 0], [g[2, 0], g[0, 1]]]))
    fd_check("index_add", lambda a, b: am.scatter_add(a * a, 0, index, b * b), (3, 2), (3, 2))
    fd_check("index_add", lambda a, b: am.scatter(a * a, 0, index, b * b), (3, 2), (3, 2))
    twice = np.array([[0, 0], [1, 1], [1, 0]])
    fd_check("index_add", lambda a, b: am.put_along_axis(a * a, twice, b * a, 1), (3, 2), (3, 2))


def test_gather_scatter_keep_float32() -> None:
    x = leaf(3, 4, dtype=np.float32)
    src = leaf(2, 4, dtype=np.float64)  # cast to x's dtype, gradient cast back
    y = am.scatter_add(
        am.gather(x, 1, np.array([[0, 0], [1, 2], [3, 3]])).repeat(1, 2),
        1,
        np.array([[0, 1, 2, 3]] * 2 + [[0] * 4]),
        x,
    )
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32
    z = am.scatter(x, 0, np.array([[0, 1, 2, 0], [1, 1, 1, 1]]), src)
    assert z.dtype == np.float32
    z.sum().backward()
    assert src.grad.dtype == np.float64


def test_gather_scatter_errors() -> None:
    t = am.ones(3, 4)
    with pytest.raises(
        IndexError, match=r"gather: index 4 is out of range for axis 1 of size 4 \(shape \(3, 4\)\)"
    ):
        am.gather(t, 1, np.array([[4]]))
    with pytest.raises(
        ValueError,
        match=r"gather: index of shape \(4, 1\) is larger than the tensor of shape \(3, 4\) in dim 0",
    ):
        am.gather(t, 1, np.zeros((4, 1), int))
    with pytest.raises(
        ValueError, match=r"indices of shape \(2,\) need as many axes as the tensor of shape \(3, 4\)"
    ):
        am.take_along_axis(t, np.array([0, 1]), 1)
    with pytest.raises(TypeError, match="take: indices must be integers, got dtype float64"):
        am.take(t, [0.5])
    with pytest.raises(IndexError, match=r"take: index 12 is out of range"):
        am.take(t, [12])
    with pytest.raises(
        ValueError,
        match=r"scatter: src of shape \(1, 4\) must have index's number of axes and be at least as large",
    ):
        am.scatter(t, 0, np.zeros((2, 4), int), am.ones(1, 4))
    with pytest.raises(ValueError, match="reduce must be None or 'add'"):
        am.scatter(t, 0, np.zeros((1, 1), int), 1.0, reduce="multiply")


# ---------------------------------------------------------------- positions (no gradient)


def test_positions_match_numpy_and_carry_no_gradient() -> None:
    x = RNG.standard_normal((3, 4))
    x[x < 0.3] = 0.0
    t = am.tensor(x, requires_grad=True)
    for got, want in zip(am.nonzero(t), np.nonzero(x)):
        np.testing.assert_array_equal(got.numpy(), want)
        assert got.dtype == np.int64 and not got.requires_grad
    for got, want in zip(am.where(t), np.where(x)):
        np.testing.assert_array_equal(got.numpy(), want)
    np.testing.assert_array_equal(am.argwhere(t).numpy(), np.argwhere(x))
    np.testing.assert_array_equal(t.nonzero().numpy(), np.argwhere(x))  # PyTorch's method
    assert len(t.nonzero(as_tuple=True)) == 2
    picked = t[am.nonzero(t)]  # positions index the tensor differentiably
    picked.sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), (x != 0).astype(float))
    with pytest.raises(TypeError, match="where: give the condition alone"):
        am.where(t > 0, t)


# ---------------------------------------------------------------- float32


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: am.flip(x, 0),
        lambda x: am.rot90(x),
        lambda x: am.roll(x, 1, 1),
        lambda x: am.repeat(x, [1, 2, 0, 1], 1),
        lambda x: am.tile(x, 2),
        lambda x: am.vstack(am.split(x, 2, axis=1)),
        lambda x: am.diag_embed(x),
        lambda x: am.diagonal(x),
        lambda x: am.triu(x),
        lambda x: am.take_along_axis(x, np.array([[0, 0, 1]]), 1),
        lambda x: am.meshgrid(x[0], x[1])[0],
        lambda x: am.put_along_axis(x, np.array([[1], [1], [0]]), 2.0, 1),
    ],
)
def test_float32_stays_float32(fn: Callable[[am.Tensor], am.Tensor]) -> None:
    x = leaf(3, 4, dtype=np.float32)
    y = fn(x)
    assert y.dtype == np.float32
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32


# ---------------------------------------------------------------- forward mode


@pytest.mark.parametrize(
    "fn",
    [
        lambda a: am.pad(a * a, 2, mode="reflect"),
        lambda a: am.pad(a * a, 1, constant_values=3.0),
        lambda a: am.sliding_window_view(a * a, (2, 2), step=(1, 2)),
        lambda a: am.scatter(a * a, 0, np.array([[1, 0, 1, 0], [1, 2, 0, 0]]), a[:2]),
        lambda a: am.scatter_add(a, 1, np.array([[0, 0, 1], [2, 2, 2], [3, 3, 3]]), a[:, :3] * a[:, :3]),
        lambda a: am.gather(a * a, 1, np.array([[0, 0], [1, 3], [2, 2]])),
        lambda a: am.rot90(am.roll(am.flip(a * a, 0), 1, 1)),
        lambda a: am.tile(am.repeat(a * a, [1, 2, 0, 1], 1), (2, 1)),
        lambda a: am.triu(am.diag_embed(a * a)),
    ],
)
def test_forward_mode_matches_finite_differences(fn: Callable[[Any], am.Tensor]) -> None:
    x, t = RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4))
    _, tangent = am.jvp(fn, (x,), (t,))
    eps = 1e-6
    fd = (fn(am.tensor(x + eps * t)).numpy() - fn(am.tensor(x - eps * t)).numpy()) / (2 * eps)
    np.testing.assert_allclose(tangent, fd, rtol=1e-6, atol=1e-7)
