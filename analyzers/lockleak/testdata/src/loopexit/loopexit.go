// Package loopexit locks a value in each iteration of a loop.
package loopexit

import "sync"

type partial struct {
	mu  sync.Mutex
	sum float64
	n   int
}

type agg struct {
	total float64
	count int
}

// MergeAll skips the empty partials with their lock held.
func (a *agg) MergeAll(parts []*partial) {
	for _, p := range parts {
		p.mu.Lock()
		if p.n == 0 {
			continue // want `p.mu is still locked at this continue \(locked at line 20\), though the rest of the iteration calls p.mu.Unlock`
		}
		a.total += p.sum
		a.count += p.n
		p.sum, p.n = 0, 0
		p.mu.Unlock()
	}
}

// MergeNonEmpty unlocks before it skips: fine.
func (a *agg) MergeNonEmpty(parts []*partial) {
	for _, p := range parts {
		p.mu.Lock()
		if p.n == 0 {
			p.mu.Unlock()
			continue
		}
		a.total += p.sum
		p.mu.Unlock()
	}
}

// Drain breaks out with the lock and releases it after the loop: fine.
func Drain(mu *sync.Mutex, next func() bool) {
	for {
		mu.Lock()
		if !next() {
			break
		}
		mu.Unlock()
	}
	mu.Unlock()
}

// Scan continues an inner loop while it holds the lock: fine.
func Scan(parts []*partial, rows [][]int) {
	for _, p := range parts {
		p.mu.Lock()
		for _, r := range rows {
			if len(r) == 0 {
				continue
			}
			p.n += len(r)
		}
		p.mu.Unlock()
	}
}

// Deferred unlocks in a deferred call per iteration's function: fine.
func Deferred(parts []*partial) {
	for _, p := range parts {
		func() {
			p.mu.Lock()
			defer p.mu.Unlock()
			if p.n == 0 {
				return
			}
			p.sum = 0
		}()
	}
}

// Retry holds the lock from one attempt to the next on purpose: the top of
// the iteration releases it.
func Retry(mu *sync.Mutex, try func() error) {
	mu.Lock()
	for {
		mu.Unlock()
		mu.Lock()
		if err := try(); err != nil {
			continue
		}
		mu.Unlock()
		return
	}
}
