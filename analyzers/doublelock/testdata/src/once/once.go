// Package once loads lazily with sync.Once.
package once

import "sync"

// Config reads its values once.
type Config struct {
	once   sync.Once
	values map[string]string
	read   func(string) map[string]string
	path   string
}

// Get loads the values on first use.
func (c *Config) Get(key string) string {
	c.once.Do(c.load)
	return c.values[key]
}

// load merges in the base config it names, read through Get.
func (c *Config) load() {
	c.values = c.read(c.path)
	if base := c.Get("base"); base != "" { // want `c.Get, called here, calls c.once.Do again \(line 16\) while c.once.Do runs this function \(line 16\)`
		for k, v := range c.read(base) {
			c.values[k] = v
		}
	}
}

// Model loads its weights once, through a literal that calls Do again.
type Model struct {
	once    sync.Once
	weights []float32
}

func (m *Model) Weights() []float32 {
	m.once.Do(func() {
		m.weights = make([]float32, 4)
		m.once.Do(m.warm) // want `m.once.Do is called again here while m.once.Do runs this function \(line 37\)`
	})
	return m.weights
}

func (m *Model) warm() {}

// Lazy reads the values directly in its loader: fine.
type Lazy struct {
	once   sync.Once
	values map[string]string
	read   func() map[string]string
}

func (l *Lazy) Get(key string) string {
	l.once.Do(l.load)
	return l.values[key]
}

func (l *Lazy) load() {
	l.values = l.read()
	if l.values == nil {
		l.values = map[string]string{}
	}
}

// Pair has two Onces: one's loader uses the other, fine.
type Pair struct {
	a, b   sync.Once
	va, vb int
}

func (p *Pair) A() int {
	p.a.Do(func() { p.va = p.B() + 1 })
	return p.va
}

func (p *Pair) B() int {
	p.b.Do(func() { p.vb = 1 })
	return p.vb
}

// Async starts the reload in a goroutine: it waits, it does not deadlock
// this goroutine.
func (l *Lazy) Async() {
	l.once.Do(func() {
		go l.Get("x")
	})
}
