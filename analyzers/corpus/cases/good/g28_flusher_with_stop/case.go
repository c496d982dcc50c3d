// A metrics flusher that stops with ctx and stops its ticker.
package c

import (
	"context"
	"time"
)

type Metrics struct{ buf []float64 }

func (m *Metrics) flush() {}

func StartFlusher(ctx context.Context, m *Metrics) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(10 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				m.flush()
				return
			case <-t.C:
				m.flush()
			}
		}
	}()
	return done
}
