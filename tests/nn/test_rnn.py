"""nn.RNN / LSTM / GRU and their cells: PyTorch's equations, names, shapes and gradients.

The references below are written independently of the library, from PyTorch's documented
equations, in plain NumPy: gates are taken with ``np.split`` of the stacked weights.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import nn


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


# ---------------------------------------------------------------- NumPy references


def ref_rnn_cell(x, h, w_ih, w_hh, b_ih, b_hh, nonlinearity="tanh"):
    pre = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh
    return np.tanh(pre) if nonlinearity == "tanh" else np.maximum(pre, 0.0)


def ref_lstm_cell(x, h, c, w_ih, w_hh, b_ih, b_hh):
    w_ii, w_if, w_ig, w_io = np.split(w_ih, 4)
    w_hi, w_hf, w_hg, w_ho = np.split(w_hh, 4)
    b_ii, b_if, b_ig, b_io = np.split(b_ih, 4)
    b_hi, b_hf, b_hg, b_ho = np.split(b_hh, 4)
    i = sigmoid(x @ w_ii.T + b_ii + h @ w_hi.T + b_hi)
    f = sigmoid(x @ w_if.T + b_if + h @ w_hf.T + b_hf)
    g = np.tanh(x @ w_ig.T + b_ig + h @ w_hg.T + b_hg)
    o = sigmoid(x @ w_io.T + b_io + h @ w_ho.T + b_ho)
    c_new = f * c + i * g
    return o * np.tanh(c_new), c_new


def ref_gru_cell(x, h, w_ih, w_hh, b_ih, b_hh):
    w_ir, w_iz, w_in = np.split(w_ih, 3)
    w_hr, w_hz, w_hn = np.split(w_hh, 3)
    b_ir, b_iz, b_in = np.split(b_ih, 3)
    b_hr, b_hz, b_hn = np.split(b_hh, 3)
    r = sigmoid(x @ w_ir.T + b_ir + h @ w_hr.T + b_hr)
    z = sigmoid(x @ w_iz.T + b_iz + h @ w_hz.T + b_hz)
    n = np.tanh(x @ w_in.T + b_in + r * (h @ w_hn.T + b_hn))
    return (1.0 - z) * n + z * h


def ref_sequence(model, x, h0=None, c0=None):
    """PyTorch's multi-layer, bidirectional recurrence, time-first x (L, N, F)."""
    kind = type(model).__name__
    sd = model.state_dict()
    d = 2 if model.bidirectional else 1
    n, hidden = x.shape[1], model.hidden_size
    h0 = np.zeros((model.num_layers * d, n, hidden)) if h0 is None else h0
    c0 = np.zeros((model.num_layers * d, n, hidden)) if c0 is None else c0
    layer_in = x
    h_n, c_n = [], []
    for layer in range(model.num_layers):
        outs = []
        for direction in range(d):
            sfx = f"_l{layer}" + ("_reverse" if direction else "")
            w = [sd["weight_ih" + sfx], sd["weight_hh" + sfx], sd["bias_ih" + sfx], sd["bias_hh" + sfx]]
            h, c = h0[layer * d + direction], c0[layer * d + direction]
            times = range(len(x))[::-1] if direction else range(len(x))
            out = np.zeros((len(x), n, hidden))
            for t in times:
                if kind == "LSTM":
                    h, c = ref_lstm_cell(layer_in[t], h, c, *w)
                elif kind == "GRU":
                    h = ref_gru_cell(layer_in[t], h, *w)
                else:
                    h = ref_rnn_cell(layer_in[t], h, *w, nonlinearity=model.nonlinearity)
                out[t] = h
            outs.append(out)
            h_n.append(h)
            c_n.append(c)
        layer_in = np.concatenate(outs, axis=-1)
    return layer_in, np.stack(h_n), np.stack(c_n)


def make(kind: str, *args, **kwargs):
    if kind == "RNN_relu":
        return nn.RNN(*args, nonlinearity="relu", **kwargs)
    return getattr(nn, kind)(*args, **kwargs)


KINDS = ["RNN", "RNN_relu", "LSTM", "GRU"]


