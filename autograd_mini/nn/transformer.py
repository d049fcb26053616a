"""PyTorch's transformer family: ``TransformerEncoderLayer``, ``TransformerDecoderLayer``,
the stacks ``TransformerEncoder`` and ``TransformerDecoder``, and the whole
encoder-decoder ``Transformer`` ("Attention Is All You Need").

Every sublayer is a residual block with a layer norm, after it (post-norm, the default)
or before it (``norm_first=True``, pre-norm):

- post-norm: x ← norm(x + block(x));
- pre-norm: x ← x + block(norm(x)).

The blocks are self-attention SA(x) = dropout(MHA(x, x, x)), cross-attention
CA(x, m) = dropout(MHA(x, m, m)) over the encoder's output m (the "memory"), and the
feed-forward block FF(x) = dropout(linear2(dropout(activation(linear1(x))))). An encoder
layer is SA then FF; a decoder layer is SA, CA, then FF. The modules carry PyTorch's names
(``self_attn``, ``multihead_attn``, ``linear1``, ``dropout``, ``linear2``, ``norm1``..``norm3``,
``dropout1``..``dropout3``, ``layers``, ``norm``, ``encoder``, ``decoder``), so a
``state_dict`` has PyTorch's keys and shapes. Everything is composed of library ops
(through :class:`MultiheadAttention`, :class:`Linear`, :class:`LayerNorm` and
:class:`Dropout`), so gradients of every order come from the engine.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import dtypes
from ..ops import api as ops
from ..tensor import Tensor
from . import functional, init
from .attention import MultiheadAttention
from .layers import Dropout, Linear
from .module import Module, ModuleList
from .normalization import LayerNorm

_ACTIVATIONS: dict[str, Callable[[Any], Tensor]] = {"relu": functional.relu, "gelu": functional.gelu}


def _activation(activation: str | Callable[[Any], Tensor], who: str) -> Callable[[Any], Tensor]:
    """The feed-forward activation: ``"relu"``, ``"gelu"`` or a callable."""
    if isinstance(activation, str) and activation in _ACTIVATIONS:
        return _ACTIVATIONS[activation]
    if callable(activation):
        return activation
    raise ValueError(f"{who}: activation must be 'relu', 'gelu' or a callable, got {activation!r}")


def _generator(seed: int | None, generator: np.random.Generator | None, who: str) -> np.random.Generator:
    if seed is not None and generator is not None:
        raise ValueError(f"{who}: give seed or generator, not both")
    return init.as_generator(generator if generator is not None else seed, who)


def _shape(x: Any) -> tuple[int, ...]:
    """The shape of a user's input, for checks and messages."""
    return tuple(np.shape(x.data if isinstance(x, Tensor) else x))


def _check_sequences(who: str, d_model: int, batch_first: bool, **named: Any) -> None:
    """Each named input is (S, N, d_model) ((N, S, d_model) with ``batch_first``) or
    (S, d_model) unbatched; several inputs must agree on that and on the batch size N."""
    layout = "(N, S, d_model)" if batch_first else "(S, N, d_model)"
    shapes = {name: _shape(x) for name, x in named.items()}
    for name, shape in shapes.items():
        if len(shape) not in (2, 3) or shape[-1] != d_model:
            fix = f"give it {d_model} features in its last axis"
            if len(shape) in (2, 3) and shape[-1] > 0:
                fix += f", or build the layer with d_model={shape[-1]}"
            raise ValueError(
                f"{who}: {name} has shape {shape}, expected {layout} with d_model={d_model} "
                f"(batch_first={batch_first}) or (S, d_model) unbatched; {fix}"
            )
    if len(shapes) < 2:
        return
    listed = ", ".join(f"{name} {shape}" for name, shape in shapes.items())
    if len({len(shape) for shape in shapes.values()}) > 1:
        raise ValueError(
            f"{who}: {listed} must be all batched (3-D) or all unbatched (2-D); add the batch "
            f"axis to the unbatched one"
        )
    axis = 0 if batch_first else 1
    if len(next(iter(shapes.values()))) == 3 and len({shape[axis] for shape in shapes.values()}) > 1:
        hint = "" if batch_first else "; for (N, S, d_model) inputs build the module with batch_first=True"
        raise ValueError(
            f"{who}: {listed} must have the same batch size N (axis {axis} with "
            f"batch_first={batch_first}){hint}"
        )


