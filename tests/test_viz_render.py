"""am.viz rendering through the real Graphviz `dot`, the missing-`dot` error, and the CLI."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import graphviz
import numpy as np
import pytest
from viz_helpers import nodes

import autograd_mini as am
from autograd_mini.cli import main
from autograd_mini.examples.pictures import write_example

SVG = "{http://www.w3.org/2000/svg}"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def readme_loss() -> am.Tensor:
    x = am.tensor([1.0, 2.0, 3.0], requires_grad=True, name="x")
    w = am.tensor([[0.5], [-1.0], [0.25]], requires_grad=True, name="w")
    loss = (am.tanh(x @ w) ** 2).sum()
    loss.backward()
    return loss


def svg_texts(svg: str | bytes) -> list[str]:
    root = ET.fromstring(svg)
    return [(t.text or "").strip() for t in root.iter(f"{SVG}text")]


def svg_node_titles(svg: str | bytes) -> list[str]:
    root = ET.fromstring(svg)
    return [
        (g.find(f"{SVG}title").text or "")  # type: ignore[union-attr]
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "node"
    ]


@pytest.fixture
def no_dot(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Simulate a machine without Graphviz: an empty PATH, so `dot` cannot be found."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


def test_svg_render_holds_every_vertex_and_the_expected_labels():
    loss = readme_loss()
    picture = am.viz.draw_graph(loss)
    svg = picture.pipe(format="svg", encoding="utf-8")
    assert sorted(svg_node_titles(svg)) == sorted(nodes(picture.source))
    texts = svg_texts(svg)
    for expected in ("matmul", "tanh", "pow", "sum", "x", "w", "(3, 1) · float64", "[1, 2, 3]", "2"):
        assert expected in texts, expected
    y = np.tanh(np.array([1.0, 2.0, 3.0]) @ np.array([0.5, -1.0, 0.25]))
    assert f"{y**2:.4g}" in texts  # the loss value
    assert "grad" in texts and "output (root)" in texts  # the legend


def test_svg_render_of_scalar_records_and_module_clusters():
    w = am.tensor(0.95, requires_grad=True, name="w")
    loss = 0.5 * (w * 2.0 - 1.0) ** 2
    loss.backward()
    texts = svg_texts(am.viz.draw_graph(loss).pipe(format="svg"))
    assert {"w", "data 0.9500", "grad 1.8000", "data 0.4050", "grad 1.0000"} <= set(texts)

    model = am.nn.MLP([3, 4, 2], seed=0)
    out = model(am.tensor(np.ones((2, 3)), name="x")).sum()
    out.backward()
    svg = am.viz.draw_graph(out, module=model).pipe(format="svg")
    root = ET.fromstring(svg)
    cluster_texts = {
        (t.text or "").strip()
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "cluster"
        for t in g.iter(f"{SVG}text")
    }
    assert {"layers.0 (Linear 3→4)", "layers.1 (ReLU)", "layers.2 (Linear 4→2)"} <= cluster_texts
    assert {"layers.0.weight", "layers.2.bias"} <= set(svg_texts(svg))


def test_render_writes_a_png_and_jupyter_gets_svg(tmp_path: Path):
    picture = am.viz.draw_graph(readme_loss())
    written = picture.render(outfile=tmp_path / "graph.png")
    assert Path(written).read_bytes()[:8] == PNG_MAGIC
    bundle = picture._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"]


def test_without_dot_rendering_says_how_to_install_and_to_dot_still_works(no_dot: None, tmp_path: Path):
    loss = readme_loss()
    picture = am.viz.draw_graph(loss)
    with pytest.raises(am.viz.GraphvizNotFoundError, match="apt-get install graphviz") as info:
        picture.pipe(format="svg")
    assert isinstance(info.value, graphviz.ExecutableNotFound)  # code catching graphviz's error still works
    assert "brew install graphviz" in str(info.value) and "to_dot" in str(info.value)
    with pytest.raises(am.viz.GraphvizNotFoundError, match=r"GraphPicture\.render"):
        picture.render(outfile=tmp_path / "g.svg")
    bundle = picture._repr_mimebundle_()
    assert list(bundle) == ["text/plain"] and "apt-get install graphviz" in bundle["text/plain"]
    assert am.viz.to_dot(loss).startswith("digraph autograd_mini {")


def test_a_dot_lookup_pointing_at_a_missing_program_gives_the_same_error(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(graphviz.backend.dot_command, "DOT_BINARY", Path("/nonexistent/dot"))
    with pytest.raises(am.viz.GraphvizNotFoundError, match="Install Graphviz"):
        am.viz.draw_graph(readme_loss()).pipe(format="png")


def test_cli_graph_writes_svg_and_png(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    out = tmp_path / "single_weight.svg"
    assert main(["graph", "--out", str(out)]) == 0
    assert {"data 0.9500", "grad 1.8000"} <= set(svg_texts(out.read_bytes()))
    assert str(out) in capsys.readouterr().out
    png = tmp_path / "deep" / "mlp.png"
    assert main(["graph", "--out", str(png), "--model", "mlp"]) == 0
    assert png.read_bytes()[:8] == PNG_MAGIC
    odd = tmp_path / "graph.image"
    assert main(["graph", "--out", str(odd), "--format", "png"]) == 0
    assert odd.read_bytes()[:8] == PNG_MAGIC
    svg = tmp_path / "mlp.svg"
    assert main(["graph", "--out", str(svg), "--model", "mlp"]) == 0
    assert "layers.0.weight" in svg_texts(svg.read_bytes())


def test_cli_graph_without_dot_fails_with_the_install_hint(
    no_dot: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    out = tmp_path / "single_weight.svg"
    assert main(["graph", "--out", str(out)]) == 1
    assert "apt-get install graphviz" in capsys.readouterr().err
    assert not out.exists()


def test_cli_graph_rejects_unknown_choices(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit):
        main(["graph", "--out", "x.svg", "--format", "gif"])
    assert "invalid choice" in capsys.readouterr().err
    with pytest.raises(ValueError, match="format must be one of svg, png"):
        write_example("single-weight", "x.gif", "gif")


def test_the_pictures_shown_in_the_docs_exist_and_stay_small():
    repo = Path(__file__).resolve().parent.parent
    for doc in (repo / "README.md", repo / "docs" / "pictures.md"):
        images = re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", doc.read_text(encoding="utf-8"))
        assert images, f"no picture in {doc.name}"
        for rel in images:
            path = doc.parent / rel
            data = path.read_bytes()
            assert data[:8] == PNG_MAGIC, rel
            assert len(data) < 300_000, f"{rel} is {len(data)} bytes"
