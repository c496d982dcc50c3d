// Package loader feeds batches from a data loader goroutine to a training
// loop, and streams tokens from a tokenizer.
package loader

import (
	"context"
	"errors"
	"strings"
)

type Batch struct {
	X, Y []float32
	Err  error
}

type Trainer interface {
	Step(b Batch) (loss float64, err error)
}

type Dataset interface {
	Load(i int) Batch
}

// Train stops at maxSteps and leaves the loader blocked on its next send.
func Train(ds Dataset, tr Trainer, shards []int, maxSteps int) error {
	batches := make(chan Batch)
	go func() {
		defer close(batches)
		for _, s := range shards {
			batches <- ds.Load(s) // want `producer goroutine may block forever sending on batches: the consumer loop breaks out at line 36 without draining batches or cancelling the producer`
		}
	}()
	step := 0
	for b := range batches {
		if step == maxSteps {
			break
		}
		if _, err := tr.Step(b); err != nil {
			return err
		}
		step++
	}
	return nil
}

// TrainOnError returns on the first failed step; the prefetch buffer does not
// save the loader.
func TrainOnError(ds Dataset, tr Trainer, shards []int) error {
	batches := make(chan Batch, 8)
	go func() {
		defer close(batches)
		for _, s := range shards {
			batches <- ds.Load(s) // want `producer goroutine may block forever sending on batches: the consumer loop returns at line 58`
		}
	}()
	for b := range batches {
		if _, err := tr.Step(b); err != nil {
			return err
		}
	}
	return nil
}

// TrainSteps counts its own steps, fewer than the loader has batches.
func TrainSteps(ds Dataset, tr Trainer, shards []int, maxSteps int) {
	batches := make(chan Batch)
	go func() {
		for _, s := range shards {
			batches <- ds.Load(s) // want `the consumer loop stops after a fixed number of receives \(line 72\)`
		}
	}()
	for step := 0; step < maxSteps; step++ {
		tr.Step(<-batches)
	}
}

// Tokens streams tokens forever; the caller takes the first k.
func FirstTokens(text string, k int) []string {
	toks := make(chan string)
	go func() {
		for i := 0; ; i++ {
			toks <- strings.Fields(text)[i%3] // want `the consumer loop stops after a fixed number of receives`
		}
	}()
	var out []string
	for i := 0; i < k; i++ {
		out = append(out, <-toks)
	}
	return out
}

// Stream stops on cancellation while the tokenizer keeps sending.
func Stream(ctx context.Context, text string, emit func(string)) error {
	toks := make(chan string)
	go func() {
		defer close(toks)
		for _, w := range strings.Fields(text) {
			toks <- w // want `the consumer loop returns at line 104`
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case t, ok := <-toks:
			if !ok {
				return nil
			}
			emit(t)
		}
	}
}

// Peek takes one batch and returns.
func Peek(ds Dataset, shards []int) Batch {
	batches := make(chan Batch)
	go func() {
		for _, s := range shards {
			batches <- ds.Load(s) // want `the function receives only one value \(line 122\)`
		}
	}()
	return <-batches
}

// TrainSkipBad sends bad shards as errors and keeps going; the trainer
// returns on the first one.
func TrainSkipBad(ds Dataset, tr Trainer, shards []int) error {
	batches := make(chan Batch)
	go func() {
		defer close(batches)
		for _, s := range shards {
			batches <- ds.Load(s) // want `producer goroutine may block forever sending on batches: the consumer loop returns`
		}
	}()
	for b := range batches {
		if b.Err != nil {
			return b.Err
		}
		tr.Step(b)
	}
	return nil
}

// --- correct versions and near misses: no diagnostics below ---

// TrainCancel: the loader gives up its send when the trainer stops.
func TrainCancel(ctx context.Context, ds Dataset, tr Trainer, shards []int, maxSteps int) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan Batch)
	go func() {
		defer close(batches)
		for _, s := range shards {
			select {
			case batches <- ds.Load(s):
			case <-ctx.Done():
				return
			}
		}
	}()
	step := 0
	for b := range batches {
		if step == maxSteps {
			break
		}
		tr.Step(b)
		step++
	}
}

// TrainBuffered buffers every batch.
func TrainBuffered(ds Dataset, tr Trainer, shards []int) error {
	batches := make(chan Batch, len(shards))
	go func() {
		defer close(batches)
		for _, s := range shards {
			batches <- ds.Load(s)
		}
	}()
	for b := range batches {
		if _, err := tr.Step(b); err != nil {
			return err
		}
	}
	return nil
}

