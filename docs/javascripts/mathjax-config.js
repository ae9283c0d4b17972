// MathJax 2 (served from this site, see office_hours.site): typeset the \( \) and \[ \]
// spans of pymdownx.arithmatex on answer pages and the $ $ / $$ $$ of notebook cells.
window.MathJax = {
  jax: ["input/TeX", "output/SVG"],
  extensions: ["tex2jax.js"],
  TeX: { extensions: ["AMSmath.js", "AMSsymbols.js", "noErrors.js", "noUndefined.js"] },
  tex2jax: {
    inlineMath: [["\\(", "\\)"], ["$", "$"]],
    displayMath: [["\\[", "\\]"], ["$$", "$$"]],
    processEscapes: true,
    ignoreClass: "highlight|highlight-ipynb|jp-InputArea|jp-OutputArea-output",
    processClass: "arithmatex|jp-RenderedMarkdown|jp-MarkdownOutput",
  },
  SVG: { font: "TeX" },
  showMathMenu: false,
  messageStyle: "none",
  skipStartupTypeset: false,
};
