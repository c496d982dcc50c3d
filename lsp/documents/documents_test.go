package documents_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/asyncbook/asyncbook/lsp/documents"
)

func rng(l1, c1, l2, c2 uint32) *protocol.Range {
	return &protocol.Range{Start: protocol.Position{Line: l1, Character: c1}, End: protocol.Position{Line: l2, Character: c2}}
}

func TestIncrementalChangesInUTF16(t *testing.T) {
	s := documents.NewStore()
	u := protocol.DocumentURI(uri.File("/w/p/a.go"))
	s.Open(u, 1, "// 😀 é\nx := 1\n")

	// Replace "é" (line 0, columns 6-7: "// " 3 + 😀 2 + space 1) with "e".
	d, err := s.Change(u, 2, []documents.Change{{Range: rng(0, 6, 0, 7), Text: "e"}})
	require.NoError(t, err)
	assert.Equal(t, "// 😀 e\nx := 1\n", d.Text())
	assert.Equal(t, int32(2), d.Version)

	// Several changes apply in order, each to the result of the previous.
	d, err = s.Change(u, 3, []documents.Change{
		{Range: rng(1, 5, 1, 6), Text: "42"},
		{Range: rng(1, 0, 1, 0), Text: "y, "},
		{Range: rng(2, 0, 2, 0), Text: "z\n"},
	})
	require.NoError(t, err)
	assert.Equal(t, "// 😀 e\ny, x := 42\nz\n", d.Text())

	// A change without a range replaces everything.
	d, err = s.Change(u, 4, []documents.Change{{Text: "package p\n"}})
	require.NoError(t, err)
	assert.Equal(t, "package p\n", d.Text())

	got, ok := s.Get(u)
	require.True(t, ok)
	assert.Same(t, d, got)
}

func TestChangeOfClosedDocumentFails(t *testing.T) {
	s := documents.NewStore()
	u := protocol.DocumentURI(uri.File("/w/p/a.go"))
	_, err := s.Change(u, 2, []documents.Change{{Text: "x"}})
	assert.Error(t, err)
	s.Open(u, 1, "x")
	assert.True(t, s.Close(u))
	assert.False(t, s.Close(u))
	_, ok := s.Get(u)
	assert.False(t, ok)
}

func TestDirectoryViews(t *testing.T) {
	s := documents.NewStore()
	s.Open(protocol.DocumentURI(uri.File("/w/p/b.go")), 1, "package p // b")
	s.Open(protocol.DocumentURI(uri.File("/w/p/a.go")), 1, "package p // a")
	s.Open(protocol.DocumentURI(uri.File("/w/p/sub/c.go")), 1, "package sub")
	s.Open("untitled:Untitled-1", 1, "package x")

	docs := s.InDir("/w/p")
	require.Len(t, docs, 2)
	assert.Equal(t, "/w/p/a.go", docs[0].Path)
	assert.Equal(t, map[string][]byte{"/w/p/a.go": []byte("package p // a"), "/w/p/b.go": []byte("package p // b")}, s.Overlay("/w/p"))

	d, ok := s.ByPath("/w/p/sub/c.go")
	require.True(t, ok)
	assert.Equal(t, "package sub", d.Text())
	u, ok := s.Get("untitled:Untitled-1")
	require.True(t, ok)
	assert.Equal(t, "", u.Path, "a URI that is not a file has no path")
}

func TestPathOfDecodesEscapes(t *testing.T) {
	assert.Equal(t, "/tmp/a b/é.go", documents.PathOf("file:///tmp/a%20b/%C3%A9.go"))
	assert.Equal(t, "", documents.PathOf("https://example.com/x.go"))
}

func TestEditsSinceFollowAVersionToTheCurrentText(t *testing.T) {
	s := documents.NewStore()
	u := protocol.DocumentURI(uri.File("/w/p/a.go"))
	s.Open(u, 1, "line one\nfinding here\n")
	edits, ok := s.EditsSince(u, 1)
	require.True(t, ok)
	assert.Empty(t, edits)
	start, end := 9, 16 // "finding"

	_, err := s.Change(u, 2, []documents.Change{{Range: rng(0, 0, 0, 0), Text: "// a new line\n"}})
	require.NoError(t, err)
	d, err := s.Change(u, 5, []documents.Change{{Range: rng(2, 12, 2, 12), Text: " (and more)"}})
	require.NoError(t, err)
	edits, ok = s.EditsSince(u, 1)
	require.True(t, ok)
	ns, ne, ok := documents.MapSpan(edits, start, end)
	require.True(t, ok)
	assert.Equal(t, "finding", d.Text()[ns:ne], "the span follows the inserted line above it")

	edits, ok = s.EditsSince(u, 2)
	require.True(t, ok)
	assert.Len(t, edits, 1)
	_, ok = s.EditsSince(u, 3)
	assert.False(t, ok, "a version the document never had")

	// An edit inside the span: what it marked is gone.
	_, err = s.Change(u, 6, []documents.Change{{Range: rng(2, 2, 2, 3), Text: "X"}})
	require.NoError(t, err)
	edits, ok = s.EditsSince(u, 1)
	require.True(t, ok)
	_, _, ok = documents.MapSpan(edits, start, end)
	assert.False(t, ok)

	// Reopening forgets the history.
	s.Open(u, 10, "new")
	_, ok = s.EditsSince(u, 6)
	assert.False(t, ok)
}

func TestMapSpan(t *testing.T) {
	for name, tc := range map[string]struct {
		edit         documents.Edit
		start, end   int
		wantS, wantE int
		gone         bool
	}{
		"insert before":           {documents.Edit{Start: 2, End: 2, NewLen: 3}, 5, 8, 8, 11, false},
		"insert at start":         {documents.Edit{Start: 5, End: 5, NewLen: 3}, 5, 8, 8, 11, false},
		"insert at end":           {documents.Edit{Start: 8, End: 8, NewLen: 3}, 5, 8, 5, 8, false},
		"delete before":           {documents.Edit{Start: 0, End: 4, NewLen: 0}, 5, 8, 1, 4, false},
		"delete up to start":      {documents.Edit{Start: 0, End: 5, NewLen: 0}, 5, 8, 0, 3, false},
		"replace after":           {documents.Edit{Start: 9, End: 12, NewLen: 1}, 5, 8, 5, 8, false},
		"replace inside":          {documents.Edit{Start: 6, End: 7, NewLen: 1}, 5, 8, 0, 0, true},
		"overlap start":           {documents.Edit{Start: 3, End: 6, NewLen: 0}, 5, 8, 0, 0, true},
		"insert inside":           {documents.Edit{Start: 6, End: 6, NewLen: 2}, 5, 8, 0, 0, true},
		"whole text replaced":     {documents.Edit{Start: 0, End: 100, NewLen: 100}, 5, 8, 0, 0, true},
		"empty span, insert here": {documents.Edit{Start: 5, End: 5, NewLen: 2}, 5, 5, 7, 7, false},
	} {
		t.Run(name, func(t *testing.T) {
			s, e, ok := documents.MapSpan([]documents.Edit{tc.edit}, tc.start, tc.end)
			assert.Equal(t, !tc.gone, ok)
			if ok {
				assert.Equal(t, []int{tc.wantS, tc.wantE}, []int{s, e})
			}
		})
	}
}