def _attend(
    who: str,
    mha: MultiheadAttention,
    names: str,
    x: Any,
    source: Any,
    mask: Any,
    padding: Any,
    is_causal: bool,
) -> Tensor:
    """mha(x, source, source)'s output; a mask error names the layer and its mask arguments."""
    try:
        out, _ = mha(
            x,
            source,
            source,
            attn_mask=mask,
            key_padding_mask=padding,
            need_weights=False,
            is_causal=is_causal,
        )
    except (ValueError, TypeError) as err:
        if type(err) not in (ValueError, TypeError):  # a subclass may need more than a message
            raise
        raise type(err)(f"{who} ({names}): {err}") from err
    return out


def _clones(module: Module, n: int, who: str) -> ModuleList:
    """``n`` deep copies of ``module``: the same parameter values in separate arrays (each
    copy trains on its own). Every random generator the module holds (its dropout masks)
    is replaced in each copy by a new one seeded from the original, so the copies draw
    different masks instead of repeating each other's."""
    if not isinstance(module, Module):
        raise TypeError(f"{who}: the layer to repeat must be an nn.Module, got {type(module).__name__}")
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
        raise ValueError(f"{who}: num_layers must be a non-negative int, got {n!r}")
    generators: dict[int, np.random.Generator] = {}
    for m in module.modules():
        for value in vars(m).values():
            if isinstance(value, np.random.Generator):
                generators[id(value)] = value
    copies = []
    for _ in range(int(n)):
        # deepcopy puts the memo's object wherever it meets the original
        memo: dict[int, Any] = {
            key: np.random.default_rng(int(g.integers(2**63))) for key, g in generators.items()
        }
        copies.append(copy.deepcopy(module, memo))
    return ModuleList(copies)


class TransformerEncoderLayer(Module):
    """One transformer encoder layer (PyTorch's signature, submodule names and order).

    Post-norm (the default): x ← norm1(x + SA(x)); x ← norm2(x + FF(x)).
    Pre-norm (``norm_first=True``): x ← x + SA(norm1(x)); x ← x + FF(norm2(x)).
    SA(x) = dropout1(self_attn(x, x, x)) and FF(x) = dropout2(linear2(dropout(activation(linear1(x))))).

    ``src`` is (S, N, d_model), (N, S, d_model) with ``batch_first``, or (S, d_model)
    unbatched; the output has its shape. ``forward(src, src_mask=None,
    src_key_padding_mask=None, is_causal=False)`` passes the masks to ``self_attn``
    (:class:`MultiheadAttention`'s conventions: a boolean True leaves a position out, a
    float mask is added to the scores). ``activation`` is ``"relu"``, ``"gelu"`` or a
    callable. ``dtype``, ``seed`` and ``generator`` (keyword-only) choose the dtype and
    make weights and dropout masks reproducible.

    >>> import numpy as np
    >>> from autograd_mini import nn
    >>> layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True, seed=0)
    >>> layer(np.zeros((3, 5, 8))).shape
    (3, 5, 8)
    >>> [name for name, _ in layer.named_children()]
    ['self_attn', 'linear1', 'dropout', 'linear2', 'norm1', 'norm2', 'dropout1', 'dropout2']
    """

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str | Callable[[Any], Tensor] = "relu",
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        *,
        dtype: Any = None,
        seed: int | None = None,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        who = "TransformerEncoderLayer"
        rng = _generator(seed, generator, who)
        act = _activation(activation, who)
        self.self_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first, dtype=dtype, generator=rng
        )
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype, generator=rng)
        self.dropout = Dropout(dropout, generator=rng)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype, generator=rng)
        self.norm_first = bool(norm_first)
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout, generator=rng)
        self.dropout2 = Dropout(dropout, generator=rng)
        self.activation = act  # a Module passed here is registered as a submodule, as in PyTorch
        self.batch_first = bool(batch_first)

    def forward(
        self,
        src: Any,
        src_mask: Any = None,
        src_key_padding_mask: Any = None,
        is_causal: bool = False,
    ) -> Tensor:
        """The encoded sequence, of ``src``'s shape."""
        _check_sequences("TransformerEncoderLayer", self.self_attn.embed_dim, self.batch_first, src=src)
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._ff_block(self.norm2(x))
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
        out: Tensor = self.norm2(x + self._ff_block(x))
        return out

    def _sa_block(self, x: Any, mask: Any, padding: Any, is_causal: bool) -> Tensor:
        """dropout1(self-attention of x)."""
        names = "self_attn, given src_mask and src_key_padding_mask"
        out = _attend("TransformerEncoderLayer", self.self_attn, names, x, x, mask, padding, is_causal)
        result: Tensor = self.dropout1(out)
        return result

    def _ff_block(self, x: Any) -> Tensor:
        """dropout2(linear2(dropout(activation(linear1(x)))))."""
        hidden = self.dropout(self.activation(self.linear1(x)))
        result: Tensor = self.dropout2(self.linear2(hidden))
        return result


