// Drains what is queued and returns when nothing is left.
package c

type Req struct{ ID int }

func DrainQueued(queue <-chan Req, handle func(Req)) int {
	n := 0
	for {
		select {
		case r := <-queue:
			handle(r)
			n++
		default:
			return n
		}
	}
}
