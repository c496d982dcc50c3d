// The lock guards only the map; the HTTP fetch happens outside it.
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
	b, ok := r.meta[name]
	r.mu.Unlock()
	if ok {
		return b, nil
	}
	resp, err := http.Get("http://registry/models/" + name)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err = io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.meta[name] = b
	r.mu.Unlock()
	return b, nil
}
