package lockblock

import (
	"fmt"
	"go/ast"
	"go/types"
	"path/filepath"
	"reflect"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"
	"golang.org/x/tools/go/types/typeutil"

	"github.com/asyncbook/asyncbook/analyzers/internal/analysisutil"
)

// blocks is the fact of a function that may block on its own: what it
// waits for, for messages ("receives from h.next").
type blocks struct{ What string }

func (*blocks) AFact()           {}
func (b *blocks) String() string { return "blocks(" + b.What + ")" }

// blockFacts computes and exports the blocks facts; lockblock reads its
// result. (A separate pass, so lockblock's own tests need not list facts.)
var blockFacts = &analysis.Analyzer{
	Name:             "lockblockfacts",
	Doc:              "summarise which functions may block, for lockblock",
	Requires:         []*analysis.Analyzer{inspect.Analyzer},
	FactTypes:        []analysis.Fact{new(blocks)},
	ResultType:       reflect.TypeFor[map[*types.Func]string](),
	RunDespiteErrors: true,
	Run:              summariseRun,
}

func summariseRun(pass *analysis.Pass) (any, error) {
	insp, ok := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	if !ok {
		return map[*types.Func]string{}, nil
	}
	s := &scanner{pass: pass, buffered: bufferedChans(pass.TypesInfo, insp), importFacts: true}
	s.summarise(insp)
	out := s.blocking
	for _, f := range pass.AllObjectFacts() {
		if fn, ok := f.Object.(*types.Func); ok && fn.Pkg() != pass.Pkg {
			if b, ok := f.Fact.(*blocks); ok {
				out[fn] = b.What
			}
		}
	}
	return out, nil
}

// summarise computes which functions of the package may block (a receive,
// a select without default, a range over a channel, a send on a channel
// not known to be buffered, a Wait, a sleep — outside function literals
// and goroutines — or a call to such a function), and exports the facts.
func (s *scanner) summarise(insp *inspector.Inspector) {
	s.blocking = map[*types.Func]string{}
	decls := map[*types.Func]*ast.FuncDecl{}
	var order []*types.Func
	for cur := range insp.Root().Preorder((*ast.FuncDecl)(nil)) {
		d := cur.Node().(*ast.FuncDecl)
		if fn, ok := s.pass.TypesInfo.Defs[d.Name].(*types.Func); ok && d.Body != nil {
			decls[fn] = d
			order = append(order, fn)
		}
	}
	for _, fn := range order {
		if w := s.directBlock(decls[fn].Body); w != "" {
			s.blocking[fn] = w
		}
	}
	for changed := true; changed; {
		changed = false
		for _, fn := range order {
			if s.blocking[fn] != "" {
				continue
			}
			if w := s.callsBlocking(decls[fn].Body); w != "" {
				s.blocking[fn] = w
				changed = true
			}
		}
	}
	for _, fn := range order {
		if w := s.blocking[fn]; w != "" {
			s.pass.ExportObjectFact(fn, &blocks{What: w})
		}
	}
}

// blockingOf returns what a callee may block on, or "".
func (s *scanner) blockingOf(fn *types.Func) string {
	if fn == nil {
		return ""
	}
	fn = fn.Origin()
	if w, ok := s.blocking[fn]; ok {
		return w
	}
	if fn.Pkg() == nil || fn.Pkg() == s.pass.Pkg || standard(fn.Pkg()) {
		return ""
	}
	var b blocks
	if s.importFacts && s.pass.ImportObjectFact(fn, &b) {
		return b.What
	}
	return ""
}

// directBlock returns what body itself may block on.
func (s *scanner) directBlock(body *ast.BlockStmt) string {
	what := ""
	skip := map[ast.Node]bool{}
	ast.Inspect(body, func(n ast.Node) bool {
		if what != "" || n == nil || skip[n] {
			return false
		}
		switch n := n.(type) {
		case *ast.FuncLit, *ast.GoStmt:
			return false
		case *ast.SelectStmt:
			if n.Body == nil || len(n.Body.List) == 0 {
				return false // select {} parks for good, on purpose
			}
			for _, cl := range n.Body.List {
				if cc, ok := cl.(*ast.CommClause); ok {
					if cc.Comm == nil {
						// With a default, the cases do not block.
						for _, cl := range n.Body.List {
							if cc, ok := cl.(*ast.CommClause); ok && cc.Comm != nil {
								skip[cc.Comm] = true
							}
						}
						return true
					}
				}
			}
			what = "waits in a select"
			return false
		case *ast.UnaryExpr:
			if n.Op.String() == "<-" && s.isChan(n.X) {
				what = "receives from " + types.ExprString(n.X)
			}
		case *ast.RangeStmt:
			if s.isChan(n.X) {
				what = "ranges over " + types.ExprString(n.X)
			}
		case *ast.SendStmt:
			if s.isChan(n.Chan) && !s.buffered.buffered(n.Chan) {
				what = "sends on " + types.ExprString(n.Chan)
			}
		case *ast.CallExpr:
			fn := analysisutil.CalleeFunc(s.pass.TypesInfo, n)
			if fn == nil {
				return true
			}
			switch full := fn.FullName(); {
			case waits[full]:
				what = "waits in " + types.ExprString(n.Fun)
			case full == "time.Sleep":
				what = "sleeps"
			}
		}
		return what == ""
	})
	return what
}

// callsBlocking returns what a callee of body may block on.
func (s *scanner) callsBlocking(body *ast.BlockStmt) string {
	what := ""
	ast.Inspect(body, func(n ast.Node) bool {
		if what != "" {
			return false
		}
		switch n := n.(type) {
		case *ast.FuncLit, *ast.GoStmt:
			return false
		case *ast.CallExpr:
			fn := typeutil.StaticCallee(s.pass.TypesInfo, n)
			if w := s.blockingOf(fn); w != "" {
				what = w
				if !strings.HasPrefix(w, "through ") {
					what = fmt.Sprintf("through %s %s", fn.Name(), w)
				}
			}
		}
		return what == ""
	})
	return what
}

// standard reports whether pkg belongs to the standard library: the first
// element of its path has no dot.
func standard(pkg *types.Package) bool {
	first, _, _ := strings.Cut(pkg.Path(), "/")
	return !strings.Contains(first, ".")
}

// analysingStandard reports whether the pass is over a package of the
// standard library (test data, also dotless, is not).
func analysingStandard(pass *analysis.Pass) bool {
	if !standard(pass.Pkg) {
		return false
	}
	for _, f := range pass.Files {
		if strings.Contains(filepath.ToSlash(pass.Fset.File(f.Pos()).Name()), "/testdata/") {
			return false
		}
	}
	return true
}
