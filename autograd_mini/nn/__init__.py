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

from . import functional, init, optim
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
from .layers import MLP, Dropout, Identity, Linear
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss
from .module import Module, ModuleDict, ModuleList, Parameter, Sequential

__all__ = [
    "CELU",
    "ELU",
    "GELU",
    "GLU",
    "MLP",
    "SELU",
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "Dropout",
    "Hardsigmoid",
    "Hardswish",
    "Hardtanh",
    "Identity",
    "LeakyReLU",
    "Linear",
    "LogSigmoid",
    "MSELoss",
    "Mish",
    "Module",
    "ModuleDict",
    "ModuleList",
    "NLLLoss",
    "Parameter",
    "ReLU",
    "ReLU6",
    "Sequential",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Softmin",
    "Softplus",
    "Softsign",
    "Tanh",
    "functional",
    "init",
    "optim",
]
