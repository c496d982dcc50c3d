// Package returnedext is another package whose functions start goroutines
// that send: what they do reaches their callers as facts.
package returnedext

// Numbers sends 0..n-1 from its goroutine, then closes.
func Numbers(n int) <-chan int {
	out := make(chan int)
	go func() {
		defer close(out)
		for i := 0; i < n; i++ {
			out <- i
		}
	}()
	return out
}

// Report sends v on out.
func Report(out chan<- int, v int) { out <- v }
