"""Classification losses in PyTorch's full generality: K-dimensional inputs, class weights,
ignore_index, label smoothing and probability targets that require grad.

Values are checked against NumPy references written from PyTorch's documented formulas
(a plain loop over positions, independent of the library's vectorised code); gradients
against float64 central finite differences, first and second order.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.nn import functional

# ---------------------------------------------------------------- references (NumPy)


def _log_softmax(z: np.ndarray, axis: int) -> np.ndarray:
    m = z.max(axis=axis, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=axis, keepdims=True))


def _positions(z: np.ndarray) -> np.ndarray:
    """Log-probabilities as rows (one row of C classes per position), classes on axis 1."""
    logp = _log_softmax(z, 1)
    return np.moveaxis(logp, 1, -1).reshape(-1, z.shape[1])


def ref_class_index_loss(z, y, weight=None, ignore_index=-100, smoothing=0.0, reduction="mean"):
    """PyTorch's cross-entropy with class indices, one position at a time.

    lₙ = [yₙ ≠ ignore] · ((1 - ε)·(-w_{yₙ} log pₙ[yₙ]) + ε/C · Σ_c (-w_c log pₙ[c]));
    mean = Σ lₙ / Σ_{yₙ ≠ ignore} w_{yₙ}.
    """
    z, y = np.asarray(z, dtype=float), np.asarray(y)
    unbatched = z.ndim == 1
    if unbatched:
        z, y = z[None], y[None]
    c = z.shape[1]
    w = np.ones(c) if weight is None else np.asarray(weight, dtype=float)
    rows = _positions(z)
    labels = y.reshape(-1)
    losses = np.zeros(len(labels))
    total_weight = 0.0
    for i, label in enumerate(labels):
        if label == ignore_index:
            continue
        nll = -w[label] * rows[i, label]
        uniform = -(w * rows[i]).sum()
        losses[i] = (1 - smoothing) * nll + smoothing / c * uniform
        total_weight += w[label]
    losses = losses.reshape(y.shape)
    if reduction == "none":
        return losses[0] if unbatched else losses
    if reduction == "sum":
        return losses.sum()
    return losses.sum() / total_weight


def ref_probability_loss(z, q, weight=None, smoothing=0.0, reduction="mean"):
    """lₙ = -Σ_c w_c q̃ₙ[c] log pₙ[c] with q̃ = (1 - ε)q + ε/C; mean = Σ lₙ / (N·d1·…·dk)."""
    z, q = np.asarray(z, dtype=float), np.asarray(q, dtype=float)
    unbatched = z.ndim == 1
    if unbatched:
        z, q = z[None], q[None]
    c = z.shape[1]
    w = np.ones(c) if weight is None else np.asarray(weight, dtype=float)
    rows = _positions(z)
    targets = np.moveaxis(q, 1, -1).reshape(-1, c) * (1 - smoothing) + smoothing / c
    losses = np.array([-(w * targets[i] * rows[i]).sum() for i in range(len(rows))])
    losses = losses.reshape((z.shape[0], *z.shape[2:]))
    if reduction == "none":
        return losses[0] if unbatched else losses
    if reduction == "sum":
        return losses.sum()
    return losses.sum() / losses.size


# ---------------------------------------------------------------- data

SHAPES = {
    "2d": (5, 4),  # (N, C)
    "3d": (3, 4, 5),  # (N, C, d1), e.g. a sequence
    "4d": (2, 3, 4, 3),  # (N, C, H, W), e.g. an image
    "5d": (2, 3, 2, 2, 3),
    "unbatched": (4,),  # (C,)
}


def _labels(rng, shape, ignore_index=None):
    """Class indices for input ``shape``, a few replaced by ignore_index when given."""
    c = shape[0] if len(shape) == 1 else shape[1]
    target_shape = () if len(shape) == 1 else (shape[0], *shape[2:])
    y = rng.integers(0, c, size=target_shape)
    if ignore_index is not None and y.ndim:
        y.reshape(-1)[::3] = ignore_index
    return y


def _probabilities(rng, shape):
    axis = 0 if len(shape) == 1 else 1
    q = rng.uniform(0.1, 1.0, size=shape)
    return q / q.sum(axis=axis, keepdims=True)


CONFIGS = {
    "plain": {},
    "weight": {"weight": np.array([0.5, 2.0, 1.0, 3.0])},
    "ignore": {"ignore_index": 1},
    "padding label": {"ignore_index": -1},
    "smoothing": {"label_smoothing": 0.2},
    "all three": {"weight": np.array([0.5, 2.0, 1.0, 3.0]), "ignore_index": 2, "label_smoothing": 0.3},
}


def _with_classes(options, c):
    out = dict(options)
    if "weight" in out:
        out["weight"] = out["weight"][:c]
    if out.get("ignore_index", -100) >= c:
        out["ignore_index"] = c - 1
    return out


def _reference_options(options):
    return {
        "weight": options.get("weight"),
        "ignore_index": options.get("ignore_index", -100),
        "smoothing": options.get("label_smoothing", 0.0),
    }


# ---------------------------------------------------------------- values


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("config", list(CONFIGS))
@pytest.mark.parametrize("layout", list(SHAPES))
def test_cross_entropy_with_class_indices_matches_pytorchs_formula(layout, config, reduction, rng):
    shape = SHAPES[layout]
    c = shape[0] if len(shape) == 1 else shape[1]
    options = _with_classes(CONFIGS[config], c)
    z = rng.normal(size=shape) * 2
    y = _labels(rng, shape, options.get("ignore_index"))
    got = functional.cross_entropy(z, y, reduction=reduction, **options)
    expected = ref_class_index_loss(z, y, reduction=reduction, **_reference_options(options))
    assert got.shape == np.shape(expected)
    np.testing.assert_allclose(got.data, expected, rtol=1e-12, atol=1e-12)
    module = nn.CrossEntropyLoss(options.get("weight"), reduction, **{
        k: v for k, v in options.items() if k != "weight"
    })
    np.testing.assert_allclose(module(z, y).data, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("config", ["plain", "weight", "ignore", "padding label"])
@pytest.mark.parametrize("layout", list(SHAPES))
def test_nll_loss_matches_pytorchs_formula(layout, config, reduction, rng):
    shape = SHAPES[layout]
    c = shape[0] if len(shape) == 1 else shape[1]
    options = _with_classes(CONFIGS[config], c)
    z = rng.normal(size=shape)
    logp = _log_softmax(z, 0 if len(shape) == 1 else 1)
    y = _labels(rng, shape, options.get("ignore_index"))
    expected = ref_class_index_loss(z, y, reduction=reduction, **_reference_options(options))
    got = functional.nll_loss(logp, y, reduction=reduction, **options)
    np.testing.assert_allclose(got.data, expected, rtol=1e-12, atol=1e-12)
    module = nn.NLLLoss(options.get("weight"), reduction, ignore_index=options.get("ignore_index", -100))
    np.testing.assert_allclose(module(logp, y).data, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("config", ["plain", "weight", "smoothing", "weight and smoothing"])
@pytest.mark.parametrize("layout", list(SHAPES))
def test_cross_entropy_with_probabilities_matches_pytorchs_formula(layout, config, reduction, rng):
    shape = SHAPES[layout]
    c = shape[0] if len(shape) == 1 else shape[1]
    weight = np.array([0.5, 2.0, 1.0, 3.0])[:c] if "weight" in config else None
    smoothing = 0.25 if "smoothing" in config else 0.0
    z, q = rng.normal(size=shape), _probabilities(rng, shape)
    got = functional.cross_entropy(z, q, weight, reduction, label_smoothing=smoothing)
    expected = ref_probability_loss(z, q, weight, smoothing, reduction)
    assert got.shape == np.shape(expected)
    np.testing.assert_allclose(got.data, expected, rtol=1e-12, atol=1e-12)


def test_the_references_agree_on_one_hot_targets(rng):
    """Class indices and their one-hot rows give the same loss (without ignore/weight)."""
    z = rng.normal(size=(3, 4, 5))
    y = _labels(rng, z.shape)
    one_hot = np.moveaxis(np.eye(4)[y], -1, 1)
    for smoothing in (0.0, 0.3):
        expected = ref_class_index_loss(z, y, smoothing=smoothing)
        assert ref_probability_loss(z, one_hot, smoothing=smoothing) == pytest.approx(expected)
        got = functional.cross_entropy(z, one_hot, label_smoothing=smoothing)
        assert got.item() == pytest.approx(expected)


def test_label_smoothing_by_hand_on_one_sample():
    """C = 2, ε = 0.5: the target (1, 0) becomes (0.75, 0.25)."""
    z = np.array([[0.0, np.log(3.0)]])  # softmax = (1/4, 3/4)
    expected = -(0.75 * np.log(0.25) + 0.25 * np.log(0.75))
    assert functional.cross_entropy(z, np.array([0]), label_smoothing=0.5).item() == pytest.approx(expected)


def test_weighted_mean_divides_by_the_weights_of_the_kept_targets():
    """Two positions, one ignored: the mean is the kept loss itself, whatever its weight."""
    z = np.zeros((1, 2, 2))  # log p = log ½ everywhere
    y = np.array([[1, -100]])
    loss = functional.cross_entropy(z, y, weight=np.array([1.0, 4.0]))
    assert loss.item() == pytest.approx(np.log(2.0))  # 4·log 2 / 4
    summed = functional.cross_entropy(z, y, weight=np.array([1.0, 4.0]), reduction="sum")
    assert summed.item() == pytest.approx(4 * np.log(2.0))
    none = functional.cross_entropy(z, y, weight=np.array([1.0, 4.0]), reduction="none")
    np.testing.assert_allclose(none.data, [[4 * np.log(2.0), 0.0]])


def test_a_mean_over_no_targets_is_nan_like_pytorch():
    z = am.tensor(np.zeros((2, 3)), requires_grad=True)
    loss = functional.cross_entropy(z, np.array([-100, -100]))
    assert np.isnan(loss.item())
    loss.backward()
    np.testing.assert_array_equal(z.grad.data, 0.0)  # nothing contributes
    assert functional.cross_entropy(z, np.array([-100, -100]), reduction="sum").item() == 0.0


def test_unbatched_input_with_a_0d_target(rng):
    z = rng.normal(size=4)
    logp = _log_softmax(z, 0)
    for reduction in ("mean", "sum", "none"):
        loss = functional.cross_entropy(z, np.array(2), reduction=reduction)
        assert loss.shape == () and loss.item() == pytest.approx(-logp[2])
    assert functional.cross_entropy(z, 2).item() == pytest.approx(-logp[2])  # a Python int
    assert functional.nll_loss(logp, np.array(-100), reduction="none").item() == 0.0
    q = _probabilities(rng, (4,))
    assert functional.cross_entropy(z, q).item() == pytest.approx(-(q * logp).sum())


def test_one_hot_float_targets_keep_working(rng):
    z = rng.normal(size=(6, 3))
    labels = rng.integers(0, 3, size=6)
    one_hot = functional.one_hot(labels, 3)
    assert nn.CrossEntropyLoss()(z, one_hot).item() == pytest.approx(nn.CrossEntropyLoss()(z, labels).item())


# ---------------------------------------------------------------- the fast path


def _op_names(loss):
    return {node.name for node in am.autograd.topological_order(loss)}


def test_the_common_case_stays_one_fused_op(rng):
    z = am.tensor(rng.normal(size=(5, 3)), requires_grad=True)
    y = np.array([0, 2, 1, 1, 0])
    assert _op_names(functional.cross_entropy(z, y)) == {"softmax_cross_entropy"}
    assert _op_names(functional.cross_entropy(z, y, reduction="sum")) == {"softmax_cross_entropy"}
    # ignore_index in range but absent from the labels: still fused; present: composed
    assert _op_names(functional.cross_entropy(z, y, ignore_index=3)) == {"softmax_cross_entropy"}
    composed = functional.cross_entropy(z, y, ignore_index=2)
    assert "softmax_cross_entropy" not in _op_names(composed)
    assert composed.item() == pytest.approx(ref_class_index_loss(z.data, y, ignore_index=2))


# ---------------------------------------------------------------- gradients


def _gradcheck(f, *inputs):
    assert am.gradcheck(f, *inputs, eps=1e-6, atol=1e-7, rtol=1e-5)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("config", list(CONFIGS))
@pytest.mark.parametrize("layout", ["3d", "4d", "unbatched"])
def test_class_index_gradients_match_finite_differences(layout, config, reduction, rng):
    shape = SHAPES[layout]
    c = shape[0] if len(shape) == 1 else shape[1]
    options = _with_classes(CONFIGS[config], c)
    z = rng.normal(size=shape)
    y = _labels(rng, shape, options.get("ignore_index"))
    nll_options = {key: value for key, value in options.items() if key != "label_smoothing"}
    _gradcheck(lambda t: functional.cross_entropy(t, y, reduction=reduction, **options), z)
    _gradcheck(lambda t: functional.nll_loss(t, y, reduction=reduction, **nll_options), z)


def test_class_index_gradient_by_hand(rng):
    """∂L/∂z = (softmax(z) - onehot(y))·w_y / Σ w_y for the weighted mean, 0 where ignored."""
    z = rng.normal(size=(2, 3, 4))
    y = np.array([[0, 2, -100, 1], [1, 1, 0, -100]])
    w = np.array([1.0, 2.0, 0.5])
    t = am.tensor(z, requires_grad=True)
    functional.cross_entropy(t, y, weight=w).backward()
    kept = y != -100
    safe = np.where(kept, y, 0)
    one_hot = np.moveaxis(np.eye(3)[safe], -1, 1)
    softmax = np.exp(_log_softmax(z, 1))
    target_weight = (w[safe] * kept)[:, None]
    expected = (softmax - one_hot) * target_weight / (w[safe] * kept).sum()
    np.testing.assert_allclose(t.grad.data, expected, atol=1e-14)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("layout", ["2d", "3d", "unbatched"])
def test_soft_target_that_requires_grad_is_differentiated(layout, reduction, rng):
    shape = SHAPES[layout]
    c = shape[0] if len(shape) == 1 else shape[1]
    weight = np.array([0.5, 2.0, 1.0, 3.0])[:c]
    z, q = rng.normal(size=shape), _probabilities(rng, shape)
    _gradcheck(lambda v, p: functional.cross_entropy(v, p, reduction=reduction), z, q)
    _gradcheck(lambda v, p: functional.cross_entropy(v, p, weight, reduction, label_smoothing=0.2), z, q)


def test_regression_soft_target_gradient_is_minus_log_softmax_over_n(rng):
    """Issue 11 item 4: the target's gradient used to be dropped (target.data was read)."""
    z, q = rng.normal(size=(4, 3)), _probabilities(rng, (4, 3))
    logits = am.tensor(z, requires_grad=True)
    target = am.tensor(q, requires_grad=True)
    functional.cross_entropy(logits, target).backward()
    assert target.grad is not None
    np.testing.assert_allclose(target.grad.data, -_log_softmax(z, 1) / 4, atol=1e-14)
    np.testing.assert_allclose(logits.grad.data, (np.exp(_log_softmax(z, 1)) - q) / 4, atol=1e-14)
    # with weights and smoothing: q̄ = -(1 - ε)·w_c·log_softmax(z)_c / N
    target.grad = None
    w = np.array([1.0, 2.0, 3.0])
    nn.CrossEntropyLoss(w, label_smoothing=0.1)(logits, target).backward()
    np.testing.assert_allclose(target.grad.data, -0.9 * w * _log_softmax(z, 1) / 4, atol=1e-14)


