import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { configAction, didChangeConfigurationParams, serverSettings } from "../src/lib/settings";

describe("serverSettings", () => {
  test("asyncbook.analyzers becomes the server's {asyncbook: {analyzers}}", () => {
    const got = serverSettings({ timerstop: false, chanleak: true });
    assert.deepEqual(got.settings, { asyncbook: { analyzers: { timerstop: false, chanleak: true }, severity: {}, trusted: true } });
    assert.deepEqual(got.problems, []);
  });

  test("an unset or empty setting still sends an empty map, so every analyzer is on", () => {
    for (const raw of [undefined, null, {}]) {
      const got = serverSettings(raw);
      assert.deepEqual(got.settings, { asyncbook: { analyzers: {}, severity: {}, trusted: true } }, `for ${JSON.stringify(raw)}`);
      assert.deepEqual(got.problems, []);
    }
  });

  test("values that are not true/false are dropped and reported", () => {
    const got = serverSettings({ timerstop: "off", chanleak: 0, wgmisuse: false, lockblock: null });
    assert.deepEqual(got.settings.asyncbook.analyzers, { wgmisuse: false });
    assert.equal(got.problems.length, 3);
    assert.match(got.problems[0] ?? "", /asyncbook\.analyzers\.timerstop must be true or false, not "off"/);
  });

  test("names that cannot be analyzers are dropped and reported", () => {
    const got = serverSettings({ "Time Stop": false, "": true, ctxcancel: false });
    assert.deepEqual(got.settings.asyncbook.analyzers, { ctxcancel: false });
    assert.equal(got.problems.length, 2);
  });

  test("a value that is not an object is reported, not sent", () => {
    for (const raw of [["timerstop"], "timerstop", 3, true]) {
      const got = serverSettings(raw);
      assert.deepEqual(got.settings.asyncbook.analyzers, {});
      assert.equal(got.problems.length, 1, `for ${JSON.stringify(raw)}`);
      assert.match(got.problems[0] ?? "", /must be an object/);
    }
  });

  test("the settings survive JSON as the server decodes them", () => {
    // lsp/server decodes {"asyncbook": {"analyzers": {...}}} from
    // initializationOptions and from didChangeConfiguration's settings.
    const wire = JSON.parse(JSON.stringify(didChangeConfigurationParams({ busyselect: false })));
    assert.deepEqual(wire, { settings: { asyncbook: { analyzers: { busyselect: false }, severity: {}, trusted: true } } });
  });

  test("asyncbook.profile and asyncbook.severity go with the analyzers", () => {
    const got = serverSettings({ timerstop: false }, true, { profile: "strict", severity: { chanleak: "hint", droppederr: "information" } });
    assert.deepEqual(got.settings, {
      asyncbook: { analyzers: { timerstop: false }, profile: "strict", severity: { chanleak: "hint", droppederr: "information" }, trusted: true },
    });
    assert.deepEqual(got.problems, []);
    // An unset profile (the default "") leaves it to the workspace's .asyncbook.json.
    for (const profile of [undefined, null, ""]) {
      assert.equal(serverSettings({}, true, { profile }).settings.asyncbook.profile, undefined);
    }
  });

  test("a profile or severity the server does not know is reported, not sent", () => {
    const got = serverSettings({}, true, { profile: "loud", severity: { chanleak: "error", "Bad Name": "hint", timerstop: "warning" } });
    assert.equal(got.settings.asyncbook.profile, undefined);
    assert.deepEqual(got.settings.asyncbook.severity, { timerstop: "warning" });
    assert.equal(got.problems.length, 3);
    assert.match(got.problems[0] ?? "", /asyncbook\.profile must be one of default, strict, not "loud"/);
    assert.match(got.problems.join("\n"), /asyncbook\.severity\.chanleak must be one of warning, information, hint/);
    assert.equal(serverSettings({}, true, { severity: ["x"] }).problems.length, 1);
  });

  test("Restricted Mode tells the server the workspace is not trusted", () => {
    assert.equal(serverSettings({}, false).settings.asyncbook.trusted, false);
    const wire = JSON.parse(JSON.stringify(didChangeConfigurationParams({}, false)));
    assert.deepEqual(wire, { settings: { asyncbook: { analyzers: {}, severity: {}, trusted: false } } });
  });
});

describe("configAction", () => {
  const changed = (...sections: string[]) => (s: string) =>
    sections.some((c) => c === s || c.startsWith(`${s}.`) || s.startsWith(`${c}.`));

  test("a new server path restarts the server", () => {
    assert.equal(configAction(changed("asyncbook.serverPath")), "restart");
    assert.equal(configAction(changed("asyncbook.serverPath", "asyncbook.analyzers")), "restart");
  });
  test("analyzers, the profile and severities are sent to the running server", () => {
    assert.equal(configAction(changed("asyncbook.analyzers")), "notify");
    assert.equal(configAction(changed("asyncbook.profile")), "notify");
    assert.equal(configAction(changed("asyncbook.severity.chanleak")), "notify");
    assert.equal(configAction(changed("asyncbook.analyzers.timerstop")), "notify");
  });
  test("the trace setting and other extensions' settings do nothing here", () => {
    assert.equal(configAction(changed("asyncbook.trace.server")), "none");
    assert.equal(configAction(changed("gopls", "go.toolsManagement.autoUpdate")), "none");
  });
});