# ---------------------------------------------------------------- cells


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_rnn_cell_matches_the_equation(nonlinearity):
    rng = np.random.default_rng(0)
    cell = nn.RNNCell(3, 4, nonlinearity=nonlinearity, seed=1)
    x, h = rng.normal(size=(5, 3)), rng.normal(size=(5, 4))
    w = [cell.weight_ih.data, cell.weight_hh.data, cell.bias_ih.data, cell.bias_hh.data]
    np.testing.assert_allclose(cell(x, h).data, ref_rnn_cell(x, h, *w, nonlinearity), rtol=1e-12)
    np.testing.assert_allclose(cell(x).data, ref_rnn_cell(x, 0 * h, *w, nonlinearity), rtol=1e-12)
    np.testing.assert_allclose(cell(x[0], h[0]).data, ref_rnn_cell(x, h, *w, nonlinearity)[0], rtol=1e-12)


def test_lstm_cell_matches_the_equations_in_gate_order_i_f_g_o():
    rng = np.random.default_rng(0)
    cell = nn.LSTMCell(3, 4, seed=1)
    x, h, c = rng.normal(size=(5, 3)), rng.normal(size=(5, 4)), rng.normal(size=(5, 4))
    w = [cell.weight_ih.data, cell.weight_hh.data, cell.bias_ih.data, cell.bias_hh.data]
    h1, c1 = cell(x, (h, c))
    rh, rc = ref_lstm_cell(x, h, c, *w)
    np.testing.assert_allclose(h1.data, rh, rtol=1e-12)
    np.testing.assert_allclose(c1.data, rc, rtol=1e-12)
    h0, _ = cell(x)  # zeros
    np.testing.assert_allclose(h0.data, ref_lstm_cell(x, 0 * h, 0 * c, *w)[0], rtol=1e-12)
    hu, cu = cell(x[1], (h[1], c[1]))  # unbatched
    assert hu.shape == cu.shape == (4,)
    np.testing.assert_allclose(cu.data, rc[1], rtol=1e-12)


def test_gru_cell_matches_the_equations_with_b_hn_inside_the_reset_gate():
    rng = np.random.default_rng(0)
    cell = nn.GRUCell(3, 4, seed=1)
    x, h = rng.normal(size=(5, 3)), rng.normal(size=(5, 4))
    w = [cell.weight_ih.data, cell.weight_hh.data, cell.bias_ih.data, cell.bias_hh.data]
    np.testing.assert_allclose(cell(x, h).data, ref_gru_cell(x, h, *w), rtol=1e-12)
    # b_hn multiplies with r: moving it into b_in changes the output (PyTorch's form, not Cho's)
    moved = nn.GRUCell(3, 4, seed=1)
    b_ih, b_hh = moved.bias_ih.data.copy(), moved.bias_hh.data.copy()
    b_ih[8:] += b_hh[8:]
    b_hh[8:] = 0.0
    moved.bias_ih.data, moved.bias_hh.data = b_ih, b_hh
    assert not np.allclose(moved(x, h).data, cell(x, h).data)


def test_cells_without_bias_and_their_parameter_names():
    assert [n for n, _ in nn.LSTMCell(3, 4, bias=False).named_parameters()] == ["weight_ih", "weight_hh"]
    cell = nn.GRUCell(3, 4, seed=0)
    assert {k: v.shape for k, v in cell.state_dict().items()} == {
        "weight_ih": (12, 3),
        "weight_hh": (12, 4),
        "bias_ih": (12,),
        "bias_hh": (12,),
    }
    x = np.random.default_rng(0).normal(size=(2, 3))
    plain = nn.RNNCell(3, 4, bias=False, seed=0)
    np.testing.assert_allclose(plain(x).data, np.tanh(x @ plain.weight_ih.data.T), rtol=1e-12)


