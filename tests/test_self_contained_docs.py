"""The docs, notebooks, README and package are self-contained.

They never point to files outside the repository (the lecture notes this project grew
from are named in words, and each worked example is stated in full where it is used),
and "seed" means a random seed (or the gradient a backward pass starts from), never
"the lecture notes" or "the single-weight example".
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

OUTSIDE = re.compile(r"\.\./shared|shared/seeds|\bseeds/|\b00[0-4]_\*\.txt")
# "seed" in the sense of the lecture notes or of their first example
NOTES_SENSE = [
    r"\bseeds'",  # the seeds' convention
    r"\bseed's\b",  # the seed's worked examples
    r"\bthe seeds\b",
    r"\b(?:in|of|from|beside|like) the seed\b(?!ed)",
    r"\bthe seed (?:writes|derives|prints|gives|tries|describes|did|leaves)\b",
    r"\bseed \d{3}\b",  # seed 000
    r"\bseed_(?:example|single_weight|chain|scalar|worked|examples|derivation|table)\b",
    r"\bSEED_TABLE\b",
    r"\bSeed example\b",
    r"--model[ =]seed\b",
    r"\"seed\", \"mlp\"",
    r"\(seed: \d",  # (seed: 1.6, ...)
    r"\(the seed\b",
    r"\bseed \d+\.\d",  # printed columns "seed 0.77"
]
NOTES_PATTERN = re.compile("|".join(NOTES_SENSE), re.I)


def _documents() -> list[Path]:
    files = [ROOT / "README.md", ROOT / "mkdocs.yml"]
    files += sorted((ROOT / "docs").rglob("*.md"))
    files += sorted((ROOT / "notebooks").glob("*.ipynb")) + [ROOT / "notebooks" / "README.md"]
    files += sorted((ROOT / "autograd_mini").rglob("*.py"))
    return [f for f in dict.fromkeys(files) if f.is_file() and "site" not in f.relative_to(ROOT).parts]


def _texts(path: Path) -> list[tuple[str, str]]:
    """(where, text) pieces: a notebook's cells and its text outputs, else the whole file."""
    if path.suffix != ".ipynb":
        return [(str(path.relative_to(ROOT)), path.read_text(encoding="utf-8"))]
    pieces = []
    for i, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"]):
        where = f"{path.relative_to(ROOT)} cell {i}"
        pieces.append((where, "".join(cell["source"])))
        for out in cell.get("outputs", []):
            pieces.append((where + " output", "".join(out.get("text", []))))
            for kind, value in out.get("data", {}).items():
                if kind.startswith("text/"):
                    pieces.append((where + " output", "".join(value)))
    return pieces


def _hits(pattern: re.Pattern[str]) -> list[str]:
    found = []
    for path in _documents():
        for where, text in _texts(path):
            for number, line in enumerate(text.splitlines(), 1):
                if pattern.search(line):
                    found.append(f"{where}:{number}: {line.strip()[:120]}")
    return found


def test_the_scan_covers_the_docs_notebooks_readme_and_package():
    names = {str(p.relative_to(ROOT)) for p in _documents()}
    assert {"README.md", "notebooks/README.md", "docs/index.md", "autograd_mini/__init__.py"} <= names
    assert "notebooks/02_worked_examples.ipynb" in names


def test_nothing_points_to_files_outside_the_repository():
    hits = _hits(OUTSIDE)
    assert not hits, "name the lecture notes in words and state the example in full:\n" + "\n".join(hits)


def test_seed_means_a_random_seed_only():
    hits = _hits(NOTES_PATTERN)
    assert not hits, 'say "the lecture notes" or "the single-weight example":\n' + "\n".join(hits)


@pytest.mark.parametrize(
    "line",
    [
        "The seeds' convention J = ½ Σ (x - y)²",
        "# 02 · The seed's worked examples",
        "`autograd-mini graph --model seed`",
        "from autograd_mini.viz.examples import seed_example",
        "Every worked example of `../shared/seeds/002_*.txt`",
        "y after 10 iterations: engine 0.723556   seed 0.7235",
        "as in the seed; the picture is the same",
    ],
)
def test_the_patterns_catch_the_old_wording(line):
    assert OUTSIDE.search(line) or NOTES_PATTERN.search(line)


@pytest.mark.parametrize(
    "line",
    [
        "model = nn.MLP([2, 4, 1], seed=0)",
        "reshuffled every epoch with a fixed seed",
        "weights drawn uniform in [0, 0.5) (seeded)",
        "seed: seed of the shuffling generator, for reproducible epochs.",
        "``gradient`` seeds a non-scalar root.",
        "Put the root's node in a ready list, seeded with the gradient",
    ],
)
def test_random_seeds_are_not_flagged(line):
    assert not OUTSIDE.search(line) and not NOTES_PATTERN.search(line)
