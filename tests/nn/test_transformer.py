"""TransformerDecoderLayer, TransformerEncoder, TransformerDecoder and Transformer against
NumPy references of PyTorch's equations (built on the MultiheadAttention and encoder-layer
references of test_attention.py), plus names, initialisation, masks, copies, dropout,
gradients, a compiled step and messages."""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest
from grad_checks import check_first_and_second
from scipy.special import erf
from test_attention import randomised, ref_encoder_layer, ref_layer_norm, ref_mha

import autograd_mini as am
from autograd_mini import nn

# ---------------------------------------------------------------- NumPy references


def ref_feed_forward(sd, x, activation="relu"):
    """linear2(activation(linear1(x))) from a layer's state dict (no dropout)."""
    hidden = x @ sd["linear1.weight"].T + sd["linear1.bias"]
    if activation == "relu":
        hidden = np.maximum(hidden, 0.0)
    else:
        hidden = 0.5 * hidden * (1.0 + erf(hidden / math.sqrt(2.0)))
    return hidden @ sd["linear2.weight"].T + sd["linear2.bias"]


def ref_decoder_layer(layer, tgt, memory, self_bias=None, cross_bias=None, activation="relu"):
    """PyTorch's TransformerDecoderLayer in evaluation mode, time-first (T, N, E) / (S, N, E)."""
    sd = layer.state_dict()

    def norm(i, x):
        return ref_layer_norm(x, sd[f"norm{i}.weight"], sd[f"norm{i}.bias"])

    def sa(x):
        return ref_mha(layer.self_attn, x, x, x, self_bias)[0]

    def ca(x):
        return ref_mha(layer.multihead_attn, x, memory, memory, cross_bias)[0]

    x = tgt
    if layer.norm_first:
        x = x + sa(norm(1, x))
        x = x + ca(norm(2, x))
        return x + ref_feed_forward(sd, norm(3, x), activation)
    x = norm(1, x + sa(x))
    x = norm(2, x + ca(x))
    return norm(3, x + ref_feed_forward(sd, x, activation))


def ref_final_norm(norm, x):
    return ref_layer_norm(x, norm.weight.data, norm.bias.data)


def ref_encoder(encoder, src, bias=None, activation="relu"):
    x = src
    for layer in encoder.layers:
        x = ref_encoder_layer(layer, x, bias, activation)
    return x if encoder.norm is None else ref_final_norm(encoder.norm, x)


def ref_decoder(decoder, tgt, memory, self_bias=None, cross_bias=None, activation="relu"):
    x = tgt
    for layer in decoder.layers:
        x = ref_decoder_layer(layer, x, memory, self_bias, cross_bias, activation)
    return x if decoder.norm is None else ref_final_norm(decoder.norm, x)


def ref_transformer(model, src, tgt, src_bias=None, tgt_bias=None, memory_bias=None, activation="relu"):
    memory = ref_encoder(model.encoder, src, src_bias, activation)
    return ref_decoder(model.decoder, tgt, memory, tgt_bias, memory_bias, activation)


def padding_bias(padding):
    """An (N, S) boolean padding mask (True: left out) as an additive (N, 1, 1, S) bias."""
    return np.where(padding, -np.inf, 0.0)[:, None, None, :]


def causal_bias(t, s=None):
    """0 on and below the diagonal, -inf above: the (T, S) causal bias, by hand."""
    s = t if s is None else s
    return np.array([[0.0 if j <= i else -np.inf for j in range(s)] for i in range(t)])


RNG = np.random.default_rng(2024)
E, H, FF = 6, 2, 10


def tiny_transformer(**options):
    settings = {
        "d_model": E,
        "nhead": H,
        "num_encoder_layers": 2,
        "num_decoder_layers": 2,
        "dim_feedforward": FF,
        "seed": 0,
    }
    settings.update(options)
    return nn.Transformer(**settings)


# ---------------------------------------------------------------- names, defaults, init


