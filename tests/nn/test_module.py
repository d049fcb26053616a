"""nn.Module: registration, traversal, modes, repr, state_dict, save/load, hooks, scope tags."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import nn


class Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(3, 4, seed=0), nn.Linear(4, 2, seed=1)])
        self.heads = nn.ModuleDict({"mean": nn.Linear(2, 1, seed=2)})
        self.scale = nn.Parameter(np.ones(1))
        self.act = nn.Tanh()

    def forward(self, x):
        for layer in self.layers:
            x = self.act(layer(x))
        return self.heads["mean"](x) * self.scale


def test_named_parameters_have_dotted_names_in_registration_order():
    names = [name for name, _ in Block().named_parameters()]
    assert names == [
        "scale",
        "layers.0.weight",
        "layers.0.bias",
        "layers.1.weight",
        "layers.1.bias",
        "heads.mean.weight",
        "heads.mean.bias",
    ]
    mlp = nn.MLP([4, 8, 8, 3], seed=0)
    assert [n for n, _ in mlp.named_parameters()] == [
        "layers.0.weight",
        "layers.0.bias",
        "layers.2.weight",
        "layers.2.bias",
        "layers.4.weight",
        "layers.4.bias",
    ]
    assert mlp.num_parameters() == 4 * 8 + 8 + 8 * 8 + 8 + 8 * 3 + 3


def test_shared_modules_and_parameters_are_listed_once():
    shared = nn.Linear(2, 2, seed=0)
    net = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(net.parameters())) == 2
    assert [n for n, _ in net.named_parameters()] == ["0.weight", "0.bias"]
    assert sum(1 for _ in net.modules()) == 3  # net, shared, relu


def test_modules_and_children():
    block = Block()
    kinds = [type(m).__name__ for m in block.modules()]
    assert kinds == ["Block", "ModuleList", "Linear", "Linear", "ModuleDict", "Linear", "Tanh"]
    assert [n for n, _ in block.named_children()] == ["layers", "heads", "act"]
    assert [n for n, _ in block.named_modules()][:3] == ["", "layers", "layers.0"]


def test_plain_lists_of_modules_are_refused_with_the_fix():
    class Bad(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layers = [nn.Linear(2, 2), nn.Linear(2, 2)]

    with pytest.raises(TypeError, match="ModuleList"):
        Bad()


def test_assigning_before_init_and_replacing_parameters():
    class Early(nn.Module):
        def __init__(self) -> None:
            self.w = nn.Parameter([1.0])

    with pytest.raises(AttributeError, match="super"):
        Early()
    layer = nn.Linear(2, 2, seed=0)
    with pytest.raises(TypeError, match="is a parameter"):
        layer.weight = am.tensor(np.zeros((2, 2)))
    layer.bias = None
    assert [n for n, _ in layer.named_parameters()] == ["weight"]
    assert layer(np.ones((1, 2))).shape == (1, 2)


def test_parameter_basics():
    p = nn.Parameter(np.arange(3.0))
    assert p.requires_grad and p.is_leaf and isinstance(p, am.Tensor)
    assert repr(p).startswith("Parameter containing:\nTensor([0., 1., 2.]")
    with pytest.raises(TypeError, match="floating"):
        nn.Parameter(np.arange(3))
    out = p * 2.0
    assert type(out) is am.Tensor


def test_zero_grad_train_eval_and_requires_grad():
    model = nn.MLP([3, 4, 2], dropout=0.5, seed=0)
    model(np.ones((5, 3))).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad(set_to_none=False)
    assert all(np.all(p.grad.data == 0) for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    assert model.training and all(m.training for m in model.modules())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())
    model.requires_grad_(False)
    assert not any(p.requires_grad for p in model.parameters())


def test_repr_reads_like_pytorch():
    model = nn.MLP([4, 8, 2], dropout=0.1, seed=0)
    assert repr(model) == (
        "MLP(\n"
        "  (layers): Sequential(\n"
        "    (0): Linear(in_features=4, out_features=8, bias=True)\n"
        "    (1): ReLU()\n"
        "    (2): Dropout(p=0.1)\n"
        "    (3): Linear(in_features=8, out_features=2, bias=True)\n"
        "  )\n"
        ")"
    )
    assert repr(nn.LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"
    assert repr(nn.MSELoss(reduction="sum")) == "MSELoss(reduction='sum')"


def test_forward_must_be_defined():
    with pytest.raises(NotImplementedError, match="Empty has no forward"):

        class Empty(nn.Module):
            pass

        Empty()(1.0)


def test_containers():
    seq = nn.Sequential(nn.Linear(2, 3, seed=0), nn.ReLU())
    seq.append(nn.Linear(3, 1, seed=1))
    assert len(seq) == 3 and isinstance(seq[-1], nn.Linear) and isinstance(seq[1], nn.ReLU)
    head = seq[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2
    assert head(np.ones((4, 2))).shape == (4, 3)
    with pytest.raises(IndexError):
        seq[3]
    with pytest.raises(TypeError, match=r"nn\.Module"):
        nn.Sequential(lambda x: x)

    ml = nn.ModuleList([nn.ReLU(), nn.Tanh()])
    ml.insert(1, nn.Sigmoid())
    assert [type(m).__name__ for m in ml] == ["ReLU", "Sigmoid", "Tanh"]
    ml[0] = nn.ELU()
    assert isinstance(ml[0], nn.ELU)
    with pytest.raises(NotImplementedError):
        ml(1.0)

    md = nn.ModuleDict({"a": nn.ReLU()})
    md["b"] = nn.Tanh()
    assert "b" in md and md.keys() == ["a", "b"] and len(md) == 2
    with pytest.raises(KeyError, match="no module 'c'"):
        md["c"]
    with pytest.raises(KeyError):
        md["x.y"] = nn.ReLU()


def test_state_dict_round_trip_copies_values():
    a, b = nn.MLP([3, 5, 2], seed=0), nn.MLP([3, 5, 2], seed=1)
    x = np.random.default_rng(0).normal(size=(4, 3))
    assert not np.allclose(a(x).data, b(x).data)
    state = a.state_dict()
    assert list(state) == [n for n, _ in a.named_parameters()]
    result = b.load_state_dict(state)
    assert result.missing_keys == [] and result.unexpected_keys == []
    np.testing.assert_array_equal(a(x).data, b(x).data)
    state["layers.0.weight"][...] = 0.0  # the state dict holds copies
    assert not np.all(a.layers[0].weight.data == 0)
    assert not np.all(b.layers[0].weight.data == 0)


def test_load_state_dict_reports_every_problem_and_changes_nothing():
    model = nn.MLP([3, 5, 2], seed=0)
    before = {k: v.copy() for k, v in model.state_dict().items()}
    bad = nn.MLP([3, 5, 2], seed=1).state_dict()
    del bad["layers.2.bias"]
    bad["extra"] = np.zeros(2)
    bad["layers.0.weight"] = np.zeros((4, 3))
    with pytest.raises(RuntimeError) as info:
        model.load_state_dict(bad)
    message = str(info.value)
    assert "missing keys: 'layers.2.bias'" in message
    assert "unexpected keys: 'extra'" in message
    assert "size mismatch for 'layers.0.weight'" in message and "(4, 3)" in message
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, before[k])  # validated first: nothing was written

    partial = {"layers.0.bias": np.full(5, 7.0), "other": np.ones(1)}
    result = model.load_state_dict(partial, strict=False)
    assert result.unexpected_keys == ["other"]
    assert "layers.0.weight" in result.missing_keys
    np.testing.assert_array_equal(model.layers[0].bias.data, np.full(5, 7.0))
    with pytest.raises(RuntimeError, match="size mismatch"):
        model.load_state_dict({"layers.0.bias": np.zeros(3)}, strict=False)


def test_load_state_dict_keeps_the_dtype_and_writes_out_of_place():
    model = nn.Linear(2, 2, dtype=np.float32, seed=0)
    old = model.weight.data
    old_values = old.copy()
    version = model.weight.version
    model.load_state_dict({"weight": np.eye(2), "bias": np.zeros(2)})
    assert model.weight.dtype == np.float32 and model.weight.data is not old
    np.testing.assert_array_equal(old, old_values)  # arrays a graph may hold are not mutated
    assert model.weight.version == version + 1


def test_save_and_load_npz(tmp_path):
    a, b = nn.MLP([2, 3, 1], seed=0), nn.MLP([2, 3, 1], seed=1)
    path = tmp_path / "model.npz"
    a.save(path)
    assert b.load(path) is b
    for (na, pa), (nb, pb) in zip(a.named_parameters(), b.named_parameters()):
        assert na == nb
        np.testing.assert_array_equal(pa.data, pb.data)
    a.save(tmp_path / "nosuffix")
    assert (tmp_path / "nosuffix.npz").exists()


class _Evil:
    def __reduce__(self):
        return (_mark_called, ())


CALLED: list[bool] = []


def _mark_called():
    CALLED.append(True)
    return "pwned"


def test_a_pickle_carrying_npz_is_refused_and_runs_no_code(tmp_path):
    model = nn.Linear(2, 1, seed=0)
    path = tmp_path / "evil.npz"
    state = {k: v for k, v in model.state_dict().items()}
    np.savez(path, payload=np.array([_Evil()], dtype=object), **state)
    before = model.weight.data.copy()
    with pytest.raises(ValueError, match="pickled Python objects"):
        model.load(path)
    assert CALLED == []
    np.testing.assert_array_equal(model.weight.data, before)
    np.save(tmp_path / "single.npy", np.zeros(3))
    with pytest.raises(ValueError, match=r"not an \.npz"):
        model.load(tmp_path / "single.npy")


def test_call_tags_the_output_node_with_the_innermost_module():
    model = nn.MLP([2, 3, 1], seed=0)
    x = am.tensor(np.ones((4, 2)))
    out = model(x)
    module, inputs = out.grad_fn.scope
    assert module is model.layers[2]  # the last Linear, not the MLP or the Sequential
    assert len(inputs) == 1 and inputs[0].grad_fn.scope[0] is model.layers[1]
    relu_out = inputs[0]
    first_linear_out = relu_out.grad_fn.scope[1][0]
    assert first_linear_out.grad_fn.scope == (model.layers[0], (x,))
    h = x @ am.tensor(np.ones((2, 2)), requires_grad=True)
    assert nn.Identity()(h) is h and h.grad_fn.scope is None


# ---------------------------------------------------------------- serialization module


def test_serialization_round_trips_a_state_dict_and_module_save_delegates_to_it(tmp_path):
    from autograd_mini.nn import serialization

    model = Block()
    path = tmp_path / "block.npz"
    serialization.save_npz(path, model.state_dict())
    loaded = serialization.load_npz(path)
    assert list(loaded) == list(model.state_dict())  # names and their order
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(loaded[name], value)
        assert loaded[name].dtype == value.dtype
    other = Block()
    other.layers[0].weight.data = np.zeros((4, 3))
    assert other.load(path) is other  # Module.load reads what save_npz wrote
    np.testing.assert_array_equal(other.layers[0].weight.data, model.layers[0].weight.data)
    model.save(tmp_path / "again")  # Module.save writes what load_npz reads
    assert list(serialization.load_npz(tmp_path / "again.npz")) == list(loaded)
    with pytest.raises(TypeError, match="only numeric arrays"):
        serialization.save_npz(tmp_path / "bad.npz", {"x": np.array(["a"], dtype=object)})
    with pytest.raises(ValueError, match=r"Block\.load: cannot read"):
        (tmp_path / "broken.npz").write_bytes(b"PK\x03\x04 not really a zip")
        other.load(tmp_path / "broken.npz")
    with pytest.raises(FileNotFoundError):
        serialization.load_npz(tmp_path / "missing.npz")


# ---------------------------------------------------------------- forward hooks


class Scale(nn.Module):
    def __init__(self, factor: float) -> None:
        super().__init__()
        self.factor = factor

    def forward(self, x, shift=0.0):
        return x * self.factor + shift


def test_forward_pre_hooks_can_replace_the_arguments_in_registration_order():
    m = Scale(2.0)
    seen = []

    def first(module, args):
        seen.append(("first", module, args))
        return (args[0] + 1.0,)  # a tuple replaces the arguments

    def second(module, args):
        seen.append(("second", module, args))
        return args[0] * 10.0  # a single value is wrapped into a tuple

    def third(module, args):
        seen.append(("third", module, args))  # None keeps them

    handles = [m.register_forward_pre_hook(h) for h in (first, second, third)]
    out = m(am.tensor([1.0, 2.0]))
    np.testing.assert_allclose(out.numpy(), [40.0, 60.0])  # ((x + 1) * 10) * 2
    assert [name for name, _, _ in seen] == ["first", "second", "third"]
    assert all(module is m for _, module, _ in seen)
    assert isinstance(seen[2][2], tuple) and len(seen[2][2]) == 1
    np.testing.assert_allclose(seen[2][2][0].numpy(), [20.0, 30.0])
    handles[1].remove()
    np.testing.assert_allclose(m(am.tensor([1.0])).numpy(), [4.0])  # (x + 1) * 2
    for h in handles:
        h.remove()
        h.remove()  # removing twice is harmless
    np.testing.assert_allclose(m(am.tensor([1.0])).numpy(), [2.0])


def test_forward_hooks_see_the_modified_args_and_can_replace_the_output():
    m = Scale(3.0)
    seen = []
    m.register_forward_pre_hook(lambda module, args: (args[0] * 2.0,))

    def record(module, args, out):
        seen.append((float(args[0].item()), float(out.item())))

    def add_one(module, args, out):
        return out + 1.0

    def halve(module, args, out):
        return out / 2.0

    m.register_forward_hook(record)
    h_add = m.register_forward_hook(add_one)
    m.register_forward_hook(halve)
    out = m(am.tensor(1.0))
    assert seen == [(2.0, 6.0)]  # after the pre-hook, before the replacements
    assert out.item() == pytest.approx((6.0 + 1.0) / 2.0)  # in registration order
    h_add.remove()
    assert m(am.tensor(1.0)).item() == pytest.approx(3.0)
    first = m.register_forward_hook(lambda module, args, out: out * 0.0, prepend=True)
    assert m(am.tensor(1.0)).item() == 0.0  # prepended: runs before record and halve
    assert seen[-1] == (2.0, 0.0)
    first.remove()


def test_hooks_with_kwargs_and_gradients_flow_through_replacements():
    m = Scale(2.0)
    calls = []

    def pre(module, args, kwargs):
        calls.append(dict(kwargs))
        return args, {**kwargs, "shift": 5.0}

    def post(module, args, kwargs, out):
        calls.append(dict(kwargs))
        return out * 3.0

    m.register_forward_pre_hook(pre, with_kwargs=True)
    m.register_forward_hook(post, with_kwargs=True)
    x = am.tensor(1.0, requires_grad=True)
    out = m(x, shift=1.0)
    assert out.item() == pytest.approx((1.0 * 2.0 + 5.0) * 3.0)
    assert calls == [{"shift": 1.0}, {"shift": 5.0}]
    out.backward()
    assert x.grad.item() == pytest.approx(6.0)  # d/dx of 3 (2x + 5)
    bad = Scale(1.0)
    bad.register_forward_pre_hook(lambda module, args, kwargs: args, with_kwargs=True)
    with pytest.raises(RuntimeError, match=r"with_kwargs=True: it must return None or a tuple \(args"):
        bad(am.tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match="register_forward_hook: the hook must be callable"):
        m.register_forward_hook("not a function")  # type: ignore[arg-type]


def test_a_handle_is_a_context_manager():
    m = Scale(2.0)
    outputs = []
    with m.register_forward_hook(lambda module, args, out: outputs.append(out.item())) as handle:
        m(am.tensor(1.0))
        assert "active" in repr(handle)
    m(am.tensor(1.0))
    assert outputs == [2.0] and "removed" in repr(handle)


def test_hooks_of_nested_modules_run_inner_first_and_only_for_their_module():
    model = nn.Sequential(Scale(2.0), nn.Sequential(Scale(3.0), Scale(5.0)))
    order = []
    for name, module in model.named_modules():
        label = name or "root"
        module.register_forward_pre_hook(lambda m, args, label=label: order.append(f"pre {label}"))
        module.register_forward_hook(lambda m, args, out, label=label: order.append(f"post {label}"))
    out = model(am.tensor(1.0))
    assert out.item() == 30.0
    assert order == [
        "pre root",
        "pre 0",
        "post 0",
        "pre 1",
        "pre 1.0",
        "post 1.0",
        "pre 1.1",
        "post 1.1",
        "post 1",
        "post root",
    ]
    # a hook on an inner module changes what the outer one returns
    model[1][0].register_forward_hook(lambda m, args, out: out * 0.5)
    assert model(am.tensor(1.0)).item() == 15.0
    other = Scale(3.0)  # modules without hooks are untouched
    assert other(am.tensor(1.0)).item() == 3.0


def test_global_hooks_run_for_every_module_before_its_own():
    from autograd_mini.nn.module import register_module_forward_hook, register_module_forward_pre_hook

    m = Scale(2.0)
    order = []
    m.register_forward_hook(lambda module, args, out: order.append("own"))
    with register_module_forward_hook(lambda module, args, out: order.append(type(module).__name__)):
        with register_module_forward_pre_hook(lambda module, args: args[0] + 1.0):
            out = m(am.tensor(1.0))
        nn.Identity()(am.tensor(1.0))
    m(am.tensor(1.0))
    assert out.item() == 4.0  # (1 + 1) * 2: the global pre-hook ran
    assert order == ["Scale", "own", "Identity", "own"]  # global first; removed after the block


def test_module_scopes_for_the_pictures_come_from_a_global_forward_hook():
    from autograd_mini.nn import module as module_file
    from autograd_mini.viz.modules import tag_module_call

    # the pictures' tagger is a subscriber of the hook mechanism, not code in __call__
    assert tag_module_call in module_file._GLOBAL_HOOKS.calls
    assert "scope" not in module_file.Module.__call__.__code__.co_names
    m = Scale(2.0)
    x = am.tensor([1.0], requires_grad=True)
    out = m(x, shift=am.tensor([1.0], requires_grad=True))
    module, inputs = out.grad_fn.scope
    assert module is m and len(inputs) == 2 and inputs[0] is x  # keyword inputs too
    # a user's hook that replaces the output: the tag stays on forward's own result
    m.register_forward_hook(lambda mod, args, out: out * 2.0)
    replaced = m(x)
    assert replaced.grad_fn.scope is None and replaced.grad_fn.inputs[0].grad_fn.scope[0] is m
    with am.no_grad():
        assert m(x).grad_fn is None  # nothing recorded, nothing tagged


def test_parameters_and_modules_follow_the_named_order_with_shared_parts_once():
    shared = nn.Linear(3, 3)
    inner = nn.Sequential(shared, nn.ReLU(), nn.Linear(3, 2, bias=False))
    model = nn.Sequential(nn.Linear(4, 3), inner, shared, nn.Sequential(nn.Tanh(), inner))
    model[0].bias = None  # a parameter slot set to None is skipped
    named = [p for _, p in model.named_parameters()]
    assert [id(p) for p in model.parameters()] == [id(p) for p in named]
    assert len(named) == 4  # weight of model[0]; shared weight and bias; the last weight
    assert [id(m) for m in model.modules()] == [id(m) for _, m in model.named_modules()]
    assert [id(p) for p in model.parameters(recurse=False)] == []
    assert [id(p) for p in shared.parameters(recurse=False)] == [id(shared.weight), id(shared.bias)]
