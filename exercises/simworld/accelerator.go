package simworld

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Errors of the simulated accelerator pool.
var (
	// ErrNoAccelerator is returned by Acquire when every device is taken:
	// on a real machine, the next job would run out of GPU memory.
	ErrNoAccelerator = errors.New("no free accelerator: all devices in use")
	// ErrNotHeld is returned by Run on a device that was released.
	ErrNotHeld = errors.New("accelerator used after release")
	// ErrDeviceBusy is returned by Run on a device already running a job.
	ErrDeviceBusy = errors.New("accelerator already running a job")
)

// AcceleratorPool is a machine with a fixed number of simulated GPUs. A job
// acquires a device, runs work on it, and releases it. Acquire never waits:
// asking for a device while all are taken is an error, counted, so a caller
// must bound its own concurrency. Work on device K is recorded on the
// Recorder under "accelerator/gpuK". It is safe for concurrent use.
type AcceleratorPool struct {
	rec     *Recorder
	devices []*Accelerator

	mu       sync.Mutex
	inUse    int
	maxInUse int
	acquired int
	released int
	rejected int
	misuses  int
	runs     countWaiter
}

// Accelerator is one device of a pool, held between Acquire and Release.
type Accelerator struct {
	pool     *AcceleratorPool
	name     string
	resource string
	// guarded by pool.mu
	held    bool
	running bool
}

// NewAcceleratorPool returns a pool of n devices recording on rec. It
// panics if n is not positive.
func NewAcceleratorPool(rec *Recorder, n int) *AcceleratorPool {
	if n <= 0 {
		panic(fmt.Sprintf("simworld.NewAcceleratorPool: need a positive size, got %d", n))
	}
	p := &AcceleratorPool{rec: rec}
	for i := range n {
		name := fmt.Sprintf("gpu%d", i)
		p.devices = append(p.devices, &Accelerator{pool: p, name: name, resource: "accelerator/" + name})
	}
	return p
}

// Size returns the number of devices.
func (p *AcceleratorPool) Size() int { return len(p.devices) }

// Acquire takes a free device. It returns ctx.Err() if ctx is done and
// ErrNoAccelerator, at once, if all devices are taken.
func (p *AcceleratorPool) Acquire(ctx context.Context) (*Accelerator, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, a := range p.devices {
		if !a.held {
			a.held = true
			p.inUse++
			p.maxInUse = max(p.maxInUse, p.inUse)
			p.acquired++
			return a, nil
		}
	}
	p.rejected++
	return nil, ErrNoAccelerator
}

// Name returns the device's name: "gpu0", "gpu1", ...
func (a *Accelerator) Name() string { return a.name }

// Release returns the device to its pool. Releasing a device that is not
// held, or that is still running a job, is a misuse and is counted.
func (a *Accelerator) Release() {
	p := a.pool
	p.mu.Lock()
	defer p.mu.Unlock()
	if !a.held || a.running {
		p.misuses++
		if !a.held {
			return
		}
	}
	a.held = false
	p.inUse--
	p.released++
}

// Run does d of simulated work on the device, labelled label in the
// recording. It returns ctx.Err() without starting if ctx is done and
// ctx.Err() as soon as ctx ends during the work. Running on a device that
// is not held or already busy fails with ErrNotHeld or ErrDeviceBusy and is
// counted as a misuse.
func (a *Accelerator) Run(ctx context.Context, label string, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p := a.pool
	p.mu.Lock()
	switch {
	case !a.held:
		p.misuses++
		p.mu.Unlock()
		return fmt.Errorf("run %s on %s: %w", label, a.name, ErrNotHeld)
	case a.running:
		p.misuses++
		p.mu.Unlock()
		return fmt.Errorf("run %s on %s: %w", label, a.name, ErrDeviceBusy)
	}
	a.running = true
	end := p.rec.Begin(a.resource, label)
	p.runs.add()
	p.mu.Unlock()

	err := Sleep(ctx, d)
	end(err)
	p.mu.Lock()
	a.running = false
	p.mu.Unlock()
	return err
}

// InUse returns how many devices are held now.
func (p *AcceleratorPool) InUse() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.inUse
}

// MaxInUse returns the most devices ever held at once.
func (p *AcceleratorPool) MaxInUse() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.maxInUse
}

// Acquired and Released count successful Acquire and Release calls; after
// a well-behaved run they are equal.
func (p *AcceleratorPool) Acquired() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.acquired
}

// Released counts the successful Release calls.
func (p *AcceleratorPool) Released() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.released
}

// Rejected counts the Acquire calls refused with ErrNoAccelerator.
func (p *AcceleratorPool) Rejected() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rejected
}

// Misuses counts double releases, releases of a busy device and runs on a
// device not held or already busy.
func (p *AcceleratorPool) Misuses() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.misuses
}

// Runs returns how many jobs were started on the pool's devices.
func (p *AcceleratorPool) Runs() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.runs.n
}

// AwaitRuns blocks until n jobs in all have started on the pool's devices,
// or ctx is done. Tests use it to act while work is under way without
// sleeping.
func (p *AcceleratorPool) AwaitRuns(ctx context.Context, n int) error {
	p.mu.Lock()
	ch := p.runs.wait(n)
	p.mu.Unlock()
	select {
	case <-ch: // reached already: succeed even if ctx is done
		return nil
	default:
	}
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for %d runs on the accelerator pool: %w", n, ctx.Err())
	}
}
