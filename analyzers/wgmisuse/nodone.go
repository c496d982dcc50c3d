package wgmisuse

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/asyncbook/asyncbook/analyzers/internal/analysisutil"
)

const catNoDone = "add-without-done"

// wgUses is what the package does with one WaitGroup (a variable, or a
// field of a struct type, whichever value holds it).
type wgUses struct {
	name   string
	adds   []*ast.CallExpr
	waits  []*ast.CallExpr
	others bool // Done, Go, or a use that could lead to one (&wg handed on, copied)
}

// addWithoutDone reports a WaitGroup that the package adds to and waits
// on, but on which nothing ever calls Done: every Wait after an Add blocks
// forever. Only WaitGroups the package alone can reach count: a local
// variable, or an unexported field, used only as the receiver of Add and
// Wait (its address handed to any function, or the WaitGroup copied or
// assigned, may lead to a Done out of sight).
func (c *checker) addWithoutDone() {
	wgs := map[*types.Var]*wgUses{}
	var order []*types.Var
	get := func(v *types.Var, name string) *wgUses {
		u := wgs[v]
		if u == nil {
			u = &wgUses{name: name}
			wgs[v] = u
			order = append(order, v)
		}
		return u
	}
	for cur := range c.insp.Root().Preorder((*ast.Ident)(nil)) {
		id := cur.Node().(*ast.Ident)
		v, ok := c.pass.TypesInfo.Uses[id].(*types.Var)
		if !ok || !isWaitGroup(v.Type()) {
			continue
		}
		if v.IsField() && v.Exported() || v.Parent() == c.pass.Pkg.Scope() || v.Pkg() != c.pass.Pkg {
			continue // reachable from other packages
		}
		u := get(v, v.Name())
		call, method := wgMethodCall(c.pass.TypesInfo, cur)
		switch method {
		case "Add":
			u.adds = append(u.adds, call)
			if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok {
				u.name = types.ExprString(sel.X)
			}
		case "Wait":
			u.waits = append(u.waits, call)
		default:
			u.others = true // Done, Go, or handed on
		}
	}
	// Promoted methods of an embedded WaitGroup (s.Add(1)) name the field
	// through the selection, not an identifier.
	for cur := range c.insp.Root().Preorder((*ast.SelectorExpr)(nil)) {
		sel := cur.Node().(*ast.SelectorExpr)
		s := c.pass.TypesInfo.Selections[sel]
		if s == nil || s.Kind() != types.MethodVal || len(s.Index()) < 2 {
			continue
		}
		if v := embeddedWaitGroup(s); v != nil {
			get(v, v.Name()).others = true // not followed: count as seen
		}
	}
	for _, v := range order {
		u := wgs[v]
		if u.others || len(u.adds) == 0 || len(u.waits) == 0 {
			continue
		}
		add, wait := u.adds[0], u.waits[0]
		c.pass.Report(analysis.Diagnostic{
			Pos:      add.Pos(),
			End:      add.End(),
			Category: catNoDone,
			Message: fmt.Sprintf("%s.Add is never matched by a Done: nothing in the package calls Done on it or hands it on, so %s.Wait (line %d) blocks forever once Add has run",
				u.name, u.name, c.pass.Fset.Position(wait.Pos()).Line),
			Related: []analysis.RelatedInformation{{Pos: wait.Pos(), End: wait.End(), Message: "waits here"}},
		})
	}
}

// wgMethodCall returns the call and the method name when the identifier at
// cur is the receiver of a WaitGroup method call (wg.Add(1), s.wg.Wait(),
// (&wg).Done()), or "" for any other use.
func wgMethodCall(info *types.Info, cur inspector.Cursor) (*ast.CallExpr, string) {
	// The identifier itself, or the field selector s.wg whose Sel it is.
	cur = receiverOf(cur)
	for cur.Parent().Node() != nil {
		switch p := cur.Parent().Node().(type) {
		case *ast.ParenExpr:
			cur = cur.Parent()
			continue
		case *ast.UnaryExpr:
			if p.Op == token.AND {
				cur = cur.Parent()
				continue
			}
		}
		break
	}
	sel, ok := cur.Parent().Node().(*ast.SelectorExpr)
	if !ok || sel.X != cur.Node() {
		return nil, ""
	}
	call, ok := cur.Parent().Parent().Node().(*ast.CallExpr)
	if !ok || call.Fun != sel {
		return nil, ""
	}
	fn := analysisutil.CalleeFunc(info, call)
	if fn == nil {
		return nil, ""
	}
	switch fn.FullName() {
	case addMethod:
		return call, "Add"
	case waitMethod:
		return call, "Wait"
	}
	return call, fn.Name()
}

// receiverOf climbs from an identifier to the expression it names: the
// selector s.wg when it is its Sel.
func receiverOf(cur inspector.Cursor) inspector.Cursor {
	if sel, ok := cur.Parent().Node().(*ast.SelectorExpr); ok && sel.Sel == cur.Node() {
		return cur.Parent()
	}
	return cur
}

// embeddedWaitGroup returns the embedded WaitGroup field a promoted method
// selection goes through, or nil.
func embeddedWaitGroup(s *types.Selection) *types.Var {
	t := s.Recv()
	var field *types.Var
	for _, i := range s.Index()[:len(s.Index())-1] {
		if p, ok := t.Underlying().(*types.Pointer); ok {
			t = p.Elem()
		}
		st, ok := t.Underlying().(*types.Struct)
		if !ok || i >= st.NumFields() {
			return nil
		}
		field = st.Field(i)
		t = field.Type()
	}
	if field == nil || !isWaitGroup(field.Type()) {
		return nil
	}
	return field
}

func isWaitGroup(t types.Type) bool {
	if p, ok := types.Unalias(t).(*types.Pointer); ok {
		t = p.Elem()
	}
	return analysisutil.IsNamedType(t, "sync", "WaitGroup")
}
