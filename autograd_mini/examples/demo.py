"""The main job behind ``make demo`` / ``autograd-mini demo``.

First the single-weight example of the lecture notes this project grew from (the
engine's derivative next to the one by hand), then the real job: an MLP trained on the
8×8 digits, its test accuracy, its gradients checked against backpropagation written
by hand (:mod:`autograd_mini.examples.handwritten`) and against finite differences,
and pictures of its computation graph and loss curve in ``demo-output/``.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import autograd_mini as am
from autograd_mini import nn

from . import handwritten


def single_weight_demo(steps: int = 20, report: tuple[int, ...] = (1, 10, 15, 20)) -> list[float]:
    """The single-weight example, differentiated by the engine and by hand.

    One weight w = 0.95, input x = 2, target y* = 1, loss J = ½(y - y*)² with y = w·x,
    learning rate h = 0.1. By the chain rule dJ/dw = (dJ/dy)(dy/dw) = (y - y*)·x = 1.8,
    and gradient descent w ← w - h·dJ/dw reaches 0.77, 0.5027, 0.5002, 0.5000 after
    1, 10, 15, 20 steps. Returns w after each step.
    """
    x, target, lr = handwritten.X, handwritten.TARGET, handwritten.LEARNING_RATE
    w = am.tensor(handwritten.SINGLE_WEIGHT_START, requires_grad=True, name="w")
    y = w * x
    loss = 0.5 * (y - target) ** 2
    loss.backward()
    assert w.grad is not None
    hand = handwritten.single_weight_gradient(w.item())
    print("Single-weight example: y = w·x, J = ½(y - y*)², w = 0.95, x = 2, y* = 1, h = 0.1")
    print(f"  dJ/dw by backward():            {w.grad.item():.6f}")
    print(f"  dJ/dw by hand, (y - y*)·x:      {hand:.6f}")
    history: list[float] = []
    w.grad = None
    for step in range(1, steps + 1):
        loss = 0.5 * (w * x - target) ** 2
        loss.backward()
        assert w.grad is not None
        with am.no_grad():
            w -= lr * w.grad
        w.grad = None
        history.append(w.item())
        if step in report:
            print(f"  w after {step:2d} step(s): {w.item():.4f}")
    return history


def write_graph(loss: am.Tensor, model: nn.Module, out_dir: Path) -> Path | None:
    """The model's computation graph: an SVG when Graphviz works, else the DOT text."""
    try:
        from autograd_mini import viz
    except ImportError:
        print("  (no graph: autograd_mini.viz is not available)")
        return None
    picture = viz.draw_graph(loss, module=model, rankdir="TB", title="digits MLP, one test batch")
    if shutil.which("dot"):
        path = out_dir / "graph.svg"
        path.write_bytes(picture.pipe(format="svg"))
        return path
    path = out_dir / "graph.dot"
    path.write_text(picture.source, encoding="utf-8")
    print("  (Graphviz `dot` not found: wrote the DOT text; install graphviz for the SVG)")
    return path


def digits(output_dir: str | Path = "demo-output", epochs: int = 20, seed: int = 0) -> dict[str, Any]:
    """Train an MLP on the digits (80/20 split), check its gradients, draw it.

    Returns the test accuracy, the History, the gradient report and the written paths.
    """
    out_dir = Path(output_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    X, y = am.data.load_digits()
    X_train, X_test, y_train, y_test = am.data.train_test_split(X, y, test_size=0.2, seed=seed)
    print(f"\nDigits: {len(X_train)} training and {len(X_test)} test images of 8×8 pixels, 10 classes")

    model = nn.MLP([64, 64, 10], activation="relu", seed=seed)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = nn.optim.Adam(model.parameters(), lr=0.01)
    scheduler = nn.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    loader = am.data.DataLoader(X_train, y_train, batch_size=32, shuffle=True, seed=seed)
    print(f"Model: {model.num_parameters()} parameters\n{model}")
    start = time.perf_counter()
    history = am.train.fit(
        model, loss_fn, optimizer, loader, epochs, val_data=(X_test, y_test), scheduler=scheduler
    )
    seconds = time.perf_counter() - start
    test = am.train.evaluate(model, loss_fn, (X_test, y_test))
    print(
        f"Trained {epochs} epochs in {seconds:.1f} s: train loss {history['loss'][-1]:.4f}, "
        f"test loss {test['loss']:.4f}, test accuracy {test['accuracy']:.4f}"
    )

    model.eval()
    batch, batch_labels = X_test[:16], y_test[:16]

    def cross_entropy_of_the_trained_mlp() -> am.Tensor:
        """The mean cross-entropy on the batch (what compare_gradients differentiates)."""
        out: am.Tensor = loss_fn(model(batch), batch_labels)
        return out

    report = am.compare_gradients(
        cross_entropy_of_the_trained_mlp,
        model,
        reference=lambda: handwritten.mlp_cross_entropy_gradients(model, batch, batch_labels),
    )
    print("\nGradients of the trained model on 16 test images:")
    print(report)

    print(f"\nPictures in {out_dir.resolve()}/:")
    loss = loss_fn(model(am.tensor(batch, name="images")), batch_labels)
    loss.name = "loss"
    loss.backward()
    graph = write_graph(loss, model, out_dir)
    curve = out_dir / "loss.png"
    history.plot(curve)
    for path in (graph, curve):
        if path is not None:
            print(f"  {path}")
    return {
        "accuracy": test["accuracy"],
        "history": history,
        "report": report,
        "graph": graph,
        "curve": curve,
    }


def main(output_dir: str | Path = "demo-output", epochs: int = 20) -> int:
    """Run the demo; returns the process exit status (1 if a check failed)."""
    single_weight_demo()
    result = digits(output_dir, epochs)
    ok = result["accuracy"] >= 0.95 and result["report"].ok
    if not ok:
        print("\nDEMO CHECK FAILED: accuracy below 0.95 or gradients disagree")
    return 0 if ok else 1
