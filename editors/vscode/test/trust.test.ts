import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";

import { installPlan, modulePath } from "../src/lib/install";
import { allowedActions, allowedLenses, CHECK_COMMAND, refusal } from "../src/lib/trust";

const manifest = JSON.parse(readFileSync("package.json", "utf8"));

describe("refusal", () => {
  test("an untrusted workspace never checks an exercise", () => {
    assert.match(refusal(CHECK_COMMAND, false) ?? "", /not trusted/);
  });
  test("a trusted workspace checks", () => {
    assert.equal(refusal(CHECK_COMMAND, true), undefined);
  });
  test("hints and the guide run untrusted: they only read the guide", () => {
    assert.equal(refusal("asyncbook.hint", false), undefined);
    assert.equal(refusal("asyncbook.openGuide", false), undefined);
  });
});

// What the server sends for a practice file (lsp/server codeLens and
// codeAction), as plain JSON.
const lenses = [
  { range: {}, command: { title: "Check exercise", command: "asyncbook.checkExercise", arguments: [{ uri: "file:///w/practice/x/solve.go" }] } },
  { range: {}, command: { title: "Next hint (1/4)", command: "asyncbook.hint", arguments: [{ uri: "file:///w/practice/x/solve.go" }] } },
  { range: {} },
];

describe("allowedLenses", () => {
  test("untrusted: the Check exercise lens is dropped, the others kept", () => {
    const got = allowedLenses(lenses, false);
    assert.deepEqual(
      got?.map((l) => l.command?.command),
      ["asyncbook.hint", undefined],
    );
  });
  test("trusted: all lenses kept", () => {
    assert.equal(allowedLenses(lenses, true), lenses);
  });
  test("no lenses stay no lenses", () => {
    assert.equal(allowedLenses(null, false), null);
    assert.equal(allowedLenses(undefined, false), undefined);
  });
});

describe("allowedActions", () => {
  const actions = [
    { title: "buffer the channel", kind: "quickfix", edit: {} },
    { title: "Hint 1/3", kind: "quickfix.asyncbook.hint", command: { title: "Hint 1/3", command: "asyncbook.hint" } },
    { title: "Check", command: CHECK_COMMAND },
    { title: "Check again", command: { title: "Check", command: CHECK_COMMAND } },
  ];
  test("untrusted: actions that would check are dropped, Command or CodeAction", () => {
    assert.deepEqual(
      allowedActions(actions, false)?.map((a) => a.title),
      ["buffer the channel", "Hint 1/3"],
    );
  });
  test("trusted: all kept", () => {
    assert.equal(allowedActions(actions, true)?.length, 4);
  });
});

describe("installPlan", () => {
  const repo = { path: "/src/asyncbook", goMod: "// the workbook\nmodule github.com/asyncbook/asyncbook\n\ngo 1.26\n" };
  const other = { path: "/src/other", goMod: "module example.com/other\n" };
  const noMod = { path: "/src/notes" };

  test("reads the module path of a go.mod", () => {
    assert.equal(modulePath(repo.goMod), "github.com/asyncbook/asyncbook");
    assert.equal(modulePath('module "example.com/quoted" // comment\n'), "example.com/quoted");
    assert.equal(modulePath("go 1.26\n"), undefined);
    assert.equal(modulePath("// module github.com/asyncbook/asyncbook\n"), undefined);
  });

  test("trusted asyncbook workspace: go install ./cmd/asyncbook in it", () => {
    const plan = installPlan([other, repo], true);
    assert.deepEqual(plan.args, ["install", "./cmd/asyncbook"]);
    assert.equal(plan.cwd, "/src/asyncbook");
  });

  test("untrusted asyncbook workspace: the released module, not a build of the workspace", () => {
    const plan = installPlan([repo], false);
    assert.deepEqual(plan.args, ["install", "github.com/asyncbook/asyncbook/cmd/asyncbook@latest"]);
    assert.equal(plan.cwd, undefined, "runs in the home folder, away from the workspace's go.mod");
  });

  test("any other workspace: the released module", () => {
    for (const folders of [[other, noMod], []]) {
      const plan = installPlan(folders, true);
      assert.deepEqual(plan.args, ["install", "github.com/asyncbook/asyncbook/cmd/asyncbook@latest"]);
      assert.equal(plan.cwd, undefined);
    }
  });
});

describe("the manifest's trust declaration", () => {
  const caps = manifest.capabilities.untrustedWorkspaces;
  test("limited support, with the server path restricted to user settings", () => {
    assert.equal(caps.supported, "limited");
    assert.deepEqual(caps.restrictedConfigurations, ["asyncbook.serverPath"]);
    assert.match(caps.description, /never checks an exercise/);
  });
});
