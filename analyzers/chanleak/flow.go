package chanleak

import (
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"strconv"

	"golang.org/x/tools/go/ast/edge"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/asyncbook/asyncbook/analyzers/internal/analysisutil"
)

// loopsAround returns the loops that repeat the node at cur, innermost
// first, up to stop (exclusive) or the first function literal. Loops that
// also enclose pos (the make of the channel) are not counted: each of their
// iterations has its own channel.
func loopsAround(cur, stop inspector.Cursor, pos token.Pos) []inspector.Cursor {
	var out []inspector.Cursor
	child := cur
	for a := cur.Parent(); a.Valid() && a.Node() != nil && a != stop; a = a.Parent() {
		switch n := a.Node().(type) {
		case *ast.FuncLit, *ast.FuncDecl:
			return out
		case *ast.ForStmt, *ast.RangeStmt:
			if n.Pos() <= pos && pos < n.End() {
				return out
			}
			if k := child.ParentEdgeKind(); k != edge.ForStmt_Init && k != edge.RangeStmt_X {
				out = append(out, a)
			}
		}
		child = a
	}
	return out
}

// recvLoop returns the loop that repeats the receive r, or an invalid cursor.
func (ch *channel) recvLoop(r *site) inspector.Cursor {
	if _, ok := r.node().(*ast.RangeStmt); ok {
		return r.cur
	}
	if loops := loopsAround(r.cur, ch.owner, ch.make.Pos()); len(loops) > 0 {
		return loops[0]
	}
	return inspector.Cursor{}
}

func loopBody(n ast.Node) *ast.BlockStmt {
	switch n := n.(type) {
	case *ast.ForStmt:
		return n.Body
	case *ast.RangeStmt:
		return n.Body
	}
	return nil
}

func contains(outer, inner ast.Node) bool {
	return outer.Pos() <= inner.Pos() && inner.End() <= outer.End()
}

// loopExits returns the statements in loop's body that leave it: returns,
// breaks out of it, continues and gotos to labels outside it. Function
// literals are not entered.
func (c *checker) loopExits(loop inspector.Cursor) []inspector.Cursor {
	var out []inspector.Cursor
	ln := loop.Node()
	body := loopBody(ln)
	if body == nil {
		return nil
	}
	bodyCur, ok := loop.FindNode(body)
	if !ok {
		return nil
	}
	bodyCur.Inspect(nil, func(cur inspector.Cursor) bool {
		switch n := cur.Node().(type) {
		case *ast.FuncLit:
			return false
		case *ast.ReturnStmt:
			out = append(out, cur)
		case *ast.BranchStmt:
			if c.branchLeaves(cur, n, ln) {
				out = append(out, cur)
			}
		}
		return true
	})
	return out
}

// branchLeaves reports whether the branch statement at cur transfers
// control out of the statement outer.
func (c *checker) branchLeaves(cur inspector.Cursor, br *ast.BranchStmt, outer ast.Node) bool {
	if br.Label != nil {
		if br.Tok == token.FALLTHROUGH {
			return false
		}
		lbl := c.info.Uses[br.Label]
		if lbl == nil {
			return false
		}
		inside := outer.Pos() <= lbl.Pos() && lbl.Pos() < outer.End()
		if br.Tok == token.GOTO {
			return !inside
		}
		// break/continue L: L labels a statement enclosing br. Continuing
		// outer itself does not leave it.
		if !inside {
			if br.Tok == token.CONTINUE {
				if ls, ok := labeledAt(cur, lbl.Pos()); ok && ls.Stmt == outer {
					return false
				}
			}
			return true
		}
		return false
	}
	if br.Tok != token.BREAK {
		return false
	}
	for a := range cur.Enclosing((*ast.ForStmt)(nil), (*ast.RangeStmt)(nil), (*ast.SwitchStmt)(nil),
		(*ast.TypeSwitchStmt)(nil), (*ast.SelectStmt)(nil), (*ast.FuncLit)(nil)) {
		return a.Node() == outer
	}
	return false
}

func labeledAt(cur inspector.Cursor, pos token.Pos) (*ast.LabeledStmt, bool) {
	for a := range cur.Enclosing((*ast.LabeledStmt)(nil)) {
		if ls := a.Node().(*ast.LabeledStmt); ls.Label.Pos() == pos {
			return ls, true
		}
	}
	return nil, false
}

// firstReturn returns the first return statement in the statements under
// cur, not entering function literals.
func firstReturn(cur inspector.Cursor) (inspector.Cursor, bool) {
	var found inspector.Cursor
	cur.Inspect(nil, func(a inspector.Cursor) bool {
		if found.Valid() {
			return false
		}
		switch a.Node().(type) {
		case *ast.FuncLit:
			return false
		case *ast.ReturnStmt:
			found = a
			return false
		}
		return true
	})
	return found, found.Valid()
}

