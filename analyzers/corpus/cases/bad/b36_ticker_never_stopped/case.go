// Logs training throughput with a ticker that is never stopped.
// Expect: timerstop
package c

import (
	"context"
	"log"
	"time"
)

func Monitor(ctx context.Context, steps <-chan int) {
	t := time.NewTicker(time.Second) // BUG
	n := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-steps:
			n++
		case <-t.C:
			log.Printf("%d steps/s", n)
			n = 0
		}
	}
}
