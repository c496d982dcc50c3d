// Package report reads what asyncbook's tools print for CI — asyncvet's
// -json or -sarif output, go vet -json with asyncvet as its vettool, and
// `asyncbook grade --json` reports — into one list of problems with
// repository-relative positions, ready to be turned into annotations.
package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// Severity is how bad a problem is.
type Severity int

// The severities, mildest first.
const (
	Notice Severity = iota
	Warning
	Error
)

func (s Severity) String() string {
	switch s {
	case Notice:
		return "notice"
	case Warning:
		return "warning"
	default:
		return "error"
	}
}

// ParseSeverity reads "notice", "warning" or "error".
func ParseSeverity(s string) (Severity, error) {
	switch s {
	case "notice":
		return Notice, nil
	case "warning":
		return Warning, nil
	case "error":
		return Error, nil
	}
	return 0, fmt.Errorf("unknown severity %q (want notice, warning or error)", s)
}

// Problem is one thing to annotate.
type Problem struct {
	Tool     string // "asyncvet" or "asyncbook grade"
	Rule     string // the analyzer, or "property/<name>", "leak", "build", "policy", "grade"
	Severity Severity
	// File is slash-separated and relative to the repository root when it
	// lies below it; empty when the problem has no place.
	File            string
	Line, Col       int // 1-based; 0 when unknown
	EndLine, EndCol int
	Title           string
	Message         string
	URL             string
	// Whole marks a problem about a submission as a whole (a failed
	// property, a failed grade) rather than about its line: filters on
	// changed lines keep it.
	Whole bool
}

// Kind says which tool wrote a report.
type Kind string

// The kinds of input Read understands.
const (
	KindVetJSON Kind = "asyncvet-json"
	KindSARIF   Kind = "sarif"
	KindGrade   Kind = "grade"
)

// Report is a parsed input.
type Report struct {
	Kind     Kind
	Problems []Problem
	// Grade is set for grade reports.
	Grade *Grade
}

// Options say how to place what a report names.
type Options struct {
	// Root is the repository root; positions are made relative to it.
	// Empty means positions are kept as they are.
	Root string
	// Submission, for grade reports, is the submission folder as seen from
	// Root (relative or absolute). Empty means the report's own
	// "submission" field.
	Submission string
}

// Read parses data, recognising its kind from its shape.
func Read(data []byte, opts Options) (*Report, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, errors.New("read report: the input is empty")
	}
	var probe struct {
		Schema   *int            `json:"schema"`
		Exercise *string         `json:"exercise"`
		Version  string          `json:"version"`
		Runs     json.RawMessage `json:"runs"`
	}
	// A go vet stream holds several objects: probing the first is enough.
	dec := json.NewDecoder(bytes.NewReader(stripComments(trimmed)))
	if err := dec.Decode(&probe); err != nil {
		return nil, fmt.Errorf("read report: not JSON: %w", err)
	}
	switch {
	case probe.Schema != nil && probe.Exercise != nil:
		return readGrade(trimmed, opts)
	case probe.Runs != nil && strings.HasPrefix(probe.Version, "2."):
		return readSARIF(trimmed, opts)
	default:
		return readVetJSON(trimmed, opts)
	}
}

// stripComments drops the "# package" lines go vet -json interleaves with
// its JSON objects when stderr and stdout are merged.
func stripComments(data []byte) []byte {
	if !bytes.Contains(data, []byte("\n#")) && !bytes.HasPrefix(data, []byte("#")) {
		return data
	}
	var out bytes.Buffer
	for _, line := range bytes.SplitAfter(data, []byte("\n")) {
		if bytes.HasPrefix(bytes.TrimSpace(line), []byte("#")) {
			continue
		}
		out.Write(line)
	}
	return out.Bytes()
}

// relPath makes file slash-separated and relative to root when it lies
// below it.
func relPath(root, file string) string {
	if file == "" {
		return ""
	}
	if root != "" && filepath.IsAbs(file) {
		if rel, err := filepath.Rel(root, file); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			file = rel
		}
	}
	return filepath.ToSlash(filepath.Clean(file))
}
