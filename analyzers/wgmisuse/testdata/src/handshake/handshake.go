// Package handshake publishes a batch of predictions asynchronously: a
// producer goroutine counts each pending acknowledgement as it publishes,
// and tells the caller when it is done.
package handshake

import (
	"errors"
	"sync"
)

type Ack struct{ ok chan struct{} }

func publish(i int) (*Ack, error) { return &Ack{ok: make(chan struct{})}, nil }

// PublishAll: every Add happens before done is sent, and the caller
// receives done before it waits.
func PublishAll(n int) error {
	var wg sync.WaitGroup
	acks := make(chan *Ack, n)
	errs := make(chan error, 1)
	done := make(chan struct{})
	go func() {
		for i := 0; i < n; i++ {
			ack, err := publish(i)
			if err != nil {
				errs <- err
				return
			}
			acks <- ack
			wg.Add(1)
		}
		close(acks)
		done <- struct{}{}
	}()
	select {
	case <-done:
	case err := <-errs:
		return err
	}
	for a := range acks {
		go func() {
			defer wg.Done()
			<-a.ok
		}()
	}
	wg.Wait()
	return nil
}

// RangeClosed: the caller ranges over the channel the producer closes
// after its last Add.
func RangeClosed(n int) {
	var wg sync.WaitGroup
	acks := make(chan *Ack)
	go func() {
		defer close(acks)
		for i := 0; i < n; i++ {
			ack, _ := publish(i)
			wg.Add(1)
			acks <- ack
		}
	}()
	for a := range acks {
		go func() {
			defer wg.Done()
			<-a.ok
		}()
	}
	wg.Wait()
}

// ---- reported ----

// SignalFirst tells the caller it started before it adds.
func SignalFirst(n int, pending chan<- int) {
	var wg sync.WaitGroup
	started := make(chan struct{})
	go func() {
		close(started)
		for i := 0; i < n; i++ {
			wg.Add(1) // want `wg.Add is called inside the goroutine` `wg.Add is never matched by a Done`
			pending <- i
		}
	}()
	<-started
	wg.Wait()
}

// NoReceive waits without hearing from the producer on one path.
func NoReceive(n int, fast bool) error {
	var wg sync.WaitGroup
	done := make(chan struct{})
	go func() {
		for i := 0; i < n; i++ {
			if _, err := publish(i); err != nil {
				break
			}
			wg.Add(1) // want `wg.Add is called inside the goroutine` `wg.Add is never matched by a Done`
		}
		close(done)
	}()
	if !fast {
		<-done
	}
	wg.Wait()
	if n < 0 {
		return errors.New("negative")
	}
	return nil
}
