package suite

import (
	"bytes"
	"regexp"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"
)

// leakSettle bounds how long the watcher waits, after a property, for the
// goroutines it started to end or to block for good: a goroutine still
// finishing its last call cannot be proven leaked yet.
const leakSettle = 2 * time.Second

// LeakProfileName is the runtime/pprof profile that lists the goroutines
// the garbage collector proved leaked: blocked on a channel, mutex,
// WaitGroup or cond that no running goroutine can reach. It exists only in
// a binary built with GOEXPERIMENT=goroutineleakprofile (Go 1.26).
const LeakProfileName = "goroutineleak"

// Leaked is what the goroutine-leak profile proved after one property: the
// stacks of the goroutines it found leaked for the first time, in the
// runtime's own format (`goroutine N [chan send (leaked)]:`, frames,
// `created by ...`), separated by blank lines.
type Leaked struct {
	Property string `json:"property"`
	Stacks   string `json:"stacks"`
}

// leakedHeader matches a goroutine's header in a debug=2 profile when the
// goroutine is marked leaked.
var leakedHeader = regexp.MustCompile(`^goroutine (\d+) \[[^\]]*\(leaked\)[^\]]*\]:`)

// leakWatcher asks the goroutine-leak profile, after each property, which
// goroutines are leaked, and remembers the ones it has already reported so
// that a goroutine leaked by one property is not blamed on the next.
type leakWatcher struct {
	profile  *pprof.Profile
	seen     map[string]bool
	baseline int // goroutines before the first property
}

func newLeakWatcher() *leakWatcher {
	return &leakWatcher{profile: pprof.Lookup(LeakProfileName), seen: map[string]bool{}, baseline: runtime.NumGoroutine()}
}

// available reports whether the binary was built with the profile.
func (w *leakWatcher) available() bool { return w.profile != nil }

// collect runs the leak-detecting garbage collection and returns the stacks
// of the goroutines newly found leaked ("" when none or no profile). While
// more goroutines run than before the first property (the property's own
// subtest aside) and are not proven leaked, it looks again, backing off,
// for at most leakSettle: they are ending, or about to block for good.
func (w *leakWatcher) collect() string {
	if w.profile == nil {
		return ""
	}
	var found []string
	deadline := time.Now().Add(leakSettle)
	for wait := time.Millisecond; ; wait *= 2 {
		var buf bytes.Buffer
		if err := w.profile.WriteTo(&buf, 2); err != nil {
			break
		}
		if s := w.newlyLeaked(buf.String()); s != "" {
			found = append(found, s)
		}
		if runtime.NumGoroutine()-len(w.seen) <= w.baseline+1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(min(wait, 200*time.Millisecond))
	}
	return strings.Join(found, "\n\n")
}

// newlyLeaked keeps the leaked goroutines of a debug=2 dump (which lists
// every goroutine) that were not reported before.
func (w *leakWatcher) newlyLeaked(dump string) string {
	var out []string
	for _, block := range strings.Split(dump, "\n\n") {
		block = strings.TrimSpace(block)
		m := leakedHeader.FindStringSubmatch(block)
		if m == nil || w.seen[m[1]] {
			continue
		}
		w.seen[m[1]] = true
		out = append(out, block)
	}
	return strings.Join(out, "\n\n")
}
