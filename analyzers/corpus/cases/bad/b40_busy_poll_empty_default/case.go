// Polls the request queue with an empty default: it spins a core.
// Expect: busyselect
package c

type Req struct{ ID int }

func Drain(queue <-chan Req, handle func(Req), stop <-chan struct{}) {
	for {
		select {
		case r := <-queue:
			handle(r)
		case <-stop:
			return
		default: // BUG
		}
	}
}
