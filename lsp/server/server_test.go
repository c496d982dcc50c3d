package server_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.lsp.dev/protocol"

	"github.com/asyncbook/asyncbook/lsp/lsptest"
	"github.com/asyncbook/asyncbook/lsp/server"
)

const leaky = `package p

import (
	"context"
	"sync"
	"time"
)

// Work waits for its context. é😀 are here to make columns interesting.
func Work(parent context.Context) error {
	/* 😀 é */ ctx, _ := context.WithTimeout(parent, time.Second)
	<-ctx.Done()
	return nil
}

func Fanout(n int) {
	var wg sync.WaitGroup
	for range n {
		go func() {
			wg.Add(1)
			defer wg.Done()
		}()
	}
	wg.Wait()
}
`

func TestLifecycleAndCapabilities(t *testing.T) {
	h := start(t, server.Options{Version: "v9"})
	res := h.initialize(nil)
	raw, err := json.Marshal(res.Capabilities)
	require.NoError(t, err)
	assert.JSONEq(t, `{
		"textDocumentSync": {"openClose": true, "change": 2, "save": {}},
		"hoverProvider": true,
		"codeActionProvider": {"codeActionKinds": ["quickfix", "quickfix.asyncbook.hint", "quickfix.asyncbook.guide"]},
		"codeLensProvider": {},
		"executeCommandProvider": {"commands": ["asyncbook.checkExercise", "asyncbook.hint", "asyncbook.openGuide"]},
		"workspace": {"workspaceFolders": {"supported": true, "changeNotifications": true}}
	}`, string(raw), "exactly what is implemented is advertised")
	require.NotNil(t, res.ServerInfo)
	assert.Equal(t, "asyncbook", res.ServerInfo.Name)
	assert.Equal(t, "v9", res.ServerInfo.Version)

	err = h.c.Call(ctxT(t), "initialize", map[string]any{"capabilities": map[string]any{}}, nil)
	var rerr *lsptest.ResponseError
	require.ErrorAs(t, err, &rerr)
	assert.EqualValues(t, -32600, rerr.Code, "a second initialize is an invalid request")

	assert.Equal(t, 0, h.shutdownAndExit(), "exit after shutdown ends with status 0")
}

func TestRequestsAfterShutdownAreRefused(t *testing.T) {
	h := start(t, server.Options{})
	h.initialize(nil)
	require.NoError(t, h.c.Call(ctxT(t), "shutdown", nil, nil))
	err := h.c.Call(ctxT(t), "textDocument/hover", map[string]any{}, nil)
	var rerr *lsptest.ResponseError
	require.ErrorAs(t, err, &rerr)
	assert.EqualValues(t, -32600, rerr.Code)
	require.NoError(t, h.c.Notify("exit", nil))
	assert.Equal(t, 0, h.wait())
}

func TestExitWithoutShutdownEndsWithStatus1(t *testing.T) {
	h := start(t, server.Options{})
	h.initialize(nil)
	require.NoError(t, h.c.Notify("exit", nil))
	assert.Equal(t, 1, h.wait())
}

func TestClientVanishing(t *testing.T) {
	h := start(t, server.Options{})
	h.initialize(nil)
	root := module(t, map[string]string{"p/p.go": leaky})
	u := fileURI(filepath.Join(root, "p", "p.go"))
	h.open(u, 1, leaky)
	// The client goes away mid-session: its end of the pipe closes.
	require.NoError(t, h.toSrv.Close())
	assert.Equal(t, 1, h.wait(), "the server ends, with status 1; goleak checks it left no goroutine")
}

func TestRequestsBeforeInitialize(t *testing.T) {
	h := start(t, server.Options{})
	root := module(t, map[string]string{"p/p.go": leaky})
	u := fileURI(filepath.Join(root, "p", "p.go"))
	h.open(u, 1, leaky) // dropped: not initialized

	err := h.c.Call(ctxT(t), "textDocument/hover", map[string]any{"textDocument": map[string]any{"uri": u}}, nil)
	var rerr *lsptest.ResponseError
	require.ErrorAs(t, err, &rerr)
	assert.EqualValues(t, -32002, rerr.Code, "ServerNotInitialized")

	h.initialize(nil)
	var lenses []protocol.CodeLens
	require.NoError(t, h.c.Call(ctxT(t), "textDocument/codeLens", map[string]any{"textDocument": map[string]any{"uri": u}}, &lenses))
	var hover *protocol.Hover
	require.NoError(t, h.c.Call(ctxT(t), "textDocument/hover", map[string]any{"textDocument": map[string]any{"uri": u}, "position": map[string]any{"line": 10, "character": 20}}, &hover))
	assert.Nil(t, hover, "the didOpen before initialize was dropped: the file is not open")
	for _, m := range h.c.Received() {
		assert.NotEqual(t, "textDocument/publishDiagnostics", m.Method, "nothing was analysed")
	}
	assert.Equal(t, 0, h.shutdownAndExit())
}

