package driver

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/tools/go/analysis"

	"github.com/asyncbook/asyncbook/analyzers/registry"
)

// WriteText prints findings as go vet does, with the analyzer's name (the
// one an ignore directive takes): "file:line:col: message (analyzer)", file
// names relative to base when they are below it.
func WriteText(w io.Writer, base string, findings []Finding) error {
	for _, f := range findings {
		pos := f.Position
		pos.File = relative(base, pos.File)
		if _, err := fmt.Fprintf(w, "%s: %s (%s)\n", pos, f.Message, f.Analyzer); err != nil {
			return err
		}
	}
	return nil
}

// WriteJSON prints findings in go vet's -json shape:
// {"pkgpath": {"analyzer": [{"posn": "file:line:col", "message": "..."}]}}.
func WriteJSON(w io.Writer, findings []Finding) error {
	type jsonEdit struct {
		Filename string `json:"filename"`
		Start    int    `json:"start"`
		End      int    `json:"end"`
		New      string `json:"new"`
	}
	type jsonFix struct {
		Message string     `json:"message"`
		Edits   []jsonEdit `json:"edits"`
	}
	type jsonRelated struct {
		Posn    string `json:"posn"`
		Message string `json:"message"`
	}
	type jsonDiag struct {
		Category       string        `json:"category,omitempty"`
		Posn           string        `json:"posn"`
		End            string        `json:"end,omitempty"`
		Message        string        `json:"message"`
		URL            string        `json:"url,omitempty"`
		SuggestedFixes []jsonFix     `json:"suggested_fixes,omitempty"`
		Related        []jsonRelated `json:"related,omitempty"`
	}
	tree := map[string]map[string][]jsonDiag{}
	for _, f := range findings {
		d := jsonDiag{Category: f.Category, Posn: f.Position.String(), End: f.End.String(), Message: f.Message, URL: f.URL}
		for _, fix := range f.Fixes {
			jf := jsonFix{Message: fix.Message}
			for _, e := range fix.Edits {
				jf.Edits = append(jf.Edits, jsonEdit{Filename: e.File, Start: e.Start, End: e.End, New: e.NewText})
			}
			d.SuggestedFixes = append(d.SuggestedFixes, jf)
		}
		for _, r := range f.Related {
			d.Related = append(d.Related, jsonRelated{Posn: r.Pos.String(), Message: r.Message})
		}
		if tree[f.Package] == nil {
			tree[f.Package] = map[string][]jsonDiag{}
		}
		tree[f.Package][f.Analyzer] = append(tree[f.Package][f.Analyzer], d)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "\t")
	return enc.Encode(tree)
}

