package chanleak

import (
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"sort"

	"golang.org/x/tools/go/ast/edge"
	"golang.org/x/tools/go/ast/inspector"
)

// channel gathers the facts about one channel made in a function: where it
// is made and with what buffer, who sends, receives and closes it, and
// whether it escapes where the analysis cannot follow.
type channel struct {
	obj   types.Object
	name  string
	make  *ast.CallExpr
	owner inspector.Cursor // the FuncDecl or FuncLit whose body makes the channel

	capArg   ast.Expr // nil for make(chan T)
	capConst int64    // the buffer size when capKnown
	capKnown bool

	// aliases are parameters of goroutine literals the channel is passed to:
	// go func(out chan<- T) { ... }(ch).
	aliases map[types.Object]*goroutine
	goros   map[*ast.FuncLit]*goroutine

	escapes bool // passed to a function it cannot follow, stored, returned...
	hidden  bool // used inside a closure that is not a goroutine literal

	sends, recvs, closes []*site
}

// goroutine is a `go func(){...}()` statement of the owner's body.
type goroutine struct {
	lit    *ast.FuncLit
	litCur inspector.Cursor
	stmt   inspector.Cursor // the GoStmt
}

// site is one operation on the channel: a SendStmt, a receive UnaryExpr, a
// RangeStmt over the channel, a close call, or a call (its statement) to a
// function of the package that operates on the channel.
type site struct {
	cur inspector.Cursor
	g   *goroutine // nil: the owner's body itself
	via *via       // set when the operation is done by a function it calls
}

func (s *site) node() ast.Node { return s.cur.Node() }
func (s *site) pos() token.Pos { return s.cur.Node().Pos() }

func (ch *channel) unbuffered() bool { return ch.capKnown && ch.capConst == 0 }

// channelAt returns the channel made by the call at cur when it is bound to
// a local variable with := or var, or nil.
func (c *checker) channelAt(cur inspector.Cursor) *channel {
	call, ok := cur.Node().(*ast.CallExpr)
	if !ok || !c.isBuiltin(call, "make") || len(call.Args) < 1 || len(call.Args) > 2 {
		return nil
	}
	t := c.info.TypeOf(call)
	if t == nil {
		return nil
	}
	if ct, ok := t.Underlying().(*types.Chan); !ok || !validType(ct.Elem()) {
		return nil
	}
	var name *ast.Ident
	parent := cur.Parent()
	switch cur.ParentEdgeKind() {
	case edge.AssignStmt_Rhs:
		as, ok := parent.Node().(*ast.AssignStmt)
		if !ok || as.Tok != token.DEFINE || len(as.Lhs) != len(as.Rhs) {
			return nil
		}
		name, _ = as.Lhs[cur.ParentEdgeIndex()].(*ast.Ident)
	case edge.ValueSpec_Values:
		vs, ok := parent.Node().(*ast.ValueSpec)
		if !ok || len(vs.Names) != len(vs.Values) {
			return nil
		}
		name = vs.Names[cur.ParentEdgeIndex()]
	}
	if name == nil {
		return nil
	}
	obj, ok := c.info.Defs[name].(*types.Var)
	if !ok || obj.Parent() == nil || obj.Parent() == c.pass.Pkg.Scope() {
		return nil
	}
	var owner inspector.Cursor
	for a := range cur.Enclosing((*ast.FuncDecl)(nil), (*ast.FuncLit)(nil)) {
		owner = a
		break
	}
	if !owner.Valid() || funcBody(owner.Node()) == nil {
		return nil
	}
	ch := &channel{
		obj:     obj,
		name:    obj.Name(),
		make:    call,
		owner:   owner,
		aliases: make(map[types.Object]*goroutine),
		goros:   make(map[*ast.FuncLit]*goroutine),
	}
	if len(call.Args) == 1 {
		ch.capKnown = true
	} else {
		ch.capArg = call.Args[1]
		if tv, ok := c.info.Types[call.Args[1]]; ok && tv.Value != nil {
			if v, ok := constant.Int64Val(constant.ToInt(tv.Value)); ok {
				ch.capConst, ch.capKnown = v, true
			}
		}
	}
	return ch
}

// validType reports whether t was type-checked without errors.
func validType(t types.Type) bool {
	if b, ok := t.(*types.Basic); ok && b.Kind() == types.Invalid {
		return false
	}
	return t != nil
}

func funcBody(n ast.Node) *ast.BlockStmt {
	switch n := n.(type) {
	case *ast.FuncDecl:
		return n.Body
	case *ast.FuncLit:
		return n.Body
	}
	return nil
}

// isBuiltin reports whether call calls the named predeclared function.
func (c *checker) isBuiltin(call *ast.CallExpr, name string) bool {
	id, ok := ast.Unparen(call.Fun).(*ast.Ident)
	if !ok {
		return false
	}
	b, ok := c.info.Uses[id].(*types.Builtin)
	return ok && b.Name() == name
}

