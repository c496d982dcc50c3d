// Uploads the checkpoint in the background and loses its error.
// Expect: droppederr
package c

import "context"

func uploadCheckpoint(ctx context.Context, path string) error { return nil }

func SaveEpoch(ctx context.Context, path string) {
	go uploadCheckpoint(ctx, path) // BUG
}
