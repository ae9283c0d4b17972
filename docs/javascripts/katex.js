// Typeset maths with the site's own copy of KaTeX: the \( \) and \[ \] spans that
// pymdownx.arithmatex writes on answer pages, and the $ $ / $$ $$ of notebook Markdown cells.
document$.subscribe(({ body }) => {
  renderMathInElement(body, {
    delimiters: [
      { left: "$$", right: "$$", display: true },
      { left: "$", right: "$", display: false },
      { left: "\\(", right: "\\)", display: false },
      { left: "\\[", right: "\\]", display: true },
    ],
    ignoredClasses: ["highlight", "highlight-ipynb", "jp-InputArea", "clipboard-copy-txt", "jp-OutputArea-output"],
    throwOnError: false,
  });
});
