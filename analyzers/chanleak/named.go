package chanleak

import (
	"fmt"
	"go/constant"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"

	"github.com/asyncbook/asyncbook/analyzers/summary"
)

const catNamed = "named-goroutine-stranded"

// checkNamed reports goroutines started on a declared function or method
// (go produce(ch), go w.run()) that block forever on a channel the spawner
// made: the callee's summary says it sends on (receives from, ranges over)
// the channel with no way out, and on some path of the spawner's
// control-flow graph from the go statement to a return nobody does the
// other half (receives, sends, closes), while the channel is seen nowhere
// else. Inline goroutine literals are the syntactic checks' business.
func checkNamed(pass *analysis.Pass, res *summary.Result) {
	if res == nil || res.Pkg == nil {
		return
	}
	reported := map[token.Pos]bool{}
	for _, fn := range res.SrcFuncs {
		for _, b := range fn.Blocks {
			for _, instr := range b.Instrs {
				g, ok := instr.(*ssa.Go)
				if !ok || g.Call.IsInvoke() {
					continue
				}
				if mc, ok := g.Call.Value.(*ssa.MakeClosure); ok {
					checkLiteral(pass, res, fn, g, mc, reported)
					checkLiteralSelect(pass, res, fn, g, mc, reported)
					if closure, ok := mc.Fn.(*ssa.Function); ok && res.Funcs[closure] != nil {
						for _, op := range res.Funcs[closure].Ops {
							if op.Kind == summary.Range && !op.WayOut && !op.InGo && op.Free >= 0 && op.Free < len(mc.Bindings) {
								checkFeeder(pass, res, fn, g, closure, mc.Bindings[op.Free], op, reported)
							}
						}
					}
					continue
				}
				callee, ok := g.Call.Value.(*ssa.Function)
				if !ok || callee.Parent() != nil {
					continue
				}
				cs := res.Callee(callee)
				if cs == nil {
					continue
				}
				for _, op := range cs.Ops {
					if op.Kind == summary.Close || op.WayOut || op.InGo || op.Param < 0 || op.Param >= len(g.Call.Args) {
						continue
					}
					checkNamedOp(pass, res, fn, g, callee, g.Call.Args[op.Param], op, reported)
					if op.Kind == summary.Range {
						checkFeeder(pass, res, fn, g, callee, g.Call.Args[op.Param], op, reported)
					}
				}
			}
		}
	}
}

// checkLiteral handles a goroutine literal that waits for its spawner: it
// receives from (or ranges over) a channel it captures, one the spawner
// made, with no way out. The syntactic checks judge the literals that send;
// this one follows the spawner's paths to a return that neither sends on
// nor closes the channel (an early return on error that skips close(stop)).
func checkLiteral(pass *analysis.Pass, res *summary.Result, fn *ssa.Function, g *ssa.Go, mc *ssa.MakeClosure, reported map[token.Pos]bool) {
	closure, ok := mc.Fn.(*ssa.Function)
	if !ok {
		return
	}
	cs := res.Funcs[closure]
	if cs == nil {
		return
	}
	for _, op := range cs.Ops {
		if op.Kind != summary.Recv && op.Kind != summary.Range || op.WayOut || op.InGo || op.Field != "" || op.Free < 0 || op.Free >= len(mc.Bindings) {
			continue
		}
		// Only a spawner that does free the goroutine after starting it,
		// on some path: one that never does is range-never-closed's (or
		// the goroutine waits on purpose).
		_, _, field, mk, ok := summary.Root(mc.Bindings[op.Free])
		if !ok || mk == nil || field != "" {
			continue
		}
		u := walk(pass, res, []ssa.Value{mk}, complementOf(op.Kind), g)
		if u.escapes || !summary.Reaches(g, u.instrs, u.caseBlocks(), nil) {
			continue
		}
		checkNamedOp(pass, res, fn, g, closure, mc.Bindings[op.Free], op, reported)
	}
}

