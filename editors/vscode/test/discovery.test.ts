// Server discovery against real files and real processes: small shell
// scripts stand in for binaries that are (or only look like) asyncbook,
// and for `go env`.

import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, describe, test } from "node:test";

import { type Discovery, discover, expandSetting, parseVersion, type Probe, realProbe, splitList } from "../src/lib/discovery";

const root = mkdtempSync(path.join(tmpdir(), "asyncbook-discovery-"));
after(() => rmSync(root, { recursive: true, force: true }));

let dirs = 0;
/** A fresh folder under the test's temporary root. */
function folder(name: string): string {
  const d = path.join(root, `${++dirs}-${name}`);
  mkdirSync(d, { recursive: true });
  return d;
}

function script(p: string, body: string, mode = 0o755): string {
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, mode);
  return p;
}

/** An executable that answers `version` like asyncbook does. */
function fakeAsyncbook(dir: string, version: string): string {
  return script(path.join(dir, "asyncbook"), `[ "$1" = version ] && echo "asyncbook ${version}" && exit 0\necho "unexpected $*" >&2; exit 2`);
}

/** A go command that answers `go env GOBIN GOPATH`. */
function fakeGo(gobin: string, gopath: string): string {
  const dir = folder("gotool");
  script(path.join(dir, "go"), `[ "$1 $2 $3" = "env GOBIN GOPATH" ] || exit 3\necho "${gobin}"\necho "${gopath}"`);
  return dir;
}

/** The real probe, with PATH limited to dirs (the scripts name /bin/sh). */
function probe(pathDirs: string[], home = folder("home")): Probe {
  return { ...realProbe({ PATH: pathDirs.join(":"), HOME: home }, "linux"), home };
}

function found(d: Discovery): { path: string; source: string; version: string } {
  assert.equal(d.kind, "found", `expected a server, got ${JSON.stringify(d)}`);
  return d as Extract<Discovery, { kind: "found" }>;
}

describe("parseVersion", () => {
  test("reads asyncbook's version line", () => {
    assert.equal(parseVersion("asyncbook v0.1.0-dev\n"), "v0.1.0-dev");
    assert.equal(parseVersion("asyncbook v1.2.3"), "v1.2.3");
  });
  test("rejects what another program prints", () => {
    assert.equal(parseVersion("go version go1.26.8 linux/amd64\n"), undefined);
    assert.equal(parseVersion("asyncbook 1.2.3\n"), undefined, "versions start with v");
    assert.equal(parseVersion("not asyncbook v1\n"), undefined);
    assert.equal(parseVersion(""), undefined);
  });
});

describe("expandSetting", () => {
  const opts = { home: "/home/ada", workspaceFolder: "/work/repo", env: { GOBIN: "/opt/gobin" } };
  test("expands ~, ${userHome}, ${workspaceFolder} and ${env:NAME}", () => {
    assert.equal(expandSetting("~/go/bin/asyncbook", opts), "/home/ada/go/bin/asyncbook");
    assert.equal(expandSetting("${userHome}/bin/asyncbook", opts), "/home/ada/bin/asyncbook");
    assert.equal(expandSetting("${workspaceFolder}/bin/asyncbook", opts), "/work/repo/bin/asyncbook");
    assert.equal(expandSetting("${env:GOBIN}/asyncbook", opts), "/opt/gobin/asyncbook");
  });
  test("resolves a relative path against the workspace folder", () => {
    assert.equal(expandSetting("bin/asyncbook", opts), "/work/repo/bin/asyncbook");
    assert.equal(expandSetting("./asyncbook", opts), "/work/repo/asyncbook");
  });
  test("leaves a bare name and an absolute path alone", () => {
    assert.equal(expandSetting("asyncbook-dev", opts), "asyncbook-dev");
    assert.equal(expandSetting("  /usr/local/bin/asyncbook ", opts), "/usr/local/bin/asyncbook");
    assert.equal(expandSetting("~user/asyncbook", opts), "/work/repo/~user/asyncbook", "only ~/ is the home folder");
  });
});

describe("splitList", () => {
  test("drops empty entries and uses the platform's separator", () => {
    assert.deepEqual(splitList("/a::/b:", "linux"), ["/a", "/b"]);
    assert.deepEqual(splitList("C:\\go\\bin;;D:\\x", "win32"), ["C:\\go\\bin", "D:\\x"]);
    assert.deepEqual(splitList(undefined, "linux"), []);
  });
});

