package condsignal

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

// Analyzer reports sync.Cond waits that no signal will end.
var Analyzer = &analysis.Analyzer{
	Name:             "condsignal",
	Doc:              analysisutil.MustExtractDoc(doc, "condsignal"),
	URL:              analysisutil.URL("condsignal"),
	Requires:         []*analysis.Analyzer{inspect.Analyzer, cfgpath.Analyzer},
	RunDespiteErrors: true,
	Run:              run,
}

// Sub-check keys, used as diagnostic categories and docs anchors.
const (
	catSkipped = "signal-skipped"
	catNever   = "never-signalled"
	catLoop    = "wait-outside-loop"
)

// catWakesOne is declared with its check (wakesone.go).

const (
	waitMethod      = "(*sync.Cond).Wait"
	signalMethod    = "(*sync.Cond).Signal"
	broadcastMethod = "(*sync.Cond).Broadcast"
)

type checker struct {
	pass  *analysis.Pass
	insp  *inspector.Inspector
	cfgs  *cfgpath.CFGs
	conds map[types.Object]*cond // by the variable or field holding the Cond
	decls map[*types.Func]*ast.FuncDecl
	// signalsAlways caches, per function of this package, the Conds (as
	// refs rooted at its receiver or parameters) it signals on every path.
	signalsAlways map[*types.Func][]cfgpath.Ref
	condFor       map[cfgpath.Ref]*cond // the Cond of each ref in signalsAlways
	uses          map[types.Object][]inspector.Cursor
}

// cond is what the package does with one Cond: a variable, or a field of
// every value of a struct type.
type cond struct {
	obj     types.Object
	waits   []*ast.CallExpr
	signals []*ast.CallExpr
	escapes bool         // used other than by its methods, L, or its initialisation
	mu      types.Object // the variable or field of the Locker it was made with, if known

	watched   map[types.Object]bool // what its waiters check (see checker.watched)
	unwatched bool                  // a Wait outside a loop: its waiters' condition is unknown
}

// initialised records the Locker a Cond is made with: sync.NewCond(&s.mu).
func (c *checker) initialised(cd *cond, e ast.Expr) {
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	if !ok || len(call.Args) != 1 || !analysisutil.IsFunc(c.pass.TypesInfo, call, "sync.NewCond") {
		return
	}
	if obj := lastObject(c.pass.TypesInfo, call.Args[0]); obj != nil {
		cd.mu = obj
	}
}

// lastObject returns the variable or field an expression like &s.mu, s.mu
// or mu names.
func lastObject(info *types.Info, e ast.Expr) types.Object {
	for {
		switch x := ast.Unparen(e).(type) {
		case *ast.UnaryExpr:
			if x.Op != token.AND {
				return nil
			}
			e = x.X
		case *ast.StarExpr:
			e = x.X
		case *ast.Ident:
			return asVar(info.Uses[x])
		case *ast.SelectorExpr:
			return asVar(info.Uses[x.Sel])
		default:
			return nil
		}
	}
}

func run(pass *analysis.Pass) (any, error) {
	if !analysisutil.Touches(pass, "sync") {
		return nil, nil
	}
	insp, ok := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	if !ok {
		return nil, nil
	}
	cfgs, _ := pass.ResultOf[cfgpath.Analyzer].(*cfgpath.CFGs)
	c := &checker{
		pass:          pass,
		insp:          insp,
		cfgs:          cfgs,
		conds:         make(map[types.Object]*cond),
		decls:         make(map[*types.Func]*ast.FuncDecl),
		signalsAlways: make(map[*types.Func][]cfgpath.Ref),
		condFor:       make(map[cfgpath.Ref]*cond),
	}
	c.collect()
	if len(c.conds) == 0 {
		return nil, nil
	}
	for _, cd := range c.conds {
		c.neverSignalled(cd)
		c.signalWakesOne(cd)
	}
	for cur := range insp.Root().Preorder((*ast.CallExpr)(nil)) {
		c.waitOutsideLoop(cur, cur.Node().(*ast.CallExpr))
	}
	for cur := range insp.Root().Preorder((*ast.FuncDecl)(nil), (*ast.FuncLit)(nil)) {
		c.signalSkipped(cur)
	}
	return nil, nil
}

