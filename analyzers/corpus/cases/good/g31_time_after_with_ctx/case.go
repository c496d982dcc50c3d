// Waits for a slot or the deadline, and watches ctx too.
package c

import (
	"context"
	"errors"
	"time"
)

func WaitSlot(ctx context.Context, slots <-chan int) (int, error) {
	select {
	case s := <-slots:
		return s, nil
	case <-time.After(time.Second):
		return 0, errors.New("no accelerator free")
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}
