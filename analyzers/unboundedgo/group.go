package unboundedgo

import (
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"strconv"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ast/edge"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/asyncbook/asyncbook/analyzers/internal/analysisutil"
)

// groupIndex holds, for every variable of type errgroup.Group or
// *errgroup.Group, the identifier declaring it and those using it.
type groupIndex struct {
	defs map[*types.Var]inspector.Cursor
	uses map[*types.Var][]inspector.Cursor
}

func (c *checker) groupIndex() *groupIndex {
	if c.groups != nil {
		return c.groups
	}
	info := c.pass.TypesInfo
	g := &groupIndex{defs: map[*types.Var]inspector.Cursor{}, uses: map[*types.Var][]inspector.Cursor{}}
	isGroup := func(t types.Type) bool { return analysisutil.IsNamedType(t, "golang.org/x/sync/errgroup", "Group") }
	for cur := range c.in.Root().Preorder((*ast.Ident)(nil)) {
		id := cur.Node().(*ast.Ident)
		if v, ok := info.Defs[id].(*types.Var); ok && isGroup(v.Type()) {
			g.defs[v] = cur
		} else if v, ok := info.Uses[id].(*types.Var); ok && isGroup(v.Type()) {
			g.uses[v] = append(g.uses[v], cur)
		}
	}
	c.groups = g
	return g
}

// group is a local errgroup variable that this function makes and alone uses.
type group struct {
	name string
	def  inspector.Cursor
	uses []inspector.Cursor
}

// unlimitedGroup returns the group sp starts its goroutine on when it is a
// local variable made in its function (zero value, new, literal or
// errgroup.WithContext), used only through Go, TryGo and Wait, and never
// limited. Anything else (SetLimit, a parameter, a field, a group passed to
// another function) may be limited where the analyzer cannot see.
func (c *checker) unlimitedGroup(sp spawn) (group, bool) {
	id, ok := ast.Unparen(sp.recv).(*ast.Ident)
	if !ok {
		return group{}, false
	}
	v, ok := c.pass.TypesInfo.Uses[id].(*types.Var)
	if !ok || v.IsField() || v.Parent() == nil || v.Parent() == c.pass.Pkg.Scope() {
		return group{}, false
	}
	idx := c.groupIndex()
	def, ok := idx.defs[v]
	if !ok || !c.madeHere(def) {
		return group{}, false
	}
	for _, u := range idx.uses[v] {
		sel, ok := u.Parent().Node().(*ast.SelectorExpr)
		if !ok || u.ParentEdgeKind() != edge.SelectorExpr_X {
			return group{}, false
		}
		switch sel.Sel.Name {
		case "Go", "TryGo", "Wait":
		case "SetLimit":
			if !c.noLimit(u.Parent().Parent()) {
				return group{}, false
			}
		default:
			return group{}, false // a method value
		}
	}
	return group{name: id.Name, def: def, uses: idx.uses[v]}, true
}

// noLimit reports whether cur is a SetLimit call that limits nothing: a
// negative limit, or the length of the input itself (one goroutine per
// item, all at once).
func (c *checker) noLimit(cur inspector.Cursor) bool {
	call, ok := cur.Node().(*ast.CallExpr)
	if !ok || len(call.Args) != 1 {
		return false
	}
	arg := call.Args[0]
	if tv, ok := c.pass.TypesInfo.Types[arg]; ok && tv.Value != nil {
		n, exact := constant.Int64Val(tv.Value)
		return exact && n < 0
	}
	x := lenArg(c.pass.TypesInfo, arg)
	return x != nil && c.inputLength(x)
}

