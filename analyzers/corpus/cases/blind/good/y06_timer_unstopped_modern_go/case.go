// Waits for a job with a timeout timer it never stops: fine since Go 1.23 (this module says 1.26).
package c

import (
	"errors"
	"time"
)

func AwaitJob(status <-chan string, d time.Duration) (string, error) {
	t := time.NewTimer(d)
	select {
	case s := <-status:
		return s, nil
	case <-t.C:
		return "", errors.New("job did not report in time")
	}
}
