// Package fakeserver is a test helper: its accept loop serves the test's
// own clients, whose number the test fixes.
package fakeserver

import (
	"net"
	"testing"
)

func Serve(t *testing.T, ln net.Listener) {
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go c.Close()
		}
	}()
}