def test_regression_soft_target_gradient_under_the_transforms(rng):
    z, q = rng.normal(size=(3, 4)), _probabilities(rng, (3, 4))
    grad_q = am.grad(lambda p: functional.cross_entropy(am.tensor(z), p), argnums=0)(q)
    np.testing.assert_allclose(grad_q, -_log_softmax(z, 1) / 3, atol=1e-14)
    (numeric,) = am.numerical_grad(lambda p: functional.cross_entropy(z, p), q)
    np.testing.assert_allclose(grad_q, numeric, atol=1e-8)


def test_a_soft_target_given_as_a_list_of_tensors_is_never_made_constant(rng):
    """Rows that require grad, passed as a Python list: differentiated (stacked), or refused."""
    z = rng.normal(size=(2, 3))
    rows = [am.tensor(r, requires_grad=True) for r in _probabilities(rng, (2, 3))]
    try:
        loss = functional.cross_entropy(z, rows)
    except TypeError as error:
        assert "am.stack" in str(error)
        return
    loss.backward()
    for i, row in enumerate(rows):
        np.testing.assert_allclose(row.grad.data, -_log_softmax(z, 1)[i] / 2, atol=1e-14)


def test_a_class_weight_that_requires_grad_is_differentiated(rng):
    z = rng.normal(size=(3, 4, 2))
    y = np.array([[0, 3], [2, -100], [1, 1]])
    w = rng.uniform(0.5, 2.0, size=4)
    q = _probabilities(rng, z.shape)
    _gradcheck(lambda v, ww: functional.cross_entropy(v, y, ww), z, w)
    _gradcheck(lambda v, ww: functional.cross_entropy(v, y, ww, label_smoothing=0.2), z, w)
    _gradcheck(lambda v, ww: functional.nll_loss(v, y, ww, "sum"), z, w)
    _gradcheck(lambda v, ww: functional.cross_entropy(v, q, ww), z, w)


