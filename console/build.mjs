// The console's build (run by `make console`, and so by `make run` and `make test`):
//   1. the API's types, generated from docs/openapi.json;
//   2. a type check of every page against them: a changed contract fails here, not in a merchant's browser;
//   3. one bundle of script and one of style, named by their content's hash (cached for ever, safely);
//   4. index.html naming them, and the gzipped size held to its budget.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import openapiTS, { astToString } from "openapi-typescript";

const here = new URL(".", import.meta.url).pathname;
const BUDGET_BYTES = 250 * 1024;

// A field with a default may be left out of a request: optional, as the API reads it
const schema = await openapiTS(new URL("../docs/openapi.json", import.meta.url), { defaultNonNullable: false });
mkdirSync(`${here}src/api`, { recursive: true });
writeFileSync(`${here}src/api/schema.d.ts`, `// Generated from docs/openapi.json by console/build.mjs: do not edit.\n${astToString(schema)}`);

execFileSync(`${here}../node_modules/.bin/tsc`, ["--project", here], { stdio: "inherit" });

rmSync(`${here}dist`, { recursive: true, force: true });
const { metafile } = await build({
  entryPoints: [`${here}src/main.tsx`, `${here}src/style.css`],
  outdir: `${here}dist/assets`,
  entryNames: "[name]-[hash]",
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2022",
  jsx: "automatic",
  jsxImportSource: "preact",
  metafile: true,
  logLevel: "warning",
});

const outputs = Object.keys(metafile.outputs).map((path) => basename(path));
const script = outputs.find((name) => name.endsWith(".js"));
const style = outputs.find((name) => name.endsWith(".css"));
// index.html names them by absolute path: deployed, the page is also the distribution's root object (at /)
const page = readFileSync(`${here}index.html`, "utf8").replace("assets/SCRIPT", `assets/${script}`).replace("assets/STYLE", `assets/${style}`);
writeFileSync(`${here}dist/index.html`, page);

const files = [["index.html", page], ...[script, style].map((name) => [`assets/${name}`, readFileSync(`${here}dist/assets/${name}`)])];
const gzipped = files.reduce((sum, [, content]) => sum + gzipSync(content).length, 0);
console.log(`console: ${files.map(([name]) => name).join(", ")}: ${(gzipped / 1024).toFixed(1)} KB gzipped (budget ${BUDGET_BYTES / 1024} KB)`);
if (gzipped > BUDGET_BYTES) {
  console.error("console: over its size budget");
  process.exit(1);
}
