// Package modelcache keeps loaded models in memory, guarded by a mutex.
package modelcache

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"os"
	"sync"
	"time"
)

// Model is a loaded model.
type Model struct {
	Name    string
	Weights []byte
}

// Cache maps model names to loaded models.
type Cache struct {
	mu      sync.Mutex
	models  map[string]*Model
	client  *http.Client
	baseURL string
	loaded  chan string
	db      *sql.DB
}

// Get downloads a missing model while holding the lock.
func (c *Cache) Get(ctx context.Context, name string) (*Model, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if m, ok := c.models[name]; ok {
		return m, nil
	}
	resp, err := c.client.Get(c.baseURL + name) // want `c.mu is held during c.client.Get, which does an HTTP request: a slow server stalls every goroutine that needs c.mu \(locked at line 32\)`
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	w, err := io.ReadAll(resp.Body) // want `c.mu is held during io.ReadAll, which does I/O: a slow reader or writer stalls every goroutine that needs c.mu`
	if err != nil {
		return nil, err
	}
	m := &Model{Name: name, Weights: w}
	c.models[name] = m
	c.loaded <- name // want `c.mu is held while sending on c.loaded: a slow receiver stalls every goroutine that needs c.mu \(locked at line 32\)`
	return m, nil
}

// LoadFromDisk reads weights between Lock and Unlock.
func (c *Cache) LoadFromDisk(name, path string) error {
	c.mu.Lock()
	w, err := os.ReadFile(path) // want `c.mu is held during os.ReadFile, which does file I/O: a slow disk stalls`
	if err == nil {
		c.models[name] = &Model{Name: name, Weights: w}
	}
	c.mu.Unlock()
	return err
}

// Refresh backs off while holding the lock.
func (c *Cache) Refresh(name string) {
	c.mu.Lock()
	for attempt := 0; attempt < 3; attempt++ {
		if _, ok := c.models[name]; ok {
			break
		}
		time.Sleep(time.Second) // want `c.mu is held during time.Sleep: every goroutine that needs c.mu sleeps too`
	}
	c.mu.Unlock()
}

// Version asks the registry database under the lock.
func (c *Cache) Version(ctx context.Context, name string) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var v int
	err := c.db.QueryRowContext(ctx, "SELECT version FROM models WHERE name = ?", name).Scan(&v) // want `c.mu is held during c.db.QueryRowContext, which does a database call: a slow query stalls`
	return v, err
}

// Registry embeds its RWMutex.
type Registry struct {
	sync.RWMutex
	versions map[string]int
	updates  chan string
}

// Await waits for an update with the read lock held.
func (r *Registry) Await(name string) int {
	r.RLock()
	defer r.RUnlock()
	for r.versions[name] == 0 {
		<-r.updates // want `r.RWMutex \(read-locked\) is held while receiving from r.updates: every writer of r.RWMutex waits until a value arrives`
	}
	return r.versions[name]
}

// Next waits in a select without default under the write lock, until an
// update or the caller's cancellation: ctx.Done() is its way out.
func (r *Registry) Next(ctx context.Context) (string, error) {
	r.Lock()
	defer r.Unlock()
	select {
	case name := <-r.updates:
		r.versions[name]++
		return name, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// Drain ranges over a channel under the lock.
func (r *Registry) Drain() {
	r.Lock()
	for name := range r.updates { // want `r.RWMutex is held while ranging over r.updates: every goroutine that needs r.RWMutex waits until r.updates is closed`
		r.versions[name]++
	}
	r.Unlock()
}

// NewCache makes a cache whose loaded channel is unbuffered.
func NewCache(client *http.Client, baseURL string) *Cache {
	return &Cache{models: map[string]*Model{}, client: client, baseURL: baseURL, loaded: make(chan string)}
}

// Snapshot writes every model to a file it opened, under the lock.
func (c *Cache) Snapshot(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range c.models {
		if _, err := f.Write(m.Weights); err != nil { // want `c.mu is held during f.Write, which does file I/O: a slow disk stalls every goroutine that needs c.mu`
			return err
		}
	}
	return nil
}

// Streams fans predictions out to subscribers, some with unbuffered channels.
type Streams struct {
	mu   sync.Mutex
	subs map[string]chan []float32
}

// Subscribe adds an unbuffered subscriber.
func (s *Streams) Subscribe(name string) <-chan []float32 {
	ch := make(chan []float32)
	s.mu.Lock()
	s.subs[name] = ch
	s.mu.Unlock()
	return ch
}

// Publish sends to every subscriber under the lock.
func (s *Streams) Publish(scores []float32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ch := range s.subs {
		ch <- scores // want `s.mu is held while sending on ch: a slow receiver stalls every goroutine that needs s.mu`
	}
}
