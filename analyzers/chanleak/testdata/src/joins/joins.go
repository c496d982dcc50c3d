// Package joins holds goroutine literals blocked in a select, and spawners
// that wait for a goroutine to have ended (a done channel it closes in a
// defer, an error it sends just before returning) before they return.
package joins

import (
	"errors"
	"time"
)

// Warm runs load with a deadline. On the deadline nobody receives the
// result nor closes cancel: the loader waits in its select forever.
func Warm(load func() int, d time.Duration) (int, bool) {
	res := make(chan int)
	cancel := make(chan struct{})
	go func() {
		v := load()
		select { // want `the goroutine started at line 16 blocks forever in its select on res and cancel when Warm returns at line 28: no case can proceed, nothing takes the other half on that path`
		case res <- v:
		case <-cancel:
		}
	}()
	select {
	case v := <-res:
		close(cancel)
		return v, true
	case <-time.After(d):
		return 0, false
	}
}

// WarmDeferred closes cancel on every path: fine.
func WarmDeferred(load func() int, d time.Duration) (int, bool) {
	res := make(chan int)
	cancel := make(chan struct{})
	defer close(cancel)
	go func() {
		v := load()
		select {
		case res <- v:
		case <-cancel:
		}
	}()
	select {
	case v := <-res:
		return v, true
	case <-time.After(d):
		return 0, false
	}
}

// WarmBuffered: the send case fits in the buffer.
func WarmBuffered(load func() int, d time.Duration) (int, bool) {
	res := make(chan int, 1)
	cancel := make(chan struct{})
	go func() {
		v := load()
		select {
		case res <- v:
		case <-cancel:
		}
	}()
	select {
	case v := <-res:
		close(cancel)
		return v, true
	case <-time.After(d):
		return 0, false
	}
}

// Monitor feeds losses to a watcher that closes done when it gives up;
// returning once done is closed leaves nobody behind.
func Monitor(losses []float64, limit int) int {
	in := make(chan float64)
	done := make(chan struct{})
	go func() {
		defer close(done)
		bad := 0
		for l := range in {
			if l > 1 {
				bad++
			}
			if bad >= limit {
				return
			}
		}
	}()
	for i, l := range losses {
		select {
		case in <- l:
		case <-done:
			return i
		}
	}
	close(in)
	<-done
	return len(losses)
}

var errAccept = errors.New("accept failed")

// Accept returns when the acceptor reports its error: the acceptor has
// returned right after sending it, so its select is no longer waiting.
func Accept(next func() (int, error), handle func(int), quit <-chan struct{}) error {
	stop := make(chan struct{})
	errc := make(chan error, 1)
	conns := make(chan int)
	go func() {
		for {
			c, err := next()
			if err != nil {
				errc <- errAccept
				return
			}
			select {
			case conns <- c:
			case <-stop:
				return
			}
		}
	}()
	for {
		select {
		case c := <-conns:
			handle(c)
		case err := <-errc:
			return err
		case <-quit:
			close(stop)
			return nil
		}
	}
}

// Relay's goroutine reports every error and keeps going: receiving one
// does not mean it ended, and the return leaves it in its select.
func Relay(next func() (int, error), quit <-chan struct{}) error {
	stop := make(chan struct{})
	errc := make(chan error)
	vals := make(chan int)
	go func() {
		for {
			v, err := next()
			if err != nil {
				select {
				case errc <- err:
				case <-stop:
					return
				}
				continue
			}
			select { // want `the goroutine started at line 142 blocks forever in its select on vals and stop when Relay returns at line 164`
			case vals <- v:
			case <-stop:
				return
			}
		}
	}()
	for {
		select {
		case <-vals:
		case err := <-errc:
			return err
		case <-quit:
			close(stop)
			return nil
		}
	}
}

func ping(addr string, out chan<- bool) {
	out <- addr != "" // want `goroutine ping blocks forever on send on out when Reachable returns at line 186: nothing receives from it on that path`
}

// Reachable waits for ping or the deadline, both cases empty: on the
// deadline nobody receives.
func Reachable(addr string, d time.Duration) bool {
	out := make(chan bool)
	go ping(addr, out)
	ok := false
	select {
	case ok = <-out:
	case <-time.After(d):
	}
	return ok
}

// ReachableBuffered leaves room for the late answer: fine.
func ReachableBuffered(addr string, d time.Duration) bool {
	out := make(chan bool, 1)
	go ping(addr, out)
	ok := false
	select {
	case ok = <-out:
	case <-time.After(d):
	}
	return ok
}

// ReachableWait receives in both cases: fine.
func ReachableWait(addr string, d time.Duration) bool {
	out := make(chan bool)
	go ping(addr, out)
	select {
	case ok := <-out:
		return ok
	case <-time.After(d):
	}
	return <-out
}
