// Fills the model-metadata cache over HTTP while holding the lock.
// Expect: lockblock
package c

import (
	"io"
	"net/http"
	"sync"
)

type Registry struct {
	mu   sync.Mutex
	meta map[string][]byte
}

func (r *Registry) Get(name string) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if b, ok := r.meta[name]; ok {
		return b, nil
	}
	resp, err := http.Get("http://registry/models/" + name) // BUG
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	r.meta[name] = b
	return b, err
}
