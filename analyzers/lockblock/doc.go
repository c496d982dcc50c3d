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
// same statement list, or from mu.Lock(); defer mu.Unlock() to the end of the
// function. The analyzer reports, while a lock is held:
//
//   - send-under-lock: a channel send (outside a select with default)
//   - receive-under-lock: a channel receive, or a range over a channel
//   - select-under-lock: a select without a default case
//   - sleep-under-lock: time.Sleep
//   - io-under-lock: network, HTTP client, file, io.Copy/ReadAll and
//     database/sql calls
//   - wait-under-lock: sync.WaitGroup, errgroup.Group Wait or a
//     semaphore Acquire
//
// Not reported: a send on a channel that, everywhere in the package, is
// made with a buffer (followed through assignments, struct fields and the
// parameters of the package's functions, so a constructor that stores its
// buffered argument counts); reads from crypto/rand.Reader; I/O on in-memory buffers or on a stream that belongs
// with the lock (c.mu and c.conn); locks named for serializing I/O (writeMu,
// sendMu, connMu); an empty select {}; sleeps in _test.go files.
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
