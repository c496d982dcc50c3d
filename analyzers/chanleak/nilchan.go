package chanleak

import (
	"fmt"
	"go/ast"
	"go/token"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"

	"github.com/asyncbook/asyncbook/analyzers/summary"
)

const catNil = "nil-channel"

// checkNilChannels reports a send on, or a receive from, a local channel
// variable that is still nil on a path reaching it: declared without make
// (var done chan error) and made on some branches only, or never. Outside a
// select, where a nil channel turns a case off on purpose, the operation
// then blocks forever. Only a path that certainly reaches the operation
// counts: the branches that leave the variable nil must meet straight
// before it, with no condition in between that could tell them apart.
func checkNilChannels(pass *analysis.Pass, res *summary.Result) {
	if res == nil || res.Pkg == nil {
		return
	}
	for _, fn := range res.SrcFuncs {
		for _, b := range fn.Blocks {
			for _, instr := range b.Instrs {
				var ch ssa.Value
				verb := "send on"
				switch in := instr.(type) {
				case *ssa.UnOp:
					if in.Op != token.ARROW {
						continue
					}
					ch, verb = in.X, "receive from"
					if in.CommaOk {
						verb = "range over" // a range, or v, ok := <-ch
					}
				case *ssa.Send:
					ch = in.Chan
				default:
					continue
				}
				if !instr.Pos().IsValid() {
					continue
				}
				direct, pred, ok := nilOnPath(res, ch, b)
				if !ok || direct && isMainFunc(fn) {
					continue // main blocking forever on a nil channel is on purpose
				}
				var at token.Pos
				if !direct {
					if at = pathPos(pred); inCaseWithoutDefault(pass, at) {
						continue // the path past every case: a switch over all the values
					}
				}
				name := chanName(pass, instr.Pos())
				if verb == "range over" && nodeIsUnary(pass, instr.Pos()) {
					verb = "receive from"
				}
				d := analysis.Diagnostic{Pos: instr.Pos(), Category: catNil}
				if direct {
					d.Message = fmt.Sprintf("%s %s blocks forever: %s is a nil channel here (it is never made)", verb, name, name)
				} else if at.IsValid() {
					d.Message = fmt.Sprintf("%s %s blocks forever on the path through line %d, where %s is left nil (never made)", verb, name, pass.Fset.Position(at).Line, name)
					d.Related = []analysis.RelatedInformation{{Pos: at, Message: name + " is still nil on this path"}}
				} else {
					d.Message = fmt.Sprintf("%s %s blocks forever on a path where %s is left nil (never made)", verb, name, name)
				}
				pass.Report(d)
			}
		}
	}
}

// nilOnPath reports whether ch, used in block b, is nil on a path that
// certainly reaches b: a nil constant (direct), or a φ-node of a block that
// flows straight into b with a nil edge from pred along which every call
// returns.
func nilOnPath(res *summary.Result, ch ssa.Value, b *ssa.BasicBlock) (direct bool, pred *ssa.BasicBlock, ok bool) {
	ch = unconvert(ch)
	if isNilConst(ch) && isChan(ch.Type()) {
		return true, nil, true
	}
	if load, isLoad := ch.(*ssa.UnOp); isLoad && load.Op == token.MUL {
		if alloc, isAlloc := load.X.(*ssa.Alloc); isAlloc && isChan(ch.Type()) {
			return nilAtLoad(res, alloc, load)
		}
	}
	phi, isPhi := ch.(*ssa.Phi)
	if !isPhi || !flowsStraight(phi.Block(), b) {
		return false, nil, false
	}
	for i, e := range phi.Edges {
		if i < len(phi.Block().Preds) && isNilConst(unconvert(e)) && isChan(e.Type()) && pathReturns(res, phi.Block().Preds[i]) {
			return false, phi.Block().Preds[i], true
		}
	}
	return false, nil, false
}

func unconvert(v ssa.Value) ssa.Value {
	for {
		c, ok := v.(*ssa.ChangeType)
		if !ok {
			return v
		}
		v = c.X
	}
}

// flowsStraight reports whether every path from block from reaches block
// to: from is to, or a chain of blocks each with one successor leads there.
func flowsStraight(from, to *ssa.BasicBlock) bool {
	for steps := 0; from != to; steps++ {
		if len(from.Succs) != 1 || steps > len(to.Parent().Blocks) {
			return false
		}
		from = from.Succs[0]
	}
	return true
}

// pathReturns reports whether the path into pred, walked back while each
// block has one predecessor, calls nothing that never returns (os.Exit,
// t.Fatal, log.Fatal, a function of the package that never returns): such a
// path ends before it could reach the operation.
func pathReturns(res *summary.Result, pred *ssa.BasicBlock) bool {
	for steps := 0; pred != nil && steps <= len(pred.Parent().Blocks); steps++ {
		for _, instr := range pred.Instrs {
			if neverReturns(res, instr) {
				return false
			}
		}
		if len(pred.Preds) != 1 {
			break
		}
		pred = pred.Preds[0]
	}
	return true
}