def test_signatures_and_defaults_are_pytorchs():
    def defaults(cls):
        return {
            name: p.default
            for name, p in inspect.signature(cls).parameters.items()
            if p.kind is p.POSITIONAL_OR_KEYWORD
        }

    layer_defaults = {
        "d_model": inspect.Parameter.empty,
        "nhead": inspect.Parameter.empty,
        "dim_feedforward": 2048,
        "dropout": 0.1,
        "activation": "relu",
        "layer_norm_eps": 1e-5,
        "batch_first": False,
        "norm_first": False,
        "bias": True,
    }
    assert defaults(nn.TransformerDecoderLayer) == layer_defaults
    assert defaults(nn.TransformerEncoderLayer) == layer_defaults
    assert defaults(nn.TransformerEncoder) == {
        "encoder_layer": inspect.Parameter.empty,
        "num_layers": inspect.Parameter.empty,
        "norm": None,
        "enable_nested_tensor": True,
        "mask_check": True,
    }
    assert defaults(nn.TransformerDecoder) == {
        "decoder_layer": inspect.Parameter.empty,
        "num_layers": inspect.Parameter.empty,
        "norm": None,
    }
    assert defaults(nn.Transformer) == {
        "d_model": 512,
        "nhead": 8,
        "num_encoder_layers": 6,
        "num_decoder_layers": 6,
        "dim_feedforward": 2048,
        "dropout": 0.1,
        "activation": "relu",
        "custom_encoder": None,
        "custom_decoder": None,
        "layer_norm_eps": 1e-5,
        "batch_first": False,
        "norm_first": False,
        "bias": True,
    }
    forward = inspect.signature(nn.Transformer.forward).parameters
    assert list(forward)[1:] == [
        "src",
        "tgt",
        "src_mask",
        "tgt_mask",
        "memory_mask",
        "src_key_padding_mask",
        "tgt_key_padding_mask",
        "memory_key_padding_mask",
        "src_is_causal",
        "tgt_is_causal",
        "memory_is_causal",
    ]
    assert list(inspect.signature(nn.TransformerDecoderLayer.forward).parameters)[1:] == [
        "tgt",
        "memory",
        "tgt_mask",
        "memory_mask",
        "tgt_key_padding_mask",
        "memory_key_padding_mask",
        "tgt_is_causal",
        "memory_is_causal",
    ]
    assert list(inspect.signature(nn.TransformerEncoder.forward).parameters)[1:] == [
        "src",
        "mask",
        "src_key_padding_mask",
        "is_causal",
    ]
    layer = nn.TransformerDecoderLayer(8, 2)
    assert layer.linear1.weight.shape == (2048, 8)
    assert (
        layer.dropout.p == layer.dropout3.p == layer.self_attn.dropout == layer.multihead_attn.dropout == 0.1
    )
    assert layer.norm3.eps == 1e-5


def layer_keys(prefix, decoder):
    """A layer's state_dict keys and shapes in PyTorch's order, written out by hand."""
    attn = {"in_proj_weight": (3 * E, E), "in_proj_bias": (3 * E,), "out_proj.weight": (E, E)}
    attn["out_proj.bias"] = (E,)
    keys = {f"{prefix}self_attn.{k}": s for k, s in attn.items()}
    if decoder:
        keys.update({f"{prefix}multihead_attn.{k}": s for k, s in attn.items()})
    keys.update(
        {
            f"{prefix}linear1.weight": (FF, E),
            f"{prefix}linear1.bias": (FF,),
            f"{prefix}linear2.weight": (E, FF),
            f"{prefix}linear2.bias": (E,),
        }
    )
    for i in (1, 2, 3) if decoder else (1, 2):
        keys.update({f"{prefix}norm{i}.weight": (E,), f"{prefix}norm{i}.bias": (E,)})
    return keys


def test_decoder_layer_names_and_state_dict_are_pytorchs():
    layer = nn.TransformerDecoderLayer(E, H, dim_feedforward=FF, seed=0)
    assert [name for name, _ in layer.named_children()] == [
        "self_attn",
        "multihead_attn",
        "linear1",
        "dropout",
        "linear2",
        "norm1",
        "norm2",
        "norm3",
        "dropout1",
        "dropout2",
        "dropout3",
    ]
    shapes = {k: v.shape for k, v in layer.state_dict().items()}
    assert list(shapes.items()) == list(layer_keys("", decoder=True).items())  # keys in PyTorch's order
    assert "linear1.bias" not in nn.TransformerDecoderLayer(E, H, dim_feedforward=FF, bias=False).state_dict()