func TestUnknownMethods(t *testing.T) {
	h := start(t, server.Options{})
	h.initialize(nil)
	err := h.c.Call(ctxT(t), "textDocument/semanticTokens/full", map[string]any{}, nil)
	var rerr *lsptest.ResponseError
	require.ErrorAs(t, err, &rerr)
	assert.EqualValues(t, -32601, rerr.Code, "MethodNotFound")
	require.NoError(t, h.c.Notify("workspace/somethingNew", map[string]any{"x": 1}))
	require.NoError(t, h.c.Notify("$/unknownNotification", nil))
	// Still serving.
	var lenses []protocol.CodeLens
	require.NoError(t, h.c.Call(ctxT(t), "textDocument/codeLens", map[string]any{"textDocument": map[string]any{"uri": "file:///nowhere.go"}}, &lenses))
	assert.Empty(t, lenses)
	assert.Contains(t, h.logText(), "ignoring notification workspace/somethingNew")
	assert.Equal(t, 0, h.shutdownAndExit())
}

func TestMalformedInput(t *testing.T) {
	h := start(t, server.Options{})
	h.initialize(nil)
	require.NoError(t, h.c.WriteRaw(lsptest.Frame([]byte(`{"jsonrpc":"2.0","id":77,"method":"textDocument/hover","params":{`))))
	require.NoError(t, h.c.WriteRaw(lsptest.Frame([]byte(`{"jsonrpc":"2.0","id":78,"method":42}`))))
	require.NoError(t, h.c.WriteRaw([]byte("Content-Length: twelve\r\n\r\n{}")))
	require.NoError(t, h.c.WriteRaw([]byte("X-Garbage\r\n")))
	require.NoError(t, h.c.WriteRaw(lsptest.Frame([]byte(`{"jsonrpc":"2.0","id":79,"method":"textDocument/hover","params":"not an object"}`))))

	parseErr, err := h.c.Await(ctxT(t), "a parse error", func(m lsptest.Message) bool { return m.Error != nil && m.Error.Code == -32700 })
	require.NoError(t, err)
	assert.Equal(t, "null", string(parseErr.ID), "unparsable JSON has no id to answer")
	invalid, err := h.c.Await(ctxT(t), "an invalid request", func(m lsptest.Message) bool { return m.Error != nil && m.Error.Code == -32600 })
	require.NoError(t, err)
	assert.Equal(t, "78", string(invalid.ID))

	// Bad params of a known method get InvalidParams; the server goes on.
	var lenses []protocol.CodeLens
	require.NoError(t, h.c.Call(ctxT(t), "textDocument/codeLens", map[string]any{"textDocument": map[string]any{"uri": "file:///x.go"}}, &lenses))
	err = h.c.Call(ctxT(t), "textDocument/hover", "not an object", nil)
	var rerr *lsptest.ResponseError
	require.ErrorAs(t, err, &rerr)
	assert.EqualValues(t, -32602, rerr.Code)
	assert.Equal(t, 0, h.shutdownAndExit())
}

func TestDiagnosticsAsYouType(t *testing.T) {
	root := module(t, map[string]string{"p/p.go": leaky})
	path := filepath.Join(root, "p", "p.go")
	u := fileURI(path)
	h := start(t, server.Options{})
	h.initialize(nil)
	h.open(u, 1, leaky)

	first := h.diagnostics(u, lsptest.AtVersion(1))
	require.ElementsMatch(t, []string{"lostcancel", "waitgroup"}, lsptest.Codes(first.Diagnostics), lsptest.Summary(first.Diagnostics))
	for _, d := range first.Diagnostics {
		assert.Equal(t, "asyncbook", d.Source)
		assert.Equal(t, protocol.DiagnosticSeverityWarning, d.Severity)
		require.NotNil(t, d.CodeDescription)
		assert.Contains(t, string(d.CodeDescription.Href), fmt.Sprint(d.Code))
		if d.Code == "lostcancel" {
			// The finding is after non-ASCII text on its line: UTF-16 columns.
			want := pos(t, leaky, "_ := context")
			assert.Equal(t, protocol.Position{Line: 10, Character: 17}, want, "tab, /* (3), 😀 (2 units), é (1)...")
			assert.Equal(t, want, d.Range.Start)
			assert.Equal(t, protocol.Position{Line: want.Line, Character: want.Character + 1}, d.Range.End)
		}
	}

	// Fix the leak without saving: "_" becomes "cancel" and a defer follows.
	text := leaky
	fixed := strings.Replace(text, "ctx, _ := context.WithTimeout(parent, time.Second)", "ctx, cancel := context.WithTimeout(parent, time.Second)\n\tdefer cancel()", 1)
	h.edit(u, 2, span(t, text, "ctx, _ := context.WithTimeout(parent, time.Second)"), "ctx, cancel := context.WithTimeout(parent, time.Second)\n\tdefer cancel()")
	second := h.diagnostics(u, lsptest.AtVersion(2))
	assert.Equal(t, []string{"waitgroup"}, lsptest.Codes(second.Diagnostics), "the fixed finding is gone as you type")

	// Fix the other: move Add before go. Everything clears with an empty list.
	addLine := "\t\t\twg.Add(1)\n"
	h.edit(u, 3, protocol.Range{Start: pos(t, fixed, addLine), End: pos(t, fixed, "\t\t\tdefer wg.Done()")}, "")
	third := h.diagnostics(u, lsptest.AtVersion(3))
	assert.NotNil(t, third.Diagnostics)
	assert.Empty(t, third.Diagnostics)

	h.close(u)
	_, err := h.c.Await(ctxT(t), "the empty list after close", func(m lsptest.Message) bool {
		p, ok := lsptest.Diagnostics(m)
		return ok && p.URI == u && p.Version == 0 && len(p.Diagnostics) == 0
	})
	require.NoError(t, err)
	assert.Equal(t, 0, h.shutdownAndExit())
}
