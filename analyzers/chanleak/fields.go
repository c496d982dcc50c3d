package chanleak

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ast/inspector"
	"golang.org/x/tools/go/types/typeutil"
)

const catField = "field-never-served"

// fieldUse is what the package does with one unexported channel field.
type fieldUse struct {
	sends, recvs  []inspector.Cursor // blocking operations (no select with another case)
	served        map[token.Token]bool
	escapes       bool
	made          bool // the package makes the field's channel somewhere
	sendOK, recvK bool // some send / receive or close exists anywhere

	// For receiver-may-stop: the receives that are a case of a select
	// with another case, whether any other receive exists, whether the
	// channel is handed to other packages, closed, or made with a buffer.
	caseRecvs                           []inspector.Cursor
	otherRecv, handedOut, closed, bufrd bool
}

// checkFields reports blocking operations on an unexported channel field
// that nothing in the package ever serves: a send on a field nobody
// receives from, a receive from a field nobody sends on or closes. Only
// the package can name an unexported field, so when every use of it is an
// operation (or its initialisation), the other half does not exist. A
// field whose channel is handed anywhere else (assigned to a variable,
// passed, returned), or that the package never makes, is left alone.
func checkFields(pass *analysis.Pass, ins *inspector.Inspector, c *checker) {
	uses := map[*types.Var]*fieldUse{}
	field := func(e ast.Expr) *types.Var {
		sel, ok := ast.Unparen(e).(*ast.SelectorExpr)
		if !ok {
			return nil
		}
		v, ok := pass.TypesInfo.Uses[sel.Sel].(*types.Var)
		if !ok || !v.IsField() || v.Exported() || v.Pkg() != pass.Pkg {
			return nil
		}
		if _, ok := v.Type().Underlying().(*types.Chan); !ok {
			return nil
		}
		// Each method of a generic type sees its own instance of the
		// field: key them all by the declared one.
		return v.Origin()
	}
	handled := map[ast.Expr]bool{}
	// Accessors hand the field out: func (s *S) Done() <-chan T { return
	// s.done } (or nil). Their calls are the field.
	accessors := map[*types.Func]*types.Var{}
	for cur := range ins.Root().Preorder((*ast.FuncDecl)(nil)) {
		fd := cur.Node().(*ast.FuncDecl)
		if v, rets := accessorOf(pass, fd, field); v != nil {
			if fn, ok := pass.TypesInfo.Defs[fd.Name].(*types.Func); ok {
				accessors[fn] = v
				for _, r := range rets {
					handled[r] = true
				}
				if fn.Exported() {
					// An exported accessor (Updates() <-chan Entry, often
					// the method of an interface) hands the channel to
					// other packages, which may do what its type allows:
					// receive from a <-chan, send on or close a chan<-.
					u := uses[v]
					if u == nil {
						u = &fieldUse{}
						uses[v] = u
					}
					u.handedOut = true
					if ch, ok := fn.Type().(*types.Signature).Results().At(0).Type().Underlying().(*types.Chan); ok {
						u.recvK = u.recvK || ch.Dir() != types.SendOnly
						u.sendOK = u.sendOK || ch.Dir() != types.RecvOnly
					}
				}
			}
		}
	}
	get := func(e ast.Expr) (*types.Var, *fieldUse) {
		v := field(e)
		if v == nil {
			if call, ok := ast.Unparen(e).(*ast.CallExpr); ok {
				if fn, ok := typeutil.Callee(pass.TypesInfo, call).(*types.Func); ok {
					v = accessors[fn]
				}
			}
		}
		if v == nil {
			return nil, nil
		}
		u := uses[v]
		if u == nil {
			u = &fieldUse{}
			uses[v] = u
		}
		return v, u
	}
	for cur := range ins.Root().Preorder((*ast.SendStmt)(nil), (*ast.UnaryExpr)(nil), (*ast.RangeStmt)(nil), (*ast.CallExpr)(nil), (*ast.AssignStmt)(nil), (*ast.SelectorExpr)(nil)) {
		switch n := cur.Node().(type) {
		case *ast.SendStmt:
			if _, u := get(n.Chan); u != nil {
				handled[ast.Unparen(n.Chan)] = true
				u.sendOK = true
				if !inSelectWithWayOut(cur) {
					u.sends = append(u.sends, cur)
				}
			}
		case *ast.UnaryExpr:
			if n.Op != token.ARROW {
				continue
			}
			if _, u := get(n.X); u != nil {
				handled[ast.Unparen(n.X)] = true
				u.recvK = true
				if !inSelectWithWayOut(cur) {
					u.recvs = append(u.recvs, cur)
					u.otherRecv = true
				} else {
					u.caseRecvs = append(u.caseRecvs, cur)
				}
			}
		case *ast.RangeStmt:
			if _, u := get(n.X); u != nil {
				handled[ast.Unparen(n.X)] = true
				u.recvK = true
				u.recvs = append(u.recvs, cur)
				u.otherRecv = true
			}
		case *ast.CallExpr:
			if _, u := get(n); u != nil && field(n) == nil && !handled[n] {
				u.escapes = true // the accessor's result goes somewhere we do not follow
			}
			if id, ok := ast.Unparen(n.Fun).(*ast.Ident); ok && len(n.Args) >= 1 {
				if b, ok := pass.TypesInfo.Uses[id].(*types.Builtin); ok {
					switch b.Name() {
					case "close":
						if _, u := get(n.Args[0]); u != nil {
							handled[ast.Unparen(n.Args[0])] = true
							u.sendOK = true
							u.closed = true
						}
					case "len", "cap":
						if _, u := get(n.Args[0]); u != nil {
							handled[ast.Unparen(n.Args[0])] = true
						}
					}
				}
			}
		case *ast.AssignStmt:
			// x.f = make(...): the field's initialisation.
			for i, lhs := range n.Lhs {
				if _, u := get(lhs); u != nil && len(n.Lhs) == len(n.Rhs) && isMakeChan(pass, n.Rhs[i]) {
					handled[ast.Unparen(lhs)] = true
					u.made = true
					u.bufrd = u.bufrd || !unbufferedMake(pass, n.Rhs[i])
				}
			}
		case *ast.SelectorExpr:
			if handled[n] {
				continue
			}
			if _, u := get(n); u != nil {
				u.escapes = true // read as a value: it goes somewhere we do not follow
			}
		}
	}
	// Composite literals name fields by key (an identifier, not a
	// selector): their value must be a make.
	for cur := range ins.Root().Preorder((*ast.KeyValueExpr)(nil)) {
		kv := cur.Node().(*ast.KeyValueExpr)
		id, ok := kv.Key.(*ast.Ident)
		if !ok {
			continue
		}
		v, ok := pass.TypesInfo.Uses[id].(*types.Var)
		if !ok {
			continue
		}
		if v = v.Origin(); uses[v] == nil {
			continue
		}
		if isMakeChan(pass, kv.Value) {
			uses[v].made = true
			uses[v].bufrd = uses[v].bufrd || !unbufferedMake(pass, kv.Value)
		} else {
			uses[v].escapes = true
		}
	}
	var stuck []stuckOp
	for v, u := range uses {
		// A channel the package never makes is set from outside (or is a
		// fragment's): its other half cannot be judged.
		if u.escapes || !u.made {
			continue
		}
		if !u.recvK {
			for _, cur := range u.sends {
				s := cur.Node().(*ast.SendStmt)
				pass.Report(analysis.Diagnostic{
					Pos:      s.Pos(),
					Category: catField,
					Message:  fmt.Sprintf("send on %s blocks forever: nothing in the package receives from field %s", types.ExprString(s.Chan), v.Name()),
				})
				stuck = append(stuck, stuckOp{cur, fmt.Sprintf("send on %s", types.ExprString(s.Chan)), "which nothing in the package receives from"})
			}
		}
		if !u.sendOK {
			for _, cur := range u.recvs {
				pass.Report(analysis.Diagnostic{
					Pos:      cur.Node().Pos(),
					Category: catField,
					Message:  fmt.Sprintf("receive from field %s blocks forever: nothing in the package sends on or closes it", v.Name()),
				})
				stuck = append(stuck, stuckOp{cur, fmt.Sprintf("receive from field %s", v.Name()), "which nothing in the package sends on or closes"})
			}
		}
	}
	reportStuckGoroutines(pass, ins, stuck)
	for _, u := range uses {
		if !u.escapes && u.made && !u.handedOut && !u.closed && !u.bufrd && !u.otherRecv {
			checkReceiverMayStop(pass, c, u)
		}
	}
}