// WriteSARIF prints findings as a SARIF 2.1.0 log for code-scanning upload,
// with the suppressed ones marked as suppressed in source (with the
// directive's reason). Paths are made relative to root (the repository),
// and columns are given in UTF-16 code units, SARIF's default. tool names
// the program that found them ("asyncvet", or "asyncbook" for asyncbook leaks).
func WriteSARIF(w io.Writer, root, tool, toolVersion string, analyzers []*analysis.Analyzer, findings, suppressed []Finding) error {
	type text struct {
		Text string `json:"text"`
	}
	type artifact struct {
		URI       string `json:"uri"`
		URIBaseID string `json:"uriBaseId,omitempty"`
	}
	type region struct {
		StartLine   int `json:"startLine"`
		StartColumn int `json:"startColumn,omitempty"`
		EndLine     int `json:"endLine,omitempty"`
		EndColumn   int `json:"endColumn,omitempty"`
	}
	type physical struct {
		ArtifactLocation artifact `json:"artifactLocation"`
		Region           region   `json:"region"`
	}
	type location struct {
		ID               int      `json:"id,omitempty"`
		PhysicalLocation physical `json:"physicalLocation"`
		Message          *text    `json:"message,omitempty"`
	}
	type replacement struct {
		DeletedRegion   region `json:"deletedRegion"`
		InsertedContent text   `json:"insertedContent"`
	}
	type change struct {
		ArtifactLocation artifact      `json:"artifactLocation"`
		Replacements     []replacement `json:"replacements"`
	}
	type fix struct {
		Description     text     `json:"description"`
		ArtifactChanges []change `json:"artifactChanges"`
	}
	type suppression struct {
		Kind          string `json:"kind"`
		Justification string `json:"justification,omitempty"`
	}
	type result struct {
		RuleID           string        `json:"ruleId"`
		RuleIndex        int           `json:"ruleIndex"`
		Level            string        `json:"level"`
		Message          text          `json:"message"`
		Locations        []location    `json:"locations"`
		RelatedLocations []location    `json:"relatedLocations,omitempty"`
		Fixes            []fix         `json:"fixes,omitempty"`
		Suppressions     []suppression `json:"suppressions,omitempty"`
	}
	type rule struct {
		ID               string `json:"id"`
		Name             string `json:"name"`
		ShortDescription text   `json:"shortDescription"`
		FullDescription  text   `json:"fullDescription"`
		HelpURI          string `json:"helpUri,omitempty"`
	}
	type driver struct {
		Name           string `json:"name"`
		Version        string `json:"version,omitempty"`
		InformationURI string `json:"informationUri"`
		Rules          []rule `json:"rules"`
	}
	type run struct {
		Tool struct {
			Driver driver `json:"driver"`
		} `json:"tool"`
		OriginalURIBaseIDs map[string]artifact `json:"originalUriBaseIds,omitempty"`
		Results            []result            `json:"results"`
	}
	type log struct {
		Schema  string `json:"$schema"`
		Version string `json:"version"`
		Runs    []run  `json:"runs"`
	}

	cols := newColumnMapper()
	loc := func(p, e Position) physical {
		uri, base := filepath.ToSlash(relative(root, p.File)), "%SRCROOT%"
		if filepath.IsAbs(uri) {
			uri, base = "file://"+uri, ""
		}
		r := region{StartLine: p.Line, StartColumn: cols.utf16(p)}
		if e.Line > 0 {
			r.EndLine, r.EndColumn = e.Line, cols.utf16(e)
		}
		return physical{ArtifactLocation: artifact{URI: uri, URIBaseID: base}, Region: r}
	}

	var rn run
	rn.Tool.Driver = driver{Name: tool, Version: toolVersion, InformationURI: "https://github.com/asyncbook/asyncbook"}
	index := map[string]int{}
	for i, a := range analyzers {
		index[a.Name] = i
		title, _, _ := strings.Cut(a.Doc, "\n")
		rn.Tool.Driver.Rules = append(rn.Tool.Driver.Rules, rule{
			ID: a.Name, Name: a.Name, ShortDescription: text{title}, FullDescription: text{a.Doc}, HelpURI: a.URL,
		})
	}
	if abs, err := filepath.Abs(root); err == nil {
		rn.OriginalURIBaseIDs = map[string]artifact{"%SRCROOT%": {URI: "file://" + filepath.ToSlash(abs) + "/"}}
	}
	rn.Results = []result{}
	all := append(append([]Finding(nil), findings...), suppressed...)
	for _, f := range all {
		i, ok := index[f.Analyzer]
		if !ok {
			i = len(rn.Tool.Driver.Rules)
			index[f.Analyzer] = i
			rn.Tool.Driver.Rules = append(rn.Tool.Driver.Rules, rule{ID: f.Analyzer, Name: f.Analyzer, ShortDescription: text{f.Analyzer}, FullDescription: text{f.Analyzer}})
		}
		r := result{RuleID: f.Analyzer, RuleIndex: i, Level: sarifLevel(f.Severity), Message: text{f.Message}}
		if f.Suppressed != nil {
			r.Suppressions = []suppression{{Kind: "inSource", Justification: f.Suppressed.Reason}}
		}
		r.Locations = []location{{PhysicalLocation: loc(f.Position, f.End)}}
		for i, rel := range f.Related {
			r.RelatedLocations = append(r.RelatedLocations, location{ID: i + 1, PhysicalLocation: loc(rel.Pos, rel.End), Message: &text{rel.Message}})
		}
		for _, fx := range f.Fixes {
			sf := fix{Description: text{fx.Message}}
			for _, e := range fx.Edits {
				start := cols.position(e.File, e.Start)
				end := cols.position(e.File, e.End)
				ph := loc(start, end)
				sf.ArtifactChanges = append(sf.ArtifactChanges, change{
					ArtifactLocation: ph.ArtifactLocation,
					Replacements:     []replacement{{DeletedRegion: ph.Region, InsertedContent: text{e.NewText}}},
				})
			}
			r.Fixes = append(r.Fixes, sf)
		}
		rn.Results = append(rn.Results, r)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []run{rn}})
}

// sarifLevel maps a severity to SARIF's levels.
func sarifLevel(s registry.Severity) string {
	if s == registry.Warning || s == "" {
		return "warning"
	}
	return "note"
}

// relative returns file relative to base when it lies below base.
func relative(base, file string) string {
	if base == "" {
		return file
	}
	if rel, err := filepath.Rel(base, file); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return file
}

// columnMapper converts byte columns to UTF-16 columns, reading each file once.
type columnMapper struct{ lines map[string][]string }

func newColumnMapper() *columnMapper { return &columnMapper{lines: map[string][]string{}} }

func (m *columnMapper) file(name string) []string {
	if ls, ok := m.lines[name]; ok {
		return ls
	}
	var ls []string
	if f, err := os.Open(name); err == nil {
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
		for sc.Scan() {
			ls = append(ls, sc.Text())
		}
		f.Close()
	}
	m.lines[name] = ls
	return ls
}

// utf16 returns p's 1-based column in UTF-16 code units, or its byte column
// when the file cannot be read.
func (m *columnMapper) utf16(p Position) int {
	ls := m.file(p.File)
	if p.Line < 1 || p.Line > len(ls) || p.Col < 1 {
		return p.Col
	}
	line := ls[p.Line-1]
	n := min(p.Col-1, len(line))
	col := 1
	for _, r := range line[:n] {
		if r >= 0x10000 {
			col += 2
		} else {
			col++
		}
	}
	return col
}

// position turns a byte offset into a line and byte column.
func (m *columnMapper) position(file string, offset int) Position {
	line, start := 1, 0
	for _, l := range m.file(file) {
		next := start + len(l) + 1
		if offset < next {
			break
		}
		start = next
		line++
	}
	return Position{File: file, Line: line, Col: offset - start + 1, Offset: offset}
}
