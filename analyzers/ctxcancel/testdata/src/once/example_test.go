package once

import "time"

// ExampleReload illustrates a process-long reloader: go test runs it once,
// as the program it stands for, so its goroutine belongs to that program.
func ExampleReload() {
	go func() {
		for {
			refreshWeights()
			time.Sleep(time.Minute)
		}
	}()
}

// TestReload starts the same loop from a test: every run leaks it.
func TestReload() {
	go func() { // want `goroutine never exits`
		for {
			refreshWeights()
			time.Sleep(time.Minute)
		}
	}()
}

// ExampleWith takes a parameter: it is not a testable example, just a
// helper whose name starts with Example, and each call leaks a goroutine.
func ExampleWith(d time.Duration) {
	go func() { // want `goroutine never exits`
		for {
			refreshWeights()
			time.Sleep(d)
		}
	}()
}
