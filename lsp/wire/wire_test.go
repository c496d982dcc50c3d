package wire_test

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
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.lsp.dev/jsonrpc2"

	"github.com/asyncbook/asyncbook/lsp/wire"
)

func frame(body string) string {
	return fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body), body)
}

const ping = `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"n":1}}`

// readAll reads messages from input until the stream ends and returns them
// with everything the stream wrote back.
func readAll(t *testing.T, input string, opts wire.Options) ([]jsonrpc2.Message, []map[string]any, error) {
	t.Helper()
	var out bytes.Buffer
	s := wire.New(strings.NewReader(input), &out, nil, opts)
	var msgs []jsonrpc2.Message
	var err error
	for {
		var m jsonrpc2.Message
		m, _, err = s.Read(context.Background())
		if err != nil {
			break
		}
		msgs = append(msgs, m)
	}
	return msgs, parseFrames(t, out.Bytes()), err
}

// parseFrames strictly parses what a stream wrote: frames with JSON bodies.
func parseFrames(t *testing.T, data []byte) []map[string]any {
	t.Helper()
	r := bufio.NewReader(bytes.NewReader(data))
	var out []map[string]any
	for {
		line, err := r.ReadString('\n')
		if err == io.EOF && line == "" {
			return out
		}
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(line, "Content-Length: "), "header %q", line)
		n, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "Content-Length: ")))
		require.NoError(t, err)
		blank, err := r.ReadString('\n')
		require.NoError(t, err)
		require.Equal(t, "\r\n", blank)
		body := make([]byte, n)
		_, err = io.ReadFull(r, body)
		require.NoError(t, err)
		var m map[string]any
		require.NoError(t, json.Unmarshal(body, &m), "body %q", body)
		out = append(out, m)
	}
}

func TestWellFormedMessages(t *testing.T) {
	input := frame(ping) + "\r\n" + frame(`{"jsonrpc":"2.0","method":"note"}`) +
		"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n" + frame(`{"jsonrpc":"2.0","id":"x","result":{"ok":true}}`)
	msgs, out, err := readAll(t, input, wire.Options{})
	assert.ErrorIs(t, err, io.EOF)
	assert.Empty(t, out)
	require.Len(t, msgs, 3)
	call, ok := msgs[0].(*jsonrpc2.Call)
	require.True(t, ok)
	assert.Equal(t, "ping", call.Method())
	assert.JSONEq(t, `{"n":1}`, string(call.Params()))
	_, ok = msgs[1].(*jsonrpc2.Notification)
	assert.True(t, ok)
	_, ok = msgs[2].(*jsonrpc2.Response)
	assert.True(t, ok)
}

func TestWriteFramesOneMessage(t *testing.T) {
	var out bytes.Buffer
	s := wire.New(strings.NewReader(""), &out, nil, wire.Options{})
	n, err := jsonrpc2.NewNotification("textDocument/publishDiagnostics", map[string]string{"uri": "file:///é.go"})
	require.NoError(t, err)
	_, err = s.Write(context.Background(), n)
	require.NoError(t, err)
	frames := parseFrames(t, out.Bytes())
	require.Len(t, frames, 1)
	assert.Equal(t, "textDocument/publishDiagnostics", frames[0]["method"])

	// What one stream writes, another reads.
	back := wire.New(&out, io.Discard, nil, wire.Options{})
	m, _, err := back.Read(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "textDocument/publishDiagnostics", m.(*jsonrpc2.Notification).Method())
}

func TestMalformedJSONGetsParseErrorAndReadingGoesOn(t *testing.T) {
	msgs, out, err := readAll(t, frame(`{"jsonrpc":"2.0","id":3,"method":`)+frame(ping), wire.Options{})
	assert.ErrorIs(t, err, io.EOF)
	require.Len(t, msgs, 1, "the good message after the bad one is read")
	require.Len(t, out, 1)
	assert.Nil(t, out[0]["id"], "a body that is not JSON has no id to echo")
	assert.EqualValues(t, jsonrpc2.ParseError, out[0]["error"].(map[string]any)["code"])
}

func TestTrailingGarbageIsAParseError(t *testing.T) {
	msgs, out, _ := readAll(t, frame(`{"jsonrpc":"2.0","id":3,"method":"x"}]&}`)+frame(ping), wire.Options{})
	require.Len(t, msgs, 1)
	require.Len(t, out, 1)
	assert.EqualValues(t, jsonrpc2.ParseError, out[0]["error"].(map[string]any)["code"])
}

