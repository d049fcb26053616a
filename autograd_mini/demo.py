"""The main job behind ``make demo`` / ``autograd-mini demo``."""

from __future__ import annotations

import autograd_mini as am


def seed_single_weight(steps: int = 20, report: tuple[int, ...] = (1, 10, 15, 20)) -> list[float]:
    """The seeds' single-weight example, differentiated by the engine and by hand.

    One weight w = 0.95, input x = 2, target y* = 1, loss J = ½(y - y*)² with y = w·x,
    learning rate h = 0.1. By the chain rule dJ/dw = (dJ/dy)(dy/dw) = (y - y*)·x.
    Returns w after each step.
    """
    x, target, lr = 2.0, 1.0, 0.1
    w = am.tensor(0.95, requires_grad=True, name="w")
    y = w * x
    loss = 0.5 * (y - target) ** 2
    loss.backward()
    assert w.grad is not None
    hand = (y.item() - target) * x
    print("Seed example: y = w·x, J = ½(y - y*)², w = 0.95, x = 2, y* = 1, h = 0.1")
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


def main() -> int:
    """Run the demo; returns the process exit status."""
    seed_single_weight()
    return 0
