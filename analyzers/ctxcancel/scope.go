package ctxcancel

import (
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/asyncbook/asyncbook/analyzers/internal/ctxscope"
)

// scoper answers "which contexts should this node watch?" (through
// ctxscope, leaving out the node's own function's contexts: they count
// only inside the closures it starts, for which they are the caller's
// cancellation) and "is this channel the function's own?".
type scoper struct {
	pass *analysis.Pass
	ctx  *ctxscope.Scope
	// made are locals defined as make(chan ...): channels the function
	// (or one around it) owns.
	made map[types.Object]bool
}

func newScoper(pass *analysis.Pass, in *inspector.Inspector) *scoper {
	s := &scoper{
		pass: pass,
		ctx:  ctxscope.New(pass.TypesInfo, pass.Pkg, in),
		made: make(map[types.Object]bool),
	}
	info := pass.TypesInfo
	for c := range in.Root().Preorder((*ast.AssignStmt)(nil), (*ast.ValueSpec)(nil)) {
		var lhs, rhs []ast.Expr
		switch n := c.Node().(type) {
		case *ast.AssignStmt:
			if n.Tok != token.DEFINE {
				continue
			}
			lhs, rhs = n.Lhs, n.Rhs
		case *ast.ValueSpec:
			for _, id := range n.Names {
				lhs = append(lhs, id)
			}
			rhs = n.Values
		}
		if len(lhs) != len(rhs) {
			continue
		}
		for i, l := range lhs {
			id, ok := l.(*ast.Ident)
			if !ok {
				continue
			}
			obj := info.Defs[id]
			call, ok := ast.Unparen(rhs[i]).(*ast.CallExpr)
			if obj == nil || !ok || !isBuiltin(info, call, "make") {
				continue
			}
			if _, isChan := obj.Type().Underlying().(*types.Chan); isChan {
				s.made[obj] = true
			}
		}
	}
	return s
}

// ownChan reports whether ch names a channel made by make in this package's
// code around it (a local, not a parameter or field).
func (s *scoper) ownChan(ch ast.Expr) bool {
	id, ok := ast.Unparen(ch).(*ast.Ident)
	return ok && s.made[s.pass.TypesInfo.Uses[id]]
}

// contexts returns the context variables node c should watch, innermost
// scope first and, within a scope, the latest declared first.
func (s *scoper) contexts(c inspector.Cursor) []*types.Var {
	fn, _ := ctxscope.EnclosingFunc(c)
	return s.ctx.Contexts(c.Node().Pos(), fn)
}
