// A fake inference server for tests: its accept loop serves the test's own clients.
package c

import (
	"net"
	"testing"
)

func StartFake(t *testing.T) net.Addr {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.Write([]byte("ok\n"))
			}()
		}
	}()
	return ln.Addr()
}
