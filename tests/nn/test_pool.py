"""Pooling, upsampling, Flatten and Unflatten (issue 15).

Forward values against loops over windows written here from PyTorch's definitions
(output sizes, ceil_mode, padding and divisors); gradients against float64 finite
differences (first and second order); max pooling's tie rule (the gradient goes to the
first maximum of the window, as in PyTorch) and overlapping windows by hand.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from grad_checks import check_first_and_second

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.nn import functional as F  # noqa: N812 (PyTorch's habit)

RNG = np.random.default_rng(99)


def out_size(size, k, pad, stride, dilation, ceil_mode):
    """PyTorch's pooling_output_shape."""
    num = size + 2 * pad - dilation * (k - 1) - 1 + (stride - 1 if ceil_mode else 0)
    out = math.floor(num / stride) + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def max_pool_reference(x, kernel, stride, pad, dilation, ceil_mode):
    """Loops over output positions; returns the maxima and the flat (per channel) argmax."""
    n_sp = len(kernel)
    sizes = x.shape[2:]
    outs = [out_size(sizes[i], kernel[i], pad[i], stride[i], dilation[i], ceil_mode) for i in range(n_sp)]
    y = np.full((*x.shape[:2], *outs), -np.inf)
    idx = np.zeros(y.shape, dtype=np.int64)
    for n, c in itertools.product(range(x.shape[0]), range(x.shape[1])):
        for p in itertools.product(*(range(o) for o in outs)):
            for k in itertools.product(*(range(s) for s in kernel)):  # row-major: first max wins
                at = tuple(p[i] * stride[i] - pad[i] + k[i] * dilation[i] for i in range(n_sp))
                if all(0 <= at[i] < sizes[i] for i in range(n_sp)) and x[(n, c, *at)] > y[(n, c, *p)]:
                    y[(n, c, *p)] = x[(n, c, *at)]
                    idx[(n, c, *p)] = np.ravel_multi_index(at, sizes)
    return y, idx


def avg_pool_reference(x, kernel, stride, pad, ceil_mode, count_include_pad, divisor_override=None):
    n_sp = len(kernel)
    sizes = x.shape[2:]
    outs = [out_size(sizes[i], kernel[i], pad[i], stride[i], 1, ceil_mode) for i in range(n_sp)]
    y = np.zeros((*x.shape[:2], *outs))
    for p in itertools.product(*(range(o) for o in outs)):
        starts = [p[i] * stride[i] - pad[i] for i in range(n_sp)]
        ends = [min(starts[i] + kernel[i], sizes[i] + pad[i]) for i in range(n_sp)]
        pool = math.prod(e - s for s, e in zip(starts, ends))
        lo = [max(s, 0) for s in starts]
        hi = [min(e, sz) for e, sz in zip(ends, sizes)]
        window = x[(slice(None), slice(None), *(slice(a, b) for a, b in zip(lo, hi)))]
        count = math.prod(b - a for a, b in zip(lo, hi))
        divisor = divisor_override or (pool if count_include_pad else count)
        y[(slice(None), slice(None), *p)] = window.sum(axis=tuple(range(2, 2 + n_sp))) / divisor
    return y


MAX_SETTINGS = [
    # kernel, stride, padding, dilation, ceil_mode, input size
    ((2, 2), None, 0, 1, False, (6, 7)),
    ((3, 3), (1, 2), 1, 1, False, (5, 6)),
    ((2, 3), (2, 2), (1, 1), (2, 1), True, (7, 6)),
    ((3, 2), (3, 3), 0, 1, True, (8, 7)),  # ceil_mode keeps a partial last window
    ((2, 2), (3, 4), 0, 1, False, (7, 9)),  # stride > kernel
]


def _tup(v, n):
    return v if isinstance(v, tuple) else (v,) * n


@pytest.mark.parametrize("setting", MAX_SETTINGS)
def test_max_pool2d_matches_the_loop_definition(setting):
    kernel, stride, padding, dilation, ceil_mode, size = setting
    x = RNG.standard_normal((2, 3, *size))
    layer = nn.MaxPool2d(kernel, stride, padding, dilation, ceil_mode=ceil_mode)
    y = layer(x)
    ref, idx = max_pool_reference(
        x, kernel, _tup(stride or kernel, 2), _tup(padding, 2), _tup(dilation, 2), ceil_mode
    )
    np.testing.assert_array_equal(y.data, ref)
    out, indices = F.max_pool2d(x, kernel, stride, padding, dilation, ceil_mode, return_indices=True)
    np.testing.assert_array_equal(indices.data, idx)
    np.testing.assert_array_equal(out.data, ref)