# ---------------------------------------------------------------- full sequences


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_two_layer_sequence_matches_the_reference(kind, bidirectional):
    rng = np.random.default_rng(3)
    model = make(kind, 3, 4, num_layers=2, bidirectional=bidirectional, seed=2)
    x = rng.normal(size=(6, 2, 3))
    d = 2 if bidirectional else 1
    h0 = rng.normal(size=(2 * d, 2, 4))
    c0 = rng.normal(size=(2 * d, 2, 4))
    out, state = model(x, (h0, c0) if kind == "LSTM" else h0)
    ref_out, ref_h, ref_c = ref_sequence(model, x, h0, c0)
    assert out.shape == (6, 2, 4 * d)
    np.testing.assert_allclose(out.data, ref_out, rtol=1e-10, atol=1e-12)
    if kind == "LSTM":
        h_n, c_n = state
        np.testing.assert_allclose(c_n.data, ref_c, rtol=1e-10, atol=1e-12)
    else:
        h_n = state
    np.testing.assert_allclose(h_n.data, ref_h, rtol=1e-10, atol=1e-12)
    # the last layer's forward h_n is the output's last step; its reverse one the first step
    np.testing.assert_allclose(h_n.data[-d], out.data[-1, :, :4])
    if bidirectional:
        np.testing.assert_allclose(h_n.data[-1], out.data[0, :, 4:])


@pytest.mark.parametrize("kind", KINDS)
def test_zero_initial_state_and_batch_first_and_unbatched(kind):
    rng = np.random.default_rng(4)
    model = make(kind, 3, 5, seed=0)
    x = rng.normal(size=(7, 2, 3))
    out, _ = model(x)
    np.testing.assert_allclose(out.data, ref_sequence(model, x)[0], rtol=1e-10, atol=1e-12)
    first = make(kind, 3, 5, batch_first=True, seed=0)
    out_bf, state_bf = first(x.swapaxes(0, 1))
    assert out_bf.shape == (2, 7, 5)
    np.testing.assert_allclose(out_bf.data, out.data.swapaxes(0, 1))
    h_bf = state_bf[0] if kind == "LSTM" else state_bf
    assert h_bf.shape == (1, 2, 5)  # h_n stays (D·num_layers, N, H) with batch_first, as PyTorch
    single, state = model(x[:, 1])  # (L, input_size)
    assert single.shape == (7, 5)
    np.testing.assert_allclose(single.data, out.data[:, 1], rtol=1e-12)
    h = state[0] if kind == "LSTM" else state
    assert h.shape == (1, 5)


