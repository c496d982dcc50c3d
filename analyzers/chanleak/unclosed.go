package chanleak

import (
	"fmt"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"

	"github.com/asyncbook/asyncbook/analyzers/summary"
)

const catUnclosed = "returned-channel-unclosed"

// checkUnclosed reports a function that returns a channel it made and
// hands only to goroutines it starts, when a caller in the package ranges
// over that channel and the goroutines do not close it on every path: the
// caller's range never ends. Either no goroutine closes it at all (sources
// merged into one channel with no closer), or the one goroutine that holds
// it closes it only at the end of its happy path (a pipeline stage that
// returns on its first error without close(out)).
func checkUnclosed(pass *analysis.Pass, res *summary.Result) {
	if res == nil || res.Pkg == nil {
		return
	}
	ranged := rangedResults(res)
	if len(ranged) == 0 {
		return
	}
	for _, fn := range res.SrcFuncs {
		for _, b := range fn.Blocks {
			ret, ok := b.Instrs[len(b.Instrs)-1].(*ssa.Return)
			if !ok {
				continue
			}
			for i, r := range ret.Results {
				_, _, field, mk, ok := summary.Root(r)
				if !ok || mk == nil || field != "" || mk.Parent() != fn {
					continue
				}
				rng := ranged[resultKey{fn, i}]
				if rng == nil {
					continue
				}
				holders, ok := goroutineHolders(mk)
				if !ok {
					continue
				}
				reportUnclosed(pass, fn, i, mk, holders, rng)
			}
		}
	}
}

type resultKey struct {
	fn *ssa.Function
	i  int
}

// rangedResults maps the channel results of the package's functions to a
// range over them in a caller whose loop ends only when the channel is
// closed (or on an error return).
func rangedResults(res *summary.Result) map[resultKey]*ssa.UnOp {
	out := map[resultKey]*ssa.UnOp{}
	for _, fn := range res.SrcFuncs {
		for _, b := range fn.Blocks {
			for _, in := range b.Instrs {
				call, ok := in.(*ssa.Call)
				if !ok {
					continue
				}
				callee := call.Call.StaticCallee()
				if callee == nil {
					continue
				}
				if o := callee.Origin(); o != nil {
					callee = o
				}
				if callee.Pkg != res.Pkg {
					continue
				}
				results := call.Call.Signature().Results()
				for i := 0; i < results.Len(); i++ {
					if _, ok := results.At(i).Type().Underlying().(*types.Chan); !ok {
						continue
					}
					v := resultValue(call, i)
					if v == nil {
						continue
					}
					for _, recv := range rangesOver(v) {
						if onlyClosedOrFailing(recv) {
							out[resultKey{callee, i}] = recv
						}
					}
				}
			}
		}
	}
	return out
}

// rangesOver returns the receives with an ok result (a range) from v, used
// directly or through the one local it is stored in.
func rangesOver(v ssa.Value) []*ssa.UnOp {
	var out []*ssa.UnOp
	seen := map[ssa.Value]bool{}
	work := []ssa.Value{v}
	for len(work) > 0 {
		x := work[len(work)-1]
		work = work[:len(work)-1]
		if seen[x] || x.Referrers() == nil {
			continue
		}
		seen[x] = true
		for _, r := range *x.Referrers() {
			switch r := r.(type) {
			case *ssa.ChangeType:
				work = append(work, r)
			case *ssa.Store:
				if alloc, ok := r.Addr.(*ssa.Alloc); ok && r.Val == x {
					for _, ar := range *alloc.Referrers() {
						if ld, ok := ar.(*ssa.UnOp); ok && ld.Op == token.MUL {
							work = append(work, ld)
						}
					}
				}
			case *ssa.UnOp:
				if r.Op == token.ARROW && r.CommaOk {
					out = append(out, r)
				}
			}
		}
	}
	return out
}

// onlyClosedOrFailing reports whether the loop of the range recv is left
// only when the channel is closed, or by returning an error: a loop that
// may break or return normally could be counting its values.
func onlyClosedOrFailing(recv *ssa.UnOp) bool {
	e, ok := closedEdge(recv)
	if !ok {
		return false
	}
	for _, ret := range summary.ReturnsAvoiding(recv, nil, nil, map[[2]*ssa.BasicBlock]bool{e: true}) {
		if !summary.ReturnsError(ret) {
			return false
		}
	}
	return true
}