// TrainDrain breaks at maxSteps, then drains the loader.
func TrainDrain(ds Dataset, tr Trainer, shards []int, maxSteps int) {
	batches := make(chan Batch)
	go func() {
		defer close(batches)
		for _, s := range shards {
			batches <- ds.Load(s)
		}
	}()
	step := 0
	for b := range batches {
		if step == maxSteps {
			break
		}
		tr.Step(b)
		step++
	}
	for range batches {
	}
}

// TrainAll consumes every batch.
func TrainAll(ds Dataset, tr Trainer, shards []int) (total float64) {
	batches := make(chan Batch)
	go func() {
		defer close(batches)
		for _, s := range shards {
			batches <- ds.Load(s)
		}
	}()
	for b := range batches {
		loss, _ := tr.Step(b)
		total += loss
	}
	return total
}

// TrainLoaderError: the loader stops after sending its error, and the
// trainer returns on exactly that error.
func TrainLoaderError(ds Dataset, tr Trainer, shards []int) error {
	batches := make(chan Batch)
	go func() {
		defer close(batches)
		for _, s := range shards {
			b := ds.Load(s)
			batches <- b
			if b.Err != nil {
				return
			}
		}
	}()
	for b := range batches {
		if b.Err != nil {
			return b.Err
		}
		tr.Step(b)
	}
	return nil
}

// EOS: the tokenizer ends with a sentinel and the consumer stops on it.
func EOS(text string) []string {
	const eos = "</s>"
	toks := make(chan string)
	go func() {
		for _, w := range strings.Fields(text) {
			toks <- w
		}
		toks <- eos
	}()
	var out []string
	for t := range toks {
		if t == eos {
			return out
		}
		out = append(out, t)
	}
	return out
}

// TrainExact takes exactly as many batches as the loader sends.
func TrainExact(ds Dataset, tr Trainer, shards []int) {
	batches := make(chan Batch)
	go func() {
		for _, s := range shards {
			batches <- ds.Load(s)
		}
	}()
	for range len(shards) {
		tr.Step(<-batches)
	}
}

// TrainExactCount uses a counted loop with the same count.
func TrainExactCount(ds Dataset, tr Trainer, shards []int) {
	n := len(shards)
	batches := make(chan Batch)
	go func() {
		for i := 0; i < n; i++ {
			batches <- ds.Load(shards[i])
		}
	}()
	for _, s := range shards {
		_ = s
		tr.Step(<-batches)
	}
}

// CloseOK: the consumer stops only when the loader closed the channel.
func CloseOK(ds Dataset, tr Trainer, shards []int) {
	batches := make(chan Batch)
	go func() {
		defer close(batches)
		for _, s := range shards {
			batches <- ds.Load(s)
		}
	}()
	for {
		b, ok := <-batches
		if !ok {
			break
		}
		tr.Step(b)
	}
}

// Relay passes the channel to a helper that may drain it.
func Relay(ds Dataset, shards []int) error {
	batches := make(chan Batch)
	go func() {
		defer close(batches)
		for _, s := range shards {
			batches <- ds.Load(s)
		}
	}()
	return consume(batches)
}

func consume(batches <-chan Batch) error {
	for b := range batches {
		if b.Err != nil {
			return errors.Join(b.Err, drain(batches))
		}
	}
	return nil
}

func drain(batches <-chan Batch) error {
	for range batches {
	}
	return nil
}

type Chunk struct {
	Text string
	Done bool
}

// Chunks marks the last chunk; the consumer stops on it.
func Chunks(text string) string {
	chunks := make(chan Chunk)
	words := strings.Fields(text)
	go func() {
		for i, w := range words {
			chunks <- Chunk{Text: w, Done: i == len(words)-1}
		}
	}()
	var b strings.Builder
	for c := range chunks {
		b.WriteString(c.Text)
		if c.Done {
			break
		}
	}
	return b.String()
}

// Countdown stops when every shard has arrived.
func Countdown(ds Dataset, tr Trainer, shards []int) {
	batches := make(chan Batch)
	go func() {
		for _, s := range shards {
			batches <- ds.Load(s)
		}
	}()
	remaining := len(shards)
	for b := range batches {
		tr.Step(b)
		remaining--
		if remaining == 0 {
			break
		}
	}
}

// FindFirst filters: a single receive says nothing about how many matches
// the producer sends.
func FindFirst(ds Dataset, shards []int) Batch {
	found := make(chan Batch)
	go func() {
		for _, s := range shards {
			if b := ds.Load(s); b.Err == nil {
				found <- b
			}
		}
	}()
	return <-found
}
