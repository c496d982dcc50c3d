// Package serving holds tickers and timers of a model server: leaks the
// analyzer reports without a fix, and correct code it must leave alone.
package serving

import (
	"context"
	"log"
	"time"
)

type Request struct{ ID string }

type Server struct {
	queue   chan Request
	ticker  *time.Ticker
	flushes chan *time.Ticker
}

func (s *Server) flush([]Request) {}
func (s *Server) report()         {}
func watch(t *time.Ticker)        {}

// --- reported, no fix ---

// Batcher creates a flush timer per batch inside the loop: a defer would pile
// up, so no fix is offered.
func (s *Server) Batcher(ctx context.Context, maxWait time.Duration) {
	for {
		var batch []Request
		flush := time.NewTimer(maxWait) // want `timer flush is never stopped`
	collect:
		for {
			select {
			case r := <-s.queue:
				batch = append(batch, r)
			case <-flush.C:
				break collect
			case <-ctx.Done():
				return
			}
		}
		s.flush(batch)
	}
}

// StartReporter hands the ticker to a goroutine that never stops it; deferring
// Stop in StartReporter would silence the reporter, so no fix.
func (s *Server) StartReporter(ctx context.Context) {
	t := time.NewTicker(time.Second) // want `ticker t is never stopped`
	go func() {
		for {
			select {
			case <-t.C:
				s.report()
			case <-ctx.Done():
				return
			}
		}
	}()
}

// Heartbeat ranges over the channel of a ticker it never names.
func Heartbeat(ctx context.Context, beat func() bool) {
	for range time.NewTicker(time.Second).C { // want `ticker from time.NewTicker is never stopped and cannot be`
		if !beat() {
			return
		}
	}
}

// Warm waits for a timer only on one branch.
func Warm(ctx context.Context, skip bool) {
	t := time.NewTimer(time.Second) // want `timer t is never stopped`
	if skip {
		return
	}
	<-t.C
}

// --- silent ---

// Deferred stops its ticker with defer.
func (s *Server) Deferred(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			s.report()
		case <-ctx.Done():
			return
		}
	}
}

// StopOnOnePath stops the timer on the path that stops waiting.
func StopOnOnePath(ctx context.Context, out chan []float32) []float32 {
	t := time.NewTimer(time.Second)
	select {
	case y := <-out:
		if !t.Stop() {
			<-t.C
		}
		return y
	case <-t.C:
		return nil
	}
}

// DeferredClosure stops it in a deferred closure.
func DeferredClosure(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer func() {
		t.Stop()
		log.Print("reporter stopped")
	}()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// MethodValue keeps Stop as a method value.
func MethodValue(ctx context.Context) {
	t := time.NewTimer(time.Second)
	stop := t.Stop
	defer stop()
	<-ctx.Done()
}

// NewReporterTicker returns the ticker: the caller owns it.
func NewReporterTicker(d time.Duration) *time.Ticker {
	t := time.NewTicker(d)
	t.Reset(d)
	return t
}

// Field stores the ticker in the server: Close stops it.
func (s *Server) Field() {
	s.ticker = time.NewTicker(time.Second)
	t := time.NewTicker(time.Minute)
	s.ticker = t
}

// Close stops the stored ticker.
func (s *Server) Close() { s.ticker.Stop() }

// Passed hands the ticker to another function.
func Passed() {
	t := time.NewTicker(time.Second)
	watch(t)
}

// Sent sends the ticker to its owner.
func (s *Server) Sent() {
	t := time.NewTicker(time.Second)
	s.flushes <- t
}

// Stored keeps the ticker in a struct literal.
func Stored() *Server {
	t := time.NewTicker(time.Second)
	return &Server{ticker: t}
}

// Pause waits for its timer unconditionally: it fires, nothing is held.
func Pause(d time.Duration) {
	t := time.NewTimer(d)
	log.Print("pausing")
	<-t.C
}

// PauseValue receives the time the timer fired.
func PauseValue(d time.Duration) time.Time {
	t := time.NewTimer(d)
	at := <-t.C
	return at
}

// PauseChecked checks the time the timer fired.
func PauseChecked(d time.Duration, start time.Time) bool {
	t := time.NewTimer(d)
	if at := <-t.C; at.Before(start) {
		return false
	}
	return true
}

// Forever drives a reporter that never returns: stopping the ticker is moot.
func (s *Server) Forever() {
	t := time.NewTicker(time.Second)
	for range t.C {
		s.report()
	}
}

// ForeverSelect loops forever over its ticker and the queue.
func (s *Server) ForeverSelect() {
	t := time.NewTicker(time.Second)
	var batch []Request
	for {
		select {
		case r := <-s.queue:
			batch = append(batch, r)
		case <-t.C:
			s.flush(batch)
			batch = nil
		}
		if len(batch) > 64 {
			continue
		}
	}
}

// ForeverReporter hands the ticker to a goroutine that reports forever.
func (s *Server) ForeverReporter() {
	t := time.NewTicker(time.Second)
	go func() {
		for range t.C {
			s.report()
		}
	}()
}

// ForeverTimer reuses one timer with Reset in an endless loop.
func (s *Server) ForeverTimer(d time.Duration) {
	t := time.NewTimer(d)
	for {
		<-t.C
		s.report()
		t.Reset(d)
	}
}

// After uses time.After in a loop: collected since Go 1.23, not reported.
func (s *Server) After(ctx context.Context) {
	for {
		select {
		case <-time.After(time.Second):
			s.report()
		case <-ctx.Done():
			return
		}
	}
}

// Tick uses time.Tick: not reported.
func (s *Server) Tick(ctx context.Context) {
	for {
		select {
		case <-time.Tick(time.Second):
			s.report()
		case <-ctx.Done():
			return
		}
	}
}

// OneShot receives from an unnamed timer, like time.After.
func OneShot(d time.Duration) {
	<-time.NewTimer(d).C
}

// AfterFunc timers fire once and need no Stop.
func AfterFunc(s *Server) {
	time.AfterFunc(time.Second, s.report)
}

var global = time.NewTicker(time.Hour)

// Global uses a package-level ticker.
func Global() {
	global = time.NewTicker(time.Minute)
}

// Outer assigns a ticker to a variable of the enclosing function from a
// closure: the ticker outlives the closure.
func Outer(ctx context.Context) {
	var t *time.Ticker
	start := func() { t = time.NewTicker(time.Second) }
	start()
	defer t.Stop()
	<-ctx.Done()
}
