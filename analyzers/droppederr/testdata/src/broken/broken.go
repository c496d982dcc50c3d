// Package broken has type errors: the analyzer must not panic on it, nor
// report what it cannot see, and still report what it can.
package broken

import "context"

func upload(ctx context.Context, path string) error { return nil }

func Save(ctx context.Context, path string) {
	go undefinedUpload(ctx, path)
	go func() {
		missing.Upload(ctx)
		_ = nosuch(path)
		x, _ := alsoMissing()
		upload(ctx, path)          // want `error from upload is dropped in the goroutine`
		upload(ctx, undefinedPath) // want `error from upload is dropped in the goroutine`
	}()
	go upload(ctx) // want `error from upload is dropped: go discards its results`
	go NotAType(path)
}
