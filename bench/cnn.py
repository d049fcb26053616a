"""W8: a small CNN's training step on the 8×8 digits, written by hand in NumPy with im2col.

The network is the one of the notebook "Convolutional networks on the digits":
Conv2d(1, 16, 3, padding=1) → ReLU → MaxPool2d(2) → Conv2d(16, 32, 3, padding=1) → ReLU →
MaxPool2d(2) → Flatten → Linear(128, 10), softmax cross-entropy (mean), one SGD step.

The hand-written step keeps activations channels-last (N, H, W, C), which is what im2col
wants: the windows of the padded input become the rows of one matrix, so each
convolution is one matmul, its weight gradient another (reusing the forward's window
matrix) and its input gradient a matmul followed by col2im (one slice-add per kernel
offset). Max pooling remembers the argmax of each window (the first one on ties, like
the library). Parameters use PyTorch's layouts, so the same arrays feed both sides.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Params = list[np.ndarray]  # W1, b1, W2, b2, W3, b3 (PyTorch's layouts)


def _im2col(x: np.ndarray, k: int) -> np.ndarray:
    """(N, H, W, C) with zero padding k//2 → (N·H·W, C·k·k), columns ordered (c, i, j)."""
    p = k // 2
    xp = np.pad(x, ((0, 0), (p, p), (p, p), (0, 0)))
    n, h, w, c = x.shape
    win = np.lib.stride_tricks.sliding_window_view(xp, (k, k), axis=(1, 2))  # (N, H, W, C, k, k)
    return win.reshape(n * h * w, c * k * k)


def _col2im(cols: np.ndarray, shape: tuple[int, ...], k: int) -> np.ndarray:
    """The adjoint of _im2col: each column block added back at its place (k·k slice-adds)."""
    n, h, w, c = shape
    p = k // 2
    blocks = cols.reshape(n, h, w, c, k, k)
    out = np.zeros((n, h + 2 * p, w + 2 * p, c), dtype=cols.dtype)
    for i in range(k):
        for j in range(k):
            out[:, i : i + h, j : j + w, :] += blocks[:, :, :, :, i, j]
    return out[:, p : p + h, p : p + w, :]


def _pool(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """2×2 max pooling of (N, H, W, C): the maxima and the argmax (0..3) of each window."""
    n, h, w, c = a.shape
    win = a.reshape(n, h // 2, 2, w // 2, 2, c).transpose(0, 1, 3, 5, 2, 4).reshape(n, h // 2, w // 2, c, 4)
    arg = win.argmax(axis=-1)
    return np.take_along_axis(win, arg[..., None], axis=-1)[..., 0], arg


def _unpool(g: np.ndarray, arg: np.ndarray) -> np.ndarray:
    """The gradient of _pool: each g sent to its window's argmax."""
    n, h2, w2, c = g.shape
    out = np.zeros((n, h2, w2, c, 4), dtype=g.dtype)
    np.put_along_axis(out, arg[..., None], g[..., None], axis=-1)
    return out.reshape(n, h2, w2, c, 2, 2).transpose(0, 1, 4, 2, 5, 3).reshape(n, 2 * h2, 2 * w2, c)


def cnn_step(params: Params, x: np.ndarray, y: np.ndarray, lr: float) -> tuple[float, Params]:
    """One SGD step on a batch x (N, 1, 8, 8); returns the loss and the gradients (updates params)."""
    w1, b1, w2, b2, w3, b3 = params
    n = x.shape[0]
    # forward
    x0 = x.transpose(0, 2, 3, 1)  # (N, 8, 8, 1)
    cols1 = _im2col(x0, 3)
    z1 = (cols1 @ w1.reshape(w1.shape[0], -1).T + b1).reshape(n, 8, 8, -1)
    a1 = np.maximum(z1, 0)
    p1, arg1 = _pool(a1)  # (N, 4, 4, 16)
    cols2 = _im2col(p1, 3)
    w2m = w2.reshape(w2.shape[0], -1)
    z2 = (cols2 @ w2m.T + b2).reshape(n, 4, 4, -1)
    a2 = np.maximum(z2, 0)
    p2, arg2 = _pool(a2)  # (N, 2, 2, 32)
    flat = p2.transpose(0, 3, 1, 2).reshape(n, -1)  # PyTorch's flatten order (C, H, W)
    logits = flat @ w3.T + b3
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    total = exp.sum(axis=1, keepdims=True)
    loss = float(np.mean(np.log(total[:, 0]) - shifted[np.arange(n), y]))
    # backward
    dlogits = exp / total
    dlogits[np.arange(n), y] -= 1.0
    dlogits /= n
    dw3 = dlogits.T @ flat
    db3 = dlogits.sum(axis=0)
    dp2 = (dlogits @ w3).reshape(n, -1, 2, 2).transpose(0, 2, 3, 1)
    dz2 = _unpool(dp2, arg2) * (z2 > 0)
    dz2m = dz2.reshape(-1, dz2.shape[-1])
    dw2 = (dz2m.T @ cols2).reshape(w2.shape)
    db2 = dz2m.sum(axis=0)
    dp1 = _col2im(dz2m @ w2m, p1.shape, 3)
    dz1 = _unpool(dp1, arg1) * (z1 > 0)
    dz1m = dz1.reshape(-1, dz1.shape[-1])
    dw1 = (dz1m.T @ cols1).reshape(w1.shape)
    db1 = dz1m.sum(axis=0)
    grads = [dw1, db1, dw2, db2, dw3, db3]
    for p, g in zip(params, grads):
        p -= lr * g
    return loss, grads


def library_model(dtype: Any, seed: int = 0) -> Any:
    """The same network as an ``nn.Sequential`` (imported lazily: this module's reference
    needs NumPy only)."""
    from autograd_mini import nn

    rng = np.random.default_rng(seed)
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1, dtype=dtype, generator=rng),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1, dtype=dtype, generator=rng),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(128, 10, dtype=dtype, generator=rng),
    )
