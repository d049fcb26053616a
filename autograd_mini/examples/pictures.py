"""Ready-made graphs to draw: the single-weight example, a digits-shaped MLP, a deep sigmoid MLP.

Used by ``autograd-mini graph`` and by the pictures in ``docs/images``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from autograd_mini import nn
from autograd_mini.creation import tensor
from autograd_mini.tensor import Tensor
from autograd_mini.viz import draw_graph

EXAMPLES = ("single-weight", "mlp")
RENAMED = {"seed": "single-weight"}  # an old spelling and its new name, for the error message
FORMATS = ("svg", "png")


def single_weight_example() -> Tensor:
    """The single-weight example of the lecture notes after one ``backward()``.

    One weight, no bias, no nonlinearity: w = 0.95, x = 2, y* = 1, y = w·x = 1.9,
    J = ½(y - y*)² = 0.405, so dJ/dw = (y - y*)·x = 1.8. Returns the loss J.
    """
    w = tensor(0.95, requires_grad=True, name="w")
    y = w * 2.0
    y.name = "y"
    error = y - 1.0
    loss = 0.5 * error**2
    loss.name = "J"
    loss.backward()
    return loss


def mlp_example(sizes: tuple[int, ...] = (64, 32, 10), batch: int = 8, seed: int = 0) -> tuple[Tensor, Any]:
    """A digits-shaped MLP (8×8 images, 10 classes) after one ``backward()`` of its loss.

    The inputs are random (no data set needed); the loss is the cross-entropy of the
    logits against labels 0, 1, 2, .... Returns ``(loss, model)``.
    """
    model = nn.MLP(list(sizes), seed=seed)
    rng = np.random.default_rng(seed)
    x = tensor(rng.random((batch, sizes[0])), name="images")
    labels = np.arange(batch) % sizes[-1]
    loss: Tensor = nn.CrossEntropyLoss()(model(x), labels)
    loss.name = "loss"
    loss.backward()
    return loss, model


def deep_sigmoid_example(depth: int = 6, width: int = 3, seed: int = 0) -> tuple[Tensor, Any]:
    """A deep, narrow sigmoid MLP after one ``backward()``: the textbook vanishing gradient.

    Each sigmoid layer multiplies the gradient by σ'(·) <= ¼ and by a small weight, so
    the gradient reaching the first layers is orders of magnitude smaller than at the
    loss. Returns ``(loss, model)``; draw it with ``box_modules=True``.
    """
    model = nn.MLP([2, *([width] * depth), 1], activation="sigmoid", seed=seed)
    x = tensor(np.random.default_rng(seed).normal(size=(4, 2)), name="x")
    loss: Tensor = nn.MSELoss()(model(x), np.ones((4, 1)))
    loss.name = "loss"
    loss.backward()
    return loss, model


def check_example(name: str, who: str) -> None:
    """Raise ValueError unless ``name`` is an example; an old spelling gets its new name."""
    if name in RENAMED:
        raise ValueError(f"{who}: the example {name!r} is now called {RENAMED[name]!r}")
    if name not in EXAMPLES:
        raise ValueError(f"{who}: unknown example {name!r}; choose one of {', '.join(EXAMPLES)}")


def example_graph(name: str, **options: Any) -> Any:
    """The picture of example ``name`` (``"single-weight"`` or ``"mlp"``): a ``GraphPicture``."""
    check_example(name, "example_graph")
    if name == "mlp":
        loss, model = mlp_example()
        options.setdefault("rankdir", "TB")
        return draw_graph(loss, module=model, **options)
    return draw_graph(single_weight_example(), **options)


def write_example(name: str, out: str | Path, fmt: str | None = None) -> Path:
    """Render example ``name`` with Graphviz's ``dot`` to ``out`` (svg or png); returns the path.

    ``fmt`` defaults to the suffix of ``out`` (``.svg``/``.png``), else svg. Raises
    :class:`~autograd_mini.viz.render.GraphvizNotFoundError` when ``dot`` is missing.
    """
    check_example(name, "write_example")
    path = Path(out)
    if fmt is None:
        suffix = path.suffix.lower().lstrip(".")
        fmt = suffix if suffix in FORMATS else "svg"
    if fmt not in FORMATS:
        raise ValueError(f"write_example: format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    data = example_graph(name).pipe(format=fmt)
    if path.parent != Path():
        path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
