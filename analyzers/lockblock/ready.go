package lockblock

import (
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"

	"github.com/asyncbook/asyncbook/analyzers/internal/analysisutil"
	"github.com/asyncbook/asyncbook/analyzers/internal/lockfacts"
)

// heldIDs names the locks of st as the lock facts do.
func (s *scanner) heldIDs(st state) []lockID {
	var out []lockID
	for _, h := range st {
		_, r, _, _, ok := lockfacts.LockCall(s.pass.TypesInfo, h.call)
		if !ok {
			continue
		}
		out = append(out, lockID{ref: r, class: lockfacts.ClassOf(r)})
	}
	return out
}

// freeWait reports whether the operation on e is completed only by
// goroutines that never take a held lock (sites of the given kinds).
func (s *scanner) freeWait(e ast.Expr, st state, kinds ...siteKind) bool {
	if len(st) == 0 {
		return false
	}
	return s.others().free(e, kinds, s.fn, s.heldIDs(st))
}

// ready reports whether a receive from ch under a lock does not wait on a
// peer that may need the lock: ch is a token (receiving acquires it), a
// guard says a value is already there, or only goroutines that never take
// the lock send on or close it.
func (s *scanner) ready(ch ast.Expr, st state) bool {
	return s.others().token(ch) || s.guarded(ch) || s.freeWait(ch, st, siteSend, siteClose)
}

// guarded reports whether an enclosing condition says a value is in ch:
// len(ch) > 0, !t.Stop() for the timer t whose channel is t.C (it fired and
// nobody received), or a flag set only where the buffered value is sent.
func (s *scanner) guarded(ch ast.Expr) bool {
	for _, g := range s.guards {
		for _, c := range conjuncts(g) {
			if s.nonEmpty(c, ch) || s.stopFailed(c, ch) ||
				(s.buffered.buffered(ch) && s.others().flagged(c, ch)) {
				return true
			}
		}
	}
	return false
}

func conjuncts(e ast.Expr) []ast.Expr {
	if b, ok := ast.Unparen(e).(*ast.BinaryExpr); ok && b.Op == token.LAND {
		return append(conjuncts(b.X), conjuncts(b.Y)...)
	}
	if e == nil {
		return nil
	}
	return []ast.Expr{e}
}

// nonEmpty reports whether c is len(ch) > 0, len(ch) != 0, len(ch) >= 1 or
// 0 < len(ch).
func (s *scanner) nonEmpty(c, ch ast.Expr) bool {
	b, ok := ast.Unparen(c).(*ast.BinaryExpr)
	if !ok {
		return false
	}
	lenOf := func(e ast.Expr) bool {
		call, ok := ast.Unparen(e).(*ast.CallExpr)
		return ok && builtinName(s.pass.TypesInfo, call) == "len" && len(call.Args) == 1 && s.same(call.Args[0], ch)
	}
	num := func(e ast.Expr) (int64, bool) {
		tv, ok := s.pass.TypesInfo.Types[e]
		if !ok || tv.Value == nil {
			return 0, false
		}
		v, exact := constantInt(tv)
		return v, exact
	}
	switch {
	case lenOf(b.X):
		n, ok := num(b.Y)
		return ok && ((b.Op == token.GTR && n >= 0) || (b.Op == token.NEQ && n == 0) || (b.Op == token.GEQ && n >= 1))
	case lenOf(b.Y):
		n, ok := num(b.X)
		return ok && ((b.Op == token.LSS && n >= 0) || (b.Op == token.NEQ && n == 0) || (b.Op == token.LEQ && n >= 1))
	}
	return false
}

// stopFailed reports whether c is !t.Stop() and ch is t.C: the timer fired
// and its value waits in the channel (the drain idiom of package time).
func (s *scanner) stopFailed(c, ch ast.Expr) bool {
	not, ok := ast.Unparen(c).(*ast.UnaryExpr)
	if !ok || not.Op != token.NOT {
		return false
	}
	call, ok := ast.Unparen(not.X).(*ast.CallExpr)
	if !ok || !analysisutil.IsFunc(s.pass.TypesInfo, call, "(*time.Timer).Stop") {
		return false
	}
	stop, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	c2, ok2 := ast.Unparen(ch).(*ast.SelectorExpr)
	return ok && ok2 && c2.Sel.Name == "C" && s.same(stop.X, c2.X)
}

// same reports whether a and b name the same variable or field chain.
func (s *scanner) same(a, b ast.Expr) bool {
	ra, ok := refOf(s.pass.TypesInfo, a)
	rb, ok2 := refOf(s.pass.TypesInfo, b)
	return ok && ok2 && ra == rb
}

// bounded reports whether a select has a way out that does not wait on a
// goroutine needing the lock: a timer or ticker case, ctx.Done(), or a case
// completed only by goroutines that never take the lock (a stop channel
// closed outside it).
func (s *scanner) bounded(sel *ast.SelectStmt, st state) bool {
	for _, cl := range sel.Body.List {
		cc, ok := cl.(*ast.CommClause)
		if !ok || cc.Comm == nil {
			continue
		}
		switch c := cc.Comm.(type) {
		case *ast.SendStmt:
			if s.buffered.buffered(c.Chan) || s.freeWait(c.Chan, st, siteRecv) {
				return true
			}
		default:
			ch := received(c)
			if ch == nil {
				continue
			}
			if s.timerChan(ch) || s.doneCall(ch) || s.freeWait(ch, st, siteSend, siteClose) {
				return true
			}
		}
	}
	return false
}

// received returns the channel a select case's receive reads.
func received(stmt ast.Stmt) ast.Expr {
	var e ast.Expr
	switch c := stmt.(type) {
	case *ast.ExprStmt:
		e = c.X
	case *ast.AssignStmt:
		if len(c.Rhs) == 1 {
			e = c.Rhs[0]
		}
	}
	if u, ok := ast.Unparen(e).(*ast.UnaryExpr); ok && u.Op == token.ARROW {
		return u.X
	}
	return nil
}

// timerChan reports a channel of time.Time: time.After, a timer's or a
// ticker's C, a variable holding one.
func (s *scanner) timerChan(ch ast.Expr) bool {
	t := s.pass.TypesInfo.TypeOf(ch)
	if t == nil {
		return false
	}
	c, ok := t.Underlying().(*types.Chan)
	return ok && analysisutil.IsNamedType(c.Elem(), "time", "Time")
}

// doneCall reports ctx.Done() on a context.Context.
func (s *scanner) doneCall(ch ast.Expr) bool {
	call, ok := ast.Unparen(ch).(*ast.CallExpr)
	if !ok {
		return false
	}
	fn := analysisutil.CalleeFunc(s.pass.TypesInfo, call)
	if fn == nil || fn.Name() != "Done" {
		return false
	}
	recv := fn.Signature().Recv()
	return recv != nil && (analysisutil.IsNamedType(recv.Type(), "context", "Context") || implementsContext(recv.Type()))
}

func implementsContext(t types.Type) bool {
	if n, ok := derefNamed(t); ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "context" {
		return true
	}
	return false
}

func constantInt(tv types.TypeAndValue) (int64, bool) {
	if tv.Value.Kind() != constant.Int {
		return 0, false
	}
	return constant.Int64Val(tv.Value)
}
