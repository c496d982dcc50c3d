// Batches requests, spinning on an empty default while the queue is empty.
// Expect: busyselect
package c

type Req struct{ Prompt string }

func Batcher(in <-chan Req, out chan<- []Req, size int) {
	var batch []Req
	for {
		select {
		case r, ok := <-in:
			if !ok {
				out <- batch
				return
			}
			batch = append(batch, r)
			if len(batch) == size {
				out <- batch
				batch = nil
			}
		default: // BUG
		}
	}
}
