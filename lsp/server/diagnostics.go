package server

import (
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/asyncbook/asyncbook/analyzers/driver"
	"github.com/asyncbook/asyncbook/analyzers/registry"
	"github.com/asyncbook/asyncbook/lsp/catalog"
	"github.com/asyncbook/asyncbook/lsp/documents"
	"github.com/asyncbook/asyncbook/lsp/load"
	"github.com/asyncbook/asyncbook/lsp/position"
)

// fileState is what the server shows in an open file: the findings of the
// last analysis, or what the last check found. Its spans are byte offsets
// into the document's text at version; rebase carries them to a later
// version through the edits made since, or drops what an edit touched, so
// nothing is ever shown where the text it was about no longer is.
type fileState struct {
	analysed int32 // the document version last analysed
	version  int32 // the version the items' spans refer to
	items    []item
}

// span is a byte range of an open document.
type span struct{ start, end int }

// item is one diagnostic as the server keeps it.
type item struct {
	analyzer string // the analyzer's name ("" for a check's problem)
	code     string
	category string
	message  string
	url      string
	severity protocol.DiagnosticSeverity
	span     span
	related  []relatedInfo
	fixes    []fixInfo
}

// relatedInfo is a related location: in the same document (a span that
// moves with it) or in another file (fixed).
type relatedInfo struct {
	same    bool
	span    span
	loc     protocol.Location
	message string
}

// fixInfo is a suggested fix whose edits are all in the item's document.
type fixInfo struct {
	title string
	edits []editInfo
}

type editInfo struct {
	span    span
	newText string
}

// rebased returns the items carried through edits: those an edit touched
// (their own range, a related range in the file, an edit of a fix) lose
// what it touched, or are dropped.
func rebased(items []item, edits []documents.Edit) []item {
	if len(edits) == 0 {
		return items
	}
	mapSpan := func(s span) (span, bool) {
		start, end, ok := documents.MapSpan(edits, s.start, s.end)
		return span{start, end}, ok
	}
	var out []item
	for _, it := range items {
		sp, ok := mapSpan(it.span)
		if !ok {
			continue
		}
		n := it
		n.span = sp
		n.related = nil
		for _, r := range it.related {
			if r.same {
				if r.span, ok = mapSpan(r.span); !ok {
					continue
				}
			}
			n.related = append(n.related, r)
		}
		n.fixes = nil
	fixes:
		for _, f := range it.fixes {
			nf := fixInfo{title: f.title}
			for _, e := range f.edits {
				es, ok := mapSpan(e.span)
				if !ok {
					continue fixes // a fix of text that changed would apply wrongly
				}
				nf.edits = append(nf.edits, editInfo{es, e.newText})
			}
			n.fixes = append(n.fixes, nf)
		}
		out = append(out, n)
	}
	return out
}

// rebaseLocked carries st to the document's current version, dropping its
// items if the edits since are no longer known. diagMu is held.
func (s *Server) rebaseLocked(u protocol.DocumentURI, st *fileState) {
	d, ok := s.docs.Get(u)
	if !ok || st == nil || st.version == d.Version {
		return
	}
	edits, known := s.docs.EditsSince(u, st.version)
	if known {
		st.items = rebased(st.items, edits)
	} else {
		st.items = nil
	}
	st.version = d.Version
}

