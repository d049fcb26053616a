"""Bad input gets a clear exception naming the op, the shapes and the fix."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am


def test_matmul_shape_mismatch_names_op_and_shapes():
    a = am.ones(2, 3)
    b = am.ones(4, 5)
    with pytest.raises(ValueError, match=r"matmul.*\(2, 3\).*\(4, 5\).*Fix"):
        a @ b


def test_matmul_of_scalar_is_rejected():
    with pytest.raises(ValueError, match="matmul"):
        am.matmul(am.tensor(2.0), am.ones(2))


def test_broadcast_mismatch_names_op_and_shapes():
    with pytest.raises(ValueError, match=r"add:.*\(3,\), \(4,\).*broadcast"):
        am.ones(3) + am.ones(4)
    with pytest.raises(ValueError, match=r"mul:.*\(2, 3\), \(2,\)"):
        am.ones(2, 3) * np.ones(2)


def test_backward_on_non_scalar_without_gradient():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"scalar outputs.*\(2,\).*gradient="):
        (x * 2).backward()


def test_backward_with_wrong_gradient_shape():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="must match"):
        (x * 2).backward(gradient=np.ones(3))


def test_backward_on_tensor_without_grad():
    with pytest.raises(RuntimeError, match="does not require grad"):
        am.tensor(1.0).backward()
    w = am.tensor(1.0, requires_grad=True)
    with am.no_grad():
        y = w * 2
    with pytest.raises(RuntimeError, match="no_grad"):
        y.backward()


@pytest.mark.parametrize(
    ("data", "error", "match"),
    [
        ("hello", TypeError, "str"),
        (object(), TypeError, "object"),
        (None, TypeError, "None"),
        ([[1.0, 2.0], [3.0]], ValueError, "ragged"),
        ([1 + 2j], TypeError, "complex"),
        (np.array(["a", "b"]), TypeError, "strings"),
        (np.array([{}, 1], dtype=object), TypeError, "Python objects"),
        ({"a": 1}, TypeError, "dict"),
    ],
)
def test_unsupported_data(data, error, match):
    with pytest.raises(error, match=match):
        am.tensor(data)


def test_unsupported_operand():
    with pytest.raises(TypeError, match="mul: unsupported operand of type str"):
        am.ones(2) * "x"
    with pytest.raises(TypeError, match="complex"):
        am.ones(2) + 1j


def test_bad_axis_names_op_and_shape():
    with pytest.raises(ValueError, match=r"sum: axis 3 is out of range.*\(2, 3\)"):
        am.ones(2, 3).sum(axis=3)
    with pytest.raises(ValueError, match="repeated axis"):
        am.ones(2, 3).sum(axis=(0, 0))


def test_reshape_error_names_op():
    with pytest.raises(ValueError, match=r"reshape:.*\(2, 3\).*same number of elements"):
        am.ones(2, 3).reshape(4, 2)


def test_index_out_of_range_names_op():
    with pytest.raises(IndexError, match=r"getitem:.*\(3,\)"):
        am.ones(3)[5]
    with pytest.raises(IndexError, match="integers or booleans"):
        am.ones(3)[np.array([0.5])]


def test_empty_reductions_that_make_no_sense():
    with pytest.raises(ValueError, match="empty"):
        am.zeros(0).max()
    with pytest.raises(ValueError, match="degrees of freedom"):
        am.ones(1).var(ddof=1)


def test_squeeze_non_unit_axis_and_bad_transpose():
    with pytest.raises(ValueError, match="squeeze: axis 0"):
        am.ones(2, 3).squeeze(0)
    with pytest.raises(ValueError, match="permutation"):
        am.transpose(am.ones(2, 3), (0, 0))  # x.transpose(0, 0) swaps axis 0 with itself (PyTorch)


def test_concatenate_and_stack_errors():
    with pytest.raises(ValueError, match=r"concatenate:.*\(2, 3\), \(2, 4\)"):
        am.concatenate([am.ones(2, 3), am.ones(2, 4)], axis=0)
    with pytest.raises(ValueError, match="at least one"):
        am.stack([])
    with pytest.raises(TypeError, match="list or tuple"):
        am.stack(am.ones(2))


def test_clip_bounds_checked():
    with pytest.raises(ValueError, match="at least one"):
        am.clip(am.ones(2))
    with pytest.raises(ValueError, match="must not exceed"):
        am.clip(am.ones(2), 1.0, 0.0)


def test_failed_op_leaves_inputs_untouched():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError):
        x + am.ones(3)
    assert x.version == 0 and x.grad is None
    (x * 1.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 1.0])


def test_op_errors_name_the_op_once():
    # the forward's message used to carry "matmul:" and apply_op prefixed it again
    for call in (lambda: am.ones(2, 3) @ am.ones(2, 3), lambda: am.matmul(am.tensor(2.0), am.ones(2))):
        with pytest.raises(ValueError, match=r"^matmul: (?!matmul)") as info:
            call()
        assert str(info.value).count("matmul:") == 1, str(info.value)


def test_two_axis_transpose_points_to_swapaxes_and_a_full_permutation():
    # the method with two integers swaps them (PyTorch); the function wants a permutation
    assert am.ones(2, 3, 4).transpose(1, 2).shape == (2, 4, 3)
    with pytest.raises(ValueError, match=r"transpose: .*\(2, 3, 4\)") as info:
        am.transpose(am.ones(2, 3, 4), (1, 2))
    message = str(info.value)
    assert "x.swapaxes(1, 2)" in message and "x.transpose(0, 2, 1)" in message
    with pytest.raises(ValueError, match=r"transpose: .*axis 1 is repeated"):
        am.ones(2, 3, 4).transpose(0, 1, -2)


@pytest.mark.parametrize(
    ("call", "advice"),
    [
        (lambda t: np.sum(t), r"Use am\.sum\(t\) or t\.sum\(\)"),
        (lambda t: np.mean(t, axis=0), r"Use am\.mean\(t\) or t\.mean\(\)"),
        (lambda t: np.concatenate([t, t]), r"Use am\.concatenate\(\.\.\.\)"),
        (lambda t: np.cumsum(t), r"Use am\.cumsum\(t\) or t\.cumsum\(\)"),
        (lambda t: np.ptp(t), r"no am\.ptp"),
    ],
)
def test_numpy_functions_on_tensors_name_the_library_function(call, advice):
    # NumPy used to call t.sum(axis=..., dtype=..., out=...) and fail on 'out'; a result
    # computed by NumPy would also have dropped the gradient
    t = am.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"^np\.\w+\(\) was given an autograd_mini Tensor.*" + advice):
        call(t)


def test_numpy_conversions_and_questions_still_work_on_tensors():
    t = am.tensor([1.0, 2.0], requires_grad=True)
    assert isinstance(np.asarray(t), np.ndarray) and np.asarray(t).tolist() == [1.0, 2.0]
    assert np.array(t, dtype=np.float32).dtype == np.float32
    assert np.allclose(t, [1.0, 2.0]) and np.shape(t) == (2,) and np.ndim(t) == 1
    np.testing.assert_allclose(t, [1.0, 2.0])
