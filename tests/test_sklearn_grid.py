"""The notes' grid search scaled out: joblib processes and a real Dask LocalCluster (separate
worker processes) give the serial run's accuracies, also when a worker process is killed
mid-search; each worker runs with one BLAS thread; `autograd-mini grid` writes the heatmaps
and the CSV."""

from __future__ import annotations

import csv
import logging
import os
import signal
import threading
import time

import joblib
import numpy as np
import pytest

from autograd_mini import cli
from autograd_mini.data import load_digits
from autograd_mini.sklearn import _parallel
from autograd_mini.sklearn._parallel import OneBlasThread, blas_threads, parallel_backend
from autograd_mini.sklearn.grid import grid_search

# A small grid on the first 900 digits: 8 fits, long enough (~0.2 s each) for a worker to
# be killed while it trains one.
SMALL = dict(etas=[1e-3, 1e-2, 1e-1, 1.0], lambdas=[1e-4, 1e-1], epochs=40)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits()
    return X[:900], y[:900]


@pytest.fixture(scope="module")
def serial(digits):
    return grid_search(data=digits, **SMALL)


def _assert_same(result, reference):
    np.testing.assert_array_equal(result.train_accuracy, reference.train_accuracy)
    np.testing.assert_array_equal(result.test_accuracy, reference.test_accuracy)
    assert result.best() == reference.best()


def test_serial_grid_is_reproducible_and_learns(serial, digits):
    assert serial.backend == "serial (1 process)" and serial.test_accuracy.shape == (4, 2)
    assert not np.isnan(serial.test_accuracy).any()
    assert serial.test_accuracy.max() > 0.85  # η = 0.01..0.1 learn the digits in 40 epochs
    assert serial.test_accuracy[0].max() < serial.test_accuracy[2].max()  # η = 1e-3 is too slow
    _assert_same(grid_search(data=digits, **SMALL), serial)


def test_joblib_processes_give_the_serial_result(serial, digits):
    result = grid_search(data=digits, n_jobs=2, **SMALL)
    assert result.backend == "joblib loky (2 processes)"
    _assert_same(result, serial)


def test_every_backend_pins_blas_to_one_thread():
    outside = blas_threads()
    with parallel_backend(1):
        assert blas_threads() == 1
    assert blas_threads() == outside
    with parallel_backend(2):
        counts = joblib.Parallel()(joblib.delayed(blas_threads)() for _ in range(4))
    assert counts == [1, 1, 1, 1]
    plugin = OneBlasThread()  # what every Dask worker runs when it starts
    plugin.setup(worker=None)
    try:
        assert blas_threads() == 1
    finally:
        plugin.teardown(worker=None)
    assert blas_threads() == outside


@pytest.fixture(scope="module")
def cluster():
    import distributed  # the `distributed` extra, installed by make setup
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
        worker_dashboard_address=None, silence_logs=logging.CRITICAL,
    ) as local_cluster:
        yield local_cluster


def test_dask_local_cluster_gives_the_serial_result(serial, digits, cluster):
    from distributed import Client

    result = grid_search(data=digits, scheduler=cluster.scheduler_address, **SMALL)
    assert result.backend.startswith("dask (2 workers, 2 threads")
    _assert_same(result, serial)
    with Client(cluster.scheduler_address) as client:
        assert set(client.run(blas_threads).values()) == {1}


def test_a_worker_killed_mid_search_does_not_lose_the_search(serial, digits, cluster):
    from distributed import Client

    with Client(cluster.scheduler_address) as client:
        client.wait_for_workers(2)
        pids = client.run(os.getpid)  # worker address -> its process id
        killed: dict[str, int] = {}
        copies: list[int] = []  # how many workers hold each shared array when the kill lands
        done = threading.Event()

        def kill_a_busy_worker():
            # the victim trains a fit and holds a copy of the shared data (X, y, the split):
            # joblib alone would have put that data on one worker, lost with it
            deadline = time.monotonic() + 60
            while not done.is_set() and time.monotonic() < deadline:
                shared = {k: ws for k, ws in client.who_has().items() if "ndarray" in str(k)}
                holders = {w for ws in shared.values() for w in ws}
                busy = [a for a, keys in client.processing().items() if keys and a in pids and a in holders]
                if busy:
                    copies.extend(len(ws) for ws in shared.values())
                    killed[busy[0]] = pids[busy[0]]
                    os.kill(pids[busy[0]], signal.SIGKILL)
                    return
                time.sleep(0.01)

        killer = threading.Thread(target=kill_a_busy_worker)
        killer.start()
        try:
            result = grid_search(data=digits, scheduler=cluster.scheduler_address, **SMALL)
        finally:
            done.set()
            killer.join()
        # the kill landed while the worker was training (the search was still running), and
        # X, y and the split indices were on both workers, so the survivor still has them
        assert len(killed) == 1
        assert len(copies) == 4 and set(copies) == {2}
        ((_, pid),) = killed.items()
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
        # Dask rescheduled the lost fits: the result is the serial one
        _assert_same(result, serial)
        # the nanny started a new worker process, and it has one BLAS thread too
        client.wait_for_workers(2, timeout=60)
        new_pids = client.run(os.getpid)
        assert pid not in new_pids.values() and len(new_pids) == 2
        assert set(client.run(blas_threads).values()) == {1}


# ---------------------------------------------------------------- the command


def test_grid_command_writes_heatmaps_and_csv(tmp_path, capsys):
    import matplotlib.image

    out = tmp_path / "grid"
    status = cli.main(["grid", "--epochs", "2", "--etas", "0.01,0.1", "--lambdas", "1e-4,1",
                       "--out", str(out)])
    assert status == 0
    printed = capsys.readouterr().out
    assert "test accuracy after 2 epochs" in printed and "best: η = " in printed
    assert "4 fits in" in printed and "serial (1 process)" in printed
    with open(out / "grid.csv") as f:
        rows = list(csv.DictReader(f))
    assert [(float(r["learning_rate_init"]), float(r["alpha"])) for r in rows] == [
        (0.01, 1e-4), (0.01, 1.0), (0.1, 1e-4), (0.1, 1.0)]
    assert all(0.0 <= float(r[k]) <= 1.0 for r in rows for k in ("train_accuracy", "test_accuracy"))
    image = matplotlib.image.imread(out / "grid_heatmaps.png")
    assert image.shape[:2] == (580, 1300)  # two heatmaps side by side, 13 × 5.8 in at 100 dpi
    assert image[..., :3].std() > 0.1  # not a blank canvas


def test_grid_command_rejects_bad_arguments(tmp_path, capsys, monkeypatch):
    for args in (["--jobs", "0"], ["--epochs", "0"], ["--etas", "0.1,abc"], ["--lambdas", "-1"]):
        with pytest.raises(SystemExit) as exit_info:
            cli.main(["grid", *args, "--out", str(tmp_path)])
        assert exit_info.value.code == 2
    assert "expected comma-separated numbers" in capsys.readouterr().err
    monkeypatch.setattr(_parallel, "CONNECT_TIMEOUT", 0.5)
    status = cli.main(["grid", "--epochs", "1", "--etas", "0.1", "--lambdas", "1", "--out", str(tmp_path),
                       "--scheduler", "tcp://127.0.0.1:1"])
    assert status == 1
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:1" in capsys.readouterr().err
