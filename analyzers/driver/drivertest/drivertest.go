// Package drivertest holds what the tests of the driver's entry points
// share: a fixture module with findings, suppressed findings and wrong
// directives, its expectations, and the parsers that turn each entry
// point's output into comparable findings, so that a test can show that
// asyncvet, go vet -vettool, the editor, check and grade, and the
// golangci-lint plugin say the same.
package drivertest

import (
	"bufio"
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

//go:embed all:testdata/fixture
var fixture embed.FS

// Finding is a finding as every entry point can say it: where (file
// relative to the module, line, byte column), which analyzer, what.
type Finding struct {
	File     string
	Line     int
	Col      int
	Analyzer string
	Message  string
}

func (f Finding) String() string {
	return fmt.Sprintf("%s:%d:%d: %s (%s)", f.File, f.Line, f.Col, f.Message, f.Analyzer)
}

// Strings returns findings as sorted lines.
func Strings(fs []Finding) []string {
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		out = append(out, f.String())
	}
	sort.Strings(out)
	return out
}

// WriteFixture writes the fixture module into a new folder and returns it.
func WriteFixture(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	err := fs.WalkDir(fixture, "testdata/fixture", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel := strings.TrimPrefix(path, "testdata/fixture/")
		if rel == "go.mod.txt" {
			rel = "go.mod"
		}
		b, err := fixture.ReadFile(path)
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatalf("write the fixture: %v", err)
	}
	return dir
}

// GoFiles returns the fixture's Go files under dir, relative, sorted.
func GoFiles(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".go") {
			rel, _ := filepath.Rel(dir, path)
			out = append(out, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

var (
	wantHere = regexp.MustCompile(`// want ([\w/ ]+)$`)
	wantNext = regexp.MustCompile(`^\s*// want-next: ([\w/ ]+)$`)
)

// Wants returns the fixture's expectations as sorted "file:line analyzer"
// lines (analyzer "ignore/category" for the directives' findings): from
// "// want A B" at the end of a line and "// want-next: A B" above one.
func Wants(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	for _, file := range GoFiles(t, dir) {
		b, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			m, at := wantNext.FindStringSubmatch(line), i+2
			if m == nil {
				m, at = wantHere.FindStringSubmatch(line), i+1
			}
			if m == nil {
				continue
			}
			for _, a := range strings.Fields(m[1]) {
				out = append(out, fmt.Sprintf("%s:%d %s", file, at, a))
			}
		}
	}
	sort.Strings(out)
	return out
}

// Got returns findings as Wants does, taking the category of the
// directives' findings from their message.
func Got(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		a := f.Analyzer
		if a == "ignore" {
			a += "/" + ignoreCategory(f.Message)
		}
		out = append(out, fmt.Sprintf("%s:%d %s", f.File, f.Line, a))
	}
	sort.Strings(out)
	return out
}

func ignoreCategory(msg string) string {
	switch {
	case strings.Contains(msg, "silences nothing:"):
		return "unused"
	case strings.Contains(msg, "names no analyzer"), strings.Contains(msg, " all is not allowed"):
		return "unknown"
	case strings.Contains(msg, "needs a reason"):
		return "reason"
	case strings.Contains(msg, "needs the analyzer"):
		return "malformed"
	}
	return "settings"
}

// Relative makes an absolute file name relative to dir, with slashes.
func Relative(dir, file string) string {
	if rel, err := filepath.Rel(dir, file); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	return filepath.ToSlash(file)
}

var posn = regexp.MustCompile(`^(.*):(\d+):(\d+)$`)

// ParseVetJSON parses go vet's -json output (one JSON tree per package,
// after a "# package" line) or asyncvet's (one tree): package → analyzer →
// diagnostics with "posn" and "message".
func ParseVetJSON(dir string, out []byte) ([]Finding, error) {
	var found []Finding
	var buf bytes.Buffer
	flush := func() error {
		if strings.TrimSpace(buf.String()) == "" {
			buf.Reset()
			return nil
		}
		dec := json.NewDecoder(&buf)
		for dec.More() {
			var tree map[string]map[string]json.RawMessage
			if err := dec.Decode(&tree); err != nil {
				return fmt.Errorf("decode %q: %w", buf.String(), err)
			}
			for _, byAnalyzer := range tree {
				for analyzer, raw := range byAnalyzer {
					var diags []struct {
						Posn    string `json:"posn"`
						Message string `json:"message"`
					}
					if err := json.Unmarshal(raw, &diags); err != nil {
						// {"error": "..."}: an analyzer's failure
						return fmt.Errorf("%s: %s", analyzer, raw)
					}
					for _, d := range diags {
						m := posn.FindStringSubmatch(d.Posn)
						if m == nil {
							return fmt.Errorf("position %q", d.Posn)
						}
						line, _ := strconv.Atoi(m[2])
						col, _ := strconv.Atoi(m[3])
						found = append(found, Finding{File: Relative(dir, m[1]), Line: line, Col: col, Analyzer: analyzer, Message: d.Message})
					}
				}
			}
		}
		buf.Reset()
		return nil
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "# ") {
			if err := flush(); err != nil {
				return nil, err
			}
			continue
		}
		buf.WriteString(sc.Text() + "\n")
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return found, nil
}
