// MathJax 3 settings. The renderer itself (javascripts/mathjax/tex-chtml.js: TeX in, HTML
// out) is served by the site (docs/hooks/mathjax_assets.py copies it from an installed
// package), so formulas render offline too.
//
// What is typeset, and nothing else (MATH_ELEMENTS):
// - pymdownx.arithmatex output (generic mode) on the Markdown pages: <span|div class="arithmatex">
//   holding \( ... \) or \[ ... \];
// - the notebooks' Markdown cells and LaTeX outputs (mkdocs-jupyter: class jp-RenderedMarkdown
//   or jp-RenderedLatex), with math written as Jupyter writes it: $ ... $, $$ ... $$, \( \), \[ \].
// Code (<pre>, <code>) is never typeset, and \$ is a literal dollar sign.
const MATH_ELEMENTS = [".arithmatex", ".jp-RenderedMarkdown", ".jp-RenderedLatex"];

window.MathJax = {
  tex: {
    inlineMath: [
      ["\\(", "\\)"],
      ["$", "$"],
    ],
    displayMath: [
      ["\\[", "\\]"],
      ["$$", "$$"],
    ],
    processEscapes: true,
    processEnvironments: true,
  },
  startup: {
    elements: MATH_ELEMENTS,
  },
};

// mkdocs-material announces each page on document$: the first one, which MathJax's own
// startup typesets (typesetting it again after clearing the output cache would drop the
// styles of the characters already drawn, leaving blank formulas), and every page that
// instant navigation swaps in, which is typeset here. Guarded: when the renderer failed to
// load (or has not started), nothing here may throw: the page keeps its readable TeX source.
if (typeof document$ !== "undefined" && typeof document$.subscribe === "function") {
  let firstPage = true;
  document$.subscribe(() => {
    if (firstPage) {
      firstPage = false;
      return;
    }
    const mathjax = window.MathJax;
    if (!mathjax || !mathjax.startup || !mathjax.startup.promise || typeof mathjax.typesetPromise !== "function") {
      return;
    }
    mathjax.startup.promise
      .then(() => {
        mathjax.startup.output.clearCache();
        mathjax.typesetClear();
        mathjax.texReset();
        return mathjax.typesetPromise(MATH_ELEMENTS);
      })
      .catch((error) => console.warn("MathJax could not typeset this page:", error));
  });
}
