// A per-request deadline timer that is never stopped when the answer comes first.
// Expect: timerstop
//
// Built for Go 1.22 (the build line sets the file's language version): before
// Go 1.23 the runtime keeps an unstopped timer until it fires.

//go:build go1.22

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