const catReceiverStops = "receiver-may-stop"

// checkReceiverMayStop reports blocking sends on an unbuffered field
// channel whose only receivers are select cases in loops that can end
// (go n.run() with for { select { case c := <-n.status: ... case <-n.stop:
// return } }): once the loop has returned, nothing in the package
// receives from the field any more, and a send with no way out of its own
// blocks forever. A send made in the receiving loop's own function is left
// alone.
func checkReceiverMayStop(pass *analysis.Pass, c *checker, u *fieldUse) {
	if len(u.sends) == 0 || len(u.caseRecvs) == 0 {
		return
	}
	var loop, exit inspector.Cursor
	found := false
	var loopFuncs []inspector.Cursor
	for _, r := range u.caseRecvs {
		l, ok := enclosingLoop(r)
		if !ok {
			return // a receive outside a loop: a request that is answered
		}
		fn, _ := enclosingFunc(r)
		loopFuncs = append(loopFuncs, fn)
		for _, e := range c.loopExits(l) {
			// Only a return ends the receiving for good: code after a
			// break may receive again.
			if _, ok := e.Node().(*ast.ReturnStmt); !ok {
				continue
			}
			// An exit in the body of a case receiving from the field
			// itself is the send doing its job (bc.stop <- true).
			if inCaseOf(e, u.caseRecvs) {
				continue
			}
			if !found {
				loop, exit, found = l, e, true
			}
			break
		}
	}
	if !found {
		return // every receiving loop runs for ever
	}
	for _, s := range u.sends {
		fn, ok := enclosingFunc(s)
		if !ok {
			continue
		}
		mine := false
		for _, lf := range loopFuncs {
			mine = mine || lf == fn
		}
		// A send made under a condition (if c.running { c.add <- e })
		// may be guarded by state that says the loop still runs.
		if mine || conditional(s, fn) {
			continue
		}
		send := s.Node().(*ast.SendStmt)
		pass.Report(analysis.Diagnostic{
			Pos:      send.Pos(),
			Category: catReceiverStops,
			Message: fmt.Sprintf("send on %s may block forever: its only receiver, the loop at %s, can return (%s) and then nobody receives; select on a stop signal too",
				types.ExprString(send.Chan), where(pass, loop.Node().Pos(), send.Pos()), where(pass, exit.Node().Pos(), send.Pos())),
			Related: []analysis.RelatedInformation{
				{Pos: loop.Node().Pos(), Message: "the only receiving loop"},
				{Pos: exit.Node().Pos(), Message: "the loop stops here"},
			},
		})
	}
}

