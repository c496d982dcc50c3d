// Bundles the extension into dist/extension.js (everything but the vscode
// module inlined) with dist/THIRD_PARTY_NOTICES.txt, the licenses of the
// npm packages inlined. With --tests it bundles the tests instead:
// test/*.test.ts → out/test/ (the VS Code-free modules of src/lib) and
// e2e/*.test.ts → out/e2e/.

import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { build } from "esbuild";

const tests = process.argv.includes("--tests");

if (tests) {
  for (const dir of ["test", "e2e"]) {
    const entries = readdirSync(dir)
      .filter((f) => f.endsWith(".test.ts"))
      .map((f) => `${dir}/${f}`);
    await build({
      entryPoints: entries,
      outdir: `out/${dir}`,
      bundle: true,
      platform: "node",
      format: "esm",
      outExtension: { ".js": ".mjs" },
      target: "node20",
      sourcemap: "inline",
      // The end-to-end test loads playwright-core from the cache test.sh
      // installs it in, at run time.
      external: ["vscode", "playwright-core"],
      logLevel: "warning",
    });
  }
} else {
  const result = await build({
    entryPoints: ["src/extension.ts"],
    outfile: "dist/extension.js",
    bundle: true,
    platform: "node",
    format: "cjs",
    // VS Code 1.82 runs extensions on Node 18.
    target: "node18",
    external: ["vscode"],
    minify: true,
    sourcemap: false,
    metafile: true,
    logLevel: "warning",
  });
  writeFileSync("dist/THIRD_PARTY_NOTICES.txt", notices(result.metafile));
}

/** The license of every npm package with code in the bundle. */
function notices(metafile) {
  const packages = new Map();
  for (const input of Object.keys(metafile.inputs)) {
    // The innermost node_modules/<name>/ of the path is the package.
    const matches = [...input.matchAll(/(?<=^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//g)];
    const m = matches.at(-1);
    if (!m) continue;
    const dir = input.slice(0, m.index + m[0].length);
    packages.set(dir, m[1]);
  }
  const parts = [
    "The asyncbook extension's dist/extension.js includes the following npm packages.\n",
  ];
  for (const [dir, name] of [...packages].sort((a, b) => a[1].localeCompare(b[1]))) {
    const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
    const licenseFile = readdirSync(dir).find((f) => /^licen[cs]e(\.md|\.txt)?$/i.test(f));
    if (!licenseFile || !existsSync(path.join(dir, licenseFile))) {
      throw new Error(`${name}@${pkg.version} is bundled but has no license file in ${dir}`);
    }
    parts.push(`${"=".repeat(72)}\n${name}@${pkg.version} (${pkg.license})\n${"=".repeat(72)}\n`);
    parts.push(readFileSync(path.join(dir, licenseFile), "utf8").trim() + "\n");
  }
  return parts.join("\n");
}