def test_state_dict_keys_are_pytorchs():
    lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    names = []
    for layer in range(2):
        for sfx in ("", "_reverse"):
            names += [f"{w}_l{layer}{sfx}" for w in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    assert list(lstm.state_dict()) == names
    shapes = {k: v.shape for k, v in lstm.state_dict().items()}
    assert shapes["weight_ih_l0"] == (16, 3) and shapes["weight_ih_l1_reverse"] == (16, 8)
    assert shapes["weight_hh_l1"] == (16, 4) and shapes["bias_hh_l0_reverse"] == (16,)
    assert {k: v.shape for k, v in nn.GRU(3, 4).state_dict().items()} == {
        "weight_ih_l0": (12, 3),
        "weight_hh_l0": (12, 4),
        "bias_ih_l0": (12,),
        "bias_hh_l0": (12,),
    }
    assert list(nn.RNN(3, 4, bias=False).state_dict()) == ["weight_ih_l0", "weight_hh_l0"]
    proj = nn.LSTM(3, 4, num_layers=2, proj_size=2)
    shapes = {k: v.shape for k, v in proj.state_dict().items()}
    assert shapes["weight_hr_l0"] == (2, 4) and shapes["weight_hh_l0"] == (16, 2)
    assert shapes["weight_ih_l1"] == (16, 2)


def test_lstm_projection_matches_the_reference():
    model = nn.LSTM(3, 4, proj_size=2, seed=0)
    x = np.random.default_rng(0).normal(size=(5, 2, 3))
    sd = model.state_dict()
    h, c = np.zeros((2, 2)), np.zeros((2, 4))
    for t in range(5):
        h_full, c = ref_lstm_cell(
            x[t], h, c, sd["weight_ih_l0"], sd["weight_hh_l0"], sd["bias_ih_l0"], sd["bias_hh_l0"]
        )
        h = h_full @ sd["weight_hr_l0"].T
    out, (h_n, c_n) = model(x)
    assert out.shape == (5, 2, 2) and h_n.shape == (1, 2, 2) and c_n.shape == (1, 2, 4)
    np.testing.assert_allclose(h_n.data[0], h, rtol=1e-10)
    np.testing.assert_allclose(c_n.data[0], c, rtol=1e-10)


def test_initialisation_is_uniform_within_one_over_sqrt_hidden():
    model = nn.GRU(10, 64, num_layers=2, seed=0)
    bound = 1.0 / math.sqrt(64)
    values = np.concatenate([p.data.ravel() for p in model.parameters()])
    assert np.abs(values).max() <= bound and np.abs(values).max() > 0.99 * bound
    assert abs(values.std() - bound / math.sqrt(3)) < 0.02 * bound
    a, b = nn.LSTM(3, 4, seed=5), nn.LSTM(3, 4, seed=5)
    np.testing.assert_array_equal(a.weight_hh_l0.data, b.weight_hh_l0.data)
    assert nn.LSTM(3, 4, dtype=np.float32).weight_ih_l0.dtype == np.float32


def test_npz_round_trip_reproduces_the_outputs(tmp_path):
    model = nn.LSTM(3, 4, num_layers=2, bidirectional=True, seed=0)
    path = tmp_path / "lstm.npz"
    model.save(path)
    with np.load(path) as f:
        assert sorted(f.files) == sorted(model.state_dict())
    other = nn.LSTM(3, 4, num_layers=2, bidirectional=True, seed=99).load(path)
    x = np.random.default_rng(0).normal(size=(5, 2, 3))
    np.testing.assert_array_equal(other(x)[0].data, model(x)[0].data)


# ---------------------------------------------------------------- dropout


def test_dropout_between_layers_in_training_only():
    model = nn.GRU(3, 6, num_layers=2, dropout=0.5, seed=0)
    x = np.random.default_rng(0).normal(size=(4, 2, 3))
    a, b = model(x)[0].data, model(x)[0].data
    assert not np.allclose(a, b)  # fresh masks in training mode
    model.eval()
    e1, e2 = model(x)[0].data, model(x)[0].data
    np.testing.assert_array_equal(e1, e2)
    np.testing.assert_allclose(e1, ref_sequence(model, x)[0], rtol=1e-10, atol=1e-12)
    with pytest.warns(UserWarning, match="num_layers=1"):
        nn.LSTM(3, 4, dropout=0.2)


# ---------------------------------------------------------------- gradients


@pytest.mark.parametrize("kind", KINDS)
def test_gradients_match_finite_differences(kind):
    rng = np.random.default_rng(5)
    model = make(kind, 2, 3, num_layers=2, bidirectional=True, seed=1)
    x = rng.normal(size=(4, 2, 2))
    target = rng.normal(size=(4, 2, 6))

    def loss_of_params():
        out, _ = model(x)
        return ((out - target) ** 2).sum()

    report = am.compare_gradients(loss_of_params, model)
    assert report.ok, report
    assert am.gradcheck(lambda xv: ((model(xv)[0] - target) ** 2).sum(), x)


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_gradients_reach_the_initial_state(kind):
    rng = np.random.default_rng(6)
    model = make(kind, 2, 3, seed=0)
    x = rng.normal(size=(5, 2, 2))
    h0 = rng.normal(size=(1, 2, 3))
    if kind == "LSTM":
        c0 = rng.normal(size=(1, 2, 3))
        assert am.gradcheck(lambda h, c: model(x, (h, c))[1][1].sum() + model(x, (h, c))[0].sum(), h0, c0)
    else:
        assert am.gradcheck(lambda h: (model(x, h)[0] ** 2).sum(), h0)


@pytest.mark.parametrize("cls", [nn.RNNCell, nn.LSTMCell, nn.GRUCell])
def test_cell_gradients_match_finite_differences(cls):
    rng = np.random.default_rng(7)
    cell = cls(3, 2, seed=0)
    x = rng.normal(size=(4, 3))

    def loss():
        out = cell(x)
        h = out[0] + out[1] if isinstance(out, tuple) else out
        return (h * h).sum()

    assert am.compare_gradients(loss, cell).ok


def test_backward_through_time_reaches_every_step():
    """The gradient of the last output w.r.t. the first input is nonzero: it flows back
    through every recurrent step (and through the reverse direction's first step)."""
    model = nn.RNN(2, 3, seed=0)
    x = am.tensor(np.random.default_rng(0).normal(size=(6, 1, 2)), requires_grad=True)
    out, _ = model(x)
    out[-1].sum().backward()
    assert np.all(np.abs(x.grad.data[0]) > 0)
    # a recurrent layer's graph repeats per step: x_t Wᵢₕᵀ and h Wₕₕᵀ, 2 linear nodes per step
    names = [node.name for node in am.autograd.topological_order(model(x)[0].sum())]
    assert names.count("linear") == 12


# ---------------------------------------------------------------- messages


def test_bad_inputs_are_explained():
    lstm = nn.LSTM(3, 4)
    with pytest.raises(ValueError, match=r"input_size=3"):
        lstm(np.zeros((5, 2, 2)))
    with pytest.raises(ValueError, match=r"h_0 has shape \(2, 2, 4\), expected \(1, 2, 4\)"):
        lstm(np.zeros((5, 2, 3)), (np.zeros((2, 2, 4)), np.zeros((1, 2, 4))))
    with pytest.raises(TypeError, match=r"\(h_0, c_0\)"):
        lstm(np.zeros((5, 2, 3)), np.zeros((1, 2, 4)))
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="hidden_size must be a positive int"):
        nn.GRU(3, 0)
    with pytest.raises(ValueError, match=r"expected \(N, 3\)"):
        nn.GRUCell(3, 4)(np.zeros((2, 5)))
    assert repr(nn.LSTM(3, 4, num_layers=2, batch_first=True)) == "LSTM(3, 4, num_layers=2, batch_first=True)"


