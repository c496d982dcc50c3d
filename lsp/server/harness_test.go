package server_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
	"go.uber.org/goleak"
	"golang.org/x/tools/go/analysis/passes/lostcancel"
	"golang.org/x/tools/go/analysis/passes/waitgroup"

	"github.com/asyncbook/asyncbook/analyzers/registry"
	"github.com/asyncbook/asyncbook/lsp/lsptest"
	"github.com/asyncbook/asyncbook/lsp/server"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// timeout bounds every wait: generous, because the machine is shared.
const timeout = 60 * time.Second

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	return ctx
}

// harness is a server running in-process over OS pipes, and its client.
type harness struct {
	t      *testing.T
	c      *lsptest.Client
	toSrv  *os.File // the client's end of the server's input
	exit   chan int
	logMu  sync.Mutex
	logs   []string
	exited bool
	code   int
}

type closerFunc func() error

func (f closerFunc) Close() error { return f() }

// goTeamSuite is a fixed suite of the Go team's passes, so that tests of the
// server's mechanics do not change as the registry grows; the registry's
// own suite has its test.
var goTeamSuite = []registry.Entry{
	{Analyzer: lostcancel.Analyzer, Profile: registry.Default, Severity: registry.Warning},
	{Analyzer: waitgroup.Analyzer, Profile: registry.Default, Severity: registry.Warning},
}

func start(t *testing.T, opts server.Options) *harness {
	t.Helper()
	if opts.Entries == nil {
		opts.Entries = goTeamSuite
	}
	inR, inW, err := os.Pipe()
	require.NoError(t, err)
	outR, outW, err := os.Pipe()
	require.NoError(t, err)
	h := &harness{t: t, toSrv: inW, exit: make(chan int, 1)}
	if opts.Logf == nil {
		opts.Logf = func(format string, args ...any) {
			h.logMu.Lock()
			h.logs = append(h.logs, fmt.Sprintf(format, args...))
			h.logMu.Unlock()
		}
	}
	s := server.New(opts)
	go func() {
		code := s.Run(context.Background(), inR, outW, closerFunc(inR.Close))
		outW.Close()
		h.exit <- code
	}()
	h.c = lsptest.New(outR, inW)
	t.Cleanup(func() {
		inW.Close() // if the test did not end the session, the client vanishes
		h.wait()
		<-h.c.Done()
		outR.Close()
	})
	return h
}

// wait returns the server's exit status once Run has returned.
func (h *harness) wait() int {
	h.t.Helper()
	if h.exited {
		return h.code
	}
	select {
	case h.code = <-h.exit:
		h.exited = true
		return h.code
	case <-time.After(timeout):
		h.t.Fatal("the server did not end")
		return -1
	}
}

func (h *harness) initialize(options any) protocol.InitializeResult {
	h.t.Helper()
	return h.initializeWith(options, nil)
}

// initializeWith initializes with options and params on top of the
// defaults (rootUri "/", progress, showDocument, file watchers).
func (h *harness) initializeWith(options any, extra map[string]any) protocol.InitializeResult {
	h.t.Helper()
	var res protocol.InitializeResult
	params := map[string]any{
		"processId": os.Getpid(),
		"rootUri":   "file:///",
		"capabilities": map[string]any{
			"window":    map[string]any{"workDoneProgress": true, "showDocument": map[string]any{"support": true}},
			"workspace": map[string]any{"didChangeWatchedFiles": map[string]any{"dynamicRegistration": true}},
		},
	}
	if options != nil {
		params["initializationOptions"] = options
	}
	for k, v := range extra {
		params[k] = v
	}
	require.NoError(h.t, h.c.Call(ctxT(h.t), "initialize", params, &res))
	require.NoError(h.t, h.c.Notify("initialized", map[string]any{}))
	return res
}

func (h *harness) shutdownAndExit() int {
	h.t.Helper()
	require.NoError(h.t, h.c.Call(ctxT(h.t), "shutdown", nil, nil))
	require.NoError(h.t, h.c.Notify("exit", nil))
	return h.wait()
}

func (h *harness) open(u protocol.DocumentURI, version int32, text string) {
	h.t.Helper()
	require.NoError(h.t, h.c.Notify("textDocument/didOpen", map[string]any{
		"textDocument": map[string]any{"uri": u, "languageId": "go", "version": version, "text": text},
	}))
}

// edit replaces the range with text (an incremental change).
func (h *harness) edit(u protocol.DocumentURI, version int32, r protocol.Range, text string) {
	h.t.Helper()
	require.NoError(h.t, h.c.Notify("textDocument/didChange", map[string]any{
		"textDocument":   map[string]any{"uri": u, "version": version},
		"contentChanges": []any{map[string]any{"range": r, "text": text}},
	}))
}

func (h *harness) close(u protocol.DocumentURI) {
	h.t.Helper()
	require.NoError(h.t, h.c.Notify("textDocument/didClose", map[string]any{"textDocument": map[string]any{"uri": u}}))
}

func (h *harness) diagnostics(u protocol.DocumentURI, match func(protocol.PublishDiagnosticsParams) bool) protocol.PublishDiagnosticsParams {
	h.t.Helper()
	p, err := h.c.AwaitDiagnostics(ctxT(h.t), u, match)
	require.NoError(h.t, err, "logs: %s", h.logText())
	return p
}

func (h *harness) logText() string {
	h.logMu.Lock()
	defer h.logMu.Unlock()
	return strings.Join(h.logs, "\n")
}

// module writes a module with files (relative path → content) and returns
// its root.
func module(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	if _, ok := files["go.mod"]; !ok {
		files["go.mod"] = "module example.com/m\n\ngo 1.26\n"
	}
	for name, content := range files {
		path := filepath.Join(root, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	}
	return root
}

func fileURI(path string) protocol.DocumentURI { return uri.File(path) }

// pos returns the position of the first occurrence of needle in text,
// counting UTF-16 units as LSP does.
func pos(t *testing.T, text, needle string) protocol.Position {
	t.Helper()
	i := strings.Index(text, needle)
	require.GreaterOrEqual(t, i, 0, "%q not in text", needle)
	line := strings.Count(text[:i], "\n")
	col := 0
	for _, r := range text[strings.LastIndex(text[:i], "\n")+1 : i] {
		col++
		if r >= 0x10000 {
			col++
		}
	}
	return protocol.Position{Line: uint32(line), Character: uint32(col)}
}

// span returns the range of the first occurrence of needle.
func span(t *testing.T, text, needle string) protocol.Range {
	t.Helper()
	start := pos(t, text, needle)
	end := start
	if !strings.Contains(needle, "\n") {
		end.Character += uint32(len([]rune(needle)))
		for _, r := range needle {
			if r >= 0x10000 {
				end.Character++
			}
		}
	} else {
		end = pos(t, text, needle) // multi-line needles are not used for ends
	}
	return protocol.Range{Start: start, End: end}
}
