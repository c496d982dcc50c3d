// Package lockblock defines an Analyzer that reports a mutex held across an
// operation that can block.
//
// # Analyzer lockblock
//
// lockblock: report a mutex held across a channel operation, a sleep, I/O or a Wait
//
// A sync.Mutex or sync.RWMutex should guard memory for a few instructions. Held
// across a channel send or receive, a select without default, time.Sleep,
// network, file or database I/O, or a WaitGroup Wait, it makes every goroutine
// that needs the lock wait for the slowest consumer, disk or peer, and it
// deadlocks when the other side needs the same lock. In ML services this is
// the model cache whose lock is held while the weights download, the metrics
// registry locked while a batch is sent to a slow exporter, the gradient
// aggregator locked while it waits for workers that need the lock to report.
//
// The lock is held between mu.Lock() (or RLock) and the matching Unlock in the
// same statement list, or in every branch of a later if/else, switch or
// select, or from mu.Lock(); defer mu.Unlock() to the end of the function.
// The analyzer reports, while a lock is held:
//
//   - send-under-lock: a channel send (outside a select with default)
//   - receive-under-lock: a channel receive, or a range over a channel
//   - send-under-lock and receive-under-lock also for a call to a function
//     of the package that sends, receives or ranges on a channel it is
//     given (a parameter, the receiver, a field of one, or a field of a
//     field, through the helpers it calls) with no other select case to
//     take, by the function's summary: h.waitNext() under h.mu when
//     waitNext receives from h.next; stopHealth(r) under r's lock when it
//     calls h := r.state.health; h.halt() and halt sends on h.stop, which
//     the health monitor receives between checks that take r's lock (a
//     model replica unloaded while its prober waits for the lock). Such a
//     call is reported only when the other side is known to take the lock
//     on its way there. A function that releases the caller's lock itself
//     is not such a helper
//   - select-under-lock: a select without a default case
//   - sleep-under-lock: time.Sleep
//   - io-under-lock: network, HTTP client, file, io.Copy/ReadAll and
//     database/sql calls
//   - wait-under-lock: sync.WaitGroup, errgroup.Group Wait or a
//     semaphore Acquire; or a call of a blocking getter of the package (a
//     work queue's Get) that takes its own lock and waits on a sync.Cond
//     until another goroutine signals it, directly, through a thin
//     wrapper, or through an interface of the package every implementation
//     of which waits
//
// Not reported, because nothing waits on a goroutine that needs the lock:
//
//   - a wait whose other side runs only in goroutines that never take the
//     held lock: the senders or closers of a channel received from, the
//     receivers of a channel sent on, the Done calls of a WaitGroup. The
//     channel is followed through fields, parameters, results, containers
//     and channels of channels (a reply channel sent to a loop goroutine);
//     a goroutine is a go statement's function, a time.AfterFunc callback
//     or a function handed to a group's Go, and a function called from one;
//     a send on a channel that came in through an exported function's
//     parameter has receivers out of sight and is reported; so is a wait
//     whose other side is a select case with another way out (a default,
//     a deadline, ctx.Done(), a channel fired without the lock): a handler
//     that left on its deadline never receives the reply sent under the
//     lock. A way out that only a holder of the lock can open (a stop
//     channel sent under the same mutex) does not count;
//   - a select with a way out: a case on a timer or ticker channel
//     (time.After, t.C), on ctx.Done(), or a case whose other side is as
//     above (a stop channel closed without the lock);
//   - a receive from a token: a buffered channel filled where it is made,
//     used as a lock or a semaphore (receiving acquires it);
//   - a receive a guard says is ready: under len(ch) > 0, under !t.Stop()
//     for t.C (the drain idiom of package time), or under a flag set only
//     where the buffered channel is sent on or closed;
//   - a send on a channel that, everywhere in the package, is made with a
//     buffer (followed through assignments, struct fields, re-slices and
//     the parameters of the package's functions, so a constructor that
//     stores its buffered argument counts);
//   - reads from crypto/rand.Reader, or from a function of the package
//     that returns it; net.Listen (it binds a local socket); I/O on
//     in-memory buffers or on a stream that belongs with the lock (c.mu
//     and c.conn, a stream built around the lock's owner, a local taken
//     from or stored in it); an empty select {};
//   - under a lock named for serializing I/O or sends (writeMu, sendMu,
//     connMu), everything but a send on a channel nothing can receive
//     from: a local or unexported channel that no code of the package
//     receives from and that is never handed to another package;
//   - test code (_test.go files): tests hold locks on purpose, to stage
//     contention or freeze what they look at, and a test that blocks hangs
//     where go test's timeout shows it. A learner's solution is not a test
//     file and is checked.
//
// WRONG:
//
//	c.mu.Lock()
//	defer c.mu.Unlock()
//	m, ok := c.models[name]
//	if !ok {
//		resp, err := c.http.Get(c.baseURL + name) // every Predict waits for the download
//		...
//		c.models[name] = m
//	}
//	c.loaded <- name // and for whoever reads loaded
//
// RIGHT:
//
//	c.mu.Lock()
//	m, ok := c.models[name]
//	c.mu.Unlock()
//	if !ok {
//		resp, err := c.http.Get(c.baseURL + name)
//		...
//		c.mu.Lock()
//		c.models[name] = m
//		c.mu.Unlock()
//	}
//	c.loaded <- name
package lockblock
