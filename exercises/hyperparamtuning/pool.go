package hyperparamtuning

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/asyncbook/asyncbook/exercises/simworld"
)

// Errors of the accelerator pool, for errors.Is.
var (
	// ErrDeviceFailed is returned by an epoch on an unhealthy device (an
	// uncorrectable memory error, a fallen-off-the-bus GPU). The device stays
	// broken: the search cannot trust its results and must stop with it.
	ErrDeviceFailed = errors.New("accelerator failed")
	// ErrNotHeld is returned by an epoch on a device that was released.
	ErrNotHeld = errors.New("accelerator used after release")
	// ErrDeviceBusy is returned by an epoch on a device already running one.
	ErrDeviceBusy = errors.New("accelerator already running a job")
)

// Pool is a machine's accelerators. Acquire waits until a device is free (or
// ctx is done) and hands it out; Release gives it back for the next trial.
// A device runs one epoch at a time. It is safe for concurrent use.
type Pool struct {
	rec     *simworld.Recorder
	devices []*Accelerator
	hooks   hooks

	mu        sync.Mutex
	free      []*Accelerator // first in, first out: devices are reused in turn
	freed     chan struct{}  // closed and replaced when a device is released
	inUse     int
	maxInUse  int
	acquired  int
	released  int
	misuses   int
	waiting   int // Acquire calls blocked now
	runs      int // epochs started
	runsMoved chan struct{}

	// held records each hold of a device (Acquire to Release) and misused
	// each misuse, with the stacks that made them, so that a property can
	// point at the code responsible.
	held, misused *simworld.Recorder
}

// Accelerator is one device of the pool, held between Acquire and Release.
type Accelerator struct {
	pool     *Pool
	name     string
	resource string
	// failAt is the number of the device's epoch (1-based) from which it
	// fails with ErrDeviceFailed; 0 means it stays healthy.
	failAt int
	// guarded by pool.mu
	held    bool
	running bool
	epochs  int
	release func(error) // ends the device's hold on pool.held
}

// hooks let a property's world arrange a situation: they are called by the
// pool with no lock held. Any of them may be nil.
type hooks struct {
	// duration overrides an epoch's length.
	duration func(t Trial, epoch int) (time.Duration, bool)
	// gate is called after an epoch's work and before it ends: it may hold
	// the epoch back until something happened elsewhere in the world.
	gate func(ctx context.Context, t Trial, epoch int)
	// started is called when an epoch begins.
	started func(t Trial, epoch int)
	// finished is called when an epoch completed, before TrainEpoch
	// returns its loss.
	finished func(t Trial, epoch int)
}

// NewPool returns a pool of n healthy devices recording their epochs on rec
// under "accelerator/gpuK". It panics if n is not positive.
func NewPool(rec *simworld.Recorder, n int) *Pool {
	if n <= 0 {
		panic(fmt.Sprintf("hyperparamtuning.NewPool: need a positive size, got %d", n))
	}
	p := &Pool{rec: rec, freed: make(chan struct{}), runsMoved: make(chan struct{}), held: rec.Sibling(), misused: rec.Sibling()}
	for i := range n {
		name := fmt.Sprintf("gpu%d", i)
		a := &Accelerator{pool: p, name: name, resource: "accelerator/" + name}
		p.devices = append(p.devices, a)
		p.free = append(p.free, a)
	}
	return p
}

// failFrom makes device i fail from its epoch-th epoch on.
func (p *Pool) failFrom(i, epoch int) { p.devices[i].failAt = epoch }

// Size returns the number of devices.
func (p *Pool) Size() int { return len(p.devices) }

// Acquire takes a free device, waiting while all are held. It returns
// ctx.Err() if ctx is done before a device is free, and never hands out a
// device when ctx is already done.
func (p *Pool) Acquire(ctx context.Context) (*Accelerator, error) {
	counted := false
	defer func() {
		if counted {
			p.mu.Lock()
			p.waiting--
			p.mu.Unlock()
		}
	}()
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		p.mu.Lock()
		if len(p.free) > 0 {
			a := p.free[0]
			p.free = p.free[1:]
			a.held = true
			a.release = p.held.Begin(a.name, "")
			p.inUse++
			p.maxInUse = max(p.maxInUse, p.inUse)
			p.acquired++
			p.mu.Unlock()
			return a, nil
		}
		if !counted {
			counted = true
			p.waiting++
		}
		freed := p.freed
		p.mu.Unlock()
		select {
		case <-freed:
		case <-ctx.Done():
		}
	}
}

