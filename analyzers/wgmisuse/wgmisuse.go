package wgmisuse

import (
	_ "embed"
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/asyncbook/asyncbook/analyzers/internal/analysisutil"
)

//go:embed doc.go
var doc string

// Analyzer reports sync.WaitGroup misuse beyond go vet's waitgroup pass.
var Analyzer = &analysis.Analyzer{
	Name:             "wgmisuse",
	Doc:              analysisutil.MustExtractDoc(doc, "wgmisuse"),
	URL:              analysisutil.URL("wgmisuse"),
	Requires:         []*analysis.Analyzer{inspect.Analyzer},
	RunDespiteErrors: true,
	Run:              run,
}

// Sub-check keys, used as diagnostic categories and docs anchors.
const (
	catAdd     = "add-inside-goroutine"
	catDone    = "done-not-deferred"
	catByValue = "waitgroup-by-value"
	catWait    = "wait-inside-goroutine-it-counts"
)

const (
	addMethod  = "(*sync.WaitGroup).Add"
	doneMethod = "(*sync.WaitGroup).Done"
	waitMethod = "(*sync.WaitGroup).Wait"
	goMethod   = "(*sync.WaitGroup).Go"
)

type checker struct {
	pass  *analysis.Pass
	decls map[*types.Func]*ast.FuncDecl // functions declared in this package
	seen  map[token.Pos]bool            // diagnostics already reported (named goroutine bodies)
	files map[*token.File]*source
}

func run(pass *analysis.Pass) (any, error) {
	if !analysisutil.Imports(pass.Pkg, "sync") {
		return nil, nil
	}
	insp, ok := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	if !ok {
		return nil, nil
	}
	c := &checker{
		pass:  pass,
		decls: make(map[*types.Func]*ast.FuncDecl),
		seen:  make(map[token.Pos]bool),
		files: make(map[*token.File]*source),
	}
	for cur := range insp.Root().Preorder((*ast.FuncDecl)(nil)) {
		decl := cur.Node().(*ast.FuncDecl)
		if fn, ok := pass.TypesInfo.Defs[decl.Name].(*types.Func); ok && decl.Body != nil {
			c.decls[fn] = decl
		}
	}
	for cur := range insp.Root().Preorder((*ast.GoStmt)(nil), (*ast.CallExpr)(nil), (*ast.FuncDecl)(nil), (*ast.FuncLit)(nil)) {
		switch n := cur.Node().(type) {
		case *ast.GoStmt:
			c.goStmt(n, cur.Parent().Node())
		case *ast.CallExpr:
			c.byValueArgs(n)
			c.waitGroupGo(n)
		case *ast.FuncDecl:
			c.byValueParams(n.Type)
		case *ast.FuncLit:
			c.byValueParams(n.Type)
		}
	}
	return nil, nil
}

// goStmt checks the body of the goroutine a go statement starts: a function
// literal, or a function of this package.
func (c *checker) goStmt(g *ast.GoStmt, parent ast.Node) {
	if g.Call == nil {
		return
	}
	if lit, ok := ast.Unparen(g.Call.Fun).(*ast.FuncLit); ok {
		if lit.Body == nil {
			return
		}
		b := &body{fn: lit, block: lit.Body, goStmt: g, goParent: parent}
		c.addInside(b)
		c.doneNotDeferred(b)
		c.waitInside(b, nil)
		return
	}
	fn := analysisutil.CalleeFunc(c.pass.TypesInfo, g.Call)
	decl := c.decls[fn]
	if decl == nil || decl.Body == nil {
		return
	}
	b := &body{fn: decl, block: decl.Body, goStmt: g, goParent: parent, named: fn}
	c.addInside(b)
	c.doneNotDeferred(b)
	c.waitInside(b, nil)
}

