package lockleak

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"strings"

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
	fn       *ssa.Function   // the function that takes it
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

	// releasedClass and receivedClass are the fields of channels (by
	// struct type) that some function of the package gives slots back
	// to, and receives values from (see indexClasses).
	releasedClass, receivedClass map[string]bool
	// bufferedClass and unbufferedClass are the fields the package
	// stores a buffered (a semaphore needs one) and an unbuffered channel
	// in.
	bufferedClass, unbufferedClass map[string]bool
}

// checkSemaphores reports returns that keep a semaphore's slot when other
// paths of the same function give it back.
func checkSemaphores(pass *analysis.Pass, res *summary.Result) {
	if res == nil || res.Pkg == nil {
		return
	}
	c := &semChecker{pass: pass, res: res, memo: map[*ssa.Function][]semKey{}, busy: map[*ssa.Function]bool{}}
	reported := map[*ssa.Return]bool{}
	for _, fn := range res.SrcFuncs {
		c.checkPools(fn, reported)
		acqs := acquires(fn)
		if len(acqs) == 0 {
			continue
		}
		rel := c.releases(fn)
		c.handedToGoroutines(fn, acqs, reported)
		twice := map[ssa.Instruction]bool{}
		for _, a := range acqs {
			if unbuffered(a.key) || c.unbufferedField(fn, a.key) {
				continue // a handshake, not a semaphore
			}
			if !a.weighted && !valueReceived(fn, a.key) {
				c.releasedTwice(fn, a, rel, acqs, twice)
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
			if len(own) == 0 {
				c.failedForCaller(fn, a, free, reported)
				continue
			}
			if handed || counted || valueReceived(fn, a.key) || !summary.Reaches(a.at, own, nil, acquiredIn(acqs, a.key)) {
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

// handedToGoroutines checks the goroutines fn starts on a closure that
// gives back a slot fn took (sem <- struct{}{}; go func() { ...; <-sem }()):
// the goroutine holds the slot from its start, and a path of it that
// returns without giving it back leaks the slot.
func (c *semChecker) handedToGoroutines(fn *ssa.Function, acqs []acquire, reported map[*ssa.Return]bool) {
	for _, b := range fn.Blocks {
		for _, in := range b.Instrs {
			g, ok := in.(*ssa.Go)
			if !ok {
				continue
			}
			mc, ok := g.Call.Value.(*ssa.MakeClosure)
			if !ok {
				continue
			}
			closure, ok := mc.Fn.(*ssa.Function)
			if !ok || len(closure.Blocks) == 0 || len(closure.Blocks[0].Instrs) == 0 {
				continue
			}
			rel := c.releases(closure)
			byKey := map[semKey]map[ssa.Instruction]bool{} // every release of each slot
			ownKey := map[semKey]bool{}                    // slots the goroutine gives back itself
			for rin, rs := range rel {
				for _, r := range rs {
					if r.key.free < 0 || r.key.free >= len(mc.Bindings) {
						continue
					}
					if byKey[r.key] == nil {
						byKey[r.key] = map[ssa.Instruction]bool{}
					}
					byKey[r.key][rin] = true
					if r.own {
						ownKey[r.key] = true
					}
				}
			}
			for k, ins := range byKey {
				outer, ok := sub(k, mc.Bindings[k.free])
				if !ok || unbuffered(outer) {
					continue
				}
				// The slot is taken before the go statement, in the same
				// round: not through another acquire, nor the make of a
				// fresh channel.
				stops := acquiredIn(acqs, outer)
				if mk, ok := outer.origin.(*ssa.MakeChan); ok {
					stops[mk.Block()] = true
				}
				var taken *acquire
				for i := range acqs {
					if acqs[i].key == outer && summary.Reaches(acqs[i].at, map[ssa.Instruction]bool{ssa.Instruction(g): true}, nil, stops) {
						taken = &acqs[i]
						break
					}
				}
				if taken == nil || !ownKey[k] || valueReceived(closure, k) || valueReceived(fn, outer) {
					continue
				}
				entry := closure.Blocks[0].Instrs[0]
				if ins[entry] {
					continue // given back first thing (a deferred release)
				}
				ret := summary.ReturnAvoiding(entry, ins, nil, nil)
				if ret == nil || reported[ret] {
					continue
				}
				reported[ret] = true
				c.report(closure, *taken, ret)
			}
		}
	}
}

// failedForCaller checks an acquire that fn never gives back itself: it
// takes the slot for its caller (a pool's Get, whose Put gives it back).
// A return of a non-nil error hands the caller nothing to give back, so
// the slot leaks, when the package does use the channel as a semaphore:
// elsewhere it gives back slots of the same field, never receives a value
// from it, and does not only make it unbuffered (a handshake).
func (c *semChecker) failedForCaller(fn *ssa.Function, a acquire, free map[ssa.Instruction]bool, reported map[*ssa.Return]bool) {
	class := fieldClass(fn, a.key)
	if a.weighted || class == "" || summary.ErrorResult(fn) < 0 {
		return
	}
	c.indexClasses()
	if !c.releasedClass[class] || c.receivedClass[class] || c.unbufferedField(fn, a.key) {
		return
	}
	for _, ret := range summary.ReturnsAvoiding(a.at, free, nil, a.failed) {
		if reported[ret] || !summary.ReturnsError(ret) {
			continue
		}
		reported[ret] = true
		name := semName(c.pass, a.fn, a.op)
		c.pass.Report(analysis.Diagnostic{
			Pos:      ret.Pos(),
			Category: catSemaphore,
			Message: fmt.Sprintf("this return of an error keeps the slot taken from semaphore %s at line %d: the caller gets nothing to give back, so the slot leaks, and once cap(%s) have leaked every send on %s blocks forever; give it back (<-%s) before returning the error",
				name, c.pass.Fset.Position(a.op).Line, name, name, name),
			Related: []analysis.RelatedInformation{{Pos: a.op, Message: "slot taken here"}},
		})
	}
}

// indexClasses records, once per package, the fields of channels whose
// slots some function gives back, those some function receives a value
// from, and those a buffered channel is made for.
func (c *semChecker) indexClasses() {
	if c.releasedClass != nil {
		return
	}
	c.releasedClass, c.receivedClass = map[string]bool{}, map[string]bool{}
	c.bufferedClass, c.unbufferedClass = map[string]bool{}, map[string]bool{}
	for _, fn := range c.res.SrcFuncs {
		for _, b := range fn.Blocks {
			for _, in := range b.Instrs {
				st, ok := in.(*ssa.Store)
				if !ok {
					continue
				}
				fa, ok := st.Addr.(*ssa.FieldAddr)
				if !ok {
					continue
				}
				t := fa.X.Type().Underlying().(*types.Pointer).Elem()
				name := ""
				if s, ok := t.Underlying().(*types.Struct); ok && fa.Field < s.NumFields() {
					name = s.Field(fa.Field).Name()
				}
				mk, ok := st.Val.(*ssa.MakeChan)
				if !ok || name == "" {
					continue
				}
				cl := types.TypeString(t, nil) + "." + name
				if unbuffered(semKey{origin: mk}) {
					c.unbufferedClass[cl] = true
				} else {
					c.bufferedClass[cl] = true
				}
			}
		}
		for _, rs := range c.releases(fn) {
			for _, r := range rs {
				if r.own {
					if cl := fieldClass(fn, r.key); cl != "" {
						c.releasedClass[cl] = true
					}
				}
			}
		}
		for _, b := range fn.Blocks {
			for _, in := range b.Instrs {
				var ch ssa.Value
				switch in := in.(type) {
				case *ssa.UnOp:
					if in.Op == token.ARROW && (in.CommaOk || used(in)) {
						ch = in.X
					}
				case *ssa.Select:
					for _, st := range in.States {
						if st.Dir == types.RecvOnly {
							if k, ok := keyOf(st.Chan); ok {
								if cl := fieldClass(fn, k); cl != "" {
									c.receivedClass[cl] = true
								}
							}
						}
					}
				}
				if ch == nil {
					continue
				}
				if k, ok := keyOf(ch); ok {
					if cl := fieldClass(fn, k); cl != "" {
						c.receivedClass[cl] = true
					}
				}
			}
		}
	}
}

// unbufferedField reports a key that is a field the package only ever
// stores unbuffered channels in.
func (c *semChecker) unbufferedField(fn *ssa.Function, k semKey) bool {
	cl := fieldClass(fn, k)
	if cl == "" {
		return false
	}
	c.indexClasses()
	return c.unbufferedClass[cl] && !c.bufferedClass[cl]
}

// fieldClass names the field a key goes through, for every value of the
// struct type: "pool.BoundedPool.sem"; "" for a key that is no field.
func fieldClass(fn *ssa.Function, k semKey) string {
	if k.field == "" {
		return ""
	}
	var t types.Type
	switch {
	case k.param >= 0 && k.param < len(fn.Params):
		t = fn.Params[k.param].Type()
	case k.free >= 0 && k.free < len(fn.FreeVars):
		t = fn.FreeVars[k.free].Type()
	default:
		return ""
	}
	// Follow the path to the struct that holds the last field: the class
	// of s.pool.slots is the pool's type's slots.
	names := strings.Split(k.field, ".")
	for i, name := range names {
		for {
			p, ok := t.Underlying().(*types.Pointer)
			if !ok {
				break
			}
			t = p.Elem()
		}
		if i == len(names)-1 {
			return types.TypeString(t, nil) + "." + name
		}
		st, ok := t.Underlying().(*types.Struct)
		if !ok {
			return ""
		}
		var next types.Type
		for j := 0; j < st.NumFields(); j++ {
			if st.Field(j).Name() == name {
				next = st.Field(j).Type()
			}
		}
		if next == nil {
			return ""
		}
		t = next
	}
	return ""
}

func (c *semChecker) report(fn *ssa.Function, a acquire, ret *ssa.Return) {
	pos := ret.Pos()
	where := "this return"
	if !pos.IsValid() {
		pos = fn.Syntax().End() - 1
		where = "the end of the function"
	}
	name := semName(c.pass, a.fn, a.op)
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
					out = append(out, acquire{fn: fn, at: in, taker: b, op: in.Pos(), key: k})
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
					out = append(out, acquire{fn: fn, at: cb.Instrs[0], taker: b, op: st.Pos, key: k})
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
					out = append(out, acquire{fn: fn, at: in, taker: b, op: in.Pos(), key: k, weighted: true, failed: failed})
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

// valueReceived reports whether fn receives a value it uses from the
// channel k (v := <-ch, a select case): a channel of results or messages,
// not a semaphore, whose receives only give slots back.
func valueReceived(fn *ssa.Function, k semKey) bool {
	for _, b := range fn.Blocks {
		for _, in := range b.Instrs {
			switch in := in.(type) {
			case *ssa.UnOp:
				if in.Op == token.ARROW && (in.CommaOk || used(in)) {
					if got, ok := keyOf(in.X); ok && got == k {
						return true
					}
				}
			case *ssa.Select:
				for _, st := range in.States {
					if st.Dir == types.RecvOnly {
						if got, ok := keyOf(st.Chan); ok && got == k {
							return true
						}
					}
				}
			}
		}
	}
	return false
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
	if summary.ErrorResult(in.Parent()) < 0 {
		return false
	}
	b := in.Block()
	for steps := 0; steps < 8; steps++ {
		switch last := b.Instrs[len(b.Instrs)-1].(type) {
		case *ssa.Return:
			return summary.ReturnsError(last)
		case *ssa.Jump:
			b = b.Succs[0]
		default:
			return false
		}
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
		case *ast.UnaryExpr:
			if n.Op == token.ARROW && n.OpPos == pos {
				name = types.ExprString(n.X)
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
