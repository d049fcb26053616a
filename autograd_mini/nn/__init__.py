"""Neural networks: modules, layers, activations, losses, initialisers and optimizers.

The names, keywords, defaults and layouts are PyTorch's, so the habits carry over:

>>> import numpy as np
>>> import autograd_mini as am
>>> from autograd_mini import nn
>>> model = nn.MLP([2, 8, 1], activation="tanh", seed=0)
>>> optimizer = nn.optim.Adam(model.parameters(), lr=0.05)
>>> loss_fn = nn.MSELoss()
>>> X = am.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
>>> y = am.tensor([[0.0], [1.0], [1.0], [0.0]])
>>> for _ in range(300):
...     optimizer.zero_grad()
...     loss = loss_fn(model(X), y)
...     loss.backward()
...     optimizer.step()
>>> bool(loss.item() < 0.01)
True
"""

from . import functional, init, optim, utils
from .activation import (  # issue 13
    CELU,
    ELU,
    GELU,
    GLU,
    SELU,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    LeakyReLU,
    LogSigmoid,
    Mish,
    ReLU,
    ReLU6,
    Sigmoid,
    SiLU,
    Softmax,
    Softmin,
    Softplus,
    Softsign,
    Tanh,
)
from .attention import MultiheadAttention  # issue 15: recurrent layers, attention, losses
from .conv import Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d  # issue 15: conv, pooling, norms
from .embedding import Embedding
from .flatten import Flatten, Unflatten
from .layers import MLP, Dropout, Identity, Linear
from .loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CosineEmbeddingLoss,
    CrossEntropyLoss,
    GaussianNLLLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MarginRankingLoss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from .module import Module, ModuleDict, ModuleList, Parameter, Sequential
from .normalization import BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm
from .pooling import (
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AvgPool1d,
    AvgPool2d,
    MaxPool1d,
    MaxPool2d,
    Upsample,
)
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase
from .transformer import (
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)

__all__ = [
    "CELU",
    "ELU",
    "GELU",
    "GLU",
    "GRU",
    "LSTM",
    "MLP",
    "RNN",
    "SELU",
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AvgPool1d",
    "AvgPool2d",
    "BCELoss",
    "BCEWithLogitsLoss",
    "BatchNorm1d",
    "BatchNorm2d",
    "Conv1d",
    "Conv2d",
    "ConvTranspose1d",
    "ConvTranspose2d",
    "CosineEmbeddingLoss",
    "CrossEntropyLoss",
    "Dropout",
    "Embedding",
    "Flatten",
    "GRUCell",
    "GaussianNLLLoss",
    "GroupNorm",
    "Hardsigmoid",
    "Hardswish",
    "Hardtanh",
    "HuberLoss",
    "Identity",
    "KLDivLoss",
    "L1Loss",
    "LSTMCell",
    "LayerNorm",
    "LeakyReLU",
    "Linear",
    "LogSigmoid",
    "MSELoss",
    "MarginRankingLoss",
    "MaxPool1d",
    "MaxPool2d",
    "Mish",
    "Module",
    "ModuleDict",
    "ModuleList",
    "MultiheadAttention",
    "NLLLoss",
    "Parameter",
    "RNNBase",
    "RNNCell",
    "RNNCellBase",
    "ReLU",
    "ReLU6",
    "Sequential",
    "SiLU",
    "Sigmoid",
    "SmoothL1Loss",
    "Softmax",
    "Softmin",
    "Softplus",
    "Softsign",
    "Tanh",
    "Transformer",
    "TransformerDecoder",
    "TransformerDecoderLayer",
    "TransformerEncoder",
    "TransformerEncoderLayer",
    "Unflatten",
    "Upsample",
    "functional",
    "init",
    "optim",
    "utils",
]

# more everyday layers and losses (layers_more.py, padding.py, containers.py, loss_more.py)
from . import containers, layers_more, loss_more, padding
from .containers import *  # noqa: F403
from .layers_more import *  # noqa: F403
from .loss_more import *  # noqa: F403
from .padding import *  # noqa: F403

__all__ += containers.__all__ + layers_more.__all__ + loss_more.__all__ + padding.__all__
