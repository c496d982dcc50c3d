// Each heartbeat goroutine makes a ticker and returns without stopping it.
// Expect: timerstop
package c

import (
	"context"
	"time"
)

func Heartbeat(ctx context.Context, beat func() error) {
	go func() {
		tk := time.NewTicker(500 * time.Millisecond) // BUG
		for {
			select {
			case <-ctx.Done():
				return
			case <-tk.C:
				if beat() != nil {
					return
				}
			}
		}
	}()
}
