package checkpoint

import (
	"context"
	"net"
	"testing"
)

// Tests drive fake peers and drop their errors on purpose: not reported.
func TestSave(t *testing.T) {
	client, server := net.Pipe()
	defer client.Close()
	go func() {
		server.Write([]byte("ckpt"))
		server.Close()
	}()
	go uploadCheckpoint(context.Background(), "/tmp/ckpt")
	buf := make([]byte, 4)
	if _, err := client.Read(buf); err != nil {
		t.Fatal(err)
	}
}
