"""The built documentation site renders every formula with the network off.

The site is opened in headless Chromium (the Debian packages ``chromium`` and
``chromium-driver``, driven by selenium) whose network is cut: every request goes to a proxy
at 127.0.0.1:9, where nothing listens, and every host name but the loopback ones resolves to
nothing. Only the site itself, served from ``site/`` by a local ``http.server`` on 127.0.0.1,
can load. Each concept page (``docs/concepts/*.md``) and each notebook page
(``notebooks/*.ipynb``) must then show every formula rendered by MathJax: as many rendered
formulas as the page's HTML holds, no raw TeX left in the visible text, no MathJax error,
no console error and no request that leaves the machine.

``make test`` runs this module after ``mkdocs build`` with ``AM_DOCS_SITE=site``; run alone
it builds the site into a temporary folder first. ``AM_DOCS_SCREENSHOTS=DIR`` saves a
screenshot of each page checked.
"""

from __future__ import annotations

import functools
import html.parser
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
CDN_MATHJAX = "https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"
INSTALL_HINT = (
    "the docs check needs Chromium and its driver: run `make chromium` as root (it runs "
    "`apt-get install chromium chromium-driver`), or `sudo apt-get install chromium chromium-driver` "
    "on Debian/Ubuntu; set CHROMIUM and CHROMEDRIVER to use binaries elsewhere"
)

CONCEPT_PAGES = sorted(f"concepts/{p.stem}/" for p in (ROOT / "docs" / "concepts").glob("*.md"))
NOTEBOOK_PAGES = sorted(f"notebooks/{p.stem}/" for p in (ROOT / "notebooks").glob("*.ipynb"))
MATH_CLASSES = {"arithmatex", "jp-RenderedMarkdown", "jp-RenderedLatex"}  # as docs/javascripts/mathjax.js
FORMULA = re.compile(r"\$\$.+?\$\$|\\\[.+?\\\]|\\\(.+?\\\)|(?<![\\$])\$(?!\$)(?:\\.|[^$\\])+?(?<!\\)\$", re.S)
# Raw TeX in the visible text: a math delimiter or a TeX command (\frac, \partial, ...).
RAW_TEX = re.compile(r"\\[()\[\]]|\$\$|(?<!\\)\$[^$\s][^$]*\$|\\(?:[A-Za-z]{2,})\b")


def test_pages_to_check_are_found():
    assert len(CONCEPT_PAGES) >= 4 and len(NOTEBOOK_PAGES) >= 6, (CONCEPT_PAGES, NOTEBOOK_PAGES)


# --------------------------------------------------------------------------- the site


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    given = os.environ.get("AM_DOCS_SITE")
    if given:
        site = Path(given).resolve()
        assert (site / "index.html").is_file(), (
            f"AM_DOCS_SITE={given}: no built site there (run mkdocs build)"
        )
        return site
    site = tmp_path_factory.mktemp("site")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(site)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"mkdocs build failed:\n{done.stdout}\n{done.stderr}"
    return site


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def base_url(site_dir: Path) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class _MathText(html.parser.HTMLParser):
    """The text MathJax is configured to search: inside MATH_CLASSES, outside pre/code."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[bool, bool]] = []  # (inside math, inside code) per open element
        self.chunks: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"br", "img", "hr", "input", "meta", "link", "wbr", "source", "col", "area"}:
            return
        math, code = self.stack[-1] if self.stack else (False, False)
        classes = set((dict(attrs).get("class") or "").split())
        self.stack.append(
            (math or bool(classes & MATH_CLASSES), code or tag in {"pre", "code", "script", "style"})
        )

    def handle_endtag(self, tag: str) -> None:
        if self.stack and tag not in {
            "br",
            "img",
            "hr",
            "input",
            "meta",
            "link",
            "wbr",
            "source",
            "col",
            "area",
        }:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1][0] and not self.stack[-1][1]:
            self.chunks.append(data)
        elif self.chunks and self.chunks[-1] != "\x00":
            self.chunks.append("\x00")  # no formula spans code or text outside the math classes


def expected_formulas(page_html: str) -> int:
    """How many formulas the page's static HTML holds (what MathJax should render)."""
    parser = _MathText()
    parser.feed(page_html)
    return sum(len(FORMULA.findall(part)) for part in "".join(parser.chunks).split("\x00"))


