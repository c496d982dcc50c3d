// The asyncbook extension: starts `asyncbook lsp` for Go files beside the
// Go extension, and adds the exercise commands and a status bar item. The
// decisions (which binary, which settings, what trust allows, which
// exercise) are in ./lib, tested without VS Code; this file wires them to
// the editor.

import * as os from "node:os";
import * as vscode from "vscode";
import {
  CodeActionRequest,
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  LanguageClient,
  type LanguageClientOptions,
  ResponseError,
  RevealOutputChannelOn,
  type ServerOptions,
  State,
} from "vscode-languageclient/node";

import { describeAttempts, discover, realProbe } from "./lib/discovery";
import { type CommandArgs, exerciseFromActions, GUIDE_KIND, guideArgs, HINT_KIND, hintArgs } from "./lib/exercise";
import { type Folder, installPlan } from "./lib/install";
import { configAction, didChangeConfigurationParams, serverSettings } from "./lib/settings";
import { type ServerState, statusView } from "./lib/status";
import { allowedActions, allowedLenses, CHECK_COMMAND, CHECK_REFUSED, refusal } from "./lib/trust";

const HINT_COMMAND = "asyncbook.hint";
const GUIDE_COMMAND = "asyncbook.openGuide";

let extension: Extension | undefined;

export function activate(context: vscode.ExtensionContext): void {
  extension = new Extension(context);
  // The server starts in the background: activation (and so the commands)
  // does not wait for `go env` or the server's initialize.
  void extension.start();
}

export async function deactivate(): Promise<void> {
  await extension?.stop();
  extension = undefined;
}

function isGoFile(doc: vscode.TextDocument | undefined): doc is vscode.TextDocument {
  return doc !== undefined && doc.languageId === "go" && doc.uri.scheme === "file";
}

function config(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration("asyncbook");
}

/** asyncbook.profile and asyncbook.severity, as the settings module takes them. */
function moreSettings(): { profile: unknown; severity: unknown } {
  return { profile: config().get("profile"), severity: config().get("severity") };
}

class Extension {
  private client: LanguageClient | undefined;
  private state: ServerState = { kind: "starting" };
  private readonly output: vscode.OutputChannel;
  private readonly status: vscode.StatusBarItem;
  /**
   * The exercise of each file the server was asked about; "" for none. A
   * "none" is forgotten when the file's diagnostics change: the server may
   * have been asked before it had the file (just after a start).
   */
  private readonly exercises = new Map<string, string>();
  /** asyncbook.serverPath as the running server was found with. */
  private serverPathSetting = "";
  /** Serialises starts and stops. */
  private lifecycle: Promise<void> = Promise.resolve();

  constructor(private readonly context: vscode.ExtensionContext) {
    this.output = vscode.window.createOutputChannel("asyncbook");
    this.status = vscode.window.createStatusBarItem("asyncbook.status", vscode.StatusBarAlignment.Left, 0);
    this.status.name = "asyncbook";
    context.subscriptions.push(
      this.output,
      this.status,
      vscode.commands.registerCommand("asyncbook.check", () => this.checkExercise()),
      vscode.commands.registerCommand("asyncbook.nextHint", () => this.nextHint()),
      vscode.commands.registerCommand("asyncbook.openInterviewGuide", () => this.openGuide()),
      vscode.commands.registerCommand("asyncbook.restartServer", () => this.restart()),
      vscode.commands.registerCommand("asyncbook.installServer", () => this.install()),
      vscode.workspace.onDidChangeConfiguration((e) => this.configurationChanged(e)),
      vscode.window.onDidChangeActiveTextEditor(() => void this.refreshExercise()),
      vscode.languages.onDidChangeDiagnostics((e) => {
        let stale = false;
        for (const uri of e.uris) {
          const key = uri.toString();
          if (this.exercises.get(key) === "") {
            this.exercises.delete(key);
            stale = true;
          }
        }
        if (stale) void this.refreshExercise();
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        // The server refuses checks until it hears the workspace is trusted.
        const client = this.client;
        if (client?.isRunning()) {
          void client.sendNotification(
            DidChangeConfigurationNotification.type,
            didChangeConfigurationParams(config().get("analyzers"), true, moreSettings()),
          );
        }
        this.exercises.clear();
        void this.refreshExercise();
      }),
    );
    this.render();
    this.status.show();
  }

