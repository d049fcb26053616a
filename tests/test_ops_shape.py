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
