// Reloads every model of the server's name-to-model map at once: one goroutine per loaded model.
package c

import (
	"context"
	"sync"
)

type Model struct{ version int }

func (m *Model) Reload(ctx context.Context) error { m.version++; return nil }

func ReloadAll(ctx context.Context, models map[string]*Model) map[string]error {
	var mu sync.Mutex
	errs := map[string]error{}
	var wg sync.WaitGroup
	for name, m := range models {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := m.Reload(ctx); err != nil {
				mu.Lock()
				errs[name] = err
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errs
}
