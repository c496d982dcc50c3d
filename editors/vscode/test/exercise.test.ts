import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { analyzerOf, exerciseFromActions, guideArgs, hintArgs } from "../src/lib/exercise";

const uri = "file:///w/practice/batchinference/solve.go";

describe("exerciseFromActions", () => {
  test("finds the slug in the server's hint and guide actions", () => {
    // As lsp/server sends them for a file of an exercise.
    const wire = [
      {
        title: "Hint 1/4: Start with the fan-out",
        kind: "quickfix.asyncbook.hint",
        command: { title: "Hint 1/4", command: "asyncbook.hint", arguments: [{ uri, exercise: "batch-inference" }] },
      },
      {
        title: "Open interview guide",
        kind: "quickfix.asyncbook.guide",
        command: { title: "Open interview guide", command: "asyncbook.openGuide", arguments: [{ uri, exercise: "batch-inference", guide: "/w/g.md" }] },
      },
    ];
    assert.equal(exerciseFromActions(wire), "batch-inference");
    assert.equal(exerciseFromActions(wire.slice(1)), "batch-inference");
  });

  test("reads kinds given as VS Code CodeActionKind objects too", () => {
    const action = { kind: { value: "quickfix.asyncbook.guide" }, command: { command: "asyncbook.openGuide", arguments: [{ uri, exercise: "model-serving" }] } };
    assert.equal(exerciseFromActions([action]), "model-serving");
  });

  test("no exercise: analyzer hints (no slug), quick fixes, nothing", () => {
    const analyzerHint = {
      kind: "quickfix.asyncbook.hint",
      command: { command: "asyncbook.hint", arguments: [{ uri, analyzer: "timerstop" }] },
    };
    const fix = { kind: "quickfix", command: { command: "x", arguments: [{ exercise: "not-from-a-fix" }] } };
    assert.equal(exerciseFromActions([analyzerHint, fix]), undefined);
    assert.equal(exerciseFromActions([]), undefined);
    assert.equal(exerciseFromActions(null), undefined);
    assert.equal(exerciseFromActions([null, 3, "x", { kind: "quickfix.asyncbook.hint" }]), undefined);
  });
});

const at = (line: number, from: number, to: number) => ({ start: { line, character: from }, end: { line, character: to } });

describe("analyzerOf", () => {
  test("an analyzer finding names its analyzer", () => {
    assert.equal(analyzerOf({ source: "asyncbook", code: "chanleak", range: at(0, 0, 1) }), "chanleak");
    assert.equal(analyzerOf({ source: "asyncbook", code: { value: "timerstop" }, range: at(0, 0, 1) }), "timerstop");
  });
  test("a check's problems and other sources' diagnostics do not", () => {
    for (const code of ["goleak", "timeout", "build", "property:parallel-per-model"]) {
      assert.equal(analyzerOf({ source: "asyncbook", code, range: at(0, 0, 1) }), undefined, code);
    }
    assert.equal(analyzerOf({ source: "compiler", code: "UnusedVar", range: at(0, 0, 1) }), undefined);
    assert.equal(analyzerOf({ source: "asyncbook", range: at(0, 0, 1) }), undefined);
  });
});

describe("hintArgs", () => {
  const diags = [
    { source: "compiler", code: "UnusedVar", range: at(3, 0, 5) },
    { source: "asyncbook", code: "timerstop", range: at(10, 2, 20) },
    { source: "asyncbook", code: "chanleak", range: at(20, 4, 12) },
    { source: "asyncbook", code: "goleak", range: at(4, 0, 10) },
  ];

  test("in a file of an exercise: the exercise's next hint", () => {
    assert.deepEqual(hintArgs(uri, "batch-inference", diags, { line: 10, character: 5 }), { uri, exercise: "batch-inference" });
  });
  test("elsewhere: the finding under the cursor", () => {
    assert.deepEqual(hintArgs(uri, undefined, diags, { line: 20, character: 12 }), { uri, analyzer: "chanleak" });
    assert.deepEqual(hintArgs(uri, undefined, diags, { line: 10, character: 2 }), { uri, analyzer: "timerstop" });
  });
  test("elsewhere, off any finding: the nearest analyzer finding", () => {
    assert.deepEqual(hintArgs(uri, undefined, diags, { line: 17, character: 0 }), { uri, analyzer: "chanleak" });
    assert.deepEqual(hintArgs(uri, undefined, diags, { line: 4, character: 3 }), { uri, analyzer: "timerstop" }, "the goleak problem has no analyzer hint");
  });
  test("nothing to hint about", () => {
    assert.equal(hintArgs(uri, undefined, [], { line: 0, character: 0 }), undefined);
    assert.equal(hintArgs(uri, undefined, [diags[0]!, diags[3]!], { line: 0, character: 0 }), undefined);
  });
});

describe("guideArgs", () => {
  test("only files of an exercise have a guide", () => {
    assert.deepEqual(guideArgs(uri, "batch-inference"), { uri, exercise: "batch-inference" });
    assert.equal(guideArgs(uri, undefined), undefined);
  });
});