def test_formula_count_reads_each_delimiter_once():
    page = (
        '<div class="jp-RenderedMarkdown"><p>$a$ and $$b$$, \\(c\\), \\[d\\], a \\$5 price,'
        "<code>$x$</code></p></div><p>$outside$</p>"
        '<span class="arithmatex">\\(u = x \\cdot w\\)</span>'
    )
    assert expected_formulas(page) == 5


# --------------------------------------------------------------------------- the browser


def _find(env: str, *names: str) -> str | None:
    if os.environ.get(env):
        given = os.environ[env]
        return given if os.access(given, os.X_OK) else None
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.fail(
            "selenium is missing: install the dev dependencies (`make setup` or pip install -e '.[dev]')"
        )
    chromium = _find("CHROMIUM", "chromium", "chromium-browser")
    chromedriver = _find("CHROMEDRIVER", "chromedriver")
    if not chromium or not chromedriver:
        pytest.fail(
            f"Chromium{'' if chromium else ' (browser)'}{'' if chromedriver else ' (driver)'} "
            f"not found: {INSTALL_HINT}"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,1400",
        "--no-first-run",
        "--disable-extensions",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        # The network is off: every request goes to a proxy where nothing listens (loopback
        # is bypassed implicitly), and no host name but localhost resolves.
        "--proxy-server=http://127.0.0.1:9",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    # An explicit driver path: selenium never downloads a browser or a driver.
    driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(20)
    try:
        yield driver
    finally:
        driver.quit()


def _drain_logs(driver: Any) -> None:
    driver.get_log("browser")
    driver.get_log("performance")


def _requested_urls(driver: Any) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def test_the_browser_is_offline(browser: Any, base_url: str):
    """A CDN URL fails to load in this browser; the local site loads."""
    browser.get(base_url)
    outcome = browser.execute_async_script(
        """
        const [cdn, local, done] = arguments;
        const load = (src) => new Promise((resolve) => {
          const s = document.createElement("script");
          s.src = src; s.onload = () => resolve("loaded"); s.onerror = () => resolve("failed");
          document.head.appendChild(s);
        });
        const get = (url) => fetch(url, {cache: "no-store"})
          .then((r) => "status " + r.status, (e) => "failed");
        Promise.all([load(cdn), get(cdn), get(local)]).then(done);
        """,
        CDN_MATHJAX,
        base_url + "index.html",
    )
    assert outcome == ["failed", "failed", "status 200"], outcome
    _drain_logs(browser)


def _page_report(driver: Any) -> dict[str, Any]:
    return driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        const start = Date.now();
        const report = (note) => {
          const article = document.querySelector("article") || document.body;
          const copy = article.cloneNode(true);
          copy.querySelectorAll("pre, code, script, style, mjx-container, .highlight, .jp-InputArea-editor")
            .forEach((n) => n.remove());
          return {
            note: note,
            rendered: article.querySelectorAll("mjx-container").length,
            errors: article.querySelectorAll("mjx-merror, [data-mjx-error]").length,
            // drawn with no width: the characters' styles are missing (a blank formula)
            blank: Array.from(article.querySelectorAll("mjx-container"))
              .filter((m) => m.getClientRects().length && m.getBoundingClientRect().width === 0).length,
            text: copy.textContent,
          };
        };
        const wait = () => {
          const mj = window.MathJax;
          if (mj && mj.startup && mj.startup.promise && typeof mj.typesetPromise === "function") {
            mj.startup.promise.then(() => done(report("")), (e) => done(report("MathJax failed: " + e)));
          } else if (Date.now() - start > 5000) {
            done(report("MathJax never started (window.MathJax = " + typeof mj + ")"));
          } else {
            setTimeout(wait, 50);
          }
        };
        wait();
        """
    )


def _check_page(browser: Any, base_url: str, site_dir: Path, page: str) -> None:
    expected = expected_formulas((site_dir / page / "index.html").read_text(encoding="utf-8"))
    assert expected > 0, f"{page}: no formula found in the built page (is it the right page?)"
    _drain_logs(browser)
    browser.get(base_url + page)
    report = _page_report(browser)
    # The document$ handler typesets once more after startup: wait until the count settles.
    for _ in range(40):
        if report["note"] or report["rendered"] >= expected:
            break
        browser.execute_async_script("setTimeout(arguments[0], 100)")
        report = _page_report(browser)
    shots = os.environ.get("AM_DOCS_SCREENSHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        browser.execute_script(
            "const m = document.querySelector('mjx-container[display=\"true\"]')"
            " || document.querySelector('mjx-container'); if (m) m.scrollIntoView({block: 'center'});"
        )
        browser.execute_async_script("document.fonts.ready.then(() => setTimeout(arguments[0], 500))")
        browser.save_screenshot(str(Path(shots) / (page.strip("/").replace("/", "_") + ".png")))
    console = [e["message"] for e in browser.get_log("browser") if e["level"] in {"SEVERE", "ERROR"}]
    external = [
        u for u in _requested_urls(browser) if not u.startswith((base_url, "data:", "blob:", "about:"))
    ]
    raw = sorted({m.group(0) for m in RAW_TEX.finditer(report["text"])})
    assert not report["note"], f"{page}: {report['note']}"
    assert report["rendered"] == expected, (
        f"{page}: {report['rendered']} formulas rendered by MathJax, the page holds {expected}"
    )
    assert report["errors"] == 0, f"{page}: {report['errors']} MathJax errors (bad TeX?)"
    assert report["blank"] == 0, f"{page}: {report['blank']} formulas drawn blank (zero width)"
    assert not raw, f"{page}: raw TeX left in the visible text: {raw[:10]}"
    assert not console, f"{page}: console errors: {console}"
    assert not external, f"{page}: requests that leave the machine: {external}"


@pytest.mark.parametrize("page", CONCEPT_PAGES)
def test_concept_page_renders_every_formula_offline(browser: Any, base_url: str, site_dir: Path, page: str):
    _check_page(browser, base_url, site_dir, page)


@pytest.mark.parametrize("page", NOTEBOOK_PAGES)
def test_notebook_page_renders_every_formula_offline(browser: Any, base_url: str, site_dir: Path, page: str):
    _check_page(browser, base_url, site_dir, page)


def test_the_site_loads_nothing_from_outside(site_dir: Path):
    """No <script> or <link> of any built page points off the site (CDNs, font services)."""
    tag = re.compile(r"<(?:script|link)\b[^>]*\b(?:src|href)=[\"']?(?:https?:)?//[^>]*>", re.I)
    offenders = {}
    for path in sorted(site_dir.rglob("*.html")):
        found = tag.findall(path.read_text(encoding="utf-8"))
        if found:
            offenders[path.relative_to(site_dir).as_posix()] = found[:2]
    assert not offenders, f"pages loading external resources: {dict(list(offenders.items())[:5])}"


class _NoMathJaxHandler(_QuietHandler):
    """The site as if the MathJax files had not been copied into it."""

    def do_GET(self) -> None:
        if self.path.startswith("/javascripts/mathjax/"):
            self.send_error(404)
        else:
            super().do_GET()


def test_a_missing_renderer_throws_nothing(browser: Any, site_dir: Path):
    """Without the MathJax files, the page loads with its TeX readable and no script error."""
    page = CONCEPT_PAGES[0]
    handler = functools.partial(_NoMathJaxHandler, directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        _drain_logs(browser)
        browser.get(f"http://127.0.0.1:{server.server_address[1]}/{page}")
        browser.execute_async_script("setTimeout(arguments[0], 300)")
        console = [e["message"] for e in browser.get_log("browser") if e["level"] in {"SEVERE", "ERROR"}]
        text = browser.execute_script("return document.querySelector('article').textContent")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    missing = [m for m in console if "javascripts/mathjax/" in m and "404" in m]
    assert missing, f"the MathJax file was not missing: {console}"
    others = [m for m in console if m not in missing]
    assert not others, f"{page} without MathJax: script errors {others}"
    assert "\\(" in text, "without MathJax the page should keep its TeX source readable"
