"""autograd_mini.sklearn: scikit-learn's own estimator checks over the four estimators, the
MLPs' training against hand-computed NumPy values and scikit-learn's reference
implementation, early stopping, partial_fit, warm starts, pickling, cloning, and the
NeuralNet estimators' parameter routing."""

from __future__ import annotations

import itertools
import pickle
import re
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.neural_network import MLPRegressor as SkMLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.sklearn import (
    MLPClassifier,
    MLPRegressor,
    NeuralNetClassifier,
    NeuralNetRegressor,
    mlp_module,
)
from autograd_mini.tensor import Tensor

# Small networks and few epochs keep the ~220 checks at a few seconds.
CHECKED = [
    MLPClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01, max_iter=100, random_state=0),
    MLPRegressor(hidden_layer_sizes=(16,), learning_rate_init=0.01, max_iter=100, random_state=0),
    NeuralNetClassifier(
        optimizer=nn.optim.Adam, lr=0.01, max_epochs=40, batch_size=32,
        module__hidden_layer_sizes=(16,), random_state=0,
    ),
    NeuralNetRegressor(
        optimizer=nn.optim.Adam, lr=0.01, max_epochs=40, batch_size=32,
        module__hidden_layer_sizes=(16,), random_state=0,
    ),
]

# The MLPs stop at max_iter with scikit-learn's ConvergenceWarning, as scikit-learn's do.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(CHECKED)  # every check must pass: none is expected to fail
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def _blobs(n=250, n_features=4, n_classes=3, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(0.0, 3.0, (n_classes, n_features))
    y = rng.integers(0, n_classes, n)
    X = centers[y] + rng.normal(0.0, 1.0, (n, n_features))
    return X, y


def _glorot(seed, units, activation):
    """scikit-learn's initial weights, drawn by hand: coef then intercept, layer by layer."""
    rs = np.random.RandomState(seed)
    factor = 2.0 if activation == "logistic" else 6.0
    coefs, intercepts = [], []
    for fan_in, fan_out in itertools.pairwise(units):
        bound = np.sqrt(factor / (fan_in + fan_out))
        coefs.append(rs.uniform(-bound, bound, (fan_in, fan_out)))
        intercepts.append(rs.uniform(-bound, bound, fan_out))
    return coefs, intercepts


# ---------------------------------------------------------------- the loss and its L2 term


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_first_epoch_loss_is_cross_entropy_plus_alpha_over_2n_sum_of_squared_weights():
    X, y = _blobs(n=60)
    alpha = 0.7
    clf = MLPClassifier((5,), activation="tanh", alpha=alpha, batch_size=60, shuffle=False,
                        max_iter=1, random_state=3).fit(X, y)
    # the loss of the only batch is computed at the initial weights, before the update
    coefs, intercepts = _glorot(3, [4, 5, 3], "tanh")
    hidden = np.tanh(X @ coefs[0] + intercepts[0])
    z = hidden @ coefs[1] + intercepts[1]
    log_p = z - z.max(axis=1, keepdims=True)
    log_p -= np.log(np.exp(log_p).sum(axis=1, keepdims=True))
    cross_entropy = -log_p[np.arange(60), y].mean()
    penalty = alpha / (2 * 60) * sum((w**2).sum() for w in coefs)  # biases are not penalised
    np.testing.assert_allclose(clf.loss_curve_[0], cross_entropy + penalty, rtol=1e-12)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("n_classes", [2, 3])
def test_sgd_epoch_matches_scikit_learn_with_auto_batches(n_classes):
    # 250 rows: batch_size="auto" is min(200, 250) = 200, so the epoch is two steps (200 + 50
    # rows), each with its own alpha/(2·B) penalty; scikit-learn's implementation is the reference
    X, y = _blobs(n=250, n_classes=n_classes)
    kwargs = dict(hidden_layer_sizes=(6,), activation="relu", solver="sgd", momentum=0.0,
                  learning_rate_init=0.05, alpha=0.3, shuffle=False, max_iter=3, random_state=1)
    ours = MLPClassifier(**kwargs).fit(X, y)
    ref = SkMLPClassifier(**kwargs).fit(X, y)
    np.testing.assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=1e-10)
    for a, b in zip(ours.coefs_ + ours.intercepts_, ref.coefs_ + ref.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), rtol=1e-8)
    assert ours.n_outputs_ == ref.n_outputs_ and ours.out_activation_ == ref.out_activation_


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_regressor_half_squared_error_and_nesterov_sgd_match_scikit_learn():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(80, 3))
    Y = np.column_stack([X[:, 0] - 2 * X[:, 1], np.sin(X[:, 2])])
    kwargs = dict(hidden_layer_sizes=(7, 4), activation="logistic", solver="sgd", momentum=0.9,
                  nesterovs_momentum=True, learning_rate_init=0.02, alpha=0.01, batch_size=32,
                  shuffle=False, max_iter=4, random_state=2)
    ours = MLPRegressor(**kwargs).fit(X, Y)
    ref = SkMLPRegressor(**kwargs).fit(X, Y)
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), rtol=1e-8, atol=1e-12)
    assert ours.predict(X).shape == (80, 2)
    # the same loss is descended (½ Σ_targets mean_rows); for several targets scikit-learn's
    # loss_curve_ shows the data part divided by the number of targets, so compare one target
    one = MLPRegressor(**kwargs).fit(X, Y[:, 0])
    np.testing.assert_allclose(one.loss_curve_, SkMLPRegressor(**kwargs).fit(X, Y[:, 0]).loss_curve_,
                               rtol=1e-10)
    # and by hand at the initial weights: one batch of all rows, no update before the loss
    first = MLPRegressor(**{**kwargs, "batch_size": 80, "max_iter": 1}).fit(X, Y)
    coefs, intercepts = _glorot(2, [3, 7, 4, 2], "logistic")
    a = X
    for i, (w, b) in enumerate(zip(coefs, intercepts)):
        a = a @ w + b
        a = 1 / (1 + np.exp(-a)) if i < 2 else a
    expected = 0.5 * ((a - Y) ** 2).sum(axis=1).mean() + 0.01 / (2 * 80) * sum((w**2).sum() for w in coefs)
    np.testing.assert_allclose(first.loss_curve_[0], expected, rtol=1e-12)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_adam_matches_scikit_learn_up_to_where_epsilon_is_added():
    # PyTorch's Adam adds ε to √v̂, scikit-learn's to √v: the paths differ by O(ε)
    X, y = _blobs(n=120)
    kwargs = dict(hidden_layer_sizes=(8,), learning_rate_init=0.01, shuffle=False, max_iter=5,
                  random_state=0)
    ours = MLPClassifier(**kwargs).fit(X, y)
    ref = SkMLPClassifier(**kwargs).fit(X, y)
    np.testing.assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=1e-6)


