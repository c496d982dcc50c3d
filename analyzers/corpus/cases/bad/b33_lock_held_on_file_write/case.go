// Writes a checkpoint to disk while holding the parameters' lock.
// Expect: lockblock
package c

import (
	"os"
	"sync"
)

type Params struct {
	mu sync.RWMutex
	w  []byte
}

func (p *Params) Checkpoint(path string) error {
	p.mu.RLock()
	err := os.WriteFile(path, p.w, 0o644) // BUG
	p.mu.RUnlock()
	return err
}
