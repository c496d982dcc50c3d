// Package broken does not type-check; the analyzer must not panic on it.
package broken

import "time"

func Predict(in string) string {
	res := make(chan undefinedType)
	go func() {
		res <- compute(in)
	}()
	select {
	case r := <-res:
		return r
	case <-time.After(time.Second):
		return missing
	}
}

func Loop(xs []int) {
	ch := make(chan int, unknownSize)
	for _, x := range xs {
		go func() { ch <- x }()
	}
	for v := range ch {
		if v.err != nil {
			return
		}
	}
}

func Fan(items []string) {
	ch := make(chan)
	for range items {
		go func() { ch <- 1 }()
	}
	<-ch
}

// Valid code in the same package is still checked.
func Valid(in string) string {
	res := make(chan string)
	go func() {
		res <- in // want `may stop waiting on timeout`
	}()
	select {
	case r := <-res:
		return r
	case <-time.After(time.Second):
		return ""
	}
}
