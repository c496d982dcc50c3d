// Package broken does not type-check: the analyzer must not panic or report
// nonsense on it.
package broken

import (
	"context"
	"time"
)

func loop(ctx context.Context, in <-chan undefinedType) error {
	for {
		select { // want `select in a loop has no case <-ctx.Done\(\)`
		case v := <-in:
			use(v)
		}
	}
}

func sleepy(ctx context.Context) (undefinedResult, error) {
	time.Sleep(undefinedDuration) // want `time\.Sleep ignores ctx`
	return nil, nil
}

func goForever() {
	go func() { // want `goroutine never exits`
		for {
			missing()
		}
	}()
}

func notCtx(ctx context.Contxt, in <-chan int) {
	for {
		select {
		case <-in:
		}
	}
}

func badSelect(ctx context.Context) {
	for {
		select {
		case <-undefinedChan:
		case <-ctx.Missing():
		}
	}
}
