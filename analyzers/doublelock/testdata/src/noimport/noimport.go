// Package noimport locks a mutex of another package's type without
// importing sync itself.
package noimport

import "lib"

func Twice(m *lib.Meter) {
	m.Mu.Lock()
	defer m.Mu.Unlock()
	m.Add(1) // want `Add locks m.Mu \(lib.go:13\) while this goroutine holds it`
}

// ---- silent ----

func Sequential(m *lib.Meter) {
	m.Add(1)
	m.Mu.Lock()
	m.Mu.Unlock()
	m.Add(2)
}
