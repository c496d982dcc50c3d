package modelcache

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
)

// GetRight looks up under the lock, downloads without it, and announces the
// model after releasing it.
func (c *Cache) GetRight(ctx context.Context, name string) (*Model, error) {
	c.mu.Lock()
	m, ok := c.models[name]
	c.mu.Unlock()
	if ok {
		return m, nil
	}
	resp, err := c.client.Get(c.baseURL + name)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	w, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	m = &Model{Name: name, Weights: w}
	c.mu.Lock()
	c.models[name] = m
	c.mu.Unlock()
	c.loaded <- name
	return m, nil
}

// Announce does a non-blocking send under the lock.
func (c *Cache) Announce(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.models[name] = &Model{Name: name}
	select {
	case c.loaded <- name:
	default:
	}
}

// Decode reads in-memory weights under the lock.
func (c *Cache) Decode(name string, raw []byte, header string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	w, err := io.ReadAll(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, strings.NewReader(header)); err != nil {
		return err
	}
	buf.Write(w)
	c.models[name] = &Model{Name: name, Weights: buf.Bytes()}
	fmt.Println("decoded", name)
	os.Stderr.WriteString("decoded " + name + "\n")
	return nil
}

// Evict sends on the branch that does not hold the lock.
func (c *Cache) Evict(name string, sync bool) {
	if sync {
		c.mu.Lock()
		delete(c.models, name)
		c.mu.Unlock()
	} else {
		c.loaded <- "evict:" + name
	}
}

// GetOrWait releases the lock on the fast path and before waiting.
func (c *Cache) GetOrWait(name string) *Model {
	c.mu.Lock()
	if m, ok := c.models[name]; ok {
		c.mu.Unlock()
		return m
	}
	c.mu.Unlock()
	for got := range c.loaded {
		if got == name {
			break
		}
	}
	c.mu.Lock()
	m := c.models[name]
	c.mu.Unlock()
	return m
}

// Warm collects results on a local channel sized for every sender.
func (c *Cache) Warm(names []string) {
	done := make(chan string, len(names))
	for _, n := range names {
		c.mu.Lock()
		c.models[n] = &Model{Name: n}
		done <- n
		c.mu.Unlock()
	}
	close(done)
}

// Background starts a goroutine from under the lock: its send runs after
// the lock is released.
func (c *Cache) Background(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.models[name] = &Model{Name: name}
	go func() {
		c.loaded <- name
	}()
}

func (c *Cache) unlock() { c.mu.Unlock() }

// HelperUnlock releases the lock through a helper: the held region is not
// known, so nothing is reported.
func (c *Cache) HelperUnlock(name string) {
	c.mu.Lock()
	c.models[name] = nil
	c.unlock()
	c.loaded <- name
}

// Queue waits on a condition variable: Wait releases the lock.
type Queue struct {
	mu    sync.Mutex
	cond  *sync.Cond
	items []string
}

// Pop waits for an item.
func (q *Queue) Pop() string {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) == 0 {
		q.cond.Wait()
	}
	it := q.items[0]
	q.items = q.items[1:]
	return it
}

// Relock drops the lock around the receive inside the loop.
func (r *Registry) Relock() {
	r.Lock()
	defer r.Unlock()
	for len(r.versions) < 3 {
		r.Unlock()
		name := <-r.updates
		r.Lock()
		r.versions[name]++
	}
}

// Conn streams predictions to one client; mu serializes the writes.
type Conn struct {
	mu   sync.Mutex
	conn net.Conn
	log  *os.File
}

// Send writes one framed prediction: holding mu across the write is what mu
// is for.
func (c *Conn) Send(frame []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.conn.Write(frame); err != nil {
		return err
	}
	_, err := io.WriteString(c.log, "sent\n")
	return err
}

var (
	auditMu   sync.Mutex
	auditFile *os.File
)

// Audit appends to the package's audit log, serialized by auditMu.
func Audit(line string) {
	auditMu.Lock()
	auditFile.WriteString(line + "\n")
	auditMu.Unlock()
}

// Batcher hands full batches to a flusher through a channel with one slot.
type Batcher struct {
	mu      sync.Mutex
	pending []string
	full    chan []string
}

// NewBatcher makes the one-slot channel.
func NewBatcher() *Batcher { return &Batcher{full: make(chan []string, 1)} }

// Add signals the flusher under the lock: the buffered slot absorbs the send.
func (b *Batcher) Add(item string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.pending = append(b.pending, item)
	if len(b.pending) == 64 {
		b.full <- b.pending
		b.pending = nil
	}
}

// Exporter streams metrics; writeMu serializes writes to out.
type Exporter struct {
	writeMu sync.Mutex
	out     io.Writer
}

// Export encodes one metrics body onto out.
func (e *Exporter) Export(body io.Reader) error {
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	enc := base64.NewEncoder(base64.StdEncoding, e.out)
	if _, err := io.Copy(enc, body); err != nil {
		return err
	}
	return enc.Close()
}

// Crash parks the goroutine for good after handing a panic to another one:
// select {} is not a wait for a case.
func (c *Cache) Crash(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	go panic(err)
	select {}
}

// Prediction is a model output.
type Prediction struct{ Scores []float32 }

// Batcher2 answers each waiting request on its own one-slot channel: the
// request/response correlation map every batching server has.
type Batcher2 struct {
	mu      sync.Mutex
	pending map[int]chan Prediction
	waiters []chan Prediction
}

// Submit registers a request.
func (b *Batcher2) Submit(id int) <-chan Prediction {
	ch := make(chan Prediction, 1)
	b.mu.Lock()
	b.pending[id] = ch
	b.waiters = append(b.waiters, make(chan Prediction, 1))
	b.mu.Unlock()
	return ch
}

// Deliver answers under the lock: every channel stored was made with a
// buffer of one, so the sends cannot block.
func (b *Batcher2) Deliver(id int, p Prediction) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if ch, ok := b.pending[id]; ok {
		delete(b.pending, id)
		ch <- p
	}
	for _, w := range b.waiters {
		w <- p
	}
	b.waiters = nil
}
