// Command servemain serves a model until it is told to stop. Goroutines of
// main live as long as the process, so main's leaks are not reported.
package main

import (
	"fmt"
	"os"
	"time"
)

func main() {
	requests := make(chan string)
	go func() {
		for r := range requests {
			fmt.Println("predict", r)
		}
	}()
	for _, r := range os.Args[1:] {
		requests <- r
	}

	ready := make(chan bool)
	go func() { ready <- warmUp() }()
	select {
	case ok := <-ready:
		fmt.Println("warm:", ok)
	case <-time.After(time.Second):
		fmt.Println("serving cold")
	}
}

func warmUp() bool { return true }

func init() {
	warm := make(chan string)
	go func() {
		for m := range warm {
			fmt.Println("warm up", m)
		}
	}()
	warm <- "encoder"
}

// init is not main: a goroutine it strands outlives it.
func init() {
	res := make(chan string)
	go func() { res <- "ready" }() // want `goroutine sends on unbuffered channel res, but the receiver may stop waiting when no value is ready`
	select {
	case r := <-res:
		fmt.Println(r)
	default:
	}
}
