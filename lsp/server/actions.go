package server

import (
	"context"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"sort"
	"strings"

	"go.lsp.dev/protocol"

	"github.com/asyncbook/asyncbook/lsp/catalog"
	"github.com/asyncbook/asyncbook/lsp/documents"
	"github.com/asyncbook/asyncbook/lsp/explain"
)

// CommandArgs is the one argument of the server's commands.
type CommandArgs struct {
	URI      protocol.DocumentURI `json:"uri,omitempty"`
	Exercise string               `json:"exercise,omitempty"` // a slug
	Analyzer string               `json:"analyzer,omitempty"`
	Guide    string               `json:"guide,omitempty"` // a guide.md path
}

func before(a, b protocol.Position) bool {
	return a.Line < b.Line || a.Line == b.Line && a.Character < b.Character
}

// overlaps reports whether two ranges share a position, ends included (a
// cursor at either end of a finding is on it).
func overlaps(a, b protocol.Range) bool {
	return !before(a.End, b.Start) && !before(b.End, a.Start)
}

// itemsOf returns the current findings of an open document.
func (s *Server) itemsOf(u protocol.DocumentURI) []item {
	s.diagMu.Lock()
	defer s.diagMu.Unlock()
	if st := s.files[u]; st != nil {
		return append([]item(nil), st.items...)
	}
	return nil
}

// exerciseOf returns the exercise an open document belongs to.
func (s *Server) exerciseOf(d *documents.Document) (*catalog.Exercise, bool) {
	if d.Path == "" {
		return nil, false
	}
	return s.opts.Catalog.ExerciseFor(d.Path)
}

// nextHint returns the number of the hint the learner sees next under key,
// out of total.
func (s *Server) nextHint(key string, total int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return min(s.hintsShown[key]+1, total)
}

// takeHint records that the next hint under key is shown and returns its
// number. After the last, the last is shown again.
func (s *Server) takeHint(key string, total int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := min(s.hintsShown[key]+1, total)
	s.hintsShown[key] = n
	return n
}

// nextExerciseHint is nextHint for an exercise, whose count the workbook
// keeps.
func (s *Server) nextExerciseHint(path string, total int) int {
	return max(1, min(s.opts.Catalog.HintsShown(path)+1, total))
}

// takeExerciseHint is takeHint for an exercise.
func (s *Server) takeExerciseHint(path string, total int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := max(1, min(s.opts.Catalog.HintsShown(path)+1, total))
	if err := s.opts.Catalog.SetHintsShown(path, n); err != nil {
		s.opts.Logf("record hint: %v", err)
	}
	return n
}

func analyzerKey(name string) string          { return "analyzer:" + name }
func hintTitle(n, total int, t string) string { return fmt.Sprintf("Hint %d/%d: %s", n, total, t) }

func command(title, cmd string, args CommandArgs) *protocol.Command {
	return &protocol.Command{Title: title, Command: cmd, Arguments: []any{args}}
}

func (s *Server) codeAction(ctx context.Context, params json.RawMessage) (any, error) {
	var p protocol.CodeActionParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	actions := []protocol.CodeAction{}
	d, ok := s.docs.Get(p.TextDocument.URI)
	if !ok {
		return actions, nil
	}
	s.waitFresh(ctx, d.URI, s.opts.FreshWait)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var inRange []item
	for _, it := range s.itemsOf(d.URI) {
		if overlaps(it.diag.Range, p.Range) {
			inRange = append(inRange, it)
			actions = append(actions, it.fixes...)
		}
	}
	if ex, ok := s.exerciseOf(d); ok {
		if total := len(ex.Hints); total > 0 {
			n := s.nextExerciseHint(d.Path, total)
			title := hintTitle(n, total, ex.Hints[n-1].Title)
			actions = append(actions, protocol.CodeAction{Title: title, Kind: KindHint,
				Command: command(title, CmdHint, CommandArgs{URI: d.URI, Exercise: ex.Slug})})
		}
		if ex.GuidePath != "" {
			title := "Open interview guide"
			actions = append(actions, protocol.CodeAction{Title: title, Kind: KindGuide,
				Command: command(title, CmdOpenGuide, CommandArgs{URI: d.URI, Exercise: ex.Slug, Guide: ex.GuidePath})})
		}
	} else {
		seen := map[string]bool{}
		for _, it := range inRange {
			name := it.finding.Analyzer
			a := s.opts.Lookup(name)
			if seen[name] || a == nil {
				continue
			}
			seen[name] = true
			hints := explain.Parse(a).Hints()
			if len(hints) == 0 {
				continue
			}
			n := s.nextHint(analyzerKey(name), len(hints))
			title := hintTitle(n, len(hints), hints[n-1].Title)
			actions = append(actions, protocol.CodeAction{Title: title, Kind: KindHint,
				Diagnostics: []protocol.Diagnostic{it.diag},
				Command:     command(title, CmdHint, CommandArgs{URI: d.URI, Analyzer: name})})
		}
	}
	return filterKinds(actions, p.Context.Only), nil
}

