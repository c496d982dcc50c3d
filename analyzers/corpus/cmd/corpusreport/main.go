// Command corpusreport scores asyncvet and its peers (go vet, staticcheck,
// golangci-lint with noctx and contextcheck) on the labelled corpus and
// prints a Markdown table: which tool catches which case, recall and false
// alarms. Peers that are not on PATH are reported as not run.
//
//	go run ./analyzers/corpus/cmd/corpusreport > docs/reports/corpus.md
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/asyncbook/asyncbook/analyzers/corpus"
	"github.com/asyncbook/asyncbook/analyzers/driver"
	"github.com/asyncbook/asyncbook/analyzers/registry"
)

// peer is another tool run over the corpus as a subprocess.
type peer struct {
	name string
	argv []string
}

var peers = []peer{
	{"go vet", []string{"go", "vet", "./..."}},
	{"staticcheck", []string{"staticcheck", "./..."}},
	{"golangci-lint", []string{"golangci-lint", "run", "--enable", "noctx,contextcheck", "--max-issues-per-linter", "0", "--max-same-issues", "0", "./..."}},
}

func main() {
	only := flag.Bool("asyncvet-only", false, "score asyncvet alone, without the peers")
	flag.Parse()
	if err := run(os.Stdout, !*only); err != nil {
		fmt.Fprintf(os.Stderr, "corpusreport: %v\n", err)
		os.Exit(1)
	}
}

func run(w io.Writer, withPeers bool) error {
	dir, err := corpus.Dir(".")
	if err != nil {
		return err
	}
	cases, err := corpus.Load(dir)
	if err != nil {
		return err
	}
	res, err := driver.Run(context.Background(), driver.Config{LoadConfig: driver.LoadConfig{Dir: dir, Patterns: []string{"./..."}}, Options: driver.Everything(registry.Entries())})
	if err != nil {
		return err
	}
	inDefault := map[string]bool{}
	for _, a := range registry.InProfile(registry.Default) {
		inDefault[a.Name] = true
	}
	var hits, defaultHits []corpus.Hit
	for _, f := range res.Findings {
		h := corpus.Hit{File: f.File, Line: f.Line, Message: f.Analyzer + ": " + f.Message}
		hits = append(hits, h)
		if inDefault[f.Analyzer] {
			defaultHits = append(defaultHits, h)
		}
	}
	type tool struct {
		name string
		hits []corpus.Hit
	}
	tools := []tool{{"asyncvet -profile=strict", hits}, {"asyncvet (default profile)", defaultHits}}
	var notRun []string
	if withPeers {
		for _, p := range peers {
			if _, err := exec.LookPath(p.argv[0]); err != nil {
				notRun = append(notRun, p.name)
				continue
			}
			cmd := exec.Command(p.argv[0], p.argv[1:]...)
			cmd.Dir = dir
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if err != nil && !errors.As(err, &exit) {
				return fmt.Errorf("run %s: %w", p.name, err)
			}
			tools = append(tools, tool{p.name, corpus.ParseHits(dir, string(out))})
		}
	}
	for _, set := range []struct{ name, title, about string }{
		{corpus.Development, "Development set", "The cases the rules were developed on (`cases/bad`, `cases/good`): the analyzers have seen them, so this measures regressions, not how well the rules generalise."},
		{corpus.Blind, "Blind set", "Cases written and committed before any analyzer ran on them (`cases/blind`), scored once; see the notes below the table for what changed after."},
	} {
		var scores []corpus.Score
		for _, t := range tools {
			scores = append(scores, corpus.Grade(t.name, corpus.InSet(cases, set.name), t.hits))
		}
		fmt.Fprintf(w, "## %s\n\n%s\n\n", set.title, set.about)
		write(w, scores, notRun)
		fmt.Fprintln(w)
	}
	return nil
}

func write(w io.Writer, scores []corpus.Score, notRun []string) {
	fmt.Fprintf(w, "| tool | bad cases caught | recall | false alarms on good cases |\n|---|---|---|---|\n")
	for _, s := range scores {
		bad, caught, good, fa := s.Counts()
		fmt.Fprintf(w, "| %s | %d / %d | %.1f%% | %d / %d |\n", s.Tool, caught, bad, 100*s.Recall(), fa, good)
	}
	for _, n := range notRun {
		fmt.Fprintf(w, "| %s | not run: not on PATH | | |\n", n)
	}
	fmt.Fprintf(w, "\nPer case (✓ caught at the bug, · missed; on good cases ✗ is a false alarm):\n\n| case | expected |")
	for _, s := range scores {
		fmt.Fprintf(w, " %s |", s.Tool)
	}
	fmt.Fprintf(w, "\n|---|---|%s\n", strings.Repeat("---|", len(scores)))
	for i, o := range scores[0].Outcomes {
		expect := o.Case.Expect
		if !o.Case.Bad {
			expect = "(correct code)"
		}
		fmt.Fprintf(w, "| `%s` | %s |", o.Case.Name, expect)
		for _, s := range scores {
			mark := "·"
			switch so := s.Outcomes[i]; {
			case so.Case.Bad && so.Caught:
				mark = "✓"
			case !so.Case.Bad && so.Flagged:
				mark = "✗"
			case !so.Case.Bad:
				mark = ""
			}
			fmt.Fprintf(w, " %s |", mark)
		}
		fmt.Fprintln(w)
	}
}
