// Typeset TeX with KaTeX at build time (office_hours/site/maths.py): `node render_maths.js
// <path of katex.min.js>` reads one JSON request [tex, display] per line on stdin and answers
// each with one line of JSON, {"html": ...} or {"error": ...}.
const readline = require("readline");
const katex = require(process.argv[2]);
readline.createInterface({ input: process.stdin }).on("line", (line) => {
  const [tex, display] = JSON.parse(line);
  let answer;
  try {
    answer = { html: katex.renderToString(tex, { displayMode: display, throwOnError: true, output: "mathml" }) };
  } catch (error) {
    answer = { error: String(error.message || error) };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
});