class TransformerDecoderLayer(Module):
    """One transformer decoder layer: self-attention, attention over the encoder's output
    (``memory``) and a feed-forward block (PyTorch's signature, submodule names and order).

    Post-norm (the default)::

        x ← norm1(x + SA(x)); x ← norm2(x + CA(x, m)); x ← norm3(x + FF(x))

    Pre-norm (``norm_first=True``)::

        x ← x + SA(norm1(x)); x ← x + CA(norm2(x), m); x ← x + FF(norm3(x))

    with SA(x) = dropout1(self_attn(x, x, x)), CA(x, m) = dropout2(multihead_attn(x, m, m))
    and FF(x) = dropout3(linear2(dropout(activation(linear1(x))))); x starts as ``tgt`` and
    m is ``memory`` (never normalised here: the encoder normalises it).

    ``tgt`` is (T, N, d_model) and ``memory`` (S, N, d_model) ((N, T, d_model) and
    (N, S, d_model) with ``batch_first``; (T, d_model) and (S, d_model) unbatched); the
    output has ``tgt``'s shape. ``tgt_mask`` (T, T) and ``tgt_key_padding_mask`` (N, T) go
    to ``self_attn``, ``memory_mask`` (T, S) and ``memory_key_padding_mask`` (N, S) to
    ``multihead_attn`` (:class:`MultiheadAttention`'s conventions: a boolean True leaves a
    position out, a float mask is added to the scores). ``tgt_is_causal=True`` without a
    ``tgt_mask`` builds the causal mask (PyTorch treats it as a hint and asks for the mask);
    with a mask given, the mask is used. ``dtype``, ``seed`` and ``generator`` are keyword-only.

    >>> import numpy as np
    >>> from autograd_mini import nn
    >>> layer = nn.TransformerDecoderLayer(8, 2, dim_feedforward=16, seed=0)
    >>> layer(np.zeros((4, 3, 8)), np.zeros((6, 3, 8))).shape  # tgt (T, N, E), memory (S, N, E)
    (4, 3, 8)
    >>> [name for name, _ in layer.named_children()]  # doctest: +NORMALIZE_WHITESPACE
    ['self_attn', 'multihead_attn', 'linear1', 'dropout', 'linear2', 'norm1', 'norm2', 'norm3',
     'dropout1', 'dropout2', 'dropout3']
    """

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str | Callable[[Any], Tensor] = "relu",
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        *,
        dtype: Any = None,
        seed: int | None = None,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        who = "TransformerDecoderLayer"
        rng = _generator(seed, generator, who)
        act = _activation(activation, who)
        options: dict[str, Any] = {
            "dropout": dropout,
            "bias": bias,
            "batch_first": batch_first,
            "dtype": dtype,
        }
        self.self_attn = MultiheadAttention(d_model, nhead, generator=rng, **options)
        self.multihead_attn = MultiheadAttention(d_model, nhead, generator=rng, **options)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype, generator=rng)
        self.dropout = Dropout(dropout, generator=rng)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype, generator=rng)
        self.norm_first = bool(norm_first)
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout, generator=rng)
        self.dropout2 = Dropout(dropout, generator=rng)
        self.dropout3 = Dropout(dropout, generator=rng)
        self.activation = act  # a Module passed here is registered as a submodule, as in PyTorch
        self.batch_first = bool(batch_first)

    def forward(
        self,
        tgt: Any,
        memory: Any,
        tgt_mask: Any = None,
        memory_mask: Any = None,
        tgt_key_padding_mask: Any = None,
        memory_key_padding_mask: Any = None,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
    ) -> Tensor:
        """The decoded sequence, of ``tgt``'s shape."""
        _check_sequences(
            "TransformerDecoderLayer", self.self_attn.embed_dim, self.batch_first, tgt=tgt, memory=memory
        )
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(
                self.norm2(x), memory, memory_mask, memory_key_padding_mask, memory_is_causal
            )
            return x + self._ff_block(self.norm3(x))
        x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
        x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask, memory_is_causal))
        out: Tensor = self.norm3(x + self._ff_block(x))
        return out

    def _sa_block(self, x: Any, mask: Any, padding: Any, is_causal: bool) -> Tensor:
        """dropout1(self-attention of x)."""
        names = "self_attn, given tgt_mask and tgt_key_padding_mask"
        out = _attend("TransformerDecoderLayer", self.self_attn, names, x, x, mask, padding, is_causal)
        result: Tensor = self.dropout1(out)
        return result

    def _mha_block(self, x: Any, memory: Any, mask: Any, padding: Any, is_causal: bool) -> Tensor:
        """dropout2(attention of x's queries over memory's keys and values)."""
        names = "multihead_attn, given memory_mask and memory_key_padding_mask"
        out = _attend(
            "TransformerDecoderLayer", self.multihead_attn, names, x, memory, mask, padding, is_causal
        )
        result: Tensor = self.dropout2(out)
        return result

    def _ff_block(self, x: Any) -> Tensor:
        """dropout3(linear2(dropout(activation(linear1(x)))))."""
        hidden = self.dropout(self.activation(self.linear1(x)))
        result: Tensor = self.dropout3(self.linear2(hidden))
        return result


