"""The demo, the example graphs and the hand-written backprop live in ``autograd_mini.examples``.

``import autograd_mini`` does not import them; the command line, ``make demo`` and the
benchmark reach them; the single-weight example has lost its old name "seed".
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from autograd_mini import cli
from autograd_mini.examples import handwritten, pictures

ROOT = Path(__file__).resolve().parent.parent


def _run(code: str) -> str:
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return proc.stdout.strip()


def test_import_autograd_mini_imports_no_example_or_demo():
    loaded = _run(
        "import sys, autograd_mini; "
        "print(sorted(m for m in sys.modules if 'example' in m or 'demo' in m or 'handwritten' in m))"
    )
    assert loaded == "[]"


def test_the_old_modules_are_gone():
    for old in ("autograd_mini.demo", "autograd_mini.viz.examples"):
        with pytest.raises(ModuleNotFoundError):
            __import__(old)


def test_python_m_autograd_mini_graph_offers_the_single_weight_example():
    proc = subprocess.run(
        [sys.executable, "-m", "autograd_mini", "graph", "--help"], capture_output=True, text=True, cwd=ROOT
    )
    assert proc.returncode == 0 and "single-weight" in proc.stdout and "seed" not in proc.stdout


def test_graph_model_seed_is_refused_with_its_new_name(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["graph", "--out", "x.svg", "--model", "seed"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "'seed' is now called 'single-weight'" in err and "--model single-weight" in err


def test_the_picture_functions_refuse_the_old_name_and_name_the_new_one():
    with pytest.raises(ValueError, match="'seed' is now called 'single-weight'"):
        pictures.example_graph("seed")
    with pytest.raises(ValueError, match="unknown example 'tree'; choose one of single-weight, mlp"):
        pictures.write_example("tree", "x.svg")


def test_the_single_weight_example_is_the_notes_numbers():
    loss = pictures.single_weight_example()
    assert loss.item() == pytest.approx(0.405)  # ½(1.9 - 1)²
    dot = pictures.example_graph("single-weight").source
    assert "0.9500" in dot and "1.8000" in dot  # w and dJ/dw = (y - y*)·x


def test_the_hand_written_scalar_examples():
    assert handwritten.single_weight_gradient(0.95) == pytest.approx(1.8)
    chain = handwritten.d_chain(*handwritten.CHAIN_START)
    np.testing.assert_allclose(chain["z"], (1.6, 0.96, 0.096))
    d4 = 0.048 - 1.0  # y - y*
    d = (d4 * 0.5 * 0.1 * 0.6, d4 * 0.5 * 0.1, d4 * 0.5, d4)  # d3 = d4·w4, d2 = d3·w3, d1 = d2·w2
    np.testing.assert_allclose(chain["d"], d, rtol=1e-12)
    grads = (d[0] * 2.0, d[1] * 1.6, d[2] * 0.96, d[3] * 0.096)  # d1·x, d2·z1, d3·z2, d4·z3
    np.testing.assert_allclose(chain["grads"], grads, rtol=1e-12)


def test_the_hand_written_forward_refuses_an_unknown_activation():
    params = [np.ones((2, 2)), np.zeros(2)]
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        handwritten.mlp_forward(params, np.ones((1, 2)), output_activation="gelu")
    with pytest.raises(ValueError, match="unknown activation 'tanh'"):
        handwritten.mlp_backward(params, [np.ones((1, 2))], [], np.ones((1, 2)), activation="tanh")


def test_the_bench_uses_the_shared_hand_written_backprop():
    sys.path.insert(0, str(ROOT))
    try:
        from bench import handwritten as bench_chains
        from bench import workloads
    finally:
        sys.path.remove(str(ROOT))
    assert workloads.backprop is handwritten
    assert not hasattr(bench_chains, "relu_mlp_ce_step")  # written once, in autograd_mini.examples
    source = Path(bench_chains.__file__).read_text(encoding="utf-8")
    assert not re.search(r"^(import|from) autograd_mini", source, re.M)  # W4's reference loads NumPy only
