// Package broken has type errors; the analyzer must not panic on it.
package broken

import "time"

func Broken() {
	t := time.NewTicker(undefinedInterval)
	u := time.NewTimer()
	v, w := time.NewTicker(time.Second)
	_ = v
	_ = w
	t.Stpo()
	x := time.NewTicker(time.Second) // want `ticker x is never stopped`
	for range x.C {
		if missing() {
			return
		}
	}
	<-u.C
}
