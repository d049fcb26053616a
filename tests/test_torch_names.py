"""PyTorch's spellings: dim=/keepdim= everywhere axis=/keepdims= are taken, cat, clamp,
two-integer transpose, mT, expand, type_as, float, double."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.ops.publish import PUBLIC


def _x() -> am.Tensor:
    return am.tensor(np.arange(24.0).reshape(2, 3, 4) / 10 - 1.0, requires_grad=True)


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "var", "std", "logsumexp"])
def test_reductions_take_dim_and_keepdim(name: str) -> None:
    x = _x()
    fn = getattr(am, name)
    np.testing.assert_allclose(fn(x, dim=1, keepdim=True).numpy(), fn(x, axis=1, keepdims=True).numpy())
    np.testing.assert_allclose(getattr(x, name)(dim=2).numpy(), fn(x, axis=2).numpy())
    with pytest.raises(TypeError, match=f"{name}: got both axis= and dim="):
        fn(x, axis=0, dim=0)
    with pytest.raises(TypeError, match="got both keepdims= and keepdim="):
        getattr(x, name)(dim=0, keepdim=True, keepdims=True)


def test_every_function_and_method_with_an_axis_takes_dim() -> None:
    """The aliases are added by one mechanism, so no function or method can miss them."""
    missing = []
    for name in sorted(set(am.__all__) | set(PUBLIC)):
        fn = getattr(am, name, None)
        if inspect.isfunction(fn) and "axis" in inspect.signature(fn).parameters and not getattr(
            fn, "_dim_names", False
        ):
            missing.append(f"am.{name}")
    for name, fn in vars(am.Tensor).items():
        if inspect.isfunction(fn) and "axis" in inspect.signature(fn).parameters and not getattr(
            fn, "_dim_names", False
        ):
            missing.append(f"Tensor.{name}")
    assert not missing


def test_softmax_family_and_squeeze_take_dim() -> None:
    x = _x()
    np.testing.assert_allclose(am.softmax(x, dim=0).numpy(), am.softmax(x, axis=0).numpy())
    np.testing.assert_allclose(x.log_softmax(dim=1).numpy(), am.log_softmax(x, axis=1).numpy())
    assert am.unsqueeze(x, dim=0).shape == (1, 2, 3, 4)
    assert x.sum(dim=1, keepdim=True).squeeze(dim=1).shape == (2, 4)


def test_dim_alias_keeps_the_gradient() -> None:
    x = _x()
    x.sum(dim=(0, 2)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.ones((2, 3, 4)))


def test_cat_is_concatenate() -> None:
    a, b = am.ones(2, 3), am.zeros(2, 1)
    want = np.concatenate([np.ones((2, 3)), np.zeros((2, 1))], 1)
    np.testing.assert_allclose(am.cat([a, b], dim=1).numpy(), want)


def test_clamp_is_clip_with_pytorch_keywords() -> None:
    x = am.tensor([-2.0, 0.5, 3.0], requires_grad=True)
    y = x.clamp(min=0.0, max=1.0)
    assert y.tolist() == [0.0, 0.5, 1.0]
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 0.0]
    assert am.clamp(x, max=0.0).tolist() == [-2.0, 0.0, 0.0]
    with pytest.raises(ValueError, match="at least one"):
        am.clamp(x)
    t = am.tensor([-1.0, 2.0])
    t.clamp_(min=0.0)
    assert t.tolist() == [0.0, 2.0]


def test_transpose_two_integers_swaps_like_pytorch() -> None:
    m = am.tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(m.transpose(0, 1).numpy(), m.T.numpy())
    np.testing.assert_array_equal(m.transpose(1, 0).numpy(), m.T.numpy())
    x = am.tensor(np.arange(24.0).reshape(2, 3, 4))
    np.testing.assert_array_equal(x.transpose(0, 2).numpy(), np.swapaxes(x.numpy(), 0, 2))
    # NumPy's meaning otherwise: no argument, a tuple or three integers permute
    np.testing.assert_array_equal(x.transpose().numpy(), x.numpy().T)
    np.testing.assert_array_equal(x.transpose((1, 2, 0)).numpy(), x.numpy().transpose(1, 2, 0))
    np.testing.assert_array_equal(x.transpose(2, 0, 1).numpy(), x.numpy().transpose(2, 0, 1))
    np.testing.assert_array_equal(am.transpose(x, (0, 2, 1)).numpy(), x.numpy().transpose(0, 2, 1))


def test_mT_expand_type_as_float_double() -> None:
    x = am.tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    np.testing.assert_array_equal(x.mT.numpy(), np.swapaxes(x.numpy(), -1, -2))
    with pytest.raises(ValueError, match="mT: needs a tensor of at least 2"):
        am.ones(3).mT  # noqa: B018
    e = am.tensor([[1.0], [2.0]], requires_grad=True)
    y = e.expand(3, 2, 4)
    assert y.shape == (3, 2, 4)
    y.sum().backward()
    assert e.grad.tolist() == [[12.0], [12.0]]
    assert e.expand(2, -1).shape == (2, 1)
    with pytest.raises(ValueError, match="expand"):
        e.expand(4)
    assert x.float().dtype == np.float32 and x.float().double().dtype == np.float64
    assert x.type_as(am.ones(1, dtype=np.float32)).dtype == np.float32
    x.float().sum().backward()
    assert x.grad.dtype == np.float64
