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
from .activation import ELU, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from .layers import MLP, Dropout, Identity, Linear
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss
from .module import Module, ModuleDict, ModuleList, Parameter, Sequential

__all__ = [
    "ELU",
    "MLP",
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "Dropout",
    "Identity",
    "LeakyReLU",
    "Linear",
    "MSELoss",
    "Module",
    "ModuleDict",
    "ModuleList",
    "NLLLoss",
    "Parameter",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "functional",
    "init",
    "optim",
]
