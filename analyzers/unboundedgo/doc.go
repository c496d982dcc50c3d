// Package unboundedgo defines an Analyzer that reports loops starting one
// goroutine per input item with no bound on how many run at once.
//
// # Analyzer unboundedgo
//
// unboundedgo: report a goroutine started per input item with no bound on concurrency
//
// A loop that starts a goroutine for every request of a batch, every shard of
// a dataset, every value received from a queue or every accepted connection
// lets its input decide how many goroutines run at once. A batch of 50,000
// prompts becomes 50,000 concurrent calls to the model server; a traffic
// spike becomes as many in-flight inferences as there are clients. Memory,
// GPU slots and the downstream rate limit run out long before the goroutines
// do.
//
// The analyzer reports a go statement, a (*sync.WaitGroup).Go call or a
// (*errgroup.Group).Go call inside a loop whose trip count comes from
// input: ranging over a slice, map or string whose length is not a
// constant, ranging over a channel, `for i := 0; i < len(xs); i++`, and
// `for {}` loops around a receive, an Accept or Recv method, or a scanner.
// It stays silent when the loop bounds itself: a semaphore is acquired
// before the go statement (a channel send, (*semaphore.Weighted).Acquire),
// the loop waits on a channel or a WaitGroup each iteration, the goroutine
// acquires a semaphore first thing, or the errgroup had SetLimit called with
// a real limit (SetLimit(-1) and SetLimit(len(input)) limit nothing). It is
// silent when the goroutine drives a handle — the loop ranges over a slice
// or map of pointers to structs or interfaces, like models, brokers or
// shards, and the goroutine uses its element: one goroutine per model is a
// fan-out the caller sized — and when the control flow runs the spawn at
// most once per call (go then return or break). Loops over a fixed count
// (`for i := 0; i < workers; i++`, `for range n`), arrays, composite
// literals, slices grown by a fixed count and slices cut to a constant
// (`xs[:min(len(xs), 4)]`) are not input-driven and are never reported.
// Test code (_test.go files, files importing testing) is not checked: its
// input is the test's own. For an errgroup that is only used in
// its function, the suggested fix calls g.SetLimit(runtime.GOMAXPROCS(0))
// before the loop.
//
// Diagnostics, by category:
//
//   - go-per-item: a goroutine for every element of input (a slice, map,
//     string or channel, a scanner or rows loop).
//   - go-per-accept: a goroutine for every accepted connection or received
//     message of an endless loop.
//   - errgroup-without-limit: g.Go in such a loop on an errgroup.Group with
//     no SetLimit.
//
// An example:
//
//	// WRONG
//	func Embed(ctx context.Context, docs []Doc) ([][]float32, error) {
//		g, ctx := errgroup.WithContext(ctx)
//		out := make([][]float32, len(docs))
//		for i, d := range docs {
//			g.Go(func() (err error) {
//				out[i], err = model.Embed(ctx, d)
//				return err
//			})
//		}
//		return out, g.Wait()
//	}
//
//	// RIGHT
//	func Embed(ctx context.Context, docs []Doc) ([][]float32, error) {
//		g, ctx := errgroup.WithContext(ctx)
//		g.SetLimit(8) // what the model server can take
//		out := make([][]float32, len(docs))
//		for i, d := range docs {
//			g.Go(func() (err error) {
//				out[i], err = model.Embed(ctx, d)
//				return err
//			})
//		}
//		return out, g.Wait()
//	}
package unboundedgo