def test_max_iter_reached_warns_like_scikit_learn():
    X, y = _blobs(n=40)
    with pytest.warns(ConvergenceWarning, match="max_iter=3"):
        MLPClassifier((4,), max_iter=3, random_state=0).fit(X, y)


# ---------------------------------------------------------------- stopping rules


def test_tol_and_n_iter_no_change_stop_like_scikit_learn():
    # with tol larger than any improvement every epoch after the first counts as "no
    # improvement"; training stops once the count exceeds n_iter_no_change
    X, y = _blobs(n=100)
    kwargs = dict(hidden_layer_sizes=(8,), tol=10.0, n_iter_no_change=3, max_iter=50, random_state=0)
    ours = MLPClassifier(**kwargs).fit(X, y)
    ref = SkMLPClassifier(**kwargs).fit(X, y)
    # epoch 1 improves on best_loss_ = inf; epochs 2, 3, 4, 5 count 1, 2, 3, 4 > 3: stop
    assert ours.n_iter_ == ref.n_iter_ == 5
    assert len(ours.loss_curve_) == 5 and ours.best_loss_ == min(ours.loss_curve_)


def test_early_stopping_keeps_the_best_validation_epoch():
    X, y = _blobs(n=300, n_classes=4, seed=2)
    clf = MLPClassifier((16,), early_stopping=True, validation_fraction=0.2, n_iter_no_change=4,
                        tol=1e-3, learning_rate_init=0.05, max_iter=200, random_state=0).fit(X, y)
    scores = clf.validation_scores_
    assert clf.n_iter_ < 200 and len(scores) == clf.n_iter_ == len(clf.loss_curve_)
    assert clf.best_validation_score_ == max(scores)
    # it stopped because the last n_iter_no_change + 1 scores never beat the earlier best by tol
    k = clf.n_iter_no_change + 1
    assert max(scores[-k:]) < max(scores[:-k]) + clf.tol
    assert clf.best_loss_ is None


