// A non-blocking enqueue that sheds load when the queue is full.
package c

import "errors"

var ErrQueueFull = errors.New("queue full")

type Req struct{ ID int }

func Enqueue(q chan<- Req, r Req) error {
	select {
	case q <- r:
		return nil
	default:
		return ErrQueueFull
	}
}
