package features

import (
	"context"
	"sync"
)

// FetchThree is the correct fan-out over three stores: Add before go.
func FetchThree(ctx context.Context, a, b, c Store, user string) map[string]float64 {
	m := &merged{feats: map[string]float64{}}
	var wg sync.WaitGroup
	for _, s := range []Store{a, b, c} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if f, err := s.Fetch(ctx, user); err == nil {
				m.add(f)
			}
		}()
	}
	wg.Wait()
	return m.feats
}

// FetchWithGo uses WaitGroup.Go (Go 1.25): counted by construction.
func FetchWithGo(ctx context.Context, stores []Store, user string) map[string]float64 {
	m := &merged{feats: map[string]float64{}}
	var wg sync.WaitGroup
	for _, s := range stores {
		wg.Go(func() {
			if f, err := s.Fetch(ctx, user); err == nil {
				m.add(f)
			}
		})
	}
	wg.Wait()
	return m.feats
}

// Shard is a slice of a dataset.
type Shard struct{ Files []string }

func load(file string) {}

// LoadShards: each counted shard loader adds for the file loaders it starts
// right after the Add. The parent is counted, so Wait cannot return early.
func LoadShards(shards []Shard) {
	var wg sync.WaitGroup
	for _, sh := range shards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, f := range sh.Files {
				wg.Add(1)
				go func() {
					defer wg.Done()
					load(f)
				}()
			}
		}()
	}
	wg.Wait()
}

// LoadShardsAtOnce adds for all the files, then starts their loaders.
func LoadShardsAtOnce(shards []Shard) {
	var wg sync.WaitGroup
	for _, sh := range shards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wg.Add(len(sh.Files))
			for _, f := range sh.Files {
				go func() {
					defer wg.Done()
					load(f)
				}()
			}
		}()
	}
	wg.Wait()
}

// Dispatch: a dispatcher goroutine adds for each job right before starting
// its handler; the caller waits for the dispatcher before waiting on wg.
func Dispatch(jobs <-chan string) {
	var wg sync.WaitGroup
	dispatched := make(chan struct{})
	go func() {
		defer close(dispatched)
		for j := range jobs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				load(j)
			}()
		}
	}()
	<-dispatched
	wg.Wait()
}

func launch(wg *sync.WaitGroup, files []string) {
	for _, f := range files {
		go func() {
			defer wg.Done()
			load(f)
		}()
	}
}

// Prefetch: the goroutine owns a WaitGroup of its own; adding to it inside
// the goroutine is the normal thing to do.
func Prefetch(files []string, done chan<- struct{}) {
	go func() {
		var inner sync.WaitGroup
		inner.Add(len(files))
		launch(&inner, files)
		inner.Wait()
		close(done)
	}()
}

func (p *Pool) spawn(ctx context.Context, s Store, user string) {
	p.wg.Add(1)
	go p.fetchCounted(ctx, s, user)
}

func (p *Pool) fetchCounted(ctx context.Context, s Store, user string) {
	defer p.wg.Done()
	if f, err := s.Fetch(ctx, user); err == nil {
		p.out.add(f)
	}
}

// Serve runs a loop that spawns counted fetches: the Add inside spawn
// precedes its go statement.
func (p *Pool) Serve(ctx context.Context, s Store, users <-chan string) {
	go func() {
		for u := range users {
			p.spawn(ctx, s, u)
		}
	}()
}
