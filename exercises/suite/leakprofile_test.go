package suite

import (
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// A debug=2 dump lists every goroutine; only those marked leaked count, and
// each only the first time it is seen.
func TestNewlyLeakedKeepsLeakedGoroutinesOnce(t *testing.T) {
	dump := `goroutine 19 [running]:
runtime/pprof.writeGoroutineStacks({0x658110, 0xc000006048})
	/usr/local/go/src/runtime/pprof/pprof.go:819 +0x76

goroutine 1 [chan receive]:
testing.(*T).Run(0xc0000a8008, {0x647b50, 0x8}, 0x655610)
	/usr/local/go/src/testing/testing.go:2109 +0xb3e

goroutine 6 [chan send (leaked)]:
example.com/lk.leak.func1()
	/tmp/lk/lk.go:12 +0x3d
created by example.com/lk.leak in goroutine 19
	/tmp/lk/lk.go:12 +0x9a

goroutine 8 [sync.WaitGroup.Wait (leaked)]:
sync.(*WaitGroup).Wait(0xc000018250)
	/usr/local/go/src/sync/waitgroup.go:206 +0xc5
example.com/lk.leak.func3()
	/tmp/lk/lk.go:18 +0x2f
created by example.com/lk.leak in goroutine 19
	/tmp/lk/lk.go:18 +0x1cb
`
	w := &leakWatcher{seen: map[string]bool{}}
	got := w.newlyLeaked(dump)
	assert.Contains(t, got, "goroutine 6 [chan send (leaked)]")
	assert.Contains(t, got, "goroutine 8 [sync.WaitGroup.Wait (leaked)]")
	assert.NotContains(t, got, "goroutine 1 ")
	assert.NotContains(t, got, "goroutine 19 ")
	assert.Empty(t, w.newlyLeaked(dump), "already reported after the first property")
	assert.Empty(t, (&leakWatcher{}).collect(), "no profile, nothing proven")
}

// fakeDumps returns a dump function that serves dumps in turn (the last one
// again once they run out) and counts the looks.
func fakeDumps(looks *int, dumps ...string) func(io.Writer) error {
	return func(w io.Writer) error {
		d := dumps[min(*looks, len(dumps)-1)]
		*looks++
		_, err := io.WriteString(w, d)
		return err
	}
}

// The watcher waits for a goroutine that is still running after a property
// for at most the settle time, and not again after the next property: it
// outlasted a whole settle without ending or being proven leaked, and goleak
// reports it at the end. A goroutine proven leaked is reported and not
// waited for; one that ends stops the wait at once.
func TestLeakWatcherSettlesOnce(t *testing.T) {
	const stuck = `goroutine 42 [select]:
example.com/lk.poll()
	/tmp/lk/lk.go:30 +0x3d
created by example.com/lk.Start in goroutine 7
	/tmp/lk/lk.go:28 +0x9a
`
	const leaked = `goroutine 43 [chan send (leaked)]:
example.com/lk.leak.func1()
	/tmp/lk/lk.go:12 +0x3d
created by example.com/lk.leak in goroutine 7
	/tmp/lk/lk.go:12 +0x9a
`
	var slept time.Duration
	newWatcher := func(dump func(io.Writer) error) *leakWatcher {
		return &leakWatcher{dump: dump, seen: map[string]bool{}, known: map[string]bool{"1": true},
			settle: time.Second, sleep: func(d time.Duration) { slept += d }}
	}
	base := "goroutine 1 [chan receive]:\ntesting.(*T).Run()\n\n"

	looks := 0
	w := newWatcher(fakeDumps(&looks, base+stuck))
	assert.Empty(t, w.collect())
	assert.Equal(t, time.Second, slept, "a goroutine still running gets the whole settle time")
	slept, looks = 0, 0
	assert.Empty(t, w.collect())
	assert.Zero(t, slept, "and is not waited for after the next property")
	assert.Equal(t, 1, looks, "one look still runs the leak-detecting collection")

	slept, looks = 0, 0
	w = newWatcher(fakeDumps(&looks, base+stuck, base+stuck, base))
	assert.Empty(t, w.collect())
	assert.Equal(t, 3, looks, "the wait ends when the goroutine does")
	assert.Less(t, slept, time.Second)

	slept, looks = 0, 0
	w = newWatcher(fakeDumps(&looks, base+leaked))
	assert.Contains(t, w.collect(), "goroutine 43 [chan send (leaked)]")
	assert.Zero(t, slept, "a goroutine proven leaked is reported at once")
	assert.Empty(t, w.collect(), "and only once")
}
