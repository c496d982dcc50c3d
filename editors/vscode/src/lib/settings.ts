// The extension's settings as the server reads them: asyncbook.analyzers,
// asyncbook.profile, asyncbook.severity and the workspace's trust become
// {"asyncbook": {"analyzers": {...}, "profile": ..., "severity": {...},
// "trusted": bool}}, sent as initializationOptions at start and as
// workspace/didChangeConfiguration's settings after. They go on top of the
// workspace's .asyncbook.json, which asyncvet and `asyncbook check` read
// too; the server sends them with every exercise check.

/** The settings the server understands (lsp/server Settings). */
export interface ServerSettings {
  asyncbook: {
    analyzers: Record<string, boolean>;
    /** "default" or "strict"; absent: the settings file's, else default. */
    profile?: string;
    severity: Record<string, string>;
    /** false in Restricted Mode: the server then refuses exercise checks too. */
    trusted: boolean;
  };
}

/** The raw values of asyncbook.profile and asyncbook.severity. */
export interface MoreSettings {
  profile?: unknown;
  severity?: unknown;
}

const PROFILES = ["default", "strict"];
const SEVERITIES = ["warning", "information", "hint"];

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
export function serverSettings(analyzers: unknown, trusted = true, more: MoreSettings = {}): Parsed {
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
  const settings: ServerSettings = { asyncbook: { analyzers: out, severity: {}, trusted } };
  const profile = more.profile;
  if (profile !== undefined && profile !== null && profile !== "") {
    if (typeof profile === "string" && PROFILES.includes(profile)) {
      settings.asyncbook.profile = profile;
    } else {
      problems.push(`asyncbook.profile must be one of ${PROFILES.join(", ")}, not ${describe(profile)}`);
    }
  }
  const severity = more.severity;
  if (severity !== undefined && severity !== null) {
    if (typeof severity !== "object" || Array.isArray(severity)) {
      problems.push(`asyncbook.severity must be an object of analyzer name → severity, not ${describe(severity)}`);
    } else {
      for (const [name, sev] of Object.entries(severity as Record<string, unknown>)) {
        if (!ANALYZER_NAME.test(name)) {
          problems.push(`asyncbook.severity: ${JSON.stringify(name)} is not an analyzer name`);
        } else if (typeof sev !== "string" || !SEVERITIES.includes(sev)) {
          problems.push(`asyncbook.severity.${name} must be one of ${SEVERITIES.join(", ")}, not ${describe(sev)}`);
        } else {
          settings.asyncbook.severity[name] = sev;
        }
      }
    }
  }
  return { settings, problems };
}

/** The params of workspace/didChangeConfiguration for these settings. */
export function didChangeConfigurationParams(analyzers: unknown, trusted = true, more: MoreSettings = {}): { settings: ServerSettings } {
  return { settings: serverSettings(analyzers, trusted, more).settings };
}

/** What a configuration change means for a running server. */
export type ConfigAction = "restart" | "notify" | "none";

/**
 * Decides what to do about a configuration change: a new server path
 * needs a new process; analyzers, profile and severities go to the running
 * server; the trace setting is read by the language client itself.
 */
export function configAction(affects: (section: string) => boolean): ConfigAction {
  if (affects("asyncbook.serverPath")) return "restart";
  if (affects("asyncbook.analyzers") || affects("asyncbook.profile") || affects("asyncbook.severity")) return "notify";
  return "none";
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return "a list";
  if (v === null) return "null";
  return typeof v === "string" ? JSON.stringify(v) : `${typeof v} ${JSON.stringify(v)}`;
}
