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
// channel or passed to any call (a logger, a metrics counter) is handled. So
// is an error assigned to _ in a goroutine somebody waits for (it calls
// WaitGroup.Done, was started by WaitGroup.Go, or sends or closes a
// channel): that discard is a choice made in sight of the code that waits;
// the rule is about fire-and-forget goroutines. Not reported either: a
// callee that records its own error (a deferred function literal reads its
// named error result, as in `defer func() { l.err = err }()`, known across
// packages as a fact); an error the package drops at every call site,
// synchronous code included; and calls whose error is always nil or not
// actionable: fmt.Print*, fmt.Fprint* to os.Stdout, os.Stderr or an
// in-memory buffer, writes to bytes.Buffer, strings.Builder, bufio.Writer
// (the error surfaces at Flush) and hashes, log.Output, crypto/rand.Read,
// deadlines on connections (SetDeadline and its kin taking a time.Time),
// io.Copy into io.Discard (a drain), http.NewRequest with a constant URL,
// and a server's Serve(net.Listener), which returns once the server is shut
// down or on an Accept error of a listener the caller made. Close is
// reported only where it commits what the goroutine wrote — on a writer
// the goroutine writes to, that is neither a network connection nor a file
// opened by os.Open (a checkpoint writer that uploads on Close, a file being
// written), deferred or not; other deferred calls are out of scope,
// as is test code (_test.go files and files importing testing), whose
// goroutines drive fake peers and drop their errors on purpose.
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
