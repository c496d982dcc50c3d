// How to install the server when it is missing: from the workspace when
// the workspace is the asyncbook repository and trusted, otherwise the
// released module.

export const MODULE = "github.com/asyncbook/asyncbook";
export const COMMAND_PACKAGE = `${MODULE}/cmd/asyncbook`;

/** A go command to run, and where. */
export interface InstallPlan {
  /** Arguments of the go command. */
  args: string[];
  /** The folder to run it in; undefined: the home folder. */
  cwd?: string;
  /** What it does, for the offer shown to the user. */
  label: string;
}

/** The module path a go.mod declares, or undefined. */
export function modulePath(goMod: string): string | undefined {
  for (const raw of goMod.split(/\r?\n/)) {
    const line = raw.replace(/\/\/.*$/, "").trim();
    const m = /^module\s+("?)([^\s"]+)\1$/.exec(line);
    if (m) return m[2];
  }
  return undefined;
}

export interface Folder {
  path: string;
  /** The text of the folder's go.mod, if it has one. */
  goMod?: string;
}

/**
 * The install to offer. Building the workspace's own cmd/asyncbook runs
 * the workspace's build (cgo, a toolchain line in its go.mod), so it is
 * offered only in a trusted workspace; `go install ...@latest` ignores
 * the workspace and runs from the home folder.
 */
export function installPlan(folders: Folder[], trusted: boolean): InstallPlan {
  if (trusted) {
    const repo = folders.find((f) => f.goMod !== undefined && modulePath(f.goMod) === MODULE);
    if (repo) {
      return {
        args: ["install", "./cmd/asyncbook"],
        cwd: repo.path,
        label: "go install ./cmd/asyncbook (from this workspace)",
      };
    }
  }
  return {
    args: ["install", `${COMMAND_PACKAGE}@latest`],
    label: `go install ${COMMAND_PACKAGE}@latest`,
  };
}
