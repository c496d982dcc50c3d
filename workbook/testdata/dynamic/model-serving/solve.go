// A broken model server with two bugs, each marked:
//   - RACE: the handler reads the closed flag without taking mu, while
//     Shutdown writes it under mu;
//   - LEAK: the handler enforces the deadline on its wait, not on the model
//     call: the call runs in a goroutine that sends its answer on an
//     unbuffered channel, so once the handler has answered 504 nobody
//     receives it and the sender blocks forever.

package practice

import (
	"context"
	"errors"
	"net/http"
	"sync"

	"github.com/asyncbook/asyncbook/exercises/modelserving"
)

type answer struct {
	out []modelserving.Output
	err error
}

func Solve(model modelserving.Model, cfg modelserving.Config) modelserving.Server {
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
		in, err := modelserving.DecodeInput(r)
		if err != nil {
			modelserving.WriteError(w, http.StatusBadRequest, err.Error())
			return
		}
		if closed { // RACE read
			modelserving.WriteError(w, http.StatusServiceUnavailable, "shutting down")
			return
		}
		mu.Lock()
		active++
		mu.Unlock()
		defer finish()

		ctx, cancel := context.WithTimeout(r.Context(), cfg.Timeout)
		defer cancel()
		got := make(chan answer)
		go func() { // LEAK go
			modelMu.Lock()
			out, err := model.PredictBatch(r.Context(), []modelserving.Input{in})
			modelMu.Unlock()
			got <- answer{out, err} // LEAK send
		}()
		select {
		case a := <-got:
			switch {
			case r.Context().Err() != nil:
				return // the client is gone: nobody to answer
			case errors.Is(a.err, context.DeadlineExceeded):
				modelserving.WriteError(w, http.StatusGatewayTimeout, "deadline passed")
			case a.err != nil:
				modelserving.WriteError(w, http.StatusInternalServerError, a.err.Error())
			default:
				modelserving.WriteOutput(w, a.out[0])
			}
		case <-ctx.Done():
			if r.Context().Err() == nil {
				modelserving.WriteError(w, http.StatusGatewayTimeout, "deadline passed")
			}
		}
	})

	shutdown := func(ctx context.Context) error {
		mu.Lock()
		if !closed {
			closed = true // RACE write
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
	return modelserving.ServerFuncs{Handler: handler, OnShutdown: shutdown}
}