// changedLocked wakes whoever waits for analysis state to change; diagMu is
// held.
func (s *Server) changedLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// analyseDir analyses the package(s) of dir with the open files' text and
// publishes the results for the open files. It runs in a scheduler
// goroutine; ctx is cancelled when a newer edit makes the run stale. What
// could not be analysed (code that does not type-check, a package that does
// not load) keeps its previous findings, carried through the edits.
func (s *Server) analyseDir(ctx context.Context, dir string) {
	docs := s.docs.InDir(dir)
	if len(docs) == 0 {
		return
	}
	req := load.Request{Dir: dir, Overlay: map[string][]byte{}}
	for _, d := range docs {
		req.Overlay[d.Path] = []byte(d.Text())
		if strings.HasSuffix(d.Path, "_test.go") {
			req.Tests = true
		}
	}
	res, err := s.loader.Load(ctx, req)
	if ctx.Err() != nil {
		return
	}
	if err != nil {
		s.opts.Logf("analyse %s: %v", dir, err)
		s.publishUnanalysed(docs)
		return
	}
	for i, e := range res.Errors {
		if i == 3 {
			s.opts.Logf("analyse %s: and %d more errors", dir, len(res.Errors)-i)
			break
		}
		s.opts.Logf("analyse %s: %s", dir, e)
	}
	dres, err := driver.Analyze(ctx, res.Packages, driver.Options{Entries: s.opts.Entries, Settings: s.currentSettings(), Sequential: true})
	if ctx.Err() != nil {
		return
	}
	if err != nil {
		s.opts.Logf("analyse %s: %v", dir, err)
		s.publishUnanalysed(docs)
		return
	}
	for _, err := range dres.AnalyzerErrors {
		s.opts.Logf("analyse %s: %v", dir, err)
	}
	s.reportSettingsErrors(dres.SettingsErrors)
	byFile := map[string][]driver.Finding{}
	for _, f := range dres.Findings {
		byFile[f.File] = append(byFile[f.File], f)
	}
	analysed := map[string]bool{}
	for _, f := range dres.Files {
		analysed[f] = true
	}
	unanalysed := map[string][]driver.Span{}
	for _, sp := range dres.Unanalysed {
		unanalysed[sp.File] = append(unanalysed[sp.File], sp)
	}
	mappers := s.newMapperCache(res.Sources)

	s.diagMu.Lock()
	defer s.diagMu.Unlock()
	for _, d := range docs {
		cur, ok := s.docs.Get(d.URI)
		if !ok || cur.Version != d.Version {
			continue // closed or edited since: a newer run is on its way
		}
		st := s.files[d.URI]
		if st == nil {
			st = &fileState{version: d.Version}
			s.files[d.URI] = st
		}
		s.rebaseLocked(d.URI, st)
		st.analysed = d.Version
		var items []item
		for _, it := range st.items {
			if !analysed[d.Path] || within(unanalysed[d.Path], it.span) {
				items = append(items, it) // not recomputed: kept where its text went
			}
		}
		for _, f := range byFile[d.Path] {
			items = append(items, s.toItem(f, d, mappers))
		}
		sort.SliceStable(items, func(i, j int) bool { return items[i].span.start < items[j].span.start })
		st.items = items
		s.publishLocked(d.URI)
	}
	s.changedLocked()
}

// within reports whether sp lies in one of spans.
func within(spans []driver.Span, sp span) bool {
	for _, x := range spans {
		if x.Start <= sp.start && sp.start < x.End {
			return true
		}
	}
	return false
}

// publishUnanalysed republishes docs whose analysis failed: their findings,
// carried to the current text.
func (s *Server) publishUnanalysed(docs []*documents.Document) {
	s.diagMu.Lock()
	defer s.diagMu.Unlock()
	for _, d := range docs {
		cur, ok := s.docs.Get(d.URI)
		if !ok || cur.Version != d.Version {
			continue
		}
		st := s.files[d.URI]
		if st == nil {
			st = &fileState{version: d.Version}
			s.files[d.URI] = st
		}
		s.rebaseLocked(d.URI, st)
		st.analysed = d.Version
		s.publishLocked(d.URI)
	}
	s.changedLocked()
}

// reportSettingsErrors shows a broken settings file's error once.
func (s *Server) reportSettingsErrors(errs []error) {
	s.mu.Lock()
	var fresh []string
	for _, err := range errs {
		if !s.settingsErrs[err.Error()] {
			s.settingsErrs[err.Error()] = true
			fresh = append(fresh, err.Error())
		}
	}
	s.mu.Unlock()
	for _, msg := range fresh {
		s.opts.Logf("%s", msg)
		s.showMessage(protocol.MessageTypeWarning, "asyncbook: "+msg)
	}
}

