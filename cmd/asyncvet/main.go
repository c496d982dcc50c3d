// Command asyncvet runs asyncbook's analyzer suite (the analyzers that flag
// async antipatterns, plus the Go team's lostcancel, waitgroup and copylocks)
// over Go packages.
//
//	asyncvet ./...                       findings as file:line:col: message (analyzer); exit 1 on findings
//	asyncvet -json ./...                 go vet's JSON shape
//	asyncvet -sarif ./... > out.sarif    SARIF 2.1.0 for code-scanning upload
//	asyncvet -fix ./...                  apply the suggested fixes
//	asyncvet -profile=strict ./...       every analyzer, not only the default profile
//	asyncvet -chanleak=false ./...       turn an analyzer off (or -only chanleak,ctxcancel)
//	go vet -vettool=$(command -v asyncvet) ./...
//
// Settings come from the workspace's .asyncbook.json (the nearest one above
// each package, up to its module's root), with the flags on top; the editor
// and asyncbook check read the same file. A finding is silenced with
// //asyncvet:ignore NAME reason on its line or alone on the line above.
//
// Exit status: 0 clean (and always with -json or -sarif unless loading
// failed), 1 findings, 2 usage error, a broken settings file, or packages
// that did not load or type-check (the analyzers still ran on what
// type-checked).
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
	"strconv"
	"strings"

	"github.com/asyncbook/asyncbook/analyzers/driver"
	"github.com/asyncbook/asyncbook/analyzers/registry"
)

var version = "v0.1.0-dev"

