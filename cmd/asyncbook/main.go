// Command asyncbook is the learner's front door to the workbook: list, start,
// check, hint, guide, solution, watch and grade exercises, and `asyncbook lsp`
// serves the language server on stdio.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/asyncbook/asyncbook/workbook"
)

// version is set at build time with -ldflags "-X main.version=..."; a plain
// build reports the module's development version.
var version = "v0.1.0-dev"

// env is what every subcommand gets.
type env struct {
	ctx    context.Context
	args   []string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	ui     *ui
}

// command is one subcommand; it returns the process's exit status.
type command struct {
	usage   string
	summary string
	run     func(e *env) int
}

func commands() map[string]command {
	return map[string]command{
		"list":     {"list [--json]", "the exercises in order, what each teaches, and your progress", runList},
		"start":    {"start <exercise> [--force]", "make your practice copy of an exercise (--force: start again, your copy is backed up)", runStart},
		"reset":    {"reset [<exercise>]", "start the exercise again from the sequential version; your copy is backed up first", runReset},
		"check":    {"check [<exercise>] [--json] [--no-speedup] [--no-race] [--no-leak-profile] [--timeout 3m] [--all]", "run the property suite (with -race and the goroutine-leak profile), goleak and the analyzers on your copy (--all: every exercise, as verify)", runCheck},
		"verify":   {"verify [--no-speedup] [--timeout 3m]", "check every exercise you started, and list what is left", runVerify},
		"hint":     {"hint [<exercise>]", "the next hint from the interview guide", runHint},
		"hints":    {"hints [<exercise>]", "re-read the hints you have already been shown", runHints},
		"guide":    {"guide <exercise> [--interviewer]", "the interview guide (the interviewer's view adds rubric and discussion)", runGuide},
		"solution": {"solution <exercise> [--force]", "the reference solution beside yours, once you pass", runSolution},
		"watch":    {"watch [<exercise>] [--interval 500ms]", "re-check the exercise on every save, and move on to the next after a pass", runWatch},
		"grade":    {"grade --exercise <name> --dir <submission> [--json] [--timeout 2m] [--no-race]", "grade a solution submission in a sandbox (for CI), with the race detector", runGrade},
		"leaks":    {"leaks [-json|-sarif] [-race] [packages]", "run any module's tests and report the goroutines they leak, proven by Go's goroutine-leak profile", runLeaks},
		"version":  {"version", "print the version", runVersion},
		"lsp":      {"lsp", "serve the language server on stdio", func(e *env) int { return runLSP(e.args, e.stdin, e.stdout, e.stderr) }},
		"help":     {"help [<command>]", "this help, or a command's", runHelp},
	}
}

// commandOrder is the order help lists the commands in: a learner's path
// through the workbook first, then the rest.
var commandOrder = []string{"list", "start", "check", "watch", "hint", "hints", "reset", "solution", "guide", "verify", "grade", "lsp", "version", "help"}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// isHelpFlag reports whether arg asks for help, the way flag packages spell it.
func isHelpFlag(arg string) bool {
	switch arg {
	case "-h", "-help", "--help", "-?":
		return true
	}
	return false
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr, ui: newUI(stdout, stderr)}
	name, named := "list", false
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args, named = args[0], args[1:], true
	}
	// -h or --help anywhere (before a "--") asks for help, with the
	// command's own usage when a command is named.
	for _, a := range args {
		if a == "--" {
			break
		}
		if isHelpFlag(a) {
			if named && name != "help" {
				e.args = []string{name}
			}
			return runHelp(e)
		}
		if a == "--version" && !named {
			return runVersion(e)
		}
	}
	if name == "check" {
		// check --all is verify: every exercise.
		for i, a := range args {
			if a == "--" {
				break
			}
			if a == "--all" || a == "-all" {
				name, args = "verify", append(append([]string{}, args[:i]...), args[i+1:]...)
				break
			}
		}
	}
	cmd, ok := commands()[name]
	if !ok {
		msg := fmt.Sprintf("asyncbook: unknown command %q", name)
		if s := workbook.CloseMatches(name, commandOrder); len(s) > 0 {
			msg += fmt.Sprintf("; did you mean %s?", strings.Join(s, " or "))
		}
		fmt.Fprintf(stderr, "%s\nRun `asyncbook help` for the list of commands.\n", msg)
		return 2
	}
	e.args = args
	return cmd.run(e)
}

func runVersion(e *env) int {
	fmt.Fprintf(e.stdout, "asyncbook %s\n", version)
	return 0
}

// runHelp prints the list of commands, or one command's usage when named.
func runHelp(e *env) int {
	cmds := commands()
	if len(e.args) > 0 {
		c, ok := cmds[e.args[0]]
		if !ok {
			return e.ui.errorf("help: unknown command %q; run `asyncbook help` for the list", e.args[0])
		}
		fmt.Fprintf(e.stdout, "usage: asyncbook %s\n\n%s\n", c.usage, c.summary)
		return 0
	}
	fmt.Fprintf(e.stdout, "asyncbook — Go concurrency exercises for ML engineers\n\nusage: asyncbook <command> [arguments]   (no command: list)\n\n")
	width := 0
	for _, n := range commandOrder {
		width = max(width, len(n))
	}
	for _, n := range commandOrder {
		fmt.Fprintf(e.stdout, "  %-*s  %s\n", width, n, cmds[n].summary)
	}
	fmt.Fprintf(e.stdout, "\nRun `asyncbook help <command>` or `asyncbook <command> --help` for a command's arguments.\n")
	return 0
}

// openWorkbook opens the workbook of the workspace around the current folder.
func openWorkbook() (*workbook.Workbook, error) {
	cwd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	root, err := workbook.FindRoot(cwd)
	if err != nil {
		return nil, err
	}
	return workbook.Open(root)
}
