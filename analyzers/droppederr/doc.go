// Package droppederr defines an Analyzer that reports errors dropped inside
// goroutines.
//
// # Analyzer droppederr
//
// droppederr: report errors dropped inside goroutines
//
// A goroutine has no caller to return an error to: go discards the results of
// the function it starts. An error dropped there is gone for good. In ML
// systems these are the checkpoint uploads, metric flushes, cache warmups and
// model reloads started "in the background": when one fails, training carries
// on without the checkpoint it believes it has, and nobody finds out until
// the restore.
//
// The analyzer looks at the goroutines started by go statements and by
// sync.WaitGroup.Go, and reports:
//
//   - go-statement-drops-error: go f(x) where f returns an error.
//   - unchecked-error-in-goroutine: a call whose last result is an error,
//     used as a statement inside the goroutine.
//   - error-assigned-to-blank: such an error assigned to _ inside the
//     goroutine.
//
// An error that is checked, returned (from an errgroup function), sent on a
// channel or passed to any call (a logger, a metrics counter) is handled. Calls
// whose error is always nil or not actionable are not reported: fmt.Print*,
// fmt.Fprint* to os.Stdout, os.Stderr or an in-memory buffer, writes to
// bytes.Buffer, strings.Builder, bufio.Writer (the error surfaces at Flush) and
// hashes, log.Output, crypto/rand.Read, deadlines on net connections,
// http.NewRequest with a constant URL, and (*http.Server).Serve, which only
// returns http.ErrServerClosed or an Accept error on a listener the caller
// made. Close, deferred or not, and other deferred calls are out of scope, as
// are _test.go files, whose goroutines drive fake peers and drop their
// errors on purpose.
//
// WRONG:
//
//	go uploadCheckpoint(ctx, path)
//
//	go func() {
//		uploadCheckpoint(ctx, path)
//	}()
//
// RIGHT:
//
//	g.Go(func() error {
//		return uploadCheckpoint(ctx, path)
//	})
//
//	go func() {
//		if err := uploadCheckpoint(ctx, path); err != nil {
//			errs <- fmt.Errorf("upload checkpoint %s: %w", path, err)
//		}
//	}()
package droppederr
