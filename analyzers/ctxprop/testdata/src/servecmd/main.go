// Command servecmd serves a model; main makes the root context.
package main

import (
	"context"
	"net/http"
	"os"
	"os/signal"
	"time"
)

func main() {
	// silent: main is where the root context is made.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	warm, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = serve(ctx, warm)

	// reported: main has a cancellable ctx, and this request ignores it.
	resp, err := http.Get("http://127.0.0.1:8080/healthz") // want `http\.Get sends a request without a context`
	if err == nil {
		_ = resp.Body.Close()
	}
}

// serve makes the process's signal context from Background: silent, as the
// parent of signal.NotifyContext.
func serve(ctx context.Context, warm context.Context) error {
	sctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	<-sctx.Done()
	return ctx.Err()
}

// version has no ctx in scope.
func version() (*http.Response, error) {
	return http.Get("http://127.0.0.1:8080/version")
}
