package lockleak

import (
	"fmt"
	"go/token"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"

	"github.com/asyncbook/asyncbook/analyzers/summary"
)

// catPool is the sub-check key for values taken from a pool channel.
const catPool = "pool-value-lost"

// checkPools reports returns of an error that lose a value taken from a
// pool channel (gpu := <-p.free) when other paths of the function give
// that same value back (p.free <- gpu, often in a deferred closure): the
// pool holds a fixed set of values (device ids, connections, buffers),
// each such return loses one, and once all are lost every receive from the
// pool blocks forever. A value returned to the caller, stored, or sent
// elsewhere is handed on, not lost; a function that never gives the value
// back is a pool's Get; a return that is no error is left alone (a queue
// that requeues a failed job sends it back on failure, not on success).
func (c *semChecker) checkPools(fn *ssa.Function, reported map[*ssa.Return]bool) {
	for _, b := range fn.Blocks {
		for _, in := range b.Instrs {
			recv, ok := in.(*ssa.UnOp)
			if !ok || recv.Op != token.ARROW || recv.CommaOk || !used(recv) {
				continue
			}
			k, ok := keyOf(recv.X)
			if !ok || unbuffered(k) || c.unbufferedField(fn, k) {
				continue
			}
			vals, handed := holders(recv, k)
			if handed {
				continue
			}
			backs := givenBack(fn, k, vals)
			if len(backs) == 0 {
				continue
			}
			for _, ret := range summary.ReturnsAvoiding(recv, backs, nil, nil) {
				if reported[ret] || returnsAny(ret, vals) || !summary.ReturnsError(ret) {
					continue
				}
				reported[ret] = true
				c.reportPool(fn, recv, ret)
				break
			}
		}
	}
}

// holders returns the values that hold what recv received: recv itself,
// and the variable (captured by a closure) it is stored in; handed is set
// when it is stored anywhere else, put in a map, sent on another channel
// or given to a goroutine: then it is not this function's to give back.
func holders(recv *ssa.UnOp, pool semKey) (vals map[ssa.Value]bool, handed bool) {
	vals = map[ssa.Value]bool{recv: true}
	var alloc *ssa.Alloc
	for _, r := range *recv.Referrers() {
		switch r := r.(type) {
		case *ssa.Store:
			a, ok := r.Addr.(*ssa.Alloc)
			if !ok || summary.SingleStore(a) != r {
				return nil, true
			}
			vals[a], alloc = true, a
		case *ssa.Send:
			if k, ok := keyOf(r.Chan); !ok || k != pool {
				return nil, true
			}
		case *ssa.MapUpdate, *ssa.Go:
			return nil, true
		}
	}
	if alloc != nil {
		for _, r := range *alloc.Referrers() {
			ld, ok := r.(*ssa.UnOp)
			if !ok || ld.Op != token.MUL {
				continue
			}
			for _, lr := range *ld.Referrers() {
				switch lr := lr.(type) {
				case *ssa.Send:
					if k, ok := keyOf(lr.Chan); !ok || k != pool {
						return nil, true
					}
				case *ssa.MapUpdate, *ssa.Go:
					return nil, true
				}
			}
		}
	}
	return vals, false
}

// givenBack returns the instructions of fn that send a value of vals back
// on the pool k: a send, or the call or defer of a closure that does.
func givenBack(fn *ssa.Function, k semKey, vals map[ssa.Value]bool) map[ssa.Instruction]bool {
	out := map[ssa.Instruction]bool{}
	for _, b := range fn.Blocks {
		for _, in := range b.Instrs {
			switch in := in.(type) {
			case *ssa.Send:
				if got, ok := keyOf(in.Chan); ok && got == k && vals[in.X] {
					out[in] = true
				}
			case *ssa.MakeClosure:
				closure, ok := in.Fn.(*ssa.Function)
				if !ok || !calledHere(in) || !closureSendsBack(closure, in, k, vals) {
					continue
				}
				for _, r := range *in.Referrers() {
					if call, ok := r.(ssa.CallInstruction); ok {
						out[call] = true
					}
				}
			}
		}
	}
	return out
}

// closureSendsBack reports whether the closure mc makes sends a captured
// value of vals on its captured pool k.
func closureSendsBack(closure *ssa.Function, mc *ssa.MakeClosure, k semKey, vals map[ssa.Value]bool) bool {
	bound := func(v ssa.Value) ssa.Value {
		if ld, ok := v.(*ssa.UnOp); ok && ld.Op == token.MUL {
			v = ld.X
		}
		fv, ok := v.(*ssa.FreeVar)
		if !ok {
			return nil
		}
		for i, f := range closure.FreeVars {
			if f == fv && i < len(mc.Bindings) {
				return mc.Bindings[i]
			}
		}
		return nil
	}
	for _, b := range closure.Blocks {
		for _, in := range b.Instrs {
			s, ok := in.(*ssa.Send)
			if !ok || !vals[bound(s.X)] {
				continue
			}
			inner, ok := keyOf(s.Chan)
			if !ok || inner.free < 0 || inner.free >= len(mc.Bindings) {
				continue
			}
			if outer, ok := sub(inner, mc.Bindings[inner.free]); ok && outer == k {
				return true
			}
		}
	}
	return false
}

// returnsAny reports whether ret returns one of vals (or a load of it).
func returnsAny(ret *ssa.Return, vals map[ssa.Value]bool) bool {
	for _, r := range ret.Results {
		if ld, ok := r.(*ssa.UnOp); ok && ld.Op == token.MUL && vals[ld.X] {
			return true
		}
		if vals[r] {
			return true
		}
	}
	return false
}

func (c *semChecker) reportPool(fn *ssa.Function, recv *ssa.UnOp, ret *ssa.Return) {
	pos := ret.Pos()
	where := "this return"
	if !pos.IsValid() {
		pos = fn.Syntax().End() - 1
		where = "the end of the function"
	}
	name := semName(c.pass, fn, recv.Pos())
	c.pass.Report(analysis.Diagnostic{
		Pos:      pos,
		Category: catPool,
		Message: fmt.Sprintf("%s loses the value taken from pool %s at line %d, though other paths give it back (%s <- ...): each such return loses one of the pool's values, and once all are lost every receive from %s blocks forever; give it back in a defer right after taking it",
			where, name, c.pass.Fset.Position(recv.Pos()).Line, name, name),
		Related: []analysis.RelatedInformation{{Pos: recv.Pos(), Message: "value taken here"}},
	})
}
