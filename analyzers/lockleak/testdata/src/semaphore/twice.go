package semaphore

import "errors"

var errBatch = errors.New("batch failed")

// Limiter bounds the batches in flight.
type Limiter struct {
	sem  chan struct{}
	logs chan struct{}
}

// Run gives the slot back twice when fn fails.
func (l *Limiter) Run(fn func() error) error {
	l.sem <- struct{}{}
	defer func() { <-l.sem }()
	if err := fn(); err != nil {
		<-l.sem // want `the slot taken from semaphore l.sem at line 15 is given back here and again by the release deferred at line 16`
		return errBatch
	}
	return nil
}

// RunYield lets the slot go around a slow step and takes it back: fine.
func (l *Limiter) RunYield(fn, slow func() error) error {
	l.sem <- struct{}{}
	defer func() { <-l.sem }()
	if err := fn(); err != nil {
		<-l.sem
		_ = slow()
		l.sem <- struct{}{}
		return errBatch
	}
	return nil
}

// RunEarly gives the slot back before the deferred release exists: fine.
func (l *Limiter) RunEarly(ok func() bool, fn func() error) error {
	l.sem <- struct{}{}
	if !ok() {
		<-l.sem
		return errBatch
	}
	defer func() { <-l.sem }()
	return fn()
}

// RunTwoLimits releases the other limit explicitly: fine.
func (l *Limiter) RunTwoLimits(fn func() error) error {
	l.sem <- struct{}{}
	defer func() { <-l.sem }()
	l.logs <- struct{}{}
	if err := fn(); err != nil {
		<-l.logs
		return err
	}
	<-l.logs
	return nil
}
