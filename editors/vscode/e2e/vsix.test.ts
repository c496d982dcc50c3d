// Inspects the packaged .vsix (ASYNCBOOK_VSIX): the manifest inside is
// ours, the bundle is complete (it requires nothing but Node's modules and
// vscode), and nothing else rides along: no node_modules, no sources, no
// tests.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { describe, test } from "node:test";

import { type Entry, readZip } from "./zip";

const vsixPath = process.env.ASYNCBOOK_VSIX;
if (!vsixPath) throw new Error("ASYNCBOOK_VSIX must name the .vsix to inspect (editors/vscode/test.sh sets it)");

const entries = readZip(readFileSync(vsixPath));
const byName = new Map<string, Entry>(entries.map((e) => [e.name, e]));
const repoManifest = JSON.parse(readFileSync("package.json", "utf8"));

function text(name: string): string {
  const e = byName.get(name);
  assert.ok(e, `${name} is in the .vsix (it has ${[...byName.keys()].join(", ")})`);
  return e.read().toString("utf8");
}

describe("the .vsix", () => {
  test("holds exactly the manifest, the bundle, its notices, the README and the LICENSE", () => {
    assert.deepEqual([...byName.keys()].sort(), [
      "[Content_Types].xml",
      "extension.vsixmanifest",
      "extension/LICENSE.txt",
      "extension/dist/THIRD_PARTY_NOTICES.txt",
      "extension/dist/extension.js",
      "extension/package.json",
      "extension/readme.md",
    ]);
  });

  test("has no node_modules, sources, tests or source maps", () => {
    for (const e of entries) {
      assert.doesNotMatch(e.name, /node_modules|\/src\/|\/test\/|\/e2e\/|\.ts$|\.map$|\.vsix$/, e.name);
    }
  });

  test("is small: under 1 MB unpacked", () => {
    const total = entries.reduce((n, e) => n + e.size, 0);
    assert.ok(total < 1_000_000, `${total} bytes unpacked`);
  });

  test("its package.json is the extension's manifest", () => {
    const inside = JSON.parse(text("extension/package.json"));
    assert.equal(inside.name, "asyncbook");
    assert.equal(inside.publisher, "asyncbook");
    assert.equal(inside.version, repoManifest.version);
    assert.equal(inside.main, "./dist/extension.js");
    assert.deepEqual(inside.contributes, repoManifest.contributes);
    assert.deepEqual(inside.capabilities, repoManifest.capabilities);
    assert.deepEqual(inside.activationEvents, ["onLanguage:go", "workspaceContains:go.mod"]);
    assert.equal(inside.engines.vscode, "^1.82.0");
    assert.equal(inside.license, "BSD-3-Clause");
  });

  test("carries the repository's BSD-3-Clause LICENSE", () => {
    assert.equal(text("extension/LICENSE.txt"), readFileSync("../../LICENSE", "utf8"));
  });

  test("the vsixmanifest names the extension and its engine", () => {
    const xml = text("extension.vsixmanifest");
    assert.match(xml, /<Identity [^>]*Id="asyncbook"[^>]*Version="0\.1\.0"[^>]*Publisher="asyncbook"/);
    assert.match(xml, /Microsoft\.VisualStudio\.Code\.Engine" Value="\^1\.82\.0"/);
  });

  test("the bundle requires only Node's modules and vscode: the language client is inside", () => {
    const js = text("extension/dist/extension.js");
    const required = new Set([...js.matchAll(/require\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]!));
    assert.ok(required.has("vscode"), "vscode is required at run time");
    const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
    for (const r of required) {
      assert.ok(r === "vscode" || builtins.has(r), `the bundle requires ${r}, which the .vsix does not contain`);
    }
    // The language client and what the extension says to the server.
    assert.match(js, /asyncbook\.checkExercise/);
    assert.match(js, /quickfix\.asyncbook\.hint/);
    assert.match(js, /workspace\/executeCommand/);
    assert.match(js, /exports\.activate|activate:/);
  });

  test("the notices cover the bundled packages", () => {
    const notices = text("extension/dist/THIRD_PARTY_NOTICES.txt");
    for (const name of ["vscode-languageclient", "vscode-jsonrpc", "vscode-languageserver-protocol"]) {
      assert.match(notices, new RegExp(`^${name}@\\d`, "m"));
    }
  });
});