// waitGroupGo checks the function literal given to wg.Go (Go 1.25): counting
// is right by construction, but waiting on wg inside it deadlocks.
func (c *checker) waitGroupGo(call *ast.CallExpr) {
	if len(call.Args) != 1 || !analysisutil.IsFunc(c.pass.TypesInfo, call, goMethod) {
		return
	}
	lit, ok := ast.Unparen(call.Args[0]).(*ast.FuncLit)
	if !ok || lit.Body == nil {
		return
	}
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok {
		return
	}
	k, ok := refOf(c.pass.TypesInfo, sel.X)
	if !ok {
		return
	}
	c.waitInside(&body{fn: lit, block: lit.Body, wgGo: call}, &k)
}

// body is the body of a goroutine under analysis.
type body struct {
	fn       ast.Node       // *ast.FuncLit or *ast.FuncDecl
	block    *ast.BlockStmt // its body
	goStmt   *ast.GoStmt    // the go statement that starts it, if any
	goParent ast.Node       // the node holding the go statement
	wgGo     *ast.CallExpr  // the wg.Go call that starts it, if any
	named    *types.Func    // the function, when fn is a *ast.FuncDecl
}

// local reports whether obj is declared inside the body itself (so it is the
// goroutine's own variable, not shared with whoever started it).
func (b *body) local(obj types.Object) bool {
	return obj.Pos() >= b.block.Pos() && obj.Pos() < b.block.End()
}

// ref names a variable or a chain of fields rooted at a variable: wg, s.wg,
// t.pool.wg. Two expressions with equal refs denote the same WaitGroup.
type ref struct {
	root types.Object
	path string
}

// refOf returns the ref e denotes, looking through parentheses, & and *.
func refOf(info *types.Info, e ast.Expr) (ref, bool) {
	for {
		switch x := ast.Unparen(e).(type) {
		case *ast.UnaryExpr:
			if x.Op != token.AND {
				return ref{}, false
			}
			e = x.X
		case *ast.StarExpr:
			e = x.X
		case *ast.Ident:
			obj := info.Uses[x]
			if obj == nil {
				obj = info.Defs[x]
			}
			if _, ok := obj.(*types.Var); !ok {
				return ref{}, false
			}
			return ref{root: obj}, true
		case *ast.SelectorExpr:
			sel := info.Selections[x]
			if sel == nil { // qualified identifier: pkg.Var
				obj, ok := info.Uses[x.Sel].(*types.Var)
				if !ok {
					return ref{}, false
				}
				return ref{root: obj}, true
			}
			if sel.Kind() != types.FieldVal {
				return ref{}, false
			}
			r, ok := refOf(info, x.X)
			if !ok {
				return ref{}, false
			}
			r.path += "." + x.Sel.Name
			return r, true
		default:
			return ref{}, false
		}
	}
}

// wgCall reports whether call is a call of the given WaitGroup method and
// returns the ref of its receiver.
func (c *checker) wgCall(call *ast.CallExpr, method string) (ref, ast.Expr, bool) {
	if call == nil || !analysisutil.IsFunc(c.pass.TypesInfo, call, method) {
		return ref{}, nil, false
	}
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok {
		return ref{}, nil, false
	}
	r, ok := refOf(c.pass.TypesInfo, sel.X)
	return r, sel.X, ok
}

// inspectBody calls f for every node of block, not descending into function
// literals (they run at another time) other than through f's own choice.
func inspectBody(block ast.Node, f func(n ast.Node, stack []ast.Node) bool) {
	var stack []ast.Node
	ast.Inspect(block, func(n ast.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		if _, ok := n.(*ast.FuncLit); ok {
			return false
		}
		if !f(n, stack) {
			return false
		}
		stack = append(stack, n)
		return true
	})
}

// stmtList returns the statement list a statement-holding node contains.
func stmtList(n ast.Node) []ast.Stmt {
	switch n := n.(type) {
	case *ast.BlockStmt:
		return n.List
	case *ast.CaseClause:
		return n.Body
	case *ast.CommClause:
		return n.Body
	}
	return nil
}

// exprText returns how e reads in the source (for messages).
func exprText(e ast.Expr) string { return types.ExprString(e) }

func (c *checker) line(pos token.Pos) int { return c.pass.Fset.Position(pos).Line }