func main() {
	if invokedByGoVet(os.Args[1:]) {
		// go vet drives the tool through unitchecker's protocol: -V=full,
		// -flags, then one vet.cfg per package.
		vetMain()
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

// onOff is an analyzer's flag: unset, on or off.
type onOff struct {
	set, on bool
}

func (o *onOff) String() string {
	if o == nil || !o.set {
		return ""
	}
	return strconv.FormatBool(o.on)
}

func (o *onOff) Set(s string) error {
	on, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	o.set, o.on = true, on
	return nil
}

func (o *onOff) IsBoolFlag() bool { return true }

type options struct {
	json, sarif, fix, tests, list, version bool
	only, profile                          string
	enabled                                map[string]*onOff
}

func parseFlags(args []string, stderr io.Writer) (*options, []string, error) {
	fs := flag.NewFlagSet("asyncvet", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &options{enabled: map[string]*onOff{}}
	fs.BoolVar(&o.json, "json", false, "print findings in go vet's JSON shape")
	fs.BoolVar(&o.sarif, "sarif", false, "print findings as SARIF 2.1.0 (suppressed ones marked as such)")
	fs.BoolVar(&o.fix, "fix", false, "apply suggested fixes")
	fs.BoolVar(&o.tests, "test", true, "analyse test files too")
	fs.BoolVar(&o.list, "list", false, "list the analyzers and exit")
	fs.BoolVar(&o.version, "V", false, "print the version and exit")
	fs.StringVar(&o.only, "only", "", "comma-separated analyzers to run (default: the profile's)")
	fs.StringVar(&o.profile, "profile", "", "the analyzers to start from: default or strict (default: the settings file's, else default)")
	for _, e := range registry.Entries() {
		o.enabled[e.Analyzer.Name] = &onOff{}
		fs.Var(o.enabled[e.Analyzer.Name], e.Analyzer.Name, fmt.Sprintf("turn %s on or off (%s profile): %s", e.Analyzer.Name, e.Profile, title(e.Analyzer.Doc)))
	}
	o.enabled[driver.IgnoreName] = &onOff{}
	fs.Var(o.enabled[driver.IgnoreName], driver.IgnoreName, "turn off the report of //asyncvet:ignore directives that silence nothing")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: asyncvet [flags] [packages]\n\nasyncvet runs asyncbook's analyzers for async antipatterns.\nSettings: %s in the workspace, then these flags.\n\nflags:\n", driver.SettingsFile)
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

func title(doc string) string {
	t, _, _ := strings.Cut(doc, "\n")
	return t
}

// settings returns the flags' settings, which go on top of the files'.
func (o *options) settings() (driver.Settings, error) {
	var st driver.Settings
	if o.profile != "" {
		p, err := registry.ParseProfile(o.profile)
		if err != nil {
			return st, fmt.Errorf("-profile: %w", err)
		}
		st.Profile = p
	}
	st.Analyzers = map[string]bool{}
	for name, v := range o.enabled {
		if v.set {
			st.Analyzers[name] = v.on
		}
	}
	if o.only != "" {
		for _, e := range registry.Entries() {
			st.Analyzers[e.Analyzer.Name] = false
		}
		for _, name := range strings.Split(o.only, ",") {
			name = strings.TrimSpace(name)
			if registry.Lookup(name) == nil && name != driver.IgnoreName {
				return st, fmt.Errorf("-only: unknown analyzer %q (known: %s)", name, strings.Join(registry.Names(), ", "))
			}
			st.Analyzers[name] = true
		}
	}
	off := 0
	for _, e := range registry.Entries() {
		if on, set := st.Analyzers[e.Analyzer.Name]; set && !on {
			off++
		}
	}
	if off == len(registry.Entries()) {
		return st, errors.New("every analyzer is turned off")
	}
	return st, nil
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
	st, err := o.settings()
	if err != nil {
		fmt.Fprintf(stderr, "asyncvet: %v\n", err)
		return 2
	}
	res, err := driver.Run(ctx, driver.Config{
		LoadConfig: driver.LoadConfig{Patterns: patterns, Tests: o.tests},
		Options:    driver.Options{Settings: st},
	})
	if err != nil {
		fmt.Fprintf(stderr, "asyncvet: %v\n", err)
		return 2
	}
	for _, e := range res.SettingsErrors {
		fmt.Fprintf(stderr, "asyncvet: %v\n", e)
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
		plan, err := driver.PlanFixes(res.Findings)
		if err == nil {
			err = plan.Write()
		}
		if err != nil {
			fmt.Fprintf(stderr, "asyncvet: %v\n", err)
			return 2
		}
		fmt.Fprintf(stderr, "asyncvet: applied %d fixes in %d files (%d skipped: they overlapped another fix)\n", plan.Applied, len(plan.Files), plan.Skipped)
		// What has no fix is still reported.
		var left []driver.Finding
		for _, f := range res.Findings {
			if len(f.Fixes) == 0 {
				left = append(left, f)
			}
		}
		res.Findings = left
		err = driver.WriteText(stdout, cwd, res.Findings)
	case o.json:
		err = driver.WriteJSON(stdout, res.Findings)
	case o.sarif:
		err = driver.WriteSARIF(stdout, cwd, "asyncvet", version, res.Analyzers, res.Findings, res.Suppressed)
	default:
		err = driver.WriteText(stdout, cwd, res.Findings)
	}
	if err != nil {
		fmt.Fprintf(stderr, "asyncvet: write findings: %v\n", err)
		return 2
	}
	switch {
	case len(res.LoadErrors) > 0 || len(res.AnalyzerErrors) > 0 || len(res.SettingsErrors) > 0:
		return 2
	case len(res.Findings) > 0 && !o.json && !o.sarif:
		return 1
	}
	return 0
}

func listAnalyzers(w io.Writer) {
	es := registry.Entries()
	sort.Slice(es, func(i, j int) bool { return es[i].Analyzer.Name < es[j].Analyzer.Name })
	fmt.Fprintf(w, "%-14s %-8s %-12s %s\n", "analyzer", "profile", "severity", "what it flags")
	for _, e := range es {
		fmt.Fprintf(w, "%-14s %-8s %-12s %s\n", e.Analyzer.Name, e.Profile, e.Severity, strings.TrimPrefix(title(e.Analyzer.Doc), e.Analyzer.Name+": "))
	}
	fmt.Fprintf(w, "%-14s %-8s %-12s %s\n", driver.IgnoreName, "always", registry.Warning, "//asyncvet:ignore directives that silence nothing")
}
