package cfgpath

import (
	"go/ast"
	"go/types"
	"reflect"
	"sync"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"
	"golang.org/x/tools/go/cfg"
	"golang.org/x/tools/go/types/typeutil"
)

// Analyzer builds the control-flow graph of every function of a package,
// as the Go team's ctrlflow pass does, with the calls that never return
// ending their paths (panic, os.Exit, log.Fatal, runtime.Goexit, t.Fatal,
// and any function whose body has no reachable return, across packages
// through facts). Unlike ctrlflow it also runs on packages with type
// errors, so the analyzers built on it keep working while a file is being
// edited.
var Analyzer = &analysis.Analyzer{
	Name:             "cfgpath",
	Doc:              "build control-flow graphs whose paths end at calls that never return, despite type errors",
	Requires:         []*analysis.Analyzer{inspect.Analyzer},
	ResultType:       reflect.TypeFor[*CFGs](),
	FactTypes:        []analysis.Fact{new(noReturn)},
	RunDespiteErrors: true,
	Run:              build,
}

// noReturn marks a function that never returns.
type noReturn struct{}

func (*noReturn) AFact()         {}
func (*noReturn) String() string { return "noReturn" }

// CFGs holds the graphs of one package's functions. Analyzers share it,
// possibly at the same time: the indexes it makes on demand are guarded.
type CFGs struct {
	decls    map[*ast.FuncDecl]*cfg.CFG
	lits     map[*ast.FuncLit]*cfg.CFG
	noReturn map[*types.Func]bool

	mu      sync.Mutex
	indexes map[*cfg.CFG]*Index
}

// Index returns the graph of a *ast.FuncDecl or *ast.FuncLit and its
// index, or nils when it has no body.
func (c *CFGs) Index(fn ast.Node) (*cfg.CFG, *Index) {
	g := c.Func(fn)
	if g == nil || len(g.Blocks) == 0 {
		return nil, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	x, ok := c.indexes[g]
	if !ok {
		x = NewIndex(g)
		c.indexes[g] = x
	}
	return g, x
}

// Func returns the graph of a *ast.FuncDecl or *ast.FuncLit (nil for a
// declaration without a body).
func (c *CFGs) Func(fn ast.Node) *cfg.CFG {
	switch fn := fn.(type) {
	case *ast.FuncDecl:
		return c.decls[fn]
	case *ast.FuncLit:
		return c.lits[fn]
	}
	return nil
}

// NoReturn reports whether fn, a function of this package or one whose
// fact was imported, never returns.
func (c *CFGs) NoReturn(fn *types.Func) bool { return c.noReturn[fn] }

type builder struct {
	pass    *analysis.Pass
	c       *CFGs
	bodies  map[*types.Func]*ast.FuncDecl
	started map[*types.Func]bool
}

func build(pass *analysis.Pass) (any, error) {
	in := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	b := &builder{
		pass: pass,
		c: &CFGs{
			decls:    map[*ast.FuncDecl]*cfg.CFG{},
			lits:     map[*ast.FuncLit]*cfg.CFG{},
			noReturn: map[*types.Func]bool{},
			indexes:  map[*cfg.CFG]*Index{},
		},
		bodies:  map[*types.Func]*ast.FuncDecl{},
		started: map[*types.Func]bool{},
	}
	var order []*types.Func
	var lits []*ast.FuncLit
	for cur := range in.Root().Preorder((*ast.FuncDecl)(nil), (*ast.FuncLit)(nil)) {
		switch n := cur.Node().(type) {
		case *ast.FuncDecl:
			if fn, ok := pass.TypesInfo.Defs[n.Name].(*types.Func); ok {
				b.bodies[fn] = n
				order = append(order, fn)
			}
		case *ast.FuncLit:
			lits = append(lits, n)
		}
	}
	for _, fn := range order {
		b.decl(fn)
	}
	for _, lit := range lits {
		if lit.Body != nil {
			b.c.lits[lit] = cfg.New(lit.Body, b.mayReturn)
		}
	}
	return b.c, nil
}

// decl builds fn's graph, first building those of the functions it calls
// (cycles are broken where they are met), and records whether it returns.
func (b *builder) decl(fn *types.Func) {
	if b.started[fn] {
		return
	}
	b.started[fn] = true
	d := b.bodies[fn]
	noret := knownNoReturn(fn)
	if d.Body != nil && !noret {
		g := cfg.New(d.Body, b.mayReturn)
		b.c.decls[d] = g
		noret = g.NoReturn()
	}
	if noret {
		b.c.noReturn[fn] = true
		b.pass.ExportObjectFact(fn, new(noReturn))
	}
}

func (b *builder) mayReturn(call *ast.CallExpr) bool {
	if id, ok := ast.Unparen(call.Fun).(*ast.Ident); ok {
		if bi, ok := b.pass.TypesInfo.Uses[id].(*types.Builtin); ok && bi.Name() == "panic" {
			return false
		}
	}
	fn := typeutil.StaticCallee(b.pass.TypesInfo, call)
	if fn == nil {
		return true
	}
	if _, ok := b.bodies[fn]; ok {
		b.decl(fn)
		return !b.c.noReturn[fn]
	}
	if knownNoReturn(fn) || b.pass.ImportObjectFact(fn, new(noReturn)) {
		b.c.noReturn[fn] = true
		return false
	}
	return true
}

// knownNoReturn lists the functions that end the process or the goroutine
// without a body that shows it (and what they are called through, for
// packages analysed without their dependencies' facts).
func knownNoReturn(fn *types.Func) bool {
	if fn.Pkg() == nil {
		return false
	}
	switch fn.Pkg().Path() + "." + fn.Name() {
	case "syscall.Exit", "runtime.Goexit", "os.Exit",
		"log.Fatal", "log.Fatalf", "log.Fatalln", "log.Panic", "log.Panicf", "log.Panicln",
		"testing.FailNow", "testing.Fatal", "testing.Fatalf", "testing.SkipNow", "testing.Skip", "testing.Skipf":
		return true
	}
	return false
}
