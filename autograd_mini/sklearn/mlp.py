"""``MLPClassifier`` and ``MLPRegressor``: scikit-learn's multilayer perceptrons, trained by
autograd_mini (``nn.MLP``, the ``nn`` losses, ``nn.optim`` and ``am.train.train_step``).

The parameter names, defaults and fitted attributes are scikit-learn's, and so is the
training: Glorot-uniform initial weights, mini-batches of ``batch_size="auto"`` =
min(200, n_samples), the loss of each mini-batch of B rows

    loss = data loss + alpha / (2·B) · Σ_layers ‖W‖²_F      (biases are not penalised)

where the data loss is the mean cross-entropy (softmax outputs for several classes,
a logistic output per label for two classes or multilabel targets, summed over the labels)
or, for regression, half the squared error summed over the outputs and averaged over the
rows, and ``loss_curve_`` records each epoch's loss averaged over the samples. (For
several regression targets scikit-learn descends the same loss but reports it divided by
the number of targets.) Training stops after ``max_iter`` epochs (with a
``ConvergenceWarning``) or once the training loss (or, with ``early_stopping``, the
validation score) has not improved by at least ``tol`` for more than ``n_iter_no_change``
consecutive epochs. Solvers: ``"adam"`` (``nn.optim.Adam``) and ``"sgd"``
(``nn.optim.SGD`` with momentum and the ``learning_rate`` schedules); no ``"lbfgs"``.

Each mini-batch runs through one training step compiled with ``am.compile``: the first
batch of each shape (the full batches, and a smaller last one) is run eagerly and
recorded, every later batch of every epoch replays the record on NumPy arrays, with the
same results bit for bit (define-and-run; see the "Eager and traced" page).

Nothing of the training is kept: the fitted estimator holds NumPy arrays only (``coefs_``,
``intercepts_`` and the optimizer's state for ``partial_fit``), predicts with NumPy, and
pickles and clones like any scikit-learn estimator.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets, type_of_target, unique_labels
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from .. import nn, train
from ..data import DataLoader
from ..tensor import Tensor
from ._common import (
    check_choice,
    check_int,
    check_real,
    draw_seed,
    identity,
    logistic,
    relu,
    softmax,
)

# scikit-learn's activation names -> (NumPy function for predict, nn.MLP's name for training)
_ACTIVATIONS: dict[str, tuple[Callable[[np.ndarray], np.ndarray], str]] = {
    "identity": (identity, "identity"),
    "logistic": (logistic, "sigmoid"),
    "tanh": (np.tanh, "tanh"),
    "relu": (relu, "relu"),
}
_OUTPUTS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "identity": identity,
    "logistic": logistic,
    "softmax": softmax,
}


def _epoch(step: Callable[[Any, Any], tuple[Tensor, Tensor]], loader: DataLoader) -> float:
    """One pass over ``loader`` with ``step``: the mean loss over the samples, weighted by
    batch size as ``am.train.fit`` computes it (nan/inf as soon as one batch's loss is)."""
    loss_sum, count = 0.0, 0
    for x, y in loader:
        loss, _ = step(x, y)
        value = float(loss.item())
        if not np.isfinite(value):
            return value
        n = int(np.shape(x)[0])
        loss_sum += value * n
        count += n
    return loss_sum / count


class _BaseMLP(BaseEstimator):
    """What MLPClassifier and MLPRegressor share: parameters, training loop, forward pass."""

    def __init__(
        self,
        hidden_layer_sizes: Any = (100,),
        activation: str = "relu",
        *,
        solver: str = "adam",
        alpha: float = 1e-4,
        batch_size: int | str = "auto",
        learning_rate: str = "constant",
        learning_rate_init: float = 1e-3,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: Any = None,
        tol: float = 1e-4,
        verbose: bool = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: int = 10,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change

    # ------------------------------------------------------------ subclass hooks

    def _validate_input(
        self, X: Any, y: Any, incremental: bool, reset: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        """Validated X (float64) and the training targets of the loss."""
        raise NotImplementedError

    def _score_encoded(self, X: np.ndarray, Y: np.ndarray) -> float:
        """The validation score for early stopping, on encoded targets."""
        raise NotImplementedError

    # ------------------------------------------------------------ parameters

    def _hidden_sizes(self) -> list[int]:
        who = type(self).__name__
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if np.isscalar(sizes) else list(sizes)
        for n in sizes:
            check_int(who, "hidden_layer_sizes (each entry)", n, 1)
        return [int(n) for n in sizes]

    def _check_params(self) -> None:
        who = type(self).__name__
        self._hidden_sizes()
        check_choice(who, "activation", self.activation, tuple(_ACTIVATIONS))
        if self.solver == "lbfgs":
            raise ValueError(
                f"{who}: solver='lbfgs' is not available in autograd_mini; use solver='adam' "
                f"(the default) or solver='sgd'"
            )
        check_choice(who, "solver", self.solver, ("adam", "sgd"))
        check_real(who, "alpha", self.alpha, 0.0)
        if not (isinstance(self.batch_size, str) and self.batch_size == "auto"):
            check_int(who, "batch_size (or 'auto')", self.batch_size, 1)
        check_choice(who, "learning_rate", self.learning_rate, ("constant", "invscaling", "adaptive"))
        check_real(who, "learning_rate_init", self.learning_rate_init, 0.0, open_low=True)
        check_real(who, "power_t", self.power_t, 0.0)
        check_int(who, "max_iter", self.max_iter, 1)
        check_real(who, "tol", self.tol, 0.0)
        check_real(who, "momentum", self.momentum, 0.0, 1.0)
        check_real(
            who, "validation_fraction", self.validation_fraction, 0.0, 1.0, open_low=True, open_high=True
        )
        check_real(who, "beta_1", self.beta_1, 0.0, 1.0, open_high=True)
        check_real(who, "beta_2", self.beta_2, 0.0, 1.0, open_high=True)
        check_real(who, "epsilon", self.epsilon, 0.0, open_low=True)
        check_int(who, "n_iter_no_change", self.n_iter_no_change, 1)
        for name in ("shuffle", "verbose", "warm_start", "nesterovs_momentum", "early_stopping"):
            if not isinstance(getattr(self, name), (bool, np.bool_, int)):
                raise ValueError(f"{who}: {name} must be True or False, got {getattr(self, name)!r}")

    # ------------------------------------------------------------ fitting

    def _fit(self, X: Any, y: Any, incremental: bool) -> _BaseMLP:
        self._check_params()
        who = type(self).__name__
        if self.early_stopping and incremental:
            raise ValueError(f"{who}.partial_fit does not support early_stopping=True; set it to False")
        first_pass = not hasattr(self, "coefs_") or (not self.warm_start and not incremental)
        X, Y = self._validate_input(X, y, incremental, reset=first_pass)
        rng = check_random_state(self.random_state)
        if first_pass:
            self._initialize(X.shape[1], Y, rng)
        elif Y.shape[1:] != self._target_shape():
            raise ValueError(
                f"{who}: y has {Y.shape[1] if Y.ndim == 2 else 1} output(s) but the model was "
                f"fitted with {self.n_outputs_}; fit a new model (warm_start=False) for new targets"
            )
        self._fit_stochastic(X, Y, rng, incremental)
        return self

    def _target_shape(self) -> tuple[int, ...]:
        return () if self.out_activation_ == "softmax" else (self.n_outputs_,)

    def _initialize(self, n_features: int, Y: np.ndarray, rng: np.random.RandomState) -> None:
        """Fresh weights and training records (scikit-learn's ``_initialize``)."""
        self.n_iter_ = 0
        self.t_ = 0
        units = [n_features, *self._hidden_sizes(), self.n_outputs_]
        self.n_layers_ = len(units)
        # Glorot & Bengio's uniform initialisation, as scikit-learn: bound √(6/(fan_in+fan_out)),
        # √(2/(fan_in+fan_out)) for the logistic activation; the intercepts are drawn alike.
        factor = 2.0 if self.activation == "logistic" else 6.0
        self.coefs_, self.intercepts_ = [], []
        for fan_in, fan_out in itertools.pairwise(units):
            bound = np.sqrt(factor / (fan_in + fan_out))
            self.coefs_.append(rng.uniform(-bound, bound, (fan_in, fan_out)))
            self.intercepts_.append(rng.uniform(-bound, bound, fan_out))
        self.loss_curve_: list[float] = []
        self._no_improvement_count = 0
        self._optimizer_state: tuple[str, dict[str, Any]] | None = None
        if self.early_stopping:
            self.validation_scores_: list[float] | None = []
            self.best_validation_score_: float | None = -np.inf
            self.best_loss_: float | None = None
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None
            self.best_loss_ = np.inf

    def _build_model(self) -> tuple[nn.MLP, list[nn.Linear]]:
        """An ``nn.MLP`` holding copies of ``coefs_`` / ``intercepts_`` (Linear's layout)."""
        sizes = [c.shape[0] for c in self.coefs_] + [self.coefs_[-1].shape[1]]
        model = nn.MLP(sizes, activation=_ACTIVATIONS[self.activation][1], dtype=np.float64, seed=0)
        linears = [layer for layer in model.layers if isinstance(layer, nn.Linear)]
        for layer, coef, intercept in zip(linears, self.coefs_, self.intercepts_):
            layer.weight.data = np.array(coef.T, dtype=np.float64)
            assert layer.bias is not None
            layer.bias.data = np.array(intercept, dtype=np.float64)
        return model, linears

    def _data_loss(self) -> Callable[[Tensor, Tensor], Tensor]:
        if self.out_activation_ == "softmax":
            return nn.CrossEntropyLoss()
        if self.out_activation_ == "logistic":
            bce, n_labels = nn.BCEWithLogitsLoss(), float(self.n_outputs_)
            # scikit-learn's binary log-loss sums over the labels and averages over the rows
            return lambda out, target: bce(out, target) * n_labels
        mse, half_outputs = nn.MSELoss(), 0.5 * self.n_outputs_
        # ½ Σ_outputs mean_rows (ŷ - y)²: the loss whose gradient scikit-learn descends (for
        # several outputs its loss_curve_ shows this divided by n_outputs)
        return lambda out, target: mse(out, target) * half_outputs

    def _make_optimizer(self, model: nn.MLP, incremental: bool) -> Any:
        params = list(model.parameters())
        if self.solver == "adam":
            opt: Any = nn.optim.Adam(
                params, lr=self.learning_rate_init, betas=(self.beta_1, self.beta_2), eps=self.epsilon
            )
        else:
            opt = nn.optim.SGD(
                params,
                lr=self.learning_rate_init,
                momentum=self.momentum,
                nesterov=bool(self.nesterovs_momentum) and self.momentum > 0,
            )
        saved = getattr(self, "_optimizer_state", None)
        # partial_fit goes on with the optimizer's moments and learning rate; fit starts afresh
        if incremental and saved is not None and saved[0] == self.solver:
            opt.load_state_dict(saved[1])
        return opt

    def _fit_stochastic(
        self, X: np.ndarray, Y: np.ndarray, rng: np.random.RandomState, incremental: bool
    ) -> None:
        who = type(self).__name__
        model, linears = self._build_model()
        optimizer = self._make_optimizer(model, incremental)
        group = optimizer.param_groups[0]
        data_loss = self._data_loss()
        weights = [layer.weight for layer in linears]
        alpha = float(self.alpha)

        def loss_fn(out: Tensor, target: Tensor) -> Tensor:
            loss = data_loss(out, target)
            if alpha > 0.0:
                penalty = sum(((w * w).sum() for w in weights[1:]), (weights[0] * weights[0]).sum())
                loss = loss + (0.5 * alpha / out.shape[0]) * penalty
            return loss

        X_val = Y_val = None
        if self.early_stopping:
            stratify = Y[:, 0] if Y.ndim == 2 and Y.shape[1] == 1 else None
            X, X_val, Y, Y_val = train_test_split(
                X, Y, random_state=rng, test_size=self.validation_fraction, stratify=stratify
            )
            if X_val.shape[0] < 2:
                raise ValueError(
                    f"{who}: the validation set is too small ({X_val.shape[0]} rows); increase "
                    f"validation_fraction or the size of the data set"
                )
        n_samples = X.shape[0]
        if self.batch_size == "auto":
            batch_size = min(200, n_samples)
        else:
            if self.batch_size > n_samples:
                warnings.warn(
                    f"{who}: batch_size={self.batch_size} is larger than the {n_samples} samples; "
                    f"it is clipped to {n_samples}",
                    UserWarning,
                    stacklevel=4,
                )
            batch_size = int(np.clip(self.batch_size, 1, n_samples))
        loader = DataLoader(X, Y, batch_size=batch_size, shuffle=bool(self.shuffle), seed=draw_seed(rng))
        # compiled (am.compile): each batch shape is traced once, then replayed on arrays for
        # every batch of every epoch (a smaller last batch gets a program of its own); the
        # replay is bitwise the eager step (the learning rate is read on every replay)
        step = train.train_step(model, loss_fn, optimizer, compile=True)
        model.train()
        best = None
        from tqdm.auto import tqdm

        bar = tqdm(
            total=1 if incremental else self.max_iter, desc=who, unit="epoch", disable=not self.verbose
        )
        try:
            self.n_iter_ = 0
            for _ in range(self.max_iter):
                # a diverging run ends in the clear error below, not in overflow warnings
                with np.errstate(over="ignore", invalid="ignore"):
                    epoch_loss = _epoch(step, loader)
                if not np.isfinite(epoch_loss):
                    raise ValueError(
                        f"{who}.fit: the loss became non-finite in epoch {self.n_iter_ + 1}; lower "
                        f"learning_rate_init (now {group['lr']:g}), or scale X (e.g. StandardScaler)"
                    )
                self.n_iter_ += 1
                self.loss_ = epoch_loss
                self.t_ += n_samples
                self.loss_curve_.append(self.loss_)
                improved = self._update_no_improvement_count(X_val, Y_val, linears)
                if improved:
                    best = [(lyr.weight.data.T.copy(), lyr.bias.data.copy()) for lyr in linears]  # type: ignore[union-attr]
                if self.solver == "sgd" and self.learning_rate == "invscaling":
                    group["lr"] = float(self.learning_rate_init) / (self.t_ + 1) ** self.power_t
                bar.set_postfix(self._postfix(), refresh=False)
                bar.update(1)
                if self._no_improvement_count > self.n_iter_no_change:
                    what = "Validation score" if self.early_stopping else "Training loss"
                    msg = (
                        f"{what} did not improve more than tol={self.tol:g} for "
                        f"{self.n_iter_no_change} consecutive epochs."
                    )
                    if self.solver == "sgd" and self.learning_rate == "adaptive" and group["lr"] > 1e-6:
                        group["lr"] /= 5.0
                        self._no_improvement_count = 0
                        if self.verbose:
                            bar.write(f"{msg} Setting the learning rate to {group['lr']:g}")
                    else:
                        if self.verbose:
                            bar.write(f"{msg} Stopping.")
                        break
                if incremental:
                    break
                if self.n_iter_ == self.max_iter:
                    warnings.warn(
                        f"{who}: the stochastic optimizer reached max_iter={self.max_iter} epochs and "
                        f"the optimization hasn't converged yet; raise max_iter (or tol)",
                        ConvergenceWarning,
                        stacklevel=4,
                    )
        finally:
            bar.close()
        if self.early_stopping and best is not None:
            self.coefs_ = [w for w, _ in best]
            self.intercepts_ = [b for _, b in best]
        else:
            self.coefs_ = [layer.weight.data.T.copy() for layer in linears]
            self.intercepts_ = [layer.bias.data.copy() for layer in linears]  # type: ignore[union-attr]
        self._optimizer_state = (self.solver, optimizer.state_dict())

    def _postfix(self) -> dict[str, str]:
        out = {"loss": f"{self.loss_:.5f}"}
        if self.validation_scores_:
            out["val_score"] = f"{self.validation_scores_[-1]:.4f}"
        return out

    def _update_no_improvement_count(
        self, X_val: np.ndarray | None, Y_val: np.ndarray | None, linears: list[nn.Linear]
    ) -> bool:
        """scikit-learn's rule; returns whether the validation score is a new best."""
        if self.early_stopping:
            assert X_val is not None and Y_val is not None and self.validation_scores_ is not None
            self.coefs_ = [layer.weight.data.T for layer in linears]
            self.intercepts_ = [layer.bias.data for layer in linears]  # type: ignore[union-attr]
            score = self._score_encoded(X_val, Y_val)
            self.validation_scores_.append(score)
            assert self.best_validation_score_ is not None
            if score < self.best_validation_score_ + self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if score > self.best_validation_score_:
                self.best_validation_score_ = score
                return True
            return False
        assert self.best_loss_ is not None
        if self.loss_curve_[-1] > self.best_loss_ - self.tol:
            self._no_improvement_count += 1
        else:
            self._no_improvement_count = 0
        if self.loss_curve_[-1] < self.best_loss_:
            self.best_loss_ = self.loss_curve_[-1]
        return False

    # ------------------------------------------------------------ prediction

    def _forward(self, X: np.ndarray) -> np.ndarray:
        """The network's output (probabilities or values), in NumPy: no graph is built."""
        hidden = _ACTIVATIONS[self.activation][0]
        a = X
        last = len(self.coefs_) - 1
        for i, (coef, intercept) in enumerate(zip(self.coefs_, self.intercepts_)):
            a = a @ coef + intercept
            a = hidden(a) if i < last else _OUTPUTS[self.out_activation_](a)
        return a

    def _checked_forward(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "coefs_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return self._forward(X)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        return tags


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """A multilayer perceptron classifier: scikit-learn's ``MLPClassifier``, trained by
    autograd_mini.

    Parameters and defaults are scikit-learn's: ``hidden_layer_sizes=(100,)``,
    ``activation="relu"`` ("identity", "logistic", "tanh", "relu"), ``solver="adam"``
    ("adam" or "sgd"), ``alpha=1e-4`` (L2 strength), ``batch_size="auto"``,
    ``learning_rate_init=1e-3``, ``max_iter=200`` (epochs), ``shuffle=True``,
    ``random_state=None``, ``tol=1e-4``, ``early_stopping=False``,
    ``validation_fraction=0.1``, ``n_iter_no_change=10``, ``verbose=False`` (True shows a
    tqdm progress bar), ``warm_start=False``, and for the solvers ``learning_rate``,
    ``power_t``, ``momentum``, ``nesterovs_momentum``, ``beta_1``, ``beta_2``, ``epsilon``.

    Targets: class labels (binary: one logistic output; more classes: softmax outputs) or a
    multilabel indicator matrix (one logistic output per label).

    Fitted attributes: ``classes_``, ``coefs_`` (each (fan_in, fan_out)), ``intercepts_``,
    ``loss_``, ``loss_curve_``, ``best_loss_``, ``validation_scores_``,
    ``best_validation_score_``, ``n_iter_``, ``t_``, ``n_layers_``, ``n_outputs_``,
    ``out_activation_``, ``n_features_in_`` (and ``feature_names_in_`` for DataFrames).

    >>> import numpy as np
    >>> from autograd_mini.sklearn import MLPClassifier
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]] * 10)
    >>> y = np.array(["no", "yes", "yes", "no"] * 10)
    >>> clf = MLPClassifier((8,), activation="tanh", learning_rate_init=0.05, max_iter=300,
    ...                     random_state=0).fit(X, y)
    >>> clf.predict([[0.0, 1.0], [1.0, 1.0]]).tolist(), clf.classes_.tolist()
    (['yes', 'no'], ['no', 'yes'])
    """

    def _validate_input(
        self, X: Any, y: Any, incremental: bool, reset: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        who = type(self).__name__
        X, y = validate_data(self, X, y, multi_output=True, dtype=np.float64, reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if not hasattr(self, "classes_") or (not self.warm_start and not incremental):
            self._set_classes(y, y)
        else:
            classes = unique_labels(y)
            if self.warm_start and not incremental:
                if set(classes) != set(self.classes_):
                    raise ValueError(
                        f"{who}: warm_start can only be used where y has the same classes as in the "
                        f"previous call to fit; previously {self.classes_}, y has {classes}"
                    )
            elif len(np.setdiff1d(classes, self.classes_, assume_unique=True)):
                raise ValueError(
                    f"{who}: y has classes not in self.classes_: self.classes_ has "
                    f"{self.classes_}, y has {classes}"
                )
        if self._target_type == "multilabel-indicator":
            Y = np.asarray(y, dtype=np.float64)
            if Y.ndim != 2 or Y.shape[1] != len(self.classes_):
                raise ValueError(
                    f"{who}: y must be a multilabel indicator matrix with {len(self.classes_)} columns"
                )
        elif self._target_type == "binary":
            Y = (y == self.classes_[1]).astype(np.float64).reshape(-1, 1)
        else:
            Y = np.searchsorted(self.classes_, y).astype(np.int64)
        if not hasattr(self, "coefs_") or (not self.warm_start and not incremental):
            self.n_outputs_ = 1 if self._target_type == "binary" else len(self.classes_)
            self.out_activation_ = "softmax" if self._target_type == "multiclass" else "logistic"
        return X, Y

    def _set_classes(self, y: np.ndarray, labels: Any) -> None:
        """``classes_`` and the target kind from ``labels`` (y itself, or partial_fit's classes)."""
        who = type(self).__name__
        if type_of_target(y) == "multilabel-indicator":
            self.classes_ = unique_labels(y)
            self._target_type = "multilabel-indicator"
            return
        classes = unique_labels(labels)
        if len(classes) < 2:
            raise ValueError(
                f"{who}: y has 1 class ({classes.tolist()!r}); a classifier needs at least 2 "
                f"classes in the training data"
            )
        self.classes_ = classes
        self._target_type = "binary" if len(classes) == 2 else "multiclass"

    def _score_encoded(self, X: np.ndarray, Y: np.ndarray) -> float:
        proba = self._forward(X)
        if self.out_activation_ == "softmax":
            return float(np.mean(proba.argmax(axis=1) == Y))
        return float(np.mean(np.all((proba > 0.5) == (Y > 0.5), axis=1)))

    def fit(self, X: Any, y: Any) -> MLPClassifier:
        """Train on ``X`` (n_samples, n_features) and labels ``y``; returns self."""
        return self._fit(X, y, incremental=False)

    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> MLPClassifier:
        """One epoch over ``X, y``, going on from the current weights and optimizer state.

        ``classes`` (every label y can take) is required on the first call.
        """
        who = type(self).__name__
        if not hasattr(self, "classes_"):
            if classes is None:
                raise ValueError(
                    f"{who}.partial_fit: classes must be passed on the first call (every label y "
                    f"can take, e.g. classes=np.unique(y_all))"
                )
            self._set_classes(np.asarray(y), classes)
        elif classes is not None and not np.array_equal(unique_labels(classes), self.classes_):
            raise ValueError(
                f"{who}.partial_fit: classes={classes!r} differs from the classes of the first call "
                f"({self.classes_})"
            )
        return self._fit(X, y, incremental=True)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, (n_samples, n_classes) in the order of ``classes_``."""
        proba = self._checked_forward(X)
        if self._target_type == "binary":
            return np.hstack([1.0 - proba, proba])
        return proba

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """The log of :meth:`predict_proba`."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each row (a 0/1 matrix for multilabel targets)."""
        proba = self._checked_forward(X)
        if self._target_type == "multilabel-indicator":
            return (proba > 0.5).astype(np.int64)
        if self._target_type == "binary":
            return self.classes_[(proba[:, 0] > 0.5).astype(np.int64)]
        return self.classes_[proba.argmax(axis=1)]

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class MLPRegressor(RegressorMixin, _BaseMLP):
    """A multilayer perceptron regressor: scikit-learn's ``MLPRegressor``, trained by
    autograd_mini.

    The parameters are :class:`MLPClassifier`'s; the loss is half the squared error (summed
    over the targets, averaged over the rows) plus the L2 penalty; the output layer is
    linear. ``y`` may have several columns (multi-output regression); a 1-D ``y`` gives 1-D
    predictions.

    >>> import numpy as np
    >>> from autograd_mini.sklearn import MLPRegressor
    >>> X = np.linspace(-1.0, 1.0, 64).reshape(-1, 1)
    >>> reg = MLPRegressor((16,), activation="tanh", learning_rate_init=0.02, max_iter=500,
    ...                    random_state=0).fit(X, X[:, 0] ** 2)
    >>> bool(reg.score(X, X[:, 0] ** 2) > 0.9)
    True
    """

    def _validate_input(
        self, X: Any, y: Any, incremental: bool, reset: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=True, dtype=np.float64, reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        Y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
        if not hasattr(self, "coefs_") or (not self.warm_start and not incremental):
            self.n_outputs_ = Y.shape[1]
            self.out_activation_ = "identity"
        return X, Y

    def _score_encoded(self, X: np.ndarray, Y: np.ndarray) -> float:
        return float(r2_score(Y, self._forward(X)))

    def fit(self, X: Any, y: Any) -> MLPRegressor:
        """Train on ``X`` (n_samples, n_features) and targets ``y``; returns self."""
        return self._fit(X, y, incremental=False)

    def partial_fit(self, X: Any, y: Any) -> MLPRegressor:
        """One epoch over ``X, y``, going on from the current weights and optimizer state."""
        return self._fit(X, y, incremental=True)

    def predict(self, X: Any) -> np.ndarray:
        """Predicted targets: (n_samples,) for a 1-D y, else (n_samples, n_outputs)."""
        out = self._checked_forward(X)
        return out.ravel() if self.n_outputs_ == 1 else out

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
