package summary

import (
	"go/constant"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/ssa"
)

// ReturnAvoiding returns a Return reachable from start on a path that
// passes no instruction of free, enters no block of freeBlocks and takes no
// edge of blocked, or nil. Paths end at calls that do not return (NoReturn).
func ReturnAvoiding(start ssa.Instruction, free map[ssa.Instruction]bool, freeBlocks map[*ssa.BasicBlock]bool, blocked map[[2]*ssa.BasicBlock]bool) *ssa.Return {
	if rets := ReturnsAvoiding(start, free, freeBlocks, blocked); len(rets) > 0 {
		return rets[0]
	}
	return nil
}

// ReturnsAvoiding returns every Return ReturnAvoiding could return, nearest
// first.
func ReturnsAvoiding(start ssa.Instruction, free map[ssa.Instruction]bool, freeBlocks map[*ssa.BasicBlock]bool, blocked map[[2]*ssa.BasicBlock]bool) []*ssa.Return {
	first := start.Block()
	after := false
	for _, in := range first.Instrs {
		if in == start {
			after = true
			continue
		}
		if after && (free[in] || NoReturn(in)) {
			return nil
		}
	}
	if r, ok := first.Instrs[len(first.Instrs)-1].(*ssa.Return); ok {
		return []*ssa.Return{r}
	}
	var out []*ssa.Return
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
			if free[in] || NoReturn(in) {
				freed = true // freed, or the path ends here (t.Fatal, os.Exit)
				break
			}
		}
		if freed {
			continue
		}
		if r, ok := b.Instrs[len(b.Instrs)-1].(*ssa.Return); ok {
			out = append(out, r)
			continue
		}
		for _, s := range b.Succs {
			work = append(work, edge{b, s})
		}
	}
	return out
}