@pytest.mark.parametrize("kind", KINDS)
def test_forward_mode_and_second_order_through_time(kind):
    """The layers are composed of ops, so forward mode (jacfwd) and reverse mode agree, and
    the gradient itself differentiates (create_graph) as finite differences of it say."""
    rng = np.random.default_rng(8)
    model = make(kind, 2, 3, bidirectional=True, seed=0)
    x = rng.normal(size=(3, 1, 2))

    def final(xv):
        return model(xv)[0][-1]

    np.testing.assert_allclose(am.jacfwd(final)(x), am.jacrev(final)(x), rtol=1e-10, atol=1e-12)

    def loss(t):
        return (model(t)[0] ** 2).sum()

    assert_hvp_matches_finite_differences(loss, x)


def assert_hvp_matches_finite_differences(loss, x, eps=1e-5):
    """Hessian times a random v by double backward (create_graph) against central
    differences of the gradient along v."""
    v = np.random.default_rng(0).normal(size=x.shape)

    def gradient(values, create_graph=False):
        t = am.tensor(values, requires_grad=True)
        (g,) = am.autograd.grad(loss(t), t, create_graph=create_graph)
        return t, g

    t, g = gradient(x, create_graph=True)
    (hv,) = am.autograd.grad((g * v).sum(), t)
    numeric = (gradient(x + eps * v)[1].data - gradient(x - eps * v)[1].data) / (2 * eps)
    np.testing.assert_allclose(hv.data, numeric, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("kind", KINDS)
def test_float32_stays_float32(kind):
    model = make(kind, 3, 4, num_layers=2, bidirectional=True, dtype=np.float32, seed=0)
    out, state = model(np.ones((5, 2, 3), dtype=np.float32))
    h = state[0] if kind == "LSTM" else state
    assert out.dtype == h.dtype == np.float32
    assert nn.GRUCell(3, 4, dtype=np.float32)(np.ones((2, 3), dtype=np.float32)).dtype == np.float32


@pytest.mark.parametrize("kind", KINDS)
def test_no_step_slices_a_whole_sequence(kind):
    """Each step reads per-step tensors only: slicing one (L, N, ·) tensor per step would
    make backward add L full-size gradients into it (quadratic in L)."""
    model = make(kind, 2, 3, num_layers=2, bidirectional=True, seed=0)
    out, _ = model(np.ones((5, 2, 2)))
    slices = [n for n in am.autograd.topological_order(out.sum()) if n.name == "getitem"]
    assert all(len(n.inputs[0].shape) == 2 for n in slices)  # LSTM/GRU gates: (N, G·H) per step
