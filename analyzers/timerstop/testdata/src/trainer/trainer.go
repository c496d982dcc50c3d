// Package trainer holds tickers and timers that are never stopped, each with
// a mechanical fix.
package trainer

import (
	"context"
	"errors"
	"time"
)

type Batch struct{ Inputs []float32 }

type Trainer struct {
	batches chan Batch
	steps   int
}

func (tr *Trainer) step(Batch)         { tr.steps++ }
func (tr *Trainer) logMetrics()        {}
func (tr *Trainer) checkpoint()        {}
func predict(Batch) ([]float32, error) { return nil, nil }

// Run logs metrics every ten seconds and returns on cancellation, leaving
// the ticker running.
func (tr *Trainer) Run(ctx context.Context) error {
	metrics := time.NewTicker(10 * time.Second) // want `ticker metrics is never stopped: it keeps firing until it is garbage-collected`
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-metrics.C:
			tr.logMetrics()
		case b := <-tr.batches:
			tr.step(b)
		}
	}
}

// Infer waits for a prediction or a deadline; the timer outlives the answer.
func Infer(ctx context.Context, b Batch, out chan []float32) ([]float32, error) {
	deadline := time.NewTimer(30 * time.Second) // want `timer deadline is never stopped: it stays live with its channel until it fires`
	select {
	case y := <-out:
		return y, nil
	case <-deadline.C:
		return nil, errors.New("inference timed out")
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Checkpoint declares the ticker with var; a trailing comment stays put.
func (tr *Trainer) Checkpoint(ctx context.Context) {
	var every = time.NewTicker(time.Minute) // checkpoint cadence // want `ticker every is never stopped`
	for {
		select {
		case <-ctx.Done():
			return
		case <-every.C:
			tr.checkpoint()
		}
	}
}

// Warmup assigns a timer declared earlier.
func Warmup(ctx context.Context, warm bool) error {
	var wait *time.Timer
	if warm {
		return nil
	}
	wait = time.NewTimer(5 * time.Second) // want `timer wait is never stopped`
	select {
	case <-wait.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Mode switches between two watchdogs; each case creates one.
func Mode(ctx context.Context, mode string) error {
	switch mode {
	case "eval":
		guard := time.NewTimer(time.Minute) // want `timer guard is never stopped`
		select {
		case <-guard.C:
			return errors.New("eval took too long")
		case <-ctx.Done():
			return nil
		}
	}
	return nil
}
