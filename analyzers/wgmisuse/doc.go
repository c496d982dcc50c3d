// Package wgmisuse defines an Analyzer that reports sync.WaitGroup misuse
// that go vet's waitgroup pass does not see.
//
// # Analyzer wgmisuse
//
// wgmisuse: report sync.WaitGroup misuse: Add inside the goroutine, Done skipped on a path, Wait inside the loop, Add never matched by Done, WaitGroup copies
//
// A WaitGroup only works when every counted goroutine is added before it
// starts, calls Done exactly once on every path, is waited for after all
// of them have started, and shares one WaitGroup with the caller of Wait.
// In ML code the fan-out is everywhere (fetch features from several
// stores, score a batch on several models, shard a dataset over workers,
// collect a gradient from every worker) and each of these mistakes turns
// into a result assembled from a partial fan-out, a training step that
// hangs forever, or a "parallel" loader that runs one shard at a time.
//
// The analyzer follows each goroutine's control-flow graph and reports:
//
//   - add-inside-goroutine: wg.Add called inside the goroutine it should
//     count (a go statement, or the function given to an errgroup's Go or
//     to another WaitGroup's Go), anywhere in it. Wait may run first and
//     return while the goroutine is still fetching. Not reported when a
//     path from the Add starts a goroutine (a counted parent adding for
//     its children), when the goroutine itself holds a count of the same
//     WaitGroup (started by its Go, or counted before the go statement and
//     deferring Done), or when the starter receives from a channel the
//     goroutine sends on or closes after its last Add, on every path to
//     its Wait. The suggested fix moves wg.Add before
//     the statement that starts the goroutine.
//   - done-not-deferred: a direct wg.Done (or a call of a helper of the
//     package that calls Done on the WaitGroup it is given before it could
//     return) that some path of the goroutine (an early return, a branch)
//     does not reach, so Wait blocks forever.
//     Paths that end in a call that never returns (panic, log.Fatal,
//     os.Exit, t.Fatal, or a function that always calls one) skip
//     nothing; nor does a path that contradicts what held when the
//     goroutine was counted (on the path where an optional wg is nil,
//     there was no Add either). The suggested fix defers wg.Done at the
//     top of the goroutine.
//   - wait-in-loop: wg.Wait (or an errgroup's Wait) inside the loop that
//     starts the goroutines, reached after each start: with one Add for
//     all of them before the loop it blocks forever; with Add (or Go) in
//     the loop, the goroutines run one at a time. The suggested fix moves
//     Wait after the loop.
//   - waitgroup-by-value: a sync.WaitGroup parameter or argument passed by
//     value. Done on the copy never reaches the caller's Wait.
//   - wait-inside-goroutine-it-counts: wg.Wait inside a goroutine that defers
//     wg.Done (or runs under wg.Go): it waits for itself and deadlocks.
//   - add-without-done: a WaitGroup the package adds to and waits on, on
//     which nothing calls Done: the Wait blocks forever. Judged only for a
//     local variable or an unexported field used solely as the receiver
//     of Add and Wait (handed on, copied, exported or embedded, a Done may
//     be out of sight).
//   - counted-start-skipped: wg.Add(len(xs)) before a range over xs whose
//     body continues or breaks before the go statement of the goroutine
//     that calls Done, with no Done of its own: the skipped element is
//     never counted down and Wait blocks forever.
//   - done-twice: a goroutine that defers wg.Done() and calls it again on
//     an early path (the error branch): it counts itself down twice, the
//     counter goes negative (a panic) or Wait returns while others run.
//
// WRONG:
//
//	for _, store := range stores {
//		go func() {
//			wg.Add(1)
//			feats, err := store.Fetch(ctx, userID)
//			if err != nil {
//				return
//			}
//			merge(feats)
//			wg.Done()
//		}()
//	}
//	wg.Wait()
//
//	for _, shard := range shards {
//		wg.Add(1)
//		go func() {
//			defer wg.Done()
//			load(shard)
//		}()
//		wg.Wait() // one shard at a time
//	}
//
// RIGHT:
//
//	for _, store := range stores {
//		wg.Add(1)
//		go func() {
//			defer wg.Done()
//			feats, err := store.Fetch(ctx, userID)
//			if err != nil {
//				return
//			}
//			merge(feats)
//		}()
//	}
//	wg.Wait()
//
//	for _, shard := range shards {
//		wg.Add(1)
//		go func() {
//			defer wg.Done()
//			load(shard)
//		}()
//	}
//	wg.Wait()
package wgmisuse