// checkLiteralSelect handles a goroutine literal blocked in a select
// without default whose every case is on a channel it captures and its
// spawner made (for { select { case cp := <-ckpts: save(cp); case
// <-stop: return } }, or select { case result <- v: case <-quit: }, the
// send on an unbuffered channel): nothing but the spawner can wake it, so
// a path of the spawner from the go statement to a return that takes the
// other half of none of them strands it there.
func checkLiteralSelect(pass *analysis.Pass, res *summary.Result, fn *ssa.Function, g *ssa.Go, mc *ssa.MakeClosure, reported map[token.Pos]bool) {
	closure, ok := mc.Fn.(*ssa.Function)
	if !ok {
		return
	}
	for _, b := range closure.Blocks {
		for _, in := range b.Instrs {
			sel, ok := in.(*ssa.Select)
			if !ok || !sel.Blocking || len(sel.States) < 2 || reported[sel.Pos()] {
				continue
			}
			all := newUses()
			var names []string
			judged := true
			for _, st := range sel.States {
				_, free, field, _, ok := summary.Root(st.Chan)
				if !ok || free < 0 || field != "" || free >= len(mc.Bindings) {
					judged = false
					break
				}
				_, _, f2, mk, ok := summary.Root(mc.Bindings[free])
				if !ok || mk == nil || f2 != "" || mk.Parent() != fn {
					judged = false
					break
				}
				kind := summary.Recv
				if st.Dir == types.SendOnly {
					// A send case waits only on an unbuffered channel.
					if c, ok := mk.Size.(*ssa.Const); !ok || c.Value == nil || c.Value.Kind() != constant.Int || constant.Sign(c.Value) != 0 {
						judged = false
						break
					}
					kind = summary.Send
				}
				u := walk(pass, res, []ssa.Value{mk}, complementOf(kind), g)
				if u.escapes || u.deferred {
					judged = false
					break
				}
				merge(&all, u)
				names = append(names, closure.FreeVars[free].Name())
			}
			if !judged || !summary.Reaches(g, all.instrs, all.caseBlocks(), nil) {
				continue
			}
			merge(&all, joins(pass, res, g))
			ret := summary.ReturnAvoiding(g, all.instrs, all.cases, all.blocked(nil))
			if ret == nil {
				continue
			}
			reported[sel.Pos()] = true
			retPos := ret.Pos()
			if !retPos.IsValid() {
				retPos = fn.Syntax().End()
			}
			pass.Report(analysis.Diagnostic{
				Pos:      sel.Pos(),
				Category: catNamed,
				Message: fmt.Sprintf("the goroutine started at line %d blocks forever in its select on %s when %s returns at line %d: no case can proceed, nothing takes the other half on that path",
					pass.Fset.Position(g.Pos()).Line, strings.Join(names, " and "), fn.Name(), pass.Fset.Position(retPos).Line),
				Related: []analysis.RelatedInformation{
					{Pos: g.Pos(), Message: "goroutine started here"},
					{Pos: retPos, Message: "returns here without freeing any case"},
				},
			})
		}
	}
}

// complementOf says which operations free a goroutine blocked on k.
func complementOf(k summary.Kind) map[summary.Kind]bool {
	switch k {
	case summary.Send:
		return map[summary.Kind]bool{summary.Recv: true, summary.Range: true}
	case summary.Recv:
		return map[summary.Kind]bool{summary.Send: true, summary.Close: true}
	case summary.Range:
		return map[summary.Kind]bool{summary.Close: true}
	}
	return nil
}

// uses is what the spawner does with the channel besides the go statement.
type uses struct {
	escapes bool
	// deferred is set when a deferred call frees the goroutine: every
	// return after it does.
	deferred bool
	instrs   map[ssa.Instruction]bool // operations (or calls) that free the goroutine
	cases    map[*ssa.BasicBlock]bool // select case bodies that do
	// edges are the select cases that do, as the edge into the case, when
	// its first block is shared with other paths (an empty case body).
	edges map[[2]*ssa.BasicBlock]bool
}

func newUses() uses {
	return uses{instrs: map[ssa.Instruction]bool{}, cases: map[*ssa.BasicBlock]bool{}, edges: map[[2]*ssa.BasicBlock]bool{}}
}

// size is the number of places that free the goroutine.
func (u uses) size() int { return len(u.instrs) + len(u.cases) + len(u.edges) }

