// Package documents holds the text of the files an editor has open, as the
// editor last sent it, and applies its incremental changes.
package documents

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/asyncbook/asyncbook/lsp/position"
)

// Change is one content change of a didChange notification. A nil Range
// replaces the whole text.
type Change struct {
	Range *protocol.Range
	Text  string
}

// Document is one version of an open file. It is immutable.
type Document struct {
	URI     protocol.DocumentURI
	Path    string // the file's path, "" for a URI that is not a file
	Version int32
	*position.Mapper
}

// Store is the set of open documents. It is safe for concurrent use.
type Store struct {
	mu   sync.Mutex
	docs map[protocol.DocumentURI]*Document
}

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{docs: map[protocol.DocumentURI]*Document{}}
}

// PathOf returns the file path of a file URI, or "" for any other URI.
func PathOf(u protocol.DocumentURI) string {
	if !uri.URI(u).IsFile() {
		return ""
	}
	p := uri.URI(u).FsPath()
	if p == "" || !filepath.IsAbs(p) {
		return ""
	}
	return filepath.Clean(p)
}

// Open records a newly opened document and returns it.
func (s *Store) Open(u protocol.DocumentURI, version int32, text string) *Document {
	d := &Document{URI: u, Path: PathOf(u), Version: version, Mapper: position.NewMapper(text)}
	s.mu.Lock()
	s.docs[u] = d
	s.mu.Unlock()
	return d
}

// Change applies changes, in order, to an open document and records the
// result as version.
func (s *Store) Change(u protocol.DocumentURI, version int32, changes []Change) (*Document, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.docs[u]
	if !ok {
		return nil, fmt.Errorf("change %s: document is not open", u)
	}
	m := d.Mapper
	for _, c := range changes {
		if c.Range == nil {
			m = position.NewMapper(c.Text)
			continue
		}
		start, end := m.Offsets(*c.Range)
		text := m.Text()
		var b strings.Builder
		b.Grow(len(text) - (end - start) + len(c.Text))
		b.WriteString(text[:start])
		b.WriteString(c.Text)
		b.WriteString(text[end:])
		m = position.NewMapper(b.String())
	}
	nd := &Document{URI: u, Path: d.Path, Version: version, Mapper: m}
	s.docs[u] = nd
	return nd, nil
}

// Close forgets a document. It reports whether it was open.
func (s *Store) Close(u protocol.DocumentURI) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.docs[u]
	delete(s.docs, u)
	return ok
}

// Get returns the current version of an open document.
func (s *Store) Get(u protocol.DocumentURI) (*Document, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.docs[u]
	return d, ok
}

// ByPath returns the open document of a file path.
func (s *Store) ByPath(path string) (*Document, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.docs {
		if d.Path == path {
			return d, true
		}
	}
	return nil, false
}

// All returns the open documents, sorted by URI.
func (s *Store) All() []*Document {
	s.mu.Lock()
	out := make([]*Document, 0, len(s.docs))
	for _, d := range s.docs {
		out = append(out, d)
	}
	s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].URI < out[j].URI })
	return out
}

// InDir returns the open documents of files directly in dir, sorted by path.
func (s *Store) InDir(dir string) []*Document {
	s.mu.Lock()
	var out []*Document
	for _, d := range s.docs {
		if d.Path != "" && filepath.Dir(d.Path) == dir {
			out = append(out, d)
		}
	}
	s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// Overlay returns the text of the open documents in dir by path, as
// go/packages takes unsaved contents.
func (s *Store) Overlay(dir string) map[string][]byte {
	out := map[string][]byte{}
	for _, d := range s.InDir(dir) {
		out[d.Path] = []byte(d.Text())
	}
	return out
}
