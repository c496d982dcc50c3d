// What the status bar item says: the server's state, and the exercise of
// the active file if it belongs to one.

export type ServerState =
  | { kind: "starting" }
  | { kind: "running"; version: string; path: string; source: string }
  | { kind: "missing" }
  | { kind: "bad-setting"; problem: string }
  | { kind: "stopped"; reason: string };

export interface StatusView {
  text: string;
  tooltip: string;
  /** The command a click runs. */
  command: string;
}

export function statusView(state: ServerState, exercise: string | undefined, trusted: boolean): StatusView {
  const restricted = trusted ? "" : "\nRestricted Mode: exercise checks are off until you trust this workspace.";
  switch (state.kind) {
    case "starting":
      return { text: "$(sync~spin) asyncbook", tooltip: "asyncbook: starting the language server" + restricted, command: "asyncbook.restartServer" };
    case "running": {
      const where = `asyncbook ${state.version}\n${state.path} (from ${state.source})`;
      if (exercise) {
        const shield = trusted ? "" : " $(shield)";
        return {
          text: `$(beaker) asyncbook: ${exercise}${shield}`,
          tooltip: `Exercise ${exercise}: click to check it\n${where}${restricted}`,
          command: "asyncbook.check",
        };
      }
      return { text: trusted ? "$(pass) asyncbook" : "$(shield) asyncbook", tooltip: `${where}${restricted}`, command: "asyncbook.restartServer" };
    }
    case "missing":
      return {
        text: "$(warning) asyncbook: not installed",
        tooltip: "The asyncbook language server was not found (asyncbook.serverPath, PATH, GOBIN, GOPATH/bin). Click to install it.",
        command: "asyncbook.installServer",
      };
    case "bad-setting":
      return {
        text: "$(error) asyncbook: bad serverPath",
        tooltip: `asyncbook.serverPath: ${state.problem}`,
        command: "asyncbook.restartServer",
      };
    case "stopped":
      return { text: "$(debug-stop) asyncbook: stopped", tooltip: `${state.reason}\nClick to restart.`, command: "asyncbook.restartServer" };
  }
}
