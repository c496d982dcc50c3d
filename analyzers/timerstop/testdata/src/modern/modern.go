//go:build go1.23

// Package modern is built with Go 1.23 or later, whose runtime collects
// unreferenced timers even when nobody stops them.
package modern

import (
	"context"
	"time"
)

// Wait returns on the timeout or on cancellation; the timer it leaves
// behind is collected once unreferenced.
func Wait(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Report logs every second and never stops its ticker: the loop returns,
// but the ticker keeps firing until it is collected.
func Report(ctx context.Context, log func()) {
	tick := time.NewTicker(time.Second) // want `ticker tick is never stopped`
	for {
		select {
		case <-tick.C:
			log()
		case <-ctx.Done():
			return
		}
	}
}