// filterKinds keeps the actions of the kinds asked for (all if none).
func filterKinds(actions []protocol.CodeAction, only []protocol.CodeActionKind) []protocol.CodeAction {
	if len(only) == 0 {
		return actions
	}
	out := []protocol.CodeAction{}
	for _, a := range actions {
		for _, k := range only {
			if a.Kind == k || strings.HasPrefix(string(a.Kind), string(k)+".") {
				out = append(out, a)
				break
			}
		}
	}
	return out
}

func (s *Server) hover(_ context.Context, params json.RawMessage) (any, error) {
	var p protocol.HoverParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	d, ok := s.docs.Get(p.TextDocument.URI)
	if !ok {
		return nil, nil
	}
	at := protocol.Range{Start: p.Position, End: p.Position}
	var parts []string
	var rng *protocol.Range
	ex, _ := s.exerciseOf(d)
	for _, it := range s.itemsOf(d.URI) {
		if !overlaps(it.diag.Range, at) {
			continue
		}
		note := ""
		if ex != nil {
			note = ex.AnalyzerNotes[it.finding.Analyzer]
		}
		doc := explain.Doc{Name: it.finding.Analyzer, URL: it.finding.URL}
		if a := s.opts.Lookup(it.finding.Analyzer); a != nil {
			doc = explain.Parse(a)
			if it.finding.URL != "" {
				doc.URL = it.finding.URL
			}
		}
		parts = append(parts, doc.Markdown(it.finding.Message, note))
		if rng == nil {
			r := it.diag.Range
			rng = &r
		}
	}
	s.diagMu.Lock()
	checks := append([]protocol.Diagnostic(nil), s.checks[d.URI]...)
	s.diagMu.Unlock()
	for _, c := range checks {
		if overlaps(c.Range, at) {
			parts = append(parts, fmt.Sprintf("**%v** (exercise check): %s", c.Code, c.Message))
			if rng == nil {
				r := c.Range
				rng = &r
			}
		}
	}
	if len(parts) == 0 {
		return nil, nil
	}
	return &protocol.Hover{
		Contents: protocol.MarkupContent{Kind: protocol.Markdown, Value: strings.Join(parts, "\n\n---\n\n")},
		Range:    rng,
	}, nil
}

func (s *Server) codeLens(_ context.Context, params json.RawMessage) (any, error) {
	var p protocol.CodeLensParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	lenses := []protocol.CodeLens{}
	d, ok := s.docs.Get(p.TextDocument.URI)
	if !ok {
		return lenses, nil
	}
	ex, ok := s.exerciseOf(d)
	if !ok || ex.Func == "" {
		return lenses, nil
	}
	rng, ok := funcRange(d, ex.Func)
	if !ok {
		return lenses, nil
	}
	if !s.isUntrusted() {
		lenses = append(lenses, protocol.CodeLens{Range: rng,
			Command: command("Check exercise", CmdCheckExercise, CommandArgs{URI: d.URI, Exercise: ex.Slug})})
	}
	if total := len(ex.Hints); total > 0 {
		n := s.nextExerciseHint(d.Path, total)
		lenses = append(lenses, protocol.CodeLens{Range: rng,
			Command: command(fmt.Sprintf("Next hint (%d/%d)", n, total), CmdHint, CommandArgs{URI: d.URI, Exercise: ex.Slug})})
	}
	return lenses, nil
}

// funcRange returns the range of the name of the package-level function
// name in the document, parsing what it can of unfinished code.
func funcRange(d *documents.Document, name string) (protocol.Range, bool) {
	fset := token.NewFileSet()
	f, _ := parser.ParseFile(fset, d.Path, d.Text(), parser.SkipObjectResolution)
	if f == nil {
		return protocol.Range{}, false
	}
	var found []*ast.FuncDecl
	for _, decl := range f.Decls {
		if fd, ok := decl.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == name {
			found = append(found, fd)
		}
	}
	if len(found) == 0 {
		return protocol.Range{}, false
	}
	sort.Slice(found, func(i, j int) bool { return found[i].Pos() < found[j].Pos() })
	start := fset.Position(found[0].Name.Pos()).Offset
	return d.Range(start, start+len(name)), true
}
