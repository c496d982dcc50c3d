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

// Edit is one change of a document's text: the bytes [Start, End) of the
// text before it became NewLen bytes.
type Edit struct {
	Start, End, NewLen int
}

// step is the edits that made one version from the one before.
type step struct {
	from, to int32
	edits    []Edit
}

// History bounds: enough for the findings of the last analysis to follow a
// burst of typing, little memory.
const (
	maxSteps = 512
	maxEdits = 1 << 16
)

// Store is the set of open documents, and the edits of their recent
// versions. It is safe for concurrent use.
type Store struct {
	mu      sync.Mutex
	docs    map[protocol.DocumentURI]*Document
	history map[protocol.DocumentURI][]step
}

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{docs: map[protocol.DocumentURI]*Document{}, history: map[protocol.DocumentURI][]step{}}
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
	delete(s.history, u)
	s.mu.Unlock()
	return d
}

// Change applies changes, in order, to an open document and records the
// result as version. However many there are, the text is copied once: each
// change's range is resolved in the text the ones before it made, as LSP
// asks, in a buffer of small chunks.
func (s *Store) Change(u protocol.DocumentURI, version int32, changes []Change) (*Document, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.docs[u]
	if !ok {
		return nil, fmt.Errorf("change %s: document is not open", u)
	}
	text, edits := apply(d.Mapper, changes)
	nd := &Document{URI: u, Path: d.Path, Version: version, Mapper: position.NewMapper(text)}
	s.docs[u] = nd
	s.record(u, step{from: d.Version, to: version, edits: edits})
	return nd, nil
}

// apply applies changes to m's text and returns the new text and the
// edits made, in order.
func apply(m *position.Mapper, changes []Change) (string, []Edit) {
	edits := make([]Edit, 0, len(changes))
	if len(changes) == 1 && changes[0].Range != nil {
		// One keystroke: no buffer needed.
		start, end := m.Offsets(*changes[0].Range)
		text := m.Text()
		var b strings.Builder
		b.Grow(len(text) - (end - start) + len(changes[0].Text))
		b.WriteString(text[:start])
		b.WriteString(changes[0].Text)
		b.WriteString(text[end:])
		return b.String(), append(edits, Edit{start, end, len(changes[0].Text)})
	}
	buf := newBuffer(m.Text())
	for _, c := range changes {
		if c.Range == nil {
			edits = append(edits, Edit{0, buf.size, len(c.Text)})
			buf = newBuffer(c.Text)
			continue
		}
		start, end := buf.offset(c.Range.Start), buf.offset(c.Range.End)
		if end < start {
			start, end = end, start
		}
		buf.replace(start, end, c.Text)
		edits = append(edits, Edit{start, end, len(c.Text)})
	}
	return buf.String(), edits
}

// record keeps a step of u's history, forgetting the oldest beyond the
// bounds; s.mu is held.
func (s *Store) record(u protocol.DocumentURI, st step) {
	h := append(s.history[u], st)
	total := 0
	for _, x := range h {
		total += len(x.edits)
	}
	for len(h) > 1 && (len(h) > maxSteps || total > maxEdits) {
		total -= len(h[0].edits)
		h = h[1:]
	}
	if total > maxEdits {
		h = nil
	}
	s.history[u] = h
}

// EditsSince returns the edits that made the current text of u from its
// text at version, in order, or false when they are no longer known (or u
// is not open).
func (s *Store) EditsSince(u protocol.DocumentURI, version int32) ([]Edit, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.docs[u]
	if !ok {
		return nil, false
	}
	if d.Version == version {
		return nil, true
	}
	h := s.history[u]
	for i, st := range h {
		if st.from == version {
			var out []Edit
			for _, x := range h[i:] {
				out = append(out, x.edits...)
			}
			return out, true
		}
	}
	return nil, false
}

// MapSpan maps the byte range [start, end) of a text through edits made
// to it since. Text inserted at start goes before the range and text
// inserted at end after it; a range that an edit touches inside is gone
// (false): what it marked changed.
func MapSpan(edits []Edit, start, end int) (int, int, bool) {
	for _, e := range edits {
		switch {
		case e.End <= start: // before the range (or inserted at its start)
			delta := e.NewLen - (e.End - e.Start)
			start += delta
			end += delta
		case e.Start >= end: // after it (or inserted at its end)
		default:
			return 0, 0, false
		}
	}
	return start, end, true
}

// Close forgets a document. It reports whether it was open.
func (s *Store) Close(u protocol.DocumentURI) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.docs[u]
	delete(s.docs, u)
	delete(s.history, u)
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
