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
	"sort"
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
		"start":    {"start <exercise> [--force]", "make your practice copy of an exercise", runStart},
		"check":    {"check [<exercise>] [--json]", "run the property suite (with -race and the goroutine-leak profile), goleak and the analyzers on your copy", runCheck},
		"hint":     {"hint <exercise>", "the next hint from the interview guide", runHint},
		"guide":    {"guide <exercise> [--interviewer]", "the interview guide (the interviewer's view adds rubric and discussion)", runGuide},
		"solution": {"solution <exercise> [--force]", "the reference solution beside yours, once you pass", runSolution},
		"watch":    {"watch [<exercise>]", "re-check the exercise on every save", runWatch},
		"grade":    {"grade --exercise <name> --dir <submission> [--json] [--timeout 2m]", "grade a solution submission (for CI)", runGrade},
		"leaks":    {"leaks [-json|-sarif] [-race] [packages]", "run any module's tests and report the goroutines they leak, proven by Go's goroutine-leak profile", runLeaks},
		"version":  {"version", "print the version", runVersion},
		"lsp":      {"lsp", "serve the language server on stdio", func(e *env) int { return runLSP(e.args, e.stdin, e.stdout, e.stderr) }},
		"help":     {"help", "this help", runHelp},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	name := "list"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	switch name {
	case "-h", "--help":
		name = "help"
	case "--version":
		name = "version"
	}
	cmd, ok := commands()[name]
	if !ok {
		fmt.Fprintf(stderr, "asyncbook: unknown command %q; run `asyncbook help`\n", name)
		return 2
	}
	return cmd.run(&env{ctx: ctx, args: args, stdin: stdin, stdout: stdout, stderr: stderr, ui: newUI(stdout, stderr)})
}

func runVersion(e *env) int {
	fmt.Fprintf(e.stdout, "asyncbook %s\n", version)
	return 0
}

func runHelp(e *env) int {
	fmt.Fprintf(e.stdout, "asyncbook — Go concurrency exercises for ML engineers\n\nusage:\n")
	cmds := commands()
	var names []string
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(e.stdout, "  asyncbook %-62s %s\n", cmds[n].usage, cmds[n].summary)
	}
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
