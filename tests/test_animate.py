"""Step-through animations (am.viz.animate_backward / animate_forward) and the draw_graph warning.

The frames must follow the engine's real order (checked against the order in which a real
``backward()`` fires tensor hooks), show partial sums where a tensor feeds two ops, leave
no trace (no ``.grad``, nothing freed), keep one layout for every frame, and carry the
ledger's numbers, which are checked against hand-derived gradients and central finite
differences.
"""

from __future__ import annotations

import base64
import io
import re
import warnings

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import nn


def text(source: str) -> str:
    """The words of a frame's DOT text: HTML-like label markup removed."""
    return " ".join(re.sub(r"<[^>]*>", " ", source).split())


def chain_rule_graph():
    """Notebook 01's graph: f = (x y + sin x) y at x = 2, y = 3; x and y each feed two ops."""
    x = am.tensor(2.0, requires_grad=True, name="x")
    y = am.tensor(3.0, requires_grad=True, name="y")
    q = x * y
    q.name = "q"
    r = am.sin(x)
    r.name = "r"
    s = q + r
    s.name = "s"
    f = s * y
    f.name = "f"
    return x, y, {"q": q, "r": r, "s": s, "f": f}


def engine_order(f, tensors):
    """The order in which a real backward() reaches each intermediate tensor (its hook fires)."""
    order = []
    for name, t in tensors.items():
        t.register_hook(lambda g, name=name: order.append(name))
    f.backward(retain_graph=True)
    return order


def test_frames_follow_the_engines_real_order():
    *_, tensors = chain_rule_graph()
    animation = am.viz.animate_backward(tensors["f"])
    outputs = [re.search(r"→ (\w+)", frame.title).group(1) for frame in animation.frames[1:-1]]
    *_, tensors2 = chain_rule_graph()
    assert outputs == engine_order(tensors2["f"], tensors2) == ["f", "s", "r", "q"]
    assert animation.frames[0].title.startswith("Start") and animation.frames[-1].title.startswith("Done")
    assert len(animation) == 6 and animation.kind == "backward"


def test_a_replay_without_side_effects_before_and_after_backward():
    x, y, tensors = chain_rule_graph()
    f = tensors["f"]
    before = am.viz.animate_backward(f)
    assert x.grad is None and y.grad is None
    f.backward()  # the graph was not freed by the animation: a first backward() works
    assert x.grad.item() == pytest.approx(3 * (3 + np.cos(2.0)))
    after = am.viz.animate_backward(f)  # and the freed graph can still be animated
    assert x.grad.item() == pytest.approx(3 * (3 + np.cos(2.0)))  # unchanged
    assert [fr.rows for fr in before] == [fr.rows for fr in after]


def test_accumulation_where_a_tensor_feeds_two_ops():
    """x feeds sin (step 3) and mul (step 4): its share -1.2484 arrives first, then the total."""
    *_, tensors = chain_rule_graph()
    frames = am.viz.animate_backward(tensors["f"]).frames
    sin_share = 3 * np.cos(2.0)  # ∂f/∂r · cos x
    total = 3 * (3 + np.cos(2.0))  # y (y + cos x), by hand
    assert f"grad {sin_share:.4f} (1 of 2)" in text(frames[3].source)
    assert f"grad {total:.4f}" in text(frames[4].source) and "(1 of 2)" not in text(frames[4].source)
    # y: its share s = 6.9093 from step 1 waits for the share x = 2 ... times 3 of step 4
    s = 6 + np.sin(2.0)
    assert f"grad {s:.4f} (1 of 2)" in text(frames[1].source)
    assert f"grad {2 * 3 + s:.4f}" in text(frames[4].source)
    # before any share arrives a tensor shows "?"
    assert "grad ?" in text(frames[0].source) and "grad ?" not in text(frames[-1].source)
    # the ledger rows of step 3 and the running total in the player's table
    assert frames[3].rows[1].strip().startswith("x̄ = r̄ · cos(x)")
    assert "-1.24844 (1 of 2 shares)" in frames[3].note_html
    assert "7.75156 (complete)" in frames[4].note_html


