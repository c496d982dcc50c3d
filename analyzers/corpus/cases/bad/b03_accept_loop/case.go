// A model server that starts a goroutine per connection with no cap.
// Expect: unboundedgo
package c

import "net"

func handle(c net.Conn) { c.Close() }

func Serve(ln net.Listener) error {
	for {
		conn, err := ln.Accept()
		if err != nil {
			return err
		}
		go handle(conn) // BUG
	}
}
