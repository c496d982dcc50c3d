// Package guarded runs preprocessing workers whose WaitGroup is optional:
// callers that want to wait pass one, others pass nil.
package guarded

import (
	"errors"
	"log"
	"sync"
	"testing"

	"die"
)

type Batch []float32

func normalize(b Batch) error {
	if len(b) == 0 {
		return errors.New("empty batch")
	}
	return nil
}

// Preprocess counts the worker only when the caller gave a WaitGroup, and
// signals it under the same guard: on the path where wg is nil there was
// no Add either.
func Preprocess(b Batch, wg *sync.WaitGroup) {
	if wg != nil {
		wg.Add(1)
	}
	go func() {
		_ = normalize(b)
		if wg != nil {
			wg.Done()
		}
	}()
}

// Pipeline keeps the optional WaitGroup in a field.
type Pipeline struct {
	wg    *sync.WaitGroup
	track bool
	count sync.WaitGroup
}

func (p *Pipeline) Submit(b Batch) {
	if p.wg != nil {
		p.wg.Add(1)
	}
	go func() {
		if err := normalize(b); err != nil {
			log.Printf("normalize: %v", err)
		}
		if p.wg == nil {
			return
		}
		p.wg.Done()
	}()
}

// SubmitTracked counts only when tracking is on, and guards Done with the
// same flag: the value is the same on both guards.
func (p *Pipeline) SubmitTracked(b Batch) {
	track := p.track
	if track {
		p.count.Add(1)
	}
	go func() {
		_ = normalize(b)
		if track {
			p.count.Done()
		}
	}()
}

// Fatal paths end the process: they skip nothing.
func Fatal(b Batch) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		if err := normalize(b); err != nil {
			die.On(err)
		}
		wg.Done()
	}()
	wg.Wait()
}

func fail(err error) { log.Fatalf("preprocess: %v", err) }

// FatalHelper ends the process through a helper of this package.
func FatalHelper(b Batch) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		if err := normalize(b); err != nil {
			fail(err)
		}
		wg.Done()
	}()
	wg.Wait()
}

// InTest: t.Fatal ends the test goroutine.
func InTest(t *testing.T, b Batch) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		if err := normalize(b); err != nil {
			t.Fatal(err)
		}
		wg.Done()
	}()
	wg.Wait()
}

// ---- reported: the guard does not match what was counted ----

// GuardOnlyDone counts unconditionally but skips Done when the flag is off.
func (p *Pipeline) GuardOnlyDone(b Batch) {
	track := p.track
	p.count.Add(1)
	go func() {
		_ = normalize(b)
		if track {
			p.count.Done() // want `p.count.Done is not deferred and a path to the end of the goroutine \(line 127\) skips it`
		}
	}()
	p.count.Wait()
}

// OtherGuard adds under one flag and signals under another.
func (p *Pipeline) OtherGuard(b Batch, verbose bool) {
	if p.track {
		p.count.Add(1)
	}
	go func() {
		_ = normalize(b)
		if verbose {
			p.count.Done() // want `p.count.Done is not deferred`
		}
	}()
}

// NilThenError: the nil guard is fine, the error return is not.
func NilThenError(b Batch, wg *sync.WaitGroup) {
	if wg != nil {
		wg.Add(1)
	}
	go func() {
		if err := normalize(b); err != nil {
			return
		}
		if wg != nil {
			wg.Done() // want `wg.Done is not deferred and the return at line 151 skips it`
		}
	}()
}

// Reassigned: the flag changes inside the goroutine, so the guard no
// longer says what it said at the Add.
func (p *Pipeline) Reassigned(b Batch) {
	track := true
	if track {
		p.count.Add(1)
	}
	go func() {
		track = normalize(b) == nil
		if track {
			p.count.Done() // want `p.count.Done is not deferred`
		}
	}()
}
