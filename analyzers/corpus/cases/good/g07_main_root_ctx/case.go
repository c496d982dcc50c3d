// main makes the root context.
package main

import (
	"context"
	"os"
	"os/signal"
)

func serve(ctx context.Context) error { <-ctx.Done(); return nil }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := serve(ctx); err != nil {
		os.Exit(1)
	}
}