def test_numbers_against_finite_differences():
    *_, tensors = chain_rule_graph()
    animation = am.viz.animate_backward(tensors["f"])

    def f(xv, yv):
        return (xv * yv + np.sin(xv)) * yv

    eps = 1e-6
    dx = (f(2 + eps, 3) - f(2 - eps, 3)) / (2 * eps)
    dy = (f(2, 3 + eps) - f(2, 3 - eps)) / (2 * eps)
    last = animation.frames[-1]
    totals = dict(row.split(".grad += ") for row in last.rows)
    assert float(totals["x"]) == pytest.approx(dx, rel=1e-5)
    assert float(totals["y"]) == pytest.approx(dy, rel=1e-5)


def _positions(source: str) -> dict[str, tuple[str, str]]:
    import graphviz

    plain = graphviz.Source(source).pipe(format="plain").decode()
    return {p[1]: (p[2], p[3]) for p in (line.split() for line in plain.splitlines()) if p[0] == "node"}


def test_every_frame_has_the_same_layout():
    *_, tensors = chain_rule_graph()
    frames = am.viz.animate_backward(tensors["f"]).frames
    first = _positions(frames[0].source)
    assert len(first) == 10  # 4 ops, their 4 results and the 2 leaves
    for frame in frames[1:]:
        assert _positions(frame.source) == first
    sizes = {re.search(r'<svg width="(\d+)pt" height="(\d+)pt"', f.svg).groups() for f in frames}
    assert len(sizes) == 1


def test_the_player_html_is_self_contained():
    *_, tensors = chain_rule_graph()
    animation = am.viz.animate_backward(tensors["f"])
    page = animation._repr_html_()
    images = re.findall(r'<img src="data:image/svg\+xml;base64,([^"]+)"', page)
    assert len(images) == len(animation) == 6
    assert base64.b64decode(images[2]).decode().lstrip().startswith(("<?xml", "<!DOCTYPE", "<svg"))
    for act in ("first", "prev", "play", "next", "last"):
        assert f'data-act="{act}"' in page
    assert 'type="range"' in page and "<script>" in page
    outside = re.findall(r'(?:src|href)="(?!data:)([^"]+)"', page)
    assert not outside, outside  # nothing is loaded from anywhere: no network, no file
    assert "x̄ = r̄ · cos(x)" in page  # the ledger rows are text, under each frame
    ids = re.findall(r'class="am-anim" id="([^"]+)"', page + animation._repr_html_())
    assert len(set(ids)) == 2  # two players on one page do not share an id


