// Package calls has goroutine literals that send on the channel through
// functions of the package they call.
package calls

import (
	"callsext"
	"context"
	"errors"
	"time"
)

type result struct {
	v   int
	err error
}

func compute(n int) result { return result{v: n} }

func use(v int) error {
	if v < 0 {
		return errors.New("negative")
	}
	return nil
}

// produce sends n values with no way out.
func produce(out chan<- int, n int) {
	for i := 0; i < n; i++ {
		out <- i
	}
}

// produceCtx gives up when ctx is cancelled.
func produceCtx(ctx context.Context, out chan<- int, n int) {
	for i := 0; i < n; i++ {
		select {
		case out <- i:
		case <-ctx.Done():
			return
		}
	}
}

// emit sends one value; emitAll calls it in a loop.
func emit(out chan<- int, v int) { out <- v }

func emitAll(out chan<- int, vs []int) {
	for _, v := range vs {
		emit(out, v)
	}
}

// report sends a single result.
func report(out chan<- result, r result) { out <- r }

type pump struct{ n int }

func (p *pump) run(out chan<- int) {
	for i := 0; i < p.n; i++ {
		out <- i
	}
}

var sinks []chan<- int

// register keeps the channel: someone else may receive from it.
func register(out chan<- int) {
	sinks = append(sinks, out)
	out <- 1
}

// relay hands the channel to a goroutine of its own.
func relay(out chan<- int, n int) {
	go produce(out, n)
}

// ConsumeUntilCancel returns on cancellation and strands the producer in
// produce.
func ConsumeUntilCancel(ctx context.Context, n int, sink chan<- int) error {
	ch := make(chan int)
	go func() {
		defer close(ch)
		produce(ch, n) // want `producer goroutine may block forever sending on ch through produce \(line 29\): the consumer loop returns at line 88 without draining ch or cancelling the producer`
	}()
	for v := range ch {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case sink <- v:
		}
	}
	return nil
}

// FirstError returns on the first value that fails.
func FirstError(vs []int) error {
	ch := make(chan int)
	go func() {
		defer close(ch)
		emitAll(ch, vs) // want `producer goroutine may block forever sending on ch through emitAll \(line \d+\): the consumer loop returns at line 104`
	}()
	for v := range ch {
		if err := use(v); err != nil {
			return err
		}
	}
	return nil
}

// Method stops after the first value over a limit.
func Method(p *pump, limit int) int {
	ch := make(chan int, 4)
	go func() {
		defer close(ch)
		p.run(ch) // want `producer goroutine may block forever sending on ch through run \(line \d+\): the consumer loop breaks out at line 121`
	}()
	sum := 0
	for v := range ch {
		sum += v
		if sum > limit {
			break
		}
	}
	return sum
}

// PerItem calls a one-value helper in the goroutine's own loop.
func PerItem(ctx context.Context, vs []int) error {
	ch := make(chan int)
	go func() {
		defer close(ch)
		for _, v := range vs {
			emit(ch, v) // want `producer goroutine may block forever sending on ch through emit \(line \d+\): the consumer loop returns at line 138`
		}
	}()
	for v := range ch {
		if err := use(v); err != nil {
			return err
		}
	}
	return nil
}

// Predict strands the goroutine in report when the timeout wins.
func Predict(ctx context.Context, n int) (result, error) {
	ch := make(chan result)
	go func() {
		report(ch, compute(n)) // want `goroutine sends on unbuffered channel ch through report \(line \d+\), but the receiver may stop waiting on timeout \(line 153\): the goroutine blocks forever`
	}()
	select {
	case r := <-ch:
		return r, nil
	case <-time.After(time.Second):
		return result{}, errors.New("timeout")
	}
}

// EarlyReturn returns before receiving when the context is already done.
func EarlyReturn(ctx context.Context, n int) (result, error) {
	ch := make(chan result)
	go func() { report(ch, compute(n)) }() // want `goroutine sends on unbuffered channel ch through report \(line \d+\), but the function may return first \(line 163\)`
	if err := ctx.Err(); err != nil {
		return result{}, err
	}
	return <-ch, nil
}

// Near misses: silent.

// Drained: the consumer drains the channel after leaving the loop.
func Drained(vs []int) error {
	ch := make(chan int)
	go func() {
		defer close(ch)
		emitAll(ch, vs)
	}()
	var err error
	for v := range ch {
		if err = use(v); err != nil {
			break
		}
	}
	for range ch {
	}
	return err
}

// SizedBuffer: the buffer holds one value per item the goroutine sends.
func SizedBuffer(vs []int) error {
	ch := make(chan int, len(vs))
	go func() {
		defer close(ch)
		for _, v := range vs {
			emit(ch, v)
		}
	}()
	for v := range ch {
		if err := use(v); err != nil {
			return err
		}
	}
	return nil
}

// CalleeSelects: the producer's callee gives up on cancellation.
func CalleeSelects(ctx context.Context, n int, sink chan<- int) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch := make(chan int)
	go func() {
		defer close(ch)
		produceCtx(ctx, ch, n)
	}()
	for v := range ch {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case sink <- v:
		}
	}
	return nil
}

