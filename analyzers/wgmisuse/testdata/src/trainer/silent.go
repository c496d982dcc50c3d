package trainer

import (
	"context"
	"log"
	"sync"
)

func record(g Grad) {}

// Deferred is the correct version.
func Deferred(ctx context.Context, workers []Worker, batch int) []Grad {
	grads := make([]Grad, len(workers))
	var wg sync.WaitGroup
	for i, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g, err := w.Step(ctx, batch)
			if err != nil {
				return
			}
			grads[i] = g
		}()
	}
	wg.Wait()
	return grads
}

// DeferredClosure calls Done from a deferred closure.
func DeferredClosure(ctx context.Context, workers []Worker, batch int) {
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Add(1)
		go func() {
			defer func() {
				log.Printf("worker finished")
				wg.Done()
			}()
			if _, err := w.Step(ctx, batch); err != nil {
				return
			}
		}()
	}
	wg.Wait()
}

// EveryPath calls Done on every path, directly.
func EveryPath(ctx context.Context, workers []Worker, batch int) []Grad {
	grads := make([]Grad, len(workers))
	var wg sync.WaitGroup
	for i, w := range workers {
		wg.Add(1)
		go func() {
			g, err := w.Step(ctx, batch)
			if err != nil {
				wg.Done()
				return
			}
			grads[i] = g
			wg.Done()
		}()
	}
	wg.Wait()
	return grads
}

// BothBranches calls Done in both branches of an if.
func BothBranches(ctx context.Context, w Worker, batch int) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		if g, err := w.Step(ctx, batch); err == nil {
			record(g)
			wg.Done()
		} else {
			wg.Done()
		}
	}()
	wg.Wait()
}

// StraightLine calls Done last with no way around it.
func StraightLine(ctx context.Context, w Worker, batch int) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		g, _ := w.Step(ctx, batch)
		record(g)
		wg.Done()
	}()
	wg.Wait()
}

// PanicPath only skips Done by panicking, which is out of scope.
func PanicPath(ctx context.Context, w Worker, batch int) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		g, err := w.Step(ctx, batch)
		if err != nil {
			panic(err)
		}
		if len(g) == 0 {
			log.Fatal("empty gradient")
		}
		record(g)
		wg.Done()
	}()
	wg.Wait()
}

// PerItem counts gradients, not goroutines: Done in a loop is not judged.
func PerItem(in <-chan Grad, n int) {
	var wg sync.WaitGroup
	wg.Add(n)
	go func() {
		for g := range in {
			record(g)
			wg.Done()
		}
	}()
	wg.Wait()
}

func onFinish(f func()) { defer f() }

// MethodValue hands Done over as a callback: not followed.
func MethodValue(ctx context.Context, w Worker, batch int) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		if _, err := w.Step(ctx, batch); err != nil {
			onFinish(wg.Done)
			return
		}
		wg.Done()
	}()
	wg.Wait()
}
