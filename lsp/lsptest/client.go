// Package lsptest is an LSP client for tests: it frames JSON-RPC messages
// as editors do (its own framing, independent of the server's), answers the
// server's requests, and records every notification so a test can wait for
// the one it expects.
package lsptest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/textproto"
	"strconv"
	"strings"
	"sync"

	"go.lsp.dev/protocol"
)

// Message is any JSON-RPC message.
type Message struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id,omitempty"`
	Method  string          `json:"method,omitempty"`
	Params  json.RawMessage `json:"params,omitempty"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   *ResponseError  `json:"error,omitempty"`
}

// ResponseError is an error response's error.
type ResponseError struct {
	Code    int64  `json:"code"`
	Message string `json:"message"`
}

func (e *ResponseError) Error() string { return fmt.Sprintf("%s (code %d)", e.Message, e.Code) }

// Client talks to one server.
type Client struct {
	writeMu sync.Mutex
	w       io.Writer

	mu       sync.Mutex
	seq      int
	pending  map[string]chan Message
	received []Message // notifications and server requests, in order
	changed  chan struct{}
	replies  map[string]func(params json.RawMessage) any // answers to server requests by method

	done    chan struct{}
	readErr error
}

// New starts a client reading r and writing w. Its reader goroutine ends
// when r does; Done tells when.
func New(r io.Reader, w io.Writer) *Client {
	c := &Client{
		w:       w,
		pending: map[string]chan Message{},
		changed: make(chan struct{}),
		replies: map[string]func(json.RawMessage) any{
			"window/showDocument": func(json.RawMessage) any { return map[string]bool{"success": true} },
			// One empty settings object per item asked for.
			"workspace/configuration": func(params json.RawMessage) any {
				var p struct{ Items []json.RawMessage }
				_ = json.Unmarshal(params, &p)
				out := make([]map[string]any, len(p.Items))
				for i := range out {
					out[i] = map[string]any{}
				}
				return out
			},
		},
		done: make(chan struct{}),
	}
	go c.read(bufio.NewReader(r))
	return c
}

// Reply sets how the client answers the server's requests of a method.
// Call it before the server can send one.
func (c *Client) Reply(method string, answer func(params json.RawMessage) any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.replies[method] = answer
}

// Done is closed when the server's output ends.
func (c *Client) Done() <-chan struct{} { return c.done }

// ReadErr returns why reading ended (nil for a clean end of input).
func (c *Client) ReadErr() error {
	<-c.done
	return c.readErr
}

func (c *Client) read(r *bufio.Reader) {
	defer close(c.done)
	tp := textproto.NewReader(r)
	for {
		hdr, err := tp.ReadMIMEHeader()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				c.readErr = fmt.Errorf("read header: %w", err)
			}
			return
		}
		n, err := strconv.Atoi(hdr.Get("Content-Length"))
		if err != nil {
			c.readErr = fmt.Errorf("bad Content-Length %q from the server", hdr.Get("Content-Length"))
			return
		}
		body := make([]byte, n)
		if _, err := io.ReadFull(r, body); err != nil {
			c.readErr = fmt.Errorf("read body: %w", err)
			return
		}
		var m Message
		if err := json.Unmarshal(body, &m); err != nil {
			c.readErr = fmt.Errorf("the server sent invalid JSON %q: %w", body, err)
			return
		}
		if reply := c.dispatch(m); reply != nil {
			// Answer in this goroutine, outside the lock.
			if err := c.send(reply); err != nil {
				c.readErr = fmt.Errorf("answer %s: %w", m.Method, err)
				return
			}
		}
	}
}

// dispatch records m and returns the answer to send if it is a request.
func (c *Client) dispatch(m Message) (reply map[string]any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case m.Method == "" && m.ID != nil: // a response
		if ch, ok := c.pending[string(m.ID)]; ok {
			delete(c.pending, string(m.ID))
			ch <- m
		} else {
			// Answers to what was written raw, and null-id answers to
			// what the server could not parse: record them.
			c.received = append(c.received, m)
		}
	default:
		c.received = append(c.received, m)
		if m.ID != nil { // a request from the server: answer it
			var result any // null for what the client does not know
			if f := c.replies[m.Method]; f != nil {
				result = f(m.Params)
			}
			reply = map[string]any{"jsonrpc": "2.0", "id": m.ID, "result": result}
		}
	}
	close(c.changed)
	c.changed = make(chan struct{})
	return reply
}

// WriteRaw writes bytes as they are, for malformed input.
func (c *Client) WriteRaw(data []byte) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	_, err := c.w.Write(data)
	return err
}

// Frame returns body framed as editors frame it.
func Frame(body []byte) []byte {
	return append([]byte(fmt.Sprintf("Content-Length: %d\r\n\r\n", len(body))), body...)
}

func (c *Client) send(msg any) error {
	body, err := json.Marshal(msg)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	return c.WriteRaw(Frame(body))
}

// Notify sends a notification.
func (c *Client) Notify(method string, params any) error {
	return c.send(map[string]any{"jsonrpc": "2.0", "method": method, "params": params})
}

// Pending is a request in flight.
type Pending struct {
	ID string // "lsptest-N": a space of ids apart from what tests send raw
	ch chan Message
	c  *Client
}

// Start sends a request and returns without waiting for the answer.
func (c *Client) Start(method string, params any) (*Pending, error) {
	c.mu.Lock()
	c.seq++
	id := "lsptest-" + strconv.Itoa(c.seq)
	ch := make(chan Message, 1)
	c.pending[strconv.Quote(id)] = ch
	c.mu.Unlock()
	msg := map[string]any{"jsonrpc": "2.0", "id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	if err := c.send(msg); err != nil {
		return nil, err
	}
	return &Pending{ID: id, ch: ch, c: c}, nil
}

// Wait waits for the answer and decodes its result into result (if not
// nil). An error response is returned as a *ResponseError.
func (p *Pending) Wait(ctx context.Context, result any) error {
	select {
	case m := <-p.ch:
		if m.Error != nil {
			return m.Error
		}
		if result != nil && len(m.Result) > 0 {
			if err := json.Unmarshal(m.Result, result); err != nil {
				return fmt.Errorf("decode result %s: %w", m.Result, err)
			}
		}
		return nil
	case <-p.c.done:
		return fmt.Errorf("request %s: the server's output ended: %v", p.ID, p.c.readErr)
	case <-ctx.Done():
		return fmt.Errorf("request %s: %w", p.ID, ctx.Err())
	}
}

// Call sends a request and waits for its answer.
func (c *Client) Call(ctx context.Context, method string, params, result any) error {
	p, err := c.Start(method, params)
	if err != nil {
		return err
	}
	return p.Wait(ctx, result)
}

// Received returns the notifications and server requests so far.
func (c *Client) Received() []Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Message(nil), c.received...)
}

// Await waits for a received message that match accepts, looking at every
// message since the start.
func (c *Client) Await(ctx context.Context, what string, match func(Message) bool) (Message, error) {
	for {
		c.mu.Lock()
		for _, m := range c.received {
			if match(m) {
				c.mu.Unlock()
				return m, nil
			}
		}
		changed := c.changed
		c.mu.Unlock()
		select {
		case <-changed:
		case <-c.done:
			// One last look: the message may have come with the end.
			for _, m := range c.Received() {
				if match(m) {
					return m, nil
				}
			}
			return Message{}, fmt.Errorf("waiting for %s: the server's output ended (%v)", what, c.readErr)
		case <-ctx.Done():
			return Message{}, fmt.Errorf("waiting for %s: %w", what, ctx.Err())
		}
	}
}

// Diagnostics decodes a publishDiagnostics notification.
func Diagnostics(m Message) (protocol.PublishDiagnosticsParams, bool) {
	var p protocol.PublishDiagnosticsParams
	if m.Method != "textDocument/publishDiagnostics" || json.Unmarshal(m.Params, &p) != nil {
		return p, false
	}
	return p, true
}

// AwaitDiagnostics waits for diagnostics of u that match accepts.
func (c *Client) AwaitDiagnostics(ctx context.Context, u protocol.DocumentURI, match func(protocol.PublishDiagnosticsParams) bool) (protocol.PublishDiagnosticsParams, error) {
	m, err := c.Await(ctx, "diagnostics of "+string(u), func(m Message) bool {
		p, ok := Diagnostics(m)
		return ok && p.URI == u && match(p)
	})
	if err != nil {
		return protocol.PublishDiagnosticsParams{}, err
	}
	p, _ := Diagnostics(m)
	return p, nil
}

// AtVersion matches diagnostics published for version v, whatever they
// hold.
func AtVersion(v int32) func(protocol.PublishDiagnosticsParams) bool {
	return func(p protocol.PublishDiagnosticsParams) bool { return p.Version == uint32(v) }
}

// Codes returns the codes of diagnostics, in order.
func Codes(ds []protocol.Diagnostic) []string {
	var out []string
	for _, d := range ds {
		out = append(out, fmt.Sprint(d.Code))
	}
	return out
}

// HasCode reports whether some diagnostic has the code.
func HasCode(ds []protocol.Diagnostic, code string) bool {
	for _, d := range ds {
		if fmt.Sprint(d.Code) == code {
			return true
		}
	}
	return false
}

// Summary renders diagnostics for failure messages.
func Summary(ds []protocol.Diagnostic) string {
	var b strings.Builder
	for _, d := range ds {
		fmt.Fprintf(&b, "%d:%d %v %s; ", d.Range.Start.Line, d.Range.Start.Character, d.Code, d.Message)
	}
	return b.String()
}

// ByCode returns the first diagnostic with the code, or a zero one.
func ByCode(ds []protocol.Diagnostic, code string) protocol.Diagnostic {
	for _, d := range ds {
		if fmt.Sprint(d.Code) == code {
			return d
		}
	}
	return protocol.Diagnostic{}
}
