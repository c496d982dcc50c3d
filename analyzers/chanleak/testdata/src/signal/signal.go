package signal

import "context"

type conn struct {
	addrs chan string
	conns []string
}

// The watcher ignores done: nobody closes it, the receive blocks forever.
func (c *conn) lbWatcher(done chan bool) {
	for a := range c.addrs {
		c.conns = append(c.conns, a)
	}
}

func dial(c *conn) {
	go func() {
		done := make(chan bool)
		go c.lbWatcher(done)
		<-done // want `receive from done blocks forever: the goroutine c.lbWatcher started at line 20 is the only other holder of it and never sends on or closes it`
	}()
	close(c.addrs)
}

// A watcher that only receives from its stop channel does not close it.
func watch(updates <-chan int, stop chan struct{}) {
	for {
		select {
		case <-updates:
		case <-stop:
			return
		}
	}
}

func runWatch(updates chan int) {
	stop := make(chan struct{}, 1)
	go watch(updates, stop)
	for range stop { // want `range over stop never ends: the goroutine watch started at line 39 is the only other holder of it and never sends on or closes it`
	}
}

// --- must stay silent ---

// The watcher closes done on every path.
func (c *conn) closingWatcher(done chan bool) {
	defer close(done)
	for a := range c.addrs {
		c.conns = append(c.conns, a)
	}
}

func dialClosing(c *conn) {
	done := make(chan bool)
	go c.closingWatcher(done)
	<-done
}

// The spawner closes the channel itself: the watcher only receives.
func stopWatch(updates chan int) {
	stop := make(chan struct{})
	go watch(updates, stop)
	updates <- 1
	close(stop)
}

// The watcher passes done on: what the callee does is out of sight here.
func (c *conn) forwarding(done chan bool) { notify(done) }

func notify(done chan bool) { done <- true }

func dialForwarding(c *conn) {
	done := make(chan bool)
	go c.forwarding(done)
	<-done
}

// A select with ctx.Done() has a way out.
func dialCtx(ctx context.Context, c *conn) {
	done := make(chan bool)
	go c.lbWatcher(done)
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// The channel is also handed elsewhere: someone else may close it.
func dialShared(c *conn, register func(chan bool)) {
	done := make(chan bool)
	register(done)
	go c.lbWatcher(done)
	<-done
}
