// Package checkpoint saves training checkpoints and flushes metrics in the
// background.
package checkpoint

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"sync"
)

func uploadCheckpoint(ctx context.Context, path string) error { return nil }

func flushMetrics(ctx context.Context) error { return nil }

// Model is a served model.
type Model struct{}

// Warmup runs a few dummy batches through the model.
func (m *Model) Warmup(ctx context.Context) error { return nil }

// Save starts the upload and forgets about it.
func Save(ctx context.Context, path string) {
	go uploadCheckpoint(ctx, path) // want `error from uploadCheckpoint is dropped: go discards its results, so if it fails, nobody finds out`
}

// Serve warms the model up in the background.
func Serve(ctx context.Context, model *Model) {
	go model.Warmup(ctx) // want `error from model.Warmup is dropped: go discards its results`
}

// SaveLit calls the upload as a statement inside the goroutine.
func SaveLit(ctx context.Context, path string) {
	go func() {
		uploadCheckpoint(ctx, path) // want `error from uploadCheckpoint is dropped in the goroutine: if it fails, nobody finds out`
	}()
}

// Flush assigns the error to _.
func Flush(ctx context.Context) {
	go func() {
		_ = flushMetrics(ctx) // want `error from flushMetrics is assigned to _ in the goroutine: if it fails, nobody finds out`
	}()
}

// SaveEvery uploads every shard of a sharded checkpoint, deep in a loop.
func SaveEvery(ctx context.Context, shards []string, done <-chan struct{}) {
	go func() {
		for _, s := range shards {
			select {
			case <-done:
				return
			default:
				if s != "" {
					uploadCheckpoint(ctx, s) // want `error from uploadCheckpoint is dropped in the goroutine`
				}
			}
		}
	}()
}

// WriteLocal writes the checkpoint to a file: the write error is dropped.
func WriteLocal(f *os.File, data []byte, step int) {
	go func() {
		n, _ := f.Write(data)                            // want `error from f.Write is assigned to _ in the goroutine`
		fmt.Fprintf(f, "# step %d, %d bytes\n", step, n) // want `error from fmt.Fprintf is dropped in the goroutine`
		f.Close()                                        // want `error from f.Close is dropped in the goroutine`
	}()
}

// Announce builds a request from a variable URL and ignores the error.
func Announce(ctx context.Context, client *http.Client, url string) {
	go func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, nil) // want `error from http.NewRequestWithContext is assigned to _ in the goroutine`
		client.Do(req)                                                       // want `error from client.Do is dropped in the goroutine`
	}()
}

// UploadAll uses WaitGroup.Go: waited for, but the errors still vanish.
func UploadAll(ctx context.Context, paths []string) {
	var wg sync.WaitGroup
	for _, p := range paths {
		wg.Go(func() {
			uploadCheckpoint(ctx, p) // want `error from uploadCheckpoint is dropped in the goroutine`
		})
	}
	wg.Wait()
}

// Returned runs a literal that returns an error nobody receives.
func Returned(ctx context.Context, path string) {
	go func() error { // want `error from the function literal is dropped: go discards its results`
		return uploadCheckpoint(ctx, path)
	}()
}
