package modelserving

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/asyncbook/asyncbook/exercises/simworld"
)

// Input is one prediction request: the body of POST /predict.
type Input = simworld.ServingInput

// Output is one prediction: the body of a 200 response.
type Output = simworld.ServingOutput

// Model is the model behind the server: one accelerator with a batch-predict
// call whose cost is a fixed overhead plus a little per instance. It returns
// one output per input, in order, and fails the whole batch if one input is
// invalid or the batch is larger than what fits in memory. Run one call at a
// time: it is one device.
type Model interface {
	PredictBatch(ctx context.Context, batch []Input) ([]Output, error)
}

// Config tunes a server. Every field must be positive.
type Config struct {
	// MaxBatch is the most requests served by one model call (what fits in
	// accelerator memory).
	MaxBatch int
	// MaxWait is the longest a request waits for others to join its batch
	// before the batch is sent anyway.
	MaxWait time.Duration
	// QueueSize is the most requests that may wait while the model is busy
	// (admitted, not yet in a model call). One more is refused with 429.
	QueueSize int
	// Timeout is each request's deadline, counted from its arrival: when it
	// passes the request is answered 504 and stops waiting.
	Timeout time.Duration
}

// Server is a model server: an HTTP handler for POST /predict and a way to
// stop it gracefully.
type Server interface {
	http.Handler
	// Shutdown refuses new requests with 503, lets every admitted request
	// finish, stops the server's goroutines, and returns when all of that
	// is done, or with ctx's error if ctx ends first.
	Shutdown(ctx context.Context) error
}

// Impl builds a server over model. It is what Sequential, the reference solution and a
// learner's Solve are.
type Impl func(model Model, cfg Config) Server

// ServerFuncs makes a Server of a handler and a shutdown function.
type ServerFuncs struct {
	Handler    http.Handler
	OnShutdown func(ctx context.Context) error
}

// ServeHTTP serves with the handler.
func (s ServerFuncs) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.Handler.ServeHTTP(w, r) }

// Shutdown calls the shutdown function.
func (s ServerFuncs) Shutdown(ctx context.Context) error { return s.OnShutdown(ctx) }

// MaxBodyBytes bounds a request body.
const MaxBodyBytes = 1 << 20

// ErrBadRequest is wrapped by DecodeInput's errors.
var ErrBadRequest = errors.New("bad request")

// DecodeInput reads and checks a predict request: a POST whose JSON body has
// an id and at least one feature. It reads the body to its end, which lets
// the HTTP server notice when the client goes away. Answer its errors 400.
func DecodeInput(r *http.Request) (Input, error) {
	if r.Method != http.MethodPost {
		return Input{}, fmt.Errorf("%w: method %s, want POST", ErrBadRequest, r.Method)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes))
	if err != nil {
		return Input{}, fmt.Errorf("%w: read body: %w", ErrBadRequest, err)
	}
	var in Input
	if err := json.Unmarshal(body, &in); err != nil {
		return Input{}, fmt.Errorf("%w: decode body: %w", ErrBadRequest, err)
	}
	if in.ID == "" || len(in.Features) == 0 {
		return Input{}, fmt.Errorf("%w: need an id and at least one feature", ErrBadRequest)
	}
	return in, nil
}

// WriteOutput answers 200 with out as JSON.
func WriteOutput(w http.ResponseWriter, out Output) {
	writeJSON(w, http.StatusOK, out)
}

// WriteError answers status with {"error": msg}. The statuses a server uses:
// 400 bad input, 429 queue full, 503 shutting down, 504 deadline passed,
// 500 model failure.
func WriteError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, struct {
		Error string `json:"error"`
	}{msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"encode response"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b) // the client may be gone; nothing to do about it
}
