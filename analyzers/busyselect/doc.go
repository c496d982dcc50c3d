// Package busyselect defines an Analyzer that reports loops that spin on a
// select with an empty default.
//
// # Analyzer busyselect
//
// busyselect: report loops that spin on a select with an empty default
//
// A select with a default case never blocks. Put alone in a loop, with a
// default that does nothing (empty, only continue, or only
// runtime.Gosched), it polls its channels as fast as the CPU allows: a
// data-loader worker waiting for shards or a serving loop waiting for
// requests burns a whole core while idle, stealing it from tokenization,
// preprocessing and the model itself. Without the default the select blocks
// until a case is ready, which is what the loop wanted.
//
// The analyzer reports a select with such a default when it is the only
// statement of a `for {}` loop, or of a `for cond {}` loop whose condition
// does not block (a flag, an atomic load, ctx.Err()). It is silent when the
// default does work, sleeps, returns or breaks, and on a select with default
// outside a loop: the non-blocking try-send that sheds load when a queue is
// full is correct. Test code (_test.go files and files importing testing) is
// not checked: a test that spins does so on purpose, as a CPU hog or a
// scheduler test. For `for {}` loops the suggested fix deletes the default.
//
// Diagnostics, by category:
//
//   - empty-default: a loop whose only statement is a select with an empty
//     default (or one that only continues or yields).
//
// An example:
//
//	// WRONG
//	for {
//		select {
//		case shard := <-shards:
//			load(shard)
//		case <-ctx.Done():
//			return
//		default:
//		}
//	}
//
//	// RIGHT
//	for {
//		select {
//		case shard := <-shards:
//			load(shard)
//		case <-ctx.Done():
//			return
//		}
//	}
package busyselect