// exclusive reports whether the nodes at a and b (a before b) can never both
// run: they lie in different branches of one if or switch, or a is followed
// by a return.
func exclusive(a, b inspector.Cursor) bool {
	if followedByReturn(a) {
		return true
	}
	var ca, cb inspector.Cursor
	for x := b; x.Valid() && x.Node() != nil; x = x.Parent() {
		if p := x.Parent(); p.Node() != nil && contains(p.Node(), a.Node()) {
			cb = x
			break
		}
	}
	if !cb.Valid() {
		return false
	}
	lca := cb.Parent()
	for x := a; x.Valid() && x.Node() != nil; x = x.Parent() {
		if x.Parent() == lca {
			ca = x
			break
		}
	}
	if !ca.Valid() || ca == cb {
		return false
	}
	switch n := lca.Node().(type) {
	case *ast.IfStmt:
		ka, kb := ca.ParentEdgeKind(), cb.ParentEdgeKind()
		return ka == edge.IfStmt_Body && kb == edge.IfStmt_Else || ka == edge.IfStmt_Else && kb == edge.IfStmt_Body
	case *ast.BlockStmt:
		switch lca.Parent().Node().(type) {
		case *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.SelectStmt:
			return n != nil
		}
	}
	return false
}

// followedByReturn reports whether the statement at cur is directly followed
// by a return statement in its block.
func followedByReturn(cur inspector.Cursor) bool {
	next, ok := cur.NextSibling()
	if !ok {
		return false
	}
	_, ret := next.Node().(*ast.ReturnStmt)
	return ret
}

// count is how many times a loop runs, as far as the syntax tells.
type count struct {
	infinite bool   // for { ... } without a condition
	key      string // normalized expression; "" when unknown
	konst    int64  // the value when isConst
	isConst  bool
	text     string // source form usable as a buffer size; "" when none
	root     *ast.Ident
}

func (n count) known() bool { return n.key != "" }

// loopCount returns how many times loop runs.
func (c *checker) loopCount(loop ast.Node) count {
	switch l := loop.(type) {
	case *ast.ForStmt:
		if l.Cond == nil {
			return count{infinite: true}
		}
		if e := c.countedBound(l); e != nil {
			return c.exprCount(e)
		}
	case *ast.RangeStmt:
		t := c.info.TypeOf(l.X)
		if t == nil {
			return count{}
		}
		if p, ok := t.Underlying().(*types.Pointer); ok {
			t = p.Elem()
		}
		switch u := t.Underlying().(type) {
		case *types.Basic:
			if u.Info()&types.IsInteger != 0 {
				return c.exprCount(l.X)
			}
		case *types.Array:
			s := strconv.FormatInt(u.Len(), 10)
			return count{key: "c:" + s, konst: u.Len(), isConst: true, text: s}
		case *types.Slice, *types.Map:
			k := c.key(l.X, 0)
			if k == "" {
				return count{}
			}
			n := count{key: "len(" + k + ")"}
			if text, root := c.text(l.X); text != "" {
				n.text, n.root = "len("+text+")", root
			}
			return n
		}
	}
	return count{}
}

// countedBound returns n of `for i := 0; i < n; i++`, or nil.
func (c *checker) countedBound(l *ast.ForStmt) ast.Expr {
	init, ok := l.Init.(*ast.AssignStmt)
	if !ok || len(init.Lhs) != 1 || len(init.Rhs) != 1 {
		return nil
	}
	iv, ok := init.Lhs[0].(*ast.Ident)
	if !ok {
		return nil
	}
	obj := c.info.Defs[iv]
	if obj == nil {
		obj = c.info.Uses[iv]
	}
	if tv, ok := c.info.Types[init.Rhs[0]]; obj == nil || !ok || tv.Value == nil || tv.Value.String() != "0" {
		return nil
	}
	cond, ok := l.Cond.(*ast.BinaryExpr)
	if !ok || cond.Op != token.LSS {
		return nil
	}
	if id, ok := ast.Unparen(cond.X).(*ast.Ident); !ok || c.info.Uses[id] != obj {
		return nil
	}
	switch p := l.Post.(type) {
	case *ast.IncDecStmt:
		if id, ok := ast.Unparen(p.X).(*ast.Ident); ok && p.Tok == token.INC && c.info.Uses[id] == obj {
			return cond.Y
		}
	case *ast.AssignStmt:
		if len(p.Lhs) == 1 && len(p.Rhs) == 1 && p.Tok == token.ADD_ASSIGN {
			id, ok := ast.Unparen(p.Lhs[0]).(*ast.Ident)
			tv := c.info.Types[p.Rhs[0]]
			if ok && c.info.Uses[id] == obj && tv.Value != nil && tv.Value.String() == "1" {
				return cond.Y
			}
		}
	}
	return nil
}

