// Consumes training events and starts a goroutine per event.
// Expect: unboundedgo
package c

import "context"

type Event struct{ Run, Metric string }

func record(e Event) {}

func Consume(ctx context.Context, events <-chan Event) {
	for {
		select {
		case <-ctx.Done():
			return
		case e := <-events:
			go record(e) // BUG
		}
	}
}
