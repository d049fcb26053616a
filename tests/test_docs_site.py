"""The built documentation site, opened page by page in a real browser with the network off.

The site is opened in headless Chromium (the Debian packages ``chromium`` and
``chromium-driver``, driven by selenium) whose network is cut: every request goes to a proxy
at 127.0.0.1:9, where nothing listens, and every host name but the loopback ones resolves to
nothing. Only the site itself, served from ``site/`` by a local ``http.server`` on 127.0.0.1,
can load. Every page of the site (each ``docs/**/*.md`` and each notebook; a test checks that
the built site holds no other page) is opened in one browser and must show: every formula
rendered by MathJax (as many as the page's HTML holds, no raw TeX left in the visible text, no
MathJax error), no console error, every image loaded (also inside the animation players'
frames), every internal link and ``#anchor`` pointing to something that exists, and no
request that leaves the machine. The search box must find "backward" (mkdocs-material's
search runs in a web worker, from the site's own index), and the animation player must play.

``make test`` runs this module after ``mkdocs build`` with ``AM_DOCS_SITE=site``; run alone
it builds the site into a temporary folder first. Screenshots of the home page, a concepts
page, a notebook page and the API reference are taken every time (they must not be blank);
``AM_DOCS_SCREENSHOTS=DIR`` keeps them there (``make screenshots`` writes them to
``docs/images/screenshots/``, the docs' own record of how the site looks).
"""

from __future__ import annotations

import functools
import html
import html.parser
import http.server
import io
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
SKIPPED_DOC_DIRS = {"hooks", "javascripts", "notebooks"}


def _page_url(relative: Path) -> str:
    """The URL (relative to the site) of the page built from ``docs/<relative>``."""
    parts = list(relative.with_suffix("").parts)
    if parts[-1] in {"index", "README"}:
        parts = parts[:-1]
    return "/".join(parts) + "/" if parts else ""


ALL_PAGES = sorted(
    {
        _page_url(p.relative_to(ROOT / "docs"))
        for p in (ROOT / "docs").rglob("*.md")
        if p.relative_to(ROOT / "docs").parts[0] not in SKIPPED_DOC_DIRS
    }
    | {"notebooks/"}
    | set(NOTEBOOK_PAGES)
)
# The screenshots kept as the docs' own record: (file name, page, what to scroll into view).
SCREENSHOTS = [
    ("home.png", "", None),
    ("concepts.png", "concepts/backward_order/", "iframe"),
    ("notebook.png", "notebooks/01_chain_rule_and_graphs/", ".am-anim"),
    ("reference.png", "reference/viz/", None),
]
MATH_CLASSES = {"arithmatex", "jp-RenderedMarkdown", "jp-RenderedLatex"}  # as docs/javascripts/mathjax.js
FORMULA = re.compile(r"\$\$.+?\$\$|\\\[.+?\\\]|\\\(.+?\\\)|(?<![\\$])\$(?!\$)(?:\\.|[^$\\])+?(?<!\\)\$", re.S)
# Raw TeX in the visible text: a math delimiter or a TeX command (\frac, \partial, ...).
RAW_TEX = re.compile(r"\\[()\[\]]|\$\$|(?<!\\)\$[^$\s][^$]*\$|\\(?:[A-Za-z]{2,})\b")


def test_pages_to_check_are_found():
    assert len(CONCEPT_PAGES) >= 4 and len(NOTEBOOK_PAGES) >= 6, (CONCEPT_PAGES, NOTEBOOK_PAGES)
    assert {"", "tutorial/", "reference/viz/", *CONCEPT_PAGES, *NOTEBOOK_PAGES} <= set(ALL_PAGES)
    assert all(page in ALL_PAGES for _, page, _ in SCREENSHOTS)


def test_every_page_of_the_built_site_is_checked(site_dir: Path):
    built = sorted(
        _page_url(p.relative_to(site_dir))
        for p in site_dir.rglob("index.html")
        if p.parent != site_dir / "search"
    )
    assert built == ALL_PAGES, (
        f"pages built but not checked: {sorted(set(built) - set(ALL_PAGES))}; "
        f"checked but not built: {sorted(set(ALL_PAGES) - set(built))}"
    )


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


def test_formulas_are_found_on_the_pages_that_have_them(site_dir: Path):
    """The count each page check compares with is not trivially zero."""
    for page in ("concepts/reverse_mode/", "concepts/backward_order/", "notebooks/01_chain_rule_and_graphs/"):
        assert expected_formulas((site_dir / page / "index.html").read_text(encoding="utf-8")) > 0, page


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


