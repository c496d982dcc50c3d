package lockleak

import (
	"fmt"
	"go/ast"
	"go/token"

	"golang.org/x/tools/go/analysis"

	"github.com/asyncbook/asyncbook/analyzers/internal/lockfacts"
)

// catLoop is the sub-check key for locks kept across a loop's continue.
const catLoop = "unlock-every-iteration"

// checkLoopExits reports a continue that leaves an iteration
// with a lock it took in that iteration still held, when the rest of the
// iteration unlocks it: for _, p := range parts { p.mu.Lock(); if p.n == 0
// { continue }; ...; p.mu.Unlock() }. Each element skipped that way stays
// locked, and its next Lock (by anyone) waits forever; a lock of the same
// value taken again in the next iteration waits for itself.
func checkLoopExits(pass *analysis.Pass, fn ast.Node) {
	ast.Inspect(fn, func(n ast.Node) bool {
		var body *ast.BlockStmt
		switch n := n.(type) {
		case *ast.FuncLit:
			return n == fn
		case *ast.ForStmt:
			body = n.Body
		case *ast.RangeStmt:
			body = n.Body
		}
		if body != nil {
			checkIteration(pass, body)
		}
		return true
	})
}

// checkIteration judges one loop body: each lock taken by a statement of
// it, and unlocked by a later one.
func checkIteration(pass *analysis.Pass, body *ast.BlockStmt) {
	info := pass.TypesInfo
	for i, st := range body.List {
		es, ok := st.(*ast.ExprStmt)
		if !ok {
			continue
		}
		call, ok := es.X.(*ast.CallExpr)
		if !ok {
			continue
		}
		k, name, ok := lockfacts.Locking(info, call)
		if !ok {
			continue
		}
		carried := false // unlocked before it: held across iterations by design
		for _, earlier := range body.List[:i] {
			ast.Inspect(earlier, func(n ast.Node) bool {
				if c, ok := n.(*ast.CallExpr); ok {
					if got, ok := lockfacts.Unlocking(info, c); ok && got == k {
						carried = true
					}
				}
				return !carried
			})
		}
		if carried {
			continue
		}
		unlocked := false
		for _, later := range body.List[i+1:] {
			if isUnlock(pass, later, k) {
				unlocked = true
			}
		}
		if !unlocked {
			continue
		}
		for _, later := range body.List[i+1:] {
			if isUnlock(pass, later, k) {
				break
			}
			if exit := exitHolding(pass, later, k); exit != nil {
				verb, unlock := "locked", "Unlock"
				if k.Read {
					verb, unlock = "read-locked", "RUnlock"
				}
				pass.Report(analysis.Diagnostic{
					Pos:      exit.Pos(),
					End:      exit.End(),
					Category: catLoop,
					Message: fmt.Sprintf("%s is still %s at this %s (locked at line %d), though the rest of the iteration calls %s.%s: it stays locked, and its next Lock waits forever",
						name, verb, exit.Tok, pass.Fset.Position(call.Pos()).Line, name, unlock),
					Related: []analysis.RelatedInformation{{Pos: call.Pos(), End: call.End(), Message: name + " locked here"}},
				})
				break
			}
		}
	}
}

// isUnlock reports whether st is an unlock of k (a plain statement).
func isUnlock(pass *analysis.Pass, st ast.Stmt, k lockfacts.Key) bool {
	es, ok := st.(*ast.ExprStmt)
	if !ok {
		return false
	}
	call, ok := es.X.(*ast.CallExpr)
	if !ok {
		return false
	}
	got, ok := lockfacts.Unlocking(pass.TypesInfo, call)
	return ok && got == k
}

// exitHolding returns a continue of the loop in st (not of a nested loop,
// nor in a switch or select) that no unlock of k in its block precedes.
func exitHolding(pass *analysis.Pass, st ast.Stmt, k lockfacts.Key) *ast.BranchStmt {
	var out *ast.BranchStmt
	var walk func(list []ast.Stmt)
	walk = func(list []ast.Stmt) {
		for _, s := range list {
			if out != nil || isUnlock(pass, s, k) {
				return
			}
			switch s := s.(type) {
			case *ast.BranchStmt:
				if s.Tok == token.CONTINUE && s.Label == nil {
					out = s // a break may leave the loop to an unlock after it
				}
			case *ast.BlockStmt:
				walk(s.List)
			case *ast.IfStmt:
				walk(s.Body.List)
				switch e := s.Else.(type) {
				case *ast.BlockStmt:
					walk(e.List)
				case *ast.IfStmt:
					walk([]ast.Stmt{e})
				}
			}
		}
	}
	walk([]ast.Stmt{st})
	return out
}
