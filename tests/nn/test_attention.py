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
    """PyTorch's multi_head_attention_forward for time-first (L, N, E) inputs, in NumPy.

    attn_bias (additive, broadcasting to (N, h, L, S)) covers the S given keys; like
    PyTorch, it gets a zero column for bias_k/bias_v (appended to the projected (S, N, E)
    keys and values) and one for add_zero_attn (zeros appended per head after the split).
    """
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
    bias = None if attn_bias is None else np.broadcast_to(attn_bias, (n, h, length, source))
    if "bias_k" in sd:
        k = np.concatenate([k, np.tile(sd["bias_k"], (1, n, 1))])
        v = np.concatenate([v, np.tile(sd["bias_v"], (1, n, 1))])
        bias = None if bias is None else np.pad(bias, [(0, 0)] * 3 + [(0, 1)])
    heads = [(t.reshape(t.shape[0], n * h, d).transpose(1, 0, 2)) for t in (q, k, v)]  # (N·h, ·, d)
    if getattr(mha, "add_zero_attn", False):
        heads[1] = np.concatenate([heads[1], np.zeros((n * h, 1, d))], axis=1)
        heads[2] = np.concatenate([heads[2], np.zeros((n * h, 1, d))], axis=1)
        bias = None if bias is None else np.pad(bias, [(0, 0)] * 3 + [(0, 1)])
    source = heads[1].shape[1]
    out, w = ref_attention(*heads, None if bias is None else bias.reshape(n * h, length, source))
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


# ---------------------------------------------------------------- add_bias_kv, add_zero_attn

EXTRAS = [(True, False), (False, True), (True, True)]  # (add_bias_kv, add_zero_attn)


def test_mha_bias_kv_parameters_names_shapes_order_and_init():
    mha = nn.MultiheadAttention(8, 2, add_bias_kv=True, seed=0)
    # PyTorch's keys and order: own parameters (bias_k, bias_v after in_proj_bias), then out_proj
    assert [(k, v.shape) for k, v in mha.state_dict().items()] == [
        ("in_proj_weight", (24, 8)),
        ("in_proj_bias", (24,)),
        ("bias_k", (1, 1, 8)),
        ("bias_v", (1, 1, 8)),
        ("out_proj.weight", (8, 8)),
        ("out_proj.bias", (8,)),
    ]
    assert mha.bias_k.requires_grad and mha.bias_v.requires_grad
    plain = nn.MultiheadAttention(8, 2, seed=0)
    assert plain.bias_k is None and plain.bias_v is None and plain.add_zero_attn is False
    # bias_k and bias_v are drawn last, so the other parameters match the plain layer's
    for name, value in plain.state_dict().items():
        np.testing.assert_array_equal(mha.state_dict()[name], value)
    assert not np.array_equal(mha.bias_k.data, mha.bias_v.data)
    # zero_attn adds no parameter; kdim/vdim and bias=False keep bias_k/bias_v at (1, 1, E)
    assert list(nn.MultiheadAttention(8, 2, add_zero_attn=True).state_dict()) == list(plain.state_dict())
    separate = nn.MultiheadAttention(8, 4, bias=False, add_bias_kv=True, kdim=3, vdim=5)
    assert [(k, v.shape) for k, v in separate.state_dict().items()] == [
        ("q_proj_weight", (8, 8)),
        ("k_proj_weight", (8, 3)),
        ("v_proj_weight", (8, 5)),
        ("bias_k", (1, 1, 8)),
        ("bias_v", (1, 1, 8)),
        ("out_proj.weight", (8, 8)),
    ]
    assert "add_bias_kv=True, add_zero_attn=True" in repr(
        nn.MultiheadAttention(8, 2, add_bias_kv=True, add_zero_attn=True)
    )
    # xavier_normal_ on (1, 1, E): fan_in = fan_out = E, std = √(2 / 2E) = 1/√E
    big = nn.MultiheadAttention(2048, 1, add_bias_kv=True, seed=3)
    draws = np.concatenate([big.bias_k.data.ravel(), big.bias_v.data.ravel()])
    assert abs(draws.mean()) < 3 * (1 / math.sqrt(2048)) / math.sqrt(draws.size)
    np.testing.assert_allclose(draws.std(), 1 / math.sqrt(2048), rtol=0.05)


