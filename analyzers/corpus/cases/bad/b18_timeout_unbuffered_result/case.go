// Waits for the model with a timeout; on timeout the sender is stranded.
// Expect: chanleak
package c

import (
	"errors"
	"time"
)

func predict(x []float32) float32 { return 0 }

func PredictWithTimeout(x []float32, d time.Duration) (float32, error) {
	ch := make(chan float32)
	go func() {
		ch <- predict(x) // BUG
	}()
	select {
	case y := <-ch:
		return y, nil
	case <-time.After(d):
		return 0, errors.New("model timed out")
	}
}
