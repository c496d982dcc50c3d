// Package feeder holds worker pools whose workers may all stop receiving
// before the feeder has sent every job.
package feeder

import (
	"context"
	"errors"
	"sync"
)

type shard struct{ id int }

func preprocess(s shard) error {
	if s.id < 0 {
		return errors.New("corrupt shard")
	}
	return nil
}

type firstErr struct {
	once sync.Once
	err  error
}

func (f *firstErr) set(err error) { f.once.Do(func() { f.err = err }) }

// tokenizer returns on the first corrupt shard without draining jobs.
func tokenizer(jobs <-chan shard, fe *firstErr, wg *sync.WaitGroup) {
	defer wg.Done()
	for s := range jobs {
		if err := preprocess(s); err != nil {
			fe.set(err)
			return
		}
	}
}

// Tokenize hangs on its feeding send once every tokenizer has failed.
func Tokenize(shards []shard) error {
	jobs := make(chan shard)
	var fe firstErr
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go tokenizer(jobs, &fe, &wg)
	}
	for _, s := range shards {
		jobs <- s // want `send on jobs blocks forever once the goroutines started at line 45 \(tokenizer\) have all stopped receiving: each can return at line 33 before jobs is closed`
	}
	close(jobs)
	wg.Wait()
	return fe.err
}

// Augment does the same with goroutine literals that break out.
func Augment(shards []shard) error {
	jobs := make(chan shard)
	var fe firstErr
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range jobs {
				if err := preprocess(s); err != nil {
					fe.set(err)
					break
				}
			}
		}()
	}
	for _, s := range shards {
		jobs <- s // want `send on jobs blocks forever once the goroutines started at line 62 have all stopped receiving: each can return at line 70`
	}
	close(jobs)
	wg.Wait()
	return fe.err
}

// Validate keeps its workers ranging after a failure: they drain jobs.
func Validate(shards []shard) error {
	jobs := make(chan shard)
	var fe firstErr
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range jobs {
				if err := preprocess(s); err != nil {
					fe.set(err)
					continue
				}
			}
		}()
	}
	for _, s := range shards {
		jobs <- s
	}
	close(jobs)
	wg.Wait()
	return fe.err
}

// Shuffle feeds with a way out: the workers cancel when they stop.
func Shuffle(ctx context.Context, shards []shard) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan shard)
	var fe firstErr
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range jobs {
				if err := preprocess(s); err != nil {
					fe.set(err)
					cancel()
					return
				}
			}
		}()
	}
feed:
	for _, s := range shards {
		select {
		case jobs <- s:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	return fe.err
}

// Dedup gives jobs a slot for every shard: the feeder never waits.
func Dedup(shards []shard) error {
	jobs := make(chan shard, len(shards))
	var fe firstErr
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go tokenizer(jobs, &fe, &wg)
	}
	for _, s := range shards {
		jobs <- s
	}
	close(jobs)
	wg.Wait()
	return fe.err
}

// Stats has workers that never leave their range early.
func Stats(shards []shard) int {
	jobs := make(chan shard)
	var mu sync.Mutex
	n := 0
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range jobs {
				mu.Lock()
				n += s.id
				mu.Unlock()
			}
		}()
	}
	for _, s := range shards {
		jobs <- s
	}
	close(jobs)
	wg.Wait()
	return n
}
