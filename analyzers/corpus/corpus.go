// Package corpus scores an analyzer suite, or any tool that prints
// file:line findings, on asyncbook's labelled corpus of ML-flavoured
// concurrency bugs and correct code. Each case is a package of its own; a
// bad case marks the line of its bug with "// BUG" and names the analyzer
// family expected to catch it in an "// Expect:" line.
//
// The corpus has two sets. The development set (cases/bad, cases/good) is
// the one the rules were developed on: they have seen it. The blind set
// (cases/blind/bad, cases/blind/good) was written and committed before any
// analyzer ran on it and scored once; its score is reported, never
// asserted, so that it stays a measure rather than a target.
package corpus

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Case is one labelled case.
type Case struct {
	Name     string // folder name, e.g. "b18_timeout_unbuffered_result"
	Set      string // Development or Blind
	Bad      bool
	File     string // absolute path of case.go
	Summary  string // the first comment line
	Expect   string // the analyzer expected to catch a bad case
	BugLines []int  // lines marked // BUG
}

// The corpus's sets.
const (
	Development = "development"
	Blind       = "blind"
)

// Hit is a finding a tool reported, by file and line.
type Hit struct {
	File    string
	Line    int
	Message string
}

// Outcome is one case scored.
type Outcome struct {
	Case    Case
	Flagged bool  // the tool reported anything in the case
	Caught  bool  // bad case: a finding within one line of a BUG marker
	Hits    []Hit // what the tool reported in the case
}

// Score is a tool's result over the whole corpus.
type Score struct {
	Tool     string
	Outcomes []Outcome
}

// Recall is the share of bad cases caught at their bug.
func (s Score) Recall() float64 {
	bad, caught := 0, 0
	for _, o := range s.Outcomes {
		if o.Case.Bad {
			bad++
			if o.Caught {
				caught++
			}
		}
	}
	if bad == 0 {
		return 0
	}
	return float64(caught) / float64(bad)
}

// Counts returns the numbers of bad cases, caught bad cases, good cases and
// false alarms (good cases with any finding).
func (s Score) Counts() (bad, caught, good, falseAlarms int) {
	for _, o := range s.Outcomes {
		if o.Case.Bad {
			bad++
			if o.Caught {
				caught++
			}
		} else {
			good++
			if o.Flagged {
				falseAlarms++
			}
		}
	}
	return
}

// Dir returns the corpus's cases folder, found from dir upwards (the
// repository root or any folder below it).
func Dir(from string) (string, error) {
	abs, err := filepath.Abs(from)
	if err != nil {
		return "", err
	}
	for d := abs; ; d = filepath.Dir(d) {
		c := filepath.Join(d, "analyzers", "corpus", "cases")
		if st, err := os.Stat(c); err == nil && st.IsDir() {
			return c, nil
		}
		if filepath.Base(d) == "corpus" {
			if st, err := os.Stat(filepath.Join(d, "cases")); err == nil && st.IsDir() {
				return filepath.Join(d, "cases"), nil
			}
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("find corpus: no analyzers/corpus/cases above %s", abs)
		}
	}
}

// Load reads the cases of both sets under dir (the cases folder).
func Load(dir string) ([]Case, error) {
	var cases []Case
	for _, set := range []struct{ name, dir string }{{Development, dir}, {Blind, filepath.Join(dir, "blind")}} {
		for _, kind := range []string{"bad", "good"} {
			entries, err := os.ReadDir(filepath.Join(set.dir, kind))
			if err != nil {
				return nil, fmt.Errorf("load corpus: %w", err)
			}
			for _, e := range entries {
				if !e.IsDir() {
					continue
				}
				c, err := loadCase(filepath.Join(set.dir, kind, e.Name(), "case.go"), kind == "bad")
				if err != nil {
					return nil, err
				}
				c.Set = set.name
				cases = append(cases, c)
			}
		}
	}
	return cases, nil
}

// InSet returns the cases of one set.
func InSet(cases []Case, set string) []Case {
	var out []Case
	for _, c := range cases {
		if c.Set == set {
			out = append(out, c)
		}
	}
	return out
}

func loadCase(file string, bad bool) (Case, error) {
	f, err := os.Open(file)
	if err != nil {
		return Case{}, fmt.Errorf("load case: %w", err)
	}
	defer f.Close()
	c := Case{Name: filepath.Base(filepath.Dir(file)), Bad: bad, File: file}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case n == 1:
			c.Summary = strings.TrimSpace(strings.TrimPrefix(line, "//"))
		case strings.HasPrefix(line, "// Expect: "):
			c.Expect = strings.TrimSpace(strings.TrimPrefix(line, "// Expect: "))
		}
		if strings.Contains(line, "// BUG") {
			c.BugLines = append(c.BugLines, n)
		}
	}
	if bad && (len(c.BugLines) == 0 || c.Expect == "") {
		return Case{}, fmt.Errorf("bad case %s needs a // BUG line and an // Expect: line", c.Name)
	}
	if !bad && len(c.BugLines) > 0 {
		return Case{}, fmt.Errorf("good case %s has a // BUG marker", c.Name)
	}
	return c, sc.Err()
}

// Grade scores hits against the cases.
func Grade(tool string, cases []Case, hits []Hit) Score {
	byFile := map[string][]Hit{}
	for _, h := range hits {
		abs, err := filepath.Abs(h.File)
		if err == nil {
			h.File = abs
		}
		byFile[h.File] = append(byFile[h.File], h)
	}
	s := Score{Tool: tool}
	for _, c := range cases {
		o := Outcome{Case: c, Hits: byFile[c.File]}
		o.Flagged = len(o.Hits) > 0
		for _, h := range o.Hits {
			for _, b := range c.BugLines {
				if h.Line >= b-1 && h.Line <= b+1 {
					o.Caught = c.Bad
				}
			}
		}
		s.Outcomes = append(s.Outcomes, o)
	}
	sort.SliceStable(s.Outcomes, func(i, j int) bool { return s.Outcomes[i].Case.Name < s.Outcomes[j].Case.Name })
	return s
}

var hitLine = regexp.MustCompile(`^(?:-:)?\s*([^\s:][^:]*\.go):(\d+)(?::\d+)?:?\s*(.*)$`)

// ParseHits reads "file:line[:col]: message" lines, as go vet, staticcheck
// and golangci-lint print them; relative files are taken relative to dir.
func ParseHits(dir, output string) []Hit {
	var hits []Hit
	for _, line := range strings.Split(output, "\n") {
		m := hitLine.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[2])
		file := m[1]
		if !filepath.IsAbs(file) {
			file = filepath.Join(dir, file)
		}
		hits = append(hits, Hit{File: file, Line: n, Message: m[3]})
	}
	return hits
}
