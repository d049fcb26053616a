"""``NeuralNetClassifier`` and ``NeuralNetRegressor``: any ``nn.Module`` as a scikit-learn
estimator (skorch's design, on autograd_mini).

The estimator is given a *factory* for the network (an ``nn.Module`` subclass or a function
returning a Module), a loss class and an optimizer class, and builds all three in ``fit``.
Parameters named ``module__NAME``, ``criterion__NAME`` and ``optimizer__NAME`` are routed to
them, so a grid search can tune the network's shape next to the learning rate::

    GridSearchCV(NeuralNetClassifier(mlp_module, optimizer=nn.optim.Adam),
                 {"lr": [1e-3, 1e-2], "module__hidden_layer_sizes": [(32,), (64, 64)]})

Shapes from the data are filled in: when the factory takes ``in_features`` /
``out_features`` and they are not set, they get the number of features and of classes (or
targets); when it takes ``seed`` and it is not set, it gets one drawn from ``random_state``,
so a fixed ``random_state`` makes training reproducible in any process.

Training is ``am.train.fit`` (``compile=True`` by default: the step is traced once per
batch shape and replayed) for ``max_epochs`` epochs (no early stopping); ``history_``
holds one dict per epoch (``train_loss``, ``valid_loss`` with ``train_split``, ...).
The fitted ``module_``, ``criterion_`` and ``optimizer_`` keep no graph and no gradient:
the estimator pickles, and ``clone`` gives an unfitted copy with the same parameters.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from .. import nn, train
from ..core.grad_mode import no_grad
from ..data import DataLoader
from ..tensor import Tensor
from ._common import check_int, check_real, draw_seed, identity, logistic, softmax

_ROUTED = ("module", "criterion", "optimizer")


def mlp_module(
    in_features: int,
    out_features: int,
    hidden_layer_sizes: Sequence[int] = (100,),
    activation: str = "relu",
    dropout: float = 0.0,
    seed: int | None = None,
) -> nn.MLP:
    """The default network of the NeuralNet estimators: ``nn.MLP([in, *hidden, out])`` with
    raw scores out (no output activation).

    ``in_features``, ``out_features`` and ``seed`` are filled in by the estimator; set the
    others with ``module__hidden_layer_sizes=...``, ``module__activation=...``,
    ``module__dropout=...``.
    """
    return nn.MLP(
        [int(in_features), *(int(n) for n in hidden_layer_sizes), int(out_features)],
        activation=activation,
        dropout=dropout,
        seed=seed,
    )


def _is_routed(name: str) -> bool:
    prefix, sep, rest = name.partition("__")
    return bool(sep) and prefix in _ROUTED and bool(rest)


class _NeuralNet(BaseEstimator):
    """What NeuralNetClassifier and NeuralNetRegressor share (see the module docstring)."""

    _default_criterion: type = nn.MSELoss

    def __init__(
        self,
        module: Any = mlp_module,
        *,
        criterion: Any = None,
        optimizer: Any = nn.optim.SGD,
        lr: float = 0.01,
        max_epochs: int = 10,
        batch_size: int = 128,
        train_split: float | None = None,
        shuffle: bool = True,
        predict_nonlinearity: Any = "auto",
        warm_start: bool = False,
        verbose: bool = False,
        random_state: Any = None,
        compile: bool = True,
        **kwargs: Any,
    ) -> None:
        self.module = module
        self.criterion = criterion
        self.optimizer = optimizer
        self.lr = lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.train_split = train_split
        self.shuffle = shuffle
        self.predict_nonlinearity = predict_nonlinearity
        self.warm_start = warm_start
        self.verbose = verbose
        self.random_state = random_state
        self.compile = compile
        # The routed parameters, stored as given (scikit-learn's rule: __init__ only stores;
        # fit checks the names).
        self._routed_params = dict(kwargs)

    # ------------------------------------------------------------ parameters

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor's parameters plus the routed ``module__*``, ``criterion__*`` and
        ``optimizer__*`` ones."""
        params = super().get_params(deep=deep)
        params.update(self._routed_params)
        return params

    def set_params(self, **params: Any) -> _NeuralNet:
        """Set parameters, routed ones (``module__hidden_layer_sizes=...``) included."""
        routed = {k: v for k, v in params.items() if _is_routed(k)}
        plain = {k: v for k, v in params.items() if k not in routed}
        if plain:
            super().set_params(**plain)
        self._routed_params.update(routed)
        return self

    def _params_for(self, prefix: str) -> dict[str, Any]:
        start = prefix + "__"
        return {k[len(start) :]: v for k, v in self._routed_params.items() if k.startswith(start)}

    def _check_params(self) -> None:
        who = type(self).__name__
        unknown = sorted(k for k in self._routed_params if not _is_routed(k))
        if unknown:
            raise TypeError(
                f"{who}: unexpected parameter(s) {', '.join(unknown)}; the routed parameters are "
                f"spelled module__NAME, criterion__NAME or optimizer__NAME"
            )
        check_real(who, "lr", self.lr, 0.0, open_low=True)
        check_int(who, "max_epochs", self.max_epochs, 1)
        check_int(who, "batch_size", self.batch_size, 1)
        if self.train_split is not None:
            check_real(
                who,
                "train_split (the validation fraction, or None)",
                self.train_split,
                0.0,
                1.0,
                open_low=True,
                open_high=True,
            )
        nonlin = self.predict_nonlinearity
        if not (nonlin is None or callable(nonlin) or (isinstance(nonlin, str) and nonlin == "auto")):
            raise ValueError(
                f"{who}: predict_nonlinearity must be 'auto', None or a function of the output "
                f"array, got {nonlin!r}"
            )

    # ------------------------------------------------------------ building

    def _make_module(self, n_features: int, n_outputs: int, rng: np.random.RandomState) -> nn.Module:
        who = type(self).__name__
        kwargs = self._params_for("module")
        factory = self.module
        if isinstance(factory, nn.Module):
            if kwargs:
                raise ValueError(
                    f"{who}: module is an nn.Module instance, so module__ parameters "
                    f"({', '.join(sorted(kwargs))}) cannot be applied; pass its class or a "
                    f"function instead: module=MyNet, module__hidden=..."
                )
            return copy.deepcopy(factory)  # fit never changes the estimator's parameters
        if not callable(factory):
            raise TypeError(
                f"{who}: module must be an nn.Module subclass, a function returning an "
                f"nn.Module, or an nn.Module instance; got {factory!r}"
            )
        accepted = _keyword_names(factory)
        for name, value in (("in_features", n_features), ("out_features", n_outputs)):
            if name not in kwargs and accepted is not None and name in accepted:
                kwargs[name] = value
        if "seed" not in kwargs and accepted is not None and "seed" in accepted:
            kwargs["seed"] = draw_seed(rng)
        try:
            module = factory(**kwargs)
        except TypeError as err:
            raise TypeError(
                f"{who}: building the module failed: {_name(factory)}(**{kwargs!r}) raised "
                f"TypeError: {err}; check the module__ parameters"
            ) from err
        if not isinstance(module, nn.Module):
            raise TypeError(
                f"{who}: module={_name(factory)} returned {type(module).__name__}, not an nn.Module"
            )
        return module

    def _make_criterion(self) -> Any:
        crit = self._default_criterion if self.criterion is None else self.criterion
        kwargs = self._params_for("criterion")
        if isinstance(crit, nn.Module):
            if kwargs:
                raise ValueError(
                    f"{type(self).__name__}: criterion is an instance, so criterion__ parameters "
                    f"cannot be applied; pass its class instead, e.g. criterion=nn.CrossEntropyLoss"
                )
            return copy.deepcopy(crit)
        return crit(**kwargs)

    def _make_optimizer(self, module: nn.Module) -> Any:
        kwargs = self._params_for("optimizer")
        kwargs.setdefault("lr", self.lr)
        try:
            return self.optimizer(module.parameters(), **kwargs)
        except TypeError as err:
            raise TypeError(
                f"{type(self).__name__}: building the optimizer failed: "
                f"{_name(self.optimizer)}(params, **{kwargs!r}) raised TypeError: {err}; check "
                f"the optimizer__ parameters"
            ) from err

    # ------------------------------------------------------------ subclass hooks

    def _encode(self, X: Any, y: Any, reset: bool) -> tuple[np.ndarray, np.ndarray, int]:
        """Validated X, the targets the criterion sees, and the number of network outputs."""
        raise NotImplementedError

    _metrics: tuple[str, ...] = ()

    # ------------------------------------------------------------ fitting

    def fit(self, X: Any, y: Any) -> _NeuralNet:
        """Train for ``max_epochs`` epochs (going on from the fitted network with
        ``warm_start=True``); returns self."""
        return self._fit(X, y, self.max_epochs, keep=bool(self.warm_start))

    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> _NeuralNet:
        """One epoch over ``X, y``, going on from the fitted network and optimizer if any.

        ``classes`` (classifiers: every label y can take) is required on the first call.
        """
        return self._fit(X, y, 1, keep=True, classes=classes)

    def _fit(self, X: Any, y: Any, epochs: int, keep: bool, classes: Any = None) -> _NeuralNet:
        who = type(self).__name__
        self._check_params()
        going_on = keep and hasattr(self, "module_")
        if not going_on:
            self._prepare_classes(classes)
        X, target, n_outputs = self._encode(X, y, reset=not going_on)
        rng = check_random_state(self.random_state)
        if not going_on:
            self.module_ = self._make_module(X.shape[1], n_outputs, rng)
            self.criterion_ = self._make_criterion()
            self.optimizer_ = self._make_optimizer(self.module_)
            self.history_: list[dict[str, float]] = []
        val_data = None
        if self.train_split is not None:
            stratify = target if self._stratify(target) else None
            X, X_val, target, y_val = train_test_split(
                X, target, test_size=self.train_split, random_state=rng, stratify=stratify
            )
            val_data = (X_val, y_val)
        loader = DataLoader(
            X, target, batch_size=int(self.batch_size), shuffle=bool(self.shuffle), seed=draw_seed(rng)
        )
        try:
            history = train.fit(
                self.module_,
                self.criterion_,
                self.optimizer_,
                loader,
                epochs=int(epochs),
                val_data=val_data,
                metrics=self._metrics,
                progress=bool(self.verbose),
                compile=bool(self.compile),  # each batch shape traced once, then replayed
            )
        except FloatingPointError:
            raise ValueError(
                f"{who}.fit: the loss became non-finite; lower lr (now {self.lr:g}), or scale X "
                f"(e.g. StandardScaler)"
            ) from None
        finally:
            self.optimizer_.zero_grad(set_to_none=True)  # keep no gradient arrays after fit
        done = len(self.history_)
        names = {"loss": "train_loss", "val_loss": "valid_loss"}
        for i, epoch in enumerate(history.epoch):
            row: dict[str, float] = {"epoch": done + epoch}
            for key, values in history.history.items():
                new = names.get(key, f"valid_{key[4:]}" if key.startswith("val_") else f"train_{key}")
                row[new] = values[i]
            self.history_.append(row)
        return self

    def _prepare_classes(self, classes: Any) -> None:
        """Classifiers: remember partial_fit's ``classes``."""

    def _stratify(self, target: np.ndarray) -> bool:
        return False

    # ------------------------------------------------------------ prediction

    def _output(self, X: Any) -> np.ndarray:
        """The module's output on X (eval mode, no graph), through the predict nonlinearity."""
        check_is_fitted(self, "module_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        module = self.module_
        was_training = module.training
        module.eval()
        try:
            with no_grad():
                out = module(Tensor._wrap(X))
        finally:
            module.train(was_training)
        array = np.asarray(out.data if isinstance(out, Tensor) else out, dtype=np.float64)
        return np.asarray(self._nonlinearity()(array))

    def _nonlinearity(self) -> Callable[[np.ndarray], np.ndarray]:
        if self.predict_nonlinearity is None:
            return identity
        if callable(self.predict_nonlinearity):
            return self.predict_nonlinearity
        return identity

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        return tags


class NeuralNetClassifier(ClassifierMixin, _NeuralNet):
    """A classifier around any ``nn.Module`` factory (skorch's ``NeuralNetClassifier``).

    Args:
        module: an ``nn.Module`` subclass or a function returning a Module (default
            :func:`mlp_module`), called with the ``module__*`` parameters, plus
            ``in_features`` / ``out_features`` (the number of features and of classes) and
            ``seed`` when it accepts them and they are not set. An instance is deep-copied.
        criterion: the loss class, called with the ``criterion__*`` parameters; default
            ``nn.CrossEntropyLoss`` (the module returns raw scores).
        optimizer: the optimizer class, called with the parameters, ``lr`` and the
            ``optimizer__*`` parameters; default ``nn.optim.SGD``.
        lr, max_epochs, batch_size, shuffle: the training loop's settings.
        train_split: None, or the fraction of the rows held out (stratified) to report
            ``valid_loss`` and ``valid_accuracy`` in ``history_`` after each epoch.
        predict_nonlinearity: "auto" (softmax after CrossEntropyLoss, exp after NLLLoss,
            the logistic function after BCEWithLogitsLoss, else nothing), None, or a function
            of the output array; gives ``predict_proba``.
        warm_start: ``fit`` goes on from the fitted network instead of building a new one.
        verbose: show a tqdm progress bar.
        random_state: seeds the shuffling, the split and the module's ``seed``.
        compile: train through a step compiled with ``am.compile`` (the default): the first
            batch of each shape runs eagerly and is recorded, the others replay the record
            on arrays with the same results. A module whose forward reads tensor values in
            Python (``.item()``, ``if``) cannot be traced (``am.TraceError``): pass
            ``compile=False``.

    Fitted: ``module_``, ``criterion_``, ``optimizer_``, ``history_``, ``classes_``,
    ``n_features_in_``.

    >>> import numpy as np
    >>> from autograd_mini import nn
    >>> from autograd_mini.sklearn import NeuralNetClassifier
    >>> from autograd_mini.data import make_moons
    >>> X, y = make_moons(200, noise=0.1, seed=0)
    >>> net = NeuralNetClassifier(optimizer=nn.optim.Adam, lr=0.02, max_epochs=60, batch_size=32,
    ...                           module__hidden_layer_sizes=(16,), random_state=0).fit(X, y)
    >>> bool(net.score(X, y) > 0.95), len(net.history_), net.predict_proba(X[:2]).shape
    (True, 60, (2, 2))
    """

    _default_criterion = nn.CrossEntropyLoss
    _metrics = ("accuracy",)

    def _prepare_classes(self, classes: Any) -> None:
        self._partial_classes = None if classes is None else unique_labels(classes)

    def _encode(self, X: Any, y: Any, reset: bool) -> tuple[np.ndarray, np.ndarray, int]:
        who = type(self).__name__
        X, y = validate_data(self, X, y, dtype=np.float64, reset=reset)
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if reset:
            classes = getattr(self, "_partial_classes", None)
            classes = unique_labels(y) if classes is None else classes
            if len(classes) < 2:
                raise ValueError(
                    f"{who}: y has 1 class ({classes.tolist()!r}); a classifier needs at least 2 "
                    f"classes in the training data"
                )
            self.classes_ = classes
        unseen = np.setdiff1d(unique_labels(y), self.classes_)
        if len(unseen):
            raise ValueError(f"{who}: y has classes {unseen.tolist()!r} not in self.classes_ {self.classes_}")
        return X, np.searchsorted(self.classes_, y).astype(np.int64), len(self.classes_)

    def _stratify(self, target: np.ndarray) -> bool:
        return bool(np.bincount(target).min(initial=2) >= 2 or len(np.unique(target)) < 2)

    def _nonlinearity(self) -> Callable[[np.ndarray], np.ndarray]:
        if isinstance(self.predict_nonlinearity, str):  # "auto"
            crit = self.criterion_
            if isinstance(crit, nn.CrossEntropyLoss):
                return softmax
            if isinstance(crit, nn.NLLLoss):
                return np.exp
            if isinstance(crit, nn.BCEWithLogitsLoss):
                return logistic
        return super()._nonlinearity()

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, (n_samples, n_classes) in the order of ``classes_``."""
        return self._output(X)

    def predict(self, X: Any) -> np.ndarray:
        """The class with the highest score of each row."""
        scores = self._output(X)
        return self.classes_[scores.argmax(axis=1)]


class NeuralNetRegressor(RegressorMixin, _NeuralNet):
    """A regressor around any ``nn.Module`` factory (skorch's ``NeuralNetRegressor``).

    The arguments are :class:`NeuralNetClassifier`'s, with ``criterion`` defaulting to
    ``nn.MSELoss``; ``out_features`` is the number of target columns (1 for a 1-D ``y``,
    whose predictions are then 1-D too).

    >>> import numpy as np
    >>> from autograd_mini import nn
    >>> from autograd_mini.sklearn import NeuralNetRegressor
    >>> X = np.linspace(-1.0, 1.0, 64).reshape(-1, 1)
    >>> net = NeuralNetRegressor(optimizer=nn.optim.Adam, lr=0.02, max_epochs=200, batch_size=16,
    ...                          module__hidden_layer_sizes=(16,), module__activation="tanh",
    ...                          random_state=0).fit(X, X[:, 0] ** 2)
    >>> bool(net.score(X, X[:, 0] ** 2) > 0.9), net.predict(X[:3]).shape
    (True, (3,))
    """

    _default_criterion = nn.MSELoss

    def _encode(self, X: Any, y: Any, reset: bool) -> tuple[np.ndarray, np.ndarray, int]:
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=True, dtype=np.float64, reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        target = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
        if reset:
            self.n_outputs_ = target.shape[1]
        elif target.shape[1] != self.n_outputs_:
            raise ValueError(
                f"{type(self).__name__}: y has {target.shape[1]} column(s) but the network was "
                f"fitted with {self.n_outputs_}; fit a new one (warm_start=False)"
            )
        return X, target, target.shape[1]

    def predict(self, X: Any) -> np.ndarray:
        """Predicted targets: (n_samples,) for a 1-D y, else (n_samples, n_outputs)."""
        out = self._output(X)
        return out.ravel() if self.n_outputs_ == 1 else out.reshape(len(out), -1)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


def _keyword_names(factory: Any) -> set[str] | None:
    """The keyword names ``factory`` accepts, or None if it takes ``**kwargs`` (or has no
    readable signature)."""
    try:
        params = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return None
    return {p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}


def _name(obj: Any) -> str:
    return getattr(obj, "__qualname__", None) or type(obj).__name__
