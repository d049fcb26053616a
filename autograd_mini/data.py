"""Data: mini-batches (``DataLoader``), the digits data set and small toy problems.

The toy generators are plain NumPy and return ``(X, y)`` with ``X`` float64 of shape
(n_samples, 2) and ``y`` int64 class labels of shape (n_samples,).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from .tensor import Tensor


class DataLoader:
    """Iterate over ``(X_batch, y_batch)`` Tensors of ``batch_size`` rows.

    Args:
        X: inputs, an array (or Tensor) whose first axis indexes the samples.
        y: targets with the same number of rows, or None (then batches are ``X_batch``
            alone).
        batch_size: rows per batch; the last batch is smaller unless ``drop_last``.
        shuffle: draw a new random order at the start of every epoch (every ``iter``).
        seed: seed of the shuffling generator, for reproducible epochs.
        drop_last: skip the last, incomplete batch.

    The batches are constant Tensors (no gradient) holding copies of the rows; dtypes
    are kept. ``len(loader)`` is the number of batches per epoch.

    >>> import numpy as np
    >>> from autograd_mini.data import DataLoader
    >>> loader = DataLoader(np.arange(10.0).reshape(5, 2), np.arange(5), batch_size=2, shuffle=False)
    >>> [tuple(yb.tolist()) for _, yb in loader]
    [(0, 1), (2, 3), (4,)]
    """

    def __init__(
        self,
        X: Any,
        y: Any = None,
        batch_size: int = 32,
        shuffle: bool = True,
        seed: int | None = None,
        drop_last: bool = False,
    ) -> None:
        self.X = _as_array(X, "X")
        self.y = None if y is None else _as_array(y, "y")
        if self.X.ndim == 0:
            raise ValueError("DataLoader: X must have a first axis indexing the samples")
        if self.y is not None and (self.y.ndim == 0 or len(self.y) != len(self.X)):
            raise ValueError(
                f"DataLoader: X has {len(self.X)} rows (shape {self.X.shape}) but y has shape "
                f"{self.y.shape}; they need the same number of rows"
            )
        if not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"DataLoader: batch_size must be a positive int, got {batch_size!r}")
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self._rng = np.random.default_rng(seed)

    @property
    def num_samples(self) -> int:
        """The number of rows of ``X``."""
        return len(self.X)

    def __len__(self) -> int:
        n, b = self.num_samples, self.batch_size
        return n // b if self.drop_last else -(-n // b)

    def __iter__(self) -> Iterator[Any]:
        n = self.num_samples
        order = self._rng.permutation(n) if self.shuffle else np.arange(n)
        for i in range(len(self)):
            idx = order[i * self.batch_size : (i + 1) * self.batch_size]
            xb = Tensor._wrap(self.X[idx])
            if self.y is None:
                yield xb
            else:
                yield xb, Tensor._wrap(self.y[idx])

    def __repr__(self) -> str:
        return (
            f"DataLoader(num_samples={self.num_samples}, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, drop_last={self.drop_last})"
        )


def _as_array(data: Any, what: str) -> np.ndarray:
    array = data.data if isinstance(data, Tensor) else np.asarray(data)
    if array.dtype.kind not in "fiub":
        raise TypeError(f"DataLoader: {what} must hold numbers, got dtype {array.dtype}")
    return array


def train_test_split(
    X: Any, y: Any, test_size: float = 0.2, seed: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle and split into ``X_train, X_test, y_train, y_test``.

    ``test_size`` is a fraction in (0, 1); the test set gets round(test_size·n) rows
    (at least one).
    """
    Xa, ya = np.asarray(X), np.asarray(y)
    if len(Xa) != len(ya):
        raise ValueError(
            f"train_test_split: X has {len(Xa)} rows and y has {len(ya)}; they must match"
        )
    if not 0.0 < test_size < 1.0:
        raise ValueError(f"train_test_split: test_size must be in (0, 1), got {test_size!r}")
    n = len(Xa)
    n_test = max(1, round(test_size * n))
    if n_test >= n:
        raise ValueError(f"train_test_split: {n} samples are too few to split off {n_test}")
    order = np.random.default_rng(seed).permutation(n)
    test, train = order[:n_test], order[n_test:]
    return Xa[train], Xa[test], ya[train], ya[test]


