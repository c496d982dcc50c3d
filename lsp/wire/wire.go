// Package wire frames JSON-RPC messages the way LSP editors do
// ("Content-Length: N\r\n\r\n" then N bytes of JSON) as a jsonrpc2.Stream,
// and survives what a broken client sends.
//
// jsonrpc2's own stream ends the connection on the first bad message. This
// one answers a body that is not JSON with a ParseError, and a body that is
// JSON but not a JSON-RPC message with an InvalidRequest (both with a null
// id unless the body had a usable one), then reads on. A header it cannot
// use (no colon, no or a bad Content-Length, a body over the size limit) is
// reported and skipped: the stream resynchronises at the next
// "Content-Length:".
package wire

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"go.lsp.dev/jsonrpc2"
)

// DefaultMaxBody bounds a message body (a huge file sent whole fits).
const DefaultMaxBody = 256 << 20

const contentLength = "Content-Length"

// Stream is a jsonrpc2.Stream over a reader and a writer.
type Stream struct {
	in      *bufio.Reader
	out     io.Writer
	closer  io.Closer
	maxBody int64
	logf    func(format string, args ...any)

	writeMu sync.Mutex
}

var _ jsonrpc2.Stream = (*Stream)(nil)

// Options configure a Stream.
type Options struct {
	MaxBody int64                            // zero means DefaultMaxBody
	Logf    func(format string, args ...any) // where skipped input is reported; nil discards
}

// New returns a stream reading r and writing w; Close closes closer.
func New(r io.Reader, w io.Writer, closer io.Closer, opts Options) *Stream {
	s := &Stream{in: bufio.NewReaderSize(r, 64<<10), out: w, closer: closer, maxBody: opts.MaxBody, logf: opts.Logf}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBody
	}
	if s.logf == nil {
		s.logf = func(string, ...any) {}
	}
	return s
}

// errBadHeader marks a frame whose header cannot be used.
var errBadHeader = errors.New("bad header")

// Read returns the next well-formed message. It answers malformed ones
// itself and returns an error only when the input ends or fails.
func (s *Stream) Read(ctx context.Context) (jsonrpc2.Message, int64, error) {
	var total int64
	for {
		if err := ctx.Err(); err != nil {
			return nil, total, err
		}
		length, n, err := s.readHeader()
		total += n
		if errors.Is(err, errBadHeader) {
			s.logf("wire: %v; skipping to the next %s header", err, contentLength)
			skipped, err := s.resync()
			total += skipped
			if err != nil {
				return nil, total, err
			}
			continue
		}
		if err != nil {
			return nil, total, err
		}
		body, err := s.readBody(length)
		total += int64(len(body))
		if err != nil {
			return nil, total, err
		}
		var msg jsonrpc2.Message
		if json.Valid(body) { // jsonrpc2's decoder ignores trailing garbage
			msg, err = jsonrpc2.DecodeMessage(body)
			if err == nil {
				return msg, total, nil
			}
		}
		if werr := s.replyMalformed(ctx, body, err); werr != nil {
			return nil, total, werr
		}
	}
}

// readHeader reads header lines up to the empty line and returns the
// content length.
func (s *Stream) readHeader() (length int64, n int64, err error) {
	length = -1
	seen := false // a header line was read
	for {
		line, err := s.in.ReadString('\n')
		n += int64(len(line))
		if err != nil {
			if err == io.EOF && !seen && strings.TrimSpace(line) == "" {
				return 0, n, io.EOF
			}
			return 0, n, fmt.Errorf("read header: %w", err)
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			if !seen { // stray blank line between messages
				continue
			}
			break
		}
		seen = true
		if i := strings.Index(line, contentLength+":"); i > 0 {
			s.logf("wire: skipping %d bytes of noise before a header", i)
			line = line[i:]
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			return 0, n, fmt.Errorf("%w: line %q has no colon", errBadHeader, truncate(line))
		}
		if strings.EqualFold(strings.TrimSpace(name), contentLength) {
			v, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64)
			switch {
			case err != nil || v < 0:
				return 0, n, fmt.Errorf("%w: %s %q is not a length", errBadHeader, contentLength, truncate(value))
			case v > s.maxBody:
				return 0, n, fmt.Errorf("%w: %s %d is over the limit of %d bytes", errBadHeader, contentLength, v, s.maxBody)
			default:
				length = v
			}
		}
	}
	if length < 0 {
		return 0, n, fmt.Errorf("%w: no %s", errBadHeader, contentLength)
	}
	return length, n, nil
}

