// Command serving serves a model over HTTP.
package main

import (
	"log"
	"net"
	"net/http"
)

func main() {
	go http.ListenAndServe("127.0.0.1:8080", nil) // want `error from http.ListenAndServe is dropped: go discards its results`

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{}
	go srv.Serve(ln)
	go http.Serve(ln, nil)
	go func() {
		srv.ListenAndServe() // want `error from srv.ListenAndServe is dropped in the goroutine`
	}()
}
