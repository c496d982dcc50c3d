// A per-request deadline timer that is never stopped when the answer comes first.
// Expect: timerstop
package c

import (
	"errors"
	"time"
)

func Await(answers <-chan string, d time.Duration) (string, error) {
	timer := time.NewTimer(d) // BUG
	select {
	case a := <-answers:
		return a, nil
	case <-timer.C:
		return "", errors.New("no answer in time")
	}
}
