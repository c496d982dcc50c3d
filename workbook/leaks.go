package workbook

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Leak is a goroutine still running after the tests. File and Line are
// where the go statement that started it stands.
type Leak struct {
	File     string `json:"file"`
	Line     int    `json:"line"`
	Function string `json:"function"` // the function on top of its stack
	State    string `json:"state"`    // e.g. "chan send"
	Count    int    `json:"count"`    // goroutines reported with this start, function and state
	Stack    string `json:"stack"`    // the first one's stack
	// Detector says who found it: DetectorLeakProfile (proven: the
	// garbage collector found it blocked where no running goroutine can
	// ever wake it) or DetectorGoleak (still running when the test ended,
	// perhaps only slow, or spinning).
	Detector string `json:"detector,omitempty"`
	// BlockedOn says what a proven leak waits for, in the learner's words:
	// "send to results", "sync.WaitGroup.Wait".
	BlockedOn string `json:"blocked_on,omitempty"`
	// Property is the property whose run left it, when known.
	Property string `json:"property,omitempty"`
}

// Who found a leak.
const (
	DetectorLeakProfile = "goroutineleak"
	DetectorGoleak      = "goleak"
)

// Proven reports whether the leak was proven by the goroutine-leak profile.
func (l Leak) Proven() bool { return l.Detector == DetectorLeakProfile }

// Race is a data race the race detector reported while the suite ran.
type Race struct {
	// Accesses are the two conflicting accesses: the one that was caught,
	// then the earlier one it conflicts with.
	Accesses []Access `json:"accesses"`
	Property string   `json:"property,omitempty"` // the property whose run saw it
	Report   string   `json:"report"`             // the race detector's own text
}

// Access is one side of a data race.
type Access struct {
	Write    bool   `json:"write"`
	File     string `json:"file"` // the innermost frame in the code under test
	Line     int    `json:"line"`
	Function string `json:"function"`
	// CreatedFile and CreatedLine are the go statement of the goroutine
	// that made the access, when it was not the test's own.
	CreatedFile string `json:"created_file,omitempty"`
	CreatedLine int    `json:"created_line,omitempty"`
	Stack       string `json:"stack"`
}

var (
	goroutineHeader = regexp.MustCompile(`^\[?Goroutine (\d+) in state ([^,]+), with (\S+) on top of the stack:`)
	fileLine        = regexp.MustCompile(`^\s+(\S+\.go):(\d+)`)
)

// ParseLeaks extracts the leaked goroutines from goleak's reports in a test's
// output (indented or not): for each, the go statement that started it (from
// the "created by" frame), the function it is stuck in, and its state.
// Goroutines with the same start, function and state are reported once, with
// their count, however many reports name them.
func ParseLeaks(output string) []Leak { return parseGoleak(output, nil, "") }

// parseGoleak is ParseLeaks leaving out the goroutines whose ids are in
// skip (those the goroutine-leak profile already proved leaked), placing
// each leak in dir's code when its go statement is elsewhere (see
// parseLeakProfile).
func parseGoleak(output string, skip map[string]bool, dir string) []Leak {
	var leaks []Leak
	seen := map[string]int{} // key → index in leaks
	ids := map[string]bool{}
	lines := strings.Split(output, "\n")
	for i := 0; i < len(lines); i++ {
		m := goroutineHeader.FindStringSubmatch(strings.TrimSpace(lines[i]))
		if m == nil {
			continue
		}
		l := Leak{State: m[2], Function: m[3], Detector: DetectorGoleak}
		var stack []string
		for i++; i < len(lines); i++ {
			line := lines[i]
			if strings.TrimSpace(line) == "]" || strings.TrimSpace(line) == "" || goroutineHeader.MatchString(strings.TrimSpace(line)) {
				i--
				break
			}
			stack = append(stack, line)
			if strings.HasPrefix(strings.TrimSpace(line), "created by ") && i+1 < len(lines) {
				if fm := fileLine.FindStringSubmatch(lines[i+1]); fm != nil {
					l.File = fm[1]
					l.Line, _ = strconv.Atoi(fm[2])
				}
			}
		}
		l.Stack = strings.Join(stack, "\n")
		if dir != "" && !inDir(l.File, dir) {
			if frames, _ := parseFrames(stack); len(frames) > 0 {
				if f, ok := pick(frames, dir); ok && inDir(f.File, dir) {
					l.File, l.Line = f.File, f.Line
				}
			}
		}
		if ids[m[1]] || skip[m[1]] {
			continue // the same goroutine in a second report
		}
		ids[m[1]] = true
		key := fmt.Sprintf("%s:%d|%s|%s", l.File, l.Line, l.Function, l.State)
		if k, ok := seen[key]; ok {
			leaks[k].Count++
			continue
		}
		l.Count = 1
		seen[key] = len(leaks)
		leaks = append(leaks, l)
	}
	return leaks
}