// caseBlocks are the blocks of the select cases that free the goroutine,
// an empty case's branch block standing for its edge (it is reached when
// the case is taken, and maybe otherwise).
func (u uses) caseBlocks() map[*ssa.BasicBlock]bool {
	if len(u.edges) == 0 {
		return u.cases
	}
	out := map[*ssa.BasicBlock]bool{}
	for b := range u.cases {
		out[b] = true
	}
	for e := range u.edges {
		out[e[0]] = true
	}
	return out
}

// blocked is extra with the edges of the empty select cases that free the
// goroutine: a path that avoids freeing does not take them.
func (u uses) blocked(extra map[[2]*ssa.BasicBlock]bool) map[[2]*ssa.BasicBlock]bool {
	if len(u.edges) == 0 {
		return extra
	}
	out := map[[2]*ssa.BasicBlock]bool{}
	for e := range extra {
		out[e] = true
	}
	for e := range u.edges {
		out[e] = true
	}
	return out
}

func checkNamedOp(pass *analysis.Pass, res *summary.Result, fn *ssa.Function, g *ssa.Go, callee *ssa.Function, arg ssa.Value, op summary.Op, reported map[token.Pos]bool) {
	var start []ssa.Value
	var mk *ssa.MakeChan
	if op.Field == "" {
		_, _, field, made, ok := summary.Root(arg)
		if !ok || made == nil || field != "" {
			return
		}
		mk = made
		start = []ssa.Value{made}
	} else {
		var base ssa.Value
		switch arg := arg.(type) {
		case *ssa.Alloc:
			mk = fieldChan(arg, op.Field)
			base = arg
		case *ssa.Parameter:
			// A struct of the caller's (go r.worker() in a method of r):
			// only a channel made here, in a field nothing else reads.
			if arg.Parent() == fn && fieldOnlyHere(res, fn, callee, arg, op) {
				mk = fieldChan(arg, op.Field)
				base = arg
			}
		}
		if mk == nil {
			return
		}
		// The struct's uses: loads of the field, methods called on it.
		u := walkStruct(pass, res, base, op.Field, complementOf(op.Kind), g)
		if u.escapes {
			return
		}
		report(pass, res, fn, g, callee, op, mk, u, reported)
		return
	}
	u := walk(pass, res, start, complementOf(op.Kind), g)
	if u.escapes {
		return
	}
	report(pass, res, fn, g, callee, op, mk, u, reported)
}

func merge(dst *uses, src uses) {
	for k := range src.instrs {
		dst.instrs[k] = true
	}
	for k := range src.cases {
		dst.cases[k] = true
	}
	for k := range src.edges {
		dst.edges[k] = true
	}
	dst.deferred = dst.deferred || src.deferred
}

