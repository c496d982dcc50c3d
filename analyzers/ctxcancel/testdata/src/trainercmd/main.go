// Command trainercmd runs a training loop; its process-long goroutines are
// owned by main.
package main

import (
	"context"
	"os"
	"os/signal"
	"time"
)

func step(ctx context.Context, i int) error { return nil }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	// silent: a forever goroutine started by main lives as long as the process.
	go func() {
		for {
			report()
			time.Sleep(time.Minute) // want `time\.Sleep ignores ctx`
		}
	}()

	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return
		default:
		}
		if err := step(ctx, i); err != nil {
			os.Exit(1)
		}
	}
}

func report() {}

// startReporter is not main: its forever goroutine is reported.
func startReporter() {
	go func() { // want `goroutine never exits`
		for {
			report()
			time.Sleep(time.Minute)
		}
	}()
}