// Name returns the device's name: "gpu0", "gpu1", ...
func (a *Accelerator) Name() string { return a.name }

// Release returns the device to its pool. Releasing a device that is not
// held, or that is still running an epoch, is a misuse and is counted.
func (a *Accelerator) Release() {
	p := a.pool
	p.mu.Lock()
	defer p.mu.Unlock()
	if !a.held || a.running {
		p.misuses++
		if !a.held {
			p.misused.Begin(a.name, "released although not held")(nil)
			return
		}
		p.misused.Begin(a.name, "released while it runs an epoch")(nil)
	}
	a.held = false
	a.release(nil)
	p.inUse--
	p.released++
	p.free = append(p.free, a)
	close(p.freed)
	p.freed = make(chan struct{})
}

// train runs trial t's epoch on the device: the work behind TrainEpoch.
func (a *Accelerator) train(ctx context.Context, t Trial, epoch int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p := a.pool
	label := fmt.Sprintf("%s epoch %d", t.Name, epoch)
	p.mu.Lock()
	switch {
	case !a.held:
		p.misuses++
		p.misused.Begin(a.name, "given an epoch although not held")(nil)
		p.mu.Unlock()
		return ErrNotHeld
	case a.running:
		p.misuses++
		p.misused.Begin(a.name, "given an epoch while it runs one")(nil)
		p.mu.Unlock()
		return ErrDeviceBusy
	}
	a.running = true
	a.epochs++
	broken := a.failAt > 0 && a.epochs >= a.failAt
	end := p.rec.Begin(a.resource, label)
	p.runs++
	close(p.runsMoved)
	p.runsMoved = make(chan struct{})
	p.mu.Unlock()

	if p.hooks.started != nil {
		p.hooks.started(t, epoch)
	}
	d := t.EpochTime
	if p.hooks.duration != nil {
		if o, ok := p.hooks.duration(t, epoch); ok {
			d = o
		}
	}
	var err error
	if broken {
		// The device dies part-way through the epoch.
		if err = simworld.Sleep(ctx, d/2); err == nil {
			err = ErrDeviceFailed
		}
	} else {
		err = simworld.Sleep(ctx, d)
		if err == nil && p.hooks.gate != nil {
			p.hooks.gate(ctx, t, epoch)
			err = ctx.Err()
		}
	}
	end(err)
	p.mu.Lock()
	a.running = false
	p.mu.Unlock()
	if err == nil && p.hooks.finished != nil {
		p.hooks.finished(t, epoch)
	}
	return err
}

// InUse returns how many devices are held now.
func (p *Pool) InUse() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.inUse
}

// MaxInUse returns the most devices ever held at once.
func (p *Pool) MaxInUse() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.maxInUse
}

// Acquired counts the devices handed out by Acquire.
func (p *Pool) Acquired() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.acquired
}

// Released counts the successful Release calls.
func (p *Pool) Released() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.released
}

// Misuses counts double releases, releases of a busy device and epochs on a
// device not held or already busy.
func (p *Pool) Misuses() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.misuses
}

// Waiting returns how many Acquire calls are waiting for a device now.
func (p *Pool) Waiting() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.waiting
}

// Runs returns how many epochs were started on the pool's devices.
func (p *Pool) Runs() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.runs
}

// AwaitRuns blocks until n epochs in all have started on the pool's
// devices, or ctx is done.
func (p *Pool) AwaitRuns(ctx context.Context, n int) error {
	for {
		p.mu.Lock()
		done, moved := p.runs >= n, p.runsMoved
		p.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-moved:
		case <-ctx.Done():
			return fmt.Errorf("wait for %d epochs on the accelerator pool: %w", n, ctx.Err())
		}
	}
}