func report(pass *analysis.Pass, res *summary.Result, fn *ssa.Function, g *ssa.Go, callee *ssa.Function, op summary.Op, mk *ssa.MakeChan, u uses, reported map[token.Pos]bool) {
	if c, ok := mk.Size.(*ssa.Const); !ok || c.Value == nil || c.Value.Kind() != constant.Int || constant.Sign(c.Value) != 0 {
		return // buffered, or a size we cannot read
	}
	if u.deferred {
		return
	}
	// Goroutines started in a loop, and other halves done in a loop, are
	// counted (for i := 0; i < n; i++ { <-c }): the graph has paths that
	// skip such a loop which no run takes. Those are left to the
	// syntactic checks, which compare the counts, except one: goroutines
	// started in a loop that send once each, and a single receive after
	// it (the first answer wins).
	multi := summary.OnCycle(g.Block())
	if multi && op.Kind == summary.Send && !op.Repeated {
		if once := onlyOnce(u); once != nil {
			reportFirstWins(pass, res, fn, g, callee, op, once, reported)
			return
		}
	}
	if op.Kind == summary.Send && op.Repeated && !multi {
		if recv := takesOne(res, callee, op, u); recv != nil {
			reportTakesOne(pass, res, fn, g, callee, op, recv, reported)
			return
		}
	}
	if op.Kind == summary.Send && (multi || op.Repeated) && (multi || !sendsLast(res, callee, op)) {
		// More than one value is sent (a loop of senders, a sender's
		// loop): receiving them is done by ranging until the channel is
		// closed, and leaving that range early strands the rest. A sender
		// that ends with a value of its own after its loop (a sentinel,
		// an error) may be what the early exit waits for.
		if ret := beforeClosed(g, u); ret != nil {
			reportBeforeClosed(pass, res, fn, g, callee, op, multi, ret, reported)
			return
		}
		if ex := earlyExit(g, u); ex != nil {
			reportEarlyExit(pass, res, fn, g, callee, op, multi, ex, reported)
			return
		}
	}
	if multi {
		return
	}
	for in := range u.instrs {
		if summary.OnCycle(in.Block()) {
			return
		}
	}
	for b := range u.caseBlocks() {
		if summary.OnCycle(b) {
			return
		}
	}
	merge(&u, joins(pass, res, g)) // past a join, the goroutine is gone
	ret := summary.ReturnAvoiding(g, u.instrs, u.cases, u.blocked(nil))
	if ret == nil {
		return
	}
	at := sendPos(res, callee, op, g.Pos())
	if reported[at] {
		return
	}
	reported[at] = true
	retPos := ret.Pos()
	if !retPos.IsValid() {
		retPos = fn.Syntax().End()
	}
	verb := map[summary.Kind]string{summary.Send: "send on", summary.Recv: "receive from", summary.Range: "range over"}[op.Kind]
	other := map[summary.Kind]string{summary.Send: "receives from", summary.Recv: "sends on or closes", summary.Range: "closes"}[op.Kind]
	name := strings.TrimPrefix(op.Chan, "captured ")
	who := goroutineName(pass, callee, g, false)
	pass.Report(analysis.Diagnostic{
		Pos:      at,
		Category: catNamed,
		Message: fmt.Sprintf("%s blocks forever on %s %s when %s returns at line %d: nothing %s it on that path",
			who, verb, name, fn.Name(), pass.Fset.Position(retPos).Line, other),
		Related: []analysis.RelatedInformation{
			{Pos: g.Pos(), Message: "goroutine started here"},
			{Pos: retPos, Message: fmt.Sprintf("returns here without a %s", map[summary.Kind]string{summary.Send: "receive", summary.Recv: "send or close", summary.Range: "close"}[op.Kind])},
		},
	})
}

// beforeClosed returns a Return of the spawner reachable from g without
// the spawner seeing the channel closed (the range's "closed" edge), when
// every receive of the spawner either waits for the close (a range, v, ok
// := <-ch) or is a single one off any loop; nil otherwise. Receives counted
// in a loop, select cases and channels handed to functions are not judged.
func beforeClosed(g *ssa.Go, u uses) *ssa.Return {
	if len(u.cases)+len(u.edges) > 0 || u.deferred {
		return nil
	}
	closed := map[[2]*ssa.BasicBlock]bool{}
	for in := range u.instrs {
		recv, ok := in.(*ssa.UnOp)
		if !ok {
			return nil // handed to a function: whether it drains is not followed
		}
		if !recv.CommaOk {
			if summary.OnCycle(in.Block()) {
				return nil
			}
			continue
		}
		e, ok := closedEdge(recv)
		if !ok {
			return nil
		}
		closed[e] = true
	}
	if len(closed) == 0 {
		return nil // no range: the path rules above judge single receives
	}
	return summary.ReturnAvoiding(g, nil, nil, closed)
}

// reportBeforeClosed reports a goroutine (or goroutines started in a loop)
// on a declared function sending more than one value on a channel that the
// spawner stops receiving from, at ret, before it is closed.
func reportBeforeClosed(pass *analysis.Pass, res *summary.Result, fn *ssa.Function, g *ssa.Go, callee *ssa.Function, op summary.Op, multi bool, ret *ssa.Return, reported map[token.Pos]bool) {
	at := sendPos(res, callee, op, g.Pos())
	if reported[at] {
		return
	}
	reported[at] = true
	retPos := ret.Pos()
	if !retPos.IsValid() {
		retPos = fn.Syntax().End()
	}
	who := goroutineName(pass, callee, g, multi) + " block"
	if !multi {
		who += "s"
	}
	pass.Report(analysis.Diagnostic{
		Pos:      at,
		Category: catNamed,
		Message: fmt.Sprintf("%s forever on send on %s when %s returns at line %d: it stops receiving before the channel is closed; drain it or give the senders a way out (ctx.Done())",
			who, op.Chan, fn.Name(), pass.Fset.Position(retPos).Line),
		Related: []analysis.RelatedInformation{
			{Pos: g.Pos(), Message: "goroutine started here"},
			{Pos: retPos, Message: "returns here while senders may still send"},
		},
	})
}