// conditional reports whether the statement at cur runs only under a
// condition of its function fn: inside an if, a switch or select case,
// or a loop.
func conditional(cur, fn inspector.Cursor) bool {
	for a := range cur.Enclosing() {
		if a == fn {
			return false
		}
		switch a.Node().(type) {
		case *ast.IfStmt, *ast.CaseClause, *ast.CommClause, *ast.ForStmt, *ast.RangeStmt:
			return true
		}
	}
	return false
}

// where names the position pos for a message about the one at from:
// "line 12" in the same file, "file.go:12" in another.
func where(pass *analysis.Pass, pos, from token.Pos) string {
	p, f := pass.Fset.Position(pos), pass.Fset.Position(from)
	if p.Filename == f.Filename {
		return fmt.Sprintf("line %d", p.Line)
	}
	return fmt.Sprintf("%s:%d", filepath.Base(p.Filename), p.Line)
}

// inCaseOf reports whether cur lies in the body of the select case whose
// communication is one of recvs.
func inCaseOf(cur inspector.Cursor, recvs []inspector.Cursor) bool {
	for a := range cur.Enclosing((*ast.CommClause)(nil)) {
		cc := a.Node().(*ast.CommClause)
		for _, r := range recvs {
			if cc.Comm != nil && contains(cc.Comm, r.Node()) {
				return true
			}
		}
	}
	return false
}

