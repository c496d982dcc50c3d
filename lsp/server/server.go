// Package server is asyncbook's language server: it speaks LSP over a
// jsonrpc2 connection and owns asyncbook's findings, hints and exercise
// commands, beside gopls.
//
// The read loop handles notifications in order and at once: it updates the
// open documents and schedules analysis, never analyses. Requests run in
// their own goroutines, each cancellable with $/cancelRequest, so a slow
// one (checking an exercise) never holds up code actions. Everything the
// server sends on its own (diagnostics, progress, messages) leaves through
// one outbox goroutine, in order. Run waits for every goroutine it started.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"golang.org/x/tools/go/analysis"

	"github.com/asyncbook/asyncbook/analyzers/driver"
	"github.com/asyncbook/asyncbook/analyzers/registry"
	"github.com/asyncbook/asyncbook/lsp/catalog"
	"github.com/asyncbook/asyncbook/lsp/documents"
	"github.com/asyncbook/asyncbook/lsp/load"
	"github.com/asyncbook/asyncbook/lsp/scheduler"
	"github.com/asyncbook/asyncbook/lsp/wire"
)

// Source is the "source" of every diagnostic the server publishes.
const Source = "asyncbook"

// DefaultDebounce is how long the server waits after an edit before
// analysing, so that a burst of keystrokes becomes one run.
const DefaultDebounce = 30 * time.Millisecond

// LSP's error codes beyond JSON-RPC's.
const (
	requestCancelled jsonrpc2.Code = -32800 // the client cancelled the request
	requestFailed    jsonrpc2.Code = -32803 // a valid request that failed
)

// Options configure a Server. Zero fields take defaults.
type Options struct {
	// Entries is the suite (default registry.Entries()); the workspace's
	// .asyncbook.json and the client's settings choose from it.
	Entries []registry.Entry
	// Lookup finds an analyzer by name, for hovers and hints (default: the
	// registry's, and the driver's Ignore).
	Lookup func(name string) *analysis.Analyzer
	// Catalog knows the workbook's exercises (default catalog.None).
	Catalog catalog.Catalog
	// Debounce is the pause after an edit before analysing.
	Debounce time.Duration
	// FreshWait bounds how long a code action waits for the analysis of
	// the document's latest text (default 2s).
	FreshWait time.Duration
	// Env is the go command's environment (nil: this process's).
	Env []string
	// Logf reports what the client does not need to see (default stderr).
	Logf func(format string, args ...any)
	// Version is reported in serverInfo.
	Version string
}

// Server is one language server session. Use New, then Run once.
type Server struct {
	opts   Options
	docs   *documents.Store
	loader *load.Loader
	sched  *scheduler.Scheduler

	ctx    context.Context // ends when Run ends
	cancel context.CancelFunc
	conn   jsonrpc2.Conn
	out    *outbox
	reqWG  sync.WaitGroup // request goroutines

	mu           sync.Mutex
	initialized  bool
	shutdown     bool
	exited       bool
	caps         protocol.ClientCapabilities
	settings     driver.Settings // the client's, on top of the settings files
	folders      []string        // the workspace folders the client declared
	debounce     time.Duration
	untrusted    bool                          // the client said the workspace is not trusted
	inflight     map[string]context.CancelFunc // by request id
	progress     map[string]context.CancelFunc // check runs by progress token
	hintsShown   map[string]int                // by "analyzer:name"
	tokenSeq     int
	settingsErrs map[string]bool // settings files' errors already shown

	diagMu     sync.Mutex
	files      map[protocol.DocumentURI]*fileState // the findings of open documents
	checks     map[protocol.DocumentURI]*fileState // the last check's problems in open documents
	diskChecks map[protocol.DocumentURI]*diskFile  // and in files that are not open
	changed    chan struct{}                       // closed and replaced when analysis state changes
}

