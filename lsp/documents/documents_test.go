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