// enclosingLoop returns the innermost for or range statement around cur
// in its function.
func enclosingLoop(cur inspector.Cursor) (inspector.Cursor, bool) {
	for a := range cur.Enclosing((*ast.ForStmt)(nil), (*ast.RangeStmt)(nil), (*ast.FuncLit)(nil), (*ast.FuncDecl)(nil)) {
		switch a.Node().(type) {
		case *ast.ForStmt, *ast.RangeStmt:
			return a, true
		case *ast.FuncLit, *ast.FuncDecl:
			return a, false
		}
	}
	return cur, false
}

// unbufferedMake reports whether e is make(chan T) or make(chan T, 0).
func unbufferedMake(pass *analysis.Pass, e ast.Expr) bool {
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	if !ok {
		return false
	}
	if len(call.Args) == 1 {
		return true
	}
	tv, ok := pass.TypesInfo.Types[call.Args[1]]
	return ok && tv.Value != nil && tv.Value.String() == "0"
}

// stuckOp is an operation on a field channel that blocks forever.
type stuckOp struct {
	cur       inspector.Cursor
	what, why string
}

// reportStuckGoroutines reports, for a function that blocks forever in one
// of the operations, the calls to it that a goroutine makes directly: in
// the body of a go func literal, or of a function or method the package
// starts with go (go w.process()). The goroutine is the one that leaks:
// the finding says where it stops for good, with the operation as related
// information.
func reportStuckGoroutines(pass *analysis.Pass, ins *inspector.Inspector, stuck []stuckOp) {
	if len(stuck) == 0 {
		return
	}
	blocking := map[*types.Func]stuckOp{}
	for _, op := range stuck {
		encl, ok := enclosingFunc(op.cur)
		if !ok {
			continue
		}
		fd, ok := encl.Node().(*ast.FuncDecl)
		if !ok {
			continue // in a closure: its calls are not followed
		}
		if fn, ok := pass.TypesInfo.Defs[fd.Name].(*types.Func); ok {
			if _, seen := blocking[fn]; !seen {
				blocking[fn] = op
			}
		}
	}
	if len(blocking) == 0 {
		return
	}
	// Functions and methods the package starts as goroutines.
	started := map[*types.Func]token.Pos{}
	for cur := range ins.Root().Preorder((*ast.GoStmt)(nil)) {
		g := cur.Node().(*ast.GoStmt)
		if fn, ok := typeutil.Callee(pass.TypesInfo, g.Call).(*types.Func); ok {
			fn = fn.Origin()
			if _, seen := started[fn]; !seen {
				started[fn] = g.Pos()
			}
		}
	}
	for cur := range ins.Root().Preorder((*ast.CallExpr)(nil)) {
		call := cur.Node().(*ast.CallExpr)
		fn, ok := typeutil.Callee(pass.TypesInfo, call).(*types.Func)
		if !ok {
			continue
		}
		op, ok := blocking[fn.Origin()]
		if !ok {
			continue
		}
		encl, ok := enclosingFunc(cur)
		if !ok {
			continue
		}
		var goPos token.Pos
		switch n := encl.Node().(type) {
		case *ast.FuncLit:
			if !isGoLit(encl) {
				continue
			}
			goPos = encl.Parent().Parent().Node().Pos()
		case *ast.FuncDecl:
			caller, ok := pass.TypesInfo.Defs[n.Name].(*types.Func)
			if !ok {
				continue
			}
			if goPos, ok = started[caller]; !ok {
				continue
			}
		default:
			continue
		}
		if cur.Node().Pos() == op.cur.Node().Pos() {
			continue
		}
		opLine := pass.Fset.Position(op.cur.Node().Pos()).Line
		pass.Report(analysis.Diagnostic{
			Pos:      call.Pos(),
			Category: catField,
			Message: fmt.Sprintf("the goroutine started at line %d blocks forever in %s: %s (line %d), %s",
				pass.Fset.Position(goPos).Line, types.ExprString(call.Fun), op.what, opLine, op.why),
			Related: []analysis.RelatedInformation{
				{Pos: goPos, Message: "goroutine started here"},
				{Pos: op.cur.Node().Pos(), Message: "blocks here"},
			},
		})
	}
}

