// Package ctxcancel defines an Analyzer that reports loops, sleeps and
// goroutines that do not stop when their context is cancelled.
//
// # Analyzer ctxcancel
//
// ctxcancel: report code that keeps running after its context is cancelled
//
// A context.Context is how a caller says "stop": the client of an inference
// endpoint hung up, the training job was pre-empted, the server is shutting
// down. Code that holds a ctx but never looks at ctx.Done() keeps the GPU
// busy, the connection open and the goroutine alive after nobody wants the
// result. ctxcancel reports three shapes of it:
//
//   - select-without-done: a blocking select in a loop, with a ctx in scope,
//     and no case receiving from ctx.Done() (or from a chan struct{} stop
//     channel). Cancelling ctx does not stop the loop.
//   - sleep-ignores-ctx: time.Sleep with a ctx in scope, typically a retry
//     backoff or a polling interval. A cancelled request still sleeps. A
//     short constant poll (100ms or less) in a loop that checks ctx.Err()
//     or ctx.Done() every round is not reported: a cancellation is seen
//     within one sleep.
//   - goroutine-never-exits: a go func literal that no path of its control
//     flow graph leaves: every path loops in a for {} (or a range over a
//     ticker) without reaching a return or a call that ends the goroutine.
//     A case <-ctx.Done() that stays in the loop is no way out. It outlives
//     whoever started it; goleak reports it.
//
// "A ctx in scope" is a context.Context parameter or local of the function,
// or of any function around a closure, declared before the statement. Locals
// set to context.Background() or context.TODO() do not count: they are never
// cancelled. A goroutine the process owns is not reported: one started by
// func main of package main, by init or by a testable example (func
// ExampleXxx() in a _test.go file, which go test runs once as the program it
// illustrates), under a package-level sync.Once, by
// a function only called from such code, or behind a package-level flag
// that every path to the go statement tests unset and sets ("if started
// { return }; started = true", a CompareAndSwap). It starts at most once per
// process, so there is no caller whose cancellation it ignores.
//
// WRONG: the retry loop keeps sleeping, and the serving loop keeps waiting,
// after the caller has gone.
//
//	func predictWithRetry(ctx context.Context, c *Client, in Features) (Prediction, error) {
//		for attempt := 0; ; attempt++ {
//			p, err := c.Predict(ctx, in)
//			if err == nil || attempt == 4 {
//				return p, err
//			}
//			time.Sleep(backoff(attempt))
//		}
//	}
//
//	func serve(ctx context.Context, requests <-chan Request, m *Model) {
//		for {
//			select {
//			case r := <-requests:
//				m.Handle(r)
//			}
//		}
//	}
//
// RIGHT: every wait also watches ctx.Done().
//
//	select {
//	case <-ctx.Done():
//		return Prediction{}, ctx.Err()
//	case <-time.After(backoff(attempt)):
//	}
//
//	for {
//		select {
//		case <-ctx.Done():
//			return
//		case r := <-requests:
//			m.Handle(r)
//		}
//	}
package ctxcancel
