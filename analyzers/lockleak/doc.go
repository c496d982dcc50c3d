// Package lockleak defines an Analyzer that reports a return reached with a
// mutex still locked, when other paths of the same function unlock it.
//
// # Analyzer lockleak
//
// lockleak: report a return that keeps a mutex locked while other paths unlock it
//
// A function that takes mu.Lock() (or RLock) and unlocks it on some paths
// means to release it. A path to a return that skips the Unlock — an early
// return on an error, a break out of a loop, a continue — leaves the mutex
// locked for ever: the next Lock, in this goroutine or any other, blocks and
// never wakes. In ML serving this is the model registry whose Load returns
// early when the model is already cached, with the registry's lock still
// taken: every request after the first cache hit hangs, and nothing panics
// or logs.
//
// unlock-on-every-path: the lock is followed along the control-flow graph;
// a deferred Unlock (directly, in a deferred function literal, or through a
// helper that releases it) covers every later return; calls are followed
// through facts, so a helper that unlocks (or locks and returns holding) is
// understood. A return is reported when the lock is held on every path that
// reaches it, and the function unlocks it elsewhere.
//
// Not reported: a function that returns holding the lock on every path and
// never unlocks it (a lock helper, or a lockAndGet that hands the lock to
// its caller); a return of the value that holds the lock (e.Lock(); return
// e); a lock released by a goroutine or a function literal made here (the
// release is handed off); a function that releases a lock its caller took
// (unlock, work, relock); a doc comment that says the function returns with
// the lock held; paths that end in a panic or os.Exit; locks taken with
// TryLock.
//
// unlock-every-iteration: a continue between a Lock at the top of a loop's
// iteration and the Unlock at its bottom: the skipped element stays locked
// and its next Lock waits forever.
//
// release-on-every-path: the same for a semaphore's slot. A buffered
// channel used as a semaphore (sem <- struct{}{} takes a slot, <-sem gives
// it back) or a golang.org/x/sync/semaphore.Weighted (Acquire, Release): a
// function that gives the slot back on some paths and returns without it
// on another leaks a slot per such return; once the semaphore's size has
// leaked, every acquire blocks forever. In ML serving, the inference
// throttle whose failed predictions keep their GPU slot: after a few errors
// the service stops answering. Releases are followed through deferred and
// called closures and the package's helpers. A goroutine started on a
// closure that gives back a slot taken just before holds it from its
// start, and a path of it that returns without giving it back leaks it; a
// function that takes a slot for its caller (a pool's Get) leaks it when it
// returns an error without giving it back. An explicit release after the
// release was deferred gives the slot back twice (the extra receive takes
// another goroutine's slot or blocks forever). Not reported: a slot handed to
// a goroutine or a returned closure, a function whose every release undoes
// a failed attempt (it hands the slot to its caller on success), an
// unbuffered channel (a handshake), a channel values are received from (a
// queue), slots taken in one loop and given back in another, a send whose
// only receive is in another goroutine (a signal).
//
// pool-value-lost: the dual, a channel that holds a fixed set of values
// (GPU ids, connections): a function takes one (dev := <-p.free) and gives
// the same value back on some paths (p.free <- dev, often in a defer), but
// a return of an error on another path never does, so the value is lost
// for good and, once all are, every receive from the pool blocks forever.
// Not reported: a value handed to the caller, stored, sent elsewhere or
// given to a goroutine; a return that is no error (a queue that requeues
// a failed job).
//
// Where it is mechanical (one Lock, a statement of the function's body, and
// every explicit Unlock directly followed by a return), the suggested fix
// adds defer mu.Unlock() right after the Lock and removes the explicit ones.
//
// WRONG:
//
//	func (r *Registry) Load(name string) (*Model, error) {
//		r.mu.Lock()
//		if m, ok := r.models[name]; ok {
//			return m, nil // r.mu stays locked: the next Load hangs
//		}
//		m, err := r.open(name)
//		r.mu.Unlock()
//		return m, err
//	}
//
// RIGHT:
//
//	func (r *Registry) Load(name string) (*Model, error) {
//		r.mu.Lock()
//		defer r.mu.Unlock()
//		if m, ok := r.models[name]; ok {
//			return m, nil
//		}
//		return r.open(name)
//	}
package lockleak