// enclosingFunc returns the innermost FuncDecl or FuncLit around cur.
func enclosingFunc(cur inspector.Cursor) (inspector.Cursor, bool) {
	for a := range cur.Enclosing((*ast.FuncDecl)(nil), (*ast.FuncLit)(nil)) {
		if a != cur {
			return a, true
		}
	}
	return cur, false
}

// accessorOf returns the field a function returns (every return is the
// field of its receiver or parameter, or nil), with the returned
// selectors; nil when fd is not such an accessor.
func accessorOf(pass *analysis.Pass, fd *ast.FuncDecl, field func(ast.Expr) *types.Var) (*types.Var, []ast.Expr) {
	if fd.Body == nil || fd.Type.Results == nil || fd.Type.Results.NumFields() != 1 {
		return nil, nil
	}
	var v *types.Var
	var rets []ast.Expr
	ok := true
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.ReturnStmt:
			if len(n.Results) != 1 {
				ok = false
				return false
			}
			r := ast.Unparen(n.Results[0])
			if id, isID := r.(*ast.Ident); isID && pass.TypesInfo.Uses[id] == types.Universe.Lookup("nil") {
				return false
			}
			f := field(r)
			if f == nil || v != nil && f != v {
				ok = false
				return false
			}
			v = f
			rets = append(rets, r)
		}
		return true
	})
	if !ok || v == nil {
		return nil, nil
	}
	return v, rets
}

func isMakeChan(pass *analysis.Pass, e ast.Expr) bool {
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	if !ok {
		return false
	}
	id, ok := ast.Unparen(call.Fun).(*ast.Ident)
	if !ok {
		return false
	}
	b, ok := pass.TypesInfo.Uses[id].(*types.Builtin)
	return ok && b.Name() == "make"
}

// inSelectWithWayOut reports whether the operation at cur is the
// communication of a select case, in a select with another case or a
// default.
func inSelectWithWayOut(cur inspector.Cursor) bool {
	for p := cur.Parent(); p.Node() != nil; p = p.Parent() {
		switch n := p.Node().(type) {
		case *ast.CommClause:
			sel, ok := p.Parent().Parent().Node().(*ast.SelectStmt)
			if !ok {
				return false
			}
			// Only the clause's communication, not its body.
			if n.Comm == nil || !(cur.Node().Pos() >= n.Comm.Pos() && cur.Node().End() <= n.Comm.End()) {
				return false
			}
			return len(sel.Body.List) > 1
		case *ast.FuncLit, *ast.FuncDecl, *ast.BlockStmt:
			if _, ok := n.(*ast.BlockStmt); ok {
				continue
			}
			return false
		}
	}
	return false
}
