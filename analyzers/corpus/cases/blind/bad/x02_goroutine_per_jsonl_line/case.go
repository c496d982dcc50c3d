// Starts a goroutine for every line of a JSONL dataset file.
// Expect: unboundedgo
package c

import (
	"bufio"
	"io"
	"sync"
)

func embedLine(line string) {}

func EmbedFile(r io.Reader) error {
	var wg sync.WaitGroup
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		wg.Add(1)
		go func() { // BUG
			defer wg.Done()
			embedLine(line)
		}()
	}
	wg.Wait()
	return sc.Err()
}
