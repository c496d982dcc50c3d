package returned

import (
	"context"

	"returnedext"
)

// The generator is in another package: its summary arrives as a fact.
func FirstEven(n int) int {
	for v := range returnedext.Numbers(n) { // want `the goroutine started by Numbers blocks forever on its next send on the channel it returns when FirstEven returns at line 13`
		if v%2 == 0 {
			return v
		}
	}
	return -1
}

func ReportOrCancel(ctx context.Context, v int) (int, error) {
	ch := make(chan int)
	go returnedext.Report(ch, v) // want `goroutine Report blocks forever on send on out when ReportOrCancel returns at line 26: nothing receives from it on that path`
	select {
	case x := <-ch:
		return x, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// ---- silent ----

func SumOther(n int) int {
	total := 0
	for v := range returnedext.Numbers(n) {
		total += v
	}
	return total
}

func ReportBuffered(ctx context.Context, v int) (int, error) {
	ch := make(chan int, 1)
	go returnedext.Report(ch, v)
	select {
	case x := <-ch:
		return x, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}