@pytest.mark.parametrize(
    ("kernel", "stride", "padding", "dilation", "ceil_mode"),
    [(2, None, 0, 1, False), (3, 2, 1, 1, True), (2, 3, 1, 2, True)],
)
def test_max_pool1d_matches_the_loop_definition(kernel, stride, padding, dilation, ceil_mode):
    x = RNG.standard_normal((2, 2, 9))
    y = nn.MaxPool1d(kernel, stride, padding, dilation, ceil_mode=ceil_mode)(x)
    ref, _ = max_pool_reference(x, (kernel,), (stride or kernel,), (padding,), (dilation,), ceil_mode)
    np.testing.assert_array_equal(y.data, ref)


def test_max_pool_gradient_goes_to_the_first_maximum_on_ties():
    # every 2×2 window holds ties; PyTorch sends ȳ to the first maximum in row-major order
    x = am.tensor(
        [[[[1.0, 1.0, 0.0, 2.0], [1.0, 0.0, 2.0, 2.0], [5.0, 3.0, 4.0, 4.0], [5.0, 5.0, 4.0, 4.0]]]],
        requires_grad=True,
    )
    F.max_pool2d(x, 2).backward(gradient=np.array([[[[1.0, 2.0], [3.0, 4.0]]]]))
    expected = np.zeros((4, 4))
    expected[0, 0], expected[0, 3], expected[2, 0], expected[2, 2] = 1.0, 2.0, 3.0, 4.0
    np.testing.assert_array_equal(x.grad.data[0, 0], expected)


def test_overlapping_windows_add_their_gradients():
    x = am.tensor([[[0.0, 5.0, 1.0, 2.0, 0.5]]], requires_grad=True)
    y = F.max_pool1d(x, 3, stride=1)  # windows [0 5 1], [5 1 2], [1 2 .5]: maxima 5, 5, 2
    np.testing.assert_array_equal(y.data, [[[5.0, 5.0, 2.0]]])
    y.backward(gradient=np.array([[[1.0, 10.0, 100.0]]]))
    np.testing.assert_array_equal(x.grad.data, [[[0.0, 11.0, 0.0, 100.0, 0.0]]])


def _distinct(*shape):
    return RNG.permutation(np.arange(math.prod(shape)) * 0.37 - 2.0).reshape(shape)


@pytest.mark.parametrize("setting", MAX_SETTINGS[1:4])
def test_max_pool_gradients_first_and_second_order(setting):
    kernel, stride, padding, dilation, ceil_mode, size = setting
    check_first_and_second(
        lambda x: F.max_pool2d(x, kernel, stride, padding, dilation, ceil_mode), _distinct(1, 2, *size)
    )


