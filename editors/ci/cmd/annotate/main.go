// Command annotate turns what asyncbook's tools print into CI annotations:
// GitHub Actions workflow commands (::error file=…,line=…::…), a GitLab
// code-quality report, or a Markdown summary. It reads asyncvet -json or
// -sarif output, go vet -json -vettool=asyncvet output, or an
// `asyncbook grade --json` report, and can keep only the problems on the
// lines a change touched.
//
//	asyncvet -sarif ./... > asyncvet.sarif
//	git diff -U0 origin/main...HEAD > changes.diff
//	annotate -diff changes.diff asyncvet.sarif                  # GitHub annotations
//	annotate -format gitlab -o gl-code-quality-report.json asyncvet.sarif
//
//	asyncbook grade --exercise batch-inference --dir "$PWD/submissions/ada" --json > grade.json
//	annotate -root . -summary "$GITHUB_STEP_SUMMARY" -fail grade.json
//
// Exit status: 0 done, 1 problems remain and -fail was given, 2 usage or
// input error.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/asyncbook/asyncbook/editors/ci/changed"
	"github.com/asyncbook/asyncbook/editors/ci/emit"
	"github.com/asyncbook/asyncbook/editors/ci/report"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

type options struct {
	format, root, submission, diff, level, summary, out string
	lines                                               []string
	fail                                                bool
}

func parseFlags(args []string, stderr io.Writer) (*options, []string, error) {
	fs := flag.NewFlagSet("annotate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &options{}
	fs.StringVar(&o.format, "format", "github", "output: github (workflow commands), gitlab (code-quality JSON) or markdown")
	fs.StringVar(&o.root, "root", "", "repository root that paths are made relative to (default: the current directory)")
	fs.StringVar(&o.submission, "submission", "", "grade reports: the submission folder, relative to -root (default: the report's own)")
	fs.StringVar(&o.diff, "diff", "", "keep only problems on lines this unified diff adds or changes (- for stdin)")
	fs.Func("lines", "keep only problems in these ranges: `file:10-20,file:7,file` (repeatable)", func(s string) error {
		o.lines = append(o.lines, s)
		return nil
	})
	fs.StringVar(&o.level, "level", "", "severity of every problem: notice, warning or error (default: error for grades, warning for findings)")
	fs.StringVar(&o.summary, "summary", "", "also append a Markdown summary to this file (e.g. $GITHUB_STEP_SUMMARY)")
	fs.StringVar(&o.out, "o", "", "write to this file instead of stdout")
	fs.BoolVar(&o.fail, "fail", false, "exit 1 when any problem is left after filtering")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: annotate [flags] [report.json ...]\n\nannotate turns asyncvet findings and asyncbook grade reports into CI annotations.\nWith no file, it reads standard input.\n\nflags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	switch o.format {
	case "github", "gitlab", "markdown":
	default:
		return nil, nil, fmt.Errorf("-format %q: want github, gitlab or markdown", o.format)
	}
	if o.diff == "-" && slices.Contains(fs.Args(), "-") || o.diff == "-" && len(fs.Args()) == 0 {
		return nil, nil, errors.New("-diff - and the report cannot both come from standard input")
	}
	return o, fs.Args(), nil
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	o, inputs, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "annotate: %v\n", err)
		return 2
	}
	n, err := annotate(o, inputs, stdin, stdout, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "annotate: %v\n", err)
		return 2
	}
	if o.fail && n > 0 {
		return 1
	}
	return 0
}