// diagnosticsLocked returns what is shown for u: the findings, then the
// check's problems, at the document's current version. A proven leak at
// the go statement of a static finding becomes part of that finding's
// diagnostic. diagMu is held.
func (s *Server) diagnosticsLocked(u protocol.DocumentURI) ([]protocol.Diagnostic, int32) {
	diags := []protocol.Diagnostic{} // never nil: an empty list clears
	d, ok := s.docs.Get(u)
	if !ok {
		return diags, 0
	}
	st, chk := s.files[u], s.checks[u]
	s.rebaseLocked(u, st)
	s.rebaseLocked(u, chk)
	lineOf := func(off int) uint32 { return d.Position(off).Line }
	var proven []item // proven leaks, one per go statement
	seen := map[uint32]bool{}
	var checks []item
	if chk != nil {
		for _, it := range chk.items {
			if it.code == catalog.CodeProvenLeak && !seen[lineOf(it.span.start)] {
				seen[lineOf(it.span.start)] = true
				proven = append(proven, it)
				continue
			}
			checks = append(checks, it)
		}
	}
	// A static finding inside the go statement a proven leak points at
	// (the send of its goroutine, the go keyword) says both, once.
	stmts := goStatements(d, proven, lineOf)
	merged := map[int]bool{} // index in proven
	if st != nil {
		for _, it := range st.items {
			diag := s.diagnostic(d, it)
			for i, leak := range proven {
				if merged[i] || !stmts[i].contains(it.span.start) {
					continue
				}
				merged[i] = true
				diag.Severity = protocol.DiagnosticSeverityError
				diag.Message += "\nproven by the check: " + leak.message
				diag.RelatedInformation = append(diag.RelatedInformation, s.diagnostic(d, leak).RelatedInformation...)
				break
			}
			diags = append(diags, diag)
		}
	}
	for i, leak := range proven {
		if !merged[i] {
			checks = append(checks, leak)
		}
	}
	sort.SliceStable(checks, func(i, j int) bool { return checks[i].span.start < checks[j].span.start })
	for _, it := range checks {
		diags = append(diags, s.diagnostic(d, it))
	}
	return diags, d.Version
}

// goStatements returns, for each proven leak, the range of the go
// statement on its line (the line itself when none parses there).
func goStatements(d *documents.Document, leaks []item, lineOf func(int) uint32) []span {
	out := make([]span, len(leaks))
	if len(leaks) == 0 {
		return out
	}
	byLine := map[uint32]span{}
	fset := token.NewFileSet()
	if f, _ := parser.ParseFile(fset, d.Path, d.Text(), parser.SkipObjectResolution); f != nil {
		ast.Inspect(f, func(n ast.Node) bool {
			if g, ok := n.(*ast.GoStmt); ok && g.End().IsValid() {
				start, end := fset.Position(g.Pos()).Offset, fset.Position(g.End()).Offset
				if _, dup := byLine[lineOf(start)]; !dup {
					byLine[lineOf(start)] = span{start, end}
				}
			}
			return true
		})
	}
	for i, l := range leaks {
		if sp, ok := byLine[lineOf(l.span.start)]; ok {
			out[i] = sp
			continue
		}
		line := lineOf(l.span.start)
		start := d.Offset(protocol.Position{Line: line})
		out[i] = span{start, d.Offset(protocol.Position{Line: line + 1})}
	}
	return out
}

func (s span) contains(off int) bool { return s.start <= off && off < s.end }

// publishLocked sends the diagnostics of u: an open document's, or a
// check's problems in a file that is not open. diagMu is held.
func (s *Server) publishLocked(u protocol.DocumentURI) {
	diags, version := s.diagnosticsLocked(u)
	if _, open := s.docs.Get(u); !open {
		if df := s.diskChecks[u]; df != nil {
			for _, it := range df.items {
				diags = append(diags, s.diskDiagnostic(u, df.mapper, it))
			}
		}
	}
	s.out.notify("textDocument/publishDiagnostics", &protocol.PublishDiagnosticsParams{
		URI: u, Version: uint32(max(version, 0)), Diagnostics: diags,
	})
}

