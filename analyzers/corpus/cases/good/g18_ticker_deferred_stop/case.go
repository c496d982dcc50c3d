// Logs throughput with a ticker that is stopped on return.
package c

import (
	"context"
	"log"
	"time"
)

func Monitor(ctx context.Context, steps <-chan int) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
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
