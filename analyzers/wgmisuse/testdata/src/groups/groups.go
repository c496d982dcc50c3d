// Package groups embeds documents with errgroup and WaitGroup.Go workers
// that report progress to a WaitGroup of their own.
package groups

import (
	"context"
	"sync"

	"golang.org/x/sync/errgroup"
)

type Doc struct{ Text string }

func embed(ctx context.Context, d Doc) error { return nil }

func upload(d Doc) {}

// EmbedAll counts uploads inside the errgroup's goroutines: uploads.Wait may
// return before a goroutine has added its upload.
func EmbedAll(ctx context.Context, docs []Doc) error {
	g, ctx := errgroup.WithContext(ctx)
	var uploads sync.WaitGroup
	for _, d := range docs {
		g.Go(func() error {
			uploads.Add(1) // want `uploads.Add is called inside the goroutine: uploads.Wait may return before it runs; call uploads.Add before g.Go \(line 24\)`
			defer uploads.Done()
			upload(d)
			return embed(ctx, d)
		})
	}
	uploads.Wait()
	return g.Wait()
}

// EmbedWG does the same under another WaitGroup's Go.
func EmbedWG(ctx context.Context, docs []Doc) {
	var workers, uploads sync.WaitGroup
	for _, d := range docs {
		workers.Go(func() {
			_ = embed(ctx, d)
			uploads.Add(1) // want `uploads.Add is called inside the goroutine: uploads.Wait may return before it runs; call uploads.Add before workers.Go`
			defer uploads.Done()
			upload(d)
		})
	}
	uploads.Wait()
	workers.Wait()
}

// ---- silent ----

// SameGroup adds to the WaitGroup whose Go started the goroutine: its own
// count holds Wait until it returns.
func SameGroup(docs []Doc) {
	var wg sync.WaitGroup
	for _, d := range docs {
		wg.Go(func() {
			upload(d)
			wg.Add(1)
			go func() {
				defer wg.Done()
				upload(d)
			}()
		})
	}
	wg.Wait()
}

// Counted: the goroutine is counted before it starts and defers Done, so
// an Add inside it cannot come after Wait returned.
func Counted(docs [][]Doc) {
	var wg sync.WaitGroup
	for _, batch := range docs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wg.Add(len(batch))
			for _, d := range batch {
				go func() {
					defer wg.Done()
					upload(d)
				}()
			}
		}()
	}
	wg.Wait()
}

// BeforeGo adds right before starting: the errgroup closure counts its
// child.
func BeforeGo(ctx context.Context, docs []Doc) error {
	g, ctx := errgroup.WithContext(ctx)
	var uploads sync.WaitGroup
	g.Go(func() error {
		for _, d := range docs {
			uploads.Add(1)
			go func() {
				defer uploads.Done()
				upload(d)
			}()
		}
		return nil
	})
	err := g.Wait()
	uploads.Wait()
	return err
}
