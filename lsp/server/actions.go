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
	Guide    string               `json:"guide,omitempty"` // a guide.md path: only the exercise's own
	// Settings, with a check, go on top of the server's settings (an
	// editor may send its analyzer selection and profile with the command).
	Settings *Settings `json:"settings,omitempty"`
}

func before(a, b protocol.Position) bool {
	return a.Line < b.Line || a.Line == b.Line && a.Character < b.Character
}

// overlaps reports whether two ranges share a position, ends included (a
// cursor at either end of a finding is on it).
func overlaps(a, b protocol.Range) bool {
	return !before(a.End, b.Start) && !before(b.End, a.Start)
}

// itemsOf returns the current findings of an open document, carried to
// its current text, and whether that text has been analysed (else the
// findings' fixes were computed for older text).
func (s *Server) itemsOf(u protocol.DocumentURI) (items []item, fresh bool) {
	d, ok := s.docs.Get(u)
	if !ok {
		return nil, false
	}
	s.diagMu.Lock()
	defer s.diagMu.Unlock()
	st := s.files[u]
	if st == nil {
		return nil, false
	}
	s.rebaseLocked(u, st)
	return append([]item(nil), st.items...), st.analysed == d.Version && st.version == d.Version
}

// checksOf returns the last check's problems in an open document.
func (s *Server) checksOf(u protocol.DocumentURI) []item {
	s.diagMu.Lock()
	defer s.diagMu.Unlock()
	st := s.checks[u]
	if st == nil {
		return nil
	}
	s.rebaseLocked(u, st)
	return append([]item(nil), st.items...)
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
	type shown struct {
		item
		diag protocol.Diagnostic
	}
	var inRange []shown
	items, fresh := s.itemsOf(d.URI)
	cur, ok := s.docs.Get(d.URI)
	if !ok {
		return actions, nil
	}
	for _, it := range items {
		diag := s.diagnostic(cur, it)
		if !overlaps(diag.Range, p.Range) {
			continue
		}
		inRange = append(inRange, shown{it, diag})
		if !fresh {
			continue // the fixes were computed for text the document no longer has
		}
		for i, fix := range it.fixes {
			actions = append(actions, protocol.CodeAction{
				Title:       fix.title,
				Kind:        protocol.QuickFix,
				Diagnostics: []protocol.Diagnostic{diag},
				IsPreferred: i == 0,
				Edit:        s.workspaceEdit(cur, fix),
			})
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
			name := it.analyzer
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
// workspaceEdit is a fix's edit of d at its version: versioned document
// changes when the client takes them (it refuses them once the document
// moved on), plain changes otherwise.
func (s *Server) workspaceEdit(d *documents.Document, fix fixInfo) *protocol.WorkspaceEdit {
	var edits []protocol.TextEdit
	for _, e := range fix.edits {
		edits = append(edits, protocol.TextEdit{Range: d.Range(e.span.start, e.span.end), NewText: e.newText})
	}
	s.mu.Lock()
	versioned := s.caps.Workspace != nil && s.caps.Workspace.WorkspaceEdit != nil && s.caps.Workspace.WorkspaceEdit.DocumentChanges
	s.mu.Unlock()
	if !versioned {
		return &protocol.WorkspaceEdit{Changes: map[protocol.DocumentURI][]protocol.TextEdit{d.URI: edits}}
	}
	version := d.Version
	return &protocol.WorkspaceEdit{DocumentChanges: []protocol.TextDocumentEdit{{
		TextDocument: protocol.OptionalVersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: d.URI}, Version: &version},
		Edits:        edits,
	}}}
}

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
	items, _ := s.itemsOf(d.URI)
	cur, ok := s.docs.Get(d.URI)
	if !ok {
		return nil, nil
	}
	for _, it := range items {
		diag := s.diagnostic(cur, it)
		if !overlaps(diag.Range, at) {
			continue
		}
		note := ""
		if ex != nil {
			note = ex.AnalyzerNotes[it.analyzer]
		}
		doc := explain.Doc{Name: it.analyzer, URL: it.url}
		if a := s.opts.Lookup(it.analyzer); a != nil {
			doc = explain.Parse(a)
			if it.url != "" {
				doc.URL = it.url
			}
		}
		parts = append(parts, doc.Markdown(it.message, note))
		if rng == nil {
			r := diag.Range
			rng = &r
		}
	}
	for _, c := range s.checksOf(d.URI) {
		diag := s.diagnostic(cur, c)
		if overlaps(diag.Range, at) {
			parts = append(parts, fmt.Sprintf("**%v** (exercise check): %s", c.code, c.message))
			if rng == nil {
				r := diag.Range
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
