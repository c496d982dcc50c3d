package chanleak

import (
	"fmt"
	"go/token"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"

	"github.com/asyncbook/asyncbook/analyzers/summary"
)

// loopExit is a way out of the spawner's receiving loop other than the
// loop's own condition, and the return it leads to.
type loopExit struct {
	from *ssa.BasicBlock // the block that leaves the loop
	ret  *ssa.Return
}

// earlyExit handles senders that deliver more than one value in all
// (goroutines started in a loop, or one that sends in a loop) to a spawner
// that receives them in a loop of its own: a return reached by leaving that
// loop other than through its condition (on an error, on ctx.Done(), on a
// bad value) stops the receiving while values are still to come, and the
// remaining sends wait forever. Exits guarded by a count (received ==
// len(xs)) or by the channel being closed (v, ok := <-ch; !ok) may come
// after every value, and a drain on the way to the return frees the
// senders: neither is reported.
func earlyExit(g *ssa.Go, u uses) *loopExit {
	if u.deferred || u.size() == 0 {
		return nil
	}
	var blocks []*ssa.BasicBlock
	oks := map[ssa.Value]bool{}
	for in := range u.instrs {
		recv, ok := in.(*ssa.UnOp)
		if !ok || recv.Op != token.ARROW {
			return nil // handed to a function: what it receives is not counted
		}
		if recv.CommaOk {
			for _, r := range *recv.Referrers() {
				if ex, ok := r.(*ssa.Extract); ok && ex.Index == 1 {
					oks[ex] = true
				}
			}
		}
		blocks = append(blocks, in.Block())
	}
	for b := range u.caseBlocks() {
		blocks = append(blocks, b)
	}
	header, body := naturalLoop(blocks[0])
	if header == nil || body[g.Block()] {
		return nil // not in a loop, or the loop starts the senders too
	}
	for _, b := range blocks[1:] {
		if !body[b] {
			return nil // receives in more than one place: not judged
		}
	}
	for _, x := range header.Parent().Blocks {
		if !body[x] || x == header {
			continue
		}
		for _, s := range x.Succs {
			if body[s] || len(s.Instrs) == 0 || u.instrs[s.Instrs[0]] {
				continue
			}
			if iff := guardOf(x); iff != nil && (counts(iff.Cond, 0) || closedTest(iff.Cond, oks, 0)) {
				continue
			}
			if ret := summary.ReturnAvoiding(s.Instrs[0], u.instrs, u.cases, u.blocked(nil)); ret != nil {
				return &loopExit{from: x, ret: ret}
			}
		}
	}
	return nil
}

// guardOf returns the branch that decides whether x runs its exit: x's
// own, or, for a block that only jumps (if done { break }), the branch
// of its one predecessor.
func guardOf(x *ssa.BasicBlock) *ssa.If {
	if iff, ok := x.Instrs[len(x.Instrs)-1].(*ssa.If); ok {
		return iff
	}
	if len(x.Preds) == 1 {
		p := x.Preds[0]
		if iff, ok := p.Instrs[len(p.Instrs)-1].(*ssa.If); ok {
			return iff
		}
	}
	return nil
}

// naturalLoop returns the header and the blocks of the innermost loop that
// holds b, or a nil header when b is in none.
func naturalLoop(b *ssa.BasicBlock) (*ssa.BasicBlock, map[*ssa.BasicBlock]bool) {
	for h := b; h != nil; h = h.Idom() {
		// The loop of header h: h and every block that reaches one of its
		// back edges (from a block h dominates) without passing h.
		body := map[*ssa.BasicBlock]bool{h: true}
		var work []*ssa.BasicBlock
		for _, p := range h.Preds {
			if h.Dominates(p) {
				work = append(work, p)
			}
		}
		if len(work) == 0 {
			continue
		}
		for len(work) > 0 {
			x := work[len(work)-1]
			work = work[:len(work)-1]
			if body[x] {
				continue
			}
			body[x] = true
			work = append(work, x.Preds...)
		}
		if body[b] {
			return h, body
		}
	}
	return nil, nil
}

// counts reports whether a condition compares a count: a length, or a
// variable of the loop stepped by a constant (i++, left--).
func counts(v ssa.Value, depth int) bool {
	if depth > 4 {
		return false
	}
	switch v := v.(type) {
	case *ssa.BinOp:
		return counts(v.X, depth+1) || counts(v.Y, depth+1)
	case *ssa.UnOp:
		return v.Op == token.NOT && counts(v.X, depth+1)
	case *ssa.Call:
		if b, ok := v.Call.Value.(*ssa.Builtin); ok {
			return b.Name() == "len" || b.Name() == "cap"
		}
	case *ssa.Phi:
		for _, e := range v.Edges {
			if step, ok := e.(*ssa.BinOp); ok && (step.Op == token.ADD || step.Op == token.SUB) && (step.X == v || step.Y == v) {
				if _, ok := step.Y.(*ssa.Const); ok {
					return true
				}
			}
		}
	}
	return false
}

// closedTest reports whether a condition reads the ok of a receive (the
// channel is closed: every value has arrived).
func closedTest(v ssa.Value, oks map[ssa.Value]bool, depth int) bool {
	if oks[v] {
		return true
	}
	if depth > 4 {
		return false
	}
	switch v := v.(type) {
	case *ssa.BinOp:
		return closedTest(v.X, oks, depth+1) || closedTest(v.Y, oks, depth+1)
	case *ssa.UnOp:
		return v.Op == token.NOT && closedTest(v.X, oks, depth+1)
	}
	return false
}

// reportEarlyExit reports senders stranded when the spawner leaves its
// receiving loop early.
func reportEarlyExit(pass *analysis.Pass, res *summary.Result, fn *ssa.Function, g *ssa.Go, callee *ssa.Function, op summary.Op, multi bool, ex *loopExit, reported map[token.Pos]bool) {
	at := sendPos(res, callee, op, g.Pos())
	if reported[at] {
		return
	}
	reported[at] = true
	retPos := ex.ret.Pos()
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
		Message: fmt.Sprintf("%s forever on send on %s when %s leaves its receive loop and returns at %s: the values still to come are never received; give the channel a buffer for every value or the senders a way out (ctx.Done())",
			who, op.Chan, fn.Name(), where(pass, retPos, at)),
		Related: []analysis.RelatedInformation{
			{Pos: g.Pos(), Message: "goroutine started here"},
			{Pos: retPos, Message: "returns here while senders may still send"},
		},
	})
}
