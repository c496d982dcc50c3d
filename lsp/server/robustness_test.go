package server_test

import (
	"encoding/json"
	"fmt"
	"os"
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

func TestCancelRequest(t *testing.T) {
	root := module(t, map[string]string{"p/p.go": leaky})
	u := fileURI(filepath.Join(root, "p", "p.go"))
	h := start(t, server.Options{FreshWait: time.Hour}) // only the cancel ends the code action below
	// A debounce no test waits for: the edit below is never analysed, so a
	// code action (which waits for the analysis of the latest text) stays
	// in flight until it is cancelled.
	h.initialize(map[string]any{"debounceMs": 3_600_000})
	h.open(u, 1, leaky)
	h.diagnostics(u, lsptest.AtVersion(1))
	h.edit(u, 2, span(t, leaky, "nil"), "ctx.Err()")

	p, err := h.c.Start("textDocument/codeAction", map[string]any{
		"textDocument": map[string]any{"uri": u},
		"range":        span(t, leaky, "wg.Add(1)"),
		"context":      map[string]any{"diagnostics": []any{}},
	})
	require.NoError(t, err)
	require.NoError(t, h.c.Notify("$/cancelRequest", map[string]any{"id": p.ID}))
	err = p.Wait(ctxT(t), nil)
	var rerr *lsptest.ResponseError
	require.ErrorAs(t, err, &rerr)
	assert.EqualValues(t, -32800, rerr.Code, "RequestCancelled")

	// Numeric ids, as most editors send them.
	body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 41, "method": "textDocument/codeAction", "params": map[string]any{
		"textDocument": map[string]any{"uri": u}, "range": span(t, leaky, "wg.Add(1)"), "context": map[string]any{"diagnostics": []any{}},
	}})
	require.NoError(t, err)
	require.NoError(t, h.c.WriteRaw(lsptest.Frame(body)))
	require.NoError(t, h.c.Notify("$/cancelRequest", map[string]any{"id": 41}))
	answer, err := h.c.Await(ctxT(t), "the answer to request 41", func(m lsptest.Message) bool { return string(m.ID) == "41" })
	require.NoError(t, err)
	require.NotNil(t, answer.Error)
	assert.EqualValues(t, -32800, answer.Error.Code)

	// Cancelling an id that is not in flight is harmless.
	require.NoError(t, h.c.Notify("$/cancelRequest", map[string]any{"id": 999}))
	require.NoError(t, h.c.Notify("$/cancelRequest", map[string]any{"id": "nope"}))
	assert.Equal(t, 0, h.shutdownAndExit())
}

