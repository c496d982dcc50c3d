package wgmisuse

import (
	_ "embed"
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"
	"golang.org/x/tools/go/cfg"

	"github.com/asyncbook/asyncbook/analyzers/internal/analysisutil"
	"github.com/asyncbook/asyncbook/analyzers/internal/cfgpath"
)

//go:embed doc.go
var doc string

// Analyzer reports sync.WaitGroup misuse beyond go vet's waitgroup pass.
var Analyzer = &analysis.Analyzer{
	Name:             "wgmisuse",
	Doc:              analysisutil.MustExtractDoc(doc, "wgmisuse"),
	URL:              analysisutil.URL("wgmisuse"),
	Requires:         []*analysis.Analyzer{inspect.Analyzer, cfgpath.Analyzer},
	RunDespiteErrors: true,
	Run:              run,
}

// Sub-check keys, used as diagnostic categories and docs anchors.
const (
	catAdd     = "add-inside-goroutine"
	catDone    = "done-not-deferred"
	catByValue = "waitgroup-by-value"
	catWait    = "wait-inside-goroutine-it-counts"
	catLoop    = "wait-in-loop"
)

const (
	addMethod  = "(*sync.WaitGroup).Add"
	doneMethod = "(*sync.WaitGroup).Done"
	waitMethod = "(*sync.WaitGroup).Wait"
	goMethod   = "(*sync.WaitGroup).Go"

	errgroupPath = "golang.org/x/sync/errgroup"
	groupGo      = "(*" + errgroupPath + ".Group).Go"
	groupTryGo   = "(*" + errgroupPath + ".Group).TryGo"
	groupWait    = "(*" + errgroupPath + ".Group).Wait"
)

type checker struct {
	pass  *analysis.Pass
	insp  *inspector.Inspector
	cfgs  *cfgpath.CFGs
	decls map[*types.Func]*ast.FuncDecl // functions declared in this package
	seen  map[token.Pos]bool            // diagnostics already reported (named goroutine bodies)
	files map[*token.File]*source
}

func run(pass *analysis.Pass) (any, error) {
	if !analysisutil.Touches(pass, "sync") && !analysisutil.Touches(pass, errgroupPath) {
		return nil, nil
	}
	insp, ok := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	if !ok {
		return nil, nil
	}
	cfgs, _ := pass.ResultOf[cfgpath.Analyzer].(*cfgpath.CFGs)
	c := &checker{
		pass:  pass,
		insp:  insp,
		cfgs:  cfgs,
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
			if b := c.goBody(cur, n); b != nil {
				c.checkBody(b)
			}
		case *ast.CallExpr:
			c.byValueArgs(n)
			if b := c.goCallBody(cur, n); b != nil {
				c.checkBody(b)
			}
			c.waitInLoop(cur, n)
			c.countedStartSkipped(cur, n)
		case *ast.FuncDecl:
			c.byValueParams(n.Type)
		case *ast.FuncLit:
			c.byValueParams(n.Type)
		}
	}
	c.addWithoutDone()
	return nil, nil
}

// checkBody runs the checks that look inside one goroutine.
func (c *checker) checkBody(b *body) {
	c.addInside(b)
	c.doneNotReached(b)
	c.doneTwice(b)
	c.waitInside(b)
}

// goBody returns the goroutine a go statement starts, when its body is
// here: a function literal, or a function of this package.
func (c *checker) goBody(cur inspector.Cursor, g *ast.GoStmt) *body {
	if g.Call == nil {
		return nil
	}
	b := &body{start: g, startCur: cur, what: "the go statement"}
	if lit, ok := ast.Unparen(g.Call.Fun).(*ast.FuncLit); ok {
		if lit.Body == nil {
			return nil
		}
		b.fn, b.block = lit, lit.Body
		return b
	}
	fn := analysisutil.CalleeFunc(c.pass.TypesInfo, g.Call)
	decl := c.decls[fn]
	if decl == nil || decl.Body == nil {
		return nil
	}
	b.fn, b.block, b.named = decl, decl.Body, fn
	return b
}

// goCallBody returns the goroutine that wg.Go(f) (Go 1.25), g.Go(f) or
// g.TryGo(f) of an errgroup starts, when f is a function literal.
func (c *checker) goCallBody(cur inspector.Cursor, call *ast.CallExpr) *body {
	if len(call.Args) != 1 {
		return nil
	}
	wg := analysisutil.IsFunc(c.pass.TypesInfo, call, goMethod)
	if !wg && !analysisutil.IsFunc(c.pass.TypesInfo, call, groupGo, groupTryGo) {
		return nil
	}
	lit, ok := ast.Unparen(call.Args[0]).(*ast.FuncLit)
	if !ok || lit.Body == nil {
		return nil
	}
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok {
		return nil
	}
	b := &body{fn: lit, block: lit.Body, start: call, startCur: cur, what: exprText(sel.X) + "." + sel.Sel.Name}
	if wg {
		if r, ok := cfgpath.RefOf(c.pass.TypesInfo, sel.X); ok {
			b.counted = &r
		}
	}
	return b
}

// body is the body of a goroutine under analysis.
type body struct {
	fn       ast.Node         // *ast.FuncLit or *ast.FuncDecl
	block    *ast.BlockStmt   // its body
	start    ast.Node         // the go statement, or the Go call, that starts it
	startCur inspector.Cursor // where start is
	what     string           // how to name what starts it: "the go statement", "wg.Go", "g.Go"
	named    *types.Func      // the function, when fn is a *ast.FuncDecl
	counted  *cfgpath.Ref     // the WaitGroup whose Go starts it: counted by construction
}

// goStmt returns the go statement that starts b, if that is what does.
func (b *body) goStmt() (*ast.GoStmt, bool) {
	g, ok := b.start.(*ast.GoStmt)
	return g, ok
}

// local reports whether obj is a local variable of the body itself (so it
// is the goroutine's own, not shared with whoever started it).
func (c *checker) local(b *body, obj types.Object) bool {
	v, ok := obj.(*types.Var)
	if !ok || v.Kind() != types.LocalVar {
		return false
	}
	ft, _ := cfgpath.FuncParts(b.fn)
	return c.declaredIn(obj, ft)
}

// declaredIn reports whether obj is declared in the function whose type is
// ft: a parameter, a result or a local.
func (c *checker) declaredIn(obj types.Object, ft *ast.FuncType) bool {
	fnScope := c.pass.TypesInfo.Scopes[ft]
	for sc := obj.Parent(); sc != nil && fnScope != nil; sc = sc.Parent() {
		if sc == fnScope {
			return true
		}
	}
	return false
}

// wgCall reports whether call is a call of one of the given methods and
// returns the ref of its receiver.
func (c *checker) wgCall(call *ast.CallExpr, methods ...string) (cfgpath.Ref, ast.Expr, bool) {
	if call == nil || !analysisutil.IsFunc(c.pass.TypesInfo, call, methods...) {
		return cfgpath.Ref{}, nil, false
	}
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok {
		return cfgpath.Ref{}, nil, false
	}
	r, ok := cfgpath.RefOf(c.pass.TypesInfo, sel.X)
	return r, sel.X, ok
}

// graph returns the control-flow graph of a function and its index.
func (c *checker) graph(fn ast.Node) (*cfg.CFG, *cfgpath.Index) {
	if c.cfgs == nil {
		return nil, nil
	}
	return c.cfgs.Index(fn)
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
