// The deadline timer is stopped when the answer comes first.
package c

import (
	"errors"
	"time"
)

func Await(answers <-chan string, d time.Duration) (string, error) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case a := <-answers:
		return a, nil
	case <-timer.C:
		return "", errors.New("no answer in time")
	}
}
