// What asyncbook may do in a workspace the user has not trusted.
//
// The server analyses: it loads packages through the go command (`go
// list`, which may compile dependencies for export data) and type-checks
// them in process. Nothing of the workspace's runs, so the server runs in
// Restricted Mode too. Checking an exercise runs the exercise's
// tests (`go test`): workspace code. That never happens untrusted, whoever
// asks: our command, the server's "Check exercise" code lens, or another
// extension executing the server's command.

/** The server command that runs the exercise's tests. */
export const CHECK_COMMAND = "asyncbook.checkExercise";

export const CHECK_REFUSED =
  "asyncbook: checking an exercise runs its tests (go test), and this workspace is not trusted. " +
  "Trust the workspace (Manage Workspace Trust) to check exercises; findings and hints work without it.";

/** The message to refuse a server command with, or undefined to let it run. */
export function refusal(command: string, trusted: boolean): string | undefined {
  if (!trusted && command === CHECK_COMMAND) return CHECK_REFUSED;
  return undefined;
}

interface LensLike {
  command?: { command: string };
}

/** Drops the code lenses that would run a refused command. */
export function allowedLenses<T extends LensLike>(lenses: T[] | null | undefined, trusted: boolean): T[] | null | undefined {
  if (!lenses || trusted) return lenses;
  return lenses.filter((l) => !l.command || refusal(l.command.command, trusted) === undefined);
}

interface ActionLike {
  command?: { command: string } | string;
}

/** Drops the code actions whose command would be refused. */
export function allowedActions<T extends ActionLike>(actions: T[] | null | undefined, trusted: boolean): T[] | null | undefined {
  if (!actions || trusted) return actions;
  return actions.filter((a) => {
    // A Command in the list has the id itself as its command.
    const cmd = typeof a.command === "string" ? a.command : a.command?.command;
    return cmd === undefined || refusal(cmd, trusted) === undefined;
  });
}
