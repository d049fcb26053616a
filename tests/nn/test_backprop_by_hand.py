"""Backpropagation written by hand in NumPy equals the engine's gradients.

For a fully connected network with z_l = W_l a_{l-1} + b_l and a_l = σ(z_l) (column
vectors, as in the lecture notes this project grew from):

    δ_L = ∂C/∂a_L ⊙ σ'(z_L)                  (output error; (a_L - y) ⊙ σ'(z_L) for ½Σ(a - y)²)
    δ_l = (W_{l+1}ᵀ δ_{l+1}) ⊙ σ'(z_l)       (the error propagated backwards)
    ∂C/∂W_l = δ_l a_{l-1}ᵀ,   ∂C/∂b_l = δ_l  (summed over the samples)

With a cross-entropy cost on a sigmoid or softmax output the σ' of the output layer
cancels and δ_L = a_L - y. The equations are written once, in
:mod:`autograd_mini.examples.handwritten` (rows are samples there, so they appear
transposed); ``am.compare_gradients`` sets them beside the engine's gradients and finite
differences, one row per named parameter.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.examples import handwritten

SIZES = [3, 5, 4, 2]


def _hand_backprop(model, X, Y, output):
    """∂C/∂W_l and ∂C/∂b_l of a sigmoid MLP by hand, as a dict by parameter name.

    ``output`` picks δ_L: "mse" (a_L - y) ⊙ a_L(1 - a_L) after a sigmoid output, "ce"
    a_L - y after a sigmoid output, "softmax" a_L - y after a softmax output.
    """
    names, params = handwritten.mlp_parameters(model)
    last = "softmax" if output == "softmax" else "sigmoid"
    activations, pre = handwritten.mlp_forward(params, X, "sigmoid", output_activation=last)
    a = activations[-1]
    # δ_L = (a_L - y) ⊙ σ'(z_L) for the squared error; for cross-entropy σ'(z_L) cancels
    delta = (a - Y) * a * (1 - a) if output == "mse" else a - Y
    grads = handwritten.mlp_backward(params, activations, pre, delta, "sigmoid")
    return dict(zip(names, grads))


CASES = {
    # name: (output activation of the model, cost as a function of the output and the targets)
    "mse": ("sigmoid", lambda out, y: nn.MSELoss(reduction="half_sum")(out, y)),
    "cross_entropy_sigmoid": ("sigmoid", lambda out, y: nn.BCELoss(reduction="sum")(out, y)),
    "softmax": (None, lambda out, y: nn.CrossEntropyLoss(reduction="sum")(out, y)),
}


@pytest.mark.parametrize("case", list(CASES))
def test_hand_derived_backprop_equals_the_engine(case, rng):
    output_activation, cost = CASES[case]
    model = nn.MLP(SIZES, activation="sigmoid", output_activation=output_activation, seed=3)
    X = rng.normal(size=(6, SIZES[0]))
    if case == "softmax":
        Y = np.eye(SIZES[-1])[rng.integers(0, SIZES[-1], size=6)]
    else:
        Y = rng.uniform(0.1, 0.9, size=(6, SIZES[-1]))

    def loss():
        return cost(model(X), Y)

    hand = _hand_backprop(model, X, Y, "softmax" if case == "softmax" else ("mse" if case == "mse" else "ce"))
    report = am.compare_gradients(loss, model, reference=hand)
    assert [row.name for row in report.rows] == [n for n, _ in model.named_parameters()]
    assert report.ok, str(report)

    model.zero_grad()
    loss().backward()
    for name, p in model.named_parameters():
        np.testing.assert_allclose(p.grad.data, hand[name], rtol=1e-10, atol=1e-12, err_msg=name)


def test_a_wrong_hand_derivation_is_caught(rng):
    """Forgetting σ'(z_L) in δ_L for the squared error: the comparison must fail."""
    model = nn.MLP(SIZES, activation="sigmoid", output_activation="sigmoid", seed=3)
    X, Y = rng.normal(size=(4, SIZES[0])), rng.uniform(size=(4, SIZES[-1]))
    wrong = _hand_backprop(model, X, Y, "ce")  # δ_L = a_L - y is right only for cross-entropy
    report = am.compare_gradients(
        lambda: nn.MSELoss(reduction="half_sum")(model(X), Y), model, reference=wrong
    )
    assert not report.ok
    assert "layers.4.weight" in {row.name for row in report.failures}

