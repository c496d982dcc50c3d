package inference

import "golang.org/x/sync/errgroup"

// Tokenize tokenizes every prompt at once.
func Tokenize(prompts []string) ([][]int, error) {
	var eg errgroup.Group
	out := make([][]int, len(prompts))
	for i := range prompts {
		eg.Go(func() error { // want `goroutine started by eg.Go for every element of prompts`
			out[i] = make([]int, len(prompts[i]))
			return nil
		})
	}
	return out, eg.Wait()
}
