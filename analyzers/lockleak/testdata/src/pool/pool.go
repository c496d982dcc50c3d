// Package pool hands out values from a channel that holds a fixed set of
// them (device ids, connections): a value taken and not given back on some
// path is lost for good.
package pool

import (
	"errors"
	"fmt"
)

var errBusy = errors.New("busy")

// Devices holds the free GPU ids.
type Devices struct {
	free chan int
}

// NewDevices fills the pool.
func NewDevices(n int) *Devices {
	d := &Devices{free: make(chan int, n)}
	for i := 0; i < n; i++ {
		d.free <- i
	}
	return d
}

// Run prepares a device before it arranges to give it back.
func (d *Devices) Run(prep, job func(int) error) error {
	dev := <-d.free
	if err := prep(dev); err != nil {
		return fmt.Errorf("prepare %d: %w", dev, err) // want `this return loses the value taken from pool d.free at line 29, though other paths give it back`
	}
	defer func() { d.free <- dev }()
	return job(dev)
}

// RunDeferred gives the device back first thing: fine.
func (d *Devices) RunDeferred(prep, job func(int) error) error {
	dev := <-d.free
	defer func() { d.free <- dev }()
	if err := prep(dev); err != nil {
		return err
	}
	return job(dev)
}

// Try gives it back on every path, explicitly: fine.
func (d *Devices) Try(job func(int) error) error {
	dev := <-d.free
	if err := job(dev); err != nil {
		d.free <- dev
		return err
	}
	d.free <- dev
	return nil
}

// Skip forgets to give it back when the device is busy.
func (d *Devices) Skip(busy func(int) bool, job func(int) error) error {
	dev := <-d.free
	if busy(dev) {
		return errBusy // want `this return loses the value taken from pool d.free at line 60`
	}
	err := job(dev)
	d.free <- dev
	return err
}

// Get hands the device to the caller, who gives it back with Put: fine.
func (d *Devices) Get(ok func(int) bool) (int, error) {
	dev := <-d.free
	if !ok(dev) {
		d.free <- dev
		return 0, errBusy
	}
	return dev, nil
}

// Put gives a device back.
func (d *Devices) Put(dev int) { d.free <- dev }

// Forward sends the value on to another channel: it is not lost here.
func (d *Devices) Forward(out chan<- int, ok func(int) bool) {
	dev := <-d.free
	if !ok(dev) {
		d.free <- dev
		return
	}
	out <- dev
}

// Queue receives jobs and requeues the ones that fail: the channel is a
// queue, not a pool, and the value sent back is a retry.
func Queue(jobs chan string, run func(string) error) {
	j := <-jobs
	if err := run(j); err != nil {
		jobs <- j
		return
	}
}
