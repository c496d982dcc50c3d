// Package timerstop defines an Analyzer that reports tickers and timers
// that are created and never stopped.
//
// # Analyzer timerstop
//
// timerstop: report time.NewTicker and time.NewTimer results that are never stopped
//
// A ticker fires for as long as it lives. One created for a training loop's
// metrics logging or a data loader's progress report and never stopped keeps
// firing after the loop has returned, until the garbage collector finds it
// (before Go 1.23, never). A timer that is never stopped stays live with its
// channel until it fires: a per-request inference timeout of 30 s keeps every
// request's timer around for 30 s after the answer came back.
//
// The analyzer reports a ticker or timer held in a local variable when the
// function never calls its Stop method and the value does not escape (it is
// not returned, stored, passed to another function or sent on a channel).
// Timers are reported only in code built for Go before 1.23 (the file's
// //go:build version, else its module's go directive; an unknown version
// counts as old, as loopclosure reads it): since Go 1.23 the runtime
// collects a timer nobody references, stopped or not. Tickers are reported
// whatever the version: one still referenced keeps firing.
// It stays silent on time.After and time.Tick, on a timer whose channel is
// received from unconditionally right after it is created, and on a ticker
// that drives a loop that never ends. Where the variable is created outside
// any loop and used only by this function, the suggested fix inserts
// defer t.Stop() after the assignment.
//
// Diagnostics, by category:
//
//   - ticker-not-stopped: a time.NewTicker result that is never stopped.
//   - timer-not-stopped: a time.NewTimer result that is never stopped.
//
// An example:
//
//	// WRONG
//	func (tr *Trainer) Run(ctx context.Context) error {
//		metrics := time.NewTicker(10 * time.Second) // never stopped
//		for {
//			select {
//			case <-ctx.Done():
//				return ctx.Err()
//			case <-metrics.C:
//				tr.logMetrics()
//			case b := <-tr.batches:
//				tr.step(b)
//			}
//		}
//	}
//
//	// RIGHT
//	func (tr *Trainer) Run(ctx context.Context) error {
//		metrics := time.NewTicker(10 * time.Second)
//		defer metrics.Stop()
//		for {
//			select {
//			case <-ctx.Done():
//				return ctx.Err()
//			case <-metrics.C:
//				tr.logMetrics()
//			case b := <-tr.batches:
//				tr.step(b)
//			}
//		}
//	}
package timerstop
