package checkpoint

import "sync"

// Hooks are set as one struct literal on the trainer.
type Hooks struct {
	OnEpoch func(epoch int)
	OnStop  func()
}

// Trainer calls its hooks with its lock held.
type Trainer struct {
	mu    sync.Mutex
	epoch int
	hooks Hooks
	best  float64
}

func (t *Trainer) step(loss float64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.epoch++
	if loss > 10 {
		t.hooks.OnStop()
		return
	}
	t.hooks.OnEpoch(t.epoch)
}

// Best reads the best loss under the lock.
func (t *Trainer) Best() float64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.best
}

// EarlyStopping's OnStop asks the trainer for its best loss: it locks t.mu,
// which step holds when it calls the hook.
func EarlyStopping(t *Trainer, log func(float64)) {
	t.hooks = Hooks{
		OnStop: func() { // want `this function locks t.mu \(through Best\), and step calls it through t.hooks.OnStop with t.mu held`
			log(t.Best())
		},
		OnEpoch: func(epoch int) {
			log(float64(epoch))
		},
	}
}

// Report's hooks ask another trainer: a different lock.
func Report(t, other *Trainer, log func(float64)) {
	t.hooks = Hooks{
		OnStop: func() {
			log(other.Best())
		},
	}
}
