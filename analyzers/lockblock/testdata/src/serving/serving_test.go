package serving

import "testing"

// TestFreeze holds the lock on purpose while it checks that Models does not
// need it: tests are not reported (a test that blocks hangs, and go test's
// timeout says where).
func TestFreeze(t *testing.T) {
	r := NewRegistry()
	r.runningMu.Lock()
	done := make(chan []string)
	go func() { done <- r.loopCopy() }()
	<-done
	r.runningMu.Unlock()
}

func (r *Registry) loopCopy() []string {
	reply := make(chan []string, 1)
	r.snapshot <- reply
	return <-reply
}