# What a page shows once loaded: broken images (also inside same-origin iframes, the animation
# players, once they are scrolled into view and loaded), links, iframes and the element ids.
_PAGE_CONTENT_JS = """
const done = arguments[arguments.length - 1];
const frames = Array.from(document.querySelectorAll("iframe"));
const loaded = (f) => new Promise((resolve) => {
  f.scrollIntoView({block: "center"});
  const ready = () => f.contentDocument && f.contentDocument.readyState === "complete"
    && f.contentDocument.location.href !== "about:blank";
  if (ready()) { resolve(); return; }
  f.addEventListener("load", () => resolve(), {once: true});
  setTimeout(resolve, 5000);
});
const broken = (doc, where) => Array.from(doc.images)
  .filter((i) => !(i.complete && i.naturalWidth > 0))
  .map((i) => where + (i.currentSrc || i.src).slice(0, 120));
Promise.all(frames.map(loaded)).then(() => {
  let images = broken(document, "");
  const players = [];
  for (const f of frames) {
    const doc = f.contentDocument;
    if (!doc) { images.push("iframe not readable: " + f.src); continue; }
    images = images.concat(broken(doc, "in " + f.getAttribute("src") + ": "));
    doc.querySelectorAll(".am-anim").forEach((p) => players.push(p.getAttribute("data-ready") === "1"));
  }
  document.querySelectorAll(".am-anim").forEach((p) => players.push(p.getAttribute("data-ready") === "1"));
  window.scrollTo(0, 0);
  done({
    images: images,
    links: Array.from(document.querySelectorAll("a[href]")).map((a) => a.href),
    iframes: frames.map((f) => f.src),
    players: players,
  });
});
"""


_IDS: dict[Path, set[str]] = {}
_ID = re.compile(r"""\b(?:id|name)=["']?([^"' >]+)""")


def _ids(path: Path) -> set[str]:
    if path not in _IDS:
        _IDS[path] = {
            html.unescape(m) for m in _ID.findall(path.read_text(encoding="utf-8", errors="replace"))
        }
    return _IDS[path]


def _broken_link(url: str, base_url: str, site_dir: Path) -> str | None:
    """Why an internal ``url`` is broken (no file, no such anchor), or None when it is fine."""
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    path = unquote(parts.path)
    relative = path[len(urlsplit(base_url).path) :]
    target = site_dir / relative
    if relative == "" or relative.endswith("/") or target.is_dir():
        target = target / "index.html"
    if not target.is_file():
        return f"{url}: no such file in the site ({target.relative_to(site_dir).as_posix()})"
    fragment = unquote(parts.fragment)
    if fragment and target.suffix == ".html" and fragment not in _ids(target):
        return f"{url}: no element with id {fragment!r} on that page"
    return None


def _settle_math(browser: Any, expected: int) -> dict[str, Any]:
    report = _page_report(browser)
    # The document$ handler typesets once more after startup: wait until the count settles.
    for _ in range(40):
        if report["note"] or report["rendered"] >= expected:
            break
        browser.execute_async_script("setTimeout(arguments[0], 100)")
        report = _page_report(browser)
    return report


def _check_page(browser: Any, base_url: str, site_dir: Path, page: str) -> None:
    expected = expected_formulas((site_dir / page / "index.html").read_text(encoding="utf-8"))
    _drain_logs(browser)
    browser.get(base_url + page)
    report = _settle_math(browser, expected)
    content = browser.execute_async_script(_PAGE_CONTENT_JS)
    console = [e["message"] for e in browser.get_log("browser") if e["level"] in {"SEVERE", "ERROR"}]
    external = [
        u for u in _requested_urls(browser) if not u.startswith((base_url, "data:", "blob:", "about:"))
    ]
    raw = sorted({m.group(0) for m in RAW_TEX.finditer(report["text"])})
    internal = sorted({u for u in content["links"] + content["iframes"] if u.startswith(base_url)})
    broken = [why for why in (_broken_link(u, base_url, site_dir) for u in internal) if why]
    assert not report["note"], f"{page}: {report['note']}"
    assert report["rendered"] == expected, (
        f"{page}: {report['rendered']} formulas rendered by MathJax, the page holds {expected}"
    )
    assert report["errors"] == 0, f"{page}: {report['errors']} MathJax errors (bad TeX?)"
    assert report["blank"] == 0, f"{page}: {report['blank']} formulas drawn blank (zero width)"
    assert not raw, f"{page}: raw TeX left in the visible text: {raw[:10]}"
    assert not console, f"{page}: console errors: {console}"
    assert not content["images"], f"{page}: images that did not load: {content['images'][:5]}"
    assert not broken, f"{page}: broken internal links: {broken[:8]}"
    assert all(content["players"]), f"{page}: an animation player did not start: {content['players']}"
    assert not external, f"{page}: requests that leave the machine: {external}"


