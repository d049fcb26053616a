"""numerical_grad, gradcheck and compare_gradients (with hand-derived references)."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.checking import GradientRow
from autograd_mini.checking.closeness import close
from autograd_mini.examples.handwritten import d_chain

X, TARGET = 2.0, 1.0  # the seeds' input and target


def chain_loss(w1, w2, w3, w4):
    """The seeds' four-weight chain: J = ½(x·w1·w2·w3·w4 - y*)²."""
    return 0.5 * (X * w1 * w2 * w3 * w4 - TARGET) ** 2


def chain_hand(w1, w2, w3, w4):
    """The seeds' d-chain: dJ/dw4 = d4 z3, dJ/dw3 = d3 z2, dJ/dw2 = d2 z1, dJ/dw1 = d1 x."""
    return d_chain(w1, w2, w3, w4)["grads"]


W0 = [0.8, 0.6, 0.1, 0.5]


class TwoLayer:
    """A duck-typed model: anything with named_parameters() works."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.w = am.tensor(rng.normal(size=(3, 2)), requires_grad=True)
        self.b = am.tensor(np.zeros(2), requires_grad=True)
        self.frozen = am.tensor(np.ones(2))
        self.x = rng.normal(size=(4, 3))
        self.y = rng.normal(size=(4, 2))

    def named_parameters(self):
        yield "layer.weight", self.w
        yield "layer.bias", self.b
        yield "frozen", self.frozen

    def loss(self):
        return ((am.tanh(self.x @ self.w + self.b) * self.frozen - self.y) ** 2).mean()

    def hand(self):
        w, b = self.w.numpy(), self.b.numpy()
        h = np.tanh(self.x @ w + b)
        dh = 2.0 * (h - self.y) / self.y.size * (1.0 - h**2)
        return {"layer.weight": self.x.T @ dh, "layer.bias": dh.sum(axis=0)}


# ---------------------------------------------------------------- numerical_grad


def test_numerical_grad_of_several_inputs_of_any_shape(rng):
    a, b = rng.normal(size=(2, 3)), rng.normal(size=3)
    ga, gb = am.numerical_grad(lambda a, b: (am.sin(a) * b).sum(), a, b)
    np.testing.assert_allclose(ga, np.cos(a) * b, atol=1e-8)
    np.testing.assert_allclose(gb, np.sin(a).sum(axis=0), atol=1e-8)
    assert ga.dtype == np.float64 and ga.shape == (2, 3)


def test_numerical_grad_does_not_modify_its_inputs_and_rejects_vectors():
    x = np.array([1.0, 2.0])
    am.numerical_grad(lambda t: (t**2).sum(), x)
    np.testing.assert_array_equal(x, [1.0, 2.0])
    with pytest.raises(ValueError, match=r"numerical_grad: f must return a single number.*\(2,\)"):
        am.numerical_grad(lambda t: t * 2.0, x)


# ---------------------------------------------------------------- gradcheck


def test_gradcheck_passes_correct_gradients(rng):
    assert am.gradcheck(chain_loss, *W0) is True
    assert am.gradcheck(
        lambda a, b: (am.softmax(a @ b, axis=-1) ** 2).sum(), rng.normal(size=(2, 3)), rng.normal(size=(3, 4))
    )


def test_gradcheck_of_a_non_scalar_output_checks_a_random_projection(rng):
    assert am.gradcheck(am.tanh, rng.normal(size=(2, 3))) is True

    @am.custom_op
    def bad_square(x):
        return x * x

    @bad_square.defvjp
    def _(g, ans, x):
        return g * x  # should be 2·x·g

    with pytest.raises(am.GradcheckError):
        am.gradcheck(bad_square, rng.normal(size=4))


def test_gradcheck_error_reports_shape_errors_and_worst_index():
    @am.custom_op
    def wrong_at_one(x):
        return x**2

    @wrong_at_one.defvjp
    def _(g, ans, x):
        grad = 2 * x * g
        return grad + np.array([0.0, 0.0, 0.0, 5.0, 0.0, 0.0]).reshape(x.shape)

    x = np.arange(6.0).reshape(2, 3) / 10.0
    with pytest.raises(am.GradcheckError) as info:
        am.gradcheck(lambda x, y: (wrong_at_one(x) * y).sum(), x, 2.0)
    message = str(info.value)
    assert "input 0 'x' shape (2, 3): max abs error 5," in message
    assert "max rel error" in message
    assert "worst entry at index (1, 0)" in message
    assert "FAIL: AD ≠ finite differences" in message
    assert "input 1 'y' shape ()" in message  # every input is reported
    report = info.value.report
    assert report is not None and not report.ok
    assert [r.name for r in report.failures] == ["x"]
    assert report["x"].worst[0].index == "(1, 0)"
    assert report["x"].worst[0].ad == pytest.approx(2 * 2 * 0.3 + 5.0)
    assert report["x"].worst[0].numeric == pytest.approx(2 * 2 * 0.3, abs=1e-6)


def test_gradcheck_is_kink_aware_but_still_catches_a_wrong_subgradient():
    # relu at exactly 0 and a kink within eps: AD's one-sided derivative passes
    assert am.gradcheck(lambda x: am.relu(x).sum(), np.array([0.0, 1e-7, -2.0, 3.0])) is True
    assert am.gradcheck(lambda x: am.abs(x).sum(), np.array([0.0, -1.0])) is True

    @am.custom_op
    def bad_abs(x):
        return np.abs(x)

    @bad_abs.defvjp
    def _(g, ans, x):
        return g * np.where(x == 0, 3.0, np.sign(x))  # 3 is no subgradient of |x| at 0

    with pytest.raises(am.GradcheckError, match="worst entry at index \\(0,\\)"):
        am.gradcheck(lambda x: bad_abs(x).sum(), np.array([0.0, -1.0]))


def test_gradcheck_rejects_bad_settings():
    with pytest.raises(ValueError, match="eps must be positive"):
        am.gradcheck(am.sin, 1.0, eps=0.0)


# ---------------------------------------------------------------- compare_gradients


def test_compare_gradients_passes_the_right_hand_derivation():
    report = am.compare_gradients(chain_loss, W0, reference=chain_hand)
    assert report.ok and bool(report)
    assert [row.name for row in report] == ["w1", "w2", "w3", "w4"]
    for row, hand in zip(report, chain_hand(*W0)):
        assert isinstance(row, GradientRow)
        assert row.result == "ok"
        assert float(row.ad) == pytest.approx(hand, rel=1e-12)
        assert float(row.hand) == pytest.approx(hand, rel=1e-12)
        assert float(row.numeric) == pytest.approx(hand, rel=1e-6)
        assert row.max_abs_error < 1e-8


def test_compare_gradients_flags_a_wrong_hand_derivation_and_names_the_input():
    def wrong(w1, w2, w3, w4):
        g1, g2, g3, g4 = chain_hand(w1, w2, w3, w4)
        return g1, g2, g3 * w4, g4  # a forgotten/extra factor in dJ/dw3

    report = am.compare_gradients(chain_loss, W0, reference=wrong)
    assert not report.ok
    assert [row.name for row in report.failures] == ["w3"]
    assert report["w3"].problems == ("hand ≠ AD",)
    assert report["w3"].result == "FAIL: hand ≠ AD"
    entry = report["w3"].worst[0]
    assert entry.hand == pytest.approx(chain_hand(*W0)[2] * 0.5)
    assert entry.ad == pytest.approx(chain_hand(*W0)[2])
    text = str(report)
    assert "1 of 4 FAILED" in text and "Worst entries of 'w3'" in text


def test_a_dict_reference_may_cover_some_inputs():
    ref = {"w4": chain_hand(*W0)[3], "w1": chain_hand(*W0)[0]}
    report = am.compare_gradients(chain_loss, W0, reference=ref)
    assert report.ok
    assert report["w2"].hand is None
    assert float(report["w4"].hand) == pytest.approx(chain_hand(*W0)[3])
    with pytest.raises(ValueError, match=r"reference names \['w9'\] are not inputs"):
        am.compare_gradients(chain_loss, W0, reference={"w9": 1.0})


def test_reference_shape_and_count_errors_name_the_input():
    with pytest.raises(
        ValueError, match=r"hand-derived gradient for 'x' has shape \(2,\), but 'x' has shape \(3,\)"
    ):
        am.compare_gradients(lambda x: (x**2).sum(), np.ones(3), reference=lambda x: np.ones(2))
    with pytest.raises(ValueError, match=r"gave 2 gradient\(s\) for 4 inputs"):
        am.compare_gradients(chain_loss, W0, reference=lambda *w: (1.0, 2.0))


def test_names_come_from_tensor_names_dict_keys_or_positions():
    a = am.tensor([1.0, 2.0], name="alpha")
    report = am.compare_gradients(lambda p, q: (p * q).sum(), (a, np.ones(2)))
    assert [r.name for r in report] == ["alpha", "q"]
    report = am.compare_gradients(lambda **kw: (kw["u"] * kw["v"]).sum(), {"u": [1.0, 2.0], "v": [3.0, 4.0]})
    assert [r.name for r in report] == ["u", "v"]
    np.testing.assert_allclose(report["u"].ad, [3.0, 4.0])
    report = am.compare_gradients(lambda *xs: xs[0] * xs[1], (2.0, 3.0))
    assert [r.name for r in report] == ["xs[0]", "xs[1]"]
    single = am.compare_gradients(lambda x: (x**2).sum(), np.array([1.0, 2.0]))
    assert [r.name for r in single] == ["x"] and single["x"].check == "2 entries"


def test_kinks_are_reported_instead_of_a_wrong_gradient():
    # relu at 0, abs at 0, a tie in maximum, a clip bound and a kink closer than eps
    def f(x):
        return am.relu(x[0]) + am.abs(x[1]) + am.maximum(x[2], x[3]) + am.clip(x[4], 0.0, 1.0) + am.relu(x[5])

    x = np.array([0.0, 0.0, 0.5, 0.5, 1.0, 3e-7])
    report = am.compare_gradients(f, x)
    row = report["x"]
    assert report.ok
    assert row.kinks >= 3
    assert row.result == f"ok ({row.kinks} at kinks)"
    kink_indices = {e.index for e in row.kink_entries}
    assert "(0,)" in kink_indices  # relu'(0) = 0 while FD says 0.5
    for e in row.kink_entries:
        assert min(e.left, e.right) - 1e-6 <= e.ad <= max(e.left, e.right) + 1e-6
        assert e.note.startswith("kink")
    assert "at a kink, where finite differences are not a valid oracle" in str(report)


def test_a_hand_subgradient_different_from_ad_passes_at_a_kink():
    # hand says relu'(0) = 1, AD says 0: both are one-sided derivatives
    report = am.compare_gradients(
        lambda x: am.relu(x).sum(), np.array([0.0, 2.0]), reference=lambda x: np.array([1.0, 1.0])
    )
    assert report.ok


def test_random_direction_mode_for_large_inputs(rng):
    w = rng.normal(size=(40, 30))
    report = am.compare_gradients(lambda w: (am.tanh(w) ** 2).sum(), w)  # auto: 1200 > 256 entries
    row = report["w"]
    assert row.check == "4 random dirs" and row.directions.shape == (4, 40, 30)
    assert report.ok
    np.testing.assert_allclose(row.numeric, row.directions.reshape(4, -1) @ row.ad.reshape(-1), rtol=1e-6)

    @am.custom_op
    def leaky(x):
        return np.where(x > 0, x, 0.1 * x)

    @leaky.defvjp
    def _(g, ans, x):
        return g * np.where(x > 0, 1.0, 0.2)  # wrong slope on the negative side

    bad = am.compare_gradients(lambda w: leaky(w).sum(), w, mode="random", directions=3)
    assert not bad.ok and bad["w"].check == "3 random dirs"
    assert bad["w"].worst[0].index.startswith("direction ")
    good = am.compare_gradients(lambda w: am.leaky_relu(w, 0.1).sum(), w, mode="random", directions=3)
    assert good.ok


def test_full_mode_forces_every_entry_and_bad_mode_is_rejected(rng):
    report = am.compare_gradients(lambda w: (w**3).sum(), rng.normal(size=300), mode="full")
    assert report["w"].check == "300 entries"
    with pytest.raises(ValueError, match="mode must be"):
        am.compare_gradients(am.sin, 1.0, mode="fast")


def test_a_model_is_checked_per_named_parameter_and_restored_exactly(rng):
    model = TwoLayer(rng)
    w_before, b_before = model.w.data, model.b.data
    w_values = w_before.copy()
    report = am.compare_gradients(model.loss, model, reference=model.hand)
    assert report.ok
    assert [r.name for r in report] == ["layer.weight", "layer.bias"]  # frozen is skipped
    assert model.w.data is w_before and model.b.data is b_before
    np.testing.assert_array_equal(model.w.data, w_values)
    assert model.w.grad is None  # AD did not touch .grad


def test_a_model_with_a_wrong_hand_gradient_names_the_parameter(rng):
    model = TwoLayer(rng)

    def wrong():
        ref = model.hand()
        ref["layer.bias"] = 2.0 * ref["layer.bias"]
        return ref

    report = am.compare_gradients(model.loss, model, reference=wrong)
    assert [r.name for r in report.failures] == ["layer.bias"]
    assert report["layer.weight"].ok


def test_an_nn_module_can_be_checked(rng):
    layer = am.nn.Linear(3, 2)
    x = rng.normal(size=(5, 3))
    y = rng.normal(size=(5, 2))
    report = am.compare_gradients(lambda: ((layer(x) - y) ** 2).mean(), layer)
    assert report.ok
    assert {r.name for r in report} == {"weight", "bias"}
    assert layer.weight.dtype == am.get_default_dtype()


def test_float32_inputs_are_checked_in_float64():
    x = np.array([0.3, 0.7], dtype=np.float32)
    report = am.compare_gradients(lambda x: (am.exp(x) * x).sum(), x)
    assert report.ok and report["x"].max_abs_error < 1e-7


def test_the_text_table_is_aligned_and_the_html_renders():
    report = am.compare_gradients(chain_loss, W0, reference=chain_hand)
    lines = str(report).splitlines()
    header = lines[1]
    for column in (
        "input",
        "shape",
        "check",
        "AD",
        "hand",
        "finite diff",
        "max abs err",
        "max rel err",
        "result",
    ):
        assert column in header
    table = lines[1:7]
    start = header.index("result")
    for line in table[2:]:
        assert line[start:].strip() == "ok"
        assert line[start - 2 : start] == "  "
    html = report._repr_html_()
    assert html.count("<table>") == 1 and "w3" in html and "<th>hand</th>" in html
    failing = am.compare_gradients(chain_loss, W0, reference=lambda *w: (0.0, 0.0, 0.0, 0.0))
    assert "background:#fdd" in failing._repr_html_()
    assert failing._repr_html_().count("<table>") == 5  # summary + worst entries of 4 inputs


# ---------------------------------------------------------------- what a failing report shows


def _scaled(scale, error):
    """L = Σ scale ⊙ x, its gradient ``scale`` given by a VJP off by ``error``."""

    @am.custom_op
    def scaled(x):
        return scale * x

    @scaled.defvjp
    def _(g, ans, x):
        return g * scale + error

    return lambda x: scaled(x).sum()


def _scaled_with_errors():
    """A VJP off by 0.3 at (0, 0..2) (gradient 1) and by 1.0 at (3, 3) (gradient 500)."""
    scale = np.ones((4, 4))
    scale[3, 3] = 500.0
    error = np.zeros((4, 4))
    error[0, :3] = 0.3
    error[3, 3] = 1.0
    return _scaled(scale, error)


def test_the_worst_entries_always_include_the_largest_absolute_error():
    # by distance to the tolerance the three 0.3 errors (on gradients of 1) come first and
    # fill the three places; the 1.0 error at (3, 3) (on a gradient of 500) must be listed too
    x = np.linspace(0.1, 1.6, 16).reshape(4, 4)
    report = am.compare_gradients(_scaled_with_errors(), x)
    row = report["x"]
    assert row.max_abs_error == pytest.approx(1.0, abs=1e-6)
    assert [e.index for e in row.worst] == ["(0, 0)", "(0, 1)", "(0, 2)", "(3, 3)"]
    largest = row.worst[-1]
    assert largest.ad == pytest.approx(501.0) and largest.numeric == pytest.approx(500.0, abs=1e-6)
    assert largest.note == "AD ≠ FD, largest abs error"
    assert "(3, 3)  501" in str(report)
    with pytest.raises(am.GradcheckError) as info:
        am.gradcheck(_scaled_with_errors(), x)
    assert "(3, 3)  501" in str(info.value)


def test_the_largest_absolute_error_is_listed_even_within_tolerance():
    # one entry fails (0.3 on a gradient of 1); the largest absolute error (0.4 on a gradient
    # of 500) is within 1e-5 + 1e-3·500 and still shown, marked as such
    loss = _scaled(np.array([1.0, 500.0, 1.0, 1.0]), np.array([0.3, 0.4, 0.0, 0.0]))
    report = am.compare_gradients(loss, np.ones(4))
    assert [(e.index, e.note) for e in report["x"].worst] == [
        ("(0,)", "AD ≠ FD"),
        ("(1,)", "largest abs error (within tolerance)"),
    ]


def test_a_failing_row_shows_the_values_at_the_worst_entry_not_norms():
    x = np.linspace(0.1, 1.6, 16).reshape(4, 4)
    report = am.compare_gradients(_scaled_with_errors(), x)
    headers, rows = report._summary()
    cells = dict(zip(headers, rows[0]))
    assert cells["AD"] == "1.3 at (0, 0)"
    assert cells["finite diff"] == "1 at (0, 0)"
    assert "norm" not in str(report).split("Worst entries")[0]
    # with a hand derivation, its column too; a passing row keeps the norms
    hand = am.compare_gradients(_scaled_with_errors(), x, reference=lambda x: np.full((4, 4), 2.0))
    cells = dict(zip(*[hand._summary()[0], hand._summary()[1][0]]))
    assert cells["hand"].endswith(" at " + hand["x"].worst[0].index)
    ok = am.compare_gradients(lambda x: (x**2).sum(), x)
    assert ok._summary()[1][0][3].startswith("norm ")


# ---------------------------------------------------------------- one checker, one closeness rule


def test_every_checker_judges_by_the_one_closeness_rule():
    """|a - b| <= atol + rtol·|b|, b the finite differences: a VJP 1.0008e-3 too large on
    gradients of 100 to 200 is outside it (0.08 > 1e-5 + 0.1), though within the old
    max(|a|, |b|) scaling that gradcheck and custom_op(check=True) used."""
    factor = 1.0 + 1.0008e-3

    def make(check):
        # at the library's default tolerances (check=True's own are tighter: 1e-6, 1e-4)
        @am.custom_op(check=check, name="fifty_squared", atol=1e-5, rtol=1e-3)
        def fifty_squared(x):
            return 50.0 * x**2

        @fifty_squared.defvjp
        def _(g, ans, x):
            return g * 100.0 * x * factor

        return fifty_squared

    x = np.array([1.0, 1.5, 2.0])
    with pytest.raises(am.GradcheckError):
        am.gradcheck(lambda x: make(False)(x).sum(), x)
    assert not close(100.0 * x * factor, 100.0 * x).any()
    assert not am.compare_gradients(lambda x: make(False)(x).sum(), x).ok
    with pytest.raises(am.GradcheckError, match="custom_op 'fifty_squared'"):
        make(True)(x)
    # a factor inside the rule passes all of them
    factor = 1.0 + 0.5e-3
    assert am.gradcheck(lambda x: make(False)(x).sum(), x)
    make(True)(x)
