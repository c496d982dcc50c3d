package main

import (
	"sort"
	"strings"
)

// Outcome is what one tool did on one kernel.
type Outcome int

const (
	// Silent: no finding in the kernel's file.
	Silent Outcome = iota
	// Off: findings in the kernel's file, none inside a leaking function.
	Off
	// AtBug: a finding inside a function the runtime's test names as
	// leaking.
	AtBug
)

func (o Outcome) String() string {
	switch o {
	case AtBug:
		return "at the bug"
	case Off:
		return "off the bug"
	}
	return "-"
}

// Result is one kernel's outcome for one tool, with the checks that fired
// at the bug (or, when none did, in the file).
type Result struct {
	Outcome Outcome
	Checks  []string
	// OnStack is set, for Off, when a finding lies in a function that is
	// a frame of a goroutine the kernel leaked when it ran (leaked): a
	// function the blocked goroutine is in, below the one the runtime's
	// test names it by.
	OnStack bool
}

// Score decides each kernel's outcome for a tool's findings; leaked holds
// each kernel's leaked goroutines as observed (LeakedStacks), nil when the
// kernels were not run.
func Score(src *Source, kernels []Kernel, fs []Finding, leaked map[string][]Stack) map[string]Result {
	out := map[string]Result{}
	for _, k := range kernels {
		file := src.DeclIn[k.Name]
		leaking := src.Leaking(k)
		onStack := src.Frames(leaked[k.Name])
		at, off := map[string]bool{}, map[string]bool{}
		stacked := false
		for _, f := range fs {
			if f.File != file {
				continue
			}
			inside := false
			for _, fn := range leaking {
				if fn.Contains(f.File, f.Line, f.Col) {
					inside = true
					break
				}
			}
			if inside {
				at[f.Check] = true
				continue
			}
			off[f.Check] = true
			for _, fn := range onStack {
				if fn.Contains(f.File, f.Line, f.Col) {
					stacked = true
				}
			}
		}
		switch {
		case len(at) > 0:
			out[k.Name] = Result{Outcome: AtBug, Checks: keys(at)}
		case len(off) > 0:
			out[k.Name] = Result{Outcome: Off, Checks: keys(off), OnStack: stacked}
		default:
			out[k.Name] = Result{Outcome: Silent}
		}
	}
	return out
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Tally counts a tool's outcomes over kernels (those that keep says).
type Tally struct {
	AtBug, Off, OffOnStack, Silent, Of int
}

func tally(kernels []Kernel, rs map[string]Result, keep func(Kernel) bool) Tally {
	var t Tally
	for _, k := range kernels {
		if !keep(k) {
			continue
		}
		t.Of++
		switch rs[k.Name].Outcome {
		case AtBug:
			t.AtBug++
		case Off:
			t.Off++
			if rs[k.Name].OnStack {
				t.OffOnStack++
			}
		default:
			t.Silent++
		}
	}
	return t
}

func (r Result) cell() string {
	if r.Outcome == Silent {
		return "-"
	}
	mark := "**bug**"
	if r.Outcome == Off {
		mark = "off"
		if r.OnStack {
			mark = "off (on the stack)"
		}
	}
	return mark + " " + strings.Join(r.Checks, ", ")
}

// Frames returns the functions of s that are frames of the stacks.
func (s *Source) Frames(stacks []Stack) []Func {
	names := map[string]bool{}
	for _, st := range stacks {
		for _, fr := range st.Frames {
			names[fr.File+" "+fr.Func] = true
		}
	}
	var out []Func
	for _, f := range s.Funcs {
		if names[f.File+" "+f.Name] {
			out = append(out, f)
		}
	}
	return out
}