def test_transformer_state_dict_keys_and_shapes():
    model = tiny_transformer(num_decoder_layers=1)
    expected = {}
    for i in range(2):
        expected.update(layer_keys(f"encoder.layers.{i}.", decoder=False))
    expected.update({"encoder.norm.weight": (E,), "encoder.norm.bias": (E,)})
    expected.update(layer_keys("decoder.layers.0.", decoder=True))
    expected.update({"decoder.norm.weight": (E,), "decoder.norm.bias": (E,)})
    assert list({k: v.shape for k, v in model.state_dict().items()}.items()) == list(expected.items())
    assert [name for name, _ in model.named_children()] == ["encoder", "decoder"]
    assert isinstance(model.encoder, nn.TransformerEncoder) and isinstance(
        model.decoder, nn.TransformerDecoder
    )
    assert isinstance(model.encoder.layers, nn.ModuleList) and len(model.decoder.layers) == 1
    assert (model.d_model, model.nhead, model.batch_first) == (E, H, False)


def test_transformer_draws_every_matrix_xavier_uniform():
    model = tiny_transformer()
    matrices = [(name, p.data) for name, p in model.named_parameters() if p.ndim > 1]
    assert len(matrices) == 2 * 4 + 2 * 6  # in_proj, out_proj, linear1, linear2 (+ cross-attention's two)
    for name, w in matrices:
        bound = math.sqrt(6.0 / (w.shape[0] + w.shape[1]))
        assert np.abs(w).max() <= bound, name
        # Linear's own init would stay within 1/√fan_in, below 0.8·bound for linear1/linear2
        assert np.abs(w).max() > 0.8 * bound, name
    first, second = model.encoder.layers[0], model.encoder.layers[1]
    assert not np.allclose(first.linear1.weight.data, second.linear1.weight.data)  # copies re-drawn apart
    # one-axis parameters keep their layers' init: zero attention biases, unit/zero norms
    np.testing.assert_array_equal(model.decoder.layers[1].multihead_attn.in_proj_bias.data, 0.0)
    np.testing.assert_array_equal(model.encoder.norm.weight.data, 1.0)
    np.testing.assert_array_equal(model.decoder.layers[0].norm3.bias.data, 0.0)
    # reproducible from the seed, different for another seed
    again, other = tiny_transformer(), tiny_transformer(seed=1)
    for (name, a), b, c in zip(
        model.state_dict().items(), again.state_dict().values(), other.state_dict().values()
    ):
        np.testing.assert_array_equal(a, b)
        if a.ndim > 1:
            assert not np.array_equal(a, c), name


# ---------------------------------------------------------------- outputs against the references


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_decoder_layer_matches_the_reference(norm_first, activation):
    layer = nn.TransformerDecoderLayer(E, H, dim_feedforward=FF, activation=activation, norm_first=norm_first)
    randomised(layer, seed=1).eval()
    tgt, memory = RNG.normal(size=(4, 3, E)), RNG.normal(size=(5, 3, E))
    out = layer(tgt, memory)
    assert out.shape == (4, 3, E)
    np.testing.assert_allclose(
        out.data, ref_decoder_layer(layer, tgt, memory, activation=activation), rtol=1e-10
    )
    # every mask at once: causal float tgt_mask, boolean paddings, a float memory_mask
    tgt_mask = nn.Transformer.generate_square_subsequent_mask(4)
    tgt_padding = np.zeros((3, 4), dtype=bool)
    tgt_padding[1, 3] = True
    memory_padding = np.zeros((3, 5), dtype=bool)
    memory_padding[2, 1:3] = True
    memory_mask = RNG.normal(size=(4, 5))
    out = layer(
        tgt,
        memory,
        tgt_mask=tgt_mask,
        memory_mask=memory_mask,
        tgt_key_padding_mask=tgt_padding,
        memory_key_padding_mask=memory_padding,
    )
    expected = ref_decoder_layer(
        layer,
        tgt,
        memory,
        causal_bias(4) + padding_bias(tgt_padding),
        memory_mask + padding_bias(memory_padding),
        activation,
    )
    np.testing.assert_allclose(out.data, expected, rtol=1e-10, atol=1e-12)
    # the causal flags build the (T, T) and (T, S) triangles themselves
    np.testing.assert_allclose(
        layer(tgt, memory, tgt_is_causal=True, memory_is_causal=True).data,
        ref_decoder_layer(layer, tgt, memory, causal_bias(4), causal_bias(4, 5), activation),
        rtol=1e-10,
        atol=1e-12,
    )


