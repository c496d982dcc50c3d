// Package once starts background goroutines of a model server: the ones
// started once for the life of the process belong to the process; the ones
// started per call, or per instance, leak.
package once

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

func refreshWeights() {}

var (
	started   bool
	startMu   sync.Mutex
	metricsOn atomic.Bool
	gcOn      int32
	loadOnce  sync.Once
)

// StartRefresher starts the weight refresher the first time it is called.
func StartRefresher() {
	startMu.Lock()
	defer startMu.Unlock()
	if started {
		return
	}
	started = true
	go func() {
		for {
			refreshWeights()
			time.Sleep(time.Minute)
		}
	}()
}

// StartMetrics uses an atomic flag.
func StartMetrics() {
	if !metricsOn.CompareAndSwap(false, true) {
		return
	}
	go func() {
		for range time.Tick(time.Second) {
			refreshWeights()
		}
	}()
}

// StartGC swaps an int32 flag in.
func StartGC() {
	if atomic.SwapInt32(&gcOn, 1) != 0 {
		return
	}
	go func() {
		for {
			time.Sleep(time.Minute)
		}
	}()
}

// Load starts the loader under a package-level sync.Once.
func Load() {
	loadOnce.Do(func() {
		go func() {
			for {
				refreshWeights()
				time.Sleep(time.Second)
			}
		}()
	})
}

// startWatcher is only reached through a package-level once.
func startWatcher() {
	go func() {
		for {
			refreshWeights()
			time.Sleep(time.Second)
		}
	}()
}

var watchOnce sync.Once

func Watch() { watchOnce.Do(startWatcher) }

// startTicker runs under sync.OnceFunc kept in a package variable.
var startTicker = sync.OnceFunc(func() {
	go func() {
		for {
			time.Sleep(time.Second)
		}
	}()
})

func init() {
	go func() {
		for {
			time.Sleep(time.Hour)
		}
	}()
	spawnJanitor()
}

// spawnJanitor is called from init only.
func spawnJanitor() {
	go func() {
		for {
			time.Sleep(time.Hour)
		}
	}()
}

var updates chan int

// ensureWatcher uses the channel it makes as its flag.
func ensureWatcher() {
	if updates != nil {
		return
	}
	updates = make(chan int)
	go func() {
		for {
			refreshWeights()
			time.Sleep(time.Second)
		}
	}()
}

// ---- reported: started per call, or the guard does not hold ----

// StartEveryCall tests the flag but never sets it: every call starts one.
func StartEveryCall() {
	if started {
		return
	}
	go func() { // want `goroutine never exits`
		for {
			refreshWeights()
		}
	}()
}

// StartSetLate sets the flag inside the goroutine: two callers can both
// pass the test before either sets it.
func StartSetLate() {
	if started {
		return
	}
	go func() { // want `goroutine never exits`
		started = true
		for {
			refreshWeights()
		}
	}()
}

// StartLocal's flag is a local: every call has a fresh one.
func StartLocal() {
	done := false
	if done {
		return
	}
	done = true
	go func() { // want `goroutine never exits`
		for {
			refreshWeights()
		}
	}()
}

// Server starts one poller per instance: a field Once runs once per
// server, and servers come and go.
type Server struct {
	once sync.Once
}

func (s *Server) Start() {
	s.once.Do(func() {
		go func() { // want `goroutine never exits`
			for {
				refreshWeights()
			}
		}()
	})
}

// handle is called per request.
func handle() {
	spawnPerRequest()
}

func spawnPerRequest() {
	go func() { // want `goroutine never exits`
		for {
			time.Sleep(time.Second)
		}
	}()
}

// IgnoresDone receives from ctx.Done() but does not leave the loop.
func IgnoresDone(ctx context.Context, in <-chan int) {
	go func() { // want `goroutine never exits: its for \{\} receives from ctx\.Done\(\) but stays in the loop`
		for {
			select {
			case <-ctx.Done():
				refreshWeights()
			case <-in:
			}
		}
	}()
}

// LeavesOnDone is the right version.
func LeavesOnDone(ctx context.Context, in <-chan int) {
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-in:
			}
		}
	}()
}

// StopAfterLoop leaves the labelled loop, then ends.
func StopAfterLoop(stop <-chan struct{}) {
	go func() {
	loop:
		for {
			select {
			case <-stop:
				break loop
			default:
				refreshWeights()
			}
		}
		refreshWeights()
	}()
}