def test_save_gif_and_html(tmp_path):
    from PIL import Image

    *_, tensors = chain_rule_graph()
    animation = am.viz.animate_backward(tensors["f"])
    gif = animation.save(tmp_path / "sub" / "backward.gif")
    with Image.open(gif) as im:
        assert im.format == "GIF" and im.n_frames == len(animation) and im.is_animated
        sizes = set()
        for k in range(im.n_frames):
            im.seek(k)
            sizes.add(im.size)
        assert len(sizes) == 1
        im.seek(3)
        # frame 4 highlights the op of step 3 in the animation's orange
        rgb = np.asarray(im.convert("RGB")).reshape(-1, 3)
        assert np.any(np.all(np.abs(rgb.astype(int) - [0xFD, 0x8D, 0x3C]) < 12, axis=1))
    page = animation.save(tmp_path / "backward.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.count('class="am-anim-frame"') == len(animation)
    with pytest.raises(ValueError, match=r"\.gif .*\.html"):
        animation.save(tmp_path / "backward.mp4")


def test_forward_mode_tangents_flow_forward():
    def f(x, w):
        return (am.sigmoid(x * w) - 1.0) ** 2

    animation = am.viz.animate_forward(f, (0.5, -1.5), (0.0, 1.0))
    assert animation.kind == "forward"
    ops = [re.search(r": (\w+) →", frame.title).group(1) for frame in animation.frames[1:-1]]
    assert ops == [e.op for e in am.explain_forward(f, (0.5, -1.5), (0.0, 1.0)) if e.step > 0]
    # ∂L/∂w by hand: 2 (σ - 1) σ (1 - σ) x
    s = 1 / (1 + np.exp(0.75))
    by_hand = 2 * (s - 1) * s * (1 - s) * 0.5
    last = animation.ledger.tangent
    assert float(last) == pytest.approx(by_hand, rel=1e-12)
    assert f"{by_hand:.4f}" in text(animation.frames[-1].source)
    # a value and its tangent appear together, in the frame of their op and not before
    assert "tangent ?" in text(animation.frames[1].source)
    assert "tangent ?" not in text(animation.frames[-1].source)
    assert "v̇2 = v̇1 · σ(v1)(1 - σ(v1))" in animation.frames[2].rows[1]
    first = _positions(animation.frames[0].source)
    assert all(_positions(fr.source) == first for fr in animation.frames[1:])


def test_module_clusters_and_boxes():
    model = nn.MLP([2, 3, 1], activation="tanh", output_activation="sigmoid", seed=1)
    X = am.tensor(np.array([[0.0, 1.0], [1.0, 1.0]]))
    loss = nn.MSELoss()(model(X), am.tensor(np.array([[1.0], [0.0]])))
    clustered = am.viz.animate_backward(loss, module=model)
    assert "layers.0 (Linear 2→3)" in clustered.frames[0].source
    assert "layers.0.weight" in clustered.frames[0].source
    boxed = am.viz.animate_backward(loss, module=model, box_modules=True)
    assert len(boxed) <= len(clustered)
    assert "backward: 0 of 1 ops done" in text(boxed.frames[0].source)
    assert "backward: 1 of 1 ops done" in text(boxed.frames[-1].source)
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_errors_say_what_to_do():
    x = am.tensor(1.0, requires_grad=True)
    with pytest.raises(ValueError, match="no backward pass to show"):
        am.viz.animate_backward(x)
    with pytest.raises(TypeError, match="expected the Tensor"):
        am.viz.animate_backward(1.0)
    with pytest.raises(ValueError, match="box_modules=True needs the model"):
        am.viz.animate_backward(x * 2.0, box_modules=True)
    with pytest.raises(RuntimeError, match="scalar outputs"):
        am.viz.animate_backward(am.tensor([1.0, 2.0], requires_grad=True) * 2.0)
    y = x
    for _ in range(10):
        y = y * 1.1
    with pytest.raises(ValueError, match="max_frames=5"):
        am.viz.animate_backward(y, max_frames=5)


def test_a_non_scalar_result_with_a_seed():
    x = am.tensor([1.0, 2.0, 3.0], requires_grad=True, name="x")
    out = x * x
    animation = am.viz.animate_backward(out, gradient=np.array([1.0, 0.0, 2.0]))
    assert "[2, 0, 12]" in text(animation.frames[-1].source)  # 2 x g, by hand


# ---------------------------------------------------------------- draw_graph's warning


def test_draw_graph_warns_when_gradients_were_asked_for_before_backward():
    w = am.tensor(0.95, requires_grad=True, name="w")
    loss = 0.5 * (w * 2.0 - 1.0) ** 2
    with pytest.warns(am.viz.GradientsNotComputedWarning, match=r"before backward\(\)"):
        picture = am.viz.draw_graph(loss, show_grad=True)
    assert "No gradients shown: none were computed yet" in picture.source
    assert not picture.shows_grad
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quiet = am.viz.draw_graph(loss)  # the default: gradients when there are some, silently
        assert "No gradients shown" not in quiet.source
        assert "grad 1.8000" not in quiet.source
        loss.backward()
        after = am.viz.draw_graph(loss, show_grad=True)
    assert "grad 1.8000" in after.source and "No gradients shown" not in after.source


def test_draw_graph_warns_after_zero_grad_too():
    model = nn.Linear(2, 1)
    loss = model(am.tensor(np.ones((1, 2)))).sum()
    with pytest.warns(am.viz.GradientsNotComputedWarning):
        am.viz.draw_graph(loss, show_grad=True, module=model)
    assert issubclass(am.viz.GradientsNotComputedWarning, UserWarning)


def test_the_gif_frames_show_the_ledger_rows():
    *_, tensors = chain_rule_graph()
    animation = am.viz.animate_backward(tensors["f"])
    frames = animation.gif_frames(dpi=48)
    assert len(frames) == len(animation)
    png = io.BytesIO()
    frames[0].save(png, format="PNG")
    assert png.getvalue()[:4] == b"\x89PNG"
