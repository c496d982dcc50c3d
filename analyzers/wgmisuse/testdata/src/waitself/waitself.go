// Package waitself flushes training metrics and uploads checkpoints.
package waitself

import "sync"

func flush(metrics map[string]float64) {}
func upload(path string)               {}

// FlushAll waits inside a goroutine that the same WaitGroup counts.
func FlushAll(shards []map[string]float64) {
	var wg sync.WaitGroup
	for _, m := range shards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			flush(m)
			wg.Wait() // want `wg.Wait inside a goroutine that wg counts never returns: it waits for this goroutine's own Done \(Done deferred at line 15\)`
		}()
	}
	wg.Wait()
}

// UploadAll does the same under WaitGroup.Go.
func UploadAll(paths []string) {
	var wg sync.WaitGroup
	for _, p := range paths {
		wg.Go(func() {
			upload(p)
			wg.Wait() // want `wg.Wait inside a goroutine that wg counts never returns: it waits for this goroutine's own Done \(started by wg.Go at line 27\)`
		})
	}
	wg.Wait()
}

// FlushThenClose: the closer goroutine waits on a WaitGroup that does not
// count it.
func FlushThenClose(shards []map[string]float64) <-chan struct{} {
	done := make(chan struct{})
	var wg sync.WaitGroup
	for _, m := range shards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			flush(m)
		}()
	}
	go func() {
		wg.Wait()
		close(done)
	}()
	return done
}

// Nested: each counted shard goroutine waits for its own children, on a
// second WaitGroup.
func Nested(shards [][]string) {
	var outer sync.WaitGroup
	for _, files := range shards {
		outer.Add(1)
		go func() {
			defer outer.Done()
			var inner sync.WaitGroup
			for _, f := range files {
				inner.Go(func() { upload(f) })
			}
			inner.Wait()
		}()
	}
	outer.Wait()
}

// GoOther: a wg.Go function that waits on another group.
func GoOther(paths []string) {
	var uploads, flushes sync.WaitGroup
	for _, p := range paths {
		uploads.Go(func() { upload(p) })
	}
	flushes.Go(func() {
		uploads.Wait()
		flush(nil)
	})
	flushes.Wait()
}
