// Package suite runs an exercise's property suite over an implementation. The
// same suite checks the reference solution, the sequential implementation and
// a learner's practice copy, so the project's own tests can show that the
// suite has teeth and the learner is graded by exactly what the tests assert.
package suite

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/asyncbook/asyncbook/exercises/simworld"
)

// ReportEnv names the environment variable that, when set to a file path,
// makes Run write its Report there as JSON (the CLI and the grader read it).
const ReportEnv = "ASYNCBOOK_REPORT"

// DefaultPropertyTimeout bounds one property's run, so that an implementation
// that hangs fails its property instead of hanging the suite.
const DefaultPropertyTimeout = 30 * time.Second

// Property is one behaviour an exercise checks over an implementation I.
type Property[I any] struct {
	Name        string // short, kebab-case: "bounded-concurrency"
	Pattern     string // the key pattern it teaches: "throttling and backpressure"
	Description string // one sentence, what must hold
	// Concurrency marks the properties that a sequential implementation is
	// expected to fail (the exercise's point), as opposed to correctness.
	Concurrency bool
	// Check runs impl against a fresh simulated world and says what it saw.
	// ctx is cancelled when the property's time is up.
	Check func(ctx context.Context, impl I) Outcome
}

// Outcome is what one property's check observed.
type Outcome struct {
	Pass     bool
	Observed string          // what was seen: "max 12 in flight, limit 4"
	Timeline []simworld.Span // the recorded calls, for the timeline
	// Where is the code under test responsible for a failure, when the
	// check knows it (see Code); empty for a pass.
	Where []Location
}

// Result is a property's outcome with the property's identity, as reported.
type Result struct {
	Property    string          `json:"property"`
	Pattern     string          `json:"pattern,omitempty"`
	Description string          `json:"description,omitempty"`
	Concurrency bool            `json:"concurrency"`
	Pass        bool            `json:"pass"`
	Observed    string          `json:"observed"`
	Elapsed     time.Duration   `json:"elapsed"`
	Timeline    []simworld.Span `json:"timeline,omitempty"`
	// Where is the learner's code responsible for a failure, where the
	// suite knows it (the go statement of a goroutine still running, the
	// call that exceeded a limit); empty when it does not.
	Where []Location `json:"where,omitempty"`
}

// Location is a place in the code under test that a result points at.
type Location struct {
	File     string `json:"file"`
	Line     int    `json:"line"`
	Function string `json:"function,omitempty"`
	Note     string `json:"note,omitempty"` // what happened there: "5th request in flight on embedder (limit 4)"
}

// Report is what Run writes for the CLI and the grader.
type Report struct {
	Exercise string   `json:"exercise"`
	Results  []Result `json:"results"`
	// LeakProfile says whether the test binary had the goroutine-leak
	// profile (built with GOEXPERIMENT=goroutineleakprofile); Leaked are
	// the goroutines it proved leaked, by the property whose run left them.
	LeakProfile bool     `json:"leak_profile,omitempty"`
	Leaked      []Leaked `json:"leaked,omitempty"`
}

// Suite is an exercise's property suite.
type Suite[I any] struct {
	Exercise   string
	Properties []Property[I]
	// Timeout bounds each property; zero means DefaultPropertyTimeout.
	Timeout time.Duration
}

// Check runs every property over impl and returns the results in order.
func (s Suite[I]) Check(impl I) []Result {
	out := make([]Result, 0, len(s.Properties))
	for _, p := range s.Properties {
		out = append(out, s.checkOne(p, impl))
	}
	return out
}

// checkOne runs one property with a deadline. A check that does not return
// within the deadline (plus a grace period) is reported as a hang; its
// goroutine is then abandoned to the process, which goleak will report.
func (s Suite[I]) checkOne(p Property[I], impl I) Result {
	timeout := s.Timeout
	if timeout == 0 {
		timeout = DefaultPropertyTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	res := Result{Property: p.Name, Pattern: p.Pattern, Description: p.Description, Concurrency: p.Concurrency}
	done := make(chan Outcome, 1) // buffered: the check never blocks if we gave up on it
	start := time.Now()
	go func() {
		defer func() {
			if r := recover(); r != nil {
				o := Outcome{Observed: fmt.Sprintf("implementation panicked: %v", r)}
				var pcs [64]uintptr
				n := runtime.Callers(0, pcs[:]) // the panicking frames are still on the stack
				if l, ok := CodeOf(impl).Locate(pcs[:n], fmt.Sprintf("panicked: %v", r)); ok {
					o.Where = []Location{l}
				}
				done <- o
			}
		}()
		done <- p.Check(ctx, impl)
	}()
	grace := time.NewTimer(timeout + 5*time.Second)
	defer grace.Stop()
	select {
	case o := <-done:
		res.Pass, res.Observed, res.Timeline = o.Pass, o.Observed, o.Timeline
		if !o.Pass {
			res.Where = o.Where
		}
	case <-grace.C:
		res.Observed = fmt.Sprintf("did not return within %v after its context was cancelled: the implementation hangs", timeout)
	}
	res.Elapsed = time.Since(start)
	return res
}

// Run checks impl as subtests of t, one per property, and writes the report
// to $ASYNCBOOK_REPORT when that is set. In a binary built with the
// goroutine-leak profile, it asks the profile after each property which
// goroutines are proven leaked, logs them and puts them in the report.
func (s Suite[I]) Run(t *testing.T, impl I) []Result {
	t.Helper()
	var results []Result
	var leaked []Leaked
	watch := newLeakWatcher()
	for _, p := range s.Properties {
		t.Run(p.Name, func(t *testing.T) {
			r := s.checkOne(p, impl)
			results = append(results, r)
			if !r.Pass {
				t.Errorf("%s: %s\n  observed: %s", p.Name, p.Description, r.Observed)
			} else {
				t.Logf("%s: %s", p.Name, r.Observed)
			}
			if stacks := watch.collect(); stacks != "" {
				leaked = append(leaked, Leaked{Property: p.Name, Stacks: stacks})
				t.Errorf("%s: the goroutine-leak profile proved goroutines leaked:\n%s", p.Name, stacks)
			}
		})
	}
	if path := os.Getenv(ReportEnv); path != "" {
		rep := Report{Exercise: s.Exercise, Results: results, LeakProfile: watch.available(), Leaked: leaked}
		if err := WriteReport(path, rep); err != nil {
			t.Errorf("write report: %v", err)
		}
	}
	return results
}

// WriteReport writes r as indented JSON to path.
func WriteReport(path string, r Report) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encode report: %w", err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	return nil
}

// Failed returns the names of the results that did not pass.
func Failed(results []Result) []string {
	var out []string
	for _, r := range results {
		if !r.Pass {
			out = append(out, r.Property)
		}
	}
	return out
}

// Find returns the result of the named property, and whether it was there.
func Find(results []Result, name string) (Result, bool) {
	for _, r := range results {
		if r.Property == name {
			return r, true
		}
	}
	return Result{}, false
}

// Only returns the suite with just the named properties, in the suite's
// order; the exercises' tests use it to show one property failing one
// broken implementation.
func (s Suite[I]) Only(names ...string) Suite[I] {
	sub := s
	sub.Properties = nil
	for _, p := range s.Properties {
		for _, n := range names {
			if p.Name == n {
				sub.Properties = append(sub.Properties, p)
				break
			}
		}
	}
	return sub
}
