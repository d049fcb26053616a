"""PReLU, Bilinear, InstanceNorm1d/2d, Dropout1d/2d, AlphaDropout, ParameterList/Dict, the
padding layers, PixelShuffle/Unshuffle, CosineSimilarity, PairwiseDistance and
AdaptiveMaxPool1d/2d: values against NumPy formulas written here, float64 finite-difference
gradients (first and second order), forward mode, state_dict keys, train/eval behaviour,
compiled steps, float32 and shape errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from grad_checks import check_first_and_second

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.nn import functional as F  # noqa: N812 (PyTorch's habit)

RNG = np.random.default_rng(2024)


def away_from_zero(shape, seed=0):
    """Random values with |x| in [0.2, 1.5], so kinks at 0 are not straddled by finite differences."""
    rng = np.random.default_rng(seed)
    return rng.uniform(0.2, 1.5, shape) * rng.choice([-1.0, 1.0], shape)


def jvp_matches_finite_differences(f, x, v, eps=1e-6):
    _, tangent = am.jvp(f, (x,), (v,))
    expected = (np.asarray(f(am.tensor(x + eps * v)).data) - np.asarray(f(am.tensor(x - eps * v)).data)) / (
        2 * eps
    )
    np.testing.assert_allclose(np.asarray(tangent), expected, rtol=1e-6, atol=1e-8)


# ---------------------------------------------------------------- PReLU


def test_prelu_values_state_dict_and_slopes_per_channel():
    x = RNG.standard_normal((2, 3, 4))
    shared = nn.PReLU()
    assert list(shared.state_dict()) == ["weight"] and shared.weight.shape == (1,)
    np.testing.assert_array_equal(shared.weight.data, [0.25])
    np.testing.assert_allclose(shared(x).data, np.where(x > 0, x, 0.25 * x))
    per_channel = nn.PReLU(3, init=0.1)
    per_channel.weight.data = np.array([0.1, -0.5, 2.0])
    expected = np.where(x > 0, x, np.array([0.1, -0.5, 2.0])[None, :, None] * x)
    np.testing.assert_allclose(per_channel(x).data, expected)
    # PyTorch's attribute, and Module.num_parameters() (the same count) still answers
    assert per_channel.num_parameters == 3 and per_channel.num_parameters() == 3
    assert repr(per_channel) == "PReLU(num_parameters=3)"
    # a 1-D input has one channel: one shared slope
    np.testing.assert_allclose(F.prelu(np.array([-2.0, 3.0]), np.array([0.5])).data, [-1.0, 3.0])


def test_prelu_gradients_first_second_order_forward_mode_and_at_zero():
    x = away_from_zero((2, 3, 4), 1)
    w = np.array([0.3, -0.4, 1.2])
    check_first_and_second(F.prelu, x, w)
    check_first_and_second(F.prelu, x, np.array([0.2]))
    jvp_matches_finite_differences(lambda t: F.prelu(t, w), x, RNG.standard_normal(x.shape))
    # at x = 0 the gradient is a·ȳ (PyTorch's choice: the x ≤ 0 branch)
    t = am.tensor(np.array([[0.0, 1.0, -2.0]]), requires_grad=True)
    a = am.tensor(np.array([0.25]), requires_grad=True)
    F.prelu(t, a).sum().backward()
    np.testing.assert_array_equal(t.grad.data, [[0.25, 1.0, 0.25]])
    np.testing.assert_array_equal(a.grad.data, [-2.0])


def test_prelu_errors_name_the_layer_shapes_and_fix():
    with pytest.raises(
        ValueError, match=r"PReLU: weight has 2 slopes .*\(4, 3\).*3 channel.*num_parameters=3"
    ):
        nn.PReLU(2)(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"prelu: weight has 2 slopes"):  # the function names itself
        F.prelu(np.ones((4, 3)), np.ones(2))
    with pytest.raises(ValueError, match="num_parameters must be a positive int"):
        nn.PReLU(0)


# ---------------------------------------------------------------- Bilinear


def test_bilinear_values_init_and_state_dict():
    layer = nn.Bilinear(3, 4, 5, seed=0)
    assert [(k, v.shape) for k, v in layer.state_dict().items()] == [("weight", (5, 3, 4)), ("bias", (5,))]
    bound = 1 / math.sqrt(3)
    assert np.abs(layer.weight.data).max() <= bound and np.abs(layer.bias.data).max() <= bound
    assert np.abs(layer.weight.data).max() > 0.8 * bound  # drawn over the whole interval
    x1, x2 = RNG.standard_normal((2, 6, 3)), RNG.standard_normal((2, 6, 4))
    w, b = layer.weight.data, layer.bias.data
    expected = np.zeros((2, 6, 5))
    for i in range(2):
        for j in range(6):
            for o in range(5):
                expected[i, j, o] = x1[i, j] @ w[o] @ x2[i, j] + b[o]
    np.testing.assert_allclose(layer(x1, x2).data, expected, rtol=1e-12)
    assert list(nn.Bilinear(3, 4, 5, bias=False).state_dict()) == ["weight"]
    assert repr(layer) == "Bilinear(in1_features=3, in2_features=4, out_features=5, bias=True)"


def test_bilinear_gradients():
    x1, x2 = RNG.standard_normal((4, 3)), RNG.standard_normal((4, 2))
    w, b = RNG.standard_normal((5, 3, 2)), RNG.standard_normal(5)
    check_first_and_second(F.bilinear, x1, x2, w, b)


def test_bilinear_shape_errors():
    layer = nn.Bilinear(3, 4, 5, seed=0)
    with pytest.raises(
        ValueError, match=r"Bilinear: the weight of shape \(5, 3, 4\) expects input1 \(\*, 3\)"
    ):
        layer(np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(
        ValueError, match=r"Bilinear: input1 \(2, 3\) and input2 \(3, 4\) must have the same leading"
    ):
        layer(np.ones((2, 3)), np.ones((3, 4)))


# ---------------------------------------------------------------- InstanceNorm


def instance_reference(x, eps=1e-5):
    axes = tuple(range(2, x.ndim))
    return (x - x.mean(axis=axes, keepdims=True)) / np.sqrt(x.var(axis=axes, keepdims=True) + eps)


@pytest.mark.parametrize(
    ("layer_type", "shape"), [(nn.InstanceNorm1d, (3, 2, 5)), (nn.InstanceNorm2d, (2, 2, 3, 4))]
)
def test_instance_norm_values_affine_and_unbatched(layer_type, shape):
    x = RNG.normal(2.0, 3.0, shape)
    plain = layer_type(2)
    assert list(plain.state_dict()) == [] and plain.weight is None
    np.testing.assert_allclose(plain(x).data, instance_reference(x), rtol=1e-10, atol=1e-12)
    plain.eval()  # without running statistics evaluation uses each instance's statistics too
    np.testing.assert_allclose(plain(x).data, instance_reference(x), rtol=1e-10, atol=1e-12)
    affine = layer_type(2, affine=True)
    assert [(k, v.shape) for k, v in affine.state_dict().items()] == [("weight", (2,)), ("bias", (2,))]
    gamma, beta = np.array([0.5, 2.0]), np.array([1.0, -1.0])
    affine.weight.data, affine.bias.data = gamma, beta
    shape_c = (1, 2) + (1,) * (len(shape) - 2)
    expected = instance_reference(x) * gamma.reshape(shape_c) + beta.reshape(shape_c)
    np.testing.assert_allclose(affine(x).data, expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(affine(x[0]).data, expected[0], rtol=1e-10, atol=1e-12)  # (C, *) input


def test_instance_norm_running_statistics_match_pytorch_rule():
    layer = nn.InstanceNorm1d(3, momentum=0.2, track_running_stats=True)
    keys = [(k, v.shape) for k, v in layer.state_dict().items()]
    assert keys == [("running_mean", (3,)), ("running_var", (3,)), ("num_batches_tracked", ())]
    mean, var = np.zeros(3), np.ones(3)
    for _ in range(2):
        x = RNG.normal(1.0, 2.0, (4, 3, 6))
        np.testing.assert_allclose(layer(x).data, instance_reference(x), rtol=1e-10, atol=1e-12)
        # the batch average of the instances' means and unbiased variances (L = 6 positions)
        mean = 0.8 * mean + 0.2 * x.mean(axis=2).mean(axis=0)
        var = 0.8 * var + 0.2 * x.var(axis=2, ddof=1).mean(axis=0)
        np.testing.assert_allclose(layer.running_mean.data, mean, rtol=1e-12)
        np.testing.assert_allclose(layer.running_var.data, var, rtol=1e-12)
    layer.eval()  # evaluation normalises with the running statistics
    x = RNG.normal(size=(2, 3, 6))
    expected = (x - mean[None, :, None]) / np.sqrt(var[None, :, None] + 1e-5)
    np.testing.assert_allclose(layer(x).data, expected, rtol=1e-10)
    np.testing.assert_allclose(layer.running_mean.data, mean)  # not updated in evaluation
    full = nn.InstanceNorm2d(2, affine=True, track_running_stats=True)
    assert list(full.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]


def test_instance_norm_gradients_first_and_second_order():
    x = RNG.standard_normal((2, 3, 4))
    w, b = RNG.uniform(0.5, 1.5, 3), RNG.standard_normal(3)
    check_first_and_second(lambda t, g, h: F.instance_norm(t, weight=g, bias=h), x, w, b)
    x2 = RNG.standard_normal((1, 2, 3, 2))
    check_first_and_second(lambda t: nn.InstanceNorm2d(2)(t), x2)


def test_instance_norm_shape_errors_and_channel_mismatch():
    with pytest.raises(
        ValueError, match=r"InstanceNorm1d: expected a 2-D or 3-D input .*shape \(2, 3, 4, 5\)"
    ):
        nn.InstanceNorm1d(3)(np.ones((2, 3, 4, 5)))
    with pytest.raises(
        ValueError, match=r"InstanceNorm2d: the input of shape \(1, 4, 3, 3\) has 4 channels.*num_features=4"
    ):
        nn.InstanceNorm2d(3, affine=True)(np.ones((1, 4, 3, 3)))
    with pytest.warns(UserWarning, match="not used, since affine=False"):  # PyTorch only warns here
        nn.InstanceNorm1d(3)(RNG.standard_normal((2, 4, 5)))
    with pytest.raises(ValueError, match="more than 1 spatial element"):
        F.instance_norm(np.ones((2, 3, 1)))


# ---------------------------------------------------------------- channel dropout


@pytest.mark.parametrize(
    ("layer_type", "shape"), [(nn.Dropout1d, (40, 30, 5)), (nn.Dropout2d, (40, 30, 3, 2))]
)
def test_channel_dropout_zeroes_whole_channels_and_scales_the_rest(layer_type, shape):
    p = 0.3
    layer = layer_type(p, seed=0)
    x = am.tensor(RNG.uniform(0.5, 1.5, shape), requires_grad=True)
    out = layer(x)
    ratio = (out.data / x.data).reshape(shape[0], shape[1], -1)
    # every channel is all zeros or all x/(1 - p)
    per_channel = ratio[:, :, 0]
    np.testing.assert_allclose(ratio, np.broadcast_to(per_channel[..., None], ratio.shape))
    assert set(np.round(np.unique(per_channel), 12)) == {0.0, round(1 / (1 - p), 12)}
    dropped = (per_channel == 0).mean()
    assert abs(dropped - p) < 0.05  # 1200 channels
    out.sum().backward()  # derivative: the channel's mask / (1 - p)
    np.testing.assert_allclose(x.grad.data, out.data / x.data)
    layer.eval()
    assert layer(x) is x
    assert repr(layer) == f"{layer_type.__name__}(p=0.3, inplace=False)"


def test_channel_dropout_edge_cases_unbatched_and_errors():
    x = RNG.uniform(0.5, 1.5, (6, 8))  # (C, L)
    out = F.dropout1d(x, 0.5, generator=1).data
    assert all(np.all(row == 0) or np.allclose(row, 2 * x[i]) for i, row in enumerate(out))
    np.testing.assert_array_equal(F.dropout1d(x, 1.0).data, np.zeros_like(x))
    image = am.tensor(x[None, :, :, None])
    assert F.dropout2d(image, 0.0) is image  # p = 0: the identity
    np.testing.assert_array_equal(F.dropout1d(x, 0.7, training=False).data, x)
    with pytest.warns(UserWarning, match=r"dropout2d: received a 3-D input .* Use dropout1d"):
        out3 = F.dropout2d(np.ones((2, 6, 4)), 0.5, generator=0).data
    assert np.all((out3 == 0).all(axis=2) | (out3 == 2).all(axis=2))  # channels of (N, C, L)
    with pytest.raises(
        ValueError,
        match=r"Dropout1d: expected a 2-D \(C, L\) or 3-D \(N, C, L\) input, got shape \(2, 3, 4, 5\)",
    ):
        nn.Dropout1d()(np.ones((2, 3, 4, 5)))
    with pytest.raises(ValueError, match=r"Dropout2d: expected a 4-D .*shape \(3, 4\).*unsqueeze"):
        nn.Dropout2d()(np.ones((3, 4)))
    with pytest.raises(ValueError, match="p must be a probability"):
        nn.Dropout1d(1.5)
    # the same seed gives the same masks
    np.testing.assert_array_equal(
        nn.Dropout2d(seed=3)(np.ones((4, 5, 2, 2))).data, nn.Dropout2d(seed=3)(np.ones((4, 5, 2, 2))).data
    )


def test_alpha_dropout_keeps_mean_and_variance():
    p, alpha = 0.2, 1.7580993408473766
    a = ((1 - p) * (1 + p * alpha**2)) ** -0.5
    values = np.random.default_rng(5).standard_normal(200_000)
    values[np.abs(values + alpha) < 1e-3] += 0.01  # kept x = -α would look like a dropped unit
    x = am.tensor(values, requires_grad=True)
    layer = nn.AlphaDropout(p, seed=0)
    out = layer(x)
    kept = np.isclose(out.data, a * x.data + a * alpha * p)
    dropped = np.isclose(out.data, -a * alpha * (1 - p))
    assert np.all(kept | dropped)
    assert abs(dropped.mean() - p) < 0.005
    assert abs(out.data.mean()) < 0.01 and abs(out.data.var() - 1.0) < 0.01
    out.sum().backward()  # derivative: a on the kept entries, 0 on the dropped ones
    np.testing.assert_allclose(x.grad.data, np.where(kept & ~dropped, a, 0.0))
    layer.eval()
    assert layer(x) is x
    assert F.alpha_dropout(x, 0.5) is x  # PyTorch's functional default: training=False
    np.testing.assert_array_equal(F.alpha_dropout(x, 1.0, training=True).data, 0.0)


# ---------------------------------------------------------------- ParameterList / ParameterDict


class Holder(nn.Module):
    def __init__(self):
        super().__init__()
        self.scales = nn.ParameterList([np.ones(2), nn.Parameter(np.zeros((2, 3)))])
        self.heads = nn.ParameterDict({"mean": np.ones(3), "logvar": am.tensor(np.zeros(1))})


def test_parameter_containers_register_their_entries():
    model = Holder()
    names = [(name, p.shape) for name, p in model.named_parameters()]
    assert names == [("scales.0", (2,)), ("scales.1", (2, 3)), ("heads.mean", (3,)), ("heads.logvar", (1,))]
    assert list(model.state_dict()) == ["scales.0", "scales.1", "heads.mean", "heads.logvar"]
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in model.parameters())
    # an optimizer sees and updates them
    loss = (model.scales[0] * 2.0).sum() + (model.heads["mean"] ** 2).sum()
    loss.backward()
    nn.optim.SGD(model.parameters(), lr=0.5).step()
    np.testing.assert_allclose(model.scales[0].data, [0.0, 0.0])
    np.testing.assert_allclose(model.heads["mean"].data, [0.0, 0.0, 0.0])
    # state dicts round-trip
    other = Holder()
    other.load_state_dict(model.state_dict())
    np.testing.assert_array_equal(other.scales[0].data, [0.0, 0.0])


def test_parameter_list_behaves_like_a_list():
    plist = nn.ParameterList()
    plist.append(np.ones(1)).extend([np.zeros(2), np.zeros(3)])
    plist += [np.ones(4)]
    assert len(plist) == 4 and [p.shape for p in plist] == [(1,), (2,), (3,), (4,)]
    assert plist[-1].shape == (4,) and [p.shape for p in plist[1:3]] == [(2,), (3,)]
    replacement = nn.Parameter(np.full(5, 7.0))
    plist[1] = replacement
    assert plist[1] is replacement and dict(plist.named_parameters())["1"] is replacement
    assert repr(plist).splitlines()[1] == "  (0): Parameter containing: [float64 of size 1]"
    with pytest.raises(IndexError, match="ParameterList index 4 is out of range for length 4"):
        plist[4]
    with pytest.raises(TypeError, match=r"ParameterList.append: expected an nn.Parameter.*got int"):
        plist.append(3)
    with pytest.raises(NotImplementedError, match="ParameterList has no forward"):
        plist()


def test_parameter_dict_behaves_like_a_dict():
    pdict = nn.ParameterDict([("a", np.ones(2))])
    pdict.update({"b": np.zeros(3)})
    assert pdict.keys() == ["a", "b"] and "a" in pdict and len(pdict) == 2 and list(pdict) == ["a", "b"]
    assert [k for k, _ in pdict.items()] == ["a", "b"] and pdict.get("c") is None
    popped = pdict.pop("a")
    assert popped.shape == (2,) and list(pdict.state_dict()) == ["b"]
    del pdict["b"]
    assert len(pdict) == 0
    with pytest.raises(KeyError, match="ParameterDict has no parameter 'z'"):
        pdict["z"]
    with pytest.raises(KeyError, match=r"without '\.'"):
        pdict["a.b"] = np.ones(1)
    with pytest.raises(KeyError, match="'training' is an attribute of the module"):
        pdict["training"] = np.ones(1)
    with pytest.raises(TypeError, match="keys must be strings"):
        pdict[0] = np.ones(1)


# ---------------------------------------------------------------- padding


@pytest.mark.parametrize(
    ("layer", "mode", "kwargs"),
    [
        (nn.ReflectionPad1d((2, 1)), "reflect", {}),
        (nn.ReplicationPad1d((2, 1)), "edge", {}),
        (nn.ConstantPad1d((2, 1), 3.5), "constant", {"constant_values": 3.5}),
        (nn.ZeroPad1d((2, 1)), "constant", {}),
    ],
)
def test_padding_1d_values_match_numpy(layer, mode, kwargs):
    x = RNG.standard_normal((2, 3, 4))
    np.testing.assert_array_equal(layer(x).data, np.pad(x, ((0, 0), (0, 0), (2, 1)), mode=mode, **kwargs))
    np.testing.assert_array_equal(layer(x[0]).data, np.pad(x[0], ((0, 0), (2, 1)), mode=mode, **kwargs))


@pytest.mark.parametrize(
    ("layer", "mode", "kwargs"),
    [
        (nn.ReflectionPad2d((1, 2, 0, 2)), "reflect", {}),
        (nn.ReplicationPad2d((1, 2, 0, 2)), "edge", {}),
        (nn.ConstantPad2d((1, 2, 0, 2), -1.0), "constant", {"constant_values": -1.0}),
        (nn.ZeroPad2d((1, 2, 0, 2)), "constant", {}),
    ],
)
def test_padding_2d_values_match_numpy_and_gradients(layer, mode, kwargs):
    x = RNG.standard_normal((1, 2, 3, 4))
    # (left, right, top, bottom): the last axis by (1, 2), the one before it by (0, 2)
    np.testing.assert_array_equal(
        layer(x).data, np.pad(x, ((0, 0), (0, 0), (0, 2), (1, 2)), mode=mode, **kwargs)
    )
    check_first_and_second(layer, x, second=False)


def test_padding_int_padding_negative_crop_repr_and_errors():
    assert (
        nn.ZeroPad2d(1).padding == (1, 1, 1, 1)
        and repr(nn.ZeroPad2d((1, 0, 2, 0))) == "ZeroPad2d((1, 0, 2, 0))"
    )
    assert repr(nn.ConstantPad1d(2, 3.5)) == "ConstantPad1d(padding=(2, 2), value=3.5)"
    assert repr(nn.ReflectionPad2d(1)) == "ReflectionPad2d((1, 1, 1, 1))"
    x = np.arange(12.0).reshape(1, 3, 4)
    np.testing.assert_array_equal(nn.ConstantPad1d((-1, 1), 0.0)(x).data[..., :-1], x[..., 1:])  # crops
    check_first_and_second(nn.ReflectionPad1d(3), RNG.standard_normal((1, 2, 5)))
    with pytest.raises(
        ValueError, match=r"ReflectionPad1d: padding \(4, 4\) of axis 2 must be smaller than its size 4"
    ):
        nn.ReflectionPad1d(4)(x)
    with pytest.raises(
        ValueError, match=r"ReplicationPad2d: expected a 3-D or 4-D input .*got shape \(3, 4\)"
    ):
        nn.ReplicationPad2d(1)(np.ones((3, 4)))
    with pytest.raises(ValueError, match=r"ZeroPad2d: padding must be an int or a tuple of 4 ints"):
        nn.ZeroPad2d((1, 2))
    with pytest.raises(ValueError, match="must not be negative"):
        nn.ReflectionPad1d(-1)


# ---------------------------------------------------------------- pixel shuffle


def test_pixel_shuffle_matches_the_index_formula_and_unshuffle_inverts_it():
    r = 2
    x = RNG.standard_normal((2, 3 * r * r, 3, 4))
    out = nn.PixelShuffle(r)(x).data
    assert out.shape == (2, 3, 6, 8)
    for c in range(3):
        for i in range(r):
            for j in range(r):
                np.testing.assert_array_equal(out[:, c, i::r, j::r], x[:, c * r * r + i * r + j])
    np.testing.assert_array_equal(nn.PixelUnshuffle(r)(out).data, x)
    np.testing.assert_array_equal(F.pixel_shuffle(x[0], r).data, out[0])  # no batch axis
    check_first_and_second(lambda t: F.pixel_shuffle(t, 2), RNG.standard_normal((1, 4, 2, 3)), second=False)
    check_first_and_second(lambda t: F.pixel_unshuffle(t, 3), RNG.standard_normal((2, 1, 3, 6)), second=False)
    with pytest.raises(
        ValueError, match=r"PixelShuffle: .*divisible by upscale_factor² = 4, got shape \(1, 6, 2, 2\)"
    ):
        nn.PixelShuffle(2)(np.ones((1, 6, 2, 2)))
    with pytest.raises(
        ValueError, match=r"PixelUnshuffle: .*divisible by downscale_factor = 2, got shape \(1, 1, 3, 4\)"
    ):
        nn.PixelUnshuffle(2)(np.ones((1, 1, 3, 4)))


# ---------------------------------------------------------------- distances


def test_cosine_similarity_values_broadcasting_zero_vectors_and_gradients():
    x1, x2 = RNG.standard_normal((4, 5)), RNG.standard_normal((4, 5))
    expected = (x1 * x2).sum(1) / (np.linalg.norm(x1, axis=1) * np.linalg.norm(x2, axis=1))
    np.testing.assert_allclose(nn.CosineSimilarity()(x1, x2).data, expected, rtol=1e-12)
    np.testing.assert_allclose(F.cosine_similarity(x1, x2[:1], dim=-1).data[:1], expected[:1], rtol=1e-12)
    np.testing.assert_allclose(nn.CosineSimilarity(dim=0)(x1.T, x2.T).data, expected, rtol=1e-12)
    # a zero vector: similarity 0 and a finite gradient (the norm is clamped at eps)
    z = am.tensor(np.zeros((1, 3)), requires_grad=True)
    out = F.cosine_similarity(z, np.ones((1, 3)))
    out.sum().backward()
    assert out.item() == 0.0 and np.all(np.isfinite(z.grad.data))
    check_first_and_second(F.cosine_similarity, x1, x2)
    jvp_matches_finite_differences(lambda t: F.cosine_similarity(t, x2), x1, RNG.standard_normal(x1.shape))
    with pytest.raises(
        ValueError, match=r"cosine_similarity: x1 of shape \(4, 5\) and x2 of shape \(3, 5\) do not broadcast"
    ):
        F.cosine_similarity(x1, x2[:3])


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, math.inf])
def test_pairwise_distance_values_and_gradients(p):
    x1, x2 = RNG.standard_normal((4, 3)), RNG.standard_normal((4, 3))
    d = np.abs(x1 - x2 + 1e-6)
    expected = d.max(axis=1) if p == math.inf else (d**p).sum(axis=1) ** (1 / p)
    layer = nn.PairwiseDistance(p=p)
    np.testing.assert_allclose(layer(x1, x2).data, expected, rtol=1e-12)
    assert nn.PairwiseDistance(p=p, keepdim=True)(x1, x2).shape == (4, 1)
    check_first_and_second(layer, x1, x2, second=p != math.inf)


# ---------------------------------------------------------------- adaptive max pooling


def adaptive_max_reference(x, sizes):
    """A loop over PyTorch's bins: each output is the max of x[..., ⌊i·L/o⌋ : ⌈(i+1)·L/o⌉]."""

    def bins(size, out):
        return [((i * size) // out, -((-(i + 1) * size) // out)) for i in range(out)]

    if len(sizes) == 1:
        values = np.stack([x[..., s:e].max(-1) for s, e in bins(x.shape[-1], sizes[0])], -1)
        positions = np.stack([s + x[..., s:e].argmax(-1) for s, e in bins(x.shape[-1], sizes[0])], -1)
        return values, positions
    n, c, h, w = x.shape
    values = np.zeros((n, c, *sizes))
    positions = np.zeros((n, c, *sizes), dtype=np.int64)
    for i, (r0, r1) in enumerate(bins(h, sizes[0])):
        for j, (c0, c1) in enumerate(bins(w, sizes[1])):
            window = x[:, :, r0:r1, c0:c1].reshape(n, c, -1)
            k = window.argmax(-1)  # first maximum, row-major
            values[:, :, i, j] = window.max(-1)
            positions[:, :, i, j] = (r0 + k // (c1 - c0)) * w + c0 + k % (c1 - c0)
    return values, positions


@pytest.mark.parametrize(
    ("shape", "sizes"), [((2, 3, 7), (3,)), ((2, 3, 7), (7,)), ((1, 2, 5, 7), (2, 3)), ((1, 2, 6, 4), (4, 3))]
)
def test_adaptive_max_pool_values_indices_and_gradients(shape, sizes):
    x = RNG.standard_normal(shape)
    layer = (nn.AdaptiveMaxPool1d if len(sizes) == 1 else nn.AdaptiveMaxPool2d)(sizes, return_indices=True)
    out, indices = layer(x)
    values, positions = adaptive_max_reference(x, sizes)
    np.testing.assert_array_equal(out.data, values)
    np.testing.assert_array_equal(indices.data, positions)
    assert indices.dtype == np.int64
    out1, idx1 = layer(x[0])  # no batch axis
    np.testing.assert_array_equal(out1.data, values[0])
    np.testing.assert_array_equal(idx1.data, positions[0])
    check_first_and_second(lambda t: layer(t)[0], x)


def test_adaptive_max_pool_ties_go_to_the_first_maximum_and_none_keeps_a_size():
    x = am.tensor(np.array([[[[1.0, 5.0, 5.0], [5.0, 0.0, 2.0]]]]), requires_grad=True)
    out, idx = F.adaptive_max_pool2d(x, 1, return_indices=True)
    out.sum().backward()
    assert idx.item() == 1
    np.testing.assert_array_equal(x.grad.data, [[[[0.0, 1.0, 0.0], [0.0, 0.0, 0.0]]]])
    assert F.adaptive_max_pool2d(np.ones((1, 1, 4, 6)), (2, None)).shape == (1, 1, 2, 6)
    # bins that divide the input evenly are ordinary max pooling
    y = RNG.standard_normal((2, 3, 6, 4))
    np.testing.assert_array_equal(F.adaptive_max_pool2d(y, (3, 2)).data, F.max_pool2d(y, 2).data)
    with pytest.raises(ValueError, match=r"AdaptiveMaxPool2d: expected a 3-D .* or 4-D .*got shape \(4, 6\)"):
        nn.AdaptiveMaxPool2d(2)(np.ones((4, 6)))


# ---------------------------------------------------------------- compiled steps and float32


def test_compiled_training_step_equals_eager():
    """PReLU, InstanceNorm with running statistics, Dropout1d, AdaptiveMaxPool1d and
    Bilinear in one step: the replays recompute masks and maxima and draw fresh dropout masks."""
    data = [np.random.default_rng(i).standard_normal((3, 2, 6)) for i in range(4)]
    runs = []
    for compiled in (False, True):
        act = nn.PReLU(2)
        norm = nn.InstanceNorm1d(2, affine=True, track_running_stats=True)
        drop = nn.Dropout1d(0.4, seed=0)
        pool = nn.AdaptiveMaxPool1d(4)
        head = nn.Bilinear(4, 4, 1, seed=0)
        params = [*act.parameters(), *norm.parameters(), *head.parameters()]
        opt = nn.optim.SGD(params, lr=0.01)

        def step(x, act=act, norm=norm, drop=drop, pool=pool, head=head, opt=opt):
            opt.zero_grad()
            h = pool(drop(norm(act(x))))
            loss = (head(h[:, 0], h[:, 1]) ** 2).mean()
            loss.backward()
            opt.step()
            return loss

        run = am.compile(step) if compiled else step
        losses = [run(am.tensor(x)).item() for x in data]
        runs.append((losses, act.weight.data.copy(), norm.running_var.data.copy(), head.weight.data.copy()))
    np.testing.assert_allclose(runs[1][0], runs[0][0], rtol=1e-12)
    for eager, replayed in zip(runs[0][1:], runs[1][1:]):
        np.testing.assert_allclose(replayed, eager, rtol=1e-12)


def test_float32_stays_float32():
    x = RNG.standard_normal((2, 4, 4, 4)).astype(np.float32)
    layers = [
        nn.PReLU(4, dtype=np.float32),
        nn.InstanceNorm2d(4, affine=True, track_running_stats=True, dtype=np.float32),
        nn.Dropout2d(0.5, seed=0),
        nn.AlphaDropout(0.3, seed=0),
        nn.ReflectionPad2d(1),
        nn.ConstantPad2d(1, 2.0),
        nn.PixelShuffle(2),
        nn.PixelUnshuffle(2),
        nn.AdaptiveMaxPool2d(3),
    ]
    for layer in layers:
        t = am.tensor(x, requires_grad=True)
        out = layer(t)
        out.sum().backward()
        assert out.dtype == np.float32 and t.grad.dtype == np.float32, type(layer).__name__
        assert all(p.grad.dtype == np.float32 for p in layer.parameters())
    bil = nn.Bilinear(4, 4, 2, dtype=np.float32, seed=0)
    assert bil(x[0, 0], x[0, 1]).dtype == np.float32
    assert F.cosine_similarity(x, x).dtype == np.float32
    assert F.pairwise_distance(x[0, 0], x[0, 1]).dtype == np.float32


def test_compiled_adaptive_max_pool_recomputes_positions_on_each_call():
    pool = nn.AdaptiveMaxPool2d((2, 2), return_indices=True)

    def forward(x):
        out, idx = pool(x)
        return out * 1.0, idx

    compiled = am.compile(forward)
    for seed in range(3):
        x = am.tensor(np.random.default_rng(seed).standard_normal((1, 2, 5, 3)))
        (out, idx), (eager_out, eager_idx) = compiled(x), forward(x)
        np.testing.assert_array_equal(out.data, eager_out.data)
        np.testing.assert_array_equal(idx.data, eager_idx.data)


@pytest.mark.parametrize(
    ("name", "f", "shape"),
    [
        (
            "instance_norm",
            lambda t: F.instance_norm(t, weight=np.array([0.5, 2.0]), bias=np.ones(2)),
            (2, 2, 5),
        ),
        ("bilinear", lambda t: F.bilinear(t, t[:, :2] * 2.0, np.arange(12.0).reshape(2, 3, 2) / 10), (4, 3)),
        ("adaptive_max_pool2d", lambda t: F.adaptive_max_pool2d(t, (2, 3)), (1, 2, 5, 4)),
        ("pixel_unshuffle", lambda t: F.pixel_unshuffle(t, 2), (1, 1, 4, 2)),
        ("pairwise_distance", lambda t: F.pairwise_distance(t, t[::-1] * 0.5), (3, 4)),
        ("reflection_pad", nn.ReflectionPad2d((2, 1, 1, 0)), (1, 1, 3, 4)),
    ],
)
def test_forward_mode_matches_finite_differences(name, f, shape):
    """Forward mode (am.jvp) comes from the ops too: one pass, against central differences."""
    rng = np.random.default_rng(len(name))
    jvp_matches_finite_differences(f, rng.standard_normal(shape), rng.standard_normal(shape))


def test_instance_norm_shares_batch_norms_state_and_resets():
    m = nn.InstanceNorm1d(3, affine=True, track_running_stats=True)
    assert [k for k in m.state_dict()] == ["weight", "bias", "running_mean", "running_var",
                                           "num_batches_tracked"]
    m(np.random.default_rng(0).standard_normal((2, 3, 5)))
    m.weight.data = np.full(3, 2.0)
    assert not np.allclose(m.running_mean.numpy(), 0.0)
    m.reset_parameters()
    np.testing.assert_array_equal(m.running_mean.numpy(), np.zeros(3))
    np.testing.assert_array_equal(m.running_var.numpy(), np.ones(3))
    np.testing.assert_array_equal(m.weight.numpy(), np.ones(3))
    assert repr(m) == "InstanceNorm1d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)"