func (c *checker) exprCount(e ast.Expr) count {
	if v, ok := c.intConst(e); ok {
		s := strconv.FormatInt(v, 10)
		return count{key: "c:" + s, konst: v, isConst: true, text: s}
	}
	n := count{key: c.key(e, 0)}
	if n.key != "" {
		n.text, n.root = c.text(e)
	}
	return n
}

func (c *checker) intConst(e ast.Expr) (int64, bool) {
	tv, ok := c.info.Types[e]
	if !ok || tv.Value == nil {
		return 0, false
	}
	return constant.Int64Val(constant.ToInt(tv.Value))
}

// key normalizes an integer or collection expression so that equal counts
// compare equal: constants by value, variables by identity (following
// n := len(xs) when n is never reassigned), len(x) by its operand.
func (c *checker) key(e ast.Expr, depth int) string {
	e = ast.Unparen(e)
	if v, ok := c.intConst(e); ok {
		return "c:" + strconv.FormatInt(v, 10)
	}
	if depth > 4 {
		return ""
	}
	switch e := e.(type) {
	case *ast.Ident:
		obj := c.info.Uses[e]
		if obj == nil {
			return ""
		}
		if v, ok := obj.(*types.Var); ok && !v.IsField() && !c.assigned[obj] {
			if def := c.defs[obj]; def != nil && isLenOrInt(c, def) {
				if k := c.key(def, depth+1); k != "" {
					return k
				}
			}
		}
		return "v" + strconv.Itoa(c.id(obj))
	case *ast.SelectorExpr:
		if id, ok := e.X.(*ast.Ident); ok {
			if pn, ok := c.info.Uses[id].(*types.PkgName); ok {
				return "p" + pn.Imported().Path() + "." + e.Sel.Name
			}
		}
		if x := c.key(e.X, depth+1); x != "" {
			return x + "." + e.Sel.Name
		}
	case *ast.CallExpr:
		if c.isBuiltin(e, "len") && len(e.Args) == 1 {
			if x := c.key(e.Args[0], depth+1); x != "" {
				return "len(" + x + ")"
			}
		}
	}
	return ""
}

// isLenOrInt reports whether def is a len call or an integer-typed value
// worth following when normalizing a count.
func isLenOrInt(c *checker, def ast.Expr) bool {
	if call, ok := ast.Unparen(def).(*ast.CallExpr); ok {
		return c.isBuiltin(call, "len")
	}
	_, ok := ast.Unparen(def).(*ast.Ident)
	return ok
}

// text renders a plain expression (identifiers, selectors, literals, len
// calls) and returns its root identifier; "" for anything else.
func (c *checker) text(e ast.Expr) (string, *ast.Ident) {
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident:
		return e.Name, e
	case *ast.BasicLit:
		if e.Kind == token.INT {
			return e.Value, nil
		}
	case *ast.SelectorExpr:
		if x, root := c.text(e.X); x != "" {
			return x + "." + e.Sel.Name, root
		}
	case *ast.CallExpr:
		if c.isBuiltin(e, "len") && len(e.Args) == 1 {
			if x, root := c.text(e.Args[0]); x != "" {
				return "len(" + x + ")", root
			}
		}
	}
	return "", nil
}

// validAt reports whether the expression rooted at root can be written at
// pos: its root names something declared before pos and in scope there.
func (c *checker) validAt(root *ast.Ident, pos token.Pos) bool {
	if root == nil {
		return true
	}
	obj := c.info.Uses[root]
	if obj == nil {
		return false
	}
	if _, ok := obj.(*types.PkgName); ok {
		return true
	}
	s := obj.Parent()
	switch {
	case s == nil:
		return false
	case s == c.pass.Pkg.Scope() || s == types.Universe:
		return true
	}
	return obj.Pos() < pos && s.Contains(pos)
}

// refersTo reports whether any identifier under cur uses obj.
func (c *checker) refersTo(cur inspector.Cursor, obj types.Object) bool {
	for a := range cur.Preorder((*ast.Ident)(nil)) {
		if c.info.Uses[a.Node().(*ast.Ident)] == obj {
			return true
		}
	}
	return false
}

// mentionsAny reports whether e uses any of objs.
func (c *checker) mentionsAny(e ast.Node, objs map[types.Object]bool) bool {
	if e == nil || len(objs) == 0 {
		return false
	}
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && objs[c.info.Uses[id]] {
			found = true
		}
		return !found
	})
	return found
}

// isWait reports whether call waits for other goroutines.
func (c *checker) isWait(call *ast.CallExpr) bool {
	return analysisutil.IsFunc(c.info, call,
		"(*sync.WaitGroup).Wait", "(*sync.Cond).Wait", "(*golang.org/x/sync/errgroup.Group).Wait")
}