class TransformerEncoder(Module):
    """A stack of ``num_layers`` encoder layers, then an optional final ``norm``.

    x₀ = src, xᵢ = ``layers[i-1](xᵢ₋₁)`` for i = 1..L, output norm(x_L) (x_L without ``norm``).

    ``layers`` is a :class:`ModuleList` of deep copies of ``encoder_layer`` (keys
    ``layers.0.self_attn.in_proj_weight``, ...): as in PyTorch, every copy starts with the
    same parameter values (re-initialise them, or use :class:`Transformer`, which does), but
    each has its own arrays, and its own dropout generator seeded from the original's, so
    the copies draw different masks. ``forward(src, mask=None, src_key_padding_mask=None,
    is_causal=None)`` hands the masks to every layer; ``is_causal`` is a hint (None: not
    stated): a given ``mask`` is always used, and ``is_causal=True`` without one makes each
    layer build the causal mask. ``enable_nested_tensor`` and ``mask_check`` are accepted
    for PyTorch's signature and have no effect: there are no nested tensors here, every
    sequence is computed padded and masked.

    >>> import numpy as np
    >>> from autograd_mini import nn
    >>> layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, seed=0)
    >>> encoder = nn.TransformerEncoder(layer, num_layers=3, norm=nn.LayerNorm(8))
    >>> encoder(np.zeros((5, 2, 8))).shape
    (5, 2, 8)
    >>> [k for k in encoder.state_dict() if k.endswith("in_proj_weight")]  # doctest: +NORMALIZE_WHITESPACE
    ['layers.0.self_attn.in_proj_weight', 'layers.1.self_attn.in_proj_weight',
     'layers.2.self_attn.in_proj_weight']
    """

    def __init__(
        self,
        encoder_layer: Module,
        num_layers: int,
        norm: Module | None = None,
        enable_nested_tensor: bool = True,
        mask_check: bool = True,
    ) -> None:
        super().__init__()
        self.layers = _clones(encoder_layer, num_layers, "TransformerEncoder")
        self.num_layers = int(num_layers)
        self.norm = norm
        self.enable_nested_tensor = bool(enable_nested_tensor)  # accepted; no nested tensors here
        self.use_nested_tensor = False
        self.mask_check = bool(mask_check)  # accepted; it only guards PyTorch's nested-tensor path

    def forward(
        self,
        src: Any,
        mask: Any = None,
        src_key_padding_mask: Any = None,
        is_causal: bool | None = None,
    ) -> Tensor:
        """The encoded sequence, of ``src``'s shape."""
        x = src
        causal = bool(is_causal)  # None: not stated
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask, is_causal=causal)
        if self.norm is not None:
            x = self.norm(x)
        return x if isinstance(x, Tensor) else ops.as_tensor(x, "TransformerEncoder")  # zero layers, no norm


