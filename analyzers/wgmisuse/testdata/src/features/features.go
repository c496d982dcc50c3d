// Package features fetches a user's features from several feature stores at
// once and merges them: the fan-out every ranking request does.
package features

import (
	"context"
	"sync"
)

// Store is a feature store.
type Store interface {
	Fetch(ctx context.Context, user string) (map[string]float64, error)
}

type merged struct {
	mu    sync.Mutex
	feats map[string]float64
}

func (m *merged) add(f map[string]float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, v := range f {
		m.feats[k] = v
	}
}

// FetchAll adds inside the goroutine, first thing (vet sees this one too).
func FetchAll(ctx context.Context, stores []Store, user string) map[string]float64 {
	m := &merged{feats: map[string]float64{}}
	var wg sync.WaitGroup
	for _, s := range stores {
		go func() {
			wg.Add(1) // want `wg.Add is called inside the goroutine: wg.Wait may return before it runs; call wg.Add before the go statement \(line 33\)`
			defer wg.Done()
			if f, err := s.Fetch(ctx, user); err == nil {
				m.add(f)
			}
		}()
	}
	wg.Wait()
	return m.feats
}

// FetchAfterCall adds after the fetch: vet does not look there.
func FetchAfterCall(ctx context.Context, stores []Store, user string) map[string]float64 {
	m := &merged{feats: map[string]float64{}}
	var wg sync.WaitGroup
	for _, s := range stores {
		go func() {
			f, err := s.Fetch(ctx, user)
			wg.Add(1) // want `wg.Add is called inside the goroutine`
			defer wg.Done()
			if err != nil {
				return
			}
			m.add(f)
		}()
	}
	wg.Wait()
	return m.feats
}

// Fetcher keeps its WaitGroup in a field.
type Fetcher struct {
	wg     sync.WaitGroup
	stores []Store
	out    merged
}

// Start adds on a field inside the goroutine.
func (p *Fetcher) Start(ctx context.Context, user string) {
	for _, s := range p.stores {
		go func() {
			p.wg.Add(1) // want `p.wg.Add is called inside the goroutine`
			defer p.wg.Done()
			if f, err := s.Fetch(ctx, user); err == nil {
				p.out.add(f)
			}
		}()
	}
}

// Wait waits for the fetches Start began.
func (p *Fetcher) Wait() { p.wg.Wait() }
