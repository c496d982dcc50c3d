package returned

import "time"

// Each sends every element of xs, then closes: a generic generator.
func Each[T any](xs []T) <-chan T {
	out := make(chan T)
	go func() {
		for _, x := range xs {
			out <- x
		}
		close(out)
	}()
	return out
}

func FirstEmpty(names []string) string {
	for n := range Each(names) { // want `the goroutine started by Each\[string\] blocks forever on its next send on the channel it returns when FirstEmpty returns at line 20`
		if n == "" {
			return n
		}
	}
	return "none"
}

func put[T any](ch chan<- T, v T) { ch <- v } // want `goroutine put\[float64\] blocks forever on send on ch when PutWithin returns at line 35`

func PutWithin(v float64, d time.Duration) (float64, bool) {
	ch := make(chan float64)
	go put(ch, v)
	select {
	case x := <-ch:
		return x, true
	case <-time.After(d):
		return 0, false
	}
}

// ---- silent ----

func CountAll(names []string) int {
	n := 0
	for range Each(names) {
		n++
	}
	return n
}
