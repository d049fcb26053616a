"""Check cases of the convolution, max-pooling and embedding ops (issue 15).

Merged into :data:`autograd_mini.checking.cases.SPECS`. The three convolution ops are
each other's VJPs, so each is checked on its own as well as through the others (the
second-order checks run the other two): odd sizes, groups, asymmetric zero padding,
dilation, stride larger than the kernel, 1-D and 2-D, with and without a bias, and the
transposed convolution with an output padding. Max pooling is checked on inputs without
ties (well-separated values), with overlapping, padded, dilated and strided windows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..ops import conv, embedding, pool
from .cases import Case, case, distinct, normal


def _conv(**p: Any) -> Callable[..., Any]:
    return lambda x, w, b=None: conv.conv(x, w, b, **p)


def _conv_cases() -> list[Case]:
    two = {"stride": (2, 1), "padding": ((1, 2), (0, 1)), "dilation": (1, 2), "groups": 2}
    return [
        case(
            _conv(**two),
            normal(2, 4, 5, 4),
            normal(6, 2, 3, 2),
            normal(6),
            label="2-D groups=2 stride (2,1) dilation (1,2) asymmetric padding, bias",
        ),
        case(
            _conv(stride=(3,), padding=((1, 0),), dilation=(1,), groups=1),
            normal(2, 3, 7),
            normal(2, 3, 2),
            label="1-D stride 3 > kernel 2, no bias",
        ),
        case(
            _conv(stride=(3, 4), padding=((0, 0), (0, 0)), dilation=(1, 1), groups=3),
            normal(1, 3, 5, 7),
            normal(3, 1, 2, 2),
            normal(3),
            label="2-D depthwise, stride > kernel, odd sizes",
        ),
    ]


def _conv_transpose_cases() -> list[Case]:
    return [
        case(
            lambda g, w, b: conv.conv_transpose(
                g, w, b, stride=(2, 2), padding=((1, 1), (0, 0)), dilation=(1, 1), groups=2, shape=(6, 8)
            ),  # (3-1)·2 - 2 + 3 + 1 = 6 (output padding 1), (3-1)·2 + 3 + 1 = 8
            normal(2, 4, 3, 3),
            normal(4, 1, 3, 3),
            normal(2),
            label="2-D stride 2, groups 2, output padding 1, bias",
        ),
        case(
            lambda g, w: conv.conv_transpose(
                g, w, None, stride=(1,), padding=((2, 1),), dilation=(2,), groups=1, shape=(7,)
            ),
            normal(2, 3, 6),
            normal(3, 2, 3),
            label="1-D dilation 2",
        ),
    ]


def _conv_weight_cases() -> list[Case]:
    return [
        case(
            lambda x, g: conv.conv_weight(
                x, g, stride=(2, 1), padding=((1, 0), (1, 1)), dilation=(1, 2), groups=2, size=(2, 3)
            ),
            normal(2, 4, 5, 5),
            normal(2, 2, 3, 3),
            label="2-D groups 2, stride, dilation",
        ),
        case(
            lambda x, g: conv.conv_weight(
                x, g, stride=(3,), padding=((0, 0),), dilation=(1,), groups=1, size=(2,)
            ),
            normal(2, 3, 8),
            normal(2, 4, 3),
            label="1-D stride 3 > kernel 2",
        ),
    ]


def _max_pool_cases() -> list[Case]:
    return [
        case(
            lambda x: pool.max_pool(
                x, kernel=(2, 2), stride=(2, 2), padding=((0, 0), (0, 0)), dilation=(1, 1)
            ),
            distinct(2, 3, 4, 5),
            label="2-D 2x2, odd width",
        ),
        case(
            lambda x: pool.max_pool(
                x, kernel=(3, 3), stride=(1, 2), padding=((1, 1), (1, 1)), dilation=(1, 1)
            ),
            distinct(1, 2, 5, 5),
            label="2-D 3x3 overlapping, padded",
        ),
        case(
            lambda x: pool.max_pool(x, kernel=(2,), stride=(3,), padding=((0, 1),), dilation=(2,)),
            distinct(2, 2, 8),
            label="1-D dilation 2, stride 3, ceil-mode padding",
        ),
    ]


def _one_hot_masks(kernel: tuple[int, ...], shape: tuple[int, ...], seed: int) -> np.ndarray:
    """(K, *shape) booleans, one offset marked per window (what first_max_masks gives)."""
    k = int(np.prod(kernel))
    choice = np.random.default_rng(seed).integers(0, k, shape)
    return np.stack([choice == i for i in range(k)])


def _routing_cases() -> dict[str, list[Case]]:
    settings = [
        # kernel, stride, padding, dilation, input spatial size, output spatial size
        ((2, 2), (2, 2), ((0, 0), (0, 0)), (1, 1), (4, 5), (2, 2)),
        ((3, 3), (1, 2), ((1, 1), (1, 1)), (1, 1), (5, 5), (5, 3)),  # overlapping, padded
        ((2,), (3,), ((0, 1),), (2,), (8,), (3,)),  # dilated, strided, ceil-mode padding
    ]
    scatter, gather = [], []
    for i, (kernel, stride, padding, dilation, size, out) in enumerate(settings):
        masks = _one_hot_masks(kernel, (2, 2, *out), seed=i)
        p = {"masks": masks, "kernel": kernel, "stride": stride, "padding": padding, "dilation": dilation}
        label = f"kernel {kernel} stride {stride}"
        scatter.append(
            case(
                lambda g, p=p, size=size: pool.pool_scatter(g, shape=size, **p),
                normal(2, 2, *out),
                label=label,
            )
        )
        gather.append(case(lambda h, p=p: pool.pool_gather(h, **p), normal(2, 2, *size), label=label))
    return {"pool_scatter": scatter, "pool_gather": gather}


def _embedding_cases() -> list[Case]:
    # (padding_idx is left out here: its row gets no gradient by design, which finite
    # differences would contradict; tests/nn/test_embedding.py checks it)
    index = np.array([[0, 2, 4], [4, 2, 1]])
    return [
        case(
            lambda w: embedding.embedding(w, index=index, padding_idx=None),
            normal(5, 3),
            label="repeated indices",
        ),
    ]


SPECS: dict[str, list[Case]] = {
    "conv": _conv_cases(),
    "conv_transpose": _conv_transpose_cases(),
    "conv_weight": _conv_weight_cases(),
    "max_pool": _max_pool_cases(),
    **_routing_cases(),
    "embedding": _embedding_cases(),
}
