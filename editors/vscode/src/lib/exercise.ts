// The exercise of a file, and the arguments of the server's commands
// (lsp/server CommandArgs: {uri, exercise, analyzer, guide}).

/** The one argument of the server's commands. */
export interface CommandArgs {
  uri: string;
  exercise?: string;
  analyzer?: string;
  guide?: string;
}

/** The server's code action kinds that carry the exercise of a file. */
export const HINT_KIND = "quickfix.asyncbook.hint";
export const GUIDE_KIND = "quickfix.asyncbook.guide";

interface ActionLike {
  kind?: string | { value: string };
  command?: { command: string; arguments?: unknown[] };
}

function kindOf(a: ActionLike): string | undefined {
  if (typeof a.kind === "string") return a.kind;
  return a.kind?.value;
}

/**
 * The exercise slug in the server's hint or guide actions for a file, or
 * undefined when the file belongs to no exercise. The server answers
 * these for every file of an exercise, so asking for them is how the
 * editor learns which exercise a file is in without a copy of the
 * workbook's rules.
 */
export function exerciseFromActions(actions: readonly unknown[] | null | undefined): string | undefined {
  for (const raw of actions ?? []) {
    if (typeof raw !== "object" || raw === null) continue;
    const a = raw as ActionLike;
    const kind = kindOf(a);
    if (kind !== HINT_KIND && kind !== GUIDE_KIND) continue;
    const arg = a.command?.arguments?.[0];
    if (typeof arg === "object" && arg !== null) {
      const slug = (arg as { exercise?: unknown }).exercise;
      if (typeof slug === "string" && slug !== "") return slug;
    }
  }
  return undefined;
}

export interface Pos {
  line: number;
  character: number;
}

/** A diagnostic as far as choosing a hint goes. */
export interface DiagLike {
  source?: string;
  code?: string | number | { value: string | number };
  range: { start: Pos; end: Pos };
}

function codeOf(d: DiagLike): string | undefined {
  const c = typeof d.code === "object" ? d.code.value : d.code;
  return c === undefined ? undefined : String(c);
}

/**
 * The codes of an exercise check's problems (lsp/catalog): they share the
 * source "asyncbook" with the analyzers' findings but have no analyzer
 * hints.
 */
const CHECK_CODES = new Set(["build", "goleak", "timeout"]);

/** The analyzer behind an asyncbook diagnostic, or undefined. */
export function analyzerOf(d: DiagLike): string | undefined {
  if (d.source !== "asyncbook") return undefined;
  const code = codeOf(d);
  if (code === undefined || CHECK_CODES.has(code) || code.includes(":")) return undefined;
  return code;
}

function before(a: Pos, b: Pos): boolean {
  return a.line < b.line || (a.line === b.line && a.character < b.character);
}

function contains(r: { start: Pos; end: Pos }, p: Pos): boolean {
  return !before(p, r.start) && !before(r.end, p);
}

function lineDistance(r: { start: Pos; end: Pos }, p: Pos): number {
  if (p.line < r.start.line) return r.start.line - p.line;
  if (p.line > r.end.line) return p.line - r.end.line;
  return 0;
}

/**
 * The argument of the "next hint" command: the exercise's next hint in a
 * file of an exercise; elsewhere the hint of the asyncbook finding under
 * the cursor, or else of the nearest one in the file. Undefined when there
 * is nothing to hint about.
 */
export function hintArgs(uri: string, exercise: string | undefined, diagnostics: readonly DiagLike[], cursor: Pos): CommandArgs | undefined {
  if (exercise) return { uri, exercise };
  const ours = diagnostics.filter((d) => analyzerOf(d) !== undefined);
  const under = ours.find((d) => contains(d.range, cursor));
  if (under) return { uri, analyzer: analyzerOf(under) };
  let best: DiagLike | undefined;
  for (const d of ours) {
    if (!best || lineDistance(d.range, cursor) < lineDistance(best.range, cursor)) best = d;
  }
  return best ? { uri, analyzer: analyzerOf(best) } : undefined;
}

/**
 * The argument of the "open interview guide" command, or undefined when
 * the file is not part of an exercise.
 */
export function guideArgs(uri: string, exercise: string | undefined): CommandArgs | undefined {
  return exercise ? { uri, exercise } : undefined;
}
