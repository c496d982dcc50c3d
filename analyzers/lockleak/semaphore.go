package lockleak

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"

	"github.com/asyncbook/asyncbook/analyzers/summary"
)

// catSemaphore is the sub-check key for slots of a semaphore.
const catSemaphore = "release-on-every-path"

// semKey names a semaphore in one function's terms: a parameter or a field
// of one, a captured variable, a value made here, or a package variable.
type semKey struct {
	param, free int
	field       string
	origin      ssa.Value // a make or a constructor's result
	global      *ssa.Global
}

// keyOf returns the semaphore v denotes.
func keyOf(v ssa.Value) (semKey, bool) {
	if p, f, field, made, ok := summary.Root(v); ok {
		var origin ssa.Value
		if made != nil {
			origin = made
		}
		return semKey{param: p, free: f, field: field, origin: origin}, true
	}
	switch v := v.(type) {
	case *ssa.Call:
		return semKey{param: -1, free: -1, origin: v}, true
	case *ssa.Alloc:
		if st := summary.SingleStore(v); st != nil {
			return keyOf(st.Val)
		}
	case *ssa.UnOp:
		if v.Op != token.MUL {
			break
		}
		switch x := v.X.(type) {
		case *ssa.Global:
			return semKey{param: -1, free: -1, global: x}, true
		case *ssa.Alloc:
			return keyOf(x)
		}
	case *ssa.ChangeType:
		return keyOf(v.X)
	}
	return semKey{}, false
}

// sub returns k seen from the caller: the caller's key for the value
// passed as parameter k.param (or bound as captured variable k.free).
func sub(k semKey, bound ssa.Value) (semKey, bool) {
	outer, ok := keyOf(bound)
	if !ok {
		return semKey{}, false
	}
	if k.field != "" {
		if outer.origin != nil || outer.global != nil {
			return semKey{}, false
		}
		if outer.field != "" {
			outer.field += "." + k.field
		} else {
			outer.field = k.field
		}
	}
	return outer, true
}

// acquire is a slot taken: a send on a channel used as a semaphore, or a
// successful Acquire of a semaphore.Weighted.
type acquire struct {
	at       ssa.Instruction // where the slot is held from
	taker    *ssa.BasicBlock // the block of the send, select or Acquire
	op       token.Pos       // the send's arrow, the Acquire call
	key      semKey
	weighted bool
	failed   map[[2]*ssa.BasicBlock]bool // edges on which nothing was acquired
}

// semChecker finds the acquires and releases of a package's functions.
type semChecker struct {
	pass *analysis.Pass
	res  *summary.Result
	memo map[*ssa.Function][]semKey // what a function releases, in its own terms
	busy map[*ssa.Function]bool
}

// checkSemaphores reports returns that keep a semaphore's slot when other
// paths of the same function give it back.
func checkSemaphores(pass *analysis.Pass, res *summary.Result) {
	if res == nil || res.Pkg == nil {
		return
	}
	c := &semChecker{pass: pass, res: res, memo: map[*ssa.Function][]semKey{}, busy: map[*ssa.Function]bool{}}
	for _, fn := range res.SrcFuncs {
		acqs := acquires(fn)
		if len(acqs) == 0 {
			continue
		}
		rel := c.releases(fn)
		reported := map[*ssa.Return]bool{}
		for _, a := range acqs {
			if unbuffered(a.key) {
				continue // a handshake, not a semaphore
			}
			// own are the releases the goroutine does itself: they show
			// that the function means to give the slot back. A slot
			// handed to a goroutine or a closure is free too.
			free, own := map[ssa.Instruction]bool{}, map[ssa.Instruction]bool{}
			handed := true // every release undoes a failure: the caller gets the slot on success
			counted := false
			for in, rs := range rel {
				for _, r := range rs {
					if r.key != a.key {
						continue
					}
					free[in] = true
					if r.own {
						own[in] = true
						handed = handed && undoesFailure(in)
						counted = counted || in.Block() != a.taker && reaches(in.Block(), in.Block(), a.taker)
					}
				}
			}
			if len(own) == 0 || handed || counted || !reachesAny(a.at, own, acquiredIn(acqs, a.key)) {
				// Never given back after it (an acquire helper, a
				// release first, a signal to another goroutine), a slot
				// handed on, or slots taken in one loop and given back
				// in another (their counts match).
				continue
			}
			ret := summary.ReturnAvoiding(a.at, free, nil, a.failed)
			if ret == nil || reported[ret] {
				continue
			}
			reported[ret] = true
			c.report(fn, a, ret)
		}
	}
}

