package serving

import "net"

// A test's accept loop serves the test's own clients.
func serveForTest(ln net.Listener, s *Server) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go s.serve(c)
	}
}