func TestInvalidRequestEchoesItsID(t *testing.T) {
	bad := []string{
		`{"jsonrpc":"2.0","id":7,"method":5}`,   // method is not a string
		`{"jsonrpc":"1.0","id":7,"method":"x"}`, // wrong version
		`[1,2,3]`,                               // batches are not LSP
		`{}`,                                    // neither request nor response
	}
	for _, body := range bad {
		t.Run(body, func(t *testing.T) {
			msgs, out, _ := readAll(t, frame(body)+frame(ping), wire.Options{})
			require.Len(t, msgs, 1)
			require.Len(t, out, 1)
			assert.EqualValues(t, jsonrpc2.InvalidRequest, out[0]["error"].(map[string]any)["code"])
			if strings.Contains(body, `"id":7`) {
				assert.EqualValues(t, 7, out[0]["id"])
			} else {
				assert.Nil(t, out[0]["id"])
			}
		})
	}
}

func TestBadHeadersAreSkipped(t *testing.T) {
	cases := map[string]string{
		"no colon":        "garbage\r\n" + frame(ping),
		"not a number":    "Content-Length: lots\r\n\r\n{}" + frame(ping),
		"negative":        "Content-Length: -4\r\n\r\n{}" + frame(ping),
		"missing length":  "Content-Type: x\r\n\r\n{\"a\":1}" + frame(ping),
		"over the limit":  "Content-Length: 999999\r\n\r\n" + strings.Repeat("x", 5000) + frame(ping),
		"binary noise":    "\x00\x01\x02\r\n\r\n" + frame(ping),
		"noise no breaks": "\x00\x01\x02" + frame(ping),
	}
	for name, input := range cases {
		t.Run(name, func(t *testing.T) {
			var logged []string
			msgs, out, err := readAll(t, input, wire.Options{MaxBody: 1000, Logf: func(f string, a ...any) { logged = append(logged, fmt.Sprintf(f, a...)) }})
			assert.ErrorIs(t, err, io.EOF)
			require.Len(t, msgs, 1, "the message after the bad header is read")
			assert.Equal(t, "ping", msgs[0].(*jsonrpc2.Call).Method())
			assert.Empty(t, out, "a header is not answered: it has no id")
			assert.NotEmpty(t, logged, "the skip is reported")
		})
	}
}

func TestTruncatedInputEndsTheStream(t *testing.T) {
	msgs, _, err := readAll(t, frame(ping)+"Content-Length: 100\r\n\r\n{\"jsonrpc\"", wire.Options{})
	assert.Len(t, msgs, 1)
	require.Error(t, err)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)

	_, _, err = readAll(t, frame(ping)+"Content-Len", wire.Options{})
	assert.True(t, errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF), "got %v", err)
}

func TestReadHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := wire.New(strings.NewReader(frame(ping)), io.Discard, nil, wire.Options{})
	_, _, err := s.Read(ctx)
	assert.ErrorIs(t, err, context.Canceled)
}

// FuzzRead feeds arbitrary bytes to a stream: it must not panic, must end,
// and everything it writes back must be well-framed JSON.
func FuzzRead(f *testing.F) {
	f.Add([]byte(frame(ping)))
	f.Add([]byte(frame(`{"jsonrpc":"2.0","id":3,"method":`) + frame(ping)))
	f.Add([]byte("garbage\r\n" + frame(ping)))
	f.Add([]byte("Content-Length: 99999999999999999999\r\n\r\n"))
	f.Add([]byte("Content-Length: 2\r\n\r\n[]Content-Length: 2\r\n\r\n{}"))
	f.Add([]byte(frame(`{"jsonrpc":"2.0","id":1.5,"method":"x"}`)))
	f.Add([]byte(frame(`{"jsonrpc":"2.0","id":null,"method":"x","params":[1]}`)))
	f.Fuzz(func(t *testing.T, data []byte) {
		var out bytes.Buffer
		s := wire.New(bytes.NewReader(data), &out, nil, wire.Options{MaxBody: 1 << 16})
		for i := 0; ; i++ {
			require.Less(t, i, len(data)+1, "each message consumes input")
			m, _, err := s.Read(context.Background())
			if err != nil {
				break
			}
			// A message read is one we can write back.
			_, err = s.Write(context.Background(), m)
			require.NoError(t, err)
		}
		parseFrames(t, out.Bytes())
	})
}
