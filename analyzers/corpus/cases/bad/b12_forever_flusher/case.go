// Starts a metrics flusher that can never stop.
// Expect: ctxcancel
package c

import "time"

type Metrics struct{ buf []float64 }

func (m *Metrics) flush() {}

func StartTraining(m *Metrics) {
	go func() { // BUG
		for {
			m.flush()
			time.Sleep(10 * time.Second)
		}
	}()
}