// madeHere reports whether the declaring identifier at def creates a fresh
// group: `var g errgroup.Group`, `g := new(errgroup.Group)`,
// `g := &errgroup.Group{}` or `g, ctx := errgroup.WithContext(ctx)`.
func (c *checker) madeHere(def inspector.Cursor) bool {
	ek, i := def.ParentEdge()
	var value ast.Expr
	switch p := def.Parent().Node().(type) {
	case *ast.ValueSpec:
		if ek != edge.ValueSpec_Names {
			return false
		}
		switch len(p.Values) {
		case 0:
			return true
		case len(p.Names):
			value = p.Values[i]
		case 1:
			value = p.Values[0]
		default:
			return false
		}
	case *ast.AssignStmt:
		if ek != edge.AssignStmt_Lhs || p.Tok != token.DEFINE {
			return false
		}
		switch len(p.Rhs) {
		case len(p.Lhs):
			value = p.Rhs[i]
		case 1:
			value = p.Rhs[0]
		default:
			return false
		}
	default:
		return false // a parameter, a range variable
	}
	info := c.pass.TypesInfo
	if u, ok := ast.Unparen(value).(*ast.UnaryExpr); ok && u.Op == token.AND {
		value = u.X
	}
	switch v := ast.Unparen(value).(type) {
	case *ast.CompositeLit:
		return len(v.Elts) == 0
	case *ast.CallExpr:
		if analysisutil.IsFunc(info, v, "golang.org/x/sync/errgroup.WithContext") {
			return true
		}
		if id, ok := ast.Unparen(v.Fun).(*ast.Ident); ok {
			b, ok := info.Uses[id].(*types.Builtin)
			return ok && b.Name() == "new"
		}
	}
	return false
}

// setLimitFix inserts g.SetLimit(runtime.GOMAXPROCS(0)) on the line before
// the loop, importing runtime if needed. It declines unless the loop runs
// once in the function that made the group (not in another loop) and no
// goroutine of the group starts before it: SetLimit panics while
// goroutines of the group are active.
func (c *checker) setLimitFix(g group, loop inspector.Cursor) (analysis.SuggestedFix, bool) {
	none := analysis.SuggestedFix{}
	stmt := loop
	if _, ok := loop.Parent().Node().(*ast.LabeledStmt); ok {
		stmt = loop.Parent()
	}
	switch stmt.ParentEdgeKind() {
	case edge.BlockStmt_List, edge.CaseClause_Body, edge.CommClause_Body:
	default:
		return none, false
	}
	fnLoop, ok := firstEnclosing(stmt.Parent(), (*ast.ForStmt)(nil), (*ast.RangeStmt)(nil), (*ast.FuncLit)(nil), (*ast.FuncDecl)(nil))
	if !ok {
		return none, false
	}
	switch fnLoop.Node().(type) {
	case *ast.FuncLit, *ast.FuncDecl:
	default:
		return none, false // the loop runs in another loop
	}
	fnDef, ok := firstEnclosing(g.def, (*ast.FuncLit)(nil), (*ast.FuncDecl)(nil))
	if !ok || fnDef != fnLoop || g.def.Node().Pos() > stmt.Node().Pos() {
		return none, false
	}
	for _, u := range g.uses {
		sel := u.Parent().Node().(*ast.SelectorExpr)
		if (sel.Sel.Name == "Go" || sel.Sel.Name == "TryGo") && sel.Pos() < stmt.Node().Pos() {
			return none, false
		}
	}
	fileCur, ok := firstEnclosing(loop, (*ast.File)(nil))
	if !ok {
		return none, false
	}
	file := fileCur.Node().(*ast.File)
	src, tf, ok := c.source(stmt.Node().Pos())
	if !ok {
		return none, false
	}
	lineStart := tf.Offset(tf.LineStart(tf.Line(stmt.Node().Pos())))
	if strings.TrimLeft(string(src[lineStart:tf.Offset(stmt.Node().Pos())]), " \t") != "" {
		return none, false
	}
	loopLine := tf.Offset(tf.LineStart(tf.Line(loop.Node().Pos())))
	indent := leadingSpace(src[loopLine:])

	rt, importEdit, ok := c.runtimeName(file, stmt.Node().Pos(), src, tf)
	if !ok {
		return none, false
	}
	at := tf.Pos(lineStart)
	edits := []analysis.TextEdit{{
		Pos:     at,
		End:     at,
		NewText: []byte(indent + g.name + ".SetLimit(" + rt + ".GOMAXPROCS(0))\n"),
	}}
	if importEdit != nil {
		edits = append(edits, *importEdit)
	}
	return analysis.SuggestedFix{
		Message:   "limit " + g.name + " to runtime.GOMAXPROCS(0) goroutines",
		TextEdits: edits,
	}, true
}