// holder is a goroutine the function starts on a closure that captures
// the channel (as its free variable free), or on a declared function
// given it (as its parameter param; free is then -1).
type holder struct {
	g       *ssa.Go
	closure *ssa.Function
	free    int
	param   int
}

// namedHolder returns the goroutine g started on a declared function
// that is given v as one argument.
func namedHolder(g *ssa.Go, v ssa.Value) (holder, bool) {
	callee, ok := g.Call.Value.(*ssa.Function)
	if !ok || g.Call.IsInvoke() || len(callee.Blocks) == 0 {
		return holder{}, false
	}
	param := -1
	for i, a := range g.Call.Args {
		if a == v {
			if param >= 0 {
				return holder{}, false
			}
			param = i
		}
	}
	if param < 0 || param >= len(callee.Params) {
		return holder{}, false
	}
	return holder{g: g, closure: callee, free: -1, param: param}, true
}

// goroutineHolders returns the goroutine literals the channel made at mk
// is handed to, when the function does nothing else with it but return it.
func goroutineHolders(mk *ssa.MakeChan) ([]holder, bool) {
	var out []holder
	for _, r := range *mk.Referrers() {
		switch r := r.(type) {
		case *ssa.Return, *ssa.DebugRef:
		case *ssa.Go:
			h, ok := namedHolder(r, mk)
			if !ok {
				return nil, false
			}
			out = append(out, h)
		case *ssa.ChangeType:
			for _, cr := range *r.Referrers() {
				switch cr := cr.(type) {
				case *ssa.Return:
				case *ssa.Go:
					h, ok := namedHolder(cr, r)
					if !ok {
						return nil, false
					}
					out = append(out, h)
				default:
					return nil, false
				}
			}
		case *ssa.Store:
			alloc, ok := r.Addr.(*ssa.Alloc)
			if !ok {
				return nil, false
			}
			for _, ar := range *alloc.Referrers() {
				switch ar := ar.(type) {
				case *ssa.Store, *ssa.DebugRef:
				case *ssa.UnOp:
					if ar.Op != token.MUL {
						return nil, false
					}
					for _, lr := range *ar.Referrers() {
						switch lr.(type) {
						case *ssa.Return, *ssa.ChangeType, *ssa.DebugRef:
						default:
							return nil, false
						}
					}
				case *ssa.MakeClosure:
					h, ok := goHolder(ar, alloc)
					if !ok {
						return nil, false
					}
					out = append(out, h)
				default:
					return nil, false
				}
			}
		default:
			return nil, false
		}
	}
	return out, len(out) > 0
}

// goHolder returns the goroutine started on mc, which captures bound.
func goHolder(mc *ssa.MakeClosure, bound ssa.Value) (holder, bool) {
	closure, ok := mc.Fn.(*ssa.Function)
	if !ok {
		return holder{}, false
	}
	free := -1
	for i, b := range mc.Bindings {
		if b == bound {
			free = i
		}
	}
	for _, r := range *mc.Referrers() {
		if g, ok := r.(*ssa.Go); ok && g.Call.Value == ssa.Value(mc) && free >= 0 {
			return holder{g: g, closure: closure, free: free}, true
		}
	}
	return holder{}, false
}

// closesOf returns the close calls (direct or deferred) of the captured
// channel in the closure, and whether the closure only sends on it and
// closes it besides.
func closesOf(h holder) (map[ssa.Instruction]bool, bool) {
	if h.free < 0 {
		return paramCloses(h.closure, h.param, map[*ssa.Function]bool{})
	}
	closes := map[ssa.Instruction]bool{}
	fv := h.closure.FreeVars[h.free]
	for _, r := range *fv.Referrers() {
		ld, ok := r.(*ssa.UnOp)
		if !ok || ld.Op != token.MUL {
			if _, ok := r.(*ssa.DebugRef); ok {
				continue
			}
			return nil, false
		}
		for _, lr := range *ld.Referrers() {
			switch lr := lr.(type) {
			case *ssa.Send:
				if lr.Chan != ssa.Value(ld) {
					return nil, false
				}
			case *ssa.Call, *ssa.Defer:
				c := lr.(ssa.CallInstruction).Common()
				if b, ok := c.Value.(*ssa.Builtin); ok && b.Name() == "close" {
					closes[lr] = true
					continue
				}
				return nil, false
			case *ssa.DebugRef:
			default:
				return nil, false // a select, a receive, handed on: not followed
			}
		}
	}
	return closes, true
}