// resync discards input up to the next "Content-Length:" and leaves the
// reader at the start of that header.
func (s *Stream) resync() (int64, error) {
	want := []byte(contentLength + ":")
	var skipped int64
	for {
		if s.in.Buffered() < len(want) {
			// Wait for enough bytes to compare (and no more: the client
			// may be waiting for our answer to what it sent).
			if _, err := s.in.Peek(len(want)); err != nil {
				if err == io.EOF {
					return skipped, io.EOF
				}
				return skipped, fmt.Errorf("resynchronise: %w", err)
			}
		}
		buf, _ := s.in.Peek(s.in.Buffered())
		if i := bytes.Index(buf, want); i >= 0 {
			d, _ := s.in.Discard(i)
			return skipped + int64(d), nil
		}
		// Keep the tail that may hold the start of the header.
		d, _ := s.in.Discard(len(buf) - len(want) + 1)
		skipped += int64(d)
	}
}

func (s *Stream) readBody(length int64) ([]byte, error) {
	// Grow with what arrives rather than trusting the header with one
	// allocation of its size.
	var buf bytes.Buffer
	buf.Grow(int(min(length, 1<<20)))
	n, err := io.Copy(&buf, io.LimitReader(s.in, length))
	if err == nil && n < length {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return buf.Bytes(), fmt.Errorf("read body of %d bytes: %w", length, err)
	}
	return buf.Bytes(), nil
}

// errorResponse is a JSON-RPC error response with a raw id (null allowed).
type errorResponse struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Error   struct {
		Code    jsonrpc2.Code `json:"code"`
		Message string        `json:"message"`
	} `json:"error"`
}

func (s *Stream) replyMalformed(ctx context.Context, body []byte, decodeErr error) error {
	resp := errorResponse{JSONRPC: jsonrpc2.Version, ID: json.RawMessage("null")}
	var probe struct {
		ID     json.RawMessage `json:"id"`
		Method json.RawMessage `json:"method"`
	}
	if !json.Valid(body) {
		resp.Error.Code = jsonrpc2.ParseError
		resp.Error.Message = "parse error: the message is not valid JSON"
	} else {
		resp.Error.Code = jsonrpc2.InvalidRequest
		resp.Error.Message = fmt.Sprintf("invalid request: %v", decodeErr)
		if json.Unmarshal(body, &probe) == nil && validID(probe.ID) {
			resp.ID = probe.ID
		}
		if len(probe.Method) == 0 && len(probe.ID) > 0 {
			// A response we cannot match to anything: answering a response
			// would confuse the client, so only report it.
			s.logf("wire: dropping malformed response: %v", decodeErr)
			return nil
		}
	}
	s.logf("wire: %s", resp.Error.Message)
	data, err := json.Marshal(resp)
	if err != nil {
		return fmt.Errorf("encode error response: %w", err)
	}
	_, err = s.writeFrame(ctx, data)
	return err
}

// validID reports whether raw is a JSON-RPC id worth echoing: a string or an
// integer.
func validID(raw json.RawMessage) bool {
	var v any
	if len(raw) == 0 || json.Unmarshal(raw, &v) != nil {
		return false
	}
	switch v := v.(type) {
	case string:
		return true
	case float64:
		return v == float64(int64(v))
	}
	return false
}

// Write sends a message in one frame.
func (s *Stream) Write(ctx context.Context, msg jsonrpc2.Message) (int64, error) {
	data, err := json.Marshal(msg)
	if err != nil {
		return 0, fmt.Errorf("encode message: %w", err)
	}
	return s.writeFrame(ctx, data)
}

func (s *Stream) writeFrame(ctx context.Context, body []byte) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	frame := make([]byte, 0, len(body)+32)
	frame = fmt.Appendf(frame, "%s: %d\r\n\r\n", contentLength, len(body))
	frame = append(frame, body...)
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	n, err := s.out.Write(frame)
	if err != nil {
		return int64(n), fmt.Errorf("write message: %w", err)
	}
	return int64(n), nil
}

// Close closes the underlying connection, which ends a blocked Read.
func (s *Stream) Close() error {
	if s.closer == nil {
		return nil
	}
	return s.closer.Close()
}

func truncate(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}