// diagnostic builds the LSP diagnostic of an item of d.
func (s *Server) diagnostic(d *documents.Document, it item) protocol.Diagnostic {
	diag := protocol.Diagnostic{
		Range:    d.Range(it.span.start, it.span.end),
		Severity: it.severity,
		Code:     it.code,
		Source:   Source,
		Message:  it.message,
	}
	if it.url != "" {
		diag.CodeDescription = &protocol.CodeDescription{Href: protocol.URI(it.url)}
	}
	for _, r := range it.related {
		loc := r.loc
		if r.same {
			loc = protocol.Location{URI: d.URI, Range: d.Range(r.span.start, r.span.end)}
		}
		diag.RelatedInformation = append(diag.RelatedInformation, protocol.DiagnosticRelatedInformation{Location: loc, Message: r.message})
	}
	return diag
}

// diskDiagnostic builds the diagnostic of an item of a file that is not open.
func (s *Server) diskDiagnostic(u protocol.DocumentURI, m *position.Mapper, it item) protocol.Diagnostic {
	d := &documents.Document{URI: u, Mapper: m}
	return s.diagnostic(d, it)
}

// waitFresh waits until the open document u has been analysed at its
// current version, so code actions see the latest findings. It gives up
// after limit or when ctx ends.
func (s *Server) waitFresh(ctx context.Context, u protocol.DocumentURI, limit time.Duration) {
	timer := time.NewTimer(limit)
	defer timer.Stop()
	for {
		d, ok := s.docs.Get(u)
		if !ok || d.Path == "" || !strings.HasSuffix(d.Path, ".go") {
			return
		}
		s.diagMu.Lock()
		st, changed := s.files[u], s.changed
		fresh := st != nil && st.analysed == d.Version
		s.diagMu.Unlock()
		if fresh {
			return
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return
		case <-timer.C:
			return
		}
	}
}

// mapperCache maps the analysed files' offsets, building each mapper once.
type mapperCache struct {
	sources map[string][]byte
	mappers map[string]*position.Mapper
	uriOf   func(path string) protocol.DocumentURI
}

func (s *Server) newMapperCache(sources map[string][]byte) *mapperCache {
	return &mapperCache{sources: sources, mappers: map[string]*position.Mapper{}, uriOf: s.uriOf}
}

// uriOf returns the URI of a file: the client's own for an open file.
func (s *Server) uriOf(path string) protocol.DocumentURI {
	if d, ok := s.docs.ByPath(path); ok {
		return d.URI
	}
	return uri.File(path)
}

func (c *mapperCache) get(file string) *position.Mapper {
	m := c.mappers[file]
	if m == nil {
		m = position.NewMapper(string(c.sources[file]))
		c.mappers[file] = m
	}
	return m
}

func (c *mapperCache) location(file string, start, end int) protocol.Location {
	return protocol.Location{URI: c.uriOf(file), Range: c.get(file).Range(start, end)}
}

// severity converts a registry severity.
func severity(s registry.Severity) protocol.DiagnosticSeverity {
	switch s {
	case registry.Information:
		return protocol.DiagnosticSeverityInformation
	case registry.Hint:
		return protocol.DiagnosticSeverityHint
	default:
		return protocol.DiagnosticSeverityWarning
	}
}

// toItem converts a finding in the open document d (analysed at its
// current version) into an item.
func (s *Server) toItem(f driver.Finding, d *documents.Document, mappers *mapperCache) item {
	text := d.Text()
	it := item{
		analyzer: f.Analyzer,
		code:     f.Analyzer,
		category: f.Category,
		message:  f.Message,
		url:      f.URL,
		severity: severity(f.Severity),
		span:     wordSpan(text, f.Offset, f.End.Offset),
	}
	for _, r := range f.Related {
		if r.Pos.File == d.Path {
			it.related = append(it.related, relatedInfo{same: true, span: wordSpan(text, r.Pos.Offset, r.End.Offset), message: r.Message})
		} else if r.Pos.File != "" {
			it.related = append(it.related, relatedInfo{loc: mappers.location(r.Pos.File, r.Pos.Offset, max(r.End.Offset, r.Pos.Offset)), message: r.Message})
		}
	}
fixes:
	for _, fix := range f.Fixes {
		fi := fixInfo{title: fix.Message}
		for _, e := range fix.Edits {
			if e.File != d.Path {
				continue fixes // only fixes of this document can be versioned with it
			}
			fi.edits = append(fi.edits, editInfo{span{min(e.Start, len(text)), min(max(e.End, e.Start), len(text))}, e.NewText})
		}
		if len(fi.edits) > 0 {
			it.fixes = append(it.fixes, fi)
		}
	}
	return it
}

