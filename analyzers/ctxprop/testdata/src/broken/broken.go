// Package broken does not type-check: the analyzer must not panic or report
// nonsense on it.
package broken

import (
	"context"
	"net/http"

	"golang.org/x/sync/errgroup"
)

func fetch(ctx context.Context, url string) error {
	req, err := http.NewRequest("GET", url, nil) // want `http\.NewRequest builds a request without a context`
	_ = req
	return undefinedFunc(context.Background(), err) // want `context\.Background\(\) drops ctx`
}

func badParam(ctx context.Contxt) {
	_ = context.Background()
}

func badGroup(ctx context.Context) error {
	g, gctx := errgroup.WithContext(undefinedCtx)
	g.Go(func() error { return use(ctx) })
	g.Go(undefinedTask)
	_ = gctx
	return g.Wait()
}

func badArity(ctx context.Context) {
	g, gctx, extra := errgroup.WithContext(ctx)
	g.Go(func() error { return use(ctx) })
}

func use(ctx context.Context) error { return nil }
