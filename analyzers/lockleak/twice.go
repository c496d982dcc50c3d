package lockleak

import (
	"fmt"
	"go/token"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"

	"github.com/asyncbook/asyncbook/analyzers/summary"
)

// releasedTwice reports an explicit release of a semaphore slot made after
// a deferred release of the same slot was registered (sem <- struct{}{};
// defer func() { <-sem }(); ... if err != nil { <-sem; return err }), on a
// path that reaches a return without taking a slot again: the slot is
// given back twice. The second receive takes a slot another goroutine
// holds (the bound no longer holds), or, with none held, blocks forever.
func (c *semChecker) releasedTwice(fn *ssa.Function, a acquire, rel map[ssa.Instruction][]release, acqs []acquire, reported map[ssa.Instruction]bool) {
	var deferred, explicit []ssa.Instruction
	for in, rs := range rel {
		for _, r := range rs {
			if r.key != a.key || !r.own {
				continue
			}
			if isDeferred(in) {
				deferred = append(deferred, in)
			} else {
				explicit = append(explicit, in)
			}
		}
	}
	if len(deferred) == 0 {
		return
	}
	retake := map[ssa.Instruction]bool{}
	for _, other := range acqs {
		if other.key == a.key {
			retake[other.at] = true
		}
	}
	for _, d := range deferred {
		if !dominates(a.at, d) {
			continue // registered on a path that took no slot
		}
		for _, e := range explicit {
			if reported[e] || !dominates(d, e) || summary.ReturnAvoiding(e, retake, nil, nil) == nil {
				continue
			}
			reported[e] = true
			name := semName(c.pass, a.fn, a.op)
			at := deferPos(d)
			c.pass.Report(analysis.Diagnostic{
				Pos:      e.Pos(),
				Category: catSemaphore,
				Message: fmt.Sprintf("the slot taken from semaphore %s at line %d is given back here and again by the release deferred at line %d: the second one takes a slot another goroutine holds, or blocks forever when none is held; drop this release",
					name, c.pass.Fset.Position(a.op).Line, c.pass.Fset.Position(at).Line),
				Related: []analysis.RelatedInformation{
					{Pos: at, Message: "release deferred here"},
					{Pos: a.op, Message: "slot taken here"},
				},
			})
		}
	}
}

// isDeferred reports a release that runs when the function returns: a
// defer statement, or a closure made only to be deferred.
func isDeferred(in ssa.Instruction) bool {
	switch in := in.(type) {
	case *ssa.Defer:
		return true
	case *ssa.MakeClosure:
		for _, r := range *in.Referrers() {
			if d, ok := r.(*ssa.Defer); ok && d.Call.Value == ssa.Value(in) {
				return true
			}
		}
	}
	return false
}

// deferPos is where a deferred release is registered: the defer statement.
func deferPos(in ssa.Instruction) token.Pos {
	if mc, ok := in.(*ssa.MakeClosure); ok {
		for _, r := range *mc.Referrers() {
			if d, ok := r.(*ssa.Defer); ok {
				return d.Pos()
			}
		}
	}
	return in.Pos()
}

// dominates reports whether every path to b passes a first.
func dominates(a, b ssa.Instruction) bool {
	if a.Block() != b.Block() {
		return a.Block().Dominates(b.Block())
	}
	for _, in := range a.Block().Instrs {
		if in == a {
			return true
		}
		if in == b {
			return false
		}
	}
	return false
}
