// Waits for a free accelerator by spinning.
// Expect: busyselect
package c

func Acquire(free <-chan int) int {
	for {
		select {
		case id := <-free:
			return id
		default: // BUG
			continue
		}
	}
}
