package server_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.lsp.dev/protocol"

	"github.com/asyncbook/asyncbook/lsp/lsptest"
	"github.com/asyncbook/asyncbook/lsp/server"
)

// versionedCaps are a client's capabilities that take versioned document
// changes, as VS Code's, Neovim's and Emacs's do.
var versionedCaps = map[string]any{"capabilities": map[string]any{
	"window":    map[string]any{"workDoneProgress": true},
	"workspace": map[string]any{"workspaceEdit": map[string]any{"documentChanges": true}},
}}

// quickFixes returns the quick fixes with edits offered over r.
func quickFixes(t *testing.T, h *harness, u protocol.DocumentURI, r protocol.Range) []protocol.CodeAction {
	t.Helper()
	var actions []protocol.CodeAction
	require.NoError(t, h.c.Call(ctxT(t), "textDocument/codeAction", map[string]any{
		"textDocument": map[string]any{"uri": u}, "range": r,
		"context": map[string]any{"diagnostics": []any{}, "only": []string{"quickfix"}},
	}, &actions))
	var out []protocol.CodeAction
	for _, a := range actions {
		if a.Edit != nil {
			out = append(out, a)
		}
	}
	return out
}

// TestTypingAboveAFindingInABrokenState is the editor's case: a line is
// typed above a finding, in its function, and the code no longer parses.
// The finding cannot be computed again; it moves with its text, and its
// quick fix, versioned, still applies where it should.
func TestTypingAboveAFindingInABrokenState(t *testing.T) {
	root := module(t, map[string]string{"p/p.go": chanSrc})
	u := fileURI(filepath.Join(root, "p", "p.go"))
	h := start(t, server.Options{Entries: withUnbuffered, Lookup: lookupWithUnbuffered})
	h.initializeWith(nil, versionedCaps)
	h.open(u, 1, chanSrc)
	d := h.diagnostics(u, lsptest.AtVersion(1))
	require.Len(t, d.Diagnostics, 1)
	assert.Equal(t, span(t, chanSrc, "ch <- 1"), d.Diagnostics[0].Range)

	// Type "\tx := " on a new line above the goroutine: First is broken.
	typed := strings.Replace(chanSrc, "\tgo func()", "\tx := \n\tgo func()", 1)
	at := pos(t, chanSrc, "\tgo func()")
	h.edit(u, 2, protocol.Range{Start: at, End: at}, "\tx := \n")
	d = h.diagnostics(u, lsptest.AtVersion(2))
	require.Len(t, d.Diagnostics, 1, lsptest.Summary(d.Diagnostics))
	assert.Equal(t, span(t, typed, "ch <- 1"), d.Diagnostics[0].Range, "the squiggle moved down with its line")
	require.Len(t, d.Diagnostics[0].RelatedInformation, 1)
	assert.Equal(t, span(t, typed, "<-ch"), d.Diagnostics[0].RelatedInformation[0].Location.Range)

	fixes := quickFixes(t, h, u, d.Diagnostics[0].Range)
	require.Len(t, fixes, 1)
	edit := fixes[0].Edit
	assert.Empty(t, edit.Changes, "versioned document changes, not plain changes")
	require.Len(t, edit.DocumentChanges, 1)
	dc := edit.DocumentChanges[0]
	assert.Equal(t, u, dc.TextDocument.URI)
	require.NotNil(t, dc.TextDocument.Version)
	assert.EqualValues(t, 2, *dc.TextDocument.Version, "for the text it was shown on")
	applied := applyEdits(typed, dc.Edits)
	assert.Equal(t, strings.Replace(typed, "make(chan int)", "make(chan int, 1)", 1), applied, "the fix applies where it should")

	// The editor applies it; finishing the line makes the code whole again.
	h.edit(u, 3, dc.Edits[0].Range, dc.Edits[0].NewText)
	done := strings.Replace(applied, "\tx := \n", "", 1)
	h.edit(u, 4, protocol.Range{Start: pos(t, applied, "\tx := \n"), End: pos(t, applied, "\tgo func()")}, "")
	d = h.diagnostics(u, lsptest.AtVersion(4))
	require.Len(t, d.Diagnostics, 1, "the naive analyzer still reports the send")
	assert.Equal(t, span(t, done, "ch <- 1"), d.Diagnostics[0].Range)
	assert.Equal(t, 0, h.shutdownAndExit())
}

