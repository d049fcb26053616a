"""DataLoader, the data sets, train_test_split, fit/evaluate/History and the digits MLP."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.data import DataLoader


def test_dataloader_covers_every_row_once_per_epoch_in_a_new_order():
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    loader = DataLoader(X, y, batch_size=3, seed=0)
    assert len(loader) == 4
    epochs = []
    for _ in range(2):
        batches = list(loader)
        assert [len(yb) for _, yb in batches] == [3, 3, 3, 1]
        order = np.concatenate([yb.data for _, yb in batches])
        assert sorted(order.tolist()) == list(range(10))
        for xb, yb in batches:
            np.testing.assert_array_equal(xb.data, X[yb.data])  # rows stay paired
            assert isinstance(xb, am.Tensor) and not xb.requires_grad
        epochs.append(order)
    assert not np.array_equal(epochs[0], epochs[1])
    again = np.concatenate([yb.data for _, yb in DataLoader(X, y, batch_size=3, seed=0)])
    np.testing.assert_array_equal(again, epochs[0])  # the seed makes epochs reproducible


def test_dataloader_options_and_errors():
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    plain = DataLoader(X, y, batch_size=4, shuffle=False, drop_last=True)
    assert len(plain) == 2
    assert [yb.tolist() for _, yb in plain] == [[0, 1, 2, 3], [4, 5, 6, 7]]
    only_x = list(DataLoader(X, batch_size=5, shuffle=False))
    assert len(only_x) == 2 and only_x[0].shape == (5, 2)
    assert DataLoader(X.astype(np.float32), y).X.dtype == np.float32
    with pytest.raises(ValueError, match=r"10 rows.*shape \(9,\)"):
        DataLoader(X, y[:9])
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(X, y, batch_size=0)


def test_train_test_split():
    X, y = np.arange(40.0).reshape(20, 2), np.arange(20)
    X_train, X_test, y_train, y_test = am.data.train_test_split(X, y, test_size=0.2, seed=0)
    assert len(X_test) == 4 and len(X_train) == 16
    assert sorted(np.concatenate([y_train, y_test]).tolist()) == list(range(20))
    np.testing.assert_array_equal(X_train[:, 0], 2 * y_train)
    with pytest.raises(ValueError, match="test_size"):
        am.data.train_test_split(X, y, test_size=1.5)


def test_toy_data_sets():
    X, y = am.data.make_moons(100, noise=0.05, seed=0)
    assert X.shape == (100, 2) and np.bincount(y).tolist() == [50, 50]
    X2, _ = am.data.make_moons(100, noise=0.05, seed=0)
    np.testing.assert_array_equal(X, X2)
    clean, labels = am.data.make_moons(7)
    on_top = clean[labels == 0]
    np.testing.assert_allclose(np.hypot(on_top[:, 0], on_top[:, 1]), 1.0)

    X, y = am.data.make_xor()
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(y, [0, 1, 1, 0])
    X, y = am.data.make_xor(40, noise=0.1, seed=1)
    assert X.shape == (40, 2)
    corners = np.rint(X)
    assert np.abs(X - corners).max() < 0.5  # noisy copies of the four corners
    np.testing.assert_array_equal(y, np.logical_xor(corners[:, 0], corners[:, 1]).astype(int))

    X, y = am.data.make_spirals(90, n_classes=3, noise=0.0, seed=0)
    assert X.shape == (90, 2) and np.bincount(y).tolist() == [30, 30, 30]
    assert np.hypot(X[:, 0], X[:, 1]).max() <= 1.0 + 1e-12
    with pytest.raises(ValueError, match="n_samples"):
        am.data.make_moons(1)


def test_load_digits_and_its_missing_extra(monkeypatch):
    X, y = am.data.load_digits()
    assert X.shape == (1797, 64) and y.shape == (1797,)
    assert X.dtype == np.float64 and X.min() >= 0.0 and X.max() == 1.0
    assert sorted(set(y.tolist())) == list(range(10))
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r"pip install 'autograd-mini\[extras\]'"):
        am.data.load_digits()


def test_accuracy_metric():
    from autograd_mini.train import accuracy

    logits = np.array([[2.0, 1.0], [0.0, 3.0], [1.0, 0.0]])
    assert accuracy(logits, np.array([0, 1, 1])) == pytest.approx(2 / 3)
    assert accuracy(logits, np.eye(2)[[0, 1, 1]]) == pytest.approx(2 / 3)
    assert accuracy(np.array([[0.9], [0.2]]), np.array([[1.0], [1.0]])) == 0.5
    assert accuracy(np.array([0.3, -0.1]), np.array([1, 0]), threshold=0.0) == 1.0


def test_fit_records_history_and_learns_xor():
    X, y = am.data.make_xor()
    model = nn.MLP([2, 4, 1], activation="tanh", seed=1)
    optimizer = nn.optim.Adam(model.parameters(), lr=0.1)
    scheduler = nn.optim.lr_scheduler.StepLR(optimizer, step_size=100, gamma=0.5)
    loader = DataLoader(X, y.reshape(-1, 1).astype(float), batch_size=4, seed=0)

    def mean_abs_error(out, target):
        return float(np.abs(out - target).mean())

    history = am.train.fit(
        model,
        nn.BCEWithLogitsLoss(),
        optimizer,
        loader,
        epochs=200,
        val_data=(X, y.reshape(-1, 1)),
        metrics=("accuracy", mean_abs_error),
        progress=False,
        scheduler=scheduler,
    )
    metrics = ["loss", "accuracy", "mean_abs_error"]
    assert history.keys() == metrics + [f"val_{m}" for m in metrics]
    assert history.epoch == list(range(1, 201))
    assert all(len(v) == 200 for v in history.history.values())
    assert history["loss"][-1] < 0.05 < history["loss"][0]
    assert history["accuracy"][-1] == 1.0 and history["val_accuracy"][-1] == 1.0  # logits: threshold 0
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.1 * 0.5**2)
    assert "History(epochs=200, loss=" in repr(history)
    assert model.training


def test_fit_restores_eval_mode_stops_on_nan_and_stays_quiet_off_a_terminal(capsys):
    model = nn.Linear(2, 1, seed=0).eval()
    X = np.array([[1.0, 2.0], [3.0, 4.0]])
    y = np.array([[1.0], [np.nan]])
    with pytest.raises(FloatingPointError, match="epoch 1, batch 1"):
        am.train.fit(model, nn.MSELoss(), nn.optim.SGD(model.parameters(), lr=0.1),
                     DataLoader(X, y, batch_size=2), epochs=1, metrics=())
    assert not model.training
    history = am.train.fit(model, nn.MSELoss(), nn.optim.SGD(model.parameters(), lr=0.01),
                           DataLoader(X, np.zeros_like(y), batch_size=1), epochs=2, metrics=(), progress=True)
    assert history.keys() == ["loss"]
    assert capsys.readouterr().err == ""  # pytest's stderr is not a terminal: no progress bar
    with pytest.raises(ValueError, match="unknown metric"):
        am.train.fit(model, nn.MSELoss(), nn.optim.SGD(model.parameters(), lr=0.01),
                     DataLoader(X, np.zeros_like(y)), epochs=1, metrics=("f1",))


def test_history_plot_writes_a_png(tmp_path):
    history = am.train.History()
    for epoch, (loss, val) in enumerate([(1.0, 1.2), (0.5, 0.7), (0.3, 0.6)], start=1):
        history.append(epoch, {"loss": loss, "accuracy": 0.5 + epoch / 10, "val_loss": val})
    fig = history.plot(tmp_path / "curve.png")
    assert len(fig.axes) == 2
    assert [line.get_label() for line in fig.axes[0].get_lines()] == ["train", "validation"]
    assert (tmp_path / "curve.png").read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="empty"):
        am.train.History().plot()


def test_evaluate_uses_eval_mode_without_a_graph():
    model = nn.MLP([3, 8, 2], dropout=0.5, seed=0)
    X, y = np.random.default_rng(0).normal(size=(10, 3)), np.arange(10) % 2
    first = am.train.evaluate(model, nn.CrossEntropyLoss(), (X, y))
    second = am.train.evaluate(model, nn.CrossEntropyLoss(), (X, y))
    assert first == second  # no dropout in evaluation
    assert model.training  # and the mode is restored
    assert set(first) == {"loss", "accuracy"}
    assert set(am.train.evaluate(model, None, (X, y))) == {"accuracy"}


def test_a_digits_mlp_reaches_95_percent_test_accuracy():
    X, y = am.data.load_digits()
    X_train, X_test, y_train, y_test = am.data.train_test_split(X, y, test_size=0.2, seed=0)
    model = nn.MLP([64, 32, 10], seed=0)
    optimizer = nn.optim.Adam(model.parameters(), lr=0.01)
    am.train.fit(model, nn.CrossEntropyLoss(), optimizer, DataLoader(X_train, y_train, 32, seed=0),
                 epochs=8, progress=False)
    scores = am.train.evaluate(model, nn.CrossEntropyLoss(), (X_test, y_test))
    assert scores["accuracy"] >= 0.95


def test_training_in_float32_keeps_float32_parameters():
    am.set_default_dtype(np.float32)
    X, y = am.data.make_moons(64, noise=0.1, seed=0)
    model = nn.MLP([2, 8, 2], seed=0)
    optimizer = nn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loader = DataLoader(X.astype(np.float32), y, batch_size=16, seed=0)
    history = am.train.fit(model, nn.CrossEntropyLoss(), optimizer, loader, epochs=5, progress=False)
    assert history["loss"][-1] < history["loss"][0]
    for name, p in model.named_parameters():
        assert p.dtype == np.float32 and p.grad.dtype == np.float32, name


def test_fit_gives_reduce_lr_on_plateau_the_validation_loss():
    seen: list[float] = []

    class Spy(nn.optim.lr_scheduler.ReduceLROnPlateau):
        def step(self, metrics=None):
            seen.append(float(metrics))
            super().step(metrics)

    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((32, 3)), rng.standard_normal((32, 1))
    xv, yv = rng.standard_normal((16, 3)), rng.standard_normal((16, 1))
    model = nn.Linear(3, 1, seed=0)
    opt = nn.optim.SGD(model.parameters(), lr=1e-6)  # the losses barely move: a plateau
    sched = Spy(opt, factor=0.5, patience=1)
    history = am.train.fit(model, nn.MSELoss(), opt, DataLoader(x, y, batch_size=8), epochs=5,
                           val_data=(xv, yv), metrics=(), progress=False, scheduler=sched)
    assert seen == history["val_loss"]
    assert opt.param_groups[0]["lr"] < 1e-6  # reduced after `patience` flat epochs
    seen.clear()
    am.train.fit(model, nn.MSELoss(), opt, DataLoader(x, y, batch_size=8), epochs=2,
                 metrics=(), progress=False, scheduler=sched)  # no val_data: the training loss
    assert len(seen) == 2


def test_fit_drives_lbfgs_with_a_closure():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((40, 3))
    y = x @ np.array([[1.0], [-2.0], [0.5]]) + 0.3
    model = nn.Linear(3, 1, seed=0)
    opt = nn.optim.LBFGS(model.parameters(), line_search_fn="strong_wolfe")
    history = am.train.fit(model, nn.MSELoss(), opt, DataLoader(x, y, batch_size=40), epochs=3,
                           metrics=(), progress=False)
    assert history["loss"][-1] < 1e-8 < history["loss"][0]  # (each epoch: the loss before its step)
    np.testing.assert_allclose(model.weight.numpy(), [[1.0, -2.0, 0.5]], atol=1e-5)
    with pytest.raises(ValueError, match="compile=True cannot record LBFGS"):
        am.train.fit(model, nn.MSELoss(), opt, DataLoader(x, y, batch_size=40), epochs=1,
                     progress=False, compile=True)


def test_fit_steps_one_cycle_after_every_batch():
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((30, 2)), rng.standard_normal((30, 1))
    model = nn.Linear(2, 1, seed=0)
    opt = nn.optim.SGD(model.parameters(), lr=0.01)
    sched = nn.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=3 * 5)
    am.train.fit(model, nn.MSELoss(), opt, DataLoader(x, y, batch_size=6), epochs=3,
                 metrics=(), progress=False, scheduler=sched)
    assert sched.last_epoch == 15  # one step per batch: 3 epochs of 5 batches, the cycle's end
    with pytest.raises(ValueError):  # one batch more than total_steps
        sched.step()
