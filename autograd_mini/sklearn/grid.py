"""The lecture notes' grid search on the 8×8 digits, serial, on all cores or on Dask.

The notes tune a network of one hidden layer of 50 logistic units on the digits over
learning rates η = 10⁻⁵, 10⁻⁴, ..., 10¹ and L2 strengths λ = 10⁻⁵, ..., 10¹ (7 × 7
values, 100 epochs each), train on 80 % of the images, and draw the train and test
accuracy as heatmaps. Here each cell is an :class:`~autograd_mini.sklearn.MLPClassifier`
(``learning_rate_init=η``, ``alpha=λ``, mini-batches of 100, exactly ``epochs`` epochs)
and the grid is a ``GridSearchCV`` over one fixed train/test split, so it runs wherever
joblib does: in this process, in worker processes, or on a Dask cluster.

>>> from autograd_mini.sklearn.grid import grid_search
>>> result = grid_search(epochs=2, etas=[0.01], lambdas=[1e-4, 1e-2])
>>> result.test_accuracy.shape
(1, 2)
"""

from __future__ import annotations

import csv
import os
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, ShuffleSplit

from ..data import load_digits
from ._parallel import OneBlasThread, blas_threads, parallel_backend
from .mlp import MLPClassifier

__all__ = [
    "NOTES_ETAS",
    "NOTES_LAMBDAS",
    "GridResult",
    "OneBlasThread",
    "blas_threads",
    "grid_search",
    "notes_estimator",
    "parallel_backend",
    "report",
]

#: The notes' learning rates η and L2 strengths λ: 10⁻⁵ ... 10¹.
NOTES_ETAS: tuple[float, ...] = tuple(float(v) for v in np.logspace(-5, 1, 7))
NOTES_LAMBDAS: tuple[float, ...] = tuple(float(v) for v in np.logspace(-5, 1, 7))


def notes_estimator(epochs: int = 100, random_state: int = 0) -> MLPClassifier:
    """The notes' network: 50 logistic hidden units, mini-batches of 100, ``epochs`` epochs
    every time (no stopping on a plateau: ``n_iter_no_change=epochs``)."""
    return MLPClassifier(
        hidden_layer_sizes=(50,),
        activation="logistic",
        batch_size=100,
        max_iter=epochs,
        n_iter_no_change=epochs,
        random_state=random_state,
    )


@dataclass
class GridResult:
    """The accuracies of a grid search: rows are learning rates, columns L2 strengths."""

    etas: np.ndarray
    lambdas: np.ndarray
    train_accuracy: np.ndarray
    test_accuracy: np.ndarray
    fit_time: np.ndarray
    wall_time: float
    backend: str
    epochs: int

    def best(self) -> tuple[float, float, float]:
        """(η, λ, test accuracy) of the best cell (NaN cells, failed fits, are skipped)."""
        i, j = np.unravel_index(np.nanargmax(self.test_accuracy), self.test_accuracy.shape)
        return float(self.etas[i]), float(self.lambdas[j]), float(self.test_accuracy[i, j])

    def rows(self) -> list[dict[str, float]]:
        """One dict per cell: learning_rate_init, alpha, train/test accuracy, fit time."""
        return [
            {
                "learning_rate_init": float(eta),
                "alpha": float(lam),
                "train_accuracy": float(self.train_accuracy[i, j]),
                "test_accuracy": float(self.test_accuracy[i, j]),
                "fit_time_s": float(self.fit_time[i, j]),
            }
            for i, eta in enumerate(self.etas)
            for j, lam in enumerate(self.lambdas)
        ]

    def to_csv(self, path: str | os.PathLike[str]) -> None:
        """Write :meth:`rows` as CSV (a header line, then one line per cell)."""
        rows = self.rows()
        with open(path, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)

    def plot(self, path: str | os.PathLike[str] | None = None) -> Any:
        """Heatmaps of the train and test accuracy side by side (η down, λ across), each
        cell annotated; failed fits are grey. Returns the matplotlib Figure (Agg, no
        window); with ``path`` it is also saved there."""
        import matplotlib
        from matplotlib.figure import Figure

        fig = Figure(figsize=(13, 5.8), layout="constrained")
        axes = fig.subplots(1, 2)
        cmap = matplotlib.colormaps["viridis"].with_extremes(bad="0.8")
        for ax, values, title in (
            (axes[0], self.train_accuracy, "Training accuracy"),
            (axes[1], self.test_accuracy, "Test accuracy"),
        ):
            image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=0.0, vmax=1.0)
            for (i, j), v in np.ndenumerate(values):
                text = "failed" if np.isnan(v) else f"{v:.2f}"
                colour = "black" if np.isnan(v) or v > 0.6 else "white"
                ax.text(j, i, text, ha="center", va="center", color=colour, fontsize=9)
            ax.set_xticks(range(len(self.lambdas)), [f"{v:g}" for v in self.lambdas], rotation=45)
            ax.set_yticks(range(len(self.etas)), [f"{v:g}" for v in self.etas])
            ax.set_xlabel("L2 strength λ (alpha)")
            ax.set_ylabel("learning rate η (learning_rate_init)")
            ax.set_title(title)
        fig.colorbar(image, ax=axes, shrink=0.8, label="accuracy")
        fig.suptitle(
            f"Digits, 50 logistic hidden units, {self.epochs} epochs: {self.backend}, {self.wall_time:.1f} s"
        )
        if path is not None:
            fig.savefig(path, dpi=100)
        return fig


