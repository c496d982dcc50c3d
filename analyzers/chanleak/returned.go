package chanleak

import (
	"fmt"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"

	"github.com/asyncbook/asyncbook/analyzers/summary"
)

const catReturnedStranded = "returned-channel-stranded"

// checkReturned reports calls of a function that returns a channel a
// goroutine it starts sends on (unbuffered, with no way out), when the
// caller keeps the channel to itself and, on some path of its graph from
// the call to a return, stops receiving while that goroutine still sends:
// for a goroutine that sends once, a path with no receive; for one that
// sends in a loop (a generator), a path that leaves before a receive has
// seen the channel closed (a break or return out of the range, a single
// receive). A channel handed on, stored or returned is someone else's to
// drain; receives counted in a loop are left alone.
func checkReturned(pass *analysis.Pass, res *summary.Result) {
	forReturnedSends(res, func(fn *ssa.Function, call *ssa.Call, callee *ssa.Function, op summary.Op) bool {
		return checkReturnedOp(pass, res, fn, call, callee, op)
	})
}

// resultValue is the value of result i of call, or nil when it is unused.
func resultValue(call *ssa.Call, i int) ssa.Value {
	if call.Call.Signature().Results().Len() == 1 {
		return call
	}
	for _, r := range *call.Referrers() {
		if ex, ok := r.(*ssa.Extract); ok && ex.Index == i {
			return ex
		}
	}
	return nil
}

func checkReturnedOp(pass *analysis.Pass, res *summary.Result, fn *ssa.Function, call *ssa.Call, callee *ssa.Function, op summary.Op) bool {
	v := resultValue(call, op.Result)
	if v == nil || !resultUsed(call, op.Result) {
		return false // dropped altogether: checkDropped's
	}
	u := walk(pass, res, []ssa.Value{v}, complementOf(summary.Send), nil)
	if u.escapes || u.deferred {
		return false
	}
	var ret *ssa.Return
	var why string
	if !op.Repeated {
		for in := range u.instrs {
			if summary.OnCycle(in.Block()) {
				return false // receives counted in a loop
			}
		}
		for b := range u.cases {
			if summary.OnCycle(b) {
				return false
			}
		}
		ret = unfreedReturn(call, u.instrs, u.cases, failedEdges(call))
		why = "nothing receives from it on that path"
	} else {
		if len(u.cases) > 0 {
			return false // a select's receive: whether it drains is not followed
		}
		closed := failedEdges(call)
		for in := range u.instrs {
			if _, ok := in.(ssa.CallInstruction); ok {
				return false // handed to a function: whether it drains is not followed
			}
			recv, ok := in.(*ssa.UnOp)
			if !ok || !recv.CommaOk {
				if summary.OnCycle(in.Block()) {
					return false // receives counted in a loop
				}
				continue
			}
			if e, ok := closedEdge(recv); ok {
				closed[e] = true
			}
		}
		ret = unfreedReturn(call, nil, nil, closed)
		why = "it stops receiving before the channel is closed"
	}
	if ret == nil {
		return false
	}
	retPos := ret.Pos()
	if !retPos.IsValid() {
		retPos = fn.Syntax().End()
	}
	retLine := pass.Fset.Position(retPos).Line
	next := "its send"
	if op.Repeated {
		next = "its next send"
	}
	pass.Report(analysis.Diagnostic{
		Pos:      call.Pos(),
		Category: catReturnedStranded,
		Message: fmt.Sprintf("the goroutine started by %s blocks forever on %s on the channel it returns when %s returns at line %d: %s",
			callee.Name(), next, fn.Name(), retLine, why),
		Related: []analysis.RelatedInformation{
			{Pos: op.Pos, Message: "the goroutine is started here"},
			{Pos: retPos, Message: "returns here while it may still send"},
		},
	})
	return true
}

// closedEdge returns the edge of the graph taken when recv, a receive with
// its ok result (a range over the channel, v, ok := <-ch), finds the
// channel closed: the branch on !ok.
func closedEdge(recv *ssa.UnOp) ([2]*ssa.BasicBlock, bool) {
	for _, r := range *recv.Referrers() {
		ex, ok := r.(*ssa.Extract)
		if !ok || ex.Index != 1 {
			continue
		}
		for _, er := range *ex.Referrers() {
			switch er := er.(type) {
			case *ssa.If: // if ok
				return [2]*ssa.BasicBlock{er.Block(), er.Block().Succs[1]}, true
			case *ssa.UnOp: // if !ok
				if er.Op != token.NOT {
					continue
				}
				for _, nr := range *er.Referrers() {
					if iff, ok := nr.(*ssa.If); ok {
						return [2]*ssa.BasicBlock{iff.Block(), iff.Block().Succs[0]}, true
					}
				}
			}
		}
	}
	return [2]*ssa.BasicBlock{}, false
}

// unfreedReturn returns a Return reachable from start on a path that
// passes no instruction of free, enters no block of freeBlocks and takes no
// edge of blocked, or nil.
func unfreedReturn(start ssa.Instruction, free map[ssa.Instruction]bool, freeBlocks map[*ssa.BasicBlock]bool, blocked map[[2]*ssa.BasicBlock]bool) *ssa.Return {
	first := start.Block()
	after := false
	for _, in := range first.Instrs {
		if in == start {
			after = true
			continue
		}
		if after && free[in] {
			return nil
		}
	}
	if r, ok := first.Instrs[len(first.Instrs)-1].(*ssa.Return); ok {
		return r
	}
	seen := map[*ssa.BasicBlock]bool{}
	type edge struct{ from, to *ssa.BasicBlock }
	var work []edge
	for _, s := range first.Succs {
		work = append(work, edge{first, s})
	}
	for len(work) > 0 {
		e := work[0]
		work = work[1:]
		b := e.to
		if blocked[[2]*ssa.BasicBlock{e.from, b}] || seen[b] || freeBlocks[b] {
			continue
		}
		seen[b] = true
		freed := false
		for _, in := range b.Instrs {
			if free[in] {
				freed = true
				break
			}
		}
		if freed {
			continue
		}
		if r, ok := b.Instrs[len(b.Instrs)-1].(*ssa.Return); ok {
			return r
		}
		for _, s := range b.Succs {
			work = append(work, edge{b, s})
		}
	}
	return nil
}

// failedEdges returns the edges taken when the error result of call is not
// nil (if err != nil): a function that returns a channel and an error
// starts its goroutine only when it succeeds, by convention.
func failedEdges(call *ssa.Call) map[[2]*ssa.BasicBlock]bool {
	out := map[[2]*ssa.BasicBlock]bool{}
	res := call.Call.Signature().Results()
	for i := 0; i < res.Len(); i++ {
		if !types.Identical(res.At(i).Type(), errorType) {
			continue
		}
		for _, r := range *call.Referrers() {
			ex, ok := r.(*ssa.Extract)
			if !ok || ex.Index != i {
				continue
			}
			for _, er := range *ex.Referrers() {
				cmp, ok := er.(*ssa.BinOp)
				if !ok || (cmp.Op != token.NEQ && cmp.Op != token.EQL) {
					continue
				}
				for _, cr := range *cmp.Referrers() {
					iff, ok := cr.(*ssa.If)
					if !ok {
						continue
					}
					succ := iff.Block().Succs[0] // err != nil is true
					if cmp.Op == token.EQL {
						succ = iff.Block().Succs[1]
					}
					out[[2]*ssa.BasicBlock{iff.Block(), succ}] = true
				}
			}
		}
	}
	return out
}

var errorType = types.Universe.Lookup("error").Type()
