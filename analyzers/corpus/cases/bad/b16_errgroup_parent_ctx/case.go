// The group's goroutines use the parent ctx, so one failure does not stop the others.
// Expect: ctxprop
package c

import (
	"context"

	"golang.org/x/sync/errgroup"
)

func fetch(ctx context.Context, src string) error { return nil }

func FetchSources(ctx context.Context, sources [3]string) error {
	g, gctx := errgroup.WithContext(ctx)
	_ = gctx
	for _, s := range sources {
		g.Go(func() error {
			return fetch(ctx, s) // BUG
		})
	}
	return g.Wait()
}
