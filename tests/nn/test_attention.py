"""scaled_dot_product_attention, MultiheadAttention and TransformerEncoderLayer against
NumPy references of PyTorch's formulas, written here independently of the library."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.nn import functional


def softmax(s: np.ndarray) -> np.ndarray:
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def ref_attention(q, k, v, bias=None, scale=None):
    """softmax(Q Kᵀ·scale + bias) V and the weights; bias holds 0 / -inf (or any float)."""
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    s = q @ np.swapaxes(k, -1, -2) * scale
    if bias is not None:
        s = s + bias
    w = softmax(s)
    return w @ v, w


# ---------------------------------------------------------------- scaled_dot_product_attention


def test_sdpa_is_softmax_of_scaled_scores_times_values():
    rng = np.random.default_rng(0)
    q, k, v = rng.normal(size=(2, 3, 4, 5)), rng.normal(size=(2, 3, 6, 5)), rng.normal(size=(2, 3, 6, 7))
    out = functional.scaled_dot_product_attention(q, k, v)
    assert out.shape == (2, 3, 4, 7)
    np.testing.assert_allclose(out.data, ref_attention(q, k, v)[0], rtol=1e-12)
    np.testing.assert_allclose(
        functional.scaled_dot_product_attention(q, k, v, scale=0.3).data,
        ref_attention(q, k, v, scale=0.3)[0],
        rtol=1e-12,
    )
    # leading axes broadcast: one key/value set for every query batch
    out_b = functional.scaled_dot_product_attention(q, k[:1, :1], v[:1, :1])
    np.testing.assert_allclose(out_b.data, ref_attention(q, k[:1, :1], v[:1, :1])[0], rtol=1e-12)


def test_sdpa_masks_bool_true_takes_part_and_float_is_added():
    rng = np.random.default_rng(1)
    q, k, v = rng.normal(size=(2, 4, 3)), rng.normal(size=(2, 5, 3)), rng.normal(size=(2, 5, 2))
    keep = rng.random((4, 5)) > 0.3
    keep[:, 0] = True
    bias = np.where(keep, 0.0, -np.inf)
    out = functional.scaled_dot_product_attention(q, k, v, attn_mask=keep)
    np.testing.assert_allclose(out.data, ref_attention(q, k, v, bias)[0], rtol=1e-12)
    additive = rng.normal(size=(2, 1, 5))
    out_f = functional.scaled_dot_product_attention(q, k, v, attn_mask=additive)
    np.testing.assert_allclose(out_f.data, ref_attention(q, k, v, additive)[0], rtol=1e-12)
    # is_causal: query i sees keys 0..i (lower-triangular (L, S) mask)
    causal = functional.scaled_dot_product_attention(q, k, v, is_causal=True)
    tri = np.where(np.tril(np.ones((4, 5), dtype=bool)), 0.0, -np.inf)
    np.testing.assert_allclose(causal.data, ref_attention(q, k, v, tri)[0], rtol=1e-12)
    np.testing.assert_allclose(causal.data[:, 0], v[:, 0])  # the first query sees only key 0


def test_sdpa_query_with_every_key_masked_gets_zeros_not_nan():
    rng = np.random.default_rng(2)
    q, k, v = (am.tensor(rng.normal(size=(3, 2)), requires_grad=True) for _ in range(3))
    keep = np.array([[True, False, True], [False, False, False], [True, True, True]])
    out = functional.scaled_dot_product_attention(q, k, v, attn_mask=keep)
    np.testing.assert_array_equal(out.data[1], 0.0)
    out.sum().backward()
    assert all(np.isfinite(t.grad.data).all() for t in (q, k, v))
    ok = ref_attention(q.data, k.data, v.data, np.where(keep, 0.0, -np.inf)[[0, 2]][:, None])[0]
    np.testing.assert_allclose(out.data[[0, 2]], np.stack([ok[0, 0], ok[1, 2]]), rtol=1e-12)


def test_sdpa_dropout_drops_weights_and_rescales():
    rng = np.random.default_rng(3)
    q, k, v = rng.normal(size=(4, 3)), rng.normal(size=(6, 3)), np.eye(6)
    out = functional.scaled_dot_product_attention(q, k, v, dropout_p=0.5, generator=0)
    _, w = ref_attention(q, k, v)
    kept = np.random.default_rng(0).random((4, 6)) >= 0.5  # the same draw as the generator's
    np.testing.assert_allclose(out.data, w * kept / 0.5, rtol=1e-12)  # V = I shows the weights
    again = functional.scaled_dot_product_attention(q, k, v, dropout_p=0.5, generator=0)
    np.testing.assert_array_equal(out.data, again.data)


def test_sdpa_gradients_match_finite_differences():
    rng = np.random.default_rng(4)
    q, k, v = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4)), rng.normal(size=(2, 5, 2))
    keep = np.ones((3, 5), dtype=bool)
    keep[0, 3:] = False
    assert am.gradcheck(
        lambda a, b, c: functional.scaled_dot_product_attention(a, b, c, attn_mask=keep), q, k, v
    )
    assert am.gradcheck(
        lambda a, b, c: functional.scaled_dot_product_attention(a, b, c, is_causal=True, scale=0.7), q, k, v
    )
    mask = rng.normal(size=(3, 5))  # a float mask is differentiated too
    assert am.gradcheck(lambda m: functional.scaled_dot_product_attention(q, k, v, attn_mask=m), mask)


def test_sdpa_messages():
    q = np.zeros((2, 3, 4))
    with pytest.raises(ValueError, match="not both"):
        functional.scaled_dot_product_attention(q, q, q, attn_mask=np.ones((3, 3), bool), is_causal=True)
    with pytest.raises(ValueError, match="share their last axis E"):
        functional.scaled_dot_product_attention(q, np.zeros((2, 3, 5)), q)
    with pytest.raises(ValueError, match=r"does not broadcast .* \(\.\.\., L, S\)"):
        functional.scaled_dot_product_attention(q, q, q, attn_mask=np.ones((4, 4), bool))


# ---------------------------------------------------------------- MultiheadAttention


def ref_mha(mha, query, key, value, attn_bias=None, average=True):
    """PyTorch's multi_head_attention_forward for time-first (L, N, E) inputs, in NumPy."""
    sd = mha.state_dict()
    e, h = mha.embed_dim, mha.num_heads
    d = e // h
    if "in_proj_weight" in sd:
        w_q, w_k, w_v = np.split(sd["in_proj_weight"], 3)
    else:
        w_q, w_k, w_v = sd["q_proj_weight"], sd["k_proj_weight"], sd["v_proj_weight"]
    b_q, b_k, b_v = np.split(sd.get("in_proj_bias", np.zeros(3 * e)), 3)
    q, k, v = query @ w_q.T + b_q, key @ w_k.T + b_k, value @ w_v.T + b_v
    length, n, _ = q.shape
    source = k.shape[0]
    heads = [(t.reshape(t.shape[0], n * h, d).transpose(1, 0, 2)) for t in (q, k, v)]  # (N·h, ·, d)
    bias = (
        None
        if attn_bias is None
        else np.broadcast_to(attn_bias, (n, h, length, source)).reshape(n * h, length, source)
    )
    out, w = ref_attention(*heads, bias)
    out = out.transpose(1, 0, 2).reshape(length, n, e)
    out = out @ sd["out_proj.weight"].T + sd.get("out_proj.bias", 0.0)
    w = w.reshape(n, h, length, source)
    return out, (w.mean(axis=1) if average else w)


