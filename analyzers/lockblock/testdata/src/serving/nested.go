package serving

import (
	"sync"
	"time"
)

// A helper that waits on a channel in a field of a field, called under a
// lock that the channel's other side takes on its way there.

// probe is a replica's health monitor: its loop stops when stop is sent on.
type probe struct {
	stop chan struct{}
}

func (p *probe) halt() {
	if p.stop != nil {
		p.stop <- struct{}{}
	}
}

// warmLoop and drainLoop are probes of their own types: the other sides
// of a field's channel are those of every value of its struct type.
type warmLoop struct {
	stop chan struct{}
}

func (w *warmLoop) halt() { w.stop <- struct{}{} }

type drainLoop struct {
	stop chan struct{}
}

func (d *drainLoop) halt() { d.stop <- struct{}{} }

type replicaState struct {
	health *probe
	warm   *warmLoop  // its loop probes without the replica's lock
	drain  *drainLoop // made with a buffer
}

// Replica is one model replica behind a router.
type Replica struct {
	sync.Mutex
	state  *replicaState
	loaded bool
}

// NewReplica makes the probes' channels: health and warm unbuffered.
func NewReplica() *Replica {
	return &Replica{state: &replicaState{
		health: &probe{stop: make(chan struct{})},
		warm:   &warmLoop{stop: make(chan struct{})},
		drain:  &drainLoop{stop: make(chan struct{}, 1)},
	}}
}

// monitor checks the replica until it is told to stop; each check takes
// the replica's lock.
func monitor(r *Replica, stop chan struct{}) {
	for {
		select {
		case <-stop:
			return
		default:
			check(r)
		}
	}
}

func check(r *Replica) {
	time.Sleep(time.Millisecond)
	r.Lock()
	defer r.Unlock()
	_ = r.loaded
}

// warmer keeps the replica's cache warm without its lock.
func warmer(stop chan struct{}) {
	for {
		select {
		case <-stop:
			return
		default:
			time.Sleep(time.Millisecond)
		}
	}
}

func (p *probe) channel() chan struct{} { return p.stop }

// Start runs the probes' loops.
func (r *Replica) Start() {
	go monitor(r, r.state.health.channel())
	go warmer(r.state.warm.stop)
	go monitor(r, r.state.drain.stop)
}

func stopHealth(r *Replica) {
	h := r.state.health
	h.halt()
}

// Unload is the bug: stopHealth sends on r.state.health.stop, two calls
// and two fields away, under the replica's lock, and the monitor needs
// that lock to get back to its receive.
func (r *Replica) Unload() {
	r.Lock()
	defer r.Unlock()
	r.loaded = false
	stopHealth(r) // want `r.Mutex is held while calling stopHealth, which sends on r.state.health.stop \(line [0-9]+\), whose other side takes the same lock first`
}

// Reload is the bug in another shape: the path is written out at the call.
func (r *Replica) Reload() {
	r.Lock()
	r.state.health.halt() // want `r.Mutex is held while calling r.state.health.halt, which sends on p.stop \(line [0-9]+\), whose other side takes the same lock first`
	r.loaded = true
	r.Unlock()
}

func stopWarm(r *Replica) {
	r.state.warm.halt()
}

// Cool is the near miss: the warm loop never takes the replica's lock.
func (r *Replica) Cool() {
	r.Lock()
	defer r.Unlock()
	stopWarm(r)
}

func stopDrain(r *Replica) {
	r.state.drain.halt()
}

// Drain is the near miss: drain's stop channel is buffered.
func (r *Replica) Drain() {
	r.Lock()
	defer r.Unlock()
	stopDrain(r)
}

// UnloadAfter is the near miss: the lock is released before the helper.
func (r *Replica) UnloadAfter() {
	r.Lock()
	r.loaded = false
	r.Unlock()
	stopHealth(r)
}
