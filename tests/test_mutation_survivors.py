"""Tests that kill source-level mutants which survived `make mutation` (cosmic-ray).

Each test names the mutant it kills (module, line at the time of the run, the change);
tools/mutation_notes.json says which test kills each survivor, or why a survivor is
equivalent. Each would fail on the mutated code and passes on the real one.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.ops import conv, reduction


def _log_softmax_reference(x: np.ndarray, axis: int) -> np.ndarray:
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def test_softmax_ops_normalise_over_the_last_axis_by_default():
    """Kills ops/reduction.py:256 ``axis: int = -1`` -> ``axis: int = 1`` in the log_softmax
    op's forward (every public function passes the axis, so only a direct call of the op
    uses the default)."""
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    np.testing.assert_allclose(reduction.log_softmax(x), _log_softmax_reference(x, -1), rtol=1e-12)
    out = reduction.log_softmax(am.tensor(x))
    np.testing.assert_allclose(out.numpy(), _log_softmax_reference(x, -1), rtol=1e-12)
    np.testing.assert_allclose(reduction.softmax(x), np.exp(_log_softmax_reference(x, -1)), rtol=1e-12)


@pytest.mark.parametrize("sections", [0, -1])
def test_split_into_no_sections_is_a_value_error(sections: int):
    """Kills ops/shape_api.py:476 ``k <= 0`` -> ``k <= -1`` (0 sections reached divmod by 0)."""
    x = am.tensor(np.arange(6.0))
    with pytest.raises(ValueError, match=f"number of sections must be positive, got {sections}"):
        am.split(x, sections)
    with pytest.raises(ValueError, match="number of sections must be positive"):
        am.array_split(x, sections)


def test_conv_names_the_number_of_axes_it_needs():
    """Kills ops/conv.py:86 ``{n + 2}`` -> ``{n << 2}`` in the message (4 axes for a 2-D
    kernel, 3 for a 1-D one: the mutant said 8 and 4)."""
    w2 = np.ones((2, 1, 3, 3))
    with pytest.raises(ValueError, match=r"must have 4 axes \(N, C, \*spatial\), got shape \(1, 5, 5\)"):
        conv.conv(np.ones((1, 5, 5)), w2)
    with pytest.raises(ValueError, match=r"must have 3 axes .* got shape \(1, 1, 5, 5\)"):
        conv.conv(np.ones((1, 1, 5, 5)), np.ones((2, 1, 3)))


def test_meshgrid_takes_one_list_of_tensors_like_pytorch():
    """Kills ops/shape_api.py:654 ``tuple(xs[0])`` -> ``tuple(xs[1])`` (``am.meshgrid([x, y])``,
    PyTorch's single-list form, raised IndexError)."""
    x, y = am.tensor([1.0, 2.0, 3.0]), am.tensor([4.0, 5.0])
    for indexing in ("ij", "xy"):
        listed = am.meshgrid([x, y], indexing=indexing)
        spread = am.meshgrid(x, y, indexing=indexing)
        expected = np.meshgrid(x.numpy(), y.numpy(), indexing=indexing)
        assert len(listed) == 2
        for a, b, e in zip(listed, spread, expected):
            np.testing.assert_array_equal(a.numpy(), e)
            np.testing.assert_array_equal(b.numpy(), e)


@pytest.mark.parametrize("reps", [-1, (2, -1)])
def test_tile_rejects_negative_repetitions_by_name(reps):
    """Kills ops/shape_api.py:416 ``r < 0`` -> ``r < -1`` (-1 repetitions got past the check)."""
    with pytest.raises(ValueError, match=r"tile: repetitions must not be negative"):
        am.tile(am.tensor([[1.0, 2.0]]), reps)


def test_take_along_an_axis_of_a_1d_tensor():
    """Kills ops/shape_api.py:823 ``_need_ndim(t, 1, ...)`` -> ``_need_ndim(t, 2, ...)``
    (take with an axis refused 1-D tensors)."""
    x = am.tensor([1.0, 2.0, 3.0], requires_grad=True)
    out = am.take(x, [2, 0, 2], axis=0)
    np.testing.assert_array_equal(out.numpy(), [3.0, 1.0, 3.0])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 0.0, 2.0])
