package features

import (
	"context"
	"sync"
)

// FetchSome adds only for the stores it fetches from, inside the goroutine:
// reported, but moving the Add would change which goroutines are counted.
func FetchSome(ctx context.Context, stores []Store, user string, enabled map[int]bool) map[string]float64 {
	m := &merged{feats: map[string]float64{}}
	var wg sync.WaitGroup
	for i, s := range stores {
		go func() {
			if enabled[i] {
				wg.Add(1) // want `wg.Add is called inside the goroutine`
				defer wg.Done()
				if f, err := s.Fetch(ctx, user); err == nil {
					m.add(f)
				}
			}
		}()
	}
	wg.Wait()
	return m.feats
}

// Batch is a batch of user ids.
type Batch []string

// FetchBatches counts each batch's users inside the goroutine: the count is
// the goroutine's own value, so no fix is offered.
func FetchBatches(ctx context.Context, s Store, batches []Batch) {
	var wg sync.WaitGroup
	for _, b := range batches {
		go func() {
			wg.Add(len(b)) // want `wg.Add is called inside the goroutine`
			for _, user := range b {
				s.Fetch(ctx, user)
				wg.Done()
			}
		}()
	}
	wg.Wait()
}

// Pool starts fetches through a method.
type Pool struct {
	wg  sync.WaitGroup
	out merged
}

func (p *Pool) fetchOne(ctx context.Context, s Store, user string) {
	p.wg.Add(1)
	defer p.wg.Done()
	if f, err := s.Fetch(ctx, user); err == nil {
		p.out.add(f)
	}
}

// FetchAll runs fetchOne as goroutines: the Add inside it is too late.
func (p *Pool) FetchAll(ctx context.Context, stores []Store, user string) {
	for _, s := range stores {
		go p.fetchOne(ctx, s, user) // want `fetchOne calls p.wg.Add inside the goroutine this statement starts \(line 54\)`
	}
	p.wg.Wait()
}