@pytest.mark.parametrize("page", ALL_PAGES, ids=[p or "home" for p in ALL_PAGES])
def test_page_reads_right_offline(browser: Any, base_url: str, site_dir: Path, page: str):
    """Formulas, console, images, internal links and anchors, players, no outside request."""
    _check_page(browser, base_url, site_dir, page)


def test_the_link_checker_finds_broken_links(site_dir: Path):
    base = "http://127.0.0.1:1/"
    assert _broken_link(base + "tutorial/", base, site_dir) is None
    assert _broken_link(base + "concepts/backward_order/#watching-the-order", base, site_dir) is None
    assert "no such file" in (_broken_link(base + "concepts/nowhere/", base, site_dir) or "")
    assert "no element with id" in (_broken_link(base + "tutorial/#no-such-section", base, site_dir) or "")


def test_the_notebook_toc_hook_sends_links_to_the_headings():
    """mkdocs-jupyter's table of contents drops code from a heading's slug; the hook repairs it."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "toc_hook", ROOT / "docs" / "hooks" / "notebook_toc_anchors.py"
    )
    assert spec is not None and spec.loader is not None
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    page = (
        '<a href="#the-graph-after" class="md-nav__link">The graph after</a>'
        '<h2 id="the-graph-after-backward">The graph after <code>backward()</code>'
        '<a class="anchor-link" href="#the-graph-after-backward">¶</a></h2>'
        '<a href="#gradients-by-hand">x</a><h2 id="gradients-by-hand">Gradients by hand</h2>'
    )
    fixed = hook.repair(page)
    assert 'href="#the-graph-after"' not in fixed and fixed.count('href="#the-graph-after-backward"') == 2
    assert 'href="#gradients-by-hand"' in fixed


def test_the_search_box_finds_backward(browser: Any, base_url: str):
    """Typed into the search box, "backward" lists results (search runs in a web worker)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    _drain_logs(browser)
    browser.get(base_url)
    box = WebDriverWait(browser, 5).until(lambda d: d.find_element(By.CSS_SELECTOR, "input.md-search__input"))
    WebDriverWait(browser, 5).until(lambda d: box.is_displayed())  # in the header, on a wide window
    box.click()
    box.send_keys("backward")
    items = WebDriverWait(browser, 15).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, ".md-search-result__item") or False
    )
    meta = browser.find_element(By.CSS_SELECTOR, ".md-search-result__meta").text
    first = items[0].find_element(By.CSS_SELECTOR, "a").get_attribute("href")
    console = [e["message"] for e in browser.get_log("browser") if e["level"] in {"SEVERE", "ERROR"}]
    assert (
        len(items) >= 3
        and "backward" in browser.find_element(By.CSS_SELECTOR, ".md-search-result").text.lower()
    )
    assert re.search(r"\d+ matching documents?", meta), meta
    assert first.startswith(base_url), first
    assert not console, f"search: console errors: {console}"