@pytest.mark.parametrize(
    ("kernel", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override"),
    [
        ((2, 2), None, 0, False, True, None),
        ((3, 3), 2, 1, False, True, None),
        ((3, 3), 2, 1, True, False, None),
        ((3, 2), (2, 3), (1, 1), True, True, None),
        ((2, 3), 1, (1, 0), False, False, None),
        ((2, 2), 2, 1, False, True, 3),
    ],
)
def test_avg_pool2d_matches_the_loop_definition(
    kernel, stride, padding, ceil_mode, count_include_pad, divisor_override
):
    x = RNG.standard_normal((2, 3, 7, 6))
    layer = nn.AvgPool2d(kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)
    ref = avg_pool_reference(
        x, kernel, _tup(stride or kernel, 2), _tup(padding, 2), ceil_mode, count_include_pad, divisor_override
    )
    np.testing.assert_allclose(layer(x).data, ref, atol=1e-12)
    check_first_and_second(layer, x)


def test_avg_pool1d_and_its_gradients():
    x = RNG.standard_normal((2, 2, 9))
    for settings in ((3, 2, 1, True, False), (2, None, 0, False, True), (4, 3, 2, True, True)):
        layer = nn.AvgPool1d(*settings)
        k, s, p, ceil, include = settings
        np.testing.assert_allclose(
            layer(x).data, avg_pool_reference(x, (k,), (s or k,), (p,), ceil, include), atol=1e-12
        )
    check_first_and_second(nn.AvgPool1d(3, 2, 1, ceil_mode=True, count_include_pad=False), x)


def test_adaptive_avg_pool_uses_pytorchs_bins():
    x = RNG.standard_normal((2, 3, 7, 5))
    y = nn.AdaptiveAvgPool2d((3, 2))(x)
    expected = np.zeros((2, 3, 3, 2))
    for i, j in itertools.product(range(3), range(2)):
        r0, r1 = math.floor(i * 7 / 3), math.ceil((i + 1) * 7 / 3)
        c0, c1 = math.floor(j * 5 / 2), math.ceil((j + 1) * 5 / 2)
        expected[:, :, i, j] = x[:, :, r0:r1, c0:c1].mean(axis=(2, 3))
    np.testing.assert_allclose(y.data, expected, atol=1e-12)
    np.testing.assert_allclose(
        nn.AdaptiveAvgPool2d(1)(x).data, x.mean(axis=(2, 3), keepdims=True), atol=1e-12
    )
    assert nn.AdaptiveAvgPool2d((None, 2))(x).shape == (2, 3, 7, 2)
    np.testing.assert_allclose(
        nn.AdaptiveAvgPool1d(2)(x[:, :, 0]).data,
        np.stack([x[:, :, 0, :3].mean(-1), x[:, :, 0, 2:].mean(-1)], axis=-1),
        atol=1e-12,
    )
    check_first_and_second(nn.AdaptiveAvgPool2d((3, 2)), x)


def test_upsample_nearest():
    x = RNG.standard_normal((1, 2, 3, 4))
    y = nn.Upsample(scale_factor=2)(x)
    np.testing.assert_array_equal(y.data, x.repeat(2, axis=2).repeat(2, axis=3))
    z = F.interpolate(x, size=(5, 7))
    rows = np.minimum(np.floor(np.arange(5) * (3 / 5)).astype(int), 2)
    cols = np.minimum(np.floor(np.arange(7) * (4 / 7)).astype(int), 3)
    np.testing.assert_array_equal(z.data, x[:, :, rows][:, :, :, cols])
    np.testing.assert_array_equal(
        F.interpolate(x[:, :, 0], scale_factor=3).data, x[:, :, 0].repeat(3, axis=-1)
    )
    check_first_and_second(nn.Upsample(size=(5, 7)), x)
    with pytest.raises(ValueError, match="only mode='nearest'"):
        nn.Upsample(scale_factor=2, mode="bilinear")


def test_flatten_and_unflatten():
    x = am.tensor(RNG.standard_normal((2, 3, 4, 5)), requires_grad=True)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 1)(x).shape == (6, 4, 5)
    assert nn.Flatten(2)(x).shape == (2, 3, 20)
    y = nn.Unflatten(1, (3, -1))(nn.Flatten()(x))
    assert y.shape == (2, 3, 20)
    y.backward(gradient=np.ones(y.shape))
    np.testing.assert_array_equal(x.grad.data, np.ones(x.shape))
    with pytest.raises(ValueError, match="cannot be split"):
        nn.Unflatten(1, (7, 8))(x)


def test_bad_pooling_arguments_are_explained():
    with pytest.raises(ValueError, match="at most half of the kernel"):
        nn.MaxPool2d(2, padding=2)
    with pytest.raises(ValueError, match="too small"):
        F.max_pool2d(np.zeros((1, 1, 2, 2)), 3)
    with pytest.raises(ValueError, match="kernel_size"):
        nn.AvgPool2d(0)
    with pytest.raises(ValueError, match="4-D"):
        nn.MaxPool2d(2)(np.zeros((2, 2)))


def test_a_nan_is_the_maximum_and_gets_the_gradient():
    # PyTorch's CPU loop: a NaN replaces the running maximum, so the last NaN of a window wins
    x = am.tensor([[[1.0, np.nan, 3.0, 4.0, 0.0, 2.0]]], requires_grad=True)
    y = F.max_pool1d(x, 3)
    assert np.isnan(y.data[0, 0, 0]) and y.data[0, 0, 1] == 4.0
    y.backward(gradient=np.array([[[5.0, 7.0]]]))
    np.testing.assert_array_equal(x.grad.data, [[[0.0, 5.0, 0.0, 7.0, 0.0, 0.0]]])
    x2 = am.tensor([[[np.nan, 1.0, np.nan]]], requires_grad=True)
    F.max_pool1d(x2, 3).backward(gradient=np.ones((1, 1, 1)))
    np.testing.assert_array_equal(x2.grad.data, [[[0.0, 0.0, 1.0]]])


def test_max_pool_forward_mode_picks_the_tangent_at_the_maximum():
    x = _distinct(1, 2, 4, 4)
    t = RNG.standard_normal(x.shape)
    _, tangent = am.jvp(lambda x: F.max_pool2d(x, 2), (x,), (t,))
    _, idx = F.max_pool2d(x, 2, return_indices=True)
    expected = np.take_along_axis(t.reshape(1, 2, -1), idx.data.reshape(1, 2, -1), axis=-1).reshape(
        1, 2, 2, 2
    )
    np.testing.assert_array_equal(np.asarray(tangent), expected)