// New returns a server with opts.
func New(opts Options) *Server {
	if opts.Entries == nil {
		opts.Entries = registry.Entries()
	}
	if opts.Lookup == nil {
		opts.Lookup = lookup
	}
	if opts.Catalog == nil {
		opts.Catalog = catalog.None{}
	}
	if opts.Debounce <= 0 {
		opts.Debounce = DefaultDebounce
	}
	if opts.FreshWait <= 0 {
		opts.FreshWait = 2 * time.Second
	}
	if opts.Logf == nil {
		opts.Logf = func(format string, args ...any) { fmt.Fprintf(os.Stderr, "asyncbook lsp: "+format+"\n", args...) }
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Server{
		opts:         opts,
		docs:         documents.NewStore(),
		loader:       load.New(opts.Env),
		sched:        scheduler.New(2),
		ctx:          ctx,
		cancel:       cancel,
		debounce:     opts.Debounce,
		inflight:     map[string]context.CancelFunc{},
		progress:     map[string]context.CancelFunc{},
		hintsShown:   map[string]int{},
		settingsErrs: map[string]bool{},
		files:        map[protocol.DocumentURI]*fileState{},
		checks:       map[protocol.DocumentURI]*fileState{},
		diskChecks:   map[protocol.DocumentURI]*diskFile{},
		changed:      make(chan struct{}),
	}
}

// Run serves LSP over r and w until the client sends exit, the input ends
// or ctx is cancelled; closer is closed to end a blocked read. It returns
// the process's exit status: 0 after shutdown and exit, 1 otherwise.
func (s *Server) Run(ctx context.Context, r io.Reader, w io.Writer, closer io.Closer) int {
	stream := wire.New(r, w, closer, wire.Options{Logf: s.opts.Logf})
	s.conn = jsonrpc2.NewConn(stream)
	s.out = newOutbox(s.conn, s.opts.Logf)
	s.conn.Go(s.ctx, s.handle)

	select {
	case <-s.conn.Done():
	case <-ctx.Done():
		s.conn.Close()
		<-s.conn.Done()
	}
	s.cancel()
	s.sched.Close()
	s.reqWG.Wait()
	s.out.close()

	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.conn.Err(); err != nil && !s.exited {
		s.opts.Logf("connection ended: %v", err)
	}
	if s.exited && s.shutdown {
		return 0
	}
	return 1
}

// handle is the connection's handler, called in its read loop.
func (s *Server) handle(_ context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
	defer func() {
		if r := recover(); r != nil {
			s.opts.Logf("panic handling %s: %v\n%s", req.Method(), r, debug.Stack())
		}
	}()
	switch req := req.(type) {
	case *jsonrpc2.Call:
		s.call(reply, req)
	case *jsonrpc2.Notification:
		s.notification(req.Method(), req.Params())
	}
	return nil // an error would close the connection
}

// requestHandler computes a request's result.
type requestHandler func(ctx context.Context, params json.RawMessage) (any, error)

func (s *Server) requestHandlers() map[string]requestHandler {
	return map[string]requestHandler{
		"textDocument/codeAction":  s.codeAction,
		"textDocument/hover":       s.hover,
		"textDocument/codeLens":    s.codeLens,
		"workspace/executeCommand": s.executeCommand,
	}
}

func idKey(id jsonrpc2.ID) string { return fmt.Sprintf("%q", id) }

func (s *Server) call(reply jsonrpc2.Replier, c *jsonrpc2.Call) {
	method, params := c.Method(), json.RawMessage(c.Params())
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case method == "initialize":
		if s.initialized {
			s.replyAsync(reply, nil, jsonrpc2.NewError(jsonrpc2.InvalidRequest, "initialize: already initialized"))
			return
		}
		result, err := s.initializeLocked(params)
		s.replyAsync(reply, result, err)
	case !s.initialized:
		s.replyAsync(reply, nil, jsonrpc2.NewError(jsonrpc2.ServerNotInitialized, method+": the server is not initialized"))
	case s.shutdown:
		s.replyAsync(reply, nil, jsonrpc2.NewError(jsonrpc2.InvalidRequest, method+": the server is shutting down"))
	case method == "shutdown":
		s.shutdown = true
		for _, cancel := range s.inflight {
			cancel()
		}
		for _, cancel := range s.progress {
			cancel()
		}
		s.replyAsync(reply, nil, nil)
		s.reqWG.Add(1)
		go func() { // let running analyses end; do not wait in the read loop
			defer s.reqWG.Done()
			s.sched.Close()
		}()
	default:
		h := s.requestHandlers()[method]
		if h == nil {
			s.replyAsync(reply, nil, jsonrpc2.NewError(jsonrpc2.MethodNotFound, "method not found: "+method))
			return
		}
		key := idKey(c.ID())
		ctx, cancel := context.WithCancel(s.ctx)
		s.inflight[key] = cancel
		s.reqWG.Add(1)
		go func() {
			defer s.reqWG.Done()
			defer func() {
				s.mu.Lock()
				delete(s.inflight, key)
				s.mu.Unlock()
				cancel()
			}()
			result, err := s.safely(method, func() (any, error) { return h(ctx, params) })
			if ctx.Err() != nil && s.ctx.Err() == nil {
				result, err = nil, jsonrpc2.NewError(requestCancelled, method+": request cancelled")
			}
			var jerr *jsonrpc2.Error
			if err != nil && !errors.As(err, &jerr) {
				err = jsonrpc2.NewError(requestFailed, fmt.Sprintf("%s: %v", method, err))
			}
			if err := reply(s.ctx, result, err); err != nil {
				s.opts.Logf("reply to %s: %v", method, err)
			}
		}()
	}
}

