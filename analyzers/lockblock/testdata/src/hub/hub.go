package hub

import (
	"crypto/rand"
	"io"
	"sync"
)

type Event struct{ id int }

type Hub struct {
	mu     sync.Mutex
	events chan Event
	out    chan Event
	seen   int
	key    []byte
}

func (h *Hub) waitNext() Event { return <-h.events }

func (h *Hub) next() Event { return h.waitNext() }

// Next holds h.mu while waitNext receives.
func (h *Hub) Next() Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seen++
	return h.next() // want `h.mu is held while calling h.next, which may block \(through waitNext receives from h.events\)`
}

// NewHub stores a buffered channel through the constructor's parameter.
func NewHub(out chan Event) *Hub { return &Hub{out: out, events: make(chan Event)} }

func Start() *Hub { return NewHub(make(chan Event, 16)) }

func (h *Hub) publish(ev Event) {
	select {
	case h.out <- ev:
	default:
	}
}

// Emit sends on the buffered out channel and publishes without blocking.
func (h *Hub) Emit(ev Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.out <- ev
	h.publish(ev)
}

// Rotate reads a key from crypto/rand: not I/O that waits.
func (h *Hub) Rotate() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.key = make([]byte, 32)
	_, err := io.ReadFull(rand.Reader, h.key)
	return err
}

// Next without the lock held is fine.
func (h *Hub) NextRight() Event {
	ev := h.next()
	h.mu.Lock()
	h.seen++
	h.mu.Unlock()
	return ev
}
