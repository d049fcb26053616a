"""Anomaly mode names the op that first made a NaN/inf, forward or backward, and where."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import autograd_mini as am


def test_forward_culprit_is_named_with_user_file_and_line():
    x = am.tensor([0.0, 1.0], requires_grad=True)
    with am.detect_anomaly(), pytest.raises(am.AnomalyError) as info:
        y = am.log(x) * 2.0  # the culprit is log, on this line
        del y
    message = str(info.value)
    assert "forward of 'log' produced -inf from finite inputs" in message
    assert "test_anomaly.py:" in message and "in test_forward_culprit" in message
    assert "shape (2,)" in message and "min 0" in message


def test_the_propagator_is_not_blamed():
    x = am.tensor([0.0, 1.0], requires_grad=True)
    with am.no_grad(), np.errstate(divide="ignore"):
        bad = am.log(x)  # made outside anomaly mode
    with am.detect_anomaly(), pytest.raises(am.AnomalyError, match="received non-finite data"):
        bad * 2.0


def test_nan_given_as_data_is_caught():
    x = am.tensor([np.nan, 1.0], requires_grad=True)
    expected = r"'mul' received non-finite data in input 0 \(nan\)"
    with am.detect_anomaly(), pytest.raises(am.AnomalyError, match=expected):
        x * 3.0


def test_nan_in_data_propagates_silently_without_anomaly_mode():
    x = am.tensor([np.nan, 1.0], requires_grad=True)
    y = (x * 3.0).sum()
    y.backward()
    assert np.isnan(y.item())
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])


def test_backward_culprit_is_named():
    x = am.tensor([0.0, 4.0], requires_grad=True)
    with am.detect_anomaly():
        y = am.sqrt(x).sum()  # forward is finite: sqrt(0) = 0
        with pytest.raises(am.AnomalyError) as info:
            y.backward()
    message = str(info.value)
    assert "backward of 'sqrt' produced inf in the gradient of input 0" in message
    assert "test_anomaly.py:" in message


def test_set_detect_anomaly_and_decorator():
    assert not am.is_anomaly_enabled()
    am.set_detect_anomaly(True)
    try:
        assert am.is_anomaly_enabled()
    finally:
        am.set_detect_anomaly(False)

    @am.detect_anomaly()
    def f(v):
        return am.log(v)

    with pytest.raises(am.AnomalyError):
        f(am.tensor(0.0, requires_grad=True))
    assert not am.is_anomaly_enabled()


def test_anomaly_mode_is_thread_local():
    seen = {}
    barrier = threading.Barrier(2)

    def worker():
        barrier.wait()
        seen["other"] = am.is_anomaly_enabled()

    t = threading.Thread(target=worker)
    t.start()
    with am.detect_anomaly():
        barrier.wait()
        t.join()
    assert seen["other"] is False


def test_nothing_is_captured_when_anomaly_mode_is_off():
    x = am.tensor(1.0, requires_grad=True)
    assert (x * 2.0).grad_fn.trace is None
    with am.detect_anomaly():
        node = (x * 2.0).grad_fn
    assert "test_anomaly.py" in node.trace


def test_finite_computations_pass_untouched():
    x = am.tensor([0.5, 1.0], requires_grad=True)
    with am.detect_anomaly():
        y = (am.log(x) * am.sigmoid(x)).sum()
        y.backward()
    assert np.isfinite(x.grad.numpy()).all()