// annotate does the work and returns how many problems it wrote.
func annotate(o *options, inputs []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	root := o.root
	if root == "" {
		root = "."
	}
	root, err := filepath.Abs(root)
	if err != nil {
		return 0, fmt.Errorf("resolve -root: %w", err)
	}
	var level *report.Severity
	if o.level != "" {
		s, err := report.ParseSeverity(o.level)
		if err != nil {
			return 0, fmt.Errorf("-level: %w", err)
		}
		level = &s
	}
	filter, err := loadFilter(o, stdin)
	if err != nil {
		return 0, err
	}

	if len(inputs) == 0 {
		inputs = []string{"-"}
	}
	var reports []*report.Report
	var kept [][]report.Problem
	for _, in := range inputs {
		data, err := readInput(in, stdin)
		if err != nil {
			return 0, err
		}
		rep, err := report.Read(data, report.Options{Root: root, Submission: o.submission})
		if err != nil {
			return 0, fmt.Errorf("%s: %w", displayName(in), err)
		}
		var ps []report.Problem
		for _, p := range rep.Problems {
			if level != nil {
				p.Severity = *level
			}
			if filter == nil || keep(filter, p) {
				ps = append(ps, p)
			}
		}
		reports = append(reports, rep)
		kept = append(kept, ps)
	}

	var all []report.Problem
	for _, ps := range kept {
		all = append(all, ps...)
	}
	var out bytes.Buffer
	switch o.format {
	case "github":
		err = emit.GitHub(&out, all)
	case "gitlab":
		var unplaced []report.Problem
		unplaced, err = emit.GitLab(&out, all)
		for _, p := range unplaced {
			fmt.Fprintf(stderr, "annotate: left out of the code-quality report (it has no file): %s: %s\n", p.Rule, p.Message)
		}
	case "markdown":
		for i, rep := range reports {
			if err = emit.Markdown(&out, rep, kept[i]); err != nil {
				break
			}
		}
	}
	if err != nil {
		return 0, err
	}
	if err := writeOutput(o.out, out.Bytes(), stdout); err != nil {
		return 0, err
	}
	if o.summary != "" {
		var sum bytes.Buffer
		for i, rep := range reports {
			if err := emit.Markdown(&sum, rep, kept[i]); err != nil {
				return 0, err
			}
		}
		if err := appendFile(o.summary, sum.Bytes()); err != nil {
			return 0, err
		}
	}
	return len(all), nil
}

// loadFilter builds the changed-lines filter from -diff and -lines, or
// returns nil when neither was given.
func loadFilter(o *options, stdin io.Reader) (*changed.Lines, error) {
	if o.diff == "" && len(o.lines) == 0 {
		return nil, nil
	}
	lines := changed.New()
	if o.diff != "" {
		data, err := readInput(o.diff, stdin)
		if err != nil {
			return nil, err
		}
		if lines, err = changed.ParseDiff(bytes.NewReader(data)); err != nil {
			return nil, fmt.Errorf("-diff %s: %w", o.diff, err)
		}
	}
	for _, spec := range o.lines {
		if err := lines.AddRanges(spec); err != nil {
			return nil, fmt.Errorf("-lines: %w", err)
		}
	}
	return lines, nil
}

// keep reports whether p survives the filter: it is about a whole
// submission, has no place, or one of its lines changed.
func keep(filter *changed.Lines, p report.Problem) bool {
	if p.File == "" || p.Whole {
		return true
	}
	if p.Line == 0 {
		return filter.ContainsFile(p.File)
	}
	for l := p.Line; l <= max(p.EndLine, p.Line); l++ {
		if filter.Contains(p.File, l) {
			return true
		}
	}
	return false
}

func readInput(name string, stdin io.Reader) ([]byte, error) {
	if name == "-" {
		b, err := io.ReadAll(stdin)
		if err != nil {
			return nil, fmt.Errorf("read standard input: %w", err)
		}
		return b, nil
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("read input: %w", err)
	}
	return b, nil
}

func displayName(in string) string {
	if in == "-" {
		return "standard input"
	}
	return in
}

func writeOutput(name string, data []byte, stdout io.Writer) error {
	if name == "" {
		if _, err := stdout.Write(data); err != nil {
			return fmt.Errorf("write output: %w", err)
		}
		return nil
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}

func appendFile(name string, data []byte) error {
	f, err := os.OpenFile(name, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write summary: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	return nil
}