// wordSpan is [start, end) clamped into text; an empty range is widened
// to the identifier (or character) at start, so it marks something.
func wordSpan(text string, start, end int) span {
	start = min(max(start, 0), len(text))
	end = min(max(end, start), len(text))
	if end > start {
		return span{start, end}
	}
	i := start
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_') {
			break
		}
		i += size
	}
	if i == start && i < len(text) && text[i] != '\n' {
		_, size := utf8.DecodeRuneInString(text[i:])
		i += size
	}
	return span{start, i}
}

// checkItems converts a check's problems into items per open document, at
// its current version; problems in files that are not open are placed in
// the file on disk.
func (s *Server) checkItems(problems []catalog.Problem) (map[protocol.DocumentURI]*fileState, map[protocol.DocumentURI]*diskFile) {
	open := map[protocol.DocumentURI]*fileState{}
	closed := map[protocol.DocumentURI]*diskFile{}
	mappers := map[string]*position.Mapper{}
	mapperOf := func(path string) (*position.Mapper, *documents.Document) {
		if d, ok := s.docs.ByPath(path); ok {
			return d.Mapper, d
		}
		if m, ok := mappers[path]; ok {
			return m, nil
		}
		src, err := readFile(path)
		if err != nil {
			s.opts.Logf("check: %v", err)
			mappers[path] = nil
			return nil, nil
		}
		m := position.NewMapper(string(src))
		mappers[path] = m
		return m, nil
	}
	for _, p := range problems {
		m, d := mapperOf(p.File)
		if m == nil {
			continue
		}
		start, end := problemSpan(m, p.Line, p.Col)
		it := item{code: p.Code, message: p.Message, severity: protocol.DiagnosticSeverityError, span: span{start, end}}
		for _, r := range p.Related {
			rm, _ := mapperOf(r.File)
			if rm == nil {
				continue
			}
			rs, re := problemSpan(rm, r.Line, r.Col)
			if r.File == p.File {
				it.related = append(it.related, relatedInfo{same: true, span: span{rs, re}, message: r.Message})
			} else {
				it.related = append(it.related, relatedInfo{loc: protocol.Location{URI: s.uriOf(r.File), Range: rm.Range(rs, re)}, message: r.Message})
			}
		}
		u := s.uriOf(p.File)
		if d != nil {
			if open[u] == nil {
				open[u] = &fileState{version: d.Version}
			}
			open[u].items = append(open[u].items, it)
		} else {
			if closed[u] == nil {
				closed[u] = &diskFile{mapper: m}
			}
			closed[u].items = append(closed[u].items, it)
		}
	}
	return open, closed
}

// diskFile is a check's problems in a file that is not open.
type diskFile struct {
	mapper *position.Mapper
	items  []item
}

// problemSpan is the byte range of a 1-based line and byte column: the
// word at the column, or the line's text without its indentation for
// column 0.
func problemSpan(m *position.Mapper, line, col int) (int, int) {
	if line < 1 {
		line = 1
	}
	start := m.Offset(protocol.Position{Line: uint32(line - 1)})
	end := m.Offset(protocol.Position{Line: uint32(line - 1), Character: 1 << 30})
	text := m.Text()
	if col > 0 && start+col-1 <= end {
		s := start + col - 1
		e := s
		for e < end {
			r, size := utf8.DecodeRuneInString(text[e:])
			if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '.') {
				break
			}
			e += size
		}
		if e == s {
			e = min(s+1, end)
		}
		return s, e
	}
	lineText := text[start:end]
	trimmed := strings.TrimLeft(lineText, " \t")
	return start + len(lineText) - len(trimmed), end
}

func (it item) String() string {
	return fmt.Sprintf("%s@%d-%d: %s", it.code, it.span.start, it.span.end, it.message)
}

func readFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return b, nil
}
