// Uploads a checkpoint in the background: the upload happens at Close, whose error is dropped.
// Expect: droppederr
package c

import (
	"context"
	"log"
)

type ObjectWriter struct{ key string }

func (w *ObjectWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *ObjectWriter) Close() error                { return nil }

type Bucket struct{}

func (Bucket) NewWriter(ctx context.Context, key string) *ObjectWriter {
	return &ObjectWriter{key: key}
}

func SaveCheckpoint(ctx context.Context, b Bucket, step int, state []byte) {
	go func() {
		w := b.NewWriter(ctx, "ckpt")
		if _, err := w.Write(state); err != nil {
			log.Printf("checkpoint %d: %v", step, err)
			return
		}
		w.Close() // BUG
	}()
}