func (c *semChecker) report(fn *ssa.Function, a acquire, ret *ssa.Return) {
	pos := ret.Pos()
	where := "this return"
	if !pos.IsValid() {
		pos = fn.Syntax().End() - 1
		where = "the end of the function"
	}
	name := semName(c.pass, fn, a.op)
	line := c.pass.Fset.Position(a.op).Line
	msg := fmt.Sprintf("%s keeps the slot taken from semaphore %s at line %d, though other paths give it back (<-%s): each such return leaks a slot, and once cap(%s) have leaked every send on %s blocks forever; give it back in a defer",
		where, name, line, name, name, name)
	if a.weighted {
		msg = fmt.Sprintf("%s keeps the weight acquired from %s at line %d, though other paths Release it: each such return leaks it, and once the semaphore's size has leaked every Acquire blocks forever; release it in a defer",
			where, name, line)
	}
	c.pass.Report(analysis.Diagnostic{
		Pos:      pos,
		Category: catSemaphore,
		Message:  msg,
		Related:  []analysis.RelatedInformation{{Pos: a.op, Message: "slot taken here"}},
	})
}

// acquires returns the slots fn takes.
func acquires(fn *ssa.Function) []acquire {
	var out []acquire
	for _, b := range fn.Blocks {
		for _, in := range b.Instrs {
			switch in := in.(type) {
			case *ssa.Send:
				if k, ok := keyOf(in.Chan); ok {
					out = append(out, acquire{at: in, taker: b, op: in.Pos(), key: k})
				}
			case *ssa.Select:
				for i, st := range in.States {
					if st.Dir != types.SendOnly {
						continue
					}
					k, ok := keyOf(st.Chan)
					cb := summary.CaseBlock(in, i)
					if !ok || cb == nil || len(cb.Instrs) == 0 {
						continue
					}
					out = append(out, acquire{at: cb.Instrs[0], taker: b, op: st.Pos, key: k})
				}
			case *ssa.Call:
				callee := in.Call.StaticCallee()
				if callee == nil || len(in.Call.Args) == 0 {
					continue
				}
				var failed map[[2]*ssa.BasicBlock]bool
				switch {
				case isWeighted(callee, "Acquire"):
					failed = summary.FailedEdges(in)
				case isWeighted(callee, "TryAcquire"):
					failed = summary.FalseEdges(in)
				default:
					continue
				}
				if k, ok := keyOf(in.Call.Args[0]); ok {
					out = append(out, acquire{at: in, taker: b, op: in.Pos(), key: k, weighted: true, failed: failed})
				}
			}
		}
	}
	return out
}

