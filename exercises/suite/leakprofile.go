package suite

import (
	"bytes"
	"regexp"
	"runtime/pprof"
	"strings"
)

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
	profile *pprof.Profile
	seen    map[string]bool
}

func newLeakWatcher() *leakWatcher {
	return &leakWatcher{profile: pprof.Lookup(LeakProfileName), seen: map[string]bool{}}
}

// available reports whether the binary was built with the profile.
func (w *leakWatcher) available() bool { return w.profile != nil }

// collect runs the leak-detecting garbage collection and returns the stacks
// of the goroutines newly found leaked ("" when none or no profile).
func (w *leakWatcher) collect() string {
	if w.profile == nil {
		return ""
	}
	var buf bytes.Buffer
	if err := w.profile.WriteTo(&buf, 2); err != nil {
		return ""
	}
	return w.newlyLeaked(buf.String())
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
