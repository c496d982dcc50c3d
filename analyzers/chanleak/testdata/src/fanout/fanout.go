// Package fanout embeds batches of inputs concurrently and collects the
// results.
package fanout

import (
	"context"
	"fmt"
	"sync"

	"golang.org/x/sync/errgroup"
)

type Embedder interface {
	Embed(ctx context.Context, text string) ([]float32, error)
}

type result struct {
	i   int
	vec []float32
	err error
}

// EmbedAll returns on the first error: the other goroutines are stranded.
func EmbedAll(ctx context.Context, e Embedder, inputs []string) ([][]float32, error) {
	results := make(chan result)
	for i, in := range inputs {
		go func() {
			vec, err := e.Embed(ctx, in)
			results <- result{i, vec, err} // want `goroutines started in a loop send on unbuffered channel results, but the receive loop returns at line 36 before receiving from all of them: the remaining senders block forever`
		}()
	}
	out := make([][]float32, len(inputs))
	for range inputs {
		r := <-results
		if r.err != nil {
			return nil, fmt.Errorf("embed input %d: %w", r.i, r.err)
		}
		out[r.i] = r.vec
	}
	return out, nil
}

// EmbedShards counts with an index and a WaitGroup-driven closer.
func EmbedShards(ctx context.Context, e Embedder, shards []string) error {
	errs := make(chan error)
	var wg sync.WaitGroup
	for i := 0; i < len(shards); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.Embed(ctx, shards[i])
			errs <- err // want `goroutines started in a loop send on unbuffered channel errs, but the receive loop returns`
		}()
	}
	go func() {
		wg.Wait()
		close(errs)
	}()
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// EmbedN uses a counted loop and breaks out on the first error.
func EmbedN(ctx context.Context, e Embedder, texts []string, n int) error {
	errs := make(chan error)
	for i := 0; i < n; i++ {
		go func() {
			_, err := e.Embed(ctx, texts[i])
			errs <- err // want `the receive loop breaks out at line 80`
		}()
	}
	var first error
	for i := 0; i < n; i++ {
		if err := <-errs; err != nil {
			first = err
			break
		}
	}
	return first
}

// EmbedPair splits results and errors over two channels; the error case
// returns while the other goroutines still send.
func EmbedPair(ctx context.Context, e Embedder, inputs []string) ([][]float32, error) {
	vecs := make(chan []float32)
	errs := make(chan error)
	for _, in := range inputs {
		go func() {
			v, err := e.Embed(ctx, in)
			if err != nil {
				errs <- err // want `goroutines started in a loop send on unbuffered channel errs, but the receive loop returns`
				return
			}
			vecs <- v // want `goroutines started in a loop send on unbuffered channel vecs, but the receive loop returns`
		}()
	}
	var out [][]float32
	for range inputs {
		select {
		case v := <-vecs:
			out = append(out, v)
		case err := <-errs:
			return nil, err
		}
	}
	return out, nil
}

// ThreeEncoders starts three fixed goroutines and returns after the first
// failed one.
func ThreeEncoders(ctx context.Context, text, image, audio Embedder) error {
	errs := make(chan error)
	go func() { _, err := text.Embed(ctx, "t"); errs <- err }() // want `goroutines send on unbuffered channel errs, but the function returns at line 121 before receiving from all of them`
	go func() { _, err := image.Embed(ctx, "i"); errs <- err }()
	go func() { _, err := audio.Embed(ctx, "a"); errs <- err }()
	if err := <-errs; err != nil {
		return err
	}
	if err := <-errs; err != nil {
		return err
	}
	return <-errs
}

// ShardBuffer buffers one slot for three shard goroutines.
func ShardBuffer(ctx context.Context, e Embedder, shards [3]string) error {
	errs := make(chan error, 1)
	for _, s := range shards {
		go func() {
			_, err := e.Embed(ctx, s)
			errs <- err // want `goroutines started in a loop send on channel errs \(buffer 1\), but the receive loop returns`
		}()
	}
	for range shards {
		if err := <-errs; err != nil {
			return err
		}
	}
	return nil
}

// --- correct versions and near misses: no diagnostics below ---

// BufferedAll buffers one slot per input.
func BufferedAll(ctx context.Context, e Embedder, inputs []string) ([][]float32, error) {
	results := make(chan result, len(inputs))
	for i, in := range inputs {
		go func() {
			vec, err := e.Embed(ctx, in)
			results <- result{i, vec, err}
		}()
	}
	out := make([][]float32, len(inputs))
	for range inputs {
		r := <-results
		if r.err != nil {
			return nil, r.err
		}
		out[r.i] = r.vec
	}
	return out, nil
}

