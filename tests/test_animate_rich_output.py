"""Rich notebook output: the reports show as HTML tables (failures in red) and stay plain text elsewhere."""

from __future__ import annotations

import base64
import re

import numpy as np

import autograd_mini as am
from autograd_mini import nn

RED = "background:#fdd"


def red_rows(page: str) -> int:
    return len(re.findall(r"<tr style='[^']*background:#fdd", page))


def test_history_shows_a_table_and_its_plot():
    history = am.train.History()
    for epoch, (loss, acc) in enumerate([(0.9, 0.5), (0.5, 0.75), (0.2, 1.0)], start=1):
        history.append(epoch, {"loss": loss, "accuracy": acc})
    assert repr(history) == "History(epochs=3, loss=0.2, accuracy=1)"
    assert str(history) == repr(history)  # print(history) stays the one-line summary
    text = history.table()
    assert text.splitlines()[0] == "History of 3 epoch(s)"
    assert "epoch  loss  accuracy" in text and "3      0.2   1" in text
    page = history._repr_html_()
    assert "<table>" in page and "<th>accuracy</th>" in page and red_rows(page) == 0
    png = re.search(r'<img src="data:image/png;base64,([^"]+)"', page)
    assert png is not None and base64.b64decode(png.group(1))[:4] == b"\x89PNG"


def test_history_of_a_diverged_run_is_marked_and_long_runs_are_cut():
    history = am.train.History()
    for epoch in range(1, 31):
        history.append(epoch, {"loss": float("nan") if epoch == 30 else 1.0 / epoch})
    page = history._repr_html_()
    assert red_rows(page) == 1 and "<td>30</td><td>nan</td>" in page
    assert page.count("<tr") == 1 + 11  # the header, 5 first epochs, "…", 5 last epochs
    assert "diverged" in history.table() and "…" in history.table()
    assert am.train.History().table() == "History: no epochs recorded"


def test_history_from_fit_displays(tmp_path):
    X, y = am.data.make_xor()
    model = nn.MLP([2, 4, 1], activation="tanh", output_activation="sigmoid", seed=1)
    history = am.train.fit(
        model,
        nn.MSELoss(),
        nn.optim.Adam(model.parameters(), lr=0.1),
        am.data.DataLoader(X, y.reshape(-1, 1), batch_size=4, seed=0),
        epochs=3,
        progress=False,
    )
    page = history._repr_html_()
    assert page.count("<tr") == 4 and "data:image/png;base64," in page


def test_the_ledger_marks_non_finite_gradients():
    x = am.tensor(0.0, requires_grad=True, name="x")
    y = am.sqrt(x) * 2.0  # d sqrt/dx = 1/(2 sqrt x) = inf at 0
    y.name = "y"
    with np.errstate(divide="ignore"):
        ledger = am.explain(y)
    page = ledger._repr_html_()
    assert red_rows(page) == 1 and "nan or inf" in page
    assert "Chain-rule ledger of y" in str(ledger) and "<" not in str(ledger)
    fine = am.explain(am.sqrt(am.tensor(4.0, requires_grad=True)) * 2.0)._repr_html_()
    assert red_rows(fine) == 0 and "nan or inf" not in fine


def test_the_forward_ledger_marks_non_finite_tangents():
    def f(x):
        return am.sqrt(x) + 1.0

    with np.errstate(divide="ignore"):
        page = am.explain_forward(f, (0.0,), (1.0,))._repr_html_()
    assert red_rows(page) == 2  # sqrt's tangent and the sum's
    assert red_rows(am.explain_forward(f, (4.0,), (1.0,))._repr_html_()) == 0


def test_a_failing_gradient_report_is_highlighted():
    def f(x):
        return (x**3).sum()

    def wrong(x):
        return (2 * x**2,)  # should be 3 x²

    report = am.compare_gradients(f, [np.array([1.0, 2.0])], reference=wrong)
    assert not report.ok and "FAILED" in str(report)
    page = report._repr_html_()
    assert red_rows(page) == 1 and "Worst entries" in page
    good = am.compare_gradients(f, [np.array([1.0, 2.0])], reference=lambda x: (3 * x**2,))
    assert red_rows(good._repr_html_()) == 0


def test_the_player_fits_a_narrow_column_on_a_themed_page():
    """Each frame's ledger table carries its class and compact inline styles (a page theme's
    styles for un-classed tables, such as mkdocs-material's wide cell padding, would make it
    wider than the player, so that it scrolls and hides columns); pictures scale to the width."""
    x = am.tensor(2.0, requires_grad=True, name="x")
    y = am.tensor(3.0, requires_grad=True, name="y")
    f = (x * y + am.sin(x)) * y
    page = am.viz.animate_backward(f)._repr_html_()
    tables = re.findall(r"<table[^>]*>", page)
    assert len(tables) == 6  # one ledger table per frame
    for table in tables:
        assert 'class="am-anim-ledger"' in table, table
        assert "max-width:100%" in table and "width:auto" in table and "table-layout:auto" in table
    cells = re.findall(r"<t[dh]( style=\"[^\"]*\")?>", page)
    assert cells and all("padding:2px 6px" in c and "white-space:normal" in c for c in cells), cells[:3]
    images = re.findall(r"<img [^>]*>", page)
    assert len(images) == 6 and all("max-width:100%" in i and "height:auto" in i for i in images)
    assert page.count('class="am-anim-note" style="overflow-x:auto"') == 6  # last resort: scroll