class TransformerDecoder(Module):
    """A stack of ``num_layers`` decoder layers, then an optional final ``norm``.

    x₀ = tgt, xᵢ = ``layers[i-1](xᵢ₋₁, memory)`` for i = 1..L, output norm(x_L); every layer
    attends to the same ``memory``. ``layers`` holds deep copies of ``decoder_layer`` (keys
    ``layers.0.self_attn.in_proj_weight``, ``layers.0.multihead_attn.in_proj_weight``, ...),
    with the same starting values and separate arrays and dropout generators (see
    :class:`TransformerEncoder`). ``forward(tgt, memory, tgt_mask=None, memory_mask=None,
    tgt_key_padding_mask=None, memory_key_padding_mask=None, tgt_is_causal=None,
    memory_is_causal=False)`` hands the masks to every layer; the ``*_is_causal`` flags are
    hints as in :class:`TransformerDecoderLayer` (a given mask is always used).

    >>> import numpy as np
    >>> from autograd_mini import nn
    >>> layer = nn.TransformerDecoderLayer(8, 2, dim_feedforward=16, batch_first=True, seed=0)
    >>> decoder = nn.TransformerDecoder(layer, num_layers=2)
    >>> decoder(np.zeros((3, 4, 8)), np.zeros((3, 6, 8))).shape
    (3, 4, 8)
    """

    def __init__(self, decoder_layer: Module, num_layers: int, norm: Module | None = None) -> None:
        super().__init__()
        self.layers = _clones(decoder_layer, num_layers, "TransformerDecoder")
        self.num_layers = int(num_layers)
        self.norm = norm

    def forward(
        self,
        tgt: Any,
        memory: Any,
        tgt_mask: Any = None,
        memory_mask: Any = None,
        tgt_key_padding_mask: Any = None,
        memory_key_padding_mask: Any = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> Tensor:
        """The decoded sequence, of ``tgt``'s shape."""
        x = tgt
        causal = bool(tgt_is_causal)  # None: not stated
        for layer in self.layers:
            x = layer(
                x,
                memory,
                tgt_mask=tgt_mask,
                memory_mask=memory_mask,
                tgt_key_padding_mask=tgt_key_padding_mask,
                memory_key_padding_mask=memory_key_padding_mask,
                tgt_is_causal=causal,
                memory_is_causal=memory_is_causal,
            )
        if self.norm is not None:
            x = self.norm(x)
        return x if isinstance(x, Tensor) else ops.as_tensor(x, "TransformerDecoder")  # zero layers, no norm


class Transformer(Module):
    """The encoder-decoder transformer of "Attention Is All You Need" (PyTorch's
    ``nn.Transformer``: signature, defaults, submodules and ``state_dict`` keys).

    memory = encoder(src) = LayerNorm(E_L(...E_1(src))), out = decoder(tgt, memory) =
    LayerNorm(D_L(...D_1(tgt, memory), memory)), with ``num_encoder_layers`` encoder layers
    Eᵢ (:class:`TransformerEncoderLayer`) and ``num_decoder_layers`` decoder layers Dᵢ
    (:class:`TransformerDecoderLayer`), each with the equations in its docstring. ``encoder``
    is a :class:`TransformerEncoder` and ``decoder`` a :class:`TransformerDecoder`, both
    ending in a LayerNorm (``encoder.norm``, ``decoder.norm``); ``custom_encoder`` /
    ``custom_decoder`` replace them (called with the same keywords). As in PyTorch, every
    parameter with more than one axis (all weight matrices, in every layer) is then
    re-drawn Xavier-uniform, U(-a, a) with a = √(6 / (fan_in + fan_out)); biases and norm
    parameters keep their layers' initialisation.

    ``forward(src, tgt, src_mask=None, tgt_mask=None, memory_mask=None,
    src_key_padding_mask=None, tgt_key_padding_mask=None, memory_key_padding_mask=None,
    src_is_causal=None, tgt_is_causal=None, memory_is_causal=False)``: ``src`` (S, N, E),
    ``tgt`` (T, N, E) ((N, S, E), (N, T, E) with ``batch_first``; (S, E), (T, E)
    unbatched) with E = d_model; the output is (T, N, E). ``src_mask`` (S, S),
    ``tgt_mask`` (T, T) and ``memory_mask`` (T, S) are (N·nhead, ·, ·) per sample and
    head; padding masks are (N, S), (N, T) and (N, S). A boolean True leaves a position
    out, a float mask is added to the scores: :meth:`generate_square_subsequent_mask`
    makes the float causal mask for ``tgt_mask``. ``dtype``, ``seed`` and ``generator``
    are keyword-only.

    >>> import numpy as np
    >>> from autograd_mini import nn
    >>> model = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=2,
    ...                        dim_feedforward=16, seed=0)
    >>> src, tgt = np.zeros((6, 3, 8)), np.zeros((4, 3, 8))
    >>> mask = nn.Transformer.generate_square_subsequent_mask(4)
    >>> model(src, tgt, tgt_mask=mask).shape
    (4, 3, 8)
    >>> mask.numpy()[:2]
    array([[  0., -inf, -inf, -inf],
           [  0.,   0., -inf, -inf]])
    """

    def __init__(
        self,
        d_model: int = 512,
        nhead: int = 8,
        num_encoder_layers: int = 6,
        num_decoder_layers: int = 6,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str | Callable[[Any], Tensor] = "relu",
        custom_encoder: Module | None = None,
        custom_decoder: Module | None = None,
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        *,
        dtype: Any = None,
        seed: int | None = None,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        rng = _generator(seed, generator, "Transformer")
        layer_options: dict[str, Any] = {
            "dim_feedforward": dim_feedforward,
            "dropout": dropout,
            "activation": activation,
            "layer_norm_eps": layer_norm_eps,
            "batch_first": batch_first,
            "norm_first": norm_first,
            "bias": bias,
            "dtype": dtype,
            "generator": rng,
        }
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            encoder_layer = TransformerEncoderLayer(d_model, nhead, **layer_options)
            encoder_norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
            self.encoder = TransformerEncoder(encoder_layer, num_encoder_layers, encoder_norm)
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            decoder_layer = TransformerDecoderLayer(d_model, nhead, **layer_options)
            decoder_norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
            self.decoder = TransformerDecoder(decoder_layer, num_decoder_layers, decoder_norm)
        self.d_model = int(d_model)
        self.nhead = int(nhead)
        self.batch_first = bool(batch_first)
        self._reset_parameters(rng)

    def _reset_parameters(self, generator: init.Generator = None) -> None:
        """Xavier-uniform for every parameter with more than one axis (PyTorch's rule)."""
        rng = init.as_generator(generator, "Transformer")
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p, generator=rng)

    def forward(
        self,
        src: Any,
        tgt: Any,
        src_mask: Any = None,
        tgt_mask: Any = None,
        memory_mask: Any = None,
        src_key_padding_mask: Any = None,
        tgt_key_padding_mask: Any = None,
        memory_key_padding_mask: Any = None,
        src_is_causal: bool | None = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> Tensor:
        """The decoder's output, of ``tgt``'s shape; see the class docstring."""
        _check_sequences("Transformer", self.d_model, self.batch_first, src=src, tgt=tgt)
        memory = self.encoder(
            src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal
        )
        out: Tensor = self.decoder(
            tgt,
            memory,
            tgt_mask=tgt_mask,
            memory_mask=memory_mask,
            tgt_key_padding_mask=tgt_key_padding_mask,
            memory_key_padding_mask=memory_key_padding_mask,
            tgt_is_causal=tgt_is_causal,
            memory_is_causal=memory_is_causal,
        )
        return out

    @staticmethod
    def generate_square_subsequent_mask(sz: int, *, dtype: Any = None) -> Tensor:
        """The (sz, sz) causal mask to add to attention scores: 0 on and below the
        diagonal, -inf above it (position i attends to positions 0..i), in ``dtype``
        (default: the default dtype). PyTorch's second positional parameter is a device;
        there are none here, so ``dtype`` is keyword-only.

        >>> from autograd_mini import nn
        >>> nn.Transformer.generate_square_subsequent_mask(3).numpy()
        array([[  0., -inf, -inf],
               [  0.,   0., -inf],
               [  0.,   0.,   0.]])
        """
        if not isinstance(sz, (int, np.integer)) or isinstance(sz, bool) or sz < 0:
            raise ValueError(
                f"Transformer.generate_square_subsequent_mask: sz must be a non-negative int, got {sz!r}"
            )
        dt = np.dtype(dtypes.get_default_dtype() if dtype is None else dtype)
        if dt.kind != "f":
            raise TypeError(
                f"Transformer.generate_square_subsequent_mask: dtype must be floating point "
                f"(the mask holds -inf), got {dt}"
            )
        mask = np.triu(np.full((int(sz), int(sz)), -np.inf, dtype=dt), k=1)
        return Tensor._wrap(mask)