def grid_search(
    epochs: int = 100,
    etas: Sequence[float] = NOTES_ETAS,
    lambdas: Sequence[float] = NOTES_LAMBDAS,
    n_jobs: int | None = 1,
    scheduler: Any = None,
    test_size: float = 0.2,
    random_state: int = 0,
    data: tuple[np.ndarray, np.ndarray] | None = None,
) -> GridResult:
    """Run the notes' grid (see the module docstring) and return its accuracies.

    Args:
        epochs: epochs per fit (the notes: 100).
        etas, lambdas: the learning rates and L2 strengths.
        n_jobs: 1 runs in this process; N > 1 (or -1, all cores) in joblib worker processes.
        scheduler: a Dask scheduler address (``"tcp://host:8786"``) or a
            ``distributed.Client``: run on that cluster instead (``n_jobs`` is then ignored).
        test_size, random_state: the train/test split and the networks' seeds; the same
            arguments give the same accuracies on every backend.
        data: ``(X, y)`` instead of the digits.

    Every fit runs with one BLAS thread, so parallel fits do not oversubscribe the cores.
    A fit that fails (its loss became non-finite) leaves NaN in its cells.
    """
    X, y = load_digits() if data is None else data
    etas_a = np.asarray(etas, dtype=np.float64)
    lambdas_a = np.asarray(lambdas, dtype=np.float64)
    # one fixed split, as index arrays the search passes to every fit as they are (so a Dask
    # run can copy them, with X and y, to every worker: see parallel_backend)
    split = next(ShuffleSplit(n_splits=1, test_size=test_size, random_state=random_state).split(X))
    search = GridSearchCV(
        notes_estimator(epochs, random_state),
        {"learning_rate_init": list(etas_a), "alpha": list(lambdas_a)},
        cv=[split],
        scoring="accuracy",
        return_train_score=True,
        refit=False,
        error_score=np.nan,
    )
    with warnings.catch_warnings():
        # a fixed epoch budget is the notes' design, not a failure to report 49 times
        warnings.simplefilter("ignore", ConvergenceWarning)
        with parallel_backend(n_jobs, scheduler, scatter=[X, y, *split]) as backend:
            start = time.perf_counter()
            search.fit(X, y)
            wall = time.perf_counter() - start
    results = search.cv_results_
    shape = (len(etas_a), len(lambdas_a))

    def cells(key: str) -> np.ndarray:
        grid = np.full(shape, np.nan)
        for k, params in enumerate(results["params"]):
            i = int(np.flatnonzero(etas_a == params["learning_rate_init"])[0])
            j = int(np.flatnonzero(lambdas_a == params["alpha"])[0])
            grid[i, j] = results[key][k]
        return grid

    return GridResult(
        etas=etas_a,
        lambdas=lambdas_a,
        train_accuracy=cells("mean_train_score"),
        test_accuracy=cells("mean_test_score"),
        fit_time=cells("mean_fit_time"),
        wall_time=wall,
        backend=backend,
        epochs=int(epochs),
    )


def report(result: GridResult) -> str:
    """The test accuracies as a text table (η down, λ across), the best cell and the time."""
    width = 9
    lines = [f"test accuracy after {result.epochs} epochs (rows: learning rate η, columns: L2 strength λ)"]
    lines.append(" " * width + "".join(f"{lam:>{width}g}" for lam in result.lambdas))
    for eta, row in zip(result.etas, result.test_accuracy):
        cells = "".join(f"{'failed':>{width}}" if np.isnan(v) else f"{v:>{width}.3f}" for v in row)
        lines.append(f"{eta:>{width}g}{cells}")
    eta, lam, acc = result.best()
    lines.append(f"best: η = {eta:g}, λ = {lam:g}, test accuracy {acc:.3f}")
    n = result.test_accuracy.size
    lines.append(f"{n} fits in {result.wall_time:.1f} s wall time on {result.backend}")
    return "\n".join(lines)