describe("discover", () => {
  test("the setting wins over PATH, GOBIN and GOPATH", async () => {
    const onPath = folder("path");
    fakeAsyncbook(onPath, "v1.0.0-path");
    const configured = fakeAsyncbook(folder("configured"), "v9.9.9-setting");
    const gobin = folder("gobin");
    fakeAsyncbook(gobin, "v1.0.0-gobin");
    const got = found(await discover({ setting: configured }, probe([onPath, fakeGo(gobin, folder("gopath"))])));
    assert.deepEqual({ path: got.path, source: got.source, version: got.version }, { path: configured, source: "setting", version: "v9.9.9-setting" });
  });

  test("a setting relative to the workspace folder, or with ~, is expanded", async () => {
    const ws = folder("workspace");
    const bin = fakeAsyncbook(path.join(ws, "bin"), "v0.2.0");
    let got = found(await discover({ setting: "bin/asyncbook", workspaceFolder: ws }, probe([])));
    assert.equal(got.path, bin);
    const home = folder("home");
    const inHome = fakeAsyncbook(path.join(home, "go", "bin"), "v0.3.0");
    got = found(await discover({ setting: "~/go/bin/asyncbook" }, probe([], home)));
    assert.equal(got.path, inHome);
    assert.equal(got.version, "v0.3.0");
  });

  test("a bare name in the setting is looked up on PATH", async () => {
    const dir = folder("path");
    const dev = script(path.join(dir, "asyncbook-dev"), 'echo "asyncbook v0.0.0-dev"');
    const got = found(await discover({ setting: "asyncbook-dev" }, probe([dir])));
    assert.equal(got.path, dev);
    assert.equal(got.source, "setting");
  });

  test("a bad setting is reported, not passed over for PATH", async () => {
    const onPath = folder("path");
    fakeAsyncbook(onPath, "v1.0.0");
    const p = probe([onPath]);

    const missing = path.join(folder("nothing"), "asyncbook");
    let got = await discover({ setting: missing }, p);
    assert.equal(got.kind, "bad-setting");
    assert.match((got as { problem: string }).problem, /no executable file/);

    const impostor = script(path.join(folder("impostor"), "asyncbook"), 'echo "gopls v0.20.0"');
    got = await discover({ setting: impostor }, p);
    assert.equal(got.kind, "bad-setting");
    assert.match((got as { problem: string }).problem, /not the asyncbook binary/);

    got = await discover({ setting: "no-such-asyncbook" }, p);
    assert.equal(got.kind, "bad-setting");
    assert.match((got as { problem: string }).problem, /not on PATH/);
  });

  test("without a setting: PATH, then GOBIN, then each GOPATH entry's bin", async () => {
    const onPath = folder("path");
    const gobin = folder("gobin");
    const gopath1 = folder("gopath1");
    const gopath2 = folder("gopath2");
    fakeAsyncbook(onPath, "v1.0.0-path");
    fakeAsyncbook(gobin, "v1.0.0-gobin");
    fakeAsyncbook(path.join(gopath2, "bin"), "v1.0.0-gopath2");
    const goDir = fakeGo(gobin, `${gopath1}:${gopath2}`);

    let got = found(await discover({ setting: "" }, probe([onPath, goDir])));
    assert.equal(got.source, "PATH");
    assert.equal(got.version, "v1.0.0-path");

    got = found(await discover({ setting: "" }, probe([goDir])));
    assert.equal(got.source, "GOBIN");
    assert.equal(got.path, path.join(gobin, "asyncbook"));

    const noGobin = fakeGo("", `${gopath1}:${gopath2}`);
    got = found(await discover({ setting: "   " }, probe([noGobin])));
    assert.equal(got.source, "GOPATH");
    assert.equal(got.path, path.join(gopath2, "bin", "asyncbook"), "the first GOPATH entry has none; the second does");
  });

  test("an impostor or a non-executable file on PATH is skipped, and said so", async () => {
    const impostorDir = folder("impostor");
    script(path.join(impostorDir, "asyncbook"), 'echo "some other asyncbook tool 1.0"');
    const plainDir = folder("plain");
    script(path.join(plainDir, "asyncbook"), 'echo "asyncbook v1"', 0o644);
    const gobin = folder("gobin");
    fakeAsyncbook(gobin, "v2.0.0");
    const got = await discover({ setting: "" }, probe([plainDir, impostorDir, fakeGo(gobin, folder("gopath"))]));
    const hit = found(got);
    assert.equal(hit.source, "GOBIN");
    const tried = (got as Extract<Discovery, { kind: "found" }>).tried;
    assert.equal(tried.length, 1);
    assert.equal(tried[0]?.path, path.join(impostorDir, "asyncbook"), "the shell would also skip the non-executable file");
    assert.match(tried[0]?.problem ?? "", /not the asyncbook binary/);
  });

  test("a binary whose version command fails is rejected", async () => {
    const dir = folder("broken");
    script(path.join(dir, "asyncbook"), 'echo "panic: boom" >&2; exit 2');
    const got = await discover({ setting: "" }, probe([dir, fakeGo("", folder("gopath"))]));
    assert.equal(got.kind, "missing");
    const tried = (got as Extract<Discovery, { kind: "missing" }>).tried;
    assert.equal(tried[0]?.source, "PATH");
    assert.match(tried[0]?.problem ?? "", /panic: boom/);
  });

  test("nothing anywhere: missing, with each place tried", async () => {
    const gobin = folder("gobin");
    const gopath = folder("gopath");
    const got = await discover({ setting: "" }, probe([fakeGo(gobin, gopath)]));
    assert.equal(got.kind, "missing");
    const tried = (got as Extract<Discovery, { kind: "missing" }>).tried;
    assert.deepEqual(
      tried.map((t) => t.source),
      ["PATH", "GOBIN", "GOPATH"],
    );
  });

  test("without a go command: missing, saying go env failed", async () => {
    const got = await discover({ setting: "" }, probe([folder("empty")]));
    assert.equal(got.kind, "missing");
    assert.match((got as Extract<Discovery, { kind: "missing" }>).goProblem ?? "", /go env GOBIN GOPATH/);
  });

  test("the real go command reports a GOPATH", async () => {
    const env = realProbe();
    const goEnv = await env.goEnv();
    assert.notEqual(goEnv.GOPATH, "", "go env GOPATH is never empty");
  });

  test("the asyncbook binary built from this repository is found and answers version", async (t) => {
    const bin = process.env.ASYNCBOOK_TEST_BIN;
    if (!bin) {
      if (process.env.CI) assert.fail("ASYNCBOOK_TEST_BIN must name the built asyncbook binary in CI (editors/vscode/test.sh sets it)");
      t.skip("ASYNCBOOK_TEST_BIN is not set (test.sh builds the binary and sets it)");
      return;
    }
    const got = found(await discover({ setting: "" }, probe([path.dirname(bin)])));
    assert.equal(got.path, bin);
    assert.match(got.version, /^v\d+\.\d+\.\d+/);
  });
});
