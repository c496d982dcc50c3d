package chanleak

import (
	"fmt"
	"go/token"

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
		for b := range u.caseBlocks() {
			if summary.OnCycle(b) {
				return false
			}
		}
		ret = summary.ReturnAvoiding(call, u.instrs, u.cases, u.blocked(summary.FailedEdges(call)))
		why = "nothing receives from it on that path"
	} else {
		if len(u.cases)+len(u.edges) > 0 {
			return false // a select's receive: whether it drains is not followed
		}
		closed := summary.FailedEdges(call)
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
		ret = summary.ReturnAvoiding(call, nil, nil, closed)
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
