// Package modelserving is the "Model serving" exercise: an HTTP inference
// server in front of one accelerator, under many concurrent clients.
//
// Each POST /predict carries one instance. The model's batch-predict call
// costs a fixed overhead plus a little per instance, so one call for sixteen
// requests costs barely more than one call for one. Sequential below is a
// correct server that wastes that: it serves one request per model call,
// under a global mutex, so under load every request waits for all the ones
// before it, and a burst queues without limit.
//
// Build a server that batches dynamically (collect requests up to MaxBatch
// or MaxWait, one model call per batch, each answer to its own request),
// bounds its queue and refuses the excess with 429, answers 504 when a
// request's deadline passes and drops the work of clients that left, and
// shuts down gracefully. See README.md.
package modelserving

import (
	"context"
	"errors"
	"net/http"
	"sync"
)

// Sequential serves each request with its own model call, one request at a
// time. It is correct, and it is slow under load.
func Sequential(model Model, cfg Config) Server {
	var (
		modelMu sync.Mutex // one request at a time on the model

		mu     sync.Mutex            // guards closed, active and idle
		closed bool                  // Shutdown was called: refuse new requests
		active int                   // requests admitted and not yet answered
		idle   = make(chan struct{}) // closed once closed and active == 0
	)
	finish := func() {
		mu.Lock()
		defer mu.Unlock()
		active--
		if closed && active == 0 {
			close(idle)
		}
	}

	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, err := DecodeInput(r)
		if err != nil {
			WriteError(w, http.StatusBadRequest, err.Error())
			return
		}
		mu.Lock()
		if closed {
			mu.Unlock()
			WriteError(w, http.StatusServiceUnavailable, "shutting down")
			return
		}
		active++
		mu.Unlock()
		defer finish()

		ctx, cancel := context.WithTimeout(r.Context(), cfg.Timeout)
		defer cancel()
		modelMu.Lock()
		out, err := model.PredictBatch(ctx, []Input{in})
		modelMu.Unlock()
		switch {
		case r.Context().Err() != nil:
			return // the client is gone: nobody to answer
		case errors.Is(err, context.DeadlineExceeded):
			WriteError(w, http.StatusGatewayTimeout, "deadline passed")
		case err != nil:
			WriteError(w, http.StatusInternalServerError, err.Error())
		default:
			WriteOutput(w, out[0])
		}
	})

	shutdown := func(ctx context.Context) error {
		mu.Lock()
		if !closed {
			closed = true
			if active == 0 {
				close(idle)
			}
		}
		mu.Unlock()
		select {
		case <-idle:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return ServerFuncs{Handler: handler, OnShutdown: shutdown}
}