def test_the_animation_player_steps_and_plays(browser: Any, base_url: str):
    """The concepts page's player: step, slider, play; one frame shown at a time."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    _drain_logs(browser)
    browser.get(base_url + "concepts/backward_order/")
    frame = browser.find_element(By.CSS_SELECTOR, "iframe[src*='animations/']")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", frame)
    browser.switch_to.frame(frame)
    try:
        counter = WebDriverWait(browser, 10).until(
            lambda d: d.find_element(By.CSS_SELECTOR, ".am-anim-counter")
        )
        shown = (
            "return Array.from(document.querySelectorAll('.am-anim-frame'))"
            ".map(f => f.style.display !== 'none')"
        )
        assert counter.text == "frame 1 of 5" and browser.execute_script(shown) == [True] + [False] * 4
        browser.find_element(By.CSS_SELECTOR, "[data-act='next']").click()
        browser.find_element(By.CSS_SELECTOR, "[data-act='next']").click()
        assert counter.text == "frame 3 of 5" and browser.execute_script(shown).index(True) == 2
        title = browser.find_elements(By.CSS_SELECTOR, ".am-anim-title")[2].text
        assert "sin" in title and "1 of 3" in browser.find_elements(By.CSS_SELECTOR, ".am-anim-note")[2].text
        browser.execute_script(
            "const s = document.querySelector('.am-anim-slider'); s.value = '4';"
            "s.dispatchEvent(new Event('input'));"
        )
        assert counter.text == "frame 5 of 5"
        browser.find_element(By.CSS_SELECTOR, "[data-act='play']").click()  # at the end: starts over
        WebDriverWait(browser, 10).until(lambda d: counter.text == "frame 3 of 5")
        browser.find_element(By.CSS_SELECTOR, "[data-act='play']").click()  # pause
        paused = counter.text
        browser.execute_async_script("setTimeout(arguments[0], 1500)")
        assert counter.text == paused
    finally:
        browser.switch_to.default_content()
    console = [e["message"] for e in browser.get_log("browser") if e["level"] in {"SEVERE", "ERROR"}]
    assert not console, f"player: console errors: {console}"


def test_screenshots_for_the_record(browser: Any, base_url: str, tmp_path: Path):
    """The home page, a concepts page, a notebook page and the API reference, as a reader sees
    them; kept in AM_DOCS_SCREENSHOTS (``make screenshots``: docs/images/screenshots/), else checked
    and dropped."""
    from PIL import Image

    folder = Path(os.environ.get("AM_DOCS_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    browser.set_window_size(1280, 900)
    try:
        for name, page, target in SCREENSHOTS:
            browser.get(base_url + page)
            _settle_math(browser, 0)
            if target:
                browser.execute_script(
                    "const t = document.querySelector(arguments[0]);"
                    "if (t) t.scrollIntoView({block: 'start'}); window.scrollBy(0, -80);",
                    target,
                )
            browser.execute_script(  # show a middle step of the players: partial sums
                "const docs = [document].concat(Array.from(document.querySelectorAll('iframe'))"
                "  .map((f) => f.contentDocument).filter((d) => d));"
                "docs.forEach((d) => d.querySelectorAll('.am-anim [data-act=next]')"
                "  .forEach((b) => { b.click(); b.click(); b.click(); }));"
            )
            browser.execute_async_script("document.fonts.ready.then(() => setTimeout(arguments[0], 600))")
            png = browser.get_screenshot_as_png()
            with Image.open(io.BytesIO(png)) as shot:
                small = shot.convert("RGB").resize(
                    (shot.width * 3 // 5, shot.height * 3 // 5), Image.Resampling.LANCZOS
                )
                colours = len(small.getcolors(maxcolors=1 << 20) or ())
                assert colours > 50, f"{page}: the screenshot looks blank ({colours} colours)"
                small.quantize(colors=128, dither=Image.Dither.NONE).save(folder / name, optimize=True)
    finally:
        browser.set_window_size(1280, 1400)


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


# What pokes out of its column on a page: display formulas wider than their box that do not
# scroll in it, and in every animation player (inline or in an iframe) a frame whose picture
# runs past the player or whose ledger table is wider than its box (it would scroll, hiding
# columns). Each player is stepped through all its frames.
_WIDE_CONTENT_JS = """
const out = [];
document.querySelectorAll("mjx-container[display='true']").forEach((c, i) => {
  const scrolls = ["auto", "scroll"].includes(getComputedStyle(c).overflowX);
  if (c.scrollWidth > c.clientWidth + 1 && !scrolls) out.push(`formula ${i} overflows its column`);
  if (c.scrollWidth > c.clientWidth + 1 && arguments[0]) out.push(`formula ${i} needs a scrollbar`);
});
const docs = [document].concat(Array.from(document.querySelectorAll("iframe"))
  .map((f) => f.contentDocument).filter((d) => d));
docs.forEach((d) => d.querySelectorAll(".am-anim").forEach((p, k) => {
  const frames = Array.from(p.querySelectorAll(".am-anim-frame"));
  const next = p.querySelector("[data-act=next]");
  frames.forEach((f, j) => {
    const right = p.getBoundingClientRect().right;
    const img = f.querySelector("img"), note = f.querySelector(".am-anim-note");
    if (img && img.getBoundingClientRect().right > right + 1) {
      out.push(`player ${k} frame ${j}: picture clipped`);
    }
    // the note or its table (a theme may make a table its own scroll box) wider than the note
    const width = note ? Math.max(note.scrollWidth, ...Array.from(note.querySelectorAll("table"))
      .map((t) => t.scrollWidth)) : 0;
    if (note && width > note.clientWidth + 1) {
      out.push(`player ${k} frame ${j}: ledger ${width}px in ${note.clientWidth}px`);
    }
    if (next) next.click();
  });
}));
return out;
"""


@pytest.mark.parametrize(
    "page", ["tutorial/", "concepts/backward_order/", *NOTEBOOK_PAGES], ids=lambda p: p.strip("/")
)
def test_wide_formulas_and_players_fit_their_column(browser: Any, base_url: str, site_dir: Path, page: str):
    """A display formula fits or scrolls in its own box (notebook 02's fit outright); a player's
    pictures and ledger tables fit the player, on every frame."""
    expected = expected_formulas((site_dir / page / "index.html").read_text(encoding="utf-8"))
    browser.get(base_url + page)
    _settle_math(browser, expected)
    browser.execute_async_script(_PAGE_CONTENT_JS)  # the players' iframes loaded
    wide = browser.execute_script(_WIDE_CONTENT_JS, page == "notebooks/02_worked_examples/")
    assert not wide, f"{page}: {wide}"