def load_digits(scale: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The 8×8 handwritten digits bundled with scikit-learn: ``X`` (1797, 64), ``y`` (1797,).

    ``X`` is float64, pixel intensities 0..16 divided by 16 when ``scale`` (so in
    [0, 1]); ``y`` holds the digits 0..9 (int64). Needs scikit-learn, an optional extra.
    """
    try:
        from sklearn.datasets import load_digits as _sklearn_load_digits
    except ImportError:
        raise ImportError(
            "load_digits needs scikit-learn, an optional extra of autograd-mini: install "
            "it with `pip install 'autograd-mini[extras]'` (or `pip install scikit-learn`; "
            "`make setup` installs it)"
        ) from None
    bunch = _sklearn_load_digits()
    X = np.asarray(bunch.data, dtype=np.float64)
    if scale:
        X = X / 16.0
    return X, np.asarray(bunch.target, dtype=np.int64)


def make_moons(
    n_samples: int = 100, noise: float = 0.0, seed: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (class 0 on top, class 1 below), shuffled.

    Class 0: (cos t, sin t); class 1: (1 - cos t, 1/2 - sin t), t ∈ [0, π]; Gaussian
    noise of standard deviation ``noise`` is added to every coordinate.
    """
    n = _check_samples(n_samples, "make_moons", 2)
    rng = np.random.default_rng(seed)
    n_top = n // 2
    n_bottom = n - n_top
    t_top = np.linspace(0.0, np.pi, n_top)
    t_bottom = np.linspace(0.0, np.pi, n_bottom)
    top = np.stack([np.cos(t_top), np.sin(t_top)], axis=1)
    bottom = np.stack([1.0 - np.cos(t_bottom), 0.5 - np.sin(t_bottom)], axis=1)
    X = np.concatenate([top, bottom])
    y = np.concatenate([np.zeros(n_top, dtype=np.int64), np.ones(n_bottom, dtype=np.int64)])
    return _noisy_shuffled(X, y, noise, rng)


def make_xor(
    n_samples: int = 4, noise: float = 0.0, seed: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The XOR problem: corners of the unit square, label x₁ XOR x₂.

    Row i is the corner (0,0), (0,1), (1,0), (1,1) for i mod 4 (labels 0, 1, 1, 0), plus
    Gaussian noise of standard deviation ``noise``. The default is the 4-row truth table.
    """
    n = _check_samples(n_samples, "make_xor", 1)
    corners = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    labels = np.array([0, 1, 1, 0], dtype=np.int64)
    idx = np.arange(n) % 4
    X = corners[idx].copy()
    if noise > 0:
        X += np.random.default_rng(seed).normal(0.0, noise, size=X.shape)
    return X, labels[idx]


def make_spirals(
    n_samples: int = 300,
    n_classes: int = 2,
    noise: float = 0.0,
    turns: float = 1.0,
    seed: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class, shuffled.

    Arm k has radius r ∈ [0, 1] and angle θ = 2π·turns·r + 2πk/n_classes; Gaussian noise
    of standard deviation ``noise`` is added to the angle. Points are (r cos θ, r sin θ).
    """
    n = _check_samples(n_samples, "make_spirals", n_classes)
    if n_classes < 2:
        raise ValueError(f"make_spirals: n_classes must be at least 2, got {n_classes}")
    rng = np.random.default_rng(seed)
    counts = [n // n_classes + (1 if k < n % n_classes else 0) for k in range(n_classes)]
    points, labels = [], []
    for k, m in enumerate(counts):
        r = np.linspace(0.0, 1.0, m)
        theta = 2.0 * np.pi * turns * r + 2.0 * np.pi * k / n_classes
        if noise > 0:
            theta = theta + rng.normal(0.0, noise, size=m)
        points.append(np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1))
        labels.append(np.full(m, k, dtype=np.int64))
    return _noisy_shuffled(np.concatenate(points), np.concatenate(labels), 0.0, rng)


def _check_samples(n_samples: int, who: str, minimum: int) -> int:
    if not isinstance(n_samples, (int, np.integer)) or n_samples < minimum:
        raise ValueError(f"{who}: n_samples must be an int >= {minimum}, got {n_samples!r}")
    return int(n_samples)


def _noisy_shuffled(
    X: np.ndarray, y: np.ndarray, noise: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    if noise < 0:
        raise ValueError(f"noise must be non-negative, got {noise}")
    if noise > 0:
        X = X + rng.normal(0.0, noise, size=X.shape)
    order = rng.permutation(len(X))
    return X[order], y[order]
