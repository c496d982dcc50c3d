// Package simworld is the simulated ML world the exercises share: models,
// data sources, accelerators and workers with latency and failure modes. Every
// simulated call is recorded on a Recorder, so a property suite can assert
// "at most N in flight", "at least K ran at once" or "stopped after
// cancellation" from what happened rather than from wall-clock thresholds, and
// so the CLI can draw a timeline.
package simworld

import (
	"context"
	"runtime"
	"sort"
	"sync"
	"time"
)

// Span is one recorded simulated call.
type Span struct {
	Resource string        `json:"resource"`        // e.g. "model/resnet", "source/s3"
	Label    string        `json:"label,omitempty"` // e.g. the input id
	Start    time.Duration `json:"start"`           // since the recorder was made
	End      time.Duration `json:"end"`
	Err      string        `json:"err,omitempty"`
}

// Recorder records spans and in-flight counts per resource. The zero value is
// not usable; call NewRecorder. It is safe for concurrent use.
type Recorder struct {
	mu          sync.Mutex
	origin      time.Time
	spans       []Span
	inFlight    map[string]int
	maxInFlight map[string]int
	total       int
	maxTotal    int
	calls       []Call // every call begun, finished or not, in start order
}

// callerDepth bounds the frames Begin keeps of the stack that made a call:
// the simulated world's own few, then the caller's.
const callerDepth = 24

// Call is one call begun on a recorder, finished or not, with the stack
// that began it, so a property can point at the code that made it.
type Call struct {
	Span          // End and Err are set once it ended
	Running  bool // not ended yet
	InFlight int  // calls on its resource running as it began, itself included
	pcs      [callerDepth]uintptr
	npc      int
}

// Callers returns the program counters of the stack that began the call,
// innermost first, from the caller of Recorder.Begin (runtime.Callers).
func (c *Call) Callers() []uintptr { return c.pcs[:c.npc] }

// NewRecorder returns an empty recorder whose clock starts now.
func NewRecorder() *Recorder {
	return &Recorder{
		origin:      time.Now(),
		inFlight:    map[string]int{},
		maxInFlight: map[string]int{},
	}
}

// Sibling returns an empty recorder on r's clock, for calls a suite
// watches apart from the world's (they stay out of r's spans and counts).
func (r *Recorder) Sibling() *Recorder {
	s := NewRecorder()
	s.origin = r.origin
	return s
}

// Begin marks the start of a call on resource and returns the function that
// ends it; pass the call's error (nil on success) to end.
func (r *Recorder) Begin(resource, label string) (end func(err error)) {
	c := Call{Running: true}
	c.npc = runtime.Callers(2, c.pcs[:])
	r.mu.Lock()
	start := time.Since(r.origin)
	r.inFlight[resource]++
	if r.inFlight[resource] > r.maxInFlight[resource] {
		r.maxInFlight[resource] = r.inFlight[resource]
	}
	r.total++
	c.Span = Span{Resource: resource, Label: label, Start: start}
	c.InFlight = r.inFlight[resource]
	i := len(r.calls)
	r.calls = append(r.calls, c)
	if r.total > r.maxTotal {
		r.maxTotal = r.total
	}
	r.mu.Unlock()
	var once sync.Once
	return func(err error) {
		once.Do(func() {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.inFlight[resource]--
			r.total--
			s := Span{Resource: resource, Label: label, Start: start, End: time.Since(r.origin)}
			if err != nil {
				s.Err = err.Error()
			}
			r.spans = append(r.spans, s)
			r.calls[i].Span, r.calls[i].Running = s, false
		})
	}
}

// Now returns the time since the recorder was made, on the spans' clock.
func (r *Recorder) Now() time.Duration { return time.Since(r.origin) }

// InFlight returns how many calls on resource are running now.
func (r *Recorder) InFlight(resource string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.inFlight[resource]
}

// MaxInFlight returns the most calls on resource that ever ran at once.
func (r *Recorder) MaxInFlight(resource string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.maxInFlight[resource]
}

// MaxInFlightTotal returns the most calls on any resources that ever ran at once.
func (r *Recorder) MaxInFlightTotal() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.maxTotal
}

// TotalInFlight returns how many calls on any resource are running now.
func (r *Recorder) TotalInFlight() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.total
}

// Spans returns the finished spans ordered by start time.
func (r *Recorder) Spans() []Span {
	r.mu.Lock()
	out := append([]Span(nil), r.spans...)
	r.mu.Unlock()
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start < out[j].Start })
	return out
}

// SpansOf returns the finished spans on resource, ordered by start time.
func (r *Recorder) SpansOf(resource string) []Span {
	var out []Span
	for _, s := range r.Spans() {
		if s.Resource == resource {
			out = append(out, s)
		}
	}
	return out
}

// StartedAfter counts the calls, finished or still running, that began
// after t.
func (r *Recorder) StartedAfter(t time.Duration) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.calls {
		if c.Start > t {
			n++
		}
	}
	return n
}

// Calls returns every call begun, finished or still running, in start
// order, with the stacks that began them.
func (r *Recorder) Calls() []Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Call(nil), r.calls...)
}

// CallsAfter returns the calls, finished or still running, that began
// after t, in start order.
func (r *Recorder) CallsAfter(t time.Duration) []Call {
	var out []Call
	for _, c := range r.Calls() {
		if c.Start > t {
			out = append(out, c)
		}
	}
	return out
}

// Started returns how many calls began in all, finished or still running.
func (r *Recorder) Started() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.calls)
}

// Sleep waits for d or until ctx is done, whichever comes first, and returns
// ctx.Err() in the second case. It is how simulated work honours cancellation.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
