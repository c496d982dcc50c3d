package chanleak

import (
	_ "embed"
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/asyncbook/asyncbook/analyzers/internal/analysisutil"
	"github.com/asyncbook/asyncbook/analyzers/summary"
)

//go:embed doc.go
var doc string

// Analyzer reports goroutines that block forever on a channel made in the
// same function: senders stranded by an early return, producers abandoned by
// a consumer that stops early, and ranges over channels nobody closes.
var Analyzer = &analysis.Analyzer{
	Name:     "chanleak",
	Doc:      analysisutil.MustExtractDoc(doc, "chanleak"),
	URL:      analysisutil.URL("chanleak"),
	Requires: []*analysis.Analyzer{inspect.Analyzer, summary.Analyzer},
	Run:      run,
	// A learner's half-written code rarely type-checks: report what can be seen.
	RunDespiteErrors: true,
}

// Sub-check keys, used as Diagnostic.Category and as anchors of the docs page.
const (
	catStranded   = "stranded-sender"
	catFirstError = "first-error-return"
	catRange      = "range-never-closed"
	catProducer   = "producer-blocked"
)

func run(pass *analysis.Pass) (any, error) {
	ins, ok := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	if !ok || pass.TypesInfo == nil {
		return nil, nil
	}
	c := newChecker(pass, ins)
	c.res, _ = pass.ResultOf[summary.Analyzer].(*summary.Result)
	for cur := range ins.Root().Preorder((*ast.CallExpr)(nil)) {
		ch := c.channelAt(cur)
		if ch == nil {
			continue
		}
		c.gather(ch)
		c.checkRange(ch)
		c.checkSends(ch)
	}
	checkFields(pass, ins, c)
	if res, ok := pass.ResultOf[summary.Analyzer].(*summary.Result); ok {
		checkNamed(pass, res)
		checkDropped(pass, res)
		checkReturned(pass, res)
		checkUnclosed(pass, res)
		checkNeverSignalled(pass, res)
		checkOwnerDropped(pass, res)
		checkOwnerSelfDropped(pass, res)
		checkOverfilled(pass, res)
		checkNilChannels(pass, res)
	}
	return nil, nil
}

// checker holds what one pass knows about the package: which variables are
// assigned after their declaration, and the expressions single-assignment
// variables were defined with (to see that n := len(xs) counts xs).
type checker struct {
	pass     *analysis.Pass
	info     *types.Info
	assigned map[types.Object]bool
	defs     map[types.Object]ast.Expr
	ids      map[types.Object]int
	// counters are the variables stepped by a constant: i++, left--,
	// got += 1. A comparison involving one can be a count of values.
	counters map[types.Object]bool
	res      *summary.Result // nil when the summaries are missing
	ins      *inspector.Inspector
}

func newChecker(pass *analysis.Pass, ins *inspector.Inspector) *checker {
	c := &checker{
		pass:     pass,
		info:     pass.TypesInfo,
		assigned: make(map[types.Object]bool),
		defs:     make(map[types.Object]ast.Expr),
		ids:      make(map[types.Object]int),
		counters: make(map[types.Object]bool),
		ins:      ins,
	}
	filter := []ast.Node{(*ast.AssignStmt)(nil), (*ast.IncDecStmt)(nil), (*ast.UnaryExpr)(nil), (*ast.RangeStmt)(nil), (*ast.ValueSpec)(nil)}
	for cur := range ins.Root().Preorder(filter...) {
		switch n := cur.Node().(type) {
		case *ast.AssignStmt:
			for i, lhs := range n.Lhs {
				id, ok := ast.Unparen(lhs).(*ast.Ident)
				if !ok {
					continue
				}
				if obj := c.info.Defs[id]; obj != nil && n.Tok == token.DEFINE && len(n.Lhs) == len(n.Rhs) {
					c.defs[obj] = n.Rhs[i]
				} else if obj := c.info.Uses[id]; obj != nil {
					c.assigned[obj] = true
					if (n.Tok == token.ADD_ASSIGN || n.Tok == token.SUB_ASSIGN) && len(n.Rhs) == 1 {
						if _, ok := c.intConst(n.Rhs[0]); ok {
							c.counters[obj] = true
						}
					}
				}
			}
		case *ast.IncDecStmt:
			c.markAssigned(n.X)
			if id, ok := ast.Unparen(n.X).(*ast.Ident); ok {
				if obj := c.info.Uses[id]; obj != nil {
					c.counters[obj] = true
				}
			}
		case *ast.UnaryExpr:
			if n.Op == token.AND {
				c.markAssigned(n.X)
			}
		case *ast.RangeStmt:
			if n.Tok == token.ASSIGN {
				c.markAssigned(n.Key)
				c.markAssigned(n.Value)
			}
		case *ast.ValueSpec:
			if len(n.Names) == len(n.Values) {
				for i, name := range n.Names {
					if obj := c.info.Defs[name]; obj != nil {
						c.defs[obj] = n.Values[i]
					}
				}
			}
		}
	}
	return c
}

func (c *checker) markAssigned(e ast.Expr) {
	if id, ok := ast.Unparen(e).(*ast.Ident); ok {
		if obj := c.info.Uses[id]; obj != nil {
			c.assigned[obj] = true
		}
	}
}

// id numbers objects so that expression keys can name them.
func (c *checker) id(obj types.Object) int {
	n, ok := c.ids[obj]
	if !ok {
		n = len(c.ids) + 1
		c.ids[obj] = n
	}
	return n
}

func (c *checker) line(pos token.Pos) int { return c.pass.Fset.Position(pos).Line }
