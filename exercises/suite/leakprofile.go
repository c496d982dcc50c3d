package suite

import (
	"bytes"
	"io"
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
	// dump writes the leak profile at debug=2 (every goroutine, the
	// leaked ones marked); nil when the binary has no profile.
	dump func(w io.Writer) error
	seen map[string]bool // leaked goroutines already reported
	// known are the goroutines not to wait for: those there before the
	// first property, and those still there after a whole settle, neither
	// ended nor proven leaked (blocked where the profile cannot prove it,
	// or asleep: goleak reports them at the end). Waiting for them again
	// after every later property would prove nothing more.
	known  map[string]bool
	settle time.Duration
	sleep  func(time.Duration)
}

func newLeakWatcher() *leakWatcher {
	w := &leakWatcher{seen: map[string]bool{}, known: map[string]bool{}, settle: leakSettle, sleep: time.Sleep}
	p := pprof.Lookup(LeakProfileName)
	if p == nil {
		return w
	}
	w.dump = func(out io.Writer) error { return p.WriteTo(out, 2) }
	var buf bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&buf, 2); err == nil {
		for id := range goroutineIDs(buf.String()) {
			w.known[id] = true
		}
	}
	return w
}

// available reports whether the binary was built with the profile.
func (w *leakWatcher) available() bool { return w.dump != nil }

// collect runs the leak-detecting garbage collection and returns the stacks
// of the goroutines newly found leaked ("" when none or no profile). While
// goroutines run that were not there before (the caller's own aside), are
// not proven leaked and did not already outlast a settle, it looks again,
// backing off, for at most the settle time: they are ending, or about to
// block for good. Those still there then are not waited for again.
func (w *leakWatcher) collect() string {
	if w.dump == nil {
		return ""
	}
	self := currentGoroutineID()
	var found []string
	var waited time.Duration
	for wait := time.Millisecond; ; wait *= 2 {
		var buf bytes.Buffer
		if err := w.dump(&buf); err != nil {
			break
		}
		dump := buf.String()
		if s := w.newlyLeaked(dump); s != "" {
			found = append(found, s)
		}
		var pending []string
		for id := range goroutineIDs(dump) {
			if id != self && !w.seen[id] && !w.known[id] {
				pending = append(pending, id)
			}
		}
		if len(pending) == 0 {
			break
		}
		if waited >= w.settle {
			for _, id := range pending {
				w.known[id] = true
			}
			break
		}
		d := min(wait, 200*time.Millisecond, w.settle-waited)
		w.sleep(d)
		waited += d
	}
	return strings.Join(found, "\n\n")
}

// goroutineHeader matches a goroutine's header in a debug=2 dump.
var goroutineHeader = regexp.MustCompile(`(?m)^goroutine (\d+) `)

// goroutineIDs returns the ids of the goroutines in a debug=2 dump.
func goroutineIDs(dump string) map[string]bool {
	ids := map[string]bool{}
	for _, m := range goroutineHeader.FindAllStringSubmatch(dump, -1) {
		ids[m[1]] = true
	}
	return ids
}

// currentGoroutineID returns the calling goroutine's id, from its stack's
// header.
func currentGoroutineID() string {
	var buf [64]byte
	n := runtime.Stack(buf[:], false)
	if m := goroutineHeader.FindSubmatch(buf[:n]); m != nil {
		return string(m[1])
	}
	return ""
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