// fieldChan returns the channel made for field f of a struct allocated in
// the function (w := &worker{updates: make(chan int)}) or given to it
// (r.results = make(chan error)), when it is made there once; nil
// otherwise.
func fieldChan(alloc ssa.Value, f string) *ssa.MakeChan {
	var out *ssa.MakeChan
	for _, r := range *alloc.Referrers() {
		fa, ok := r.(*ssa.FieldAddr)
		if !ok || fieldName(fa) != f {
			continue
		}
		for _, rr := range *fa.Referrers() {
			st, ok := rr.(*ssa.Store)
			if !ok || st.Addr != fa {
				continue
			}
			mk, ok := st.Val.(*ssa.MakeChan)
			if !ok || out != nil {
				return nil
			}
			out = mk
		}
	}
	return out
}

func fieldName(fa *ssa.FieldAddr) string {
	t := fa.X.Type().Underlying()
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem().Underlying()
	}
	if st, ok := t.(*types.Struct); ok && fa.Field < st.NumFields() {
		return st.Field(fa.Field).Name()
	}
	return ""
}

// walkStruct follows the struct holding the channel: loads of the field
// are the channel; calls that take the struct count by their summary.
func walkStruct(pass *analysis.Pass, res *summary.Result, alloc ssa.Value, f string, comp map[summary.Kind]bool, g *ssa.Go) uses {
	u := newUses()
	var chans []ssa.Value
	for _, r := range *alloc.Referrers() {
		switch r := r.(type) {
		case *ssa.FieldAddr:
			if fieldName(r) != f {
				continue
			}
			for _, rr := range *r.Referrers() {
				switch rr := rr.(type) {
				case *ssa.Store:
					if rr.Addr != r {
						u.escapes = true
					}
				case *ssa.UnOp:
					if rr.Op == token.MUL {
						chans = append(chans, rr)
					} else {
						u.escapes = true
					}
				case *ssa.DebugRef:
				default:
					u.escapes = true
				}
			}
		case *ssa.Call, *ssa.Go, *ssa.Defer:
			if r == ssa.Instruction(g) {
				continue
			}
			callInstr(pass, res, r.(ssa.CallInstruction), alloc, f, comp, &u)
		case *ssa.DebugRef:
		default:
			u.escapes = true
		}
	}
	if !u.escapes && len(chans) > 0 {
		w := walk(pass, res, chans, comp, g)
		merge(&u, w)
		u.escapes = w.escapes
	}
	return u
}

// callInstr counts a call that takes v (or the struct holding the channel
// in field f) by the callee's summary: a synchronous complementary
// operation frees the goroutine; a goroutine the callee starts, or a
// callee we know nothing about, takes the channel out of sight.
func callInstr(pass *analysis.Pass, res *summary.Result, c ssa.CallInstruction, v ssa.Value, f string, comp map[summary.Kind]bool, u *uses) {
	common := c.Common()
	if b, ok := common.Value.(*ssa.Builtin); ok {
		switch b.Name() {
		case "close":
			if f == "" && comp[summary.Close] {
				u.instrs[c] = true
				if _, ok := c.(*ssa.Defer); ok {
					u.deferred = true
				}
			}
		case "len", "cap":
		default:
			u.escapes = true
		}
		return
	}
	callee, ok := common.Value.(*ssa.Function)
	if !ok || common.IsInvoke() {
		u.escapes = true
		return
	}
	cs := res.Callee(callee)
	if cs == nil {
		u.escapes = true
		return
	}
	_, isGo := c.(*ssa.Go)
	touched := false
	for i, a := range common.Args {
		if a != v {
			continue
		}
		for _, o := range cs.Ops {
			if o.Param != i || o.Field != f {
				continue
			}
			touched = true
			if isGo || o.InGo {
				u.escapes = true // another goroutine may free it
			} else if comp[o.Kind] {
				u.instrs[c] = true
				if _, ok := c.(*ssa.Defer); ok {
					u.deferred = true
				}
			}
		}
	}
	if !touched && f == "" {
		u.escapes = true // passed somewhere the summary does not follow
	}
}

