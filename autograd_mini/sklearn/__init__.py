"""scikit-learn estimators trained by autograd_mini, so ``GridSearchCV``, ``Pipeline`` and
``cross_val_score`` work on it.

- :class:`MLPClassifier`, :class:`MLPRegressor`: scikit-learn's multilayer perceptrons, with
  its parameter names, defaults and fitted attributes (``coefs_``, ``loss_curve_``, ...).
- :class:`NeuralNetClassifier`, :class:`NeuralNetRegressor`: wrap any ``nn.Module`` factory
  (skorch's design): ``module=``, ``criterion=``, ``optimizer=``, ``lr=``, ``max_epochs=``,
  ``batch_size=``, with ``module__*``, ``criterion__*`` and ``optimizer__*`` parameters routed
  to the module, the loss and the optimizer, so they can be grid-searched too.
- :mod:`autograd_mini.sklearn.grid`: the lecture notes' grid search over the learning rate and
  the L2 strength, serial, on all cores (joblib) or on a Dask cluster.

Needs scikit-learn, an optional extra (``pip install 'autograd-mini[extras]'``).

>>> from autograd_mini.sklearn import MLPClassifier
>>> from autograd_mini.data import make_xor
>>> X, y = make_xor(40, noise=0.05, seed=0)
>>> clf = MLPClassifier(hidden_layer_sizes=(8,), activation="tanh", learning_rate_init=0.05,
...                     max_iter=300, random_state=0).fit(X, y)
>>> clf.score(X, y)
1.0
"""

from __future__ import annotations

try:
    import sklearn as _sklearn  # noqa: F401
except ImportError:  # pragma: no cover - the extra is installed by `make setup`
    raise ImportError(
        "autograd_mini.sklearn needs scikit-learn, an optional extra: install it with "
        "`pip install 'autograd-mini[extras]'` (or `pip install scikit-learn`; `make setup` does)"
    ) from None

from .mlp import MLPClassifier, MLPRegressor
from .net import NeuralNetClassifier, NeuralNetRegressor, mlp_module

__all__ = [
    "MLPClassifier",
    "MLPRegressor",
    "NeuralNetClassifier",
    "NeuralNetRegressor",
    "mlp_module",
]
