package practice

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/asyncbook/asyncbook/exercises/modelserving"
)

type request struct {
	ctx   context.Context
	in    modelserving.Input
	reply chan modelserving.Output
}

// Solve batches requests: handlers enqueue, one batcher calls the model.
func Solve(model modelserving.Model, cfg modelserving.Config) modelserving.Server {
	queue := make(chan request, cfg.QueueSize)
	var mu sync.Mutex // guards served
	served := 0
	go func() {
		tick := time.NewTicker(cfg.MaxWait)
		var batch []request
		for {
			select {
			case r := <-queue:
				batch = append(batch, r)
				if len(batch) < cfg.MaxBatch {
					continue
				}
			case <-tick.C:
				if len(batch) == 0 {
					continue
				}
			}
			ins := make([]modelserving.Input, len(batch))
			for i, r := range batch {
				ins[i] = r.in
			}
			outs, err := model.PredictBatch(batch[0].ctx, ins)
			mu.Lock()
			for i, r := range batch {
				if err == nil {
					r.reply <- outs[i]
					served++
				}
			}
			mu.Unlock()
			batch = nil
		}
	}()
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, err := modelserving.DecodeInput(r)
		if err != nil {
			modelserving.WriteError(w, http.StatusBadRequest, err.Error())
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), cfg.Timeout)
		req := request{ctx: ctx, in: in, reply: make(chan modelserving.Output)}
		select {
		case queue <- req:
		default:
			modelserving.WriteError(w, http.StatusTooManyRequests, "queue full")
			return
		}
		select {
		case out := <-req.reply:
			cancel()
			modelserving.WriteOutput(w, out)
		case <-ctx.Done():
			cancel()
			modelserving.WriteError(w, http.StatusGatewayTimeout, "deadline passed")
		}
	})
	shutdown := func(ctx context.Context) error {
		close(queue)
		return nil
	}
	return modelserving.ServerFuncs{Handler: handler, OnShutdown: shutdown}
}