func reportUnclosed(pass *analysis.Pass, fn *ssa.Function, i int, mk *ssa.MakeChan, holders []holder, rng *ssa.UnOp) {
	var closers []holder
	var closes []map[ssa.Instruction]bool
	for _, h := range holders {
		cs, ok := closesOf(h)
		if !ok {
			return
		}
		if len(cs) > 0 {
			closers = append(closers, h)
			closes = append(closes, cs)
		}
	}
	rangeAt := rng.Pos()
	rangeLine := pass.Fset.Position(rangeAt).Line
	caller := rng.Parent().Name()
	switch len(closers) {
	case 0:
		pass.Report(analysis.Diagnostic{
			Pos:      mk.Pos(),
			Category: catUnclosed,
			Message: fmt.Sprintf("the channel %s returns is never closed: the goroutines it starts only send on it, so %s's range over it (line %d) never ends; close it once they are done (wg.Wait, then close)",
				fn.Name(), caller, rangeLine),
			Related: []analysis.RelatedInformation{{Pos: rangeAt, Message: "ranges over it here"}},
		})
	case 1:
		if len(holders) != 1 {
			return // another goroutine may outlive the closer's early return
		}
		h := closers[0]
		entry := h.closure.Blocks[0].Instrs[0]
		if closes[0][entry] {
			return
		}
		for in := range closes[0] {
			if _, ok := in.(*ssa.Defer); ok {
				return // a deferred close covers the returns after it (and a panic)
			}
		}
		ret := summary.ReturnAvoiding(entry, closes[0], nil, nil)
		if ret == nil {
			return
		}
		at := ret.Pos()
		if !at.IsValid() {
			at = h.closure.Syntax().End() - 1
		}
		pass.Report(analysis.Diagnostic{
			Pos:      at,
			Category: catUnclosed,
			Message: fmt.Sprintf("this return leaves the channel %s returns open: %s's range over it (line %d) never ends when the goroutine leaves this way; close it with a defer",
				fn.Name(), caller, rangeLine),
			Related: []analysis.RelatedInformation{
				{Pos: rangeAt, Message: "ranges over it here"},
				{Pos: h.g.Pos(), Message: "goroutine started here"},
			},
		})
	}
}

// paramCloses returns the close calls (direct or deferred) of parameter i
// of fn, and whether fn only sends on it and closes it besides, itself or
// through the functions of the package it hands it to (a recursive
// visitor: t.Left.visit(ch); ch <- t.Val; t.Right.visit(ch)). A close in
// a callee counts as the call.
func paramCloses(fn *ssa.Function, i int, busy map[*ssa.Function]bool) (map[ssa.Instruction]bool, bool) {
	closes := map[ssa.Instruction]bool{}
	if busy[fn] {
		return closes, true // its other uses are being judged
	}
	busy[fn] = true
	work := []ssa.Value{fn.Params[i]}
	for len(work) > 0 {
		v := work[len(work)-1]
		work = work[:len(work)-1]
		for _, r := range *v.Referrers() {
			switch r := r.(type) {
			case *ssa.DebugRef:
			case *ssa.ChangeType:
				work = append(work, r)
			case *ssa.Send:
				if r.Chan != v {
					return nil, false
				}
			case *ssa.Call, *ssa.Defer:
				c := r.(ssa.CallInstruction).Common()
				if b, ok := c.Value.(*ssa.Builtin); ok && b.Name() == "close" {
					closes[r] = true
					continue
				}
				callee, ok := c.Value.(*ssa.Function)
				if !ok || c.IsInvoke() || callee.Pkg != fn.Pkg || len(callee.Blocks) == 0 {
					return nil, false
				}
				for j, a := range c.Args {
					if a != v {
						continue
					}
					inner, ok := paramCloses(callee, j, busy)
					if !ok {
						return nil, false
					}
					if len(inner) > 0 {
						closes[r] = true
					}
				}
			default:
				return nil, false // a select, a receive, handed on: not followed
			}
		}
	}
	return closes, true
}
