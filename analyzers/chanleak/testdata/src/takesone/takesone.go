// Package takesone holds generators started on declared functions: each
// sends a value on every round of its loop, and the spawner takes the
// first value and goes. The second send waits forever unless the spawner
// drains, buffers for every value, or the generator can give up.
package takesone

import (
	"context"
	"strings"
)

type shard struct{ rows []string }

// batches sends one batch per shard.
func batches(shards []shard, out chan<- []string) {
	for _, s := range shards {
		out <- normalize(s.rows) // want `goroutine batches blocks forever on its second send on out: it sends on every round of its loop, but Peek receives only one value \(line 33\)`
	}
	close(out)
}

func normalize(rows []string) []string {
	for i, r := range rows {
		rows[i] = strings.ToLower(r)
	}
	return rows
}

// Peek shows the first batch.
func Peek(shards []shard) []string {
	out := make(chan []string)
	go batches(shards, out)
	return <-out
}

type tokenizer struct {
	tokens chan string
}

func (t *tokenizer) run(text string) {
	for _, w := range strings.Fields(text) {
		t.tokens <- w // want `goroutine run blocks forever on its second send on t.tokens: it sends on every round of its loop, but FirstToken receives only one value \(line 50\)`
	}
}

// FirstToken reads the first token of text.
func FirstToken(text string) string {
	t := &tokenizer{tokens: make(chan string)}
	go t.run(text)
	return <-t.tokens
}

// PeekAll drains after the first value: fine.
func PeekAll(shards []shard) []string {
	out := make(chan []string)
	go batches(shards, out)
	first := <-out
	for range out {
	}
	return first
}

// PeekBuffered holds every batch: fine.
func PeekBuffered(shards []shard) []string {
	out := make(chan []string, len(shards))
	go batches(shards, out)
	return <-out
}

// nonEmpty sends only some rounds: how many values come is not known.
func nonEmpty(shards []shard, out chan<- []string) {
	for _, s := range shards {
		if len(s.rows) > 0 {
			out <- s.rows
		}
	}
	close(out)
}

// FirstNonEmpty is not judged: the filter may send one value only.
func FirstNonEmpty(shards []shard) []string {
	out := make(chan []string)
	go nonEmpty(shards, out)
	return <-out
}

// echo sends one value per value it receives: the spawner paces it.
func echo(in <-chan string, out chan<- string) {
	for s := range in {
		out <- strings.ToUpper(s)
	}
}

// Shout sends one and receives one: fine.
func Shout(s string) string {
	in, out := make(chan string), make(chan string)
	go echo(in, out)
	in <- s
	close(in)
	return <-out
}

// stream can give up when the context ends.
func stream(ctx context.Context, shards []shard, out chan<- []string) {
	for _, s := range shards {
		select {
		case out <- s.rows:
		case <-ctx.Done():
			return
		}
	}
}

// PeekCancel cancels the generator after the first value: fine.
func PeekCancel(shards []shard) []string {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := make(chan []string)
	go stream(ctx, shards, out)
	return <-out
}