  start(): Promise<void> {
    return this.serialise(() => this.startNow());
  }

  stop(): Promise<void> {
    return this.serialise(() => this.stopNow());
  }

  restart(): Promise<void> {
    return this.serialise(async () => {
      await this.stopNow();
      await this.startNow();
    });
  }

  private serialise(step: () => Promise<void>): Promise<void> {
    const next = this.lifecycle.then(step, step);
    this.lifecycle = next.catch(() => undefined);
    return next;
  }

  private setState(state: ServerState): void {
    this.state = state;
    this.render();
  }

  private render(): void {
    const doc = vscode.window.activeTextEditor?.document;
    const exercise = isGoFile(doc) ? this.exercises.get(doc.uri.toString()) || undefined : undefined;
    const view = statusView(this.state, exercise, vscode.workspace.isTrusted);
    this.status.text = view.text;
    this.status.tooltip = view.tooltip;
    this.status.command = view.command;
  }

  private log(line: string): void {
    this.output.appendLine(line);
  }

  private async startNow(): Promise<void> {
    this.setState({ kind: "starting" });
    this.exercises.clear();
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const setting = config().get<string>("serverPath", "");
    this.serverPathSetting = setting;
    const found = await discover({ setting, workspaceFolder: folder }, realProbe());
    if (found.kind === "bad-setting") {
      this.log(`asyncbook.serverPath ${JSON.stringify(found.setting)}: ${found.problem}`);
      this.setState({ kind: "bad-setting", problem: found.problem });
      void vscode.window
        .showErrorMessage(`asyncbook.serverPath (${found.path}): ${found.problem}`, "Open Settings")
        .then((pick) => pick && vscode.commands.executeCommand("workbench.action.openSettings", "asyncbook.serverPath"));
      return;
    }
    if (found.kind === "missing") {
      this.log("The asyncbook language server was not found:");
      for (const line of describeAttempts(found.tried)) this.log(`  ${line}`);
      if (found.goProblem) this.log(`  ${found.goProblem}`);
      this.setState({ kind: "missing" });
      void this.offerInstall();
      return;
    }
    for (const line of describeAttempts(found.tried)) this.log(`skipped ${line}`);
    this.log(`Starting ${found.path} lsp (asyncbook ${found.version}, from ${found.source})`);

    const parsed = serverSettings(config().get("analyzers"), vscode.workspace.isTrusted, moreSettings());
    for (const p of parsed.problems) this.log(p);

    const serverOptions: ServerOptions = {
      command: found.path,
      // stdio, without a transport: the client would add --stdio, which
      // `asyncbook lsp` does not take.
      args: ["lsp"],
      options: { cwd: folder ?? os.homedir() },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ language: "go", scheme: "file" }],
      diagnosticCollectionName: "asyncbook",
      initializationOptions: parsed.settings,
      outputChannel: this.output,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      middleware: {
        executeCommand: async (command, args, next) => {
          const why = refusal(command, vscode.workspace.isTrusted);
          if (why) {
            void vscode.window.showWarningMessage(why);
            return undefined;
          }
          if (command === CHECK_COMMAND) await saveArgDocument(args);
          return next(command, args);
        },
        provideCodeLenses: async (doc, token, next) => allowedLenses(await next(doc, token), vscode.workspace.isTrusted),
        provideCodeActions: async (doc, range, ctx, token, next) =>
          allowedActions(await next(doc, range, ctx, token), vscode.workspace.isTrusted),
      },
    };
    const client = new LanguageClient("asyncbook", "asyncbook", serverOptions, clientOptions);
    this.client = client;
    client.onDidChangeState((e) => {
      if (this.client !== client) return;
      if (e.newState === State.Running) {
        this.setState({ kind: "running", version: found.version, path: found.path, source: found.source });
        void this.refreshExercise();
      } else if (e.newState === State.Stopped) {
        this.setState({ kind: "stopped", reason: "The asyncbook language server stopped (see the asyncbook output)." });
      } else {
        this.setState({ kind: "starting" });
      }
    });
    try {
      await client.start();
    } catch (err) {
      this.log(`Starting the server failed: ${errorText(err)}`);
      this.setState({ kind: "stopped", reason: `Starting ${found.path} lsp failed: ${errorText(err)}` });
    }
  }

  private async stopNow(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) {
      try {
        if (client.isRunning()) await client.stop(5000);
      } catch (err) {
        this.log(`Stopping the server: ${errorText(err)}`);
      }
      await client.dispose().catch(() => undefined);
    }
    this.setState({ kind: "stopped", reason: "The asyncbook language server is not running." });
  }

  private configurationChanged(e: vscode.ConfigurationChangeEvent): void {
    switch (configAction((section) => e.affectsConfiguration(section))) {
      case "restart":
        // VS Code also reports a change when a value only became visible
        // or hidden (scopes, trust): restart only for a different path.
        if (config().get<string>("serverPath", "") !== this.serverPathSetting) void this.restart();
        return;
      case "notify": {
        const raw = config().get("analyzers");
        for (const p of serverSettings(raw, true, moreSettings()).problems) this.log(p);
        const client = this.client;
        if (client?.isRunning()) {
          void client.sendNotification(
            DidChangeConfigurationNotification.type,
            didChangeConfigurationParams(raw, vscode.workspace.isTrusted, moreSettings()),
          );
        }
        return;
      }
      case "none":
        return;
    }
  }

  /** The exercise of a Go file, asked of the server (cached per file). */
  private async exerciseOf(doc: vscode.TextDocument): Promise<string | undefined> {
    const key = doc.uri.toString();
    const known = this.exercises.get(key);
    if (known !== undefined) return known || undefined;
    const client = this.client;
    if (!client?.isRunning()) return undefined;
    try {
      const actions = await client.sendRequest(CodeActionRequest.type, {
        textDocument: { uri: client.code2ProtocolConverter.asUri(doc.uri) },
        range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
        context: { diagnostics: [], only: [HINT_KIND, GUIDE_KIND] },
      });
      const slug = exerciseFromActions(actions);
      this.exercises.set(key, slug ?? "");
      return slug;
    } catch (err) {
      this.log(`Asking which exercise ${doc.uri.fsPath} is in: ${errorText(err)}`);
      return undefined;
    }
  }

  private async refreshExercise(): Promise<void> {
    const doc = vscode.window.activeTextEditor?.document;
    if (isGoFile(doc)) await this.exerciseOf(doc);
    this.render();
  }

  /** The active Go file, or a message saying why there is none. */
  private activeGoEditor(): vscode.TextEditor | undefined {
    const editor = vscode.window.activeTextEditor;
    if (!editor || !isGoFile(editor.document)) {
      void vscode.window.showInformationMessage("asyncbook: open a Go file of an exercise first.");
      return undefined;
    }
    return editor;
  }

  /** The running client, or a message saying why there is none. */
  private runningClient(): LanguageClient | undefined {
    const client = this.client;
    if (!client?.isRunning()) {
      void vscode.window.showWarningMessage("asyncbook: the language server is not running.", "Restart Server").then((pick) => {
        if (pick) void this.restart();
      });
      return undefined;
    }
    return client;
  }

  private async execute(command: string, args: CommandArgs): Promise<unknown> {
    const client = this.runningClient();
    if (!client) return undefined;
    try {
      return await client.sendRequest(ExecuteCommandRequest.type, { command, arguments: [args] });
    } catch (err) {
      const msg = err instanceof ResponseError ? err.message : errorText(err);
      void vscode.window.showErrorMessage(`asyncbook: ${msg}`);
      return undefined;
    }
  }

  private async checkExercise(): Promise<void> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage(CHECK_REFUSED, "Manage Workspace Trust").then((pick) => {
        if (pick) void vscode.commands.executeCommand("workbench.trust.manage");
      });
      return;
    }
    const editor = this.activeGoEditor();
    if (!editor || !this.runningClient()) return;
    // The check builds the files on disk.
    if (editor.document.isDirty) await editor.document.save();
    await this.execute(CHECK_COMMAND, { uri: editor.document.uri.toString() });
  }

  private async nextHint(): Promise<void> {
    const editor = this.activeGoEditor();
    if (!editor || !this.runningClient()) return;
    const doc = editor.document;
    const exercise = await this.exerciseOf(doc);
    const args = hintArgs(doc.uri.toString(), exercise, vscode.languages.getDiagnostics(doc.uri), editor.selection.active);
    if (!args) {
      void vscode.window.showInformationMessage("asyncbook: this file is not part of an exercise and has no asyncbook findings to hint about.");
      return;
    }
    await this.execute(HINT_COMMAND, args);
  }

  private async openGuide(): Promise<void> {
    const editor = this.activeGoEditor();
    if (!editor || !this.runningClient()) return;
    const args = guideArgs(editor.document.uri.toString(), await this.exerciseOf(editor.document));
    if (!args) {
      void vscode.window.showInformationMessage("asyncbook: this file is not part of an exercise, so it has no interview guide.");
      return;
    }
    await this.execute(GUIDE_COMMAND, args);
  }

  private async offerInstall(): Promise<void> {
    const plan = installPlan(await workspaceFolders(), vscode.workspace.isTrusted);
    const pick = await vscode.window.showWarningMessage(
      `asyncbook: the language server was not found (asyncbook.serverPath, PATH, GOBIN, GOPATH/bin). Install it with ${plan.label}?`,
      "Install",
      "Set asyncbook.serverPath",
    );
    if (pick === "Install") await this.install();
    else if (pick) await vscode.commands.executeCommand("workbench.action.openSettings", "asyncbook.serverPath");
  }

  /**
   * Runs the install in a terminal, where the user sees it (tasks do not
   * run in Restricted Mode; a terminal does, and @latest builds nothing of
   * the workspace). When go exits 0 the terminal closes and the server
   * starts.
   */
  private async install(): Promise<void> {
    const plan = installPlan(await workspaceFolders(), vscode.workspace.isTrusted);
    this.log(`Running go ${plan.args.join(" ")} in ${plan.cwd ?? os.homedir()}`);
    const terminal = vscode.window.createTerminal({
      name: "asyncbook: install",
      cwd: plan.cwd ?? os.homedir(),
      shellPath: "go",
      shellArgs: plan.args,
    });
    const done = vscode.window.onDidCloseTerminal((t) => {
      if (t !== terminal) return;
      done.dispose();
      const code = t.exitStatus?.code;
      if (code === 0) {
        void vscode.window.showInformationMessage("asyncbook: installed; starting the language server.");
        void this.restart();
      } else {
        void vscode.window.showErrorMessage(`asyncbook: ${plan.label} failed (exit status ${code ?? "unknown"}).`);
      }
    });
    this.context.subscriptions.push(done);
    terminal.show();
  }
}

/** Saves the document named by a server command's argument, if dirty. */
async function saveArgDocument(args: unknown[]): Promise<void> {
  const arg = args[0];
  if (typeof arg !== "object" || arg === null) return;
  const uri = (arg as { uri?: unknown }).uri;
  if (typeof uri !== "string") return;
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);
  if (doc?.isDirty) await doc.save();
}

/** The workspace folders with the text of their go.mod. */
async function workspaceFolders(): Promise<Folder[]> {
  const out: Folder[] = [];
  for (const f of vscode.workspace.workspaceFolders ?? []) {
    let goMod: string | undefined;
    try {
      goMod = new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(f.uri, "go.mod")));
    } catch {
      goMod = undefined;
    }
    out.push({ path: f.uri.fsPath, goMod });
  }
  return out;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
