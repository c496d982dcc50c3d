// Finding the asyncbook binary: the asyncbook.serverPath setting, then
// PATH, then GOBIN and GOPATH/bin as `go env` reports them; each candidate
// must answer `asyncbook version`. No VS Code API here, so the order and
// the checks are tested with plain node.

import { execFile } from "node:child_process";
import { constants as fsConstants, promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** Where a candidate binary came from, in the order they are tried. */
export type Source = "setting" | "PATH" | "GOBIN" | "GOPATH";

export interface Candidate {
  path: string;
  source: Source;
}

/** A candidate that was looked at and rejected, and why. */
export interface Attempt extends Candidate {
  problem: string;
}

export type Discovery =
  | { kind: "found"; path: string; source: Source; version: string; tried: Attempt[] }
  // The setting names a binary that is not one: no fallback, the user
  // asked for that binary.
  | { kind: "bad-setting"; setting: string; path: string; problem: string }
  | { kind: "missing"; tried: Attempt[]; goProblem?: string };

/** What discovery needs from the machine; realProbe() is the real thing. */
export interface Probe {
  /** PATH and the other variables of the environment the server starts in. */
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  home: string;
  /** Reports whether p is an executable regular file. */
  isExecutable(p: string): Promise<boolean>;
  /** Runs `p version` and returns what it printed on stdout. */
  runVersion(p: string): Promise<string>;
  /** Runs `go env GOBIN GOPATH` and returns its two lines. */
  goEnv(): Promise<{ GOBIN: string; GOPATH: string }>;
}

export interface DiscoverOptions {
  /** The asyncbook.serverPath setting, as written ("" when unset). */
  setting: string;
  /** The first workspace folder, for ${workspaceFolder} and relative paths. */
  workspaceFolder?: string;
}

const VERSION_LINE = /^asyncbook (v\S+)\s*$/m;

/**
 * Parses the output of `asyncbook version` ("asyncbook v0.1.0"), returning
 * the version or undefined when the output is not asyncbook's.
 */
export function parseVersion(stdout: string): string | undefined {
  return VERSION_LINE.exec(stdout)?.[1];
}

/** The binary's file name on this platform. */
export function binaryName(platform: NodeJS.Platform): string {
  return platform === "win32" ? "asyncbook.exe" : "asyncbook";
}

/**
 * Expands ~ and ${workspaceFolder}/${userHome}/${env:NAME} in a configured
 * path, and makes a relative path with a separator relative to the
 * workspace folder. A bare name ("asyncbook-dev") is returned as is: it is
 * looked up on PATH.
 */
export function expandSetting(
  setting: string,
  opts: { home: string; workspaceFolder?: string; env: NodeJS.ProcessEnv },
): string {
  let p = setting.trim();
  p = p.replace(/\$\{(workspaceFolder|userHome|env:([A-Za-z_][A-Za-z0-9_]*))\}/g, (whole, name: string, envName?: string) => {
    if (name === "userHome") return opts.home;
    if (name === "workspaceFolder") return opts.workspaceFolder ?? whole;
    return opts.env[envName ?? ""] ?? "";
  });
  if (p === "~") p = opts.home;
  else if (p.startsWith("~/") || p.startsWith("~\\")) p = path.join(opts.home, p.slice(2));
  if (!path.isAbsolute(p) && /[\\/]/.test(p) && opts.workspaceFolder) {
    p = path.join(opts.workspaceFolder, p);
  }
  return p;
}

/** The directories of a PATH-like list, empty entries dropped. */
export function splitList(list: string | undefined, platform: NodeJS.Platform): string[] {
  const sep = platform === "win32" ? ";" : ":";
  return (list ?? "").split(sep).filter((d) => d.length > 0);
}

/** Finds name in the PATH directories, like a shell would. */
async function lookPath(name: string, probe: Probe): Promise<string | undefined> {
  for (const dir of splitList(probe.env.PATH ?? probe.env.Path, probe.platform)) {
    const p = path.join(dir, name);
    if (await probe.isExecutable(p)) return p;
  }
  return undefined;
}

/** Checks one candidate: an executable that says it is asyncbook. */
async function check(c: Candidate, probe: Probe): Promise<{ version: string } | { problem: string }> {
  if (!(await probe.isExecutable(c.path))) {
    return { problem: "no executable file there" };
  }
  let out: string;
  try {
    out = await probe.runVersion(c.path);
  } catch (err) {
    return { problem: `\`${c.path} version\` failed: ${errorText(err)}` };
  }
  const version = parseVersion(out);
  if (!version) {
    const first = out.trim().split("\n")[0] ?? "";
    return { problem: `\`version\` printed ${JSON.stringify(first)}, not "asyncbook vX": not the asyncbook binary` };
  }
  return { version };
}

/**
 * Finds the server binary. The setting wins when set, and a bad setting is
 * reported rather than silently passed over. Otherwise PATH, then GOBIN,
 * then each GOPATH entry's bin folder (where `go install` puts it).
 */
export async function discover(opts: DiscoverOptions, probe: Probe): Promise<Discovery> {
  const name = binaryName(probe.platform);
  const setting = opts.setting.trim();
  if (setting !== "") {
    let p = expandSetting(setting, { home: probe.home, workspaceFolder: opts.workspaceFolder, env: probe.env });
    if (!path.isAbsolute(p)) {
      const found = await lookPath(p, probe);
      if (!found) {
        return { kind: "bad-setting", setting, path: p, problem: `${p} is not on PATH` };
      }
      p = found;
    }
    const res = await check({ path: p, source: "setting" }, probe);
    if ("problem" in res) return { kind: "bad-setting", setting, path: p, problem: res.problem };
    return { kind: "found", path: p, source: "setting", version: res.version, tried: [] };
  }

  const tried: Attempt[] = [];
  const seen = new Set<string>();
  const tryCandidate = async (c: Candidate): Promise<Discovery | undefined> => {
    if (seen.has(c.path)) return undefined;
    seen.add(c.path);
    const res = await check(c, probe);
    if ("problem" in res) {
      tried.push({ ...c, problem: res.problem });
      return undefined;
    }
    return { kind: "found", ...c, version: res.version, tried };
  };

  const onPath = await lookPath(name, probe);
  if (onPath) {
    const hit = await tryCandidate({ path: onPath, source: "PATH" });
    if (hit) return hit;
  } else {
    tried.push({ path: name, source: "PATH", problem: "not on PATH" });
  }

  let goEnv: { GOBIN: string; GOPATH: string };
  try {
    goEnv = await probe.goEnv();
  } catch (err) {
    return { kind: "missing", tried, goProblem: `\`go env GOBIN GOPATH\` failed: ${errorText(err)}` };
  }
  if (goEnv.GOBIN !== "") {
    const hit = await tryCandidate({ path: path.join(goEnv.GOBIN, name), source: "GOBIN" });
    if (hit) return hit;
  }
  for (const dir of splitList(goEnv.GOPATH, probe.platform)) {
    const hit = await tryCandidate({ path: path.join(dir, "bin", name), source: "GOPATH" });
    if (hit) return hit;
  }
  return { kind: "missing", tried };
}

/** One line per rejected candidate, for the output channel. */
export function describeAttempts(tried: Attempt[]): string[] {
  return tried.map((a) => `${a.source}: ${a.path}: ${a.problem}`);
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message.trim().split("\n")[0] ?? String(err);
  return String(err);
}

/** How long a `version` or `go env` run may take before it counts as failed. */
const RUN_TIMEOUT_MS = 10_000;

function run(file: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, cwd, timeout: RUN_TIMEOUT_MS, windowsHide: true }, (err, stdout, stderr) => {
      if (err) {
        // Node's message repeats the command line; say how it ended and
        // the first thing it said on stderr.
        const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: number | string };
        let how: string;
        if (e.killed) how = `no answer within ${RUN_TIMEOUT_MS / 1000}s`;
        else if (typeof e.code === "number") how = `exit status ${e.code}`;
        else how = e.code ? String(e.code) : e.message;
        const said = String(stderr).trim().split(/\r?\n/)[0];
        reject(new Error(said ? `${how}: ${said}` : how));
        return;
      }
      resolve(String(stdout));
    });
  });
}

/**
 * The real machine. `go env` runs in the home folder, not the workspace: a
 * go.mod there could name another toolchain for the go command to fetch.
 */
export function realProbe(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): Probe {
  const home = os.homedir();
  return {
    env,
    platform,
    home,
    async isExecutable(p: string): Promise<boolean> {
      try {
        const st = await fs.stat(p);
        if (!st.isFile()) return false;
        if (platform !== "win32") await fs.access(p, fsConstants.X_OK);
        return true;
      } catch {
        return false;
      }
    },
    runVersion: (p: string) => run(p, ["version"], env, home),
    async goEnv() {
      const out = await run("go", ["env", "GOBIN", "GOPATH"], env, home);
      const [gobin = "", gopath = ""] = out.split(/\r?\n/);
      return { GOBIN: gobin.trim(), GOPATH: gopath.trim() };
    },
  };
}