// BufferedCount buffers with the same count, held in a variable.
func BufferedCount(ctx context.Context, e Embedder, inputs []string) error {
	n := len(inputs)
	errs := make(chan error, n)
	for _, in := range inputs {
		go func() {
			_, err := e.Embed(ctx, in)
			errs <- err
		}()
	}
	for i := 0; i < n; i++ {
		if err := <-errs; err != nil {
			return err
		}
	}
	return nil
}

// DrainAll receives every result and keeps the first error.
func DrainAll(ctx context.Context, e Embedder, inputs []string) error {
	errs := make(chan error)
	for _, in := range inputs {
		go func() {
			_, err := e.Embed(ctx, in)
			errs <- err
		}()
	}
	var first error
	for range inputs {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// CollectUntilDone returns once every result arrived.
func CollectUntilDone(ctx context.Context, e Embedder, inputs []string) [][]float32 {
	if len(inputs) == 0 {
		return nil
	}
	vecs := make(chan []float32)
	for _, in := range inputs {
		go func() {
			v, _ := e.Embed(ctx, in)
			vecs <- v
		}()
	}
	var out [][]float32
	for v := range vecs {
		out = append(out, v)
		if len(out) == len(inputs) {
			return out
		}
	}
	return out
}

// BreakThenDrain stops on the first error, then drains what is left.
func BreakThenDrain(ctx context.Context, e Embedder, inputs []string) error {
	errs := make(chan error)
	for _, in := range inputs {
		go func() {
			_, err := e.Embed(ctx, in)
			errs <- err
		}()
	}
	var first error
	got := 0
	for got < len(inputs) {
		err := <-errs
		got++
		if err != nil {
			first = err
			break
		}
	}
	for ; got < len(inputs); got++ {
		<-errs
	}
	return first
}

// Grouped uses errgroup and a slice: no channel to strand.
func Grouped(ctx context.Context, e Embedder, inputs []string) ([][]float32, error) {
	g, ctx := errgroup.WithContext(ctx)
	out := make([][]float32, len(inputs))
	for i, in := range inputs {
		g.Go(func() error {
			v, err := e.Embed(ctx, in)
			out[i] = v
			return err
		})
	}
	return out, g.Wait()
}

// CancelledSenders select on ctx.Done, and the function cancels on return.
func CancelledSenders(ctx context.Context, e Embedder, inputs []string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error)
	for _, in := range inputs {
		go func() {
			_, err := e.Embed(ctx, in)
			select {
			case errs <- err:
			case <-ctx.Done():
			}
		}()
	}
	for range inputs {
		if err := <-errs; err != nil {
			return err
		}
	}
	return nil
}

// ClosedByWorkers: the loop ends when the channel is closed (ok is false).
func ClosedByWorkers(ctx context.Context, e Embedder, inputs []string) int {
	errs := make(chan error)
	var wg sync.WaitGroup
	for _, in := range inputs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.Embed(ctx, in)
			errs <- err
		}()
	}
	go func() { wg.Wait(); close(errs) }()
	failed := 0
	for {
		err, ok := <-errs
		if !ok {
			return failed
		}
		if err != nil {
			failed++
		}
	}
}

// ThreeEncodersAll receives all three before deciding.
func ThreeEncodersAll(ctx context.Context, text, image, audio Embedder) error {
	errs := make(chan error)
	go func() { _, err := text.Embed(ctx, "t"); errs <- err }()
	go func() { _, err := image.Embed(ctx, "i"); errs <- err }()
	go func() { _, err := audio.Embed(ctx, "a"); errs <- err }()
	e1, e2, e3 := <-errs, <-errs, <-errs
	for _, err := range []error{e1, e2, e3} {
		if err != nil {
			return err
		}
	}
	return nil
}

// ThreeBuffered buffers the three encoders' results.
func ThreeBuffered(ctx context.Context, text, image, audio Embedder) error {
	errs := make(chan error, 3)
	go func() { _, err := text.Embed(ctx, "t"); errs <- err }()
	go func() { _, err := image.Embed(ctx, "i"); errs <- err }()
	go func() { _, err := audio.Embed(ctx, "a"); errs <- err }()
	for i := 0; i < 3; i++ {
		if err := <-errs; err != nil {
			return err
		}
	}
	return nil
}

// Rounds breaks out of the inner loop, but the outer loop comes back to
// receive the rest.
func Rounds(ctx context.Context, e Embedder, inputs []string) int {
	errs := make(chan error)
	for _, in := range inputs {
		go func() {
			_, err := e.Embed(ctx, in)
			errs <- err
		}()
	}
	received, failed := 0, 0
	for received < len(inputs) {
		for {
			err := <-errs
			received++
			if err != nil {
				failed++
				break
			}
			if received == len(inputs) {
				break
			}
		}
	}
	return failed
}