// gather classifies every use of the channel (and of its aliases) in the
// owner's body.
func (c *checker) gather(ch *channel) {
	var uses []inspector.Cursor
	for cur := range ch.owner.Preorder((*ast.Ident)(nil)) {
		if c.info.Uses[cur.Node().(*ast.Ident)] == ch.obj {
			uses = append(uses, cur)
		}
	}
	for _, u := range uses {
		c.classify(ch, u, nil)
	}
	if len(ch.aliases) > 0 {
		for cur := range ch.owner.Preorder((*ast.Ident)(nil)) {
			if g, ok := ch.aliases[c.info.Uses[cur.Node().(*ast.Ident)]]; ok {
				c.classify(ch, cur, g)
			}
		}
	}
	for _, list := range [][]*site{ch.sends, ch.recvs, ch.closes} {
		sort.Slice(list, func(i, j int) bool { return list[i].pos() < list[j].pos() })
	}
}

// classify records what the use of the channel at cur does. alias is the
// goroutine whose parameter the use refers to, or nil.
func (c *checker) classify(ch *channel, cur inspector.Cursor, alias *goroutine) {
	parent := cur.Parent()
	switch cur.ParentEdgeKind() {
	case edge.SendStmt_Chan:
		ch.sends = append(ch.sends, c.site(ch, parent, alias))
		return
	case edge.UnaryExpr_X:
		if u, ok := parent.Node().(*ast.UnaryExpr); ok && u.Op == token.ARROW {
			ch.recvs = append(ch.recvs, c.site(ch, parent, alias))
			return
		}
	case edge.RangeStmt_X:
		ch.recvs = append(ch.recvs, c.site(ch, parent, alias))
		return
	case edge.CallExpr_Args:
		call, _ := parent.Node().(*ast.CallExpr)
		switch {
		case call == nil:
		case c.isBuiltin(call, "close"):
			ch.closes = append(ch.closes, c.site(ch, parent, alias))
			return
		case c.isBuiltin(call, "len"), c.isBuiltin(call, "cap"):
			return
		case alias == nil && c.bindAlias(ch, parent, cur.ParentEdgeIndex()):
			return
		case c.callSites(ch, parent, cur.ParentEdgeIndex(), alias):
			return
		}
	case edge.BinaryExpr_X, edge.BinaryExpr_Y:
		if b, ok := parent.Node().(*ast.BinaryExpr); ok && (b.Op == token.EQL || b.Op == token.NEQ) {
			if c.isNil(b.X) || c.isNil(b.Y) {
				return
			}
		}
	}
	ch.escapes = true
}

func (c *checker) isNil(e ast.Expr) bool {
	tv, ok := c.info.Types[e]
	return ok && tv.IsNil()
}

// bindAlias handles go func(out chan<- T){...}(ch): the parameter becomes an
// alias of the channel inside that goroutine.
func (c *checker) bindAlias(ch *channel, callCur inspector.Cursor, argIndex int) bool {
	call := callCur.Node().(*ast.CallExpr)
	lit, ok := call.Fun.(*ast.FuncLit)
	if !ok || callCur.ParentEdgeKind() != edge.GoStmt_Call || call.Ellipsis.IsValid() {
		return false
	}
	var params []*ast.Ident
	for _, f := range lit.Type.Params.List {
		if len(f.Names) == 0 {
			return false
		}
		if _, variadic := f.Type.(*ast.Ellipsis); variadic {
			return false
		}
		params = append(params, f.Names...)
	}
	if argIndex >= len(params) {
		return false
	}
	param := c.info.Defs[params[argIndex]]
	if param == nil {
		return false
	}
	g, ok := c.executor(ch, callCur)
	if !ok || g != nil {
		ch.hidden = true
		return true
	}
	litCur, ok := callCur.FindNode(lit)
	if !ok {
		return false
	}
	ch.aliases[param] = c.goroutineOf(ch, litCur)
	return true
}

func (c *checker) site(ch *channel, cur inspector.Cursor, alias *goroutine) *site {
	g, ok := c.executor(ch, cur)
	if !ok {
		ch.hidden = true
	}
	if alias != nil && g != alias {
		ch.hidden = true
	}
	return &site{cur: cur, g: g}
}

// executor reports which goroutine runs the node at cur: nil for the owner's
// body, or the goroutine literal directly inside it. ok is false when a
// closure that is not a goroutine literal (a callback, a deferred func, an
// errgroup task) or a nested goroutine lies in between.
func (c *checker) executor(ch *channel, cur inspector.Cursor) (g *goroutine, ok bool) {
	var lit inspector.Cursor
	n := 0
	for a := range cur.Enclosing() {
		if a == ch.owner {
			break
		}
		if _, isLit := a.Node().(*ast.FuncLit); isLit {
			n++
			lit = a
		}
	}
	switch {
	case n == 0:
		return nil, true
	case n > 1 || !isGoLit(lit):
		return nil, false
	}
	return c.goroutineOf(ch, lit), true
}

func isGoLit(lit inspector.Cursor) bool {
	return lit.ParentEdgeKind() == edge.CallExpr_Fun && lit.Parent().ParentEdgeKind() == edge.GoStmt_Call
}

func (c *checker) goroutineOf(ch *channel, litCur inspector.Cursor) *goroutine {
	lit := litCur.Node().(*ast.FuncLit)
	g, ok := ch.goros[lit]
	if !ok {
		g = &goroutine{lit: lit, litCur: litCur, stmt: litCur.Parent().Parent()}
		ch.goros[lit] = g
	}
	return g
}

// mainRecvs returns the receives in the owner's body, in source order.
func (ch *channel) mainRecvs() []*site {
	var out []*site
	for _, r := range ch.recvs {
		if r.g == nil {
			out = append(out, r)
		}
	}
	return out
}