// walk follows the channel's values through the spawner: conversions,
// loads of a variable holding it, operations and calls.
func walk(pass *analysis.Pass, res *summary.Result, start []ssa.Value, comp map[summary.Kind]bool, g *ssa.Go) uses {
	u := newUses()
	seen := map[ssa.Value]bool{}
	work := append([]ssa.Value(nil), start...)
	for len(work) > 0 && !u.escapes {
		v := work[len(work)-1]
		work = work[:len(work)-1]
		if seen[v] {
			continue
		}
		seen[v] = true
		refs := v.Referrers()
		if refs == nil {
			continue
		}
		for _, r := range *refs {
			switch r := r.(type) {
			case *ssa.ChangeType:
				work = append(work, r)
			case *ssa.Phi:
				work = append(work, r)
			case *ssa.Store:
				alloc, ok := r.Addr.(*ssa.Alloc)
				if !ok || r.Val != v {
					u.escapes = true
					continue
				}
				for _, ar := range *alloc.Referrers() {
					switch ar := ar.(type) {
					case *ssa.UnOp:
						if ar.Op == token.MUL {
							work = append(work, ar)
						}
					case *ssa.MakeClosure:
						closureUse(res, ar, alloc, comp, g, &u)
					case *ssa.Store, *ssa.DebugRef:
					default:
						u.escapes = true // address taken
					}
				}
			case *ssa.Send:
				if r.X == v {
					u.escapes = true
				} else if comp[summary.Send] {
					u.instrs[r] = true
				}
			case *ssa.UnOp:
				if r.Op == token.ARROW {
					k := summary.Recv
					if r.CommaOk {
						k = summary.Range
					}
					if comp[k] || k == summary.Range && comp[summary.Recv] {
						u.instrs[r] = true
					}
				}
			case *ssa.Select:
				for i, st := range r.States {
					if st.Chan != v {
						continue
					}
					k := summary.Recv
					if st.Dir == types.SendOnly {
						k = summary.Send
					}
					if comp[k] {
						b := summary.CaseBlock(r, i)
						e, ok := summary.CaseEdge(r, i)
						switch {
						case b == nil || !ok:
							u.escapes = true
						case len(b.Preds) > 1:
							u.edges[e] = true // an empty case: its block is the select's end
						default:
							u.cases[b] = true
						}
					}
				}
			case *ssa.Call, *ssa.Defer, *ssa.Go:
				if r == ssa.Instruction(g) {
					continue
				}
				callInstr(pass, res, r.(ssa.CallInstruction), v, "", comp, &u)
			case *ssa.MakeClosure:
				closureUse(res, r, v, comp, g, &u)
			case *ssa.BinOp, *ssa.DebugRef:
			default:
				u.escapes = true // returned, stored, converted
			}
		}
	}
	return u
}

// closureUse counts a closure that captures v by what its summary says it
// does with the captured channel. Called or deferred, it is a call like
// any other. Started as a goroutine, it may free the blocked goroutine at
// any time, out of sight, unless it does nothing that could (the closer of
// a worker pool, go func() { wg.Wait(); close(out) }(), frees no sender).
// A closure stored or handed on, or one that does nothing the summary
// sees with the channel, takes it out of sight.
func closureUse(res *summary.Result, mc *ssa.MakeClosure, v ssa.Value, comp map[summary.Kind]bool, self *ssa.Go, u *uses) {
	fn, ok := mc.Fn.(*ssa.Function)
	sum := res.Funcs[fn]
	if !ok || sum == nil {
		u.escapes = true
		return
	}
	var ops []summary.Op
	for i, b := range mc.Bindings {
		if b != v {
			continue
		}
		for _, o := range sum.Ops {
			if o.Free == i && o.Field == "" {
				ops = append(ops, o)
			}
		}
	}
	if len(ops) == 0 {
		u.escapes = true
		return
	}
	for _, r := range *mc.Referrers() {
		if _, ok := r.(*ssa.DebugRef); ok {
			continue
		}
		c, ok := r.(ssa.CallInstruction)
		if !ok || c.Common().Value != ssa.Value(mc) {
			u.escapes = true
			return
		}
		if self != nil && c == ssa.CallInstruction(self) {
			continue // the goroutine being judged does not free itself
		}
		_, isGo := c.(*ssa.Go)
		for _, o := range ops {
			if !comp[o.Kind] && !(o.Kind == summary.Range && comp[summary.Recv]) {
				continue
			}
			if isGo || o.InGo {
				u.escapes = true // another goroutine may free it
				return
			}
			u.instrs[c] = true
			if _, ok := c.(*ssa.Defer); ok {
				u.deferred = true
			}
		}
	}
}

