package droppederr

import (
	"go/ast"
	"go/types"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ast/edge"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/asyncbook/asyncbook/analyzers/internal/analysisutil"
)

// recordsError is the fact of a function that records its own error before
// returning it: a deferred function literal reads its named error result
// (`defer func() { l.err = err }()`). Dropping the returned copy loses
// nothing.
type recordsError struct{ Records bool }

func (*recordsError) AFact()         {}
func (*recordsError) String() string { return "recordsError" }

// exportRecordsError exports recordsError for the package's functions that
// record their own error.
func exportRecordsError(pass *analysis.Pass) {
	for _, f := range pass.Files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			fn, ok := pass.TypesInfo.Defs[fd.Name].(*types.Func)
			if ok && recordsOwnError(pass.TypesInfo, fd) {
				pass.ExportObjectFact(fn, &recordsError{Records: true})
			}
		}
	}
}

func recordsOwnError(info *types.Info, fd *ast.FuncDecl) bool {
	res := fd.Type.Results
	if res == nil || len(res.List) == 0 {
		return false
	}
	last := res.List[len(res.List)-1]
	if len(last.Names) == 0 {
		return false
	}
	errVar, ok := info.Defs[last.Names[len(last.Names)-1]].(*types.Var)
	if !ok || !types.Identical(errVar.Type(), errorType) {
		return false
	}
	found := false
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		if found {
			return false
		}
		d, ok := n.(*ast.DeferStmt)
		if !ok {
			return true
		}
		lit, ok := ast.Unparen(d.Call.Fun).(*ast.FuncLit)
		if !ok {
			return true
		}
		ast.Inspect(lit.Body, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && info.Uses[id] == errVar {
				found = true
			}
			return !found
		})
		return !found
	})
	return found
}

// ignoredEverywhere holds the functions whose error the package drops at
// every call site, synchronous code included: the package has judged that
// error not worth handling, and a goroutine dropping it loses nothing the
// rest of the package would have kept.
func ignoredEverywhere(pass *analysis.Pass, in *inspector.Inspector) map[*types.Func]bool {
	type sites struct{ checked, droppedSync int }
	count := map[*types.Func]*sites{}
	for fileCur := range analysisutil.ProductionFiles(pass, in) {
		for cur := range fileCur.Preorder((*ast.CallExpr)(nil)) {
			call := cur.Node().(*ast.CallExpr)
			fn := analysisutil.CalleeFunc(pass.TypesInfo, call)
			if fn == nil {
				continue
			}
			sig, ok := fn.Type().(*types.Signature)
			if !ok || sig.Results().Len() == 0 || !types.Identical(sig.Results().At(sig.Results().Len()-1).Type(), errorType) {
				continue
			}
			s := count[fn]
			if s == nil {
				s = &sites{}
				count[fn] = s
			}
			switch {
			case !dropsError(cur, sig.Results().Len()):
				s.checked++
			case !inGoroutine(pass.TypesInfo, cur):
				s.droppedSync++
			}
		}
	}
	out := map[*types.Func]bool{}
	for fn, s := range count {
		if s.checked == 0 && s.droppedSync > 0 {
			out[fn] = true
		}
	}
	return out
}

// dropsError reports whether the call at cur, with n results, drops its
// error: as a statement, in a go or defer statement, or assigned to _.
func dropsError(cur inspector.Cursor, n int) bool {
	switch p := cur.Parent().Node().(type) {
	case *ast.ExprStmt, *ast.GoStmt, *ast.DeferStmt:
		return true
	case *ast.AssignStmt:
		if cur.ParentEdgeKind() != edge.AssignStmt_Rhs {
			return false
		}
		if len(p.Rhs) == 1 && len(p.Lhs) == n {
			return isBlank(p.Lhs[n-1])
		}
		_, i := cur.ParentEdge()
		return len(p.Lhs) == len(p.Rhs) && isBlank(p.Lhs[i])
	}
	return false
}

// inGoroutine reports whether the call at cur runs in a goroutine of its
// own function: started by go, or in a function literal given to go or to
// (*sync.WaitGroup).Go.
func inGoroutine(info *types.Info, cur inspector.Cursor) bool {
	if _, ok := cur.Parent().Node().(*ast.GoStmt); ok {
		return true
	}
	for c := range cur.Enclosing((*ast.FuncLit)(nil), (*ast.FuncDecl)(nil)) {
		if _, ok := c.Node().(*ast.FuncDecl); ok {
			return false
		}
		switch p := c.Parent().Node().(type) {
		case *ast.CallExpr:
			if _, ok := c.Parent().Parent().Node().(*ast.GoStmt); ok && c.ParentEdgeKind() == edge.CallExpr_Fun {
				return true
			}
			if c.ParentEdgeKind() == edge.CallExpr_Args && analysisutil.IsFunc(info, p, "(*sync.WaitGroup).Go") {
				return true
			}
		}
	}
	return false
}

// joined reports whether someone waits for the goroutine whose body is
// body: it was started by (*sync.WaitGroup).Go, or it calls
// (*sync.WaitGroup).Done, or it signals on a channel (a send or a close).
// An error it assigns to _ there is a choice its author made in sight of
// the code that waits, not one lost by a fire-and-forget goroutine.
func joined(info *types.Info, body *ast.BlockStmt, start ast.Node) bool {
	if call, ok := start.(*ast.CallExpr); ok && analysisutil.IsFunc(info, call, "(*sync.WaitGroup).Go") {
		return true
	}
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SendStmt:
			found = true
		case *ast.CallExpr:
			if analysisutil.IsFunc(info, n, "(*sync.WaitGroup).Done") {
				found = true
			}
			if id, ok := ast.Unparen(n.Fun).(*ast.Ident); ok {
				if b, ok := info.Uses[id].(*types.Builtin); ok && b.Name() == "close" {
					found = true
				}
			}
		}
		return !found
	})
	return found
}