// releases maps the instructions of fn that give a slot back to the
// semaphores they release, in fn's terms: a receive whose value is dropped
// (<-sem), a Release, and calls, defers and goroutines of the package's
// functions that do either, and the closures made here that do (a deferred
// or returned func() { <-sem }).
func (c *semChecker) releases(fn *ssa.Function) map[ssa.Instruction][]release {
	out := map[ssa.Instruction][]release{}
	add := func(in ssa.Instruction, k semKey, own bool) { out[in] = append(out[in], release{k, own}) }
	for _, b := range fn.Blocks {
		for _, in := range b.Instrs {
			switch in := in.(type) {
			case *ssa.UnOp:
				if in.Op != token.ARROW || in.CommaOk || used(in) {
					continue
				}
				if k, ok := keyOf(in.X); ok {
					add(in, k, true)
				}
			case ssa.CallInstruction:
				common := in.Common()
				callee := common.StaticCallee()
				if callee == nil || common.IsInvoke() {
					continue
				}
				_, isGo := in.(*ssa.Go)
				if isWeighted(callee, "Release") && len(common.Args) > 0 {
					if k, ok := keyOf(common.Args[0]); ok {
						add(in, k, !isGo)
					}
					continue
				}
				if _, ok := common.Value.(*ssa.MakeClosure); ok {
					continue // counted where the closure is made
				}
				for _, k := range c.calleeReleases(callee) {
					if k.param >= 0 && k.param < len(common.Args) {
						if outer, ok := sub(k, common.Args[k.param]); ok {
							add(in, outer, !isGo)
						}
					}
				}
			case *ssa.MakeClosure:
				closure, ok := in.Fn.(*ssa.Function)
				if !ok {
					continue
				}
				for _, k := range c.calleeReleases(closure) {
					if k.free >= 0 && k.free < len(in.Bindings) {
						if outer, ok := sub(k, in.Bindings[k.free]); ok {
							add(in, outer, calledHere(in))
						}
					}
				}
			}
		}
	}
	return out
}

// release is a slot given back: by the goroutine that runs the function
// (own), or handed to another goroutine or to the caller (a goroutine or a
// closure returned or stored, that will give it back).
type release struct {
	key semKey
	own bool
}

// calledHere reports whether the closure mc is only called or deferred by
// the function that makes it.
func calledHere(mc *ssa.MakeClosure) bool {
	for _, r := range *mc.Referrers() {
		switch r := r.(type) {
		case *ssa.Call, *ssa.Defer:
			if r.(ssa.CallInstruction).Common().Value != ssa.Value(mc) {
				return false
			}
		case *ssa.DebugRef:
		default:
			return false
		}
	}
	return true
}

// calleeReleases returns the semaphores a function of the package gives
// back itself, that it is given (parameters, captured variables, fields of them).
func (c *semChecker) calleeReleases(fn *ssa.Function) []semKey {
	if o := fn.Origin(); o != nil {
		fn = o
	}
	if fn.Pkg != c.res.Pkg || len(fn.Blocks) == 0 || c.busy[fn] {
		return nil
	}
	if ks, ok := c.memo[fn]; ok {
		return ks
	}
	c.busy[fn] = true
	defer delete(c.busy, fn)
	var ks []semKey
	seen := map[semKey]bool{}
	for _, rs := range c.releases(fn) {
		for _, r := range rs {
			k := r.key
			if r.own && (k.param >= 0 || k.free >= 0) && !seen[k] {
				seen[k] = true
				ks = append(ks, k)
			}
		}
	}
	c.memo[fn] = ks
	return ks
}

// used reports whether a receive's value is used.
func used(v ssa.Value) bool {
	refs := v.Referrers()
	if refs == nil {
		return false
	}
	for _, r := range *refs {
		if _, ok := r.(*ssa.DebugRef); !ok {
			return true
		}
	}
	return false
}

// isWeighted reports whether fn is the method name of semaphore.Weighted.
func isWeighted(fn *ssa.Function, name string) bool {
	obj, ok := fn.Object().(*types.Func)
	return ok && obj.Pkg() != nil && obj.Pkg().Path() == weightedPkg && obj.Name() == name &&
		fn.Signature.Recv() != nil
}

const weightedPkg = "golang.org/x/sync/semaphore"

// unbuffered reports a channel made here without a buffer: a send on it
// waits for a receiver, it holds no slot.
func unbuffered(k semKey) bool {
	mk, ok := k.origin.(*ssa.MakeChan)
	if !ok {
		return false
	}
	c, ok := mk.Size.(*ssa.Const)
	return ok && c.Value != nil && constant.Sign(c.Value) == 0
}

