// Command asyncvet runs asyncbook's analyzer suite (the analyzers that flag
// async antipatterns, plus the Go team's lostcancel, waitgroup and copylocks)
// over Go packages.
//
//	asyncvet ./...                       findings as file:line:col: message; exit 1 on findings
//	asyncvet -json ./...                 go vet's JSON shape
//	asyncvet -sarif ./... > out.sarif    SARIF 2.1.0 for code-scanning upload
//	asyncvet -fix ./...                  apply the suggested fixes
//	asyncvet -chanleak=false ./...       turn an analyzer off (or -only chanleak,ctxcancel)
//	go vet -vettool=$(command -v asyncvet) ./...
//
// Exit status: 0 clean (and always with -json or -sarif unless loading
// failed), 1 findings, 2 usage error or packages that did not load or
// type-check (the analyzers still ran on what type-checked).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/unitchecker"

	"github.com/asyncbook/asyncbook/analyzers/registry"
	"github.com/asyncbook/asyncbook/analyzers/runner"
)

var version = "v0.1.0-dev"

func main() {
	if invokedByGoVet(os.Args[1:]) {
		// go vet drives the tool through unitchecker's protocol: -V=full,
		// -flags, then one vet.cfg per package.
		unitchecker.Main(registry.All()...)
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// invokedByGoVet reports whether the arguments are go vet's: a version or
// flags query, or a trailing *.cfg file.
func invokedByGoVet(args []string) bool {
	if len(args) == 0 {
		return false
	}
	for _, a := range args {
		if a == "-flags" || strings.HasPrefix(a, "-V=") {
			return true
		}
	}
	return strings.HasSuffix(args[len(args)-1], ".cfg")
}

type options struct {
	json, sarif, fix, tests, list, version bool
	only                                   string
	enabled                                map[string]*bool
}

func parseFlags(args []string, stderr io.Writer) (*options, []string, error) {
	fs := flag.NewFlagSet("asyncvet", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &options{enabled: map[string]*bool{}}
	fs.BoolVar(&o.json, "json", false, "print findings in go vet's JSON shape")
	fs.BoolVar(&o.sarif, "sarif", false, "print findings as SARIF 2.1.0")
	fs.BoolVar(&o.fix, "fix", false, "apply suggested fixes")
	fs.BoolVar(&o.tests, "test", true, "analyse test files too")
	fs.BoolVar(&o.list, "list", false, "list the analyzers and exit")
	fs.BoolVar(&o.version, "V", false, "print the version and exit")
	fs.StringVar(&o.only, "only", "", "comma-separated analyzers to run (default: all)")
	for _, a := range registry.All() {
		title, _, _ := strings.Cut(a.Doc, "\n")
		o.enabled[a.Name] = fs.Bool(a.Name, true, "enable "+title)
	}
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: asyncvet [flags] [packages]\n\nasyncvet runs asyncbook's analyzers for async antipatterns.\n\nflags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	if o.json && o.sarif {
		return nil, nil, errors.New("-json and -sarif cannot be combined")
	}
	return o, fs.Args(), nil
}

// selected returns the analyzers the flags leave on.
func (o *options) selected() ([]*analysis.Analyzer, error) {
	enabled := map[string]bool{}
	for name, on := range o.enabled {
		enabled[name] = *on
	}
	if o.only != "" {
		for name := range enabled {
			enabled[name] = false
		}
		for _, name := range strings.Split(o.only, ",") {
			name = strings.TrimSpace(name)
			if registry.Lookup(name) == nil {
				return nil, fmt.Errorf("-only: unknown analyzer %q (known: %s)", name, strings.Join(registry.Names(), ", "))
			}
			enabled[name] = true
		}
	}
	as := registry.Select(enabled)
	if len(as) == 0 {
		return nil, errors.New("every analyzer is turned off")
	}
	return as, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, patterns, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "asyncvet: %v\n", err)
		return 2
	}
	if o.version {
		fmt.Fprintf(stdout, "asyncvet %s\n", version)
		return 0
	}
	if o.list {
		listAnalyzers(stdout)
		return 0
	}
	analyzers, err := o.selected()
	if err != nil {
		fmt.Fprintf(stderr, "asyncvet: %v\n", err)
		return 2
	}
	if len(patterns) == 0 {
		patterns = []string{"."}
	}
	res, err := runner.Run(ctx, runner.Config{Patterns: patterns, Analyzers: analyzers, Tests: o.tests})
	if err != nil {
		fmt.Fprintf(stderr, "asyncvet: %v\n", err)
		return 2
	}
	for _, e := range res.LoadErrors {
		fmt.Fprintf(stderr, "asyncvet: %s\n", e)
	}
	for _, e := range res.AnalyzerErrors {
		fmt.Fprintf(stderr, "asyncvet: %v\n", e)
	}
	cwd, _ := os.Getwd()
	switch {
	case o.fix:
		plan, err := runner.PlanFixes(res.Findings)
		if err == nil {
			err = plan.Write()
		}
		if err != nil {
			fmt.Fprintf(stderr, "asyncvet: %v\n", err)
			return 2
		}
		fmt.Fprintf(stderr, "asyncvet: applied %d fixes in %d files (%d skipped: they overlapped another fix)\n", plan.Applied, len(plan.Files), plan.Skipped)
		// What has no fix is still reported.
		var left []runner.Finding
		for _, f := range res.Findings {
			if len(f.Fixes) == 0 {
				left = append(left, f)
			}
		}
		res.Findings = left
		err = runner.WriteText(stdout, cwd, res.Findings)
	case o.json:
		err = runner.WriteJSON(stdout, res.Findings)
	case o.sarif:
		err = runner.WriteSARIF(stdout, cwd, version, analyzers, res.Findings)
	default:
		err = runner.WriteText(stdout, cwd, res.Findings)
	}
	if err != nil {
		fmt.Fprintf(stderr, "asyncvet: write findings: %v\n", err)
		return 2
	}
	switch {
	case len(res.LoadErrors) > 0 || len(res.AnalyzerErrors) > 0:
		return 2
	case len(res.Findings) > 0 && !o.json && !o.sarif:
		return 1
	}
	return 0
}

func listAnalyzers(w io.Writer) {
	as := registry.All()
	sort.Slice(as, func(i, j int) bool { return as[i].Name < as[j].Name })
	for _, a := range as {
		title, _, _ := strings.Cut(a.Doc, "\n")
		fmt.Fprintf(w, "%-14s %s\n", a.Name, title)
	}
}
