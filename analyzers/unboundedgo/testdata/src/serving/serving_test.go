package serving

import (
	"context"
	"sync"
	"testing"
)

// Tests start goroutines in loops too; a stress loop over a fixed count and
// a table of cases are not input-driven.
func TestConcurrentInfer(t *testing.T) {
	var wg sync.WaitGroup
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			infer(Request{})
		}()
	}
	tests := []struct{ prompt string }{{"a"}, {"b"}}
	for _, tc := range tests {
		wg.Go(func() { Literal(context.Background(), Model{}, Model{}, Model{}, Request{Prompt: tc.prompt}) })
	}
	wg.Wait()
}
