// Build the explorer: one JS and one CSS file under governance/web/static/, plus index.html,
// LICENSES.txt (from each bundled package's package.json) and BUILD.sha256 (what a test checks).
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "governance", "web", "static");
mkdirSync(out, { recursive: true });

const result = await build({
  entryPoints: [join(here, "src", "main.js")],
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  outfile: join(out, "explorer.js"),
  metafile: true,
  legalComments: "none",
  logLevel: "warning",
});
await build({
  entryPoints: [join(here, "src", "style.css")],
  bundle: true,
  minify: true,
  outfile: join(out, "explorer.css"),
  logLevel: "warning",
});
copyFileSync(join(here, "src", "index.html"), join(out, "index.html"));

// Every package that ended up in the bundle, with its licence.
const packages = new Map();
for (const input of Object.keys(result.metafile.inputs)) {
  const m = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (!m) continue;
  const pj = join(here, "node_modules", m[1], "package.json");
  if (existsSync(pj) && !packages.has(m[1])) {
    const meta = JSON.parse(readFileSync(pj, "utf8"));
    packages.set(m[1], meta);
  }
}
const lines = ["Packages bundled into explorer.js (from each package's package.json; pinned by web/package-lock.json).", ""];
for (const [name, meta] of [...packages].sort()) {
  const licence = typeof meta.license === "string" ? meta.license : JSON.stringify(meta.license ?? meta.licenses);
  const home = meta.homepage || (meta.repository && (meta.repository.url || meta.repository)) || "";
  lines.push(`${name} ${meta.version}  licence: ${licence}  ${home}`);
}
writeFileSync(join(out, "LICENSES.txt"), lines.join("\n") + "\n");

const files = ["index.html", "explorer.js", "explorer.css", "LICENSES.txt"];
const sums = files.map((f) => `${createHash("sha256").update(readFileSync(join(out, f))).digest("hex")}  ${f}`);
writeFileSync(join(out, "BUILD.sha256"), sums.join("\n") + "\n");
console.log(`built ${files.join(", ")} into ${out}`);