// replyAsync replies from a goroutine, so the read loop never blocks on
// writing. Callers hold s.mu.
func (s *Server) replyAsync(reply jsonrpc2.Replier, result any, err error) {
	s.reqWG.Add(1)
	go func() {
		defer s.reqWG.Done()
		if werr := reply(s.ctx, result, err); werr != nil {
			s.opts.Logf("reply: %v", werr)
		}
	}()
}

// safely runs f, turning a panic into an internal error.
func (s *Server) safely(what string, f func() (any, error)) (result any, err error) {
	defer func() {
		if r := recover(); r != nil {
			s.opts.Logf("panic in %s: %v\n%s", what, r, debug.Stack())
			result, err = nil, jsonrpc2.NewError(jsonrpc2.InternalError, fmt.Sprintf("%s: internal error: %v", what, r))
		}
	}()
	return f()
}

func (s *Server) notification(method string, params json.RawMessage) {
	s.mu.Lock()
	ready := s.initialized && !s.shutdown
	s.mu.Unlock()
	if method == "exit" {
		s.mu.Lock()
		s.exited = true
		s.mu.Unlock()
		s.conn.Close()
		return
	}
	if !ready {
		return // LSP: notifications before initialize (or after shutdown) are dropped
	}
	var err error
	switch method {
	case "initialized":
		s.watchFiles()
	case "$/setTrace", "$/logTrace":
	case "$/cancelRequest":
		err = s.cancelRequest(params)
	case "window/workDoneProgress/cancel":
		err = s.cancelProgress(params)
	case "textDocument/didOpen":
		err = s.didOpen(params)
	case "textDocument/didChange":
		err = s.didChange(params)
	case "textDocument/didSave":
		err = s.didSave(params)
	case "textDocument/didClose":
		err = s.didClose(params)
	case "workspace/didChangeConfiguration":
		err = s.didChangeConfiguration(params)
	case "workspace/didChangeWatchedFiles":
		err = s.didChangeWatchedFiles(params)
	case "workspace/didChangeWorkspaceFolders":
		err = s.didChangeWorkspaceFolders(params)
	default:
		s.opts.Logf("ignoring notification %s", method)
	}
	if err != nil {
		s.opts.Logf("%s: %v", method, err)
	}
}

func (s *Server) cancelRequest(params json.RawMessage) error {
	var p struct {
		ID any `json:"id"`
	}
	if err := json.Unmarshal(params, &p); err != nil {
		return fmt.Errorf("decode params: %w", err)
	}
	var key string
	switch id := p.ID.(type) {
	case float64:
		key = "#" + strconv.FormatInt(int64(id), 10)
	case string:
		key = strconv.Quote(id)
	default:
		return fmt.Errorf("id %v is neither a number nor a string", p.ID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if cancel, ok := s.inflight[key]; ok {
		cancel()
	}
	return nil
}

func (s *Server) cancelProgress(params json.RawMessage) error {
	var p struct {
		Token json.RawMessage `json:"token"`
	}
	if err := json.Unmarshal(params, &p); err != nil {
		return fmt.Errorf("decode params: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if cancel, ok := s.progress[string(p.Token)]; ok {
		cancel()
	}
	return nil
}

// decode unmarshals params into v, as an InvalidParams error.
func decode(params json.RawMessage, v any) error {
	if len(params) == 0 {
		return jsonrpc2.NewError(jsonrpc2.InvalidParams, "missing params")
	}
	if err := json.Unmarshal(params, v); err != nil {
		return jsonrpc2.NewError(jsonrpc2.InvalidParams, "invalid params: "+err.Error())
	}
	return nil
}

// lookup finds an analyzer of the registry by name, or the driver's Ignore
// (for its documentation).
func lookup(name string) *analysis.Analyzer {
	if name == driver.IgnoreName {
		return driver.IgnoreAnalyzer()
	}
	return registry.Lookup(name)
}
