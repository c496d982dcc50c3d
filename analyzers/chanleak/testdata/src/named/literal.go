package named

import (
	"context"
	"errors"
)

func trainStep(i int) error {
	if i > 100 {
		return errors.New("diverged")
	}
	return nil
}

func flush() {}

// TrainUntilDone closes stop only when every step succeeds: a failed step
// returns and the flusher waits for ever.
func TrainUntilDone(steps int) error {
	stop := make(chan struct{})
	go func() {
		<-stop // want `the goroutine started at line 21 blocks forever on receive from stop when TrainUntilDone returns at line 27: nothing sends on or closes it on that path`
		flush()
	}()
	for i := 0; i < steps; i++ {
		if err := trainStep(i); err != nil {
			return err
		}
	}
	close(stop)
	return nil
}

// LogSteps closes the log channel only on success: the logger's range
// never ends after a failure.
func LogSteps(steps int) error {
	logs := make(chan int)
	go func() {
		for s := range logs { // want `the goroutine started at line 38 blocks forever on range over logs when LogSteps returns at line 45`
			_ = s
		}
	}()
	for i := 0; i < steps; i++ {
		if err := trainStep(i); err != nil {
			return err
		}
		logs <- i
	}
	close(logs)
	return nil
}

// TrainDeferred closes stop on every return.
func TrainDeferred(steps int) error {
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		<-stop
		flush()
	}()
	for i := 0; i < steps; i++ {
		if err := trainStep(i); err != nil {
			return err
		}
	}
	return nil
}

// TrainBothPaths closes stop before each return.
func TrainBothPaths(steps int) error {
	stop := make(chan struct{})
	go func() {
		<-stop
		flush()
	}()
	for i := 0; i < steps; i++ {
		if err := trainStep(i); err != nil {
			close(stop)
			return err
		}
	}
	close(stop)
	return nil
}

// TrainCtx's flusher also leaves when ctx is done.
func TrainCtx(ctx context.Context, steps int) error {
	stop := make(chan struct{})
	go func() {
		select {
		case <-stop:
		case <-ctx.Done():
		}
		flush()
	}()
	for i := 0; i < steps; i++ {
		if err := trainStep(i); err != nil {
			return err
		}
	}
	close(stop)
	return nil
}

func save(step int) {}

// Checkpointing stops its saver only when every step succeeds: after a
// failure, nothing sends on ckpts or closes stop again.
func Checkpointing(steps int) error {
	ckpts := make(chan int)
	stop := make(chan struct{})
	go func() {
		for {
			select { // want `the goroutine started at line 112 blocks forever in its select on ckpts and stop when Checkpointing returns at line 124`
			case s := <-ckpts:
				save(s)
			case <-stop:
				return
			}
		}
	}()
	for i := 0; i < steps; i++ {
		if err := trainStep(i); err != nil {
			return err
		}
		ckpts <- i
	}
	close(stop)
	return nil
}

// CheckpointingDeferred closes stop on every return.
func CheckpointingDeferred(steps int) error {
	ckpts := make(chan int)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case s := <-ckpts:
				save(s)
			case <-stop:
				return
			}
		}
	}()
	for i := 0; i < steps; i++ {
		if err := trainStep(i); err != nil {
			return err
		}
		ckpts <- i
	}
	return nil
}

// CheckpointingCtx's saver also leaves when ctx is done.
func CheckpointingCtx(ctx context.Context, steps int) error {
	ckpts := make(chan int)
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-ckpts:
				save(s)
			case <-stop:
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	for i := 0; i < steps; i++ {
		if err := trainStep(i); err != nil {
			return err
		}
		ckpts <- i
	}
	close(stop)
	return nil
}
