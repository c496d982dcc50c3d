package chanleak

import (
	"fmt"
	"go/token"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"

	"github.com/asyncbook/asyncbook/analyzers/summary"
)

// takesOne handles a goroutine on a declared function that sends a value on
// every round of a loop (a generator: for _, x := range xs { ch <- f(x) })
// to a spawner that receives from the channel once, off any loop, and never
// again: the second send waits forever. It returns that receive, or nil.
// A generator that filters (sends on some rounds only), one whose rounds
// are driven by values it receives, or a spawner that also ranges, selects
// or hands the channel on is not judged.
func takesOne(res *summary.Result, callee *ssa.Function, op summary.Op, u uses) *ssa.UnOp {
	once := onlyOnce(u)
	recv, ok := once.(*ssa.UnOp)
	if !ok || recv.Op != token.ARROW {
		return nil
	}
	if o := callee.Origin(); o != nil {
		callee = o
	}
	send := sendAt(callee, op.Pos)
	if send == nil || !everyRound(send.Block()) {
		return nil
	}
	for _, b := range callee.Blocks {
		for _, in := range b.Instrs {
			switch in := in.(type) {
			case *ssa.UnOp:
				if in.Op == token.ARROW {
					return nil // its rounds may wait on values it receives
				}
			case *ssa.Select:
				if in.Blocking {
					return nil
				}
			case *ssa.Call:
				if cs := res.Callee(in.Common().StaticCallee()); cs != nil {
					for _, o := range cs.Ops {
						if (o.Kind == summary.Recv || o.Kind == summary.Range) && !o.WayOut && !o.InGo {
							return nil // a call that waits on a channel: its rounds may be driven
						}
					}
				}
			}
		}
	}
	return recv
}

// sendAt returns the send statement of fn at pos, or nil when the
// operation at pos is a call that sends further down.
func sendAt(fn *ssa.Function, pos token.Pos) *ssa.Send {
	for _, b := range fn.Blocks {
		for _, in := range b.Instrs {
			if s, ok := in.(*ssa.Send); ok && s.Pos() == pos {
				return s
			}
		}
	}
	return nil
}

// everyRound reports whether b runs on every round of the innermost loop
// that holds it: it dominates each block that jumps back to the header.
func everyRound(b *ssa.BasicBlock) bool {
	header, body := naturalLoop(b)
	if header == nil {
		return false
	}
	for _, p := range header.Preds {
		if body[p] && !b.Dominates(p) {
			return false
		}
	}
	return true
}

// reportTakesOne reports a generator whose spawner takes one value.
func reportTakesOne(pass *analysis.Pass, res *summary.Result, fn *ssa.Function, g *ssa.Go, callee *ssa.Function, op summary.Op, recv *ssa.UnOp, reported map[token.Pos]bool) {
	at := sendPos(res, callee, op, g.Pos())
	if reported[at] {
		return
	}
	reported[at] = true
	pass.Report(analysis.Diagnostic{
		Pos:      at,
		Category: catNamed,
		Message: fmt.Sprintf("%s blocks forever on its second send on %s: it sends on every round of its loop, but %s receives only one value (%s); drain the channel, buffer it for every value, or give the sender a way out (ctx.Done())",
			goroutineName(pass, callee, g, false), strings.TrimPrefix(op.Chan, "captured "), fn.Name(), where(pass, recv.Pos(), at)),
		Related: []analysis.RelatedInformation{
			{Pos: g.Pos(), Message: "goroutine started here"},
			{Pos: recv.Pos(), Message: "the only receive"},
		},
	})
}