// onlyOnce returns the one instruction (or select case's first one) that
// frees a goroutine in u when it is the only one and lies on no loop, or
// nil.
func onlyOnce(u uses) ssa.Instruction {
	if u.deferred || len(u.edges) > 0 || len(u.instrs)+len(u.cases) != 1 {
		return nil
	}
	for in := range u.instrs {
		if summary.OnCycle(in.Block()) {
			return nil
		}
		return in
	}
	for b := range u.cases {
		if summary.OnCycle(b) || len(b.Instrs) == 0 {
			return nil
		}
		return b.Instrs[0]
	}
	return nil
}

// reportFirstWins reports goroutines started in a loop on a declared
// function that each send once on a channel the spawner receives from
// once: every sender but the first blocks forever.
func reportFirstWins(pass *analysis.Pass, res *summary.Result, fn *ssa.Function, g *ssa.Go, callee *ssa.Function, op summary.Op, once ssa.Instruction, reported map[token.Pos]bool) {
	if reported[g.Pos()] {
		return
	}
	reported[g.Pos()] = true
	pass.Report(analysis.Diagnostic{
		Pos:      g.Pos(),
		Category: catNamed,
		Message: fmt.Sprintf("goroutines %s started in a loop each send once on the unbuffered channel passed as %s, but %s receives only one value (line %d): the remaining senders block forever; give the channel a buffer for every sender",
			callee.Name(), op.Chan, fn.Name(), pass.Fset.Position(once.Pos()).Line),
		Related: []analysis.RelatedInformation{
			{Pos: sendPos(res, callee, op, g.Pos()), Message: "each goroutine sends here"},
			{Pos: once.Pos(), Message: "the one receive"},
		},
	})
}

// sendPos is where callee performs op on its own goroutine, or def.
func sendPos(res *summary.Result, callee *ssa.Function, op summary.Op, def token.Pos) token.Pos {
	if o := callee.Origin(); o != nil {
		callee = o
	}
	if s, ok := res.Funcs[callee]; ok {
		for _, o := range s.Ops {
			if o.Param == op.Param && o.Free == op.Free && o.Field == op.Field && o.Kind == op.Kind && !o.WayOut && !o.InGo && o.Pos.IsValid() {
				return o.Pos
			}
		}
	}
	return def
}

// goroutineName names the goroutine g starts on callee in a message:
// "goroutine produce" for a declared function, "the goroutine started at
// line 12" for a literal; in the plural for goroutines started in a loop.
func goroutineName(pass *analysis.Pass, callee *ssa.Function, g *ssa.Go, multi bool) string {
	if callee.Parent() != nil {
		if multi {
			return fmt.Sprintf("the goroutines started at line %d", pass.Fset.Position(g.Pos()).Line)
		}
		return fmt.Sprintf("the goroutine started at line %d", pass.Fset.Position(g.Pos()).Line)
	}
	if multi {
		return "goroutines " + callee.Name() + " started in a loop"
	}
	return "goroutine " + callee.Name()
}

// sendsLast reports whether callee also sends on op's channel outside any
// loop: a last value (a sentinel, a final error) after the values of its
// loop.
func sendsLast(res *summary.Result, callee *ssa.Function, op summary.Op) bool {
	cs := res.Callee(callee)
	if cs == nil {
		return false
	}
	for _, o := range cs.Ops {
		if o.Kind == summary.Send && !o.Repeated && !o.InGo && o.Param == op.Param && o.Free == op.Free && o.Field == op.Field {
			return true
		}
	}
	return false
}
