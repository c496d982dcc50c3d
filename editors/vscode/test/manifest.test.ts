// The manifest against the code: every contributed command is registered,
// none collides with the server's own commands (the language client
// registers those under their names), and the settings are the ones the
// code reads. Plus the status bar's words.

import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { describe, test } from "node:test";

import { statusView } from "../src/lib/status";

const manifest = JSON.parse(readFileSync("package.json", "utf8"));
const extensionSource = readFileSync("src/extension.ts", "utf8");
const contributed: string[] = manifest.contributes.commands.map((c: { command: string }) => c.command);

/** The server's commands, from lsp/server/lifecycle.go in this repository. */
function serverCommands(): string[] {
  const file = "../../lsp/server/lifecycle.go";
  assert.ok(existsSync(file), `${file} is where the server declares its commands`);
  const src = readFileSync(file, "utf8");
  const names = [...src.matchAll(/Cmd\w+\s*=\s*"([^"]+)"/g)].map((m) => m[1]!);
  assert.ok(names.length >= 3, "found the server's command constants");
  return names;
}

describe("commands", () => {
  test("the four commands of the brief are contributed with their titles", () => {
    const titles = Object.fromEntries(manifest.contributes.commands.map((c: { command: string; title: string; category: string }) => [c.command, `${c.category}: ${c.title}`]));
    assert.equal(titles["asyncbook.check"], "asyncbook: Check exercise");
    assert.equal(titles["asyncbook.nextHint"], "asyncbook: Next hint");
    assert.equal(titles["asyncbook.openInterviewGuide"], "asyncbook: Open interview guide");
    assert.equal(titles["asyncbook.restartServer"], "asyncbook: Restart server");
  });

  test("every contributed command is registered by the extension", () => {
    for (const id of contributed) {
      assert.ok(extensionSource.includes(`registerCommand("${id}"`), `${id} is registered`);
    }
  });

  test("no contributed command takes a name the server's commands use", () => {
    const server = serverCommands();
    assert.deepEqual(server.sort(), ["asyncbook.checkExercise", "asyncbook.hint", "asyncbook.openGuide"]);
    for (const id of contributed) assert.ok(!server.includes(id), `${id} would collide with the language client's registration`);
  });

  test("every command the status bar runs exists", () => {
    const states = [
      { kind: "starting" },
      { kind: "running", version: "v1", path: "/x", source: "PATH" },
      { kind: "missing" },
      { kind: "bad-setting", problem: "p" },
      { kind: "stopped", reason: "r" },
    ] as const;
    for (const s of states) {
      for (const ex of [undefined, "batch-inference"]) {
        for (const trusted of [true, false]) {
          const view = statusView(s, ex, trusted);
          assert.ok(contributed.includes(view.command), `${view.command} (state ${s.kind})`);
        }
      }
    }
  });
});

describe("settings", () => {
  const props = manifest.contributes.configuration.properties;
  test("the settings are declared with their types", () => {
    assert.equal(props["asyncbook.serverPath"].type, "string");
    assert.equal(props["asyncbook.analyzers"].type, "object");
    assert.deepEqual(props["asyncbook.analyzers"].additionalProperties, { type: "boolean" });
    assert.deepEqual(props["asyncbook.profile"].enum, ["", "default", "strict"], "the registry's profiles, and unset");
    assert.deepEqual(props["asyncbook.severity"].additionalProperties.enum, ["warning", "information", "hint"]);
    for (const name of ["analyzers", "profile", "severity"]) {
      assert.ok(extensionSource.includes(`config().get("${name}")`), `asyncbook.${name} is read`);
    }
    assert.deepEqual(props["asyncbook.trace.server"].enum, ["off", "messages", "verbose"]);
  });
  test("the language client's id makes it read asyncbook.trace.server", () => {
    assert.match(extensionSource, /new LanguageClient\("asyncbook",/);
  });
});

describe("statusView", () => {
  const running = { kind: "running", version: "v0.1.0", path: "/go/bin/asyncbook", source: "GOPATH" } as const;
  test("running, in an exercise: the exercise, click to check", () => {
    const v = statusView(running, "batch-inference", true);
    assert.match(v.text, /asyncbook: batch-inference/);
    assert.equal(v.command, "asyncbook.check");
    assert.match(v.tooltip, /asyncbook v0\.1\.0/);
  });
  test("running, untrusted: says checks are off", () => {
    const v = statusView(running, "batch-inference", false);
    assert.match(v.text, /\$\(shield\)/);
    assert.match(v.tooltip, /Restricted Mode/);
  });
  test("running, no exercise: the server", () => {
    const v = statusView(running, undefined, true);
    assert.equal(v.text, "$(pass) asyncbook");
    assert.match(v.tooltip, /\/go\/bin\/asyncbook \(from GOPATH\)/);
  });
  test("missing: click to install", () => {
    const v = statusView({ kind: "missing" }, undefined, true);
    assert.match(v.text, /not installed/);
    assert.equal(v.command, "asyncbook.installServer");
  });
});