// runtimeName returns the name under which the runtime package is visible
// at pos, and the edit importing it when the file does not.
func (c *checker) runtimeName(file *ast.File, pos token.Pos, src []byte, tf *token.File) (string, *analysis.TextEdit, bool) {
	scope := c.pass.Pkg.Scope().Innermost(pos)
	if scope == nil {
		return "", nil, false
	}
	for _, spec := range file.Imports {
		if path, err := strconv.Unquote(spec.Path.Value); err != nil || path != "runtime" {
			continue
		}
		name := "runtime"
		if spec.Name != nil {
			name = spec.Name.Name
		}
		if _, obj := scope.LookupParent(name, pos); name == "_" || name == "." || !isRuntime(obj) {
			return "", nil, false
		}
		return name, nil, true
	}
	if _, obj := scope.LookupParent("runtime", pos); obj != nil {
		return "", nil, false // something else is called runtime here
	}
	edit, ok := importEdit(file, src, tf)
	return "runtime", edit, ok
}

func isRuntime(obj types.Object) bool {
	pn, ok := obj.(*types.PkgName)
	return ok && pn.Imported().Path() == "runtime"
}

// importEdit adds `"runtime"` to the file's first import declaration, in
// order among the standard library imports of a parenthesized one.
func importEdit(file *ast.File, src []byte, tf *token.File) (*analysis.TextEdit, bool) {
	var decl *ast.GenDecl
	for _, d := range file.Decls {
		if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.IMPORT {
			decl = gd
			break
		}
	}
	if decl == nil {
		return nil, false // errgroup comes from somewhere: not expected
	}
	if !decl.Lparen.IsValid() {
		return &analysis.TextEdit{Pos: decl.Pos(), End: decl.Pos(), NewText: []byte("import \"runtime\"\n\n")}, true
	}
	var lastStd *ast.ImportSpec
	for _, s := range decl.Specs {
		spec, ok := s.(*ast.ImportSpec)
		if !ok {
			continue
		}
		path, err := strconv.Unquote(spec.Path.Value)
		if err != nil {
			return nil, false
		}
		first, _, _ := strings.Cut(path, "/")
		if strings.Contains(first, ".") {
			continue // not the standard library
		}
		if path > "runtime" {
			line := tf.Offset(tf.LineStart(tf.Line(spec.Pos())))
			at := tf.Pos(line)
			return &analysis.TextEdit{Pos: at, End: at, NewText: []byte(leadingSpace(src[line:]) + "\"runtime\"\n")}, true
		}
		lastStd = spec
	}
	if lastStd != nil {
		end := lastStd.End()
		if lastStd.Comment != nil {
			end = lastStd.Comment.End()
		}
		line := tf.Offset(tf.LineStart(tf.Line(lastStd.Pos())))
		return &analysis.TextEdit{Pos: end, End: end, NewText: []byte("\n" + leadingSpace(src[line:]) + "\"runtime\"")}, true
	}
	at := decl.Lparen + 1
	return &analysis.TextEdit{Pos: at, End: at, NewText: []byte("\n\t\"runtime\"\n")}, true
}

// source returns the text and token.File of the file holding pos.
func (c *checker) source(pos token.Pos) ([]byte, *token.File, bool) {
	tf := c.pass.Fset.File(pos)
	if tf == nil || c.pass.ReadFile == nil {
		return nil, nil, false
	}
	src, err := c.pass.ReadFile(tf.Name())
	if err != nil || len(src) != tf.Size() {
		return nil, nil, false
	}
	return src, tf, true
}

func leadingSpace(b []byte) string {
	n := 0
	for n < len(b) && (b[n] == ' ' || b[n] == '\t') {
		n++
	}
	return string(b[:n])
}

// firstEnclosing returns the innermost node around cur (cur included) of
// one of the types.
func firstEnclosing(cur inspector.Cursor, types ...ast.Node) (inspector.Cursor, bool) {
	for c := range cur.Enclosing(types...) {
		return c, true
	}
	return cur, false
}