def test_decoder_layer_batch_first_and_unbatched():
    time_first = randomised(nn.TransformerDecoderLayer(E, H, dim_feedforward=FF, norm_first=True), seed=2)
    batch_first = nn.TransformerDecoderLayer(E, H, dim_feedforward=FF, norm_first=True, batch_first=True)
    batch_first.load_state_dict(time_first.state_dict())
    time_first.eval(), batch_first.eval()
    tgt, memory = RNG.normal(size=(2, 4, E)), RNG.normal(size=(2, 3, E))  # (N, T, E), (N, S, E)
    expected = ref_decoder_layer(time_first, tgt.swapaxes(0, 1), memory.swapaxes(0, 1)).swapaxes(0, 1)
    np.testing.assert_allclose(batch_first(tgt, memory).data, expected, rtol=1e-10, atol=1e-12)
    single = time_first(tgt[1], memory[1], tgt_is_causal=True)  # unbatched (T, E), (S, E)
    assert single.shape == (4, E)
    expected = ref_decoder_layer(time_first, tgt[1][:, None], memory[1][:, None], causal_bias(4))
    np.testing.assert_allclose(single.data, expected[:, 0], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("norm_first", [False, True])
def test_stacks_match_the_layer_by_layer_reference(norm_first):
    layer = nn.TransformerEncoderLayer(E, H, dim_feedforward=FF, norm_first=norm_first, seed=0)
    encoder = randomised(nn.TransformerEncoder(layer, 3, norm=nn.LayerNorm(E)), seed=3).eval()
    src = RNG.normal(size=(5, 2, E))
    padding = np.array([[False] * 5, [False, False, False, True, True]])
    out = encoder(src, src_key_padding_mask=padding)
    np.testing.assert_allclose(
        out.data, ref_encoder(encoder, src, padding_bias(padding)), rtol=1e-10, atol=1e-12
    )
    # the square subsequent mask, a boolean triangle and is_causal give the same causal encoder
    causal = ref_encoder(encoder, src, causal_bias(5))
    mask = nn.Transformer.generate_square_subsequent_mask(5)
    np.testing.assert_allclose(encoder(src, mask=mask).data, causal, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(encoder(src, mask=np.triu(np.ones((5, 5), bool), 1)).data, causal, rtol=1e-10)
    np.testing.assert_allclose(encoder(src, is_causal=True).data, causal, rtol=1e-10, atol=1e-12)
    no_norm = nn.TransformerEncoder(layer, 2)
    no_norm.load_state_dict(
        {k: v for k, v in encoder.state_dict().items() if k.startswith(("layers.0", "layers.1"))}
    )
    no_norm.eval()
    np.testing.assert_allclose(no_norm(src).data, ref_encoder(no_norm, src), rtol=1e-10, atol=1e-12)

    dec_layer = nn.TransformerDecoderLayer(E, H, dim_feedforward=FF, norm_first=norm_first, seed=0)
    decoder = randomised(nn.TransformerDecoder(dec_layer, 2, norm=nn.LayerNorm(E)), seed=4).eval()
    tgt, memory = RNG.normal(size=(3, 2, E)), out.data
    np.testing.assert_allclose(
        decoder(tgt, memory, memory_is_causal=True).data,
        ref_decoder(decoder, tgt, memory, None, causal_bias(3, 5)),
        rtol=1e-10,
        atol=1e-12,
    )
    got = decoder(
        tgt,
        memory,
        tgt_mask=nn.Transformer.generate_square_subsequent_mask(3),
        memory_key_padding_mask=padding,
    )
    expected = ref_decoder(decoder, tgt, memory, causal_bias(3), padding_bias(padding))
    np.testing.assert_allclose(got.data, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_matches_the_reference(norm_first):
    model = randomised(tiny_transformer(norm_first=norm_first, activation="gelu"), seed=5).eval()
    src, tgt = RNG.normal(size=(5, 2, E)), RNG.normal(size=(4, 2, E))
    src_padding = np.array([[False] * 5, [False, False, False, False, True]])
    tgt_mask = nn.Transformer.generate_square_subsequent_mask(4)
    out = model(
        src, tgt, tgt_mask=tgt_mask, src_key_padding_mask=src_padding, memory_key_padding_mask=src_padding
    )
    assert out.shape == (4, 2, E)
    pad = padding_bias(src_padding)
    expected = ref_transformer(model, src, tgt, pad, causal_bias(4), pad, "gelu")
    np.testing.assert_allclose(out.data, expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(
        model(
            src,
            tgt,
            tgt_is_causal=True,
            src_key_padding_mask=src_padding,
            memory_key_padding_mask=src_padding,
        ).data,
        out.data,
        rtol=1e-12,
    )
    # the three causal flags reach the encoder's, the decoder's and the cross-attention's layers
    flags = model(src, tgt, src_is_causal=True, tgt_is_causal=True, memory_is_causal=True)
    expected = ref_transformer(model, src, tgt, causal_bias(5), causal_bias(4), causal_bias(4, 5), "gelu")
    np.testing.assert_allclose(flags.data, expected, rtol=1e-10, atol=1e-12)
    # batch_first with the same weights: the same numbers, batch axis first
    first = tiny_transformer(norm_first=norm_first, activation="gelu", batch_first=True, seed=9)
    first.load_state_dict(model.state_dict())
    first.eval()
    got = first(src.swapaxes(0, 1), tgt.swapaxes(0, 1), tgt_mask=tgt_mask, src_key_padding_mask=src_padding)
    np.testing.assert_allclose(
        got.data,
        ref_transformer(model, src, tgt, pad, causal_bias(4), None, "gelu").swapaxes(0, 1),
        rtol=1e-10,
    )
    # unbatched: (S, E) and (T, E)
    single = model(src[:, 0], tgt[:, 0], tgt_mask=tgt_mask)
    expected = ref_transformer(model, src[:, :1], tgt[:, :1], None, causal_bias(4), None, "gelu")
    np.testing.assert_allclose(single.data, expected[:, 0], rtol=1e-10, atol=1e-12)


def test_square_subsequent_mask_and_causality():
    mask = nn.Transformer.generate_square_subsequent_mask(4)
    assert isinstance(mask, am.Tensor) and not mask.requires_grad
    assert mask.dtype == np.float64 and mask.shape == (4, 4)
    np.testing.assert_array_equal(mask.data, causal_bias(4))
    assert np.isneginf(mask.data[0, 1:]).all() and (mask.data[np.tril_indices(4)] == 0.0).all()
    assert nn.Transformer.generate_square_subsequent_mask(3, dtype=np.float32).dtype == np.float32
    assert nn.Transformer.generate_square_subsequent_mask(0).shape == (0, 0)
    np.testing.assert_array_equal(nn.Transformer.generate_square_subsequent_mask(1).data, [[0.0]])
    with pytest.raises(TypeError, match="floating point"):
        nn.Transformer.generate_square_subsequent_mask(3, dtype=np.int64)
    with pytest.raises(ValueError, match="non-negative int"):
        nn.Transformer.generate_square_subsequent_mask(-1)
    # the property it exists for: output position t does not depend on tgt positions after t
    model = randomised(tiny_transformer(), seed=6).eval()
    src, tgt = RNG.normal(size=(3, 1, E)), RNG.normal(size=(4, 1, E))
    changed = tgt.copy()
    changed[2:] += 1.0
    a = model(src, tgt, tgt_mask=mask).data
    b = model(src, changed, tgt_mask=mask).data
    np.testing.assert_allclose(a[:2], b[:2], rtol=1e-12)
    assert not np.allclose(a[2:], b[2:])
    assert not np.allclose(model(src, tgt).data[:2], model(src, changed).data[:2])  # without the mask it does


# ---------------------------------------------------------------- copies, dropout, zero layers


def test_stacked_layers_are_independent_deep_copies():
    template = nn.TransformerEncoderLayer(E, H, dim_feedforward=FF, dropout=0.5, seed=0)
    encoder = nn.TransformerEncoder(template, 3)
    names = [name for name, _ in template.named_parameters()]
    for layer in encoder.layers:
        assert layer is not template
        for name, p in layer.named_parameters():
            original = dict(template.named_parameters())[name]
            np.testing.assert_array_equal(p.data, original.data)  # PyTorch: every copy starts equal
            assert p is not original and not np.shares_memory(p.data, original.data)
    assert len(list(encoder.parameters())) == 3 * len(names)
    # training one copy leaves the others and the template alone
    encoder.layers[0].linear1.weight.data += 1.0
    np.testing.assert_array_equal(encoder.layers[1].linear1.weight.data, template.linear1.weight.data)
    src = RNG.normal(size=(4, 2, E))
    encoder.eval()
    (encoder(src) ** 2).sum().backward()
    grads = [layer.linear2.weight.grad.data for layer in encoder.layers]
    assert not np.allclose(grads[1], grads[2]) and template.linear2.weight.grad is None
    # each copy has its own dropout generator (shared inside the copy, as in the template)
    rngs = [layer.dropout._rng for layer in encoder.layers]
    assert len({id(r) for r in rngs} | {id(template.dropout._rng)}) == 4
    assert all(layer.dropout1._rng is layer.self_attn._rng is layer.dropout._rng for layer in encoder.layers)
    draws = [r.random(6) for r in rngs]
    assert not np.allclose(draws[0], draws[1]) and not np.allclose(draws[1], draws[2])


def test_eval_turns_dropout_off_and_training_draws_reproducibly():
    model = randomised(tiny_transformer(dropout=0.5), seed=7)
    src, tgt = RNG.normal(size=(3, 2, E)), RNG.normal(size=(2, 2, E))
    a, b = model(src, tgt).data, model(src, tgt).data
    assert not np.allclose(a, b)  # fresh masks each call in training
    model.eval()
    assert not any(m.training for m in model.modules())
    expected = ref_transformer(model, src, tgt)
    np.testing.assert_allclose(model(src, tgt).data, expected, rtol=1e-10, atol=1e-12)
    assert not np.allclose(a, expected)
    # the same seed draws the same masks: training runs are reproducible
    one, two = (randomised(tiny_transformer(dropout=0.5), seed=7) for _ in range(2))
    np.testing.assert_array_equal(one(src, tgt).data, two(src, tgt).data)
    # p = 0 in training is evaluation
    plain = randomised(tiny_transformer(dropout=0.0), seed=7)
    np.testing.assert_allclose(plain(src, tgt).data, expected, rtol=1e-12)


@pytest.mark.parametrize(
    ("drop", "zeroed"),
    [
        ("self_attn", "self_attn.out_proj.weight"),  # p = 1 on the weights: attention gives out_proj's bias
        ("dropout1", "self_attn.out_proj"),  # SA(x) = 0
        ("multihead_attn", "multihead_attn.out_proj.weight"),
        ("dropout2", "multihead_attn.out_proj"),  # CA(x, m) = 0
        ("dropout", "linear2.weight"),  # the hidden layer is 0: FF(x) = linear2's bias
        ("dropout3", "linear2"),  # FF(x) = 0
    ],
)
@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer_drops_where_pytorch_does(drop, zeroed, norm_first):
    """With p = 1 on one dropout (0 on the others), the training output is the evaluation
    output of the layer with the matching weights zeroed: each dropout sits where its
    equation puts it."""
    layer = randomised(
        nn.TransformerDecoderLayer(E, H, dim_feedforward=FF, dropout=0.0, norm_first=norm_first)
    )
    tgt, memory = RNG.normal(size=(3, 2, E)), RNG.normal(size=(4, 2, E))
    module = getattr(layer, drop)
    if isinstance(module, nn.MultiheadAttention):
        module.dropout = 1.0
    else:
        module.p = 1.0
    dropped = layer(tgt, memory).data
    state = {k: (0.0 * v if k.startswith(zeroed) else v) for k, v in layer.state_dict().items()}
    plain = nn.TransformerDecoderLayer(E, H, dim_feedforward=FF, norm_first=norm_first)
    plain.load_state_dict(state)
    plain.eval()
    np.testing.assert_allclose(dropped, plain(tgt, memory).data, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(plain(tgt, memory).data, ref_decoder_layer(plain, tgt, memory), rtol=1e-10)
    assert not np.allclose(dropped, layer.eval()(tgt, memory).data)


def test_zero_layers_norm_custom_parts_and_module_activation():
    layer = nn.TransformerEncoderLayer(E, H, dim_feedforward=FF, seed=0)
    src = RNG.normal(size=(3, 2, E))
    np.testing.assert_array_equal(nn.TransformerEncoder(layer, 0)(src).data, src)
    norm = nn.LayerNorm(E)
    np.testing.assert_allclose(nn.TransformerEncoder(layer, 0, norm)(src).data, ref_final_norm(norm, src))
    assert (
        nn.TransformerEncoder(layer, 2, enable_nested_tensor=False, mask_check=False).use_nested_tensor
        is False
    )
    # custom_encoder / custom_decoder are used as given, and re-drawn Xavier-uniform like the rest
    encoder = nn.TransformerEncoder(layer, 1)
    decoder = nn.TransformerDecoder(nn.TransformerDecoderLayer(E, H, dim_feedforward=FF, seed=0), 1)
    before = encoder.layers[0].linear1.weight.data.copy()
    model = nn.Transformer(E, H, dim_feedforward=FF, custom_encoder=encoder, custom_decoder=decoder, seed=0)
    assert model.encoder is encoder and model.decoder is decoder
    assert next(iter(model.state_dict())) == "encoder.layers.0.self_attn.in_proj_weight"
    assert "encoder.norm.weight" not in model.state_dict()
    assert not np.allclose(before, encoder.layers[0].linear1.weight.data)
    model.eval()
    tgt = RNG.normal(size=(2, 2, E))
    np.testing.assert_allclose(model(src, tgt).data, decoder(tgt, encoder(src)).data, rtol=1e-12)
    # an activation module is a submodule, copied with each layer
    gelu = nn.TransformerDecoderLayer(E, H, dim_feedforward=FF, activation=nn.GELU(), seed=0)
    stack = nn.TransformerDecoder(gelu, 2)
    assert (
        isinstance(stack.layers[1].activation, nn.GELU) and stack.layers[1].activation is not gelu.activation
    )


# ---------------------------------------------------------------- gradients


def test_decoder_layer_gradients_first_and_second_order():
    layer = randomised(nn.TransformerDecoderLayer(4, 2, dim_feedforward=6, dropout=0.0, seed=0), seed=8)
    tgt, memory = RNG.normal(size=(3, 2, 4)), RNG.normal(size=(4, 2, 4))
    padding = np.array([[False] * 4, [False, True, False, True]])

    def decode(t, m):
        return layer(t, m, tgt_is_causal=True, memory_key_padding_mask=padding)

    check_first_and_second(decode, tgt, memory)
    pre = randomised(
        nn.TransformerDecoderLayer(4, 2, dim_feedforward=6, norm_first=True, batch_first=True), seed=9
    )
    pre.eval()
    assert am.gradcheck(lambda t, m: pre(t, m, tgt_is_causal=True), tgt.swapaxes(0, 1), memory.swapaxes(0, 1))
    target = RNG.normal(size=(3, 2, 4))
    report = am.compare_gradients(lambda: ((decode(tgt, memory) - target) ** 2).sum(), layer)
    assert report.ok, report


def test_transformer_gradients_match_finite_differences():
    model = tiny_transformer(
        d_model=4, dim_feedforward=6, num_encoder_layers=1, num_decoder_layers=1, dropout=0.0
    )
    randomised(model, seed=10)
    src, tgt = RNG.normal(size=(3, 2, 4)), RNG.normal(size=(2, 2, 4))
    mask = nn.Transformer.generate_square_subsequent_mask(2)
    padding = np.array([[False, False, False], [False, False, True]])

    def run(s, t):
        return model(s, t, tgt_mask=mask, src_key_padding_mask=padding, memory_key_padding_mask=padding)

    assert am.gradcheck(run, src, tgt)
    target = RNG.normal(size=(2, 2, 4))
    report = am.compare_gradients(lambda: ((run(src, tgt) - target) ** 2).sum(), model)
    assert report.ok, report
    # a float mask is an input too: its gradient is finite-differenced
    assert am.gradcheck(lambda m: model(src, tgt, memory_mask=m), RNG.normal(size=(2, 3)))


# ---------------------------------------------------------------- compiled step, dtype


def test_compiled_training_step_matches_eager():
    src, tgt = RNG.normal(size=(3, 2, 4)), RNG.normal(size=(2, 2, 4))
    target = RNG.normal(size=(2, 2, 4))
    mask = nn.Transformer.generate_square_subsequent_mask(2)
    runs = []
    for compiled in (False, True):
        model = tiny_transformer(d_model=4, dim_feedforward=6, num_encoder_layers=1, num_decoder_layers=1)
        opt = nn.optim.Adam(model.parameters(), lr=0.01)  # dropout 0.1 stays on: a training step

        def step(s, t, model=model, opt=opt):
            opt.zero_grad()
            loss = ((model(s, t, tgt_mask=mask) - target) ** 2).mean()
            loss.backward()
            opt.step()
            return loss

        run = am.compile(step) if compiled else step
        losses = [run(src, tgt).item() for _ in range(4)]
        runs.append((losses, model.state_dict()))
    np.testing.assert_allclose(runs[1][0], runs[0][0], rtol=1e-12)
    assert runs[0][0][-1] < runs[0][0][0]
    for key, eager in runs[0][1].items():
        np.testing.assert_allclose(runs[1][1][key], eager, rtol=1e-12, atol=1e-15, err_msg=key)


def test_float32_stays_float32():
    model = tiny_transformer(
        d_model=4, dim_feedforward=6, num_encoder_layers=1, num_decoder_layers=1, dtype=np.float32
    )
    assert all(p.dtype == np.float32 for p in model.parameters())
    src, tgt = (RNG.normal(size=shape).astype(np.float32) for shape in ((3, 2, 4), (2, 2, 4)))
    mask = nn.Transformer.generate_square_subsequent_mask(2, dtype=np.float32)
    assert model(src, tgt, tgt_mask=mask).dtype == np.float32


# ---------------------------------------------------------------- messages


def test_bad_shapes_and_arguments_say_what_to_do():
    layer = nn.TransformerDecoderLayer(8, 2, dim_feedforward=8, seed=0)
    tgt, memory = np.zeros((4, 3, 8)), np.zeros((5, 3, 8))
    with pytest.raises(
        ValueError,
        match=r"TransformerDecoderLayer: tgt has shape \(4, 3, 6\), expected "
        r"\(S, N, d_model\) with d_model=8.*build the layer with d_model=6",
    ):
        layer(np.zeros((4, 3, 6)), memory)
    with pytest.raises(
        ValueError,
        match=r"tgt \(4, 3, 8\), memory \(5, 2, 8\) must have the same batch "
        r"size N \(axis 1 with batch_first=False\).*batch_first=True",
    ):
        layer(tgt, np.zeros((5, 2, 8)))
    with pytest.raises(ValueError, match=r"all batched \(3-D\) or all unbatched"):
        layer(tgt, np.zeros((5, 8)))
    with pytest.raises(
        ValueError,
        match=r"TransformerDecoderLayer \(multihead_attn, given memory_mask .*"
        r"attn_mask has shape \(4, 4\), expected \(L, S\) = \(4, 5\)",
    ):
        layer(tgt, memory, memory_mask=np.zeros((4, 4)))
    with pytest.raises(
        ValueError, match=r"TransformerDecoderLayer \(self_attn, given tgt_mask .*key_padding_mask"
    ):
        layer(tgt, memory, tgt_key_padding_mask=np.zeros((3, 5), bool))
    with pytest.raises(ValueError, match=r"TransformerEncoderLayer: src has shape \(4, 3, 5\)"):
        nn.TransformerEncoderLayer(8, 2, dim_feedforward=8)(np.zeros((4, 3, 5)))
    model = tiny_transformer(d_model=4, dim_feedforward=6, num_encoder_layers=1, num_decoder_layers=1)
    with pytest.raises(
        ValueError, match=r"Transformer: src \(3, 2, 4\), tgt \(2, 5, 4\) must have the same batch"
    ):
        model(np.zeros((3, 2, 4)), np.zeros((2, 5, 4)))
    with pytest.raises(ValueError, match=r"Transformer: tgt has shape \(2, 2, 3\).*d_model=4"):
        model(np.zeros((3, 2, 4)), np.zeros((2, 2, 3)))
    with pytest.raises(ValueError, match="TransformerEncoder: num_layers must be a non-negative int, got -1"):
        nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2, dim_feedforward=6), -1)
    with pytest.raises(TypeError, match=r"TransformerDecoder: the layer to repeat must be an nn\.Module"):
        nn.TransformerDecoder("layer", 2)
    with pytest.raises(ValueError, match="TransformerDecoderLayer: activation must be 'relu', 'gelu'"):
        nn.TransformerDecoderLayer(4, 2, activation="tanh")
    with pytest.raises(ValueError, match="Transformer: give seed or generator, not both"):
        nn.Transformer(4, 2, 1, 1, 6, seed=0, generator=np.random.default_rng(0))