def randomised(mha, seed=0):
    """Nonzero biases, so the reference checks where each bias goes."""
    rng = np.random.default_rng(seed)
    for p in mha.parameters():
        p.data = rng.normal(scale=0.5, size=p.shape)
    return mha


def test_mha_parameters_names_shapes_and_init_are_pytorchs():
    mha = nn.MultiheadAttention(8, 2, seed=0)
    assert {k: v.shape for k, v in mha.state_dict().items()} == {
        "in_proj_weight": (24, 8),
        "in_proj_bias": (24,),
        "out_proj.weight": (8, 8),
        "out_proj.bias": (8,),
    }
    np.testing.assert_array_equal(mha.in_proj_bias.data, 0.0)
    np.testing.assert_array_equal(mha.out_proj.bias.data, 0.0)
    bound = math.sqrt(6.0 / (8 + 24))  # xavier_uniform_ on the whole (3E, E) matrix
    assert np.abs(mha.in_proj_weight.data).max() <= bound
    assert np.abs(mha.in_proj_weight.data).max() > 0.9 * bound
    assert list(nn.MultiheadAttention(8, 2, bias=False).state_dict()) == ["in_proj_weight", "out_proj.weight"]
    separate = nn.MultiheadAttention(8, 4, kdim=3, vdim=5)
    assert {k: v.shape for k, v in separate.state_dict().items()} == {
        "q_proj_weight": (8, 8),
        "k_proj_weight": (8, 3),
        "v_proj_weight": (8, 5),
        "in_proj_bias": (24,),
        "out_proj.weight": (8, 8),
        "out_proj.bias": (8,),
    }
    with pytest.raises(ValueError, match="divisible by num_heads"):
        nn.MultiheadAttention(10, 3)


