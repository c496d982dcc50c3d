// Starts a log shipper that a caller may or may not wait for: the WaitGroup is optional.
package c

import "sync"

func ship(lines []string) {}

func StartShipper(lines []string, wg *sync.WaitGroup) {
	if wg != nil {
		wg.Add(1)
	}
	go func() {
		if wg != nil {
			defer wg.Done()
		}
		ship(lines)
	}()
}
