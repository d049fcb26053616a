"""Convolution layers (issue 15): Conv1d, Conv2d, ConvTranspose1d/2d and their functional forms.

Forward values are checked against direct nested-loop convolutions written here, from
the definition; gradients against float64 finite differences (first and second order);
the weight gradient against its hand-derived form (the input correlated with the upstream
gradient) and the input gradient against the transposed convolution written as a
scatter loop.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from grad_checks import check_first_and_second

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.nn import conv as conv_module
from autograd_mini.nn import functional as F  # noqa: N812 (PyTorch's habit)

RNG = np.random.default_rng(1234)


# ---------------------------------------------------------------- references, from the definition


def conv_reference(x, w, b, stride, pads, dilation, groups):
    """y[n, o, p] = Σ_c Σ_k x_pad[n, g·Cg + c, p·s + k·d] w[o, c, k] + b[o], by loops."""
    n_sp = w.ndim - 2
    xp = np.pad(x, ((0, 0), (0, 0), *pads))
    big_n, c_in = x.shape[:2]
    o_all = w.shape[0]
    cg, og = c_in // groups, o_all // groups
    kernel = w.shape[2:]
    out_size = [(xp.shape[2 + i] - dilation[i] * (kernel[i] - 1) - 1) // stride[i] + 1 for i in range(n_sp)]
    y = np.zeros((big_n, o_all, *out_size))
    for n in range(big_n):
        for o in range(o_all):
            g = o // og
            for p in itertools.product(*(range(s) for s in out_size)):
                acc = 0.0 if b is None else b[o]
                for c in range(cg):
                    for k in itertools.product(*(range(s) for s in kernel)):
                        at = tuple(p[i] * stride[i] + k[i] * dilation[i] for i in range(n_sp))
                        acc += xp[(n, g * cg + c, *at)] * w[(o, c, *k)]
                y[(n, o, *p)] = acc
    return y


def conv_transpose_reference(x, w, b, stride, padding, output_padding, dilation, groups):
    """Scatter: out_pad[n, g·Cg + c, p·s + k·d] += x[n, o, p] w[o, c, k]; crop the padding."""
    n_sp = w.ndim - 2
    big_n, c_in = x.shape[:2]
    og = c_in // groups
    cg = w.shape[1]
    kernel = w.shape[2:]
    size = [
        (x.shape[2 + i] - 1) * stride[i]
        - 2 * padding[i]
        + dilation[i] * (kernel[i] - 1)
        + output_padding[i]
        + 1
        for i in range(n_sp)
    ]
    full = np.zeros((big_n, cg * groups, *(s + 2 * p for s, p in zip(size, padding))))
    for n in range(big_n):
        for o in range(c_in):
            g = o // og
            for p in itertools.product(*(range(s) for s in x.shape[2:])):
                for c in range(cg):
                    for k in itertools.product(*(range(s) for s in kernel)):
                        at = tuple(p[i] * stride[i] + k[i] * dilation[i] for i in range(n_sp))
                        full[(n, g * cg + c, *at)] += x[(n, o, *p)] * w[(o, c, *k)]
    out = full[(slice(None), slice(None), *(slice(p, p + s) for p, s in zip(padding, size)))]
    return out if b is None else out + b.reshape(-1, *(1,) * n_sp)


CONV2D_SETTINGS = [
    # (in, out, kernel, stride, padding, dilation, groups, bias, input size)
    (2, 3, (3, 3), 1, 0, 1, 1, True, (5, 6)),
    (2, 4, (3, 2), (2, 1), (1, 2), (1, 2), 2, True, (7, 6)),
    (3, 3, (2, 2), 3, 0, 1, 3, False, (7, 5)),  # depthwise, stride > kernel, odd sizes
    (1, 2, (4, 3), 1, "same", (2, 1), 1, True, (6, 5)),  # even kernel: asymmetric 'same'
    (2, 2, (1, 1), (2, 3), "valid", 1, 1, True, (5, 7)),  # 1×1, stride > kernel
]


def _pads_of(padding, kernel, dilation, n):
    if padding == "valid":
        return ((0, 0),) * n
    if padding == "same":
        out = []
        for k, d in zip(kernel, dilation):
            total = d * (k - 1)
            out.append((total // 2, total - total // 2))
        return tuple(out)
    p = padding if isinstance(padding, tuple) else (padding,) * n
    return tuple((q, q) for q in p)


def _tup(v, n):
    return v if isinstance(v, tuple) else (v,) * n


# ---------------------------------------------------------------- forward values


@pytest.mark.parametrize("setting", CONV2D_SETTINGS)
def test_conv2d_matches_the_nested_loop_definition(setting):
    c_in, c_out, kernel, stride, padding, dilation, groups, bias, size = setting
    layer = nn.Conv2d(c_in, c_out, kernel, stride, padding, dilation, groups, bias, seed=0)
    x = RNG.standard_normal((2, c_in, *size))
    expected = conv_reference(
        x,
        layer.weight.data,
        None if layer.bias is None else layer.bias.data,
        _tup(stride, 2),
        _pads_of(padding, kernel, _tup(dilation, 2), 2),
        _tup(dilation, 2),
        groups,
    )
    np.testing.assert_allclose(layer(x).data, expected, atol=1e-12)
    # the functional form gives the same, and an unbatched (C, H, W) input works too
    fx = F.conv2d(x, layer.weight, layer.bias, stride, padding, dilation, groups)
    np.testing.assert_allclose(fx.data, expected, atol=1e-12)
    np.testing.assert_allclose(layer(x[1]).data, expected[1], atol=1e-12)


@pytest.mark.parametrize(
    ("kernel", "stride", "padding", "dilation", "groups"),
    [(3, 1, 1, 1, 1), (2, 3, 0, 1, 2), (3, 2, "same", 1, 1), (3, 1, "same", 2, 2), (1, 1, 2, 1, 1)],
)
def test_conv1d_matches_the_nested_loop_definition(kernel, stride, padding, dilation, groups):
    if padding == "same" and stride != 1:
        with pytest.raises(ValueError, match="'same' is not supported for strided"):
            nn.Conv1d(2, 4, kernel, stride, padding)
        return
    layer = nn.Conv1d(2, 4, kernel, stride, padding, dilation, groups, seed=1)
    x = RNG.standard_normal((3, 2, 9))
    expected = conv_reference(
        x,
        layer.weight.data,
        layer.bias.data,
        (stride,),
        _pads_of(padding, (kernel,), (dilation,), 1),
        (dilation,),
        groups,
    )
    np.testing.assert_allclose(layer(x).data, expected, atol=1e-12)
    if padding == "same":
        assert layer(x).shape[-1] == 9


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("padding", [(1, 2), "same"])
def test_padding_modes_pad_the_input_as_numpy_then_convolve(mode, padding):
    layer = nn.Conv2d(2, 3, (3, 4), padding=padding, padding_mode=mode, seed=2)
    x = RNG.standard_normal((2, 2, 5, 6))
    pads = _pads_of(padding, (3, 4), (1, 1), 2)
    np_mode = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode]
    padded = np.pad(x, ((0, 0), (0, 0), *pads), mode=np_mode)
    expected = conv_reference(padded, layer.weight.data, layer.bias.data, (1, 1), ((0, 0), (0, 0)), (1, 1), 1)
    np.testing.assert_allclose(layer(x).data, expected, atol=1e-12)


def test_conv1d_padding_modes():
    x = RNG.standard_normal((2, 1, 6))
    for mode, np_mode in (("reflect", "reflect"), ("replicate", "edge"), ("circular", "wrap")):
        layer = nn.Conv1d(1, 2, 3, padding=2, padding_mode=mode, seed=3)
        padded = np.pad(x, ((0, 0), (0, 0), (2, 2)), mode=np_mode)
        expected = conv_reference(padded, layer.weight.data, layer.bias.data, (1,), ((0, 0),), (1,), 1)
        np.testing.assert_allclose(layer(x).data, expected, atol=1e-12)


@pytest.mark.parametrize(
    ("stride", "padding", "output_padding", "dilation", "groups", "size"),
    [
        (1, 0, 0, 1, 1, (3, 4)),
        (2, 1, 1, 1, 2, (3, 3)),
        ((2, 3), (0, 1), (1, 2), 1, 1, (2, 3)),
        (1, 1, 0, 2, 1, (4, 3)),
        (3, 0, 0, 1, 2, (2, 2)),
        (1, 1, 0, 1, 1, (2, 17)),  # a wide map: the other col2im layout
    ],
)
def test_conv_transpose2d_matches_the_scatter_definition(
    stride, padding, output_padding, dilation, groups, size
):
    layer = nn.ConvTranspose2d(
        4, 2, (3, 2), stride, padding, output_padding, groups, dilation=dilation, seed=4
    )
    assert layer.weight.shape == (4, 2 // groups, 3, 2)
    x = RNG.standard_normal((2, 4, *size))
    expected = conv_transpose_reference(
        x,
        layer.weight.data,
        layer.bias.data,
        _tup(stride, 2),
        _tup(padding, 2),
        _tup(output_padding, 2),
        _tup(dilation, 2),
        groups,
    )
    np.testing.assert_allclose(layer(x).data, expected, atol=1e-12)


def test_conv_transpose_output_size_picks_the_output_padding():
    layer = nn.ConvTranspose2d(1, 1, 3, stride=2, padding=1, seed=5)
    x = RNG.standard_normal((1, 1, 4, 4))
    assert layer(x).shape == (1, 1, 7, 7)
    y = layer(x, output_size=(8, 8))
    assert y.shape == (1, 1, 8, 8)
    expected = conv_transpose_reference(
        x, layer.weight.data, layer.bias.data, (2, 2), (1, 1), (1, 1), (1, 1), 1
    )
    np.testing.assert_allclose(y.data, expected, atol=1e-12)
    with pytest.raises(ValueError, match="not reachable"):
        layer(x, output_size=(9, 9))


def test_conv_transpose_is_the_adjoint_of_conv():
    # ⟨conv2d(x, w), y⟩ = ⟨x, conv_transpose2d(y, w)⟩ for every x, y (same stride/padding/dilation/groups)
    w = RNG.standard_normal((4, 1, 3, 2))
    x = RNG.standard_normal((2, 2, 7, 6))
    conv = F.conv2d(x, w, stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2)
    y = RNG.standard_normal(conv.shape)
    back = F.conv_transpose2d(y, w, stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2)
    assert back.shape == x.shape
    assert math.isclose(float((conv.data * y).sum()), float((x * back.data).sum()), rel_tol=1e-12)


# ---------------------------------------------------------------- gradients


@pytest.mark.parametrize("setting", CONV2D_SETTINGS[:4])
def test_conv2d_gradients_first_and_second_order(setting):
    c_in, c_out, kernel, stride, padding, dilation, groups, _, size = setting
    x = RNG.standard_normal((2, c_in, *size))
    w = RNG.standard_normal((c_out, c_in // groups, *kernel))
    b = RNG.standard_normal(c_out)
    check_first_and_second(lambda x, w, b: F.conv2d(x, w, b, stride, padding, dilation, groups), x, w, b)


def test_conv1d_gradients_first_and_second_order():
    x, w, b = RNG.standard_normal((2, 2, 8)), RNG.standard_normal((3, 2, 3)), RNG.standard_normal(3)
    check_first_and_second(lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1, dilation=2), x, w, b)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_padding_mode_gradients_first_and_second_order(mode):
    layer = nn.Conv2d(1, 2, 3, padding=(1, 2), padding_mode=mode, seed=6)
    x = RNG.standard_normal((1, 1, 4, 5))
    check_first_and_second(layer, x)  # through the pad op's VJP (and its adjoint's, second order)
    w, b = layer.weight.data, layer.bias.data

    def f(x, w, b):  # the layer's own code path, with the weight and bias as inputs
        return conv_module._convnd(x, w, b, 1, (1, 2), 1, 1, 2, "Conv2d", mode)

    np.testing.assert_allclose(f(x, w, b).data, layer(x).data)
    check_first_and_second(f, x, w, b)


def test_conv_transpose2d_gradients_first_and_second_order():
    x = RNG.standard_normal((2, 4, 3, 2))
    w = RNG.standard_normal((4, 1, 2, 3))
    b = RNG.standard_normal(2)
    check_first_and_second(
        lambda x, w, b: F.conv_transpose2d(
            x, w, b, stride=2, padding=(1, 0), output_padding=1, groups=2, dilation=(1, 2)
        ),
        x,
        w,
        b,
    )


def test_weight_gradient_is_the_input_correlated_with_the_upstream_gradient():
    """Hand-derived: W̄[o, c, i, j] = Σₙ Σ_{p,q} x_pad[n, c, p·s + i·d, q·s + j·d] ḡ[n, o, p, q]."""
    stride, dilation, pad = (2, 1), (1, 2), ((1, 1), (0, 2))
    x = am.tensor(RNG.standard_normal((2, 3, 6, 5)), requires_grad=True)
    w = am.tensor(RNG.standard_normal((4, 3, 3, 2)), requires_grad=True)
    y = F.conv2d(x, w, stride=stride, padding=(1, 0), dilation=dilation)  # pad (1, 1), (0, 0)
    pad = ((1, 1), (0, 0))
    g = RNG.standard_normal(y.shape)
    y.backward(gradient=g)
    xp = np.pad(x.data, ((0, 0), (0, 0), *pad))
    expected = np.zeros(w.shape)
    for o, c, i, j in itertools.product(*(range(s) for s in w.shape)):
        for n, p, q in itertools.product(range(g.shape[0]), range(g.shape[2]), range(g.shape[3])):
            expected[o, c, i, j] += (
                xp[n, c, p * stride[0] + i * dilation[0], q * stride[1] + j * dilation[1]] * g[n, o, p, q]
            )
    np.testing.assert_allclose(w.grad.data, expected, atol=1e-12)
    # and x̄ is the transposed convolution of ḡ with W (the scatter, written out above)
    x_bar = conv_transpose_reference(g, w.data, None, stride, (1, 0), (1, 0), dilation, 1)
    np.testing.assert_allclose(x.grad.data, x_bar[:, :, : x.shape[2], : x.shape[3]], atol=1e-12)


def test_bias_gradient_sums_over_batch_and_positions():
    layer = nn.Conv2d(2, 3, 2, seed=7)
    y = layer(RNG.standard_normal((4, 2, 5, 5)))
    g = RNG.standard_normal(y.shape)
    y.backward(gradient=g)
    np.testing.assert_allclose(layer.bias.grad.data, g.sum(axis=(0, 2, 3)))


def test_forward_mode_jvp_agrees_with_the_vjp():
    """⟨J ẋ, ḡ⟩ = ⟨ẋ, Jᵀ ḡ⟩ for the conv layer as a function of (x, w, b)."""
    x, w, b = RNG.standard_normal((2, 2, 5, 4)), RNG.standard_normal((4, 1, 2, 3)), RNG.standard_normal(4)
    tx, tw, tb = (RNG.standard_normal(a.shape) for a in (x, w, b))

    def f(x, w, b):
        return F.conv2d(x, w, b, stride=(1, 2), padding=1, groups=2)

    out, tangent = am.jvp(f, (x, w, b), (tx, tw, tb))
    g = RNG.standard_normal(np.shape(out))
    _, vjp_fn = am.vjp(f, x, w, b)
    gx, gw, gb = vjp_fn(g)
    lhs = float((np.asarray(tangent) * g).sum())
    rhs = float((tx * gx).sum() + (tw * gw).sum() + (tb * gb).sum())
    assert math.isclose(lhs, rhs, rel_tol=1e-10)


def test_float32_stays_float32():
    layer = nn.Conv2d(2, 3, 3, padding=1, dtype=np.float32, seed=8)
    x = am.tensor(RNG.standard_normal((2, 2, 5, 5)).astype(np.float32), requires_grad=True)
    y = layer(x)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32 and layer.weight.grad.dtype == np.float32


# ---------------------------------------------------------------- layer contract


def test_parameter_shapes_state_dict_and_default_init_are_pytorchs():
    conv = nn.Conv2d(6, 16, (3, 5), groups=2, seed=9)
    assert conv.weight.shape == (16, 3, 3, 5) and conv.bias.shape == (16,)
    assert list(conv.state_dict()) == ["weight", "bias"]
    bound = 1.0 / math.sqrt(3 * 3 * 5)  # kaiming_uniform_(a=√5): 1/√fan_in, fan_in = 3·15
    assert np.abs(conv.weight.data).max() <= bound and np.abs(conv.bias.data).max() <= bound
    assert abs(conv.weight.data.std() - bound / math.sqrt(3.0)) < 0.1 * bound  # U(-b, b): std b/√3
    tconv = nn.ConvTranspose2d(16, 6, 3, groups=2, seed=9)
    assert tconv.weight.shape == (16, 3, 3, 3) and tconv.bias.shape == (6,)
    tbound = 1.0 / math.sqrt(3 * 9)  # fan_in = weight.shape[1]·k² = (out/groups)·9, as PyTorch
    assert np.abs(tconv.weight.data).max() <= tbound and np.abs(tconv.bias.data).max() <= tbound
    assert abs(tconv.weight.data.std() - tbound / math.sqrt(3.0)) < 0.15 * tbound
    assert repr(nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False)) == (
        "Conv2d(3, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), bias=False)"
    )


def test_bad_arguments_are_explained():
    with pytest.raises(ValueError, match=r"expects an input with 3 channels.*\(2, 4, 5, 5\)"):
        nn.Conv2d(3, 2, 3)(np.zeros((2, 4, 5, 5)))
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="padding_mode"):
        nn.Conv2d(1, 1, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match="'same' is not supported for strided"):
        nn.Conv2d(1, 1, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="smaller than the input size"):
        nn.Conv2d(1, 1, 3, padding=3, padding_mode="reflect")(np.zeros((1, 1, 3, 3)))
    with pytest.raises(ValueError, match="spans 5"):
        nn.Conv2d(1, 1, 3, dilation=2)(np.zeros((1, 1, 4, 8)))
    with pytest.raises(ValueError, match="4-D"):
        nn.Conv2d(1, 1, 3)(np.zeros((5, 5)))
    with pytest.raises(ValueError, match="output_padding"):
        nn.ConvTranspose2d(1, 1, 3, stride=2, output_padding=2)


def test_a_small_cnn_trains_and_its_picture_is_readable():
    cnn = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1, seed=0),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(4, 8, 3, padding=1, seed=1),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(8, 3, seed=2),
    )
    x = RNG.standard_normal((6, 1, 8, 8))
    y = np.array([0, 1, 2, 0, 1, 2])
    opt = nn.optim.Adam(cnn.parameters(), lr=0.05)
    losses = []
    for _ in range(30):
        loss = F.cross_entropy(cnn(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    loss = F.cross_entropy(cnn(x), y)
    loss.backward()
    dot = am.viz.draw_graph(loss, module=cnn, box_modules=True).source
    for name in ("Conv2d", "MaxPool2d", "AdaptiveAvgPool2d", "Flatten", "Linear"):
        assert name in dot
    assert dot.count("->") < 40  # one box per layer: a readable picture


def test_gradients_on_a_wide_map():
    # width >= 16: the input gradient folds in (N, C, H, W) layout instead of channels-last
    x, w, b = RNG.standard_normal((1, 2, 3, 17)), RNG.standard_normal((2, 2, 2, 3)), RNG.standard_normal(2)
    check_first_and_second(lambda x, w, b: F.conv2d(x, w, b, padding=1, dilation=(1, 2)), x, w, b)


def test_the_fused_op_agrees_with_the_same_convolution_built_from_ops():
    """pad + sliding windows + einsum (three ops, each with its own rules) give the same values
    and gradients as the one fused conv op."""
    x0, w0, b0 = RNG.standard_normal((2, 3, 6, 5)), RNG.standard_normal((4, 3, 3, 2)), RNG.standard_normal(4)

    def composite(x, w, b):
        xp = am.pad(x, ((0, 0), (0, 0), (1, 1), (0, 0)))
        windows = am.sliding_window_view(xp, (3, 2), axis=(2, 3))  # (N, C, H', W', 3, 2)
        return am.einsum("nchwpq,fcpq->nfhw", windows, w) + b.reshape(1, -1, 1, 1)

    grads = []
    for f in (composite, lambda x, w, b: F.conv2d(x, w, b, padding=(1, 0))):
        x, w, b = (am.tensor(a, requires_grad=True) for a in (x0, w0, b0))
        y = f(x, w, b)
        (y * y).sum().backward()
        grads.append([y.data, x.grad.data, w.grad.data, b.grad.data])
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, atol=1e-12)
