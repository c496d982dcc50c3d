// Package wgmisuse defines an Analyzer that reports sync.WaitGroup misuse
// that go vet's waitgroup pass does not see.
//
// # Analyzer wgmisuse
//
// wgmisuse: report sync.WaitGroup misuse: Add inside the goroutine, Done not deferred, WaitGroup copies
//
// A WaitGroup only works when every counted goroutine is added before it
// starts, calls Done exactly once on every path, and shares one WaitGroup with
// the caller of Wait. In ML code the fan-out is everywhere (fetch features from
// several stores, score a batch on several models, shard a dataset over
// workers) and each of these mistakes turns into a result assembled from a
// partial fan-out, or an inference request that hangs forever.
//
// The analyzer reports:
//
//   - add-inside-goroutine: wg.Add called anywhere inside the goroutine it
//     should count (vet only sees it as the first statement). Wait may run
//     first and return while the goroutine is still fetching. An Add followed
//     by a go statement in the same block (a counted goroutine spawning
//     children) is fine. The suggested fix moves wg.Add before the go
//     statement.
//   - done-not-deferred: wg.Done called directly in a goroutine that has a
//     path (an early return, a branch) that skips it, so Wait blocks forever.
//     The suggested fix defers wg.Done at the top of the goroutine.
//   - waitgroup-by-value: a sync.WaitGroup parameter or argument passed by
//     value. Done on the copy never reaches the caller's Wait.
//   - wait-inside-goroutine-it-counts: wg.Wait inside a goroutine that defers
//     wg.Done (or runs under wg.Go): it waits for itself and deadlocks.
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
package wgmisuse