def _check_second_order(loss, arrays, wrt, rng):
    """d/dx ⟨∂L/∂x_wrt, v⟩ by create_graph AD, for every input x, against finite differences
    of the AD gradient (the finite differences run on fresh leaves, as in test_op_gradients)."""
    v = rng.normal(size=np.shape(arrays[wrt]))

    def directional(*xs):
        with am.enable_grad():
            leaves = [am.tensor(np.asarray(x.numpy() if isinstance(x, am.Tensor) else x),
                                requires_grad=True) for x in xs]
            (g,) = am.autograd.grad(loss(*leaves), [leaves[wrt]], create_graph=True)
            return (g * v).sum(), leaves

    total, leaves = directional(*arrays)
    second = am.autograd.grad(total, leaves, allow_unused=True)
    numeric = am.numerical_grad(lambda *xs: directional(*xs)[0], *arrays, eps=1e-5)
    for i, (s, num) in enumerate(zip(second, numeric)):
        auto = np.zeros_like(num) if s is None else s.numpy()
        np.testing.assert_allclose(auto, num, rtol=1e-5, atol=1e-7, err_msg=f"input {i}")
    return second


@pytest.mark.parametrize("target_kind", ["indices", "probabilities"])
def test_second_order_matches_finite_differences_of_the_gradient(target_kind, rng):
    """d/dz ⟨∂L/∂z, v⟩ (a Hessian-vector product) against finite differences."""
    z = rng.normal(size=(2, 3, 4))
    w = np.array([0.5, 2.0, 1.5])
    if target_kind == "indices":
        y = np.array([[0, 2, 1, -100], [2, 2, 0, 1]])

        def loss(t):
            return functional.cross_entropy(t, y, w, label_smoothing=0.2)
    else:
        q = _probabilities(rng, z.shape)

        def loss(t):
            return functional.cross_entropy(t, q, w, label_smoothing=0.2)

    (hv,) = _check_second_order(loss, [z], 0, rng)
    assert np.abs(hv.numpy()).max() > 1e-3  # a real second derivative, not zeros
    hessian = am.hessian(loss)(z).reshape(z.size, z.size)
    np.testing.assert_allclose(hessian, hessian.T, atol=1e-12)