// FailedEdges returns the edges taken when the error result of call is not
// nil (if err != nil): a function that returns a channel and an error
// starts its goroutine only when it succeeds, by convention.
func FailedEdges(call *ssa.Call) map[[2]*ssa.BasicBlock]bool {
	out := map[[2]*ssa.BasicBlock]bool{}
	res := call.Call.Signature().Results()
	for i := 0; i < res.Len(); i++ {
		if !types.Identical(res.At(i).Type(), errorType) {
			continue
		}
		var errs []ssa.Value
		if res.Len() == 1 {
			errs = append(errs, call)
		}
		for _, r := range *call.Referrers() {
			if ex, ok := r.(*ssa.Extract); ok && ex.Index == i {
				errs = append(errs, ex)
			}
		}
		for _, e := range errs {
			for _, er := range *e.Referrers() {
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

// FalseEdges returns the edges taken when the boolean v is false (if !v,
// if v { } else { }).
func FalseEdges(v ssa.Value) map[[2]*ssa.BasicBlock]bool {
	out := map[[2]*ssa.BasicBlock]bool{}
	for _, r := range *v.Referrers() {
		switch r := r.(type) {
		case *ssa.If:
			out[[2]*ssa.BasicBlock{r.Block(), r.Block().Succs[1]}] = true
		case *ssa.UnOp:
			if r.Op != token.NOT {
				continue
			}
			for _, nr := range *r.Referrers() {
				if iff, ok := nr.(*ssa.If); ok {
					out[[2]*ssa.BasicBlock{iff.Block(), iff.Block().Succs[0]}] = true
				}
			}
		}
	}
	return out
}

var errorType = types.Universe.Lookup("error").Type()

// CaseBlock returns the block that runs case i of the select: the true
// successor of the branch on `index == i`.
func CaseBlock(sel *ssa.Select, i int) *ssa.BasicBlock {
	if iff := caseIf(sel, i); iff != nil {
		return iff.Block().Succs[0]
	}
	return nil
}

// CaseEdge returns the edge taken when case i of the select runs (from the
// branch on the select's index to the case's first block), and false when
// it is not found. Unlike CaseBlock's block, which an empty case body
// shares with the code after the select, the edge is the case's own.
func CaseEdge(sel *ssa.Select, i int) ([2]*ssa.BasicBlock, bool) {
	if iff := caseIf(sel, i); iff != nil {
		return [2]*ssa.BasicBlock{iff.Block(), iff.Block().Succs[0]}, true
	}
	return [2]*ssa.BasicBlock{}, false
}

// caseIf returns the branch on the select's index that runs case i.
func caseIf(sel *ssa.Select, i int) *ssa.If {
	for _, r := range *sel.Referrers() {
		ex, ok := r.(*ssa.Extract)
		if !ok || ex.Index != 0 {
			continue
		}
		for _, er := range *ex.Referrers() {
			cmp, ok := er.(*ssa.BinOp)
			if !ok || cmp.Op != token.EQL {
				continue
			}
			c, ok := cmp.Y.(*ssa.Const)
			if !ok || c.Value == nil || c.Value.Kind() != constant.Int {
				continue
			}
			if n, ok := constant.Int64Val(c.Value); !ok || int(n) != i {
				continue
			}
			for _, cr := range *cmp.Referrers() {
				if iff, ok := cr.(*ssa.If); ok {
					return iff
				}
			}
		}
	}
	return nil
}

// NoReturn reports a call after which its goroutine does not go on: os.Exit,
// runtime.Goexit, log.Fatal and log.Panic (and a Logger's), and a test's
// Fatal, FailNow and Skip (t.Fatal runs Goexit). Paths through such a call
// end there: a goroutine stranded on them is the failed test's, or the
// exiting process's.
func NoReturn(in ssa.Instruction) bool {
	call, ok := in.(ssa.CallInstruction)
	if !ok {
		return false
	}
	if _, isCall := in.(*ssa.Call); !isCall {
		return false // go and defer statements
	}
	common := call.Common()
	var name, pkg string
	if common.IsInvoke() {
		name = common.Method.Name()
		if common.Method.Pkg() != nil {
			pkg = common.Method.Pkg().Path()
		}
	} else if fn := common.StaticCallee(); fn != nil {
		name = fn.Name()
		if fn.Pkg != nil {
			pkg = fn.Pkg.Pkg.Path()
		} else if obj, ok := fn.Object().(*types.Func); ok && obj.Pkg() != nil {
			pkg = obj.Pkg().Path() // a wrapper of a promoted method
		}
	}
	switch pkg {
	case "os":
		return name == "Exit"
	case "runtime":
		return name == "Goexit"
	case "log":
		switch name {
		case "Fatal", "Fatalf", "Fatalln", "Panic", "Panicf", "Panicln":
			return true
		}
	case "testing":
		switch name {
		case "Fatal", "Fatalf", "FailNow", "Skip", "Skipf", "SkipNow":
			return true
		}
	}
	return false
}

// Reaches reports whether, on some path after the instruction from, an
// instruction of targets runs or a block of targetBlocks is entered,
// without going on from a block of stops (its own instructions still
// count).
func Reaches(from ssa.Instruction, targets map[ssa.Instruction]bool, targetBlocks, stops map[*ssa.BasicBlock]bool) bool {
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
		if targetBlocks[x] {
			return true
		}
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

// ErrorResult returns the index of fn's (first) error result, or -1.
func ErrorResult(fn *ssa.Function) int {
	res := fn.Signature.Results()
	for i := 0; i < res.Len(); i++ {
		if types.Identical(res.At(i).Type(), errorType) {
			return i
		}
	}
	return -1
}

// ReturnsError reports whether ret returns a non-nil error: its function's
// error result is anything but the constant nil.
func ReturnsError(ret *ssa.Return) bool {
	i := ErrorResult(ret.Parent())
	if i < 0 || i >= len(ret.Results) {
		return false
	}
	c, ok := ret.Results[i].(*ssa.Const)
	return !ok || !c.IsNil()
}