func TestBrokenCodeKeepsFindingsWhereTheirTextWent(t *testing.T) {
	root := module(t, map[string]string{"p/p.go": leaky})
	u := fileURI(filepath.Join(root, "p", "p.go"))
	h := start(t, server.Options{})
	h.initialize(nil)
	h.open(u, 1, leaky)
	d := h.diagnostics(u, lsptest.AtVersion(1))
	require.ElementsMatch(t, []string{"lostcancel", "waitgroup"}, lsptest.Codes(d.Diagnostics))

	// Half-typed code in Work: it does not parse, so its finding cannot be
	// computed again; it stays, at its place.
	broken := strings.Replace(leaky, "<-ctx.Done()", "<-ctx.Done(", 1)
	h.edit(u, 2, span(t, leaky, "<-ctx.Done()"), "<-ctx.Done(")
	// A hover waits for nothing, and the server still answers.
	var hover *protocol.Hover
	require.NoError(t, h.c.Call(ctxT(t), "textDocument/hover", map[string]any{
		"textDocument": map[string]any{"uri": u}, "position": pos(t, broken, "wg.Add"),
	}, &hover))
	d = h.diagnostics(u, lsptest.AtVersion(2))
	assert.ElementsMatch(t, []string{"lostcancel", "waitgroup"}, lsptest.Codes(d.Diagnostics))
	assert.Equal(t, pos(t, broken, "ctx, _ :=").Line, lsptest.ByCode(d.Diagnostics, "lostcancel").Range.Start.Line)

	// A line typed above it, still broken: the finding moves with its text.
	brokenBelow := strings.Replace(broken, "\t/* 😀 é */ ctx", "\tx :=\n\t/* 😀 é */ ctx", 1)
	at := pos(t, broken, "\t/* 😀 é */ ctx")
	h.edit(u, 3, protocol.Range{Start: at, End: at}, "\tx :=\n")
	d = h.diagnostics(u, lsptest.AtVersion(3))
	assert.ElementsMatch(t, []string{"lostcancel", "waitgroup"}, lsptest.Codes(d.Diagnostics))
	assert.Equal(t, pos(t, brokenBelow, "_ := context.WithTimeout"), lsptest.ByCode(d.Diagnostics, "lostcancel").Range.Start)
	assert.Equal(t, pos(t, brokenBelow, "wg.Add").Line, lsptest.ByCode(d.Diagnostics, "waitgroup").Range.Start.Line)

	// Finish typing: the findings are computed again for the new version.
	fixed := strings.Replace(strings.Replace(brokenBelow, "\tx :=\n", "", 1), "<-ctx.Done(", "<-ctx.Done()", 1)
	h.edit(u, 4, protocol.Range{Start: pos(t, brokenBelow, "\tx :="), End: pos(t, brokenBelow, "\t/* 😀 é */ ctx")}, "")
	h.edit(u, 5, span(t, strings.Replace(brokenBelow, "\tx :=\n", "", 1), "<-ctx.Done("), "<-ctx.Done()")
	d = h.diagnostics(u, lsptest.AtVersion(5))
	assert.ElementsMatch(t, []string{"lostcancel", "waitgroup"}, lsptest.Codes(d.Diagnostics))
	assert.Equal(t, pos(t, fixed, "ctx, _ :=").Line, lsptest.ByCode(d.Diagnostics, "lostcancel").Range.Start.Line)

	// A file that never parsed: opened broken, then fixed.
	u2 := fileURI(filepath.Join(root, "p", "q.go"))
	h.open(u2, 1, "package p\n\nfunc Q( {}\n")
	h.edit(u2, 2, protocol.Range{Start: protocol.Position{Line: 2, Character: 7}, End: protocol.Position{Line: 2, Character: 7}}, ")")
	d = h.diagnostics(u2, lsptest.AtVersion(2))
	assert.Empty(t, d.Diagnostics)
	assert.Equal(t, 0, h.shutdownAndExit())
}

func TestFileOutsideAnyModule(t *testing.T) {
	dir := t.TempDir() // no go.mod here or above
	text := strings.Replace(leaky, "package p", "package main", 1) + "\nfunc main() {}\n"
	u := fileURI(filepath.Join(dir, "main.go"))
	h := start(t, server.Options{})
	h.initialize(nil)
	h.open(u, 1, text)
	d := h.diagnostics(u, lsptest.AtVersion(1))
	assert.ElementsMatch(t, []string{"lostcancel", "waitgroup"}, lsptest.Codes(d.Diagnostics), "analysed as an ad hoc package")

	// A file that is not Go, and a URI that is not a file, are held but not
	// analysed.
	h.open(fileURI(filepath.Join(dir, "notes.txt")), 1, "hello")
	h.open("untitled:Untitled-1", 1, "package x")
	var lenses []protocol.CodeLens
	require.NoError(t, h.c.Call(ctxT(t), "textDocument/codeLens", map[string]any{"textDocument": map[string]any{"uri": "untitled:Untitled-1"}}, &lenses))
	assert.Equal(t, 0, h.shutdownAndExit())
}

