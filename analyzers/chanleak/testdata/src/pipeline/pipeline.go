// Package pipeline runs preprocessing workers over channels of records.
package pipeline

import (
	"strings"
	"sync"
)

type Record struct{ Text string }

// Normalize forgets to close jobs: every worker ranges forever.
func Normalize(records []Record, workers int) []Record {
	jobs := make(chan Record)
	out := make(chan Record, len(records))
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range jobs { // want `range over jobs never ends: no path closes jobs \(the goroutine ranging blocks forever\)`
				out <- Record{Text: strings.ToLower(r.Text)}
			}
		}()
	}
	for _, r := range records {
		jobs <- r
	}
	var res []Record
	for range records {
		res = append(res, <-out)
	}
	return res
}

// Collect ranges over results that nobody closes: the function never returns.
func Collect(records []Record) []string {
	texts := make(chan string)
	for _, r := range records {
		go func() { texts <- strings.TrimSpace(r.Text) }()
	}
	var out []string
	for t := range texts { // want `range over texts never ends: no path closes texts \(the function never gets past this loop\)`
		out = append(out, t)
	}
	return out
}

// Tokenize passes the channel to the goroutine as a parameter and ranges
// over it there.
func Tokenize(docs []string) {
	words := make(chan string)
	go func(in <-chan string) {
		for w := range in { // want `range over words never ends`
			_ = w
		}
	}(words)
	for _, d := range docs {
		for _, w := range strings.Fields(d) {
			words <- w
		}
	}
}

// --- correct versions and near misses: no diagnostics below ---

// DeferClose: the producer closes when done.
func DeferClose(records []Record) []string {
	texts := make(chan string)
	go func() {
		defer close(texts)
		for _, r := range records {
			texts <- r.Text
		}
	}()
	var out []string
	for t := range texts {
		out = append(out, t)
	}
	return out
}

// Closer closes after every worker finished.
func Closer(records []Record) []string {
	texts := make(chan string)
	var wg sync.WaitGroup
	for _, r := range records {
		wg.Add(1)
		go func() {
			defer wg.Done()
			texts <- strings.ToUpper(r.Text)
		}()
	}
	go func() {
		wg.Wait()
		close(texts)
	}()
	var out []string
	for t := range texts {
		out = append(out, t)
	}
	return out
}

// Handoff gives the channel to a helper that closes it.
func Handoff(records []Record) []string {
	texts := make(chan string)
	go produce(records, texts)
	var out []string
	for t := range texts {
		out = append(out, t)
	}
	return out
}

func produce(records []Record, out chan<- string) {
	defer close(out)
	for _, r := range records {
		out <- r.Text
	}
}

// UntilEmpty leaves the range on a sentinel.
func UntilEmpty(records []Record) []string {
	texts := make(chan string)
	go func() {
		for _, r := range records {
			texts <- r.Text
		}
		texts <- ""
	}()
	var out []string
	for t := range texts {
		if t == "" {
			break
		}
		out = append(out, t)
	}
	return out
}

// Stored keeps the channel in a struct another method closes.
type Stage struct{ in chan Record }

func NewStage() *Stage {
	in := make(chan Record)
	s := &Stage{in: in}
	go func() {
		for r := range in {
			_ = r
		}
	}()
	return s
}

func (s *Stage) Close() { close(s.in) }

// DeferredClose closes in a deferred closure.
func DeferredClose(records []Record) int {
	texts := make(chan string, len(records))
	func() {
		defer func() { close(texts) }()
		for _, r := range records {
			texts <- r.Text
		}
	}()
	n := 0
	for range texts {
		n++
	}
	return n
}
