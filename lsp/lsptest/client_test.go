package lsptest_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.lsp.dev/jsonrpc2"
	"go.uber.org/goleak"

	"github.com/asyncbook/asyncbook/lsp/lsptest"
	"github.com/asyncbook/asyncbook/lsp/wire"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestClientAgainstJSONRPC2 drives a jsonrpc2 peer (framed by the server's
// stream) with the client, whose framing is its own.
func TestClientAgainstJSONRPC2(t *testing.T) {
	inR, inW, err := os.Pipe()
	require.NoError(t, err)
	outR, outW, err := os.Pipe()
	require.NoError(t, err)
	conn := jsonrpc2.NewConn(wire.New(inR, outW, inR, wire.Options{}))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	asked := make(chan json.RawMessage, 1)
	conn.Go(ctx, func(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
		switch req.Method() {
		case "echo":
			return reply(ctx, json.RawMessage(req.Params()), nil)
		case "fail":
			return reply(ctx, nil, jsonrpc2.NewError(jsonrpc2.InvalidParams, "bad"))
		case "poke":
			// A notification: answer with a notification and a request of
			// our own, as servers do.
			if err := conn.Notify(ctx, "poked", map[string]int{"n": 1}); err != nil {
				return err
			}
			go func() {
				var res json.RawMessage
				_, err := conn.Call(ctx, "window/showDocument", map[string]string{"uri": "file:///x"}, &res)
				if err == nil {
					asked <- res
				}
			}()
		}
		return nil
	})
	c := lsptest.New(outR, inW)

	var got map[string]string
	require.NoError(t, c.Call(ctx, "echo", map[string]string{"é": "😀"}, &got))
	assert.Equal(t, map[string]string{"é": "😀"}, got)

	err = c.Call(ctx, "fail", nil, nil)
	var rerr *lsptest.ResponseError
	require.ErrorAs(t, err, &rerr)
	assert.EqualValues(t, jsonrpc2.InvalidParams, rerr.Code)

	require.NoError(t, c.Notify("poke", nil))
	m, err := c.Await(ctx, "poked", func(m lsptest.Message) bool { return m.Method == "poked" })
	require.NoError(t, err)
	assert.JSONEq(t, `{"n":1}`, string(m.Params))
	select {
	case res := <-asked:
		assert.JSONEq(t, `{"success":true}`, string(res), "the client answers the server's requests")
	case <-ctx.Done():
		t.Fatal("the client did not answer the server's request")
	}

	require.NoError(t, inW.Close()) // the client hangs up
	<-conn.Done()
	require.NoError(t, outW.Close())
	<-c.Done()
	assert.NoError(t, c.ReadErr())
	_, err = c.Await(ctx, "anything more", func(m lsptest.Message) bool { return m.Method == "never" })
	assert.ErrorContains(t, err, "output ended")
	outR.Close()
}
