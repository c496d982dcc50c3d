// Package callsext is another package whose functions send on the
// channels they are given.
package callsext

// Produce sends n values on out.
func Produce(out chan<- int, n int) {
	for i := 0; i < n; i++ {
		out <- i
	}
}

// Report sends one value on out.
func Report(out chan<- int, v int) { out <- v }
