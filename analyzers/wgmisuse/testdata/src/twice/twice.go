// Package twice holds goroutines that call Done both in a defer and
// explicitly on an error path.
package twice

import (
	"errors"
	"sync"
)

func write(name string) error {
	if name == "" {
		return errors.New("empty name")
	}
	return nil
}

// WriteAll counts a failed shard down twice.
func WriteAll(names []string) []error {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	for _, n := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := write(n); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
				wg.Done() // want `wg.Done is deferred \(line 25\) and called here too: the goroutine counts itself down twice`
				return
			}
		}()
	}
	wg.Wait()
	return errs
}

// WriteEach only defers: fine.
func WriteEach(names []string) {
	var wg sync.WaitGroup
	for _, n := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := write(n); err != nil {
				return
			}
		}()
	}
	wg.Wait()
}

// WriteSplit adds for the retry it starts itself, and counts it down: fine.
func WriteSplit(names []string) {
	var wg sync.WaitGroup
	for _, n := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := write(n); err != nil {
				wg.Add(1)
				_ = write(n + ".retry")
				wg.Done()
			}
		}()
	}
	wg.Wait()
}

// WriteLate defers Done only after the early exit, which counts itself
// down: each path once, fine.
func WriteLate(names []string) {
	var wg sync.WaitGroup
	for _, n := range names {
		wg.Add(1)
		go func() {
			if n == "" {
				wg.Done()
				return
			}
			defer wg.Done()
			_ = write(n)
		}()
	}
	wg.Wait()
}

// WriteTwoGroups defers one group's Done and calls the other's: fine.
func WriteTwoGroups(names []string) {
	var all, failed sync.WaitGroup
	for _, n := range names {
		all.Add(1)
		failed.Add(1)
		go func() {
			defer all.Done()
			if err := write(n); err != nil {
				failed.Done()
				return
			}
			failed.Done()
		}()
	}
	all.Wait()
	failed.Wait()
}