// collect finds every Cond of the package and what is done with it.
func (c *checker) collect() {
	info := c.pass.TypesInfo
	for cur := range c.insp.Root().Preorder((*ast.FuncDecl)(nil), (*ast.Ident)(nil)) {
		switch n := cur.Node().(type) {
		case *ast.FuncDecl:
			if fn, ok := info.Defs[n.Name].(*types.Func); ok && n.Body != nil {
				c.decls[fn] = n
			}
		case *ast.Ident:
			obj, ok := info.Uses[n].(*types.Var)
			if !ok || !isCond(obj.Type()) {
				continue
			}
			cd := c.conds[obj]
			if cd == nil {
				cd = &cond{obj: obj}
				c.conds[obj] = cd
			}
			c.use(cd, cur)
		}
	}
}

// use records one use of a Cond's variable or field.
func (c *checker) use(cd *cond, id inspector.Cursor) {
	e := id
	if sel, ok := id.Parent().Node().(*ast.SelectorExpr); ok && sel.Sel == id.Node() {
		e = id.Parent() // x.cond
	}
	switch p := e.Parent().Node().(type) {
	case *ast.SelectorExpr:
		if p.X != e.Node() {
			break
		}
		if p.Sel.Name == "L" {
			return
		}
		if call, ok := e.Parent().Parent().Node().(*ast.CallExpr); ok && call.Fun == ast.Expr(p) {
			fn := analysisutil.CalleeFunc(c.pass.TypesInfo, call)
			if fn == nil {
				break
			}
			switch fn.FullName() {
			case waitMethod:
				cd.waits = append(cd.waits, call)
				return
			case signalMethod, broadcastMethod:
				cd.signals = append(cd.signals, call)
				return
			}
		}
	case *ast.AssignStmt:
		for i, l := range p.Lhs {
			if l == e.Node() {
				if i < len(p.Rhs) {
					c.initialised(cd, p.Rhs[i])
				}
				return // cond = sync.NewCond(&mu)
			}
		}
	case *ast.KeyValueExpr:
		if p.Key == e.Node() {
			c.initialised(cd, p.Value)
			return // T{cond: sync.NewCond(&mu)}
		}
	case *ast.ValueSpec:
		return
	}
	cd.escapes = true
}

// isCond reports whether t is sync.Cond or *sync.Cond.
func isCond(t types.Type) bool { return analysisutil.IsNamedType(t, "sync", "Cond") }

// condOf returns the Cond a method call's receiver names: its variable or
// field, and its ref.
func (c *checker) condOf(call *ast.CallExpr) (*cond, cfgpath.Ref, ast.Expr, bool) {
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok {
		return nil, cfgpath.Ref{}, nil, false
	}
	cd := c.conds[lastObject(c.pass.TypesInfo, sel.X)]
	r, ok := cfgpath.RefOf(c.pass.TypesInfo, sel.X)
	if cd == nil || !ok {
		return nil, cfgpath.Ref{}, nil, false
	}
	return cd, r, sel.X, true
}

// reachable reports whether code outside this package can reach the Cond
// (to signal it): an exported variable or field, outside package main.
func (c *checker) reachable(cd *cond) bool {
	return cd.obj.Exported() && c.pass.Pkg.Name() != "main"
}

// graph returns the control-flow graph of a function and its index.
func (c *checker) graph(fn ast.Node) (*cfg.CFG, *cfgpath.Index) {
	if c.cfgs == nil {
		return nil, nil
	}
	return c.cfgs.Index(fn)
}

func (c *checker) line(pos token.Pos) int { return c.pass.Fset.Position(pos).Line }

// asVar returns obj when it is a variable (or field), else nil.
func asVar(obj types.Object) types.Object {
	if v, ok := obj.(*types.Var); ok {
		return v
	}
	return nil
}