// pathPos returns a position naming the path into pred: its last
// instruction with a position, else the condition of the branch that led
// to it.
func pathPos(pred *ssa.BasicBlock) token.Pos {
	for steps := 0; pred != nil && steps <= len(pred.Parent().Blocks); steps++ {
		for i := len(pred.Instrs) - 1; i >= 0; i-- {
			if p := pred.Instrs[i].Pos(); p.IsValid() {
				return p
			}
		}
		if len(pred.Preds) != 1 {
			break
		}
		if iff, ok := pred.Preds[0].Instrs[len(pred.Preds[0].Instrs)-1].(*ssa.If); ok && iff.Cond.Pos().IsValid() {
			return iff.Cond.Pos()
		}
		pred = pred.Preds[0]
	}
	return token.NoPos
}

// isMainFunc reports whether fn is package main's main function.
func isMainFunc(fn *ssa.Function) bool {
	return fn.Parent() == nil && fn.Name() == "main" && fn.Pkg != nil && fn.Pkg.Pkg.Name() == "main"
}

// nodeIsUnary reports whether the receive at pos is written as <-ch (v, ok
// := <-ch), not as a range.
func nodeIsUnary(pass *analysis.Pass, pos token.Pos) bool {
	return nodeAt(pass, pos, func(n ast.Node) bool {
		u, ok := n.(*ast.UnaryExpr)
		return ok && u.Op == token.ARROW && u.OpPos == pos
	}) != nil
}

// A channel variable captured by a goroutine literal lives in an Alloc:
// nilAtLoad follows its stores forward through the function's blocks.
type nilState int

const (
	stateNone    nilState = iota // the block is not reached, or never ends
	stateNil                     // nil on every path
	stateMade                    // made on every path
	stateMixed                   // nil from one predecessor of merge, which flows straight on
	stateUnknown                 // anything else: a condition after a merge, a loop, a call
)

type allocState struct {
	kind  nilState
	merge *ssa.BasicBlock // stateMixed: where nil and made paths meet
	pred  *ssa.BasicBlock // stateMixed: the predecessor the nil comes from
}

// nilAtLoad reports whether the load of alloc reads nil on a path that
// certainly reaches it, as nilOnPath does for a φ-node. The variable may
// only be stored to by the function itself and read by it and by
// closures.
func nilAtLoad(res *summary.Result, alloc *ssa.Alloc, load *ssa.UnOp) (direct bool, pred *ssa.BasicBlock, ok bool) {
	if !onlyLocalStores(alloc) {
		return false, nil, false
	}
	fn := alloc.Parent()
	exit := make(map[*ssa.BasicBlock]allocState, len(fn.Blocks))
	done := make(map[*ssa.BasicBlock]bool, len(fn.Blocks))
	var at allocState
	for _, b := range reversePostorder(fn) {
		st := entryState(b, exit, done)
		for _, instr := range b.Instrs {
			if instr == alloc {
				st = allocState{kind: stateNil}
			}
			if instr == ssa.Instruction(load) {
				at = st
			}
			if store, isStore := instr.(*ssa.Store); isStore && store.Addr == alloc {
				if isNilConst(unconvert(store.Val)) {
					st = allocState{kind: stateNil}
				} else {
					st = allocState{kind: stateMade}
				}
			}
			if st.kind != stateNone && neverReturns(res, instr) {
				st = allocState{kind: stateNone}
			}
		}
		exit[b], done[b] = st, true
		if b == load.Block() {
			break
		}
	}
	switch at.kind {
	case stateNil:
		return true, nil, true
	case stateMixed:
		if flowsStraight(at.merge, load.Block()) {
			return false, at.pred, true
		}
	}
	return false, nil, false
}

// entryState combines the states b's predecessors end in. A predecessor
// not yet done (a loop's back edge) makes it unknown; a single predecessor
// that branches turns a mixed state unknown (its condition may tell the
// paths apart).
func entryState(b *ssa.BasicBlock, exit map[*ssa.BasicBlock]allocState, done map[*ssa.BasicBlock]bool) allocState {
	if len(b.Preds) == 0 {
		return allocState{kind: stateUnknown} // the entry, before the Alloc
	}
	if len(b.Preds) == 1 {
		p := b.Preds[0]
		if !done[p] {
			return allocState{kind: stateUnknown}
		}
		st := exit[p]
		if st.kind == stateMixed && len(p.Succs) != 1 {
			st = allocState{kind: stateUnknown}
		}
		return st
	}
	var nilPred *ssa.BasicBlock
	kinds := map[nilState]bool{}
	for _, p := range b.Preds {
		if !done[p] {
			return allocState{kind: stateUnknown}
		}
		st := exit[p]
		kinds[st.kind] = true
		if st.kind == stateNil && nilPred == nil {
			nilPred = p
		}
	}
	delete(kinds, stateNone)
	switch {
	case len(kinds) == 0:
		return allocState{kind: stateNone}
	case len(kinds) == 1 && (kinds[stateNil] || kinds[stateMade]):
		if kinds[stateNil] {
			return allocState{kind: stateNil}
		}
		return allocState{kind: stateMade}
	case len(kinds) == 2 && kinds[stateNil] && kinds[stateMade]:
		return allocState{kind: stateMixed, merge: b, pred: nilPred}
	}
	return allocState{kind: stateUnknown}
}

