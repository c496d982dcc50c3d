// Package broken has type errors; the analyzer must not panic on it, and
// reports only what the syntax and the types it has still show.
package broken

import "golang.org/x/sync/errgroup"

func Broken(reqs []Request, ln Listener) {
	for _, r := range undefinedSlice {
		go handle(r)
	}
	for _, r := range reqs {
		go handle(r) // want `goroutine started for every element of reqs`
	}
	var g errgroup.Group
	for i := range reqs {
		g.Go(func() error { return handle(reqs[i]) }) // want `goroutine started by g.Go for every element of reqs`
		g.Go()
	}
	for {
		c := ln.Accept()
		go serve(c)
	}
	for x := range 3 + "a" {
		go handle(x)
	}
}
