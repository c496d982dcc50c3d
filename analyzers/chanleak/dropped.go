package chanleak

import (
	"fmt"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"

	"github.com/asyncbook/asyncbook/analyzers/summary"
)

const catDropped = "returned-channel-dropped"

// checkDropped reports calls that drop the channel a function returns when
// the function's summary says a goroutine it starts sends on that channel
// (unbuffered, with no way out): nobody else can ever receive, so the
// goroutine blocks forever.
func checkDropped(pass *analysis.Pass, res *summary.Result) {
	forReturnedSends(res, func(_ *ssa.Function, call *ssa.Call, callee *ssa.Function, op summary.Op) bool {
		if resultUsed(call, op.Result) {
			return false
		}
		pass.Report(analysis.Diagnostic{
			Pos:      call.Pos(),
			Category: catDropped,
			Message:  fmt.Sprintf("the channel %s returns is dropped: the goroutine it starts blocks forever on its send", callee.Name()),
		})
		return true
	})
}

// forReturnedSends calls f for every call, in the package's functions, of
// a function whose summary says a goroutine it starts sends on a channel
// it returns (unbuffered, with no way out), once per such operation until
// f returns true.
func forReturnedSends(res *summary.Result, f func(fn *ssa.Function, call *ssa.Call, callee *ssa.Function, op summary.Op) bool) {
	if res == nil || res.Pkg == nil {
		return
	}
	for _, fn := range res.SrcFuncs {
		for _, b := range fn.Blocks {
			for _, instr := range b.Instrs {
				call, ok := instr.(*ssa.Call)
				if !ok || call.Call.IsInvoke() {
					continue
				}
				callee, ok := call.Call.Value.(*ssa.Function)
				if !ok {
					continue
				}
				cs := res.Callee(callee)
				if cs == nil {
					continue
				}
				for _, op := range cs.Ops {
					if op.Result < 0 || op.Kind != summary.Send || !op.InGo || op.WayOut || op.Cap != 0 {
						continue
					}
					if f(fn, call, callee, op) {
						break
					}
				}
			}
		}
	}
}

// resultUsed reports whether result i of call is used.
func resultUsed(call *ssa.Call, i int) bool {
	refs := call.Referrers()
	if refs == nil {
		return true
	}
	if call.Call.Signature().Results().Len() == 1 {
		for _, r := range *refs {
			if _, ok := r.(*ssa.DebugRef); !ok {
				return true
			}
		}
		return false
	}
	for _, r := range *refs {
		if ex, ok := r.(*ssa.Extract); ok && ex.Index == i {
			if er := ex.Referrers(); er != nil && len(*er) > 0 {
				return true
			}
		}
	}
	return false
}