// onlyLocalStores reports whether alloc is a channel variable that only its
// function stores to: its other uses are loads, and closures capturing it
// only load it.
func onlyLocalStores(alloc *ssa.Alloc) bool {
	for _, ref := range *alloc.Referrers() {
		switch r := ref.(type) {
		case *ssa.Store:
			if r.Val == ssa.Value(alloc) {
				return false
			}
		case *ssa.UnOp:
			if r.Op != token.MUL {
				return false
			}
		case *ssa.MakeClosure:
			fn, ok := r.Fn.(*ssa.Function)
			if !ok {
				return false
			}
			for i, b := range r.Bindings {
				if b == ssa.Value(alloc) && (i >= len(fn.FreeVars) || !onlyLoads(fn.FreeVars[i])) {
					return false
				}
			}
		default:
			return false
		}
	}
	return true
}

func onlyLoads(v ssa.Value) bool {
	for _, ref := range *v.Referrers() {
		if u, ok := ref.(*ssa.UnOp); !ok || u.Op != token.MUL {
			return false
		}
	}
	return true
}

// neverReturns reports a call after which the function does not go on.
func neverReturns(res *summary.Result, instr ssa.Instruction) bool {
	return stopsAt(res, instr, 0)
}

// stopsAt reports whether the goroutine does not go on after instr: a
// panic, a call that never returns (summary.NoReturn, a summary's
// NeverReturns), or a call of a function of the package every path of
// which stops, followed three calls deep.
func stopsAt(res *summary.Result, instr ssa.Instruction, depth int) bool {
	if _, ok := instr.(*ssa.Panic); ok || summary.NoReturn(instr) {
		return true
	}
	call, ok := instr.(*ssa.Call)
	if !ok {
		return false
	}
	callee := call.Call.StaticCallee()
	if callee == nil {
		return false
	}
	if sum := res.Callee(callee); sum != nil && sum.NeverReturns {
		return true
	}
	return callee.Pkg == res.Pkg && alwaysExits(res, callee, depth)
}

// alwaysExits reports whether every path of fn, a function of the package,
// stops before it returns (func die(err error) { log.Println(err);
// os.Exit(1) }).
func alwaysExits(res *summary.Result, fn *ssa.Function, depth int) bool {
	if len(fn.Blocks) == 0 || depth > 3 {
		return false
	}
	seen := map[*ssa.BasicBlock]bool{fn.Blocks[0]: true}
	queue := []*ssa.BasicBlock{fn.Blocks[0]}
next:
	for len(queue) > 0 {
		b := queue[0]
		queue = queue[1:]
		for _, instr := range b.Instrs {
			if _, ok := instr.(*ssa.Return); ok {
				return false
			}
			if stopsAt(res, instr, depth+1) {
				continue next
			}
		}
		for _, s := range b.Succs {
			if !seen[s] {
				seen[s] = true
				queue = append(queue, s)
			}
		}
	}
	return true
}

// reversePostorder returns fn's blocks, each after its predecessors but
// for loops' back edges.
func reversePostorder(fn *ssa.Function) []*ssa.BasicBlock {
	seen := make(map[*ssa.BasicBlock]bool, len(fn.Blocks))
	var post []*ssa.BasicBlock
	var visit func(*ssa.BasicBlock)
	visit = func(b *ssa.BasicBlock) {
		seen[b] = true
		for _, s := range b.Succs {
			if !seen[s] {
				visit(s)
			}
		}
		post = append(post, b)
	}
	if len(fn.Blocks) > 0 {
		visit(fn.Blocks[0])
	}
	for i, j := 0, len(post)-1; i < j; i, j = i+1, j-1 {
		post[i], post[j] = post[j], post[i]
	}
	return post
}

// inCaseWithoutDefault reports whether pos lies in the expressions of a
// case of a switch without a default: the path leaving the channel nil is
// then the one that matches no case, often one the values never take
// (switch loop { case 0: ...; case 1: ... }).
func inCaseWithoutDefault(pass *analysis.Pass, pos token.Pos) bool {
	if !pos.IsValid() {
		return false
	}
	sw, ok := nodeAt(pass, pos, func(n ast.Node) bool {
		_, isSwitch := n.(*ast.SwitchStmt)
		_, isTypeSwitch := n.(*ast.TypeSwitchStmt)
		return isSwitch || isTypeSwitch
	}).(ast.Stmt)
	if !ok {
		return false
	}
	var body *ast.BlockStmt
	switch sw := sw.(type) {
	case *ast.SwitchStmt:
		body = sw.Body
	case *ast.TypeSwitchStmt:
		body = sw.Body
	}
	inList := false
	for _, stmt := range body.List {
		cc, ok := stmt.(*ast.CaseClause)
		if !ok {
			continue
		}
		if cc.List == nil {
			return false // a default
		}
		if pos >= cc.List[0].Pos() && pos <= cc.List[len(cc.List)-1].End() {
			inList = true
		}
	}
	return inList
}
