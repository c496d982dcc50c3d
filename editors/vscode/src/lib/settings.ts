// The extension's settings as the server reads them: asyncbook.analyzers
// and the workspace's trust become {"asyncbook": {"analyzers": {...},
// "trusted": bool}}, sent as initializationOptions at start and as
// workspace/didChangeConfiguration's settings after.

/** The settings the server understands (lsp/server Settings). */
export interface ServerSettings {
  asyncbook: {
    analyzers: Record<string, boolean>;
    /** false in Restricted Mode: the server then refuses exercise checks too. */
    trusted: boolean;
  };
}

export interface Parsed {
  settings: ServerSettings;
  /** Entries that were dropped, and why: shown in the output channel. */
  problems: string[];
}

/** Analyzer names are Go identifiers in lower case (see analyzers/registry). */
const ANALYZER_NAME = /^[a-z][a-z0-9_]*$/;

/**
 * Builds the server's settings from the raw asyncbook.analyzers value.
 * Only boolean values under a plausible analyzer name are kept. The map is
 * always sent, empty included: the server replaces its whole on/off map
 * with the one it receives, so an emptied setting turns every analyzer
 * back on.
 */
export function serverSettings(analyzers: unknown, trusted = true): Parsed {
  const problems: string[] = [];
  const out: Record<string, boolean> = {};
  if (analyzers !== undefined && analyzers !== null) {
    if (typeof analyzers !== "object" || Array.isArray(analyzers)) {
      problems.push(`asyncbook.analyzers must be an object of analyzer name → true/false, not ${describe(analyzers)}`);
    } else {
      for (const [name, on] of Object.entries(analyzers as Record<string, unknown>)) {
        if (!ANALYZER_NAME.test(name)) {
          problems.push(`asyncbook.analyzers: ${JSON.stringify(name)} is not an analyzer name`);
          continue;
        }
        if (typeof on !== "boolean") {
          problems.push(`asyncbook.analyzers.${name} must be true or false, not ${describe(on)}`);
          continue;
        }
        out[name] = on;
      }
    }
  }
  return { settings: { asyncbook: { analyzers: out, trusted } }, problems };
}

/** The params of workspace/didChangeConfiguration for these settings. */
export function didChangeConfigurationParams(analyzers: unknown, trusted = true): { settings: ServerSettings } {
  return { settings: serverSettings(analyzers, trusted).settings };
}

/** What a configuration change means for a running server. */
export type ConfigAction = "restart" | "notify" | "none";

/**
 * Decides what to do about a configuration change: a new server path
 * needs a new process; analyzers go to the running server; the trace
 * setting is read by the language client itself.
 */
export function configAction(affects: (section: string) => boolean): ConfigAction {
  if (affects("asyncbook.serverPath")) return "restart";
  if (affects("asyncbook.analyzers")) return "notify";
  return "none";
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return "a list";
  if (v === null) return "null";
  return typeof v === "string" ? JSON.stringify(v) : `${typeof v} ${JSON.stringify(v)}`;
}