def test_mha_bias_kv_state_dict_round_trip_and_key_checks(tmp_path):
    mha = randomised(nn.MultiheadAttention(6, 2, add_bias_kv=True, add_zero_attn=True, seed=0))
    mha.save(tmp_path / "mha.npz")
    other = nn.MultiheadAttention(6, 2, add_bias_kv=True, add_zero_attn=True, seed=1)
    other.load(tmp_path / "mha.npz")
    x = np.random.default_rng(6).normal(size=(3, 1, 6))
    np.testing.assert_array_equal(other(x, x, x)[0].data, mha(x, x, x)[0].data)
    np.testing.assert_array_equal(other.bias_v.data, mha.bias_v.data)
    with pytest.raises(Exception, match="bias_k"):  # a plain layer's state lacks bias_k/bias_v
        other.load_state_dict(nn.MultiheadAttention(6, 2).state_dict())
    with pytest.raises(Exception, match="bias_k"):
        nn.MultiheadAttention(6, 2).load_state_dict(mha.state_dict())


@pytest.mark.parametrize(("add_bias_kv", "add_zero_attn"), EXTRAS)
def test_mha_extra_positions_match_the_reference(add_bias_kv, add_zero_attn):
    extra = add_bias_kv + add_zero_attn
    rng = np.random.default_rng(20)
    mha = randomised(nn.MultiheadAttention(6, 3, add_bias_kv=add_bias_kv, add_zero_attn=add_zero_attn))
    x = rng.normal(size=(4, 2, 6))
    out, w = mha(x, x, x)  # self-attention: the packed projection
    ref_out, ref_w = ref_mha(mha, x, x, x)
    assert out.shape == (4, 2, 6) and w.shape == (2, 4, 4 + extra)
    np.testing.assert_allclose(out.data, ref_out, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(w.data, ref_w, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(w.data.sum(-1), 1.0)
    assert (w.data[..., 4:] > 0).all()  # the extra positions take part
    _, per_head = mha(x, x, x, average_attn_weights=False)
    assert per_head.shape == (2, 3, 4, 4 + extra)
    np.testing.assert_allclose(per_head.data, ref_mha(mha, x, x, x, average=False)[1], rtol=1e-10)
    out_nw, none = mha(x, x, x, need_weights=False)
    assert none is None
    np.testing.assert_allclose(out_nw.data, ref_out, rtol=1e-10, atol=1e-12)
    if add_zero_attn:  # the zero key scores 0 in every head: weight 1 / (1 + Σ exp(scores))
        h_scores = np.log(per_head.data[..., :-1] / per_head.data[..., -1:])
        np.testing.assert_allclose(per_head.data[..., -1], 1 / (1 + np.exp(h_scores).sum(-1)), rtol=1e-12)


@pytest.mark.parametrize(("add_bias_kv", "add_zero_attn"), EXTRAS)
def test_mha_extra_positions_cross_attention_kdim_batch_first_unbatched(add_bias_kv, add_zero_attn):
    extra = add_bias_kv + add_zero_attn
    rng = np.random.default_rng(21)
    options = {"add_bias_kv": add_bias_kv, "add_zero_attn": add_zero_attn, "kdim": 3, "vdim": 5}
    mha = randomised(nn.MultiheadAttention(4, 2, **options), seed=2)
    q, k, v = rng.normal(size=(3, 2, 4)), rng.normal(size=(6, 2, 3)), rng.normal(size=(6, 2, 5))
    out, w = mha(q, k, v)
    ref_out, ref_w = ref_mha(mha, q, k, v)
    assert out.shape == (3, 2, 4) and w.shape == (2, 3, 6 + extra)
    np.testing.assert_allclose(out.data, ref_out, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(w.data, ref_w, rtol=1e-10, atol=1e-12)
    first = nn.MultiheadAttention(4, 2, batch_first=True, **options)
    first.load_state_dict(mha.state_dict())
    out_bf, w_bf = first(q.swapaxes(0, 1), k.swapaxes(0, 1), v.swapaxes(0, 1))
    assert out_bf.shape == (2, 3, 4) and w_bf.shape == (2, 3, 6 + extra)
    np.testing.assert_allclose(out_bf.data, ref_out.swapaxes(0, 1), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(w_bf.data, ref_w, rtol=1e-10)
    single, w1 = mha(q[:, 1], k[:, 1], v[:, 1])  # unbatched (L, E), (S, kdim), (S, vdim)
    assert single.shape == (3, 4) and w1.shape == (3, 6 + extra)
    np.testing.assert_allclose(single.data, ref_out[:, 1], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(w1.data, ref_w[1], rtol=1e-10)
    # unbatched with an (S,) key_padding_mask: padded to the extra positions too
    pad1 = np.array([False, True, False, False, True, False])
    single_m, w1m = mha(q[:, 1], k[:, 1], v[:, 1], key_padding_mask=pad1)
    bias1 = np.where(pad1, -np.inf, 0.0)
    ref_m = ref_mha(mha, q[:, 1:], k[:, 1:], v[:, 1:], bias1)
    np.testing.assert_allclose(single_m.data, ref_m[0][:, 0], rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(w1m.data[:, [1, 4]], 0.0)


@pytest.mark.parametrize(("add_bias_kv", "add_zero_attn"), EXTRAS)
def test_mha_extra_positions_masks_are_padded_not_masked(add_bias_kv, add_zero_attn):
    extra = add_bias_kv + add_zero_attn
    rng = np.random.default_rng(22)
    mha = randomised(
        nn.MultiheadAttention(4, 2, add_bias_kv=add_bias_kv, add_zero_attn=add_zero_attn), seed=3
    )
    x = rng.normal(size=(5, 2, 4))
    # sample 1 has every given key masked: only the extra positions are left to attend to
    padding = np.array([[False, False, False, True, True], [True] * 5])
    out, w = mha(x, x, x, key_padding_mask=padding)
    bias = np.where(padding, -np.inf, 0.0)[:, None, None, :]
    ref_out, ref_w = ref_mha(mha, x, x, x, bias)
    assert np.isfinite(out.data).all()
    np.testing.assert_allclose(out.data, ref_out, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(w.data, ref_w, rtol=1e-10, atol=1e-12)
    assert w.shape == (2, 5, 5 + extra)
    np.testing.assert_array_equal(w.data[0, :, 3:5], 0.0)
    np.testing.assert_array_equal(w.data[1, :, :5], 0.0)
    np.testing.assert_allclose(w.data[1, :, 5:].sum(-1), 1.0)
    if add_zero_attn and not add_bias_kv:  # all weight on the zero value: only out_proj's bias is left
        np.testing.assert_allclose(
            out.data[:, 1], np.broadcast_to(mha.out_proj.bias.data, (5, 4)), atol=1e-12
        )
    # a bool (L, S) attn_mask with a float key_padding_mask, both padded
    blocked = np.triu(np.ones((5, 5), dtype=bool), k=1)
    soft = rng.normal(size=(2, 5))
    out2, w2 = mha(x, x, x, key_padding_mask=soft, attn_mask=blocked)
    bias2 = np.where(blocked, -np.inf, 0.0) + soft[:, None, None, :]
    np.testing.assert_allclose(out2.data, ref_mha(mha, x, x, x, bias2)[0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(w2.data, ref_mha(mha, x, x, x, bias2)[1], rtol=1e-10, atol=1e-12)
    assert (w2.data[:, 0, 5:] > 0).all()  # the first query sees key 0 and the extra positions
    # is_causal builds the (L, S) triangle over the given keys; the extra columns stay visible
    causal, w_causal = mha(x, x, x, is_causal=True)
    np.testing.assert_allclose(causal.data, mha(x, x, x, attn_mask=blocked)[0].data, rtol=1e-12)
    np.testing.assert_allclose(
        w_causal.data, ref_mha(mha, x, x, x, np.where(blocked, -np.inf, 0.0))[1], rtol=1e-10
    )
    # a float (N·heads, L, S) attn_mask
    per_head = rng.normal(size=(4, 5, 5))
    out3, _ = mha(x, x, x, attn_mask=per_head)
    np.testing.assert_allclose(out3.data, ref_mha(mha, x, x, x, per_head.reshape(2, 2, 5, 5))[0], rtol=1e-10)


def test_mha_extra_positions_mask_shape_errors_say_masks_cover_given_keys():
    mha = nn.MultiheadAttention(4, 2, add_bias_kv=True, add_zero_attn=True, seed=0)
    x = np.random.default_rng(23).normal(size=(5, 2, 4))
    # a mask sized for S + 2 is rejected: the layer pads it itself
    with pytest.raises(
        ValueError, match=r"attn_mask has shape \(5, 7\), expected \(L, S\) = \(5, 5\).*passed in"
    ):
        mha(x, x, x, attn_mask=np.zeros((5, 7), bool))
    with pytest.raises(
        ValueError, match=r"key_padding_mask has shape \(2, 6\), expected \(N, S\): \(2, 5\).*itself"
    ):
        mha(x, x, x, key_padding_mask=np.zeros((2, 6), bool))
    with pytest.raises(ValueError, match=r"attn_mask has shape \(4, 5, 7\)"):
        mha(x, x, x, attn_mask=np.zeros((4, 5, 7)))
    with pytest.raises(ValueError, match="embed_dim=4"):
        mha(x, x, np.zeros((5, 2, 3)))
    with pytest.raises(ValueError, match="same length S"):
        mha(x, x, np.zeros((4, 2, 4)))
    plain = nn.MultiheadAttention(4, 2, seed=0)  # no note about extra columns without them
    with pytest.raises(ValueError, match=r"\(4, 5, 5\)$"):
        plain(x, x, x, attn_mask=np.zeros((5, 7), bool))


def test_mha_extra_positions_dropout_drops_weights_in_training_only():
    rng = np.random.default_rng(24)
    mha = randomised(nn.MultiheadAttention(4, 2, dropout=0.5, add_bias_kv=True, add_zero_attn=True, seed=0))
    x = rng.normal(size=(5, 2, 4))
    _, ref_w = ref_mha(mha, x, x, x, average=False)
    out, w = mha(x, x, x, average_attn_weights=False)
    assert w.shape == (2, 2, 5, 7)
    kept = w.data != 0.0
    assert 0 < kept.mean() < 1
    # each weight, on the given and the extra positions alike, is dropped or scaled by 1/(1-p)
    np.testing.assert_allclose(w.data[kept], ref_w[kept] / 0.5, rtol=1e-10)
    assert not kept[..., 5:].all()
    assert not np.allclose(out.data, mha(x, x, x)[0].data)
    mha.eval()
    out_eval, w_eval = mha(x, x, x)
    np.testing.assert_allclose(out_eval.data, ref_mha(mha, x, x, x)[0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(w_eval.data, ref_mha(mha, x, x, x)[1], rtol=1e-10, atol=1e-12)


def central_differences(loss, array, eps=1e-6):
    """∂loss/∂array[i] ≈ (loss(a + eps·eᵢ) - loss(a - eps·eᵢ)) / 2eps for each entry, in place."""
    grad = np.zeros_like(array)
    for i in np.ndindex(array.shape):
        saved = array[i]
        array[i] = saved + eps
        up = loss()
        array[i] = saved - eps
        down = loss()
        array[i] = saved
        grad[i] = (up - down) / (2 * eps)
    return grad


@pytest.mark.parametrize(("add_bias_kv", "add_zero_attn"), EXTRAS)
def test_mha_extra_positions_gradients_match_finite_differences(add_bias_kv, add_zero_attn):
    rng = np.random.default_rng(25)
    options = {"add_bias_kv": add_bias_kv, "add_zero_attn": add_zero_attn}
    mha = randomised(nn.MultiheadAttention(4, 2, **options), seed=4)
    q, k, v = rng.normal(size=(3, 2, 4)), rng.normal(size=(5, 2, 4)), rng.normal(size=(5, 2, 4))
    padding = np.zeros((2, 5), dtype=bool)
    padding[1] = True  # sample 1 attends only to the extra positions
    blocked = np.triu(np.ones((3, 5), dtype=bool), k=1)
    target = rng.normal(size=(3, 2, 4))

    def loss_tensor():
        out, w = mha(q, k, v, key_padding_mask=padding, attn_mask=blocked, average_attn_weights=False)
        return ((out - target) ** 2).sum() + (w * w * np.arange(w.shape[-1])).sum()

    # bias_k / bias_v by hand: AD against float64 central differences, entry by entry
    mha.zero_grad()
    loss_tensor().backward()
    if add_bias_kv:
        for p in (mha.bias_k, mha.bias_v):
            numeric = central_differences(lambda: loss_tensor().item(), p.data)
            np.testing.assert_allclose(p.grad.data, numeric, rtol=1e-6, atol=1e-8)
            assert np.abs(p.grad.data).max() > 1e-3  # the check is not vacuous
    report = am.compare_gradients(loss_tensor, mha)
    assert report.ok, report
    # the inputs (cross-attention, and self-attention's packed path with a causal mask)
    assert am.gradcheck(lambda a, b, c: mha(a, b, c, key_padding_mask=padding)[0], q, k, v)
    assert am.gradcheck(lambda a: mha(a, a, a, is_causal=True)[1], q)
    # a float attn_mask is differentiated through its padding (the extra columns get nothing)
    soft = rng.normal(size=(3, 5))
    assert am.gradcheck(lambda m: mha(q, k, v, attn_mask=m)[0], soft)


def test_mha_extra_positions_forward_mode_and_float32():
    rng = np.random.default_rng(26)
    mha = randomised(nn.MultiheadAttention(4, 2, add_bias_kv=True, add_zero_attn=True), seed=5)
    x = rng.normal(size=(3, 1, 4))
    np.testing.assert_allclose(
        am.jacfwd(lambda t: mha(t, t, t)[0])(x),
        am.jacrev(lambda t: mha(t, t, t)[0])(x),
        rtol=1e-10,
        atol=1e-12,
    )
    assert_hvp_matches_finite_differences(lambda t: (mha(t, t, t)[0] ** 2).sum(), x)
    small = nn.MultiheadAttention(4, 2, add_bias_kv=True, add_zero_attn=True, dtype=np.float32, seed=0)
    q = x.astype(np.float32)
    out, w = small(q, q, q, key_padding_mask=np.zeros((1, 3), bool), attn_mask=np.zeros((3, 3), np.float32))
    assert small.bias_k.dtype == np.float32
    assert out.dtype == w.dtype == np.float32 and w.shape == (1, 3, 5)


def test_mha_extra_positions_compiled_training_step_matches_eager():
    x = np.random.default_rng(27).normal(size=(3, 2, 4))
    padding = np.array([[False] * 3, [True] * 3])
    runs = []
    for compiled in (False, True):
        mha = nn.MultiheadAttention(4, 2, add_bias_kv=True, add_zero_attn=True, seed=0)
        opt = nn.optim.SGD(mha.parameters(), lr=0.1)

        def step(values, mha=mha, opt=opt):
            opt.zero_grad()
            out, w = mha(values, values, values, key_padding_mask=padding)
            loss = (out**2).sum() + (w**2).sum()
            loss.backward()
            opt.step()
            return loss

        run = am.compile(step) if compiled else step
        losses = [run(x).item() for _ in range(4)]
        runs.append((losses, mha.bias_k.data.copy(), mha.bias_v.data.copy()))
    np.testing.assert_allclose(runs[1][0], runs[0][0], rtol=1e-12)
    for eager, replayed in zip(runs[0][1:], runs[1][1:]):
        np.testing.assert_allclose(replayed, eager, rtol=1e-12)
    assert not np.allclose(runs[0][1], nn.MultiheadAttention(4, 2, add_bias_kv=True, seed=0).bias_k.data)


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
