// The group's goroutines use the group's ctx.
package c

import (
	"context"

	"golang.org/x/sync/errgroup"
)

func fetch(ctx context.Context, src string) error { return nil }

func FetchSources(ctx context.Context, sources [3]string) error {
	g, gctx := errgroup.WithContext(ctx)
	for _, s := range sources {
		g.Go(func() error { return fetch(gctx, s) })
	}
	return g.Wait()
}