func TestHugeFile(t *testing.T) {
	var b strings.Builder
	b.WriteString(leaky)
	for i := range 20000 { // ~1.5 MB, 100k lines
		fmt.Fprintf(&b, "\n// Filler%d is generated. é😀\nfunc Filler%d(x int) int {\n\treturn x + %d\n}\n", i, i, i)
	}
	text := b.String()
	root := module(t, map[string]string{"p/p.go": "package p\n"})
	u := fileURI(filepath.Join(root, "p", "p.go"))
	h := start(t, server.Options{})
	h.initialize(nil)
	h.open(u, 1, text)
	d := h.diagnostics(u, lsptest.AtVersion(1))
	assert.ElementsMatch(t, []string{"lostcancel", "waitgroup"}, lsptest.Codes(d.Diagnostics))

	// An edit at the very end maps positions over the whole file.
	end := pos(t, text, "return x + 19999")
	h.edit(u, 2, protocol.Range{Start: end, End: end}, "return 0 //")
	d = h.diagnostics(u, lsptest.AtVersion(2))
	assert.Len(t, d.Diagnostics, 2)
	assert.Equal(t, 0, h.shutdownAndExit())
}

func TestRapidEdits(t *testing.T) {
	root := module(t, map[string]string{"p/p.go": leaky})
	u := fileURI(filepath.Join(root, "p", "p.go"))
	h := start(t, server.Options{})
	h.initialize(map[string]any{"debounceMs": 300}) // a pause no burst below has
	h.open(u, 1, leaky)

	// Type at the end of a comment one character at a time, as fast as the
	// pipe takes it.
	at := pos(t, leaky, " are here to make columns interesting.")
	at.Character += uint32(len(" are here to make columns interesting."))
	const typed = " Fanout starts n goroutines, é😀 included."
	version := int32(1)
	for _, r := range typed {
		version++
		h.edit(u, version, protocol.Range{Start: at, End: at}, string(r))
		at.Character++
		if r >= 0x10000 { // a surrogate pair
			at.Character++
		}
	}
	last := version
	d := h.diagnostics(u, lsptest.AtVersion(last))
	assert.ElementsMatch(t, []string{"lostcancel", "waitgroup"}, lsptest.Codes(d.Diagnostics))

	var versions []uint32
	for _, m := range h.c.Received() {
		if p, ok := lsptest.Diagnostics(m); ok && p.URI == u {
			versions = append(versions, p.Version)
		}
	}
	assert.IsNonDecreasing(t, versions, "stale results are never published after newer ones")
	assert.Less(t, len(versions), int(last), "a burst of edits is debounced into fewer runs: %v", versions)
	assert.Equal(t, 0, h.shutdownAndExit())
}

func TestConfigurationTurnsAnalyzersOnAndOff(t *testing.T) {
	root := module(t, map[string]string{"p/p.go": leaky})
	u := fileURI(filepath.Join(root, "p", "p.go"))
	h := start(t, server.Options{})
	h.initialize(map[string]any{"analyzers": map[string]bool{"lostcancel": false, "nosuchanalyzer": true}})
	h.open(u, 1, leaky)
	d := h.diagnostics(u, lsptest.AtVersion(1))
	assert.Equal(t, []string{"waitgroup"}, lsptest.Codes(d.Diagnostics))
	assert.Contains(t, h.logText(), `unknown analyzer "nosuchanalyzer"`)

	n := len(h.c.Received())
	require.NoError(t, h.c.Notify("workspace/didChangeConfiguration", map[string]any{
		"settings": map[string]any{"asyncbook": map[string]any{"analyzers": map[string]bool{"waitgroup": false}}},
	}))
	m, err := h.c.Await(ctxT(t), "diagnostics after the change", func(m lsptest.Message) bool {
		p, ok := lsptest.Diagnostics(m)
		return ok && p.URI == u && lsptest.HasCode(p.Diagnostics, "lostcancel")
	})
	require.NoError(t, err)
	p, _ := lsptest.Diagnostics(m)
	assert.Equal(t, []string{"lostcancel"}, lsptest.Codes(p.Diagnostics), "lostcancel back on, waitgroup off")
	assert.Greater(t, len(h.c.Received()), n)
	assert.Equal(t, 0, h.shutdownAndExit())
}