// OtherPackage: what callsext does is not followed.
func OtherPackage(ctx context.Context, n int) (int, error) {
	ch := make(chan int)
	go func() {
		defer close(ch)
		callsext.Produce(ch, n)
	}()
	for v := range ch {
		if err := use(v); err != nil {
			return 0, err
		}
	}
	res := make(chan int)
	go func() { callsext.Report(res, n) }()
	select {
	case v := <-res:
		return v, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// BufferOne: the helper sends once and the buffer holds it.
func BufferOne(ctx context.Context, n int) (result, error) {
	ch := make(chan result, 1)
	go func() { report(ch, compute(n)) }()
	select {
	case r := <-ch:
		return r, nil
	case <-ctx.Done():
		return result{}, ctx.Err()
	}
}

// Kept: register stores the channel, relay hands it to a goroutine of its
// own: the channel escapes.
func Kept(ctx context.Context, n int) (int, error) {
	a := make(chan int)
	go func() { register(a) }()
	select {
	case v := <-a:
		return v, nil
	case <-ctx.Done():
	}
	b := make(chan int)
	go func() { relay(b, n) }()
	select {
	case v := <-b:
		return v, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// work ranges over jobs until it is closed.
func work(jobs <-chan int, sink func(int)) {
	for j := range jobs {
		sink(j)
	}
}

// workUntil stops at a negative job.
func workUntil(jobs <-chan int, sink func(int)) {
	for j := range jobs {
		if j < 0 {
			return
		}
		sink(j)
	}
}

// NeverClosed: nothing closes jobs, the worker ranges forever.
func NeverClosed(vs []int, sink func(int)) {
	jobs := make(chan int)
	go func() { work(jobs, sink) }() // want `range over jobs through work \(line \d+\) never ends: no path closes jobs \(the goroutine ranging blocks forever\)`
	for _, v := range vs {
		jobs <- v
	}
}

// Closed: the spawner closes jobs after the last send.
func Closed(vs []int, sink func(int)) {
	jobs := make(chan int)
	go func() { work(jobs, sink) }()
	for _, v := range vs {
		jobs <- v
	}
	close(jobs)
}

// Sentinel: the worker leaves on a negative job, which the spawner sends.
func Sentinel(vs []int, sink func(int)) {
	jobs := make(chan int)
	go func() { workUntil(jobs, sink) }()
	for _, v := range vs {
		jobs <- v
	}
	jobs <- -1
}

// produceFour sends four values.
func produceFour(out chan<- int) {
	for i := 0; i < 4; i++ {
		out <- i
	}
}

// BufferHoldsAll: the buffer holds every value produceFour sends.
func BufferHoldsAll(ctx context.Context, sink chan<- int) error {
	ch := make(chan int, 4)
	go func() {
		defer close(ch)
		produceFour(ch)
	}()
	for v := range ch {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case sink <- v:
		}
	}
	return nil
}

// BufferTooSmall: two of produceFour's values do not fit.
func BufferTooSmall(ctx context.Context, sink chan<- int) error {
	ch := make(chan int, 2)
	go func() {
		defer close(ch)
		produceFour(ch) // want `producer goroutine may block forever sending on ch through produceFour \(line \d+\): the consumer loop returns`
	}()
	for v := range ch {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case sink <- v:
		}
	}
	return nil
}

// FirstFailure returns on the first failed result; the other goroutines
// stay blocked in report.
func FirstFailure(ns []int) error {
	ch := make(chan result)
	for _, n := range ns {
		go func() { report(ch, compute(n)) }() // want `goroutines started in a loop send on unbuffered channel ch through report \(line \d+\), but the receive loop returns at line \d+ before receiving from all of them`
	}
	for range ns {
		if r := <-ch; r.err != nil {
			return r.err
		}
	}
	return nil
}

// FirstFailureBuffered: every result fits in the buffer.
func FirstFailureBuffered(ns []int) error {
	ch := make(chan result, len(ns))
	for _, n := range ns {
		go func() { report(ch, compute(n)) }()
	}
	for range ns {
		if r := <-ch; r.err != nil {
			return r.err
		}
	}
	return nil
}

// take receives one value.
func take(in <-chan int, sink func(int)) { sink(<-in) }

// OneReceive: a receive through a call, with nothing closing the channel
// and no range: nothing to report.
func OneReceive(sink func(int)) {
	ch := make(chan int)
	go func() { take(ch, sink) }()
	ch <- 1
}

// Alias: the goroutine's parameter is the channel.
func Alias(ctx context.Context, n int, sink chan<- int) error {
	ch := make(chan int)
	go func(out chan<- int) {
		defer close(out)
		produce(out, n) // want `producer goroutine may block forever sending on ch through produce \(line 29\): the consumer loop returns`
	}(ch)
	for v := range ch {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case sink <- v:
		}
	}
	return nil
}