// TestFindingsTouchedByAnEditAreDropped: an edit inside a finding's text,
// in code that does not parse, drops it rather than guess.
func TestFindingsTouchedByAnEditAreDropped(t *testing.T) {
	root := module(t, map[string]string{"p/p.go": chanSrc})
	u := fileURI(filepath.Join(root, "p", "p.go"))
	h := start(t, server.Options{Entries: withUnbuffered, Lookup: lookupWithUnbuffered})
	h.initialize(nil)
	h.open(u, 1, chanSrc)
	require.Len(t, h.diagnostics(u, lsptest.AtVersion(1)).Diagnostics, 1)
	h.edit(u, 2, span(t, chanSrc, "<- 1"), "<- (")
	d := h.diagnostics(u, lsptest.AtVersion(2))
	assert.Empty(t, d.Diagnostics, "its text changed and it cannot be computed again: gone")
	assert.Equal(t, 0, h.shutdownAndExit())
}

// TestFixesAreDroppedWhenTheDocumentMovedOn: before the analysis catches
// up with an edit, code actions offer no fix computed for older text.
func TestFixesAreDroppedWhenTheDocumentMovedOn(t *testing.T) {
	root := module(t, map[string]string{"p/p.go": chanSrc})
	u := fileURI(filepath.Join(root, "p", "p.go"))
	h := start(t, server.Options{Entries: withUnbuffered, Lookup: lookupWithUnbuffered, FreshWait: time.Millisecond})
	h.initializeWith(map[string]any{"debounceMs": 3_600_000}, versionedCaps) // the edit below is never analysed
	h.open(u, 1, chanSrc)
	d := h.diagnostics(u, lsptest.AtVersion(1))
	require.Len(t, quickFixes(t, h, u, d.Diagnostics[0].Range), 1)

	h.edit(u, 2, protocol.Range{Start: pos(t, chanSrc, "package p"), End: pos(t, chanSrc, "package p")}, "// moved on\n")
	moved := "// moved on\n" + chanSrc
	assert.Empty(t, quickFixes(t, h, u, span(t, moved, "ch <- 1")), "no fix for text the analysis has not seen")
	assert.Equal(t, 0, h.shutdownAndExit())
}

// TestOneChangeWithManyEdits: a didChange of 2000 edits (a formatter's)
// on a large file applies in one pass, in order, and the findings follow.
func TestOneChangeWithManyEdits(t *testing.T) {
	var b strings.Builder
	b.WriteString(chanSrc)
	for i := range 4000 {
		fmt.Fprintf(&b, "\n// Filler%d is generated. é😀\nfunc Filler%d(x int) int {\n\treturn x+%d\n}\n", i, i, i)
	}
	text := b.String()
	root := module(t, map[string]string{"p/p.go": "package p\n"})
	u := fileURI(filepath.Join(root, "p", "p.go"))
	h := start(t, server.Options{Entries: withUnbuffered, Lookup: lookupWithUnbuffered})
	h.initialize(nil)
	h.open(u, 1, text)
	require.Len(t, h.diagnostics(u, lsptest.AtVersion(1)).Diagnostics, 1)

	// Format every "x+N" as "x + N", last line first, and add a line at the
	// top last (each range is in the text the previous edits made).
	var changes []any
	want := text
	for i := 3999; i >= 2000; i-- {
		needle := fmt.Sprintf("\treturn x+%d\n", i)
		at := pos(t, want, needle)
		at.Character += uint32(len("\treturn x"))
		changes = append(changes, map[string]any{"range": protocol.Range{Start: at, End: protocol.Position{Line: at.Line, Character: at.Character + 1}}, "text": " + "})
		want = strings.Replace(want, needle, fmt.Sprintf("\treturn x + %d\n", i), 1)
	}
	changes = append(changes, map[string]any{"range": protocol.Range{}, "text": "// formatted\n"})
	want = "// formatted\n" + want
	require.NoError(t, h.c.Notify("textDocument/didChange", map[string]any{
		"textDocument": map[string]any{"uri": u, "version": 2}, "contentChanges": changes,
	}))
	d := h.diagnostics(u, lsptest.AtVersion(2))
	require.Len(t, d.Diagnostics, 1)
	assert.Equal(t, span(t, want, "ch <- 1"), d.Diagnostics[0].Range)
	fixes := quickFixes(t, h, u, d.Diagnostics[0].Range)
	require.Len(t, fixes, 1)
	assert.Equal(t, strings.Replace(want, "make(chan int)", "make(chan int, 1)", 1), applyEdits(want, fixes[0].Edit.Changes[u]), "the server's text is the editor's")
	assert.Equal(t, 0, h.shutdownAndExit())
}
