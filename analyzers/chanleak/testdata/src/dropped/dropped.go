package dropped

import "context"

func compute() int { return 1 }

// Stream returns a channel its goroutine sends on.
func Stream() <-chan int {
	ch := make(chan int)
	go func() {
		defer close(ch)
		ch <- compute()
	}()
	return ch
}

func Drop() {
	Stream() // want `the channel Stream returns is dropped: the goroutine it starts blocks forever on its send`
}

func Blank() {
	_ = Stream() // want `the channel Stream returns is dropped`
}

func withErr() (<-chan int, error) {
	ch := make(chan int)
	go func() { ch <- compute() }()
	return ch, nil
}

func DropPair() error {
	_, err := withErr() // want `the channel withErr returns is dropped`
	return err
}

// --- must stay silent ---

func Use() int { return <-Stream() }

func Buffered() <-chan int {
	ch := make(chan int, 1)
	go func() { ch <- compute() }()
	return ch
}

func DropBuffered() { Buffered() }

func Cancellable(ctx context.Context) <-chan int {
	ch := make(chan int)
	go func() {
		select {
		case ch <- compute():
		case <-ctx.Done():
		}
	}()
	return ch
}

func DropCancellable(ctx context.Context) { Cancellable(ctx) }

func UsePair() int {
	ch, _ := withErr()
	return <-ch
}
