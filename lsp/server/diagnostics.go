package server

import (
	"context"
	"strings"
	"time"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
	"golang.org/x/tools/go/packages"

	"github.com/asyncbook/asyncbook/lsp/analyze"
	"github.com/asyncbook/asyncbook/lsp/documents"
	"github.com/asyncbook/asyncbook/lsp/load"
	"github.com/asyncbook/asyncbook/lsp/position"
)

// fileState is what the last analysis said about an open file.
type fileState struct {
	analysed int32  // the document version last analysed
	version  int32  // the version the items were computed on
	items    []item // the findings, as published
}

// item is one finding as the editor sees it.
type item struct {
	finding analyze.Finding
	diag    protocol.Diagnostic
	fixes   []protocol.CodeAction
}

// changedLocked wakes whoever waits for analysis state to change; diagMu is
// held.
func (s *Server) changedLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// analyseDir analyses the package(s) of dir with the open files' text and
// publishes the results for the open files. It runs in a scheduler
// goroutine; ctx is cancelled when a newer edit makes the run stale.
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
		s.markAnalysed(docs)
		return
	}
	for i, e := range res.Errors {
		if i == 3 {
			s.opts.Logf("analyse %s: and %d more errors", dir, len(res.Errors)-i)
			break
		}
		s.opts.Logf("analyse %s: %s", dir, e)
	}
	var good []*packages.Package
	illTyped := map[string]bool{}
	for _, p := range res.Packages {
		if p.IllTyped {
			for _, f := range p.GoFiles {
				illTyped[f] = true
			}
		} else {
			good = append(good, p)
		}
	}
	findings, errs := analyze.Run(s.analyzers(), good, res.Sources)
	for _, err := range errs {
		s.opts.Logf("analyse %s: %v", dir, err)
	}
	if ctx.Err() != nil {
		return
	}
	byFile := map[string][]analyze.Finding{}
	for _, f := range findings {
		byFile[f.File] = append(byFile[f.File], f)
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
			st = &fileState{}
			s.files[d.URI] = st
		}
		st.analysed = d.Version
		if illTyped[d.Path] {
			// Mid-edit code that does not compile: keep the last findings
			// until it does (gopls reports the errors themselves).
			continue
		}
		st.version = d.Version
		st.items = nil
		for _, f := range byFile[d.Path] {
			st.items = append(st.items, s.toItem(f, mappers))
		}
		s.publishLocked(d.URI)
	}
	s.changedLocked()
}

// markAnalysed records that docs were analysed without results.
func (s *Server) markAnalysed(docs []*documents.Document) {
	s.diagMu.Lock()
	defer s.diagMu.Unlock()
	for _, d := range docs {
		if cur, ok := s.docs.Get(d.URI); ok && cur.Version == d.Version {
			st := s.files[d.URI]
			if st == nil {
				st = &fileState{}
				s.files[d.URI] = st
			}
			st.analysed = d.Version
		}
	}
	s.changedLocked()
}

// publishLocked sends the diagnostics of u: its findings and what the last
// check found. diagMu is held.
func (s *Server) publishLocked(u protocol.DocumentURI) {
	diags := []protocol.Diagnostic{} // never nil: an empty list clears
	var version int32
	if st := s.files[u]; st != nil {
		version = st.version
		for _, it := range st.items {
			diags = append(diags, it.diag)
		}
	}
	diags = append(diags, s.checks[u]...)
	s.out.notify("textDocument/publishDiagnostics", &protocol.PublishDiagnosticsParams{
		URI: u, Version: uint32(max(version, 0)), Diagnostics: diags,
	})
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

func (c *mapperCache) location(sp analyze.Span) protocol.Location {
	return protocol.Location{URI: c.uriOf(sp.File), Range: c.get(sp.File).Range(sp.Start, sp.End)}
}

// toItem converts a finding into its diagnostic and quick fixes.
func (s *Server) toItem(f analyze.Finding, mappers *mapperCache) item {
	d := protocol.Diagnostic{
		Range:    mappers.get(f.File).Range(f.Start, f.End),
		Severity: protocol.DiagnosticSeverityWarning,
		Code:     f.Analyzer,
		Source:   Source,
		Message:  f.Message,
	}
	if f.URL != "" {
		d.CodeDescription = &protocol.CodeDescription{Href: protocol.URI(f.URL)}
	}
	for _, r := range f.Related {
		d.RelatedInformation = append(d.RelatedInformation, protocol.DiagnosticRelatedInformation{
			Location: mappers.location(r.Span), Message: r.Message,
		})
	}
	it := item{finding: f, diag: d}
	for i, fix := range f.Fixes {
		changes := map[protocol.DocumentURI][]protocol.TextEdit{}
		for _, e := range fix.Edits {
			loc := mappers.location(e.Span)
			changes[loc.URI] = append(changes[loc.URI], protocol.TextEdit{Range: loc.Range, NewText: e.NewText})
		}
		it.fixes = append(it.fixes, protocol.CodeAction{
			Title:       fix.Message,
			Kind:        protocol.QuickFix,
			Diagnostics: []protocol.Diagnostic{d},
			IsPreferred: i == 0,
			Edit:        &protocol.WorkspaceEdit{Changes: changes},
		})
	}
	return it
}
