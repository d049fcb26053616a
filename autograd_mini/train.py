"""A training loop: ``fit`` runs epochs of mini-batch updates and returns a ``History``.

>>> import numpy as np
>>> import autograd_mini as am
>>> from autograd_mini import nn
>>> X, y = am.data.make_xor()
>>> model = nn.MLP([2, 4, 1], activation="tanh", output_activation="sigmoid", seed=1)
>>> history = am.train.fit(model, nn.MSELoss(), nn.optim.Adam(model.parameters(), lr=0.1),
...                        am.data.DataLoader(X, y.reshape(-1, 1), batch_size=4, seed=0),
...                        epochs=300, progress=False)
>>> history["accuracy"][-1]
1.0
"""

from __future__ import annotations

import base64
import html
import io
import math
import os
from collections.abc import Callable, Iterable, Sequence, Sized
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .compile import compile as compile_step
from .core.grad_mode import no_grad
from .data import DataLoader
from .nn.optim.lbfgs import LBFGS
from .nn.optim.lr_scheduler import OneCycleLR, ReduceLROnPlateau
from .tables import html_table, text_table
from .tensor import Tensor

Metric = str | Callable[[np.ndarray, np.ndarray], float]


@dataclass
class History:
    """Per-epoch results of :func:`fit`.

    ``history`` maps names to one value per epoch: ``"loss"`` and each metric on the
    training batches (averaged over the epoch, measured while training), and
    ``"val_loss"``, ``"val_<metric>"`` on the validation data at the end of each epoch.
    ``history["loss"]`` is a shortcut for ``history.history["loss"]``.
    """

    history: dict[str, list[float]] = field(default_factory=dict)
    epoch: list[int] = field(default_factory=list)

    def __getitem__(self, key: str) -> list[float]:
        if key not in self.history:
            raise KeyError(f"History has no {key!r}; it has {sorted(self.history)}")
        return self.history[key]

    def __contains__(self, key: object) -> bool:
        return key in self.history

    def keys(self) -> list[str]:
        """The recorded names (``loss``, ``accuracy``, ``val_loss``, ...)."""
        return list(self.history)

    def last(self) -> dict[str, float]:
        """Every value of the last epoch."""
        return {k: v[-1] for k, v in self.history.items() if v}

    def append(self, epoch: int, values: dict[str, float]) -> None:
        """Record one epoch's values."""
        self.epoch.append(epoch)
        for key, value in values.items():
            self.history.setdefault(key, []).append(float(value))

    def plot(self, path: str | os.PathLike[str] | None = None) -> Any:
        """Draw the loss (and each metric) per epoch, training and validation.

        Returns a ``matplotlib.figure.Figure`` (shown inline in notebooks); with ``path``
        the figure is also saved there (PNG, SVG or PDF from the suffix). Needs
        matplotlib, an optional extra.
        """
        try:
            from matplotlib.figure import Figure
            from matplotlib.ticker import MaxNLocator
        except ImportError:
            raise ImportError(
                "History.plot needs matplotlib, an optional extra: pip install "
                "'autograd-mini[extras]' (or pip install matplotlib)"
            ) from None
        names = [k for k in self.history if not k.startswith("val_")]
        names += [k[4:] for k in self.history if k.startswith("val_") and k[4:] not in names]
        if not names:
            raise ValueError("History.plot: nothing to plot, the history is empty")
        fig = Figure(figsize=(4.5 * len(names), 3.5), layout="constrained")
        axes = fig.subplots(1, len(names), squeeze=False)[0]
        for ax, name in zip(axes, names):
            for key, label, style in ((name, "train", "-"), (f"val_{name}", "validation", "--")):
                if key in self.history:
                    ax.plot(self.epoch, self.history[key], style, marker=".", label=label)
            ax.set_xlabel("epoch")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_ylabel(name)
            ax.set_title(name)
            ax.grid(alpha=0.3)
            ax.legend()
        if path is not None:
            fig.savefig(path, dpi=100)
        return fig

    def __repr__(self) -> str:
        last = ", ".join(f"{k}={v:.4g}" for k, v in self.last().items())
        return f"History(epochs={len(self.epoch)}{', ' + last if last else ''})"

    def _rows(self, limit: int) -> tuple[list[str], list[list[str]], list[bool]]:
        """Headers, the rows shown (the first and last epochs when there are many, an ``…``
        row between them) and, per row, whether it holds a non-finite value."""
        keys = list(self.history)
        headers = ["epoch", *keys]
        n = len(self.epoch)
        shown = list(range(n)) if n <= limit else [*range(limit // 2), -1, *range(n - limit // 2, n)]
        rows: list[list[str]] = []
        bad: list[bool] = []
        for i in shown:
            if i < 0:
                rows.append(["…"] + ["" for _ in keys])
                bad.append(False)
                continue
            values = [self.history[k][i] if i < len(self.history[k]) else math.nan for k in keys]
            rows.append([str(self.epoch[i])] + [f"{v:.4g}" for v in values])
            bad.append(not all(math.isfinite(v) for v in values))
        return headers, rows, bad

    def table(self) -> str:
        """The epochs as a plain-text table (the first and last five when there are many).

        ``print(history)`` stays the one-line summary; notebooks show this table as HTML
        together with the plot.
        """
        if not self.epoch:
            return "History: no epochs recorded"
        headers, rows, bad = self._rows(10)
        lines = [f"History of {len(self.epoch)} epoch(s)", text_table(headers, rows)]
        if any(bad):
            lines.append("Non-finite values (nan/inf) in the rows marked: the training diverged there")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """An HTML table of the epochs (non-finite rows in red) and the plot of :meth:`plot`."""
        if not self.epoch:
            return "<p>History: no epochs recorded</p>"
        headers, rows, bad = self._rows(10)
        styles = ["background:#fdd" if b else "" for b in bad]
        table = html_table(
            headers, rows, caption=f"History of {len(self.epoch)} epoch(s)", row_styles=styles
        )
        return f"<div>{table}{self._plot_html()}</div>"

    def _plot_html(self) -> str:
        """The plot as an inline PNG image (nothing to fetch), or a note without matplotlib."""
        try:
            fig = self.plot()
        except ImportError as err:
            return f"<p><small>{html.escape(str(err))}</small></p>"
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=72)
        data = base64.b64encode(buffer.getvalue()).decode("ascii")
        names = ", ".join(k for k in self.history if not k.startswith("val_"))
        return f'<img src="data:image/png;base64,{data}" alt="{html.escape(names)} per epoch">'


def accuracy(output: Any, target: Any, threshold: float = 0.5) -> float:
    """The fraction of correct predictions.

    Several output columns (N, C): the prediction is the argmax, compared with class
    indices (N,) or with the argmax of one-hot / probability targets (N, C). One
    column, (N,) or (N, 1): the prediction is ``output > threshold`` (0.5 for
    probabilities, use 0 for logits), compared with 0/1 targets.
    """
    out = np.asarray(output.data if isinstance(output, Tensor) else output)
    y = np.asarray(target.data if isinstance(target, Tensor) else target)
    if out.ndim == 2 and out.shape[1] > 1:
        pred = out.argmax(axis=1)
        labels = y.argmax(axis=1) if y.shape == out.shape else y.reshape(-1)
    else:
        pred = (out.reshape(-1) > threshold).astype(np.int64)
        labels = np.rint(y.reshape(-1)).astype(np.int64)
    if pred.shape != labels.shape:
        raise ValueError(
            f"accuracy: output shape {out.shape} does not match target shape {y.shape}"
        )
    return float(np.mean(pred == labels)) if pred.size else float("nan")


def fit(
    model: Any,
    loss_fn: Callable[[Any, Any], Tensor],
    optimizer: Any,
    train_loader: Iterable[Any],
    epochs: int,
    val_data: Any = None,
    metrics: Sequence[Metric] = ("accuracy",),
    progress: bool = True,
    scheduler: Any = None,
    compile: bool = False,
) -> History:
    """Train ``model`` for ``epochs`` passes over ``train_loader``; returns a :class:`History`.

    Each batch: ``optimizer.zero_grad()``, ``loss = loss_fn(model(x), y)``,
    ``loss.backward()``, ``optimizer.step()``. After each epoch the model is evaluated on
    ``val_data`` (an ``(X, y)`` pair or a DataLoader) in eval mode without a graph, and
    ``scheduler.step()`` runs if a scheduler is given; a ``ReduceLROnPlateau`` is given
    the epoch's validation loss (the training loss without ``val_data``), as Keras'
    callback watches ``val_loss``; a ``OneCycleLR`` steps after every batch (its
    ``total_steps`` counts batches, as in PyTorch). An optimizer that re-evaluates the loss (``LBFGS``)
    gets a closure doing zero_grad, forward, loss and backward; the batch's loss and
    output are those of its first evaluation, as ``LBFGS.step`` returns.

    ``metrics`` are names ("accuracy") or functions ``f(output, target) -> float`` on
    NumPy arrays. With a single output column, "accuracy" thresholds at 0 for
    ``BCEWithLogitsLoss`` (logits) and at 0.5 otherwise.

    A tqdm progress bar shows the epoch, the batch and the running loss; it is off with
    ``progress=False`` and whenever stderr is not a terminal (CI logs).

    With ``compile=True`` each batch runs through :func:`train_step` compiled with
    ``am.compile``: the first batch of each shape is run eagerly and recorded, the others
    replay the record on arrays (the same numbers, faster on small models). The loss is
    then checked for nan/inf after that batch's update instead of before it.
    """
    if not isinstance(epochs, (int, np.integer)) or epochs < 1:
        raise ValueError(f"fit: epochs must be a positive int, got {epochs!r}")
    closure_steps = isinstance(optimizer, LBFGS)
    per_batch = isinstance(scheduler, OneCycleLR)  # its total_steps count batches
    if closure_steps and compile:
        raise ValueError(
            "fit: compile=True cannot record LBFGS steps (it re-evaluates the loss a "
            "data-dependent number of times); use compile=False"
        )
    metric_fns = _metric_functions(metrics, loss_fn)
    batches_per_epoch = len(train_loader) if isinstance(train_loader, Sized) else None
    total = None if batches_per_epoch is None else batches_per_epoch * int(epochs)
    history = History()
    step = train_step(model, loss_fn, optimizer, compile=True) if compile else None
    was_training = getattr(model, "training", True)
    bar = _progress_bar(total, progress)
    try:
        for epoch in range(1, int(epochs) + 1):
            _set_mode(model, True)
            loss_sum, count = 0.0, 0
            metric_sums = dict.fromkeys(metric_fns, 0.0)
            for b, batch in enumerate(train_loader, start=1):
                x, y = _split_batch(batch)
                if step is not None:  # compiled: one replay does forward, backward and update
                    loss, output = step(x, y)
                    value = float(loss.item())
                elif closure_steps:  # the optimizer evaluates the loss itself, maybe often
                    loss, output = _closure_step(model, loss_fn, optimizer, x, y)
                    value = float(loss.item())
                else:
                    optimizer.zero_grad()
                    output = model(x)
                    loss = loss_fn(output, y)
                    value = float(loss.item())
                if not math.isfinite(value):
                    raise FloatingPointError(
                        f"fit: the loss became {value} at epoch {epoch}, batch {b}; lower the "
                        f"learning rate, check the inputs for nan/inf, or use a stable loss "
                        f"(CrossEntropyLoss / BCEWithLogitsLoss on raw scores)"
                    )
                if step is None and not closure_steps:
                    loss.backward()
                    optimizer.step()
                if per_batch:
                    scheduler.step()
                n = _batch_size(x)
                loss_sum += value * n
                count += n
                for name, fn in metric_fns.items():
                    metric_sums[name] += fn(_array(output), _array(y)) * n
                bar.set_description(f"epoch {epoch}/{epochs}", refresh=False)
                bar.set_postfix(
                    batch=f"{b}/{batches_per_epoch or '?'}", loss=f"{loss_sum / count:.4f}", refresh=False
                )
                bar.update(1)
            if count == 0:
                raise ValueError("fit: train_loader produced no batches")
            values = {"loss": loss_sum / count}
            values.update({name: s / count for name, s in metric_sums.items()})
            if val_data is not None:
                scores = evaluate(model, loss_fn, val_data, metrics=metrics)
                values.update({f"val_{k}": v for k, v in scores.items()})
            history.append(epoch, values)
            bar.set_postfix({k: f"{v:.4f}" for k, v in values.items()}, refresh=True)
            if isinstance(scheduler, ReduceLROnPlateau):
                scheduler.step(values.get("val_loss", values["loss"]))
            elif scheduler is not None and not per_batch:
                scheduler.step()
    finally:
        bar.close()
        _set_mode(model, was_training)
    return history


def _closure_step(
    model: Any, loss_fn: Callable[[Any, Any], Tensor], optimizer: Any, x: Any, y: Any
) -> tuple[Tensor, Any]:
    """One ``optimizer.step(closure)``; the loss and output of the closure's first call."""
    first: list[Any] = []

    def closure() -> Tensor:
        optimizer.zero_grad()
        output = model(x)
        loss = loss_fn(output, y)
        loss.backward()
        if not first:
            first.extend((loss, output))
        return loss

    optimizer.step(closure)
    return first[0], first[1]


def train_step(
    model: Any, loss_fn: Callable[[Any, Any], Tensor], optimizer: Any, compile: bool = True
) -> Callable[[Any, Any], tuple[Tensor, Tensor]]:
    """One training step ``step(x, y) -> (loss, output)``, compiled with ``am.compile`` by default.

    The step is ``optimizer.zero_grad()``, ``output = model(x)``, ``loss = loss_fn(output,
    y)``, ``loss.backward()``, ``optimizer.step()``. Compiled, the first call with each
    batch shape runs eagerly and is recorded; later calls replay the record on arrays
    (see :mod:`autograd_mini.compile`). ``step.programs`` lists the records.

    >>> import numpy as np
    >>> import autograd_mini as am
    >>> from autograd_mini import nn
    >>> model = nn.MLP([2, 3, 1], seed=0)
    >>> step = am.train.train_step(model, nn.MSELoss(), nn.optim.SGD(model.parameters(), lr=0.1))
    >>> x, y = np.ones((4, 2)), np.zeros((4, 1))
    >>> losses = [step(x, y)[0].item() for _ in range(3)]
    >>> losses[2] < losses[0], len(step.programs)
    (True, 1)
    """

    def step(x: Any, y: Any) -> tuple[Tensor, Tensor]:
        optimizer.zero_grad()
        output = model(x)
        loss = loss_fn(output, y)
        loss.backward()
        optimizer.step()
        return loss, output

    return compile_step(step) if compile else step


def evaluate(
    model: Any,
    loss_fn: Callable[[Any, Any], Tensor] | None,
    data: Any,
    metrics: Sequence[Metric] = ("accuracy",),
    batch_size: int = 256,
) -> dict[str, float]:
    """Loss and metrics of ``model`` on ``data`` (an ``(X, y)`` pair or a DataLoader).

    Runs in eval mode (Dropout off) without recording a graph; the model's mode is
    restored afterwards. Returns ``{"loss": ..., "accuracy": ...}`` (no "loss" when
    ``loss_fn`` is None).
    """
    if isinstance(data, (tuple, list)) and len(data) == 2:
        loader: Iterable[Any] = DataLoader(data[0], data[1], batch_size=batch_size, shuffle=False)
    else:
        loader = data
    metric_fns = _metric_functions(metrics, loss_fn)
    was_training = getattr(model, "training", True)
    _set_mode(model, False)
    loss_sum, count = 0.0, 0
    sums = dict.fromkeys(metric_fns, 0.0)
    try:
        with no_grad():
            for batch in loader:
                x, y = _split_batch(batch)
                output = model(x)
                n = _batch_size(x)
                count += n
                if loss_fn is not None:
                    loss_sum += float(loss_fn(output, y).item()) * n
                for name, fn in metric_fns.items():
                    sums[name] += fn(_array(output), _array(y)) * n
    finally:
        _set_mode(model, was_training)
    if count == 0:
        raise ValueError("evaluate: the data is empty")
    scores = {} if loss_fn is None else {"loss": loss_sum / count}
    scores.update({name: s / count for name, s in sums.items()})
    return scores


def _metric_functions(
    metrics: Sequence[Metric], loss_fn: Any
) -> dict[str, Callable[[np.ndarray, np.ndarray], float]]:
    from .nn.loss import BCEWithLogitsLoss

    if isinstance(metrics, str):
        metrics = (metrics,)
    threshold = 0.0 if isinstance(loss_fn, BCEWithLogitsLoss) else 0.5
    fns: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {}
    for metric in metrics:
        if metric == "accuracy":
            fns["accuracy"] = lambda out, y: accuracy(out, y, threshold)
        elif callable(metric):
            fns[getattr(metric, "__name__", f"metric{len(fns)}")] = metric
        else:
            raise ValueError(
                f"fit: unknown metric {metric!r}; use 'accuracy' or a function "
                f"f(output, target) -> float"
            )
    return fns


def _split_batch(batch: Any) -> tuple[Any, Any]:
    if isinstance(batch, (tuple, list)) and len(batch) == 2:
        return batch[0], batch[1]
    raise ValueError(
        f"fit: each batch must be an (inputs, targets) pair, got {type(batch).__name__}; "
        f"build the loader as DataLoader(X, y, ...)"
    )


def _batch_size(x: Any) -> int:
    shape = np.shape(x.data if isinstance(x, Tensor) else x)
    return int(shape[0]) if shape else 1


def _array(x: Any) -> np.ndarray:
    return np.asarray(x.data if isinstance(x, Tensor) else x)


def _set_mode(model: Any, training: bool) -> None:
    if hasattr(model, "train"):
        model.train(training)


class _NoBar:
    """Stands in for a tqdm bar when progress is off (tqdm is then not even imported)."""

    def set_description(self, *args: Any, **kwargs: Any) -> None:
        return None

    def set_postfix(self, *args: Any, **kwargs: Any) -> None:
        return None

    def update(self, n: int = 1) -> None:
        return None

    def close(self) -> None:
        return None


def _progress_bar(total: int | None, progress: bool) -> Any:
    """A tqdm bar (shown only on a terminal or in Jupyter), or a silent stand-in."""
    if not progress:
        return _NoBar()
    from tqdm.auto import tqdm

    return tqdm(total=total, disable=None, unit="batch", dynamic_ncols=True)