func TestWatchedFilesRefreshDependencies(t *testing.T) {
	src := strings.Replace(leaky, "\t<-ctx.Done()\n", "\t<-ctx.Done()\n\tq.New()\n", 1)
	src = strings.Replace(src, "\"time\"\n", "\"time\"\n\n\t\"example.com/m/q\"\n", 1)
	root := module(t, map[string]string{"p/p.go": src, "q/q.go": "package q\n\nfunc Old() {}\n"})
	u := fileURI(filepath.Join(root, "p", "p.go"))
	h := start(t, server.Options{})
	h.initialize(nil)
	reg, err := h.c.Await(ctxT(t), "the watchers' registration", func(m lsptest.Message) bool { return m.Method == "client/registerCapability" })
	require.NoError(t, err)
	assert.Contains(t, string(reg.Params), `"globPattern":"**/*.go"`)

	h.open(u, 1, src)
	// q.New does not exist yet: Work, which calls it, does not type-check
	// and is not analysed; Fanout is.
	d := h.diagnostics(u, lsptest.AtVersion(1))
	assert.Equal(t, []string{"waitgroup"}, lsptest.Codes(d.Diagnostics))

	// Another tool writes q.New; the editor reports the change.
	qfile := filepath.Join(root, "q", "q.go")
	require.NoError(t, os.WriteFile(qfile, []byte("package q\n\nfunc New() {}\n"), 0o644))
	require.NoError(t, h.c.Notify("workspace/didChangeWatchedFiles", map[string]any{
		"changes": []any{map[string]any{"uri": fileURI(qfile), "type": 2}},
	}))
	d = h.diagnostics(u, func(p protocol.PublishDiagnosticsParams) bool { return lsptest.HasCode(p.Diagnostics, "lostcancel") })
	assert.ElementsMatch(t, []string{"lostcancel", "waitgroup"}, lsptest.Codes(d.Diagnostics))
	assert.Equal(t, 0, h.shutdownAndExit())
}

func TestSaveRefreshesTheOtherOpenPackages(t *testing.T) {
	src := strings.Replace(leaky, "\t<-ctx.Done()\n", "\t<-ctx.Done()\n\tq.New()\n", 1)
	src = strings.Replace(src, "\"time\"\n", "\"time\"\n\n\t\"example.com/m/q\"\n", 1)
	const qOld, qNew = "package q\n\nfunc Old() {}\n", "package q\n\nfunc New() {}\n"
	root := module(t, map[string]string{"p/p.go": src, "q/q.go": qOld})
	pu, qfile := fileURI(filepath.Join(root, "p", "p.go")), filepath.Join(root, "q", "q.go")
	qu := fileURI(qfile)
	h := start(t, server.Options{})
	h.initialize(nil)
	h.open(qu, 1, qOld)
	h.open(pu, 1, src)
	// Edit q without saving: p still sees q as saved, without New.
	h.edit(qu, 2, span(t, qOld, "Old"), "New")
	h.diagnostics(qu, lsptest.AtVersion(2))
	d := h.diagnostics(pu, lsptest.AtVersion(1))
	assert.Equal(t, []string{"waitgroup"}, lsptest.Codes(d.Diagnostics), "Work does not type-check against the saved q")

	require.NoError(t, os.WriteFile(qfile, []byte(qNew), 0o644))
	require.NoError(t, h.c.Notify("textDocument/didSave", map[string]any{"textDocument": map[string]any{"uri": qu}}))
	d = h.diagnostics(pu, func(p protocol.PublishDiagnosticsParams) bool { return lsptest.HasCode(p.Diagnostics, "lostcancel") })
	assert.ElementsMatch(t, []string{"lostcancel", "waitgroup"}, lsptest.Codes(d.Diagnostics), "after the save p sees q.New")
	assert.Equal(t, 0, h.shutdownAndExit())
}
