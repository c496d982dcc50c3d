package server_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.lsp.dev/protocol"

	"github.com/asyncbook/asyncbook/lsp/lsptest"
	"github.com/asyncbook/asyncbook/lsp/server"
)

// FuzzMessageHandling sends an initialized server one arbitrary message
// body, then checks that it still answers and ends cleanly. The seeds are
// the server's methods with odd and broken params.
func FuzzMessageHandling(f *testing.F) {
	seeds := []string{
		`{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"untitled:x","languageId":"go","version":1,"text":"package x\n"}}}`,
		`{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"untitled:x","version":2},"contentChanges":[{"range":{"start":{"line":99,"character":99},"end":{"line":0,"character":0}},"text":"é"}]}}`,
		`{"jsonrpc":"2.0","method":"textDocument/didClose","params":{"textDocument":{"uri":"file:///nowhere/x.go"}}}`,
		`{"jsonrpc":"2.0","method":"textDocument/didSave","params":{"textDocument":{"uri":"file:///nowhere/go.mod"}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"textDocument/codeAction","params":{"textDocument":{"uri":"untitled:x"},"range":{"start":{"line":4294967295,"character":4294967295},"end":{"line":0,"character":0}},"context":{"diagnostics":[],"only":["quickfix"]}}}`,
		`{"jsonrpc":"2.0","id":"s","method":"textDocument/hover","params":{"textDocument":{"uri":"untitled:x"},"position":{"line":0,"character":3}}}`,
		`{"jsonrpc":"2.0","id":2,"method":"textDocument/codeLens","params":{"textDocument":{"uri":"%%%"}}}`,
		`{"jsonrpc":"2.0","id":3,"method":"workspace/executeCommand","params":{"command":"asyncbook.hint","arguments":[{"analyzer":"waitgroup","uri":"untitled:x"}]}}`,
		`{"jsonrpc":"2.0","id":4,"method":"workspace/executeCommand","params":{"command":"asyncbook.checkExercise","arguments":[7]}}`,
		`{"jsonrpc":"2.0","id":5,"method":"workspace/executeCommand","params":{"command":"asyncbook.openGuide","arguments":[{"guide":"/tmp/guide.md"}]}}`,
		`{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":{"x":1}}}`,
		`{"jsonrpc":"2.0","method":"window/workDoneProgress/cancel","params":{"token":[1]}}`,
		`{"jsonrpc":"2.0","method":"workspace/didChangeConfiguration","params":{"settings":{"asyncbook":{"analyzers":{"waitgroup":"yes"},"debounceMs":-5}}}}`,
		`{"jsonrpc":"2.0","method":"workspace/didChangeWatchedFiles","params":{"changes":[null,{"uri":"file:///a/b.go","type":2}]}}`,
		`{"jsonrpc":"2.0","id":6,"result":{"unexpected":true}}`,
		`{"jsonrpc":"2.0","id":7,"method":"textDocument/codeAction"}`,
		`{"jsonrpc":"2.0","id":8,"method":"initialize","params":{}}`,
		`{"jsonrpc":"2.0","id":9,"method":"textDocument/hover","params":null}`,
		`not json at all`,
		`[]`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var probe struct {
			Method any `json:"method"`
			ID     any `json:"id"`
		}
		if json.Unmarshal(body, &probe) == nil {
			if probe.Method == "exit" || probe.Method == "shutdown" {
				t.Skip("ends the session by design")
			}
		}
		h := start(t, server.Options{Entries: withUnbuffered, Lookup: lookupWithUnbuffered})
		h.initialize(nil)
		require.NoError(t, h.c.WriteRaw(lsptest.Frame(body)))
		var lenses []protocol.CodeLens
		require.NoError(t, h.c.Call(ctxT(t), "textDocument/codeLens", map[string]any{"textDocument": map[string]any{"uri": "untitled:probe"}}, &lenses),
			"the server answers after %q", body)
		assert.Equal(t, 0, h.shutdownAndExit())
	})
}
