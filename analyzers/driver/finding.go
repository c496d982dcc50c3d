package driver

import (
	"fmt"
	"sort"

	"github.com/asyncbook/asyncbook/analyzers/registry"
)

// Position is a place in a file: 1-based line and byte column, and the
// byte offset into the text that was analysed.
type Position struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Col    int    `json:"col"`
	Offset int    `json:"offset"`
}

// String formats p as file:line:col.
func (p Position) String() string { return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col) }

// IsValid reports whether p names a line of a file.
func (p Position) IsValid() bool { return p.File != "" && p.Line > 0 }

// Related is a secondary place a finding points at.
type Related struct {
	Pos     Position `json:"pos"`
	End     Position `json:"end"`
	Message string   `json:"message"`
}

// Edit replaces the bytes [Start, End) of File with NewText.
type Edit struct {
	File    string `json:"file"`
	Start   int    `json:"start"`
	End     int    `json:"end"`
	NewText string `json:"new_text"`
}

// Fix is one suggested fix: a message and its edits.
type Fix struct {
	Message string `json:"message"`
	Edits   []Edit `json:"edits"`
}

// Suppression says which directive silenced a finding, and why.
type Suppression struct {
	Directive Position `json:"directive"`
	Reason    string   `json:"reason"`
}

// Finding is one diagnostic of one analyzer: the one shape every output
// (text, JSON, SARIF, the editor's diagnostics, check and grade reports)
// converts from. Its position fields are flat in JSON (file, line, col).
type Finding struct {
	Analyzer string            `json:"analyzer"`
	Category string            `json:"category,omitempty"`
	Severity registry.Severity `json:"severity"`
	Package  string            `json:"package,omitempty"`
	Position                   // where it starts
	End      Position          `json:"end"`
	Message  string            `json:"message"`
	URL      string            `json:"url,omitempty"`
	Related  []Related         `json:"related,omitempty"`
	Fixes    []Fix             `json:"fixes,omitempty"`
	// Suppressed is set on the findings a directive silenced (they are
	// only in Result.Suppressed and SARIF's suppressed results).
	Suppressed *Suppression `json:"suppressed,omitempty"`
}

// key identifies a finding across the variants of a package (a package and
// its test variant share files).
func (f Finding) key() string {
	return fmt.Sprintf("%s|%s|%d|%d|%s", f.Analyzer, f.File, f.Offset, f.End.Offset, f.Message)
}

// Sort orders findings by file, line, column, then analyzer and message.
func Sort(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Col != b.Col {
			return a.Col < b.Col
		}
		if a.Analyzer != b.Analyzer {
			return a.Analyzer < b.Analyzer
		}
		return a.Message < b.Message
	})
}