def test_adaptive_learning_rate_divides_by_five_instead_of_stopping():
    X, y = _blobs(n=100)
    kwargs = dict(hidden_layer_sizes=(8,), solver="sgd", learning_rate="adaptive", tol=10.0,
                  n_iter_no_change=2, max_iter=12, random_state=0)
    with pytest.warns(ConvergenceWarning):
        adaptive = MLPClassifier(**kwargs).fit(X, y)
    constant = MLPClassifier(**{**kwargs, "learning_rate": "constant"}).fit(X, y)
    assert constant.n_iter_ == 4  # stops at the first plateau (count 3 > 2 in epoch 4)
    # adaptive: the plateaus in epochs 4, 7 and 10 divide the rate by 5 (still above 1e-6)
    assert adaptive.n_iter_ == 12
    lr = adaptive._optimizer_state[1]["param_groups"][0]["lr"]
    np.testing.assert_allclose(lr, 1e-3 / 5**3)


# ---------------------------------------------------------------- partial_fit, warm_start


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_partial_fit_goes_on_with_the_weights_and_the_adam_moments():
    X, y = _blobs(n=90)
    kwargs = dict(hidden_layer_sizes=(8,), shuffle=False, random_state=0)
    stepwise = MLPClassifier(**kwargs)
    for _ in range(3):
        stepwise.partial_fit(X, y, classes=[0, 1, 2])
    at_once = MLPClassifier(max_iter=3, **kwargs).fit(X, y)
    assert stepwise.t_ == 3 * 90 and len(stepwise.loss_curve_) == 3
    for a, b in zip(stepwise.coefs_, at_once.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_partial_fit_needs_classes_first_and_rejects_unknown_labels():
    X, y = _blobs(n=30)
    clf = MLPClassifier((4,), random_state=0)
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        clf.partial_fit(X, y)
    clf.partial_fit(X[y < 2], y[y < 2], classes=[0, 1, 2])
    assert clf.classes_.tolist() == [0, 1, 2] and clf.predict_proba(X).shape == (30, 3)
    with pytest.raises(ValueError, match=r"y has classes not in self.classes_"):
        clf.partial_fit(X, np.where(y == 2, 7, y))
    with pytest.raises(ValueError, match="does not support early_stopping"):
        MLPClassifier(early_stopping=True).partial_fit(X, y, classes=[0, 1, 2])


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_warm_start_continues_from_the_fitted_weights():
    X, y = _blobs(n=80)
    warm = MLPClassifier((8,), max_iter=2, warm_start=True, random_state=0).fit(X, y)
    first = [c.copy() for c in warm.coefs_]
    warm.fit(X, y)
    assert len(warm.loss_curve_) == 4 and warm.loss_curve_[2] < warm.loss_curve_[0]
    cold = MLPClassifier((8,), max_iter=2, random_state=0).fit(X, y).fit(X, y)
    np.testing.assert_allclose(cold.coefs_[0], first[0])  # without warm_start: a fresh start
    with pytest.raises(ValueError, match="warm_start can only be used where y has the same classes"):
        warm.fit(X[y < 2], y[y < 2])


# ---------------------------------------------------------------- predictions


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_classifier_outputs_binary_multiclass_multilabel():
    X, y = _blobs(n=120)
    binary = MLPClassifier((8,), max_iter=50, random_state=0).fit(X, np.where(y == 1, "b", "a"))
    p = binary.predict_proba(X)
    assert binary.n_outputs_ == 1 and binary.out_activation_ == "logistic" and p.shape == (120, 2)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert binary.predict(X).tolist() == np.where(p[:, 1] > 0.5, "b", "a").tolist()
    multi = MLPClassifier((8,), max_iter=50, random_state=0).fit(X, y)
    np.testing.assert_allclose(multi.predict_log_proba(X), np.log(multi.predict_proba(X)))
    assert [c.shape for c in multi.coefs_] == [(4, 8), (8, 3)] and multi.n_layers_ == 3
    Y = np.column_stack([y == 0, y != 2]).astype(int)
    multilabel = MLPClassifier((8,), learning_rate_init=0.05, max_iter=60, random_state=0).fit(X, Y)
    assert multilabel.predict(X).shape == (120, 2) and set(np.unique(multilabel.predict(X))) <= {0, 1}
    assert multilabel.score(X, Y) > 0.9
    reference = SkMLPClassifier((8,), learning_rate_init=0.05, max_iter=60, random_state=0).fit(X, Y)
    np.testing.assert_allclose(multilabel.predict_proba(X), reference.predict_proba(X), rtol=1e-4, atol=1e-6)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_errors_say_what_to_do():
    X, y = _blobs(n=30)
    with pytest.raises(ValueError, match=r"solver='lbfgs' is not available.*use solver='adam'"):
        MLPClassifier(solver="lbfgs").fit(X, y)
    with pytest.raises(ValueError, match=re.escape("alpha must be a real number in [0.0, inf], got -1")):
        MLPClassifier(alpha=-1).fit(X, y)
    with pytest.raises(ValueError, match=r"hidden_layer_sizes.*must be an int >= 1, got 0"):
        MLPClassifier(hidden_layer_sizes=(4, 0)).fit(X, y)
    with pytest.raises(ValueError, match="y has 1 class"):
        MLPClassifier().fit(X, np.zeros(30))
    with pytest.raises(NotFittedError):
        MLPRegressor().predict(X)
    with pytest.raises(ValueError, match="X has 3 features, but MLPClassifier is expecting 4"):
        MLPClassifier((4,), max_iter=2, tol=1.0, random_state=0).fit(X, y).predict(X[:, :3])
    diverged = r"loss became non-finite in epoch \d+; lower learning_rate_init \(now 1e\+06\)"
    with pytest.raises(ValueError, match=diverged):
        MLPRegressor((4,), solver="sgd", learning_rate_init=1e6, max_iter=5).fit(X * 1e3, y * 1e6)


def test_verbose_shows_a_tqdm_progress_bar(capsys):
    X, y = _blobs(n=40)
    MLPClassifier((4,), max_iter=5, tol=10.0, n_iter_no_change=1, verbose=True, random_state=0).fit(X, y)
    out, err = capsys.readouterr()
    assert "MLPClassifier" in err and "epoch" in err and "loss=" in err
    assert "Training loss did not improve more than tol=10 for 1 consecutive epochs. Stopping." in out


# ---------------------------------------------------------------- pickling, cloning, no graph


def _contains_tensor(obj, seen=None) -> bool:
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return False
    seen.add(id(obj))
    if isinstance(obj, Tensor):
        return True
    if isinstance(obj, dict):
        return any(_contains_tensor(v, seen) for v in obj.values())
    if isinstance(obj, (list, tuple)):
        return any(_contains_tensor(v, seen) for v in obj)
    return hasattr(obj, "__dict__") and _contains_tensor(vars(obj), seen)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_fitted_mlp_holds_arrays_only_and_pickles():
    X, y = _blobs(n=60)
    clf = MLPClassifier((8,), max_iter=5, random_state=0).fit(X, y)
    assert not _contains_tensor(clf)  # no Tensor, so no graph and no closure over one
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))
    copy = clone(clf)
    assert copy.get_params() == clf.get_params() and not hasattr(copy, "coefs_")


