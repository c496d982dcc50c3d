// Done is only called for valid records.
// Expect: wgmisuse
package c

import "sync"

func Validate(records [4][]byte, ok func([]byte) bool) {
	var wg sync.WaitGroup
	for _, r := range records {
		wg.Add(1)
		go func() {
			if ok(r) {
				wg.Done() // BUG
			}
		}()
	}
	wg.Wait()
}
