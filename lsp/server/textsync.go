package server

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"time"

	"go.lsp.dev/protocol"

	"github.com/asyncbook/asyncbook/analyzers/driver"
	"github.com/asyncbook/asyncbook/lsp/documents"
)

func dirOf(path string) string { return filepath.Dir(path) }

// schedule arranges an analysis of dir after delay.
func (s *Server) schedule(dir string, delay time.Duration) {
	s.sched.Schedule(dir, delay, func(ctx context.Context) { s.analyseDir(ctx, dir) })
}

func (s *Server) currentDebounce() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.debounce
}

func (s *Server) didOpen(params json.RawMessage) error {
	var p protocol.DidOpenTextDocumentParams
	if err := json.Unmarshal(params, &p); err != nil {
		return fmt.Errorf("decode params: %w", err)
	}
	d := s.docs.Open(p.TextDocument.URI, p.TextDocument.Version, p.TextDocument.Text)
	s.adoptDiskChecks(d)
	if d.Path != "" && filepath.Ext(d.Path) == ".go" {
		s.schedule(dirOf(d.Path), 0)
	}
	return nil
}

// changeParams is didChange's params with each change's range optional (a
// change without one replaces the text); protocol's type cannot tell.
type changeParams struct {
	TextDocument   protocol.VersionedTextDocumentIdentifier `json:"textDocument"`
	ContentChanges []struct {
		Range *protocol.Range `json:"range"`
		Text  string          `json:"text"`
	} `json:"contentChanges"`
}

func (s *Server) didChange(params json.RawMessage) error {
	var p changeParams
	if err := json.Unmarshal(params, &p); err != nil {
		return fmt.Errorf("decode params: %w", err)
	}
	changes := make([]documents.Change, len(p.ContentChanges))
	for i, c := range p.ContentChanges {
		changes[i] = documents.Change{Range: c.Range, Text: c.Text}
	}
	d, err := s.docs.Change(p.TextDocument.URI, p.TextDocument.Version, changes)
	if err != nil {
		return err
	}
	if d.Path != "" && filepath.Ext(d.Path) == ".go" {
		s.schedule(dirOf(d.Path), s.currentDebounce())
	}
	return nil
}

func (s *Server) didSave(params json.RawMessage) error {
	var p protocol.DidSaveTextDocumentParams
	if err := json.Unmarshal(params, &p); err != nil {
		return fmt.Errorf("decode params: %w", err)
	}
	s.fileChangedOnDisk(documents.PathOf(p.TextDocument.URI))
	return nil
}

// watchFiles asks a client that can to report changes on disk to Go files
// and module files, so that a checkout or a save elsewhere refreshes the
// cached dependencies. It does not wait for the answer.
func (s *Server) watchFiles() {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.caps.Workspace
	if w == nil || w.DidChangeWatchedFiles == nil || !w.DidChangeWatchedFiles.DynamicRegistration {
		return
	}
	params := &protocol.RegistrationParams{Registrations: []protocol.Registration{{
		ID:     "asyncbook-watch",
		Method: "workspace/didChangeWatchedFiles",
		RegisterOptions: &protocol.DidChangeWatchedFilesRegistrationOptions{Watchers: []protocol.FileSystemWatcher{
			{GlobPattern: "**/*.go"}, {GlobPattern: "**/go.mod"}, {GlobPattern: "**/go.sum"}, {GlobPattern: "**/go.work"},
			{GlobPattern: "**/" + driver.SettingsFile},
		}},
	}}}
	s.reqWG.Add(1)
	go func() {
		defer s.reqWG.Done()
		if _, err := s.conn.Call(s.ctx, "client/registerCapability", params, nil); err != nil {
			s.opts.Logf("register file watchers: %v", err)
		}
	}()
}

func (s *Server) didChangeWatchedFiles(params json.RawMessage) error {
	var p protocol.DidChangeWatchedFilesParams
	if err := json.Unmarshal(params, &p); err != nil {
		return fmt.Errorf("decode params: %w", err)
	}
	for _, c := range p.Changes {
		if c != nil {
			s.fileChangedOnDisk(documents.PathOf(c.URI))
		}
	}
	return nil
}

// fileChangedOnDisk drops what the change makes stale and re-analyses the
// open directories: the changed file may be a sibling of an open one, or in
// a package they import.
func (s *Server) fileChangedOnDisk(path string) {
	switch base := filepath.Base(path); {
	case path == "":
		return
	case base == driver.SettingsFile:
		// Every run reads the settings files afresh: analyse again, and
		// show the file's errors again if it is still broken.
		s.mu.Lock()
		clear(s.settingsErrs)
		s.mu.Unlock()
		s.reanalyseAll()
		return
	case filepath.Ext(base) != ".go" && base != "go.mod" && base != "go.sum" && base != "go.work" && base != "go.work.sum":
		return // not something a package is made of
	}
	s.loader.Invalidate(path)
	_, open := s.docs.ByPath(path)
	for _, dir := range s.openDirs() {
		if dir == dirOf(path) && open {
			continue // the editor's text of the file is what counts, and it has not changed
		}
		s.schedule(dir, s.currentDebounce())
	}
}

func (s *Server) didClose(params json.RawMessage) error {
	var p protocol.DidCloseTextDocumentParams
	if err := json.Unmarshal(params, &p); err != nil {
		return fmt.Errorf("decode params: %w", err)
	}
	u := p.TextDocument.URI
	d, ok := s.docs.Get(u)
	if !ok {
		return fmt.Errorf("close %s: document is not open", u)
	}
	s.docs.Close(u)
	s.diagMu.Lock()
	delete(s.files, u)
	delete(s.checks, u)
	delete(s.diskChecks, u)
	s.out.notify("textDocument/publishDiagnostics", &protocol.PublishDiagnosticsParams{URI: u, Diagnostics: []protocol.Diagnostic{}})
	s.changedLocked()
	s.diagMu.Unlock()
	if d.Path != "" {
		dir := dirOf(d.Path)
		if len(s.docs.InDir(dir)) == 0 {
			s.sched.Cancel(dir)
		} else {
			// The closed file's unsaved text is gone: the others see the disk.
			s.schedule(dir, s.currentDebounce())
		}
	}
	return nil
}

// adoptDiskChecks moves the last check's problems in a file that was not
// open to its document, when its text is the one they were placed in.
func (s *Server) adoptDiskChecks(d *documents.Document) {
	s.diagMu.Lock()
	defer s.diagMu.Unlock()
	df := s.diskChecks[d.URI]
	if df == nil {
		return
	}
	delete(s.diskChecks, d.URI)
	if df.mapper.Text() != d.Text() {
		return // changed since the check: its places are not known
	}
	s.checks[d.URI] = &fileState{version: d.Version, items: df.items}
}
