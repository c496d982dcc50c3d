package server

import (
	"context"
	"sync"

	"go.lsp.dev/jsonrpc2"
)

// outbox sends the server's own notifications in order from one goroutine,
// so that neither the read loop nor an analysis ever blocks on the client.
type outbox struct {
	conn jsonrpc2.Conn
	logf func(string, ...any)

	mu     sync.Mutex
	queue  []message
	wake   chan struct{} // buffered: a send means the queue may be non-empty
	stop   chan struct{}
	done   chan struct{}
	closed bool
}

type message struct {
	method string
	params any
}

func newOutbox(conn jsonrpc2.Conn, logf func(string, ...any)) *outbox {
	o := &outbox{conn: conn, logf: logf, wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go o.run()
	return o
}

// notify queues a notification.
func (o *outbox) notify(method string, params any) {
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		return
	}
	o.queue = append(o.queue, message{method, params})
	o.mu.Unlock()
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

func (o *outbox) run() {
	defer close(o.done)
	for {
		select {
		case <-o.stop:
			return
		case <-o.wake:
		}
		o.mu.Lock()
		batch := o.queue
		o.queue = nil
		o.mu.Unlock()
		for _, m := range batch {
			if err := o.conn.Notify(context.Background(), m.method, m.params); err != nil {
				o.logf("send %s: %v", m.method, err)
			}
		}
	}
}

// close stops the goroutine, dropping what was not sent, and waits for it.
func (o *outbox) close() {
	o.mu.Lock()
	if !o.closed {
		o.closed = true
		close(o.stop)
	}
	o.mu.Unlock()
	<-o.done
}