def test_mha_self_attention_matches_the_reference():
    mha = randomised(nn.MultiheadAttention(6, 3, seed=0))
    x = np.random.default_rng(1).normal(size=(4, 2, 6))
    out, w = mha(x, x, x)
    ref_out, ref_w = ref_mha(mha, x, x, x)
    np.testing.assert_allclose(out.data, ref_out, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(w.data, ref_w, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(w.data.sum(-1), 1.0)
    _, per_head = mha(x, x, x, average_attn_weights=False)
    np.testing.assert_allclose(per_head.data, ref_mha(mha, x, x, x, average=False)[1], rtol=1e-10)
    assert mha(x, x, x, need_weights=False)[1] is None


def test_mha_cross_attention_batch_first_unbatched_and_kdim():
    rng = np.random.default_rng(2)
    mha = randomised(nn.MultiheadAttention(4, 2, kdim=3, vdim=5, seed=0))
    q, k, v = rng.normal(size=(3, 2, 4)), rng.normal(size=(6, 2, 3)), rng.normal(size=(6, 2, 5))
    out, w = mha(q, k, v)
    ref_out, ref_w = ref_mha(mha, q, k, v)
    np.testing.assert_allclose(out.data, ref_out, rtol=1e-10, atol=1e-12)
    assert w.shape == (2, 3, 6)
    first = nn.MultiheadAttention(4, 2, kdim=3, vdim=5, batch_first=True, seed=0)
    first.load_state_dict(mha.state_dict())
    out_bf, w_bf = first(q.swapaxes(0, 1), k.swapaxes(0, 1), v.swapaxes(0, 1))
    np.testing.assert_allclose(out_bf.data, ref_out.swapaxes(0, 1), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(w_bf.data, ref_w, rtol=1e-10)
    single, w1 = mha(q[:, 1], k[:, 1], v[:, 1])  # unbatched (L, E)
    assert single.shape == (3, 4) and w1.shape == (3, 6)
    np.testing.assert_allclose(single.data, ref_out[:, 1], rtol=1e-10, atol=1e-12)


def test_mha_masks_true_means_left_out():
    rng = np.random.default_rng(3)
    mha = randomised(nn.MultiheadAttention(4, 2, seed=0))
    x = rng.normal(size=(5, 2, 4))
    padding = np.array([[False] * 5, [False, False, False, True, True]])  # sample 1: last 2 are padding
    out, w = mha(x, x, x, key_padding_mask=padding)
    bias = np.where(padding, -np.inf, 0.0)[:, None, None, :]
    ref_out, _ = ref_mha(mha, x, x, x, bias)
    np.testing.assert_allclose(out.data, ref_out, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(w.data[1, :, 3:], 0.0)
    # a bool attn_mask (True = not allowed) and a float key_padding_mask combine by adding
    blocked = np.triu(np.ones((5, 5), dtype=bool), k=1)
    soft = rng.normal(size=(2, 5))
    out2, _ = mha(x, x, x, key_padding_mask=soft, attn_mask=blocked)
    bias2 = np.where(blocked, -np.inf, 0.0) + soft[:, None, None, :]
    np.testing.assert_allclose(out2.data, ref_mha(mha, x, x, x, bias2)[0], rtol=1e-10, atol=1e-12)
    causal, _ = mha(x, x, x, is_causal=True)  # builds the same triangular mask
    np.testing.assert_allclose(causal.data, mha(x, x, x, attn_mask=blocked)[0].data, rtol=1e-12)
    # (N·heads, L, S): one mask per sample and head
    per_head = rng.normal(size=(4, 5, 5))
    out3, _ = mha(x, x, x, attn_mask=per_head)
    np.testing.assert_allclose(out3.data, ref_mha(mha, x, x, x, per_head.reshape(2, 2, 5, 5))[0], rtol=1e-10)
    with pytest.raises(ValueError, match=r"attn_mask has shape \(3, 3\)"):
        mha(x, x, x, attn_mask=np.zeros((3, 3), bool))
    with pytest.raises(ValueError, match=r"key_padding_mask has shape \(5,\), expected \(N, S\)"):
        mha(x, x, x, key_padding_mask=np.zeros(5, bool))


def test_mha_dropout_in_training_only():
    mha = randomised(nn.MultiheadAttention(4, 2, dropout=0.5, seed=0))
    x = np.random.default_rng(4).normal(size=(5, 2, 4))
    a, b = mha(x, x, x)[0].data, mha(x, x, x)[0].data
    assert not np.allclose(a, b)
    mha.eval()
    np.testing.assert_allclose(mha(x, x, x)[0].data, ref_mha(mha, x, x, x)[0], rtol=1e-10, atol=1e-12)


def test_mha_gradients_match_finite_differences():
    rng = np.random.default_rng(5)
    mha = randomised(nn.MultiheadAttention(4, 2, seed=0))
    q, k = rng.normal(size=(3, 2, 4)), rng.normal(size=(5, 2, 4))
    padding = np.zeros((2, 5), dtype=bool)
    padding[0, -1] = True
    target = rng.normal(size=(3, 2, 4))

    def loss():
        out, w = mha(q, k, k, key_padding_mask=padding)
        return ((out - target) ** 2).sum() + (w * w).sum()

    report = am.compare_gradients(loss, mha)
    assert report.ok, report
    assert am.gradcheck(lambda a, b: mha(a, b, b)[0], q, k)
    assert am.gradcheck(lambda a: mha(a, a, a, is_causal=True)[0], q)  # self-attention's packed path


def test_mha_npz_round_trip(tmp_path):
    mha = randomised(nn.MultiheadAttention(6, 2, seed=0))
    mha.save(tmp_path / "mha.npz")
    other = nn.MultiheadAttention(6, 2, seed=1).load(tmp_path / "mha.npz")
    x = np.random.default_rng(6).normal(size=(3, 1, 6))
    np.testing.assert_array_equal(other(x, x, x)[0].data, mha(x, x, x)[0].data)


# ---------------------------------------------------------------- TransformerEncoderLayer

_erf = np.vectorize(math.erf)


def ref_layer_norm(x, w, b, eps=1e-5):
    mean = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


def ref_encoder_layer(layer, src, attn_bias=None, activation="relu"):
    """PyTorch's TransformerEncoderLayer in evaluation mode (no dropout), time-first src."""
    sd = layer.state_dict()

    def sa(x):
        return ref_mha(layer.self_attn, x, x, x, attn_bias)[0]

    def ff(x):
        hidden = x @ sd["linear1.weight"].T + sd["linear1.bias"]
        if activation == "relu":
            hidden = np.maximum(hidden, 0.0)
        else:
            hidden = 0.5 * hidden * (1.0 + _erf(hidden / math.sqrt(2.0)))
        return hidden @ sd["linear2.weight"].T + sd["linear2.bias"]

    def norm1(x):
        return ref_layer_norm(x, sd["norm1.weight"], sd["norm1.bias"])

    def norm2(x):
        return ref_layer_norm(x, sd["norm2.weight"], sd["norm2.bias"])

    if layer.norm_first:
        x = src + sa(norm1(src))
        return x + ff(norm2(x))
    x = norm1(src + sa(src))
    return norm2(x + ff(x))


def test_encoder_layer_names_match_pytorchs():
    layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, seed=0)
    assert [name for name, _ in layer.named_children()] == [
        "self_attn",
        "linear1",
        "dropout",
        "linear2",
        "norm1",
        "norm2",
        "dropout1",
        "dropout2",
    ]
    assert {k: v.shape for k, v in layer.state_dict().items()} == {
        "self_attn.in_proj_weight": (24, 8),
        "self_attn.in_proj_bias": (24,),
        "self_attn.out_proj.weight": (8, 8),
        "self_attn.out_proj.bias": (8,),
        "linear1.weight": (16, 8),
        "linear1.bias": (16,),
        "linear2.weight": (8, 16),
        "linear2.bias": (8,),
        "norm1.weight": (8,),
        "norm1.bias": (8,),
        "norm2.weight": (8,),
        "norm2.bias": (8,),
    }
    assert nn.TransformerEncoderLayer(8, 2).linear1.weight.shape == (2048, 8)  # PyTorch's default
    assert nn.TransformerEncoderLayer(8, 2).dropout.p == 0.1


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_encoder_layer_matches_the_reference(norm_first, activation):
    layer = nn.TransformerEncoderLayer(
        6, 2, dim_feedforward=10, activation=activation, norm_first=norm_first, seed=0
    )
    randomised(layer, seed=1).eval()
    src = np.random.default_rng(7).normal(size=(5, 3, 6))
    expected = ref_encoder_layer(layer, src, activation=activation)
    np.testing.assert_allclose(layer(src).data, expected, rtol=1e-10, atol=1e-12)
    blocked = np.triu(np.ones((5, 5), dtype=bool), k=1)
    padding = np.zeros((3, 5), dtype=bool)
    padding[2, 4] = True
    bias = np.where(blocked, -np.inf, 0.0) + np.where(padding, -np.inf, 0.0)[:, None, None, :]
    out = layer(src, src_mask=blocked, src_key_padding_mask=padding)
    np.testing.assert_allclose(
        out.data, ref_encoder_layer(layer, src, bias, activation), rtol=1e-10, atol=1e-12
    )
    np.testing.assert_allclose(layer(src, is_causal=True).data, layer(src, src_mask=blocked).data, rtol=1e-12)


def test_encoder_layer_batch_first_dropout_and_gradients(tmp_path):
    layer = randomised(
        nn.TransformerEncoderLayer(4, 2, dim_feedforward=6, dropout=0.3, batch_first=True, seed=0)
    )
    src = np.random.default_rng(8).normal(size=(2, 3, 4))  # (N, S, E)
    a, b = layer(src).data, layer(src).data
    assert not np.allclose(a, b)  # dropout in training
    layer.eval()
    time_first = nn.TransformerEncoderLayer(4, 2, dim_feedforward=6, seed=5)
    time_first.load_state_dict(layer.state_dict())
    time_first.eval()
    np.testing.assert_allclose(
        layer(src).data, time_first(src.swapaxes(0, 1)).data.swapaxes(0, 1), rtol=1e-12
    )
    target = np.random.default_rng(9).normal(size=(2, 3, 4))
    report = am.compare_gradients(lambda: ((layer(src) - target) ** 2).sum(), layer)
    assert report.ok, report
    assert am.gradcheck(lambda x: layer(x), src)
    layer.save(tmp_path / "layer.npz")
    time_first.load(tmp_path / "layer.npz")
    np.testing.assert_array_equal(time_first(src.swapaxes(0, 1)).data.swapaxes(0, 1), layer(src).data)


def test_attention_second_order_and_forward_mode():
    rng = np.random.default_rng(10)
    mha = randomised(nn.MultiheadAttention(4, 2, seed=0))
    x = rng.normal(size=(3, 1, 4))
    keep = np.tril(np.ones((3, 3), dtype=bool))

    def sdpa(q):
        return functional.scaled_dot_product_attention(q, q, q, attn_mask=keep)

    np.testing.assert_allclose(am.jacfwd(sdpa)(x[:, 0]), am.jacrev(sdpa)(x[:, 0]), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(
        am.jacfwd(lambda v: mha(v, v, v)[0])(x),
        am.jacrev(lambda v: mha(v, v, v)[0])(x),
        rtol=1e-10,
        atol=1e-12,
    )

    def loss(t):
        return (mha(t, t, t)[0] ** 2).sum()

    assert_hvp_matches_finite_differences(loss, x)


def assert_hvp_matches_finite_differences(loss, x, eps=1e-5):
    """Hessian times a random v by double backward (create_graph) against central
    differences of the gradient along v."""
    v = np.random.default_rng(0).normal(size=x.shape)

    def gradient(values, create_graph=False):
        t = am.tensor(values, requires_grad=True)
        (g,) = am.autograd.grad(loss(t), t, create_graph=create_graph)
        return t, g

    t, g = gradient(x, create_graph=True)
    (hv,) = am.autograd.grad((g * v).sum(), t)
    numeric = (gradient(x + eps * v)[1].data - gradient(x - eps * v)[1].data) / (2 * eps)
    np.testing.assert_allclose(hv.data, numeric, rtol=1e-5, atol=1e-7)


def test_float32_stays_float32():
    q = np.random.default_rng(11).normal(size=(5, 2, 4)).astype(np.float32)
    assert functional.scaled_dot_product_attention(q, q, q, is_causal=True).dtype == np.float32
    keep = np.ones((2, 2), dtype=bool)  # (L, S) of (5, L=2, E=4) queries
    assert functional.scaled_dot_product_attention(q, q, q, attn_mask=keep, scale=0.5).dtype == np.float32
    mha = nn.MultiheadAttention(4, 2, dtype=np.float32, seed=0)
    out, w = mha(q, q, q, key_padding_mask=np.zeros((2, 5), bool), attn_mask=np.zeros((5, 5)))
    assert out.dtype == w.dtype == np.float32
    layer = nn.TransformerEncoderLayer(4, 2, dim_feedforward=8, dtype=np.float32, seed=0)
    assert layer(q).dtype == np.float32
    assert all(p.dtype == np.float32 for p in layer.parameters())
