package suite

import (
	"fmt"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/asyncbook/asyncbook/exercises/simworld"
)

// MaxWhere bounds the places one result points at: the first few say
// enough, and an editor full of one property's marks says less.
const MaxWhere = 3

// Code recognises the code under test in stacks: the frames of the
// implementation's package, except the exercise's own API files when the
// implementation lives in the exercise's package (the reference solution,
// the sequential version, the tests' broken versions). A learner's
// practice copy is a package of its own, so all its frames are theirs.
type Code struct {
	pkg string          // import path of the implementation's package
	api map[string]bool // absolute paths of files that are not the implementation's
}

// CodeOf returns the Code of impl, a function. api are base names of the
// files, in the directory of CodeOf's caller (the exercise's suite.go),
// that hold what the exercise gives an implementation (types.go, pool.go)
// rather than an implementation. A nil or non-function impl gives a Code
// that recognises nothing.
func CodeOf(impl any, api ...string) Code {
	c := Code{api: map[string]bool{}}
	if _, file, _, ok := runtime.Caller(1); ok {
		for _, name := range api {
			c.api[filepath.Join(filepath.Dir(file), name)] = true
		}
	}
	v := reflect.ValueOf(impl)
	if v.Kind() != reflect.Func || v.IsNil() {
		return c
	}
	if f := runtime.FuncForPC(v.Pointer()); f != nil {
		c.pkg = funcPackage(f.Name())
	}
	return c
}

// funcPackage returns the import path of a function's full name, as the
// runtime spells it: "example.com/a/b.(*T).M.func1" → "example.com/a/b".
func funcPackage(name string) string {
	slash := strings.LastIndex(name, "/")
	dot := strings.Index(name[slash+1:], ".")
	if dot < 0 {
		return ""
	}
	return name[:slash+1+dot]
}

// owns reports whether a frame of function fn in file is the code under test.
func (c Code) owns(fn, file string) bool {
	return c.pkg != "" && funcPackage(fn) == c.pkg && !c.api[filepath.Clean(file)]
}

// Locate returns the innermost frame of pcs (from runtime.Callers) that is
// the code under test, with note, and whether there is one.
func (c Code) Locate(pcs []uintptr, note string) (Location, bool) {
	if c.pkg == "" || len(pcs) == 0 {
		return Location{}, false
	}
	frames := runtime.CallersFrames(pcs)
	for {
		f, more := frames.Next()
		if c.owns(f.Function, f.File) {
			return Location{File: f.File, Line: f.Line, Function: shortFunc(f.Function), Note: note}, true
		}
		if !more {
			return Location{}, false
		}
	}
}

// shortFunc drops the import path's directories from a function name:
// "example.com/practice/batchinference.Solve.func1" → "batchinference.Solve.func1".
func shortFunc(name string) string {
	return name[strings.LastIndex(name, "/")+1:]
}

// Calls places recorded calls at the lines of the code under test that
// made them, one place per line (noting how many calls came from it), at
// most MaxWhere places. note says what is wrong with a call; the first
// call from each line is the one described.
func (c Code) Calls(calls []simworld.Call, note func(simworld.Call) string) []Location {
	var w where
	for i := range calls {
		if l, ok := c.Locate(calls[i].Callers(), note(calls[i])); ok {
			w.add(l, "call")
		}
	}
	return w.places()
}

// where gathers places, one per line, counting the repeats.
type where struct {
	locs  []Location
	count []int
	what  []string
}

func (w *where) add(l Location, what string) {
	for i, have := range w.locs {
		if have.File == l.File && have.Line == l.Line {
			w.count[i]++
			return
		}
	}
	w.locs = append(w.locs, l)
	w.count = append(w.count, 1)
	w.what = append(w.what, what)
}

func (w *where) places() []Location {
	var out []Location
	for i, l := range w.locs {
		if len(out) == MaxWhere {
			break
		}
		if w.count[i] > 1 {
			l.Note += fmt.Sprintf(" (%d %ss from this line)", w.count[i], w.what[i])
		}
		out = append(out, l)
	}
	return out
}

var (
	goleakHeader = regexp.MustCompile(`^\[?\s*Goroutine (\d+) in state ([^,]+), with`)
	stackFile    = regexp.MustCompile(`^\s+(\S+\.go):(\d+)`)
)

// Leaked places the goroutines of a goleak.Find error: for each, the line
// of the code under test where it is stuck (its innermost frame there),
// and the go statement that started it when that is the code under test's
// (not, say, errgroup's). Goroutines at the same line count once; at most
// MaxWhere places. nil err places nothing.
func (c Code) Leaked(err error) []Location {
	if err == nil || c.pkg == "" {
		return nil
	}
	var w where
	lines := strings.Split(err.Error(), "\n")
	for i := 0; i < len(lines); i++ {
		m := goleakHeader.FindStringSubmatch(strings.TrimSpace(lines[i]))
		if m == nil {
			continue
		}
		state := m[2]
		var stuck, created *Location
		for i++; i < len(lines); i++ {
			if goleakHeader.MatchString(strings.TrimSpace(lines[i])) {
				i--
				break
			}
			fm := stackFile.FindStringSubmatch(lines[i])
			if fm == nil || i == 0 {
				continue
			}
			fn := strings.TrimSpace(lines[i-1])
			isCreated := strings.HasPrefix(fn, "created by ")
			if isCreated {
				fn, _, _ = strings.Cut(strings.TrimPrefix(fn, "created by "), " in goroutine ")
			} else if j := strings.LastIndex(fn, "("); j > 0 {
				fn = fn[:j]
			}
			if !c.owns(fn, fm[1]) {
				continue
			}
			n, _ := strconv.Atoi(fm[2])
			l := Location{File: fm[1], Line: n, Function: shortFunc(fn)}
			switch {
			case isCreated && created == nil:
				l.Note = fmt.Sprintf("started a goroutine still running after the implementation returned (%s)", state)
				created = &l
			case !isCreated && stuck == nil:
				l.Note = fmt.Sprintf("goroutine still %s here after the implementation returned", stuckIn(state))
				stuck = &l
			}
		}
		if stuck != nil {
			w.add(*stuck, "goroutine")
		}
		if created != nil {
			w.add(*created, "goroutine")
		}
	}
	return w.places()
}

// stuckIn says what a goroutine in state (as the runtime names it) is doing.
func stuckIn(state string) string {
	switch {
	case strings.HasPrefix(state, "chan send"):
		return "blocked sending"
	case strings.HasPrefix(state, "chan receive"):
		return "blocked receiving"
	case strings.HasPrefix(state, "select"):
		return "blocked in select"
	case strings.HasPrefix(state, "sync.WaitGroup.Wait"):
		return "blocked in WaitGroup.Wait"
	case strings.HasPrefix(state, "sync.Mutex.Lock"), strings.HasPrefix(state, "sync.RWMutex"):
		return "blocked on a lock"
	case strings.HasPrefix(state, "sleep"):
		return "sleeping"
	case strings.HasPrefix(state, "running"), strings.HasPrefix(state, "runnable"):
		return "running"
	}
	return "waiting (" + state + ")"
}

// Ordinal spells n as an ordinal for a note: 1st, 2nd, 3rd, 4th, 11th, 21st.
func Ordinal(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return strconv.Itoa(n) + suffix
}

// Since says how long after t a call began, for a note: "3ms after".
func Since(c simworld.Call, t time.Duration) string {
	return (c.Start - t).Round(10*time.Microsecond).String() + " after"
}
