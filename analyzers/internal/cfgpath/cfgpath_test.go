package cfgpath_test

import (
	"fmt"
	"go/ast"
	"go/types"
	"sort"
	"strings"
	"testing"

	"go.uber.org/goleak"
	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/analysistest"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/asyncbook/asyncbook/analyzers/internal/analysisutil"
	"github.com/asyncbook/asyncbook/analyzers/internal/cfgpath"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var values = map[cfgpath.Value]string{cfgpath.Nil: "nil", cfgpath.NonNil: "non-nil", cfgpath.Zero: "zero", cfgpath.NonZero: "non-zero"}

func spell(facts []cfgpath.Fact) string {
	var out []string
	for _, f := range facts {
		out = append(out, f.Ref.String()+" "+values[f.Value])
	}
	sort.Strings(out)
	if len(out) == 0 {
		return "-"
	}
	return strings.Join(out, ", ")
}

// probe reports what cfgpath sees: at each call of facts(), the facts that
// hold there on every path; at each if, the facts of both edges; at each
// call of exits(), whether a path from it leaves the function; and the
// functions that never return.
var probe = &analysis.Analyzer{
	Name:     "probe",
	Doc:      "report what cfgpath computes",
	Requires: []*analysis.Analyzer{inspect.Analyzer, cfgpath.Analyzer},
	Run: func(pass *analysis.Pass) (any, error) {
		in := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
		cfgs := pass.ResultOf[cfgpath.Analyzer].(*cfgpath.CFGs)
		for c := range in.Root().Preorder((*ast.FuncDecl)(nil)) {
			decl := c.Node().(*ast.FuncDecl)
			g := cfgs.Func(decl)
			if fn, ok := pass.TypesInfo.Defs[decl.Name].(*types.Func); ok && cfgs.NoReturn(fn) {
				pass.Reportf(decl.Name.Pos(), "%s never returns", fn.Name())
			}
			if g == nil {
				continue
			}
			x := cfgpath.NewIndex(g)
			ast.Inspect(decl.Body, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.IfStmt:
					pass.Reportf(n.Cond.Pos(), "then: %s; else: %s",
						spell(cfgpath.Implied(pass.TypesInfo, n.Cond, true)), spell(cfgpath.Implied(pass.TypesInfo, n.Cond, false)))
				case *ast.CallExpr:
					fn := analysisutil.CalleeFunc(pass.TypesInfo, n)
					if fn == nil {
						break
					}
					site, ok := x.Site(n)
					switch {
					case fn.Name() == "facts" && ok:
						pass.Reportf(n.Pos(), "holds: %s", spell(cfgpath.FactsAt(pass.TypesInfo, x, site)))
					case fn.Name() == "exits" && ok:
						leaves := false
						for b := range (cfgpath.Walk{}).From(site.Block) {
							leaves = leaves || cfgpath.Exits(b)
						}
						pass.Reportf(n.Pos(), "leaves: %v", leaves)
					case fn.Name() == "exits":
						pass.Reportf(n.Pos(), "unreachable")
					}
				}
				return true
			})
		}
		return nil, nil
	},
}

func TestProbe(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), probe, "paths")
}

func TestRef(t *testing.T) {
	pkg := types.NewPackage("p", "p")
	v := types.NewVar(0, pkg, "s", types.Typ[types.Int])
	pkg.Scope().Insert(v)
	s, wg, other := cfgpath.Ref{Root: v}, cfgpath.Ref{Root: v, Path: ".wg"}, cfgpath.Ref{Root: v, Path: ".wgs"}
	for _, tc := range []struct {
		r, p cfgpath.Ref
		want bool
	}{{wg, s, true}, {wg, wg, true}, {s, wg, false}, {other, wg, false}} {
		if got := tc.r.Within(tc.p); got != tc.want {
			t.Errorf("%s within %s = %v", tc.r, tc.p, got)
		}
	}
	if !wg.PackageLevel() || fmt.Sprint(wg) != "s.wg" {
		t.Errorf("ref %s: package level %v", wg, wg.PackageLevel())
	}
}