// reaches reports whether a path from block from, entering no block
// avoid, arrives at block to. With from == to: whether from lies on a
// cycle that avoids it (a loop of releases that takes no slot: they are
// counted against a loop that took them).
func reaches(from, to, avoid *ssa.BasicBlock) bool {
	seen := map[*ssa.BasicBlock]bool{}
	work := append([]*ssa.BasicBlock(nil), from.Succs...)
	for len(work) > 0 {
		x := work[len(work)-1]
		work = work[:len(work)-1]
		if x == to {
			return true
		}
		if !seen[x] && x != avoid {
			seen[x] = true
			work = append(work, x.Succs...)
		}
	}
	return false
}

// acquiredIn returns the blocks that take a slot of k: the block of the
// send, the select or the Acquire call.
func acquiredIn(acqs []acquire, k semKey) map[*ssa.BasicBlock]bool {
	out := map[*ssa.BasicBlock]bool{}
	for _, a := range acqs {
		if a.key == k {
			out[a.taker] = true
		}
	}
	return out
}

// undoesFailure reports whether the release in is followed, on its only
// path, by a return of a non-nil error: giving the slot back because the
// attempt failed, as an acquire-for-the-caller does (on success the caller
// holds the slot and releases it later).
func undoesFailure(in ssa.Instruction) bool {
	fn := in.Parent()
	res := fn.Signature.Results()
	errAt := -1
	for i := 0; i < res.Len(); i++ {
		if types.Identical(res.At(i).Type(), types.Universe.Lookup("error").Type()) {
			errAt = i
		}
	}
	if errAt < 0 {
		return false
	}
	b := in.Block()
	for steps := 0; steps < 8; steps++ {
		switch last := b.Instrs[len(b.Instrs)-1].(type) {
		case *ssa.Return:
			if errAt >= len(last.Results) {
				return false
			}
			c, ok := last.Results[errAt].(*ssa.Const)
			return !ok || !c.IsNil()
		case *ssa.Jump:
			b = b.Succs[0]
		default:
			return false
		}
	}
	return false
}

// reachesAny reports whether some instruction of targets runs after from
// on some path that takes no new slot (enters no block of stops).
func reachesAny(from ssa.Instruction, targets map[ssa.Instruction]bool, stops map[*ssa.BasicBlock]bool) bool {
	b := from.Block()
	after := false
	for _, in := range b.Instrs {
		if in == from {
			after = true
			continue
		}
		if after && targets[in] {
			return true
		}
	}
	seen := map[*ssa.BasicBlock]bool{}
	work := append([]*ssa.BasicBlock(nil), b.Succs...)
	for len(work) > 0 {
		x := work[len(work)-1]
		work = work[:len(work)-1]
		if seen[x] {
			continue
		}
		seen[x] = true
		for _, in := range x.Instrs {
			if targets[in] {
				return true
			}
		}
		if stops[x] {
			continue
		}
		work = append(work, x.Succs...)
	}
	return false
}

// semName is how the semaphore reads at the acquire at pos: the channel of
// the send, or the receiver of the Acquire call.
func semName(pass *analysis.Pass, fn *ssa.Function, pos token.Pos) string {
	syn := fn.Syntax()
	if syn == nil {
		return "sem"
	}
	name := ""
	ast.Inspect(syn, func(n ast.Node) bool {
		if name != "" || n == nil || pos < n.Pos() || pos >= n.End() {
			return false
		}
		switch n := n.(type) {
		case *ast.SendStmt:
			if n.Arrow == pos {
				name = types.ExprString(n.Chan)
			}
		case *ast.CallExpr:
			if sel, ok := ast.Unparen(n.Fun).(*ast.SelectorExpr); ok && n.Lparen == pos {
				name = types.ExprString(sel.X)
			}
		}
		return true
	})
	if name == "" {
		return "sem"
	}
	return name
}
