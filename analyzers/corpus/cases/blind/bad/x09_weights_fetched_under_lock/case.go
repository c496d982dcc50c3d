// Holds the registry lock while downloading new weights over HTTP.
// Expect: lockblock
package c

import (
	"io"
	"net/http"
	"sync"
)

type Registry struct {
	mu      sync.Mutex
	weights map[string][]byte
}

func (r *Registry) Reload(name, url string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	resp, err := http.Get(url) // BUG
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	r.weights[name] = b
	return nil
}
