// Uses a timer for the deadline; the tokenizer goroutine is stranded when it fires.
// Expect: chanleak
package c

import (
	"errors"
	"strings"
	"time"
)

func Tokenize(text string, d time.Duration) ([]string, error) {
	done := make(chan []string)
	go func() {
		done <- strings.Fields(text) // BUG
	}()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case toks := <-done:
		return toks, nil
	case <-t.C:
		return nil, errors.New("tokenizer timed out")
	}
}