def test_second_order_in_the_soft_target(rng):
    """∂²L/∂z∂q and ∂²L/∂q∂z through a target that requires grad."""
    z, q = rng.normal(size=(3, 4)), _probabilities(rng, (3, 4))

    def loss(t, p):
        return functional.cross_entropy(t, p, reduction="sum", label_smoothing=0.1)

    second = _check_second_order(loss, [z, q], 1, rng)  # d/d(z, q) of ⟨∂L/∂q, v⟩
    # ∂L/∂q = -(1 - ε)·log_softmax(z) does not depend on q: only the mixed derivative exists
    assert second[0] is not None and second[1] is None
    _check_second_order(loss, [z, q], 0, rng)


# ---------------------------------------------------------------- errors


def test_kdim_errors_name_the_function_the_shapes_and_the_fix(rng):
    z = rng.normal(size=(2, 3, 4, 5))
    shape_message = r"cross_entropy: .*\(2, 3, 4, 5\).*\(N, C, d1, \.\.\., dk\).*\(2, 4, 5\).*\(2, 4\)"
    with pytest.raises(ValueError, match=shape_message):
        functional.cross_entropy(z, np.zeros((2, 4), dtype=int))
    with pytest.raises(ValueError, match=r"nll_loss: .*\(2, 4, 5\).*\(2, 5, 4\)"):
        functional.nll_loss(z, np.zeros((2, 5, 4), dtype=int))
    range_message = r"cross_entropy: class indices must be in \[0, 3\).*ignore_index=-100.*\[3, 3\]"
    with pytest.raises(IndexError, match=range_message):
        functional.cross_entropy(z, np.full((2, 4, 5), 3))
    with pytest.raises(IndexError, match=r"nll_loss: .*ignore_index=-1"):
        functional.nll_loss(z, np.full((2, 4, 5), -2), ignore_index=-1)
    weight_message = r"cross_entropy: weight must have one entry per class, shape \(3,\), got shape \(4,\)"
    with pytest.raises(ValueError, match=weight_message):
        functional.cross_entropy(z, np.zeros((2, 4, 5), dtype=int), weight=np.ones(4))
    with pytest.raises(ValueError, match=r"cross_entropy: weight .*shape \(3,\)"):
        functional.cross_entropy(z, _probabilities(rng, z.shape), weight=np.ones((3, 1)))
    with pytest.raises(ValueError, match="label_smoothing must be a number in \\[0, 1\\]"):
        functional.cross_entropy(z, np.zeros((2, 4, 5), dtype=int), label_smoothing=1.5)
    with pytest.raises(ValueError, match="label_smoothing"):
        nn.CrossEntropyLoss(label_smoothing=-0.1)
    with pytest.raises(ValueError, match="ignore_index=0 applies to class-index targets only"):
        functional.cross_entropy(z, _probabilities(rng, z.shape), ignore_index=0)
    with pytest.raises(TypeError, match=r"floating point.*astype\(float\).*\(2, 4, 5\)"):
        functional.cross_entropy(z, np.ones(z.shape, dtype=int))
    with pytest.raises(ValueError, match=r"cross_entropy: .*0-d target"):
        functional.cross_entropy(z[0, :, 0, 0], np.array([1]))
    with pytest.raises(ValueError, match="class axis"):
        functional.cross_entropy(np.float64(1.0), np.array(0))
    with pytest.raises(ValueError, match="reduction"):
        functional.cross_entropy(z, np.zeros((2, 4, 5), dtype=int), reduction="average")
    with pytest.raises(ValueError, match="reduction"):
        functional.nll_loss(z, np.zeros((2, 4, 5), dtype=int), reduction="batchmean")


def test_module_repr_shows_the_options_that_differ():
    assert repr(nn.CrossEntropyLoss()) == "CrossEntropyLoss()"
    text = repr(nn.CrossEntropyLoss(reduction="sum", ignore_index=0, label_smoothing=0.1))
    assert "reduction='sum'" in text and "ignore_index=0" in text and "label_smoothing=0.1" in text
    assert "ignore_index=3" in repr(nn.NLLLoss(ignore_index=3))