def test_neuralnet_keeps_no_graph_or_gradient_after_fit_and_pickles():
    X, y = _blobs(n=60)
    net = NeuralNetClassifier(max_epochs=3, module__hidden_layer_sizes=(8,), random_state=0).fit(X, y)
    for p in net.module_.parameters():
        assert p.grad is None and p.grad_fn is None and p.is_leaf
    again = pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(again.predict_proba(X), net.predict_proba(X))
    copy = clone(net)
    assert copy.get_params()["module__hidden_layer_sizes"] == (8,) and not hasattr(copy, "module_")


# ---------------------------------------------------------------- NeuralNet routing


class TwoLayer(nn.Module):
    """A user's module: the estimator fills in in_features/out_features from the data."""

    def __init__(self, in_features, out_features, width=5, seed=None):
        super().__init__()
        self.hidden = nn.Linear(in_features, width, seed=seed)
        self.out = nn.Linear(width, out_features, seed=None if seed is None else seed + 1)

    def forward(self, x):
        return self.out(am.tanh(self.hidden(x)))


def test_module_criterion_and_optimizer_parameters_are_routed():
    X, y = _blobs(n=60)
    net = NeuralNetClassifier(TwoLayer, optimizer=nn.optim.SGD, lr=0.05, max_epochs=2,
                              module__width=7, optimizer__momentum=0.5, criterion__label_smoothing=0.1,
                              random_state=0)
    assert net.get_params()["module__width"] == 7
    net.fit(X, y)
    assert net.module_.hidden.weight.shape == (7, 4) and net.module_.out.weight.shape == (3, 7)
    group = net.optimizer_.param_groups[0]
    assert group["momentum"] == 0.5 and group["lr"] == 0.05
    assert net.criterion_.label_smoothing == 0.1
    net.set_params(module__width=3, lr=0.1).fit(X, y)
    assert net.module_.hidden.weight.shape == (3, 4) and net.optimizer_.param_groups[0]["lr"] == 0.1


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_grid_search_over_routed_module_parameters_in_a_pipeline():
    X, y = _blobs(n=120)
    pipe = make_pipeline(StandardScaler(), NeuralNetClassifier(
        optimizer=nn.optim.Adam, lr=0.02, max_epochs=15, batch_size=32, random_state=0))
    search = GridSearchCV(pipe, {"neuralnetclassifier__module__hidden_layer_sizes": [(2,), (16,)],
                                 "neuralnetclassifier__lr": [0.02]}, cv=3)
    search.fit(X, y)
    assert search.best_params_["neuralnetclassifier__module__hidden_layer_sizes"] in [(2,), (16,)]
    hidden = search.best_estimator_[-1].module_.layers[0]
    assert hidden.out_features == search.best_params_["neuralnetclassifier__module__hidden_layer_sizes"][0]
    mlp = MLPClassifier((8,), learning_rate_init=0.05, max_iter=30, random_state=0)
    scores = cross_val_score(mlp, X, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.8


def test_same_random_state_same_network_and_history():
    X, y = _blobs(n=80)
    kwargs = dict(max_epochs=4, train_split=0.25, module__hidden_layer_sizes=(8,), random_state=7)
    a = NeuralNetClassifier(**kwargs).fit(X, y)
    b = NeuralNetClassifier(**kwargs).fit(X, y)
    assert a.history_ == b.history_ and len(a.history_) == 4
    assert set(a.history_[0]) == {"epoch", "train_loss", "train_accuracy", "valid_loss", "valid_accuracy"}
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_neuralnet_partial_fit_and_warm_start_add_epochs():
    X, y = _blobs(n=60)
    net = NeuralNetClassifier(max_epochs=2, module__hidden_layer_sizes=(8,), warm_start=True, random_state=0)
    net.partial_fit(X, y, classes=[0, 1, 2])
    net.partial_fit(X, y)
    net.fit(X, y)
    assert [row["epoch"] for row in net.history_] == [1, 2, 3, 4]
    reg = NeuralNetRegressor(max_epochs=2, module__hidden_layer_sizes=(8,), random_state=0).fit(X, X[:, :2])
    assert reg.predict(X).shape == (60, 2) and reg.module_.layers[-1].out_features == 2


def test_neuralnet_errors_name_the_fix():
    X, y = _blobs(n=30)
    with pytest.raises(TypeError, match=r"unexpected parameter.*hidden_layer_sizes.*module__NAME"):
        NeuralNetClassifier(hidden_layer_sizes=(3,)).fit(X, y)
    with pytest.raises(TypeError, match=r"building the module failed.*check the module__ parameters"):
        NeuralNetClassifier(module__widht=3).fit(X, y)
    with pytest.raises(ValueError, match=r"module is an nn.Module instance.*pass its class"):
        NeuralNetClassifier(mlp_module(4, 3), module__activation="tanh").fit(X, y)
    with pytest.raises(TypeError, match="building the optimizer failed"):
        NeuralNetClassifier(optimizer__betas=(0.9, 0.99)).fit(X, y)  # SGD has no betas
    with pytest.raises(ValueError, match="max_epochs must be an int >= 1, got 0"):
        NeuralNetRegressor(max_epochs=0).fit(X, y)
    # an instance is copied, never trained in place: the estimator's parameter stays as given
    module = mlp_module(4, 3, hidden_layer_sizes=(5,), seed=0)
    before = module.layers[0].weight.data.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        NeuralNetClassifier(module, max_epochs=2).fit(X, y)
    np.testing.assert_array_equal(module.layers[0].weight.data, before)
