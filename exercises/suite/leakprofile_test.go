package suite

import (
	"testing"

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
