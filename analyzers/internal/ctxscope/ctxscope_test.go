package ctxscope_test

import (
	"go/ast"
	"strings"
	"testing"

	"go.uber.org/goleak"
	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/analysistest"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/asyncbook/asyncbook/analyzers/internal/analysisutil"
	"github.com/asyncbook/asyncbook/analyzers/internal/ctxscope"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// probe reports, at every call of a function named here, what ctxscope
// sees there: "contexts=a,b own=c source=expr".
var probe = &analysis.Analyzer{
	Name:     "probe",
	Doc:      "report the contexts in scope at each call of here()",
	Requires: []*analysis.Analyzer{inspect.Analyzer},
	Run: func(pass *analysis.Pass) (any, error) {
		in := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
		sc := ctxscope.New(pass.TypesInfo, pass.Pkg, in)
		for c := range in.Root().Preorder((*ast.CallExpr)(nil)) {
			call := c.Node().(*ast.CallExpr)
			if fn := analysisutil.CalleeFunc(pass.TypesInfo, call); fn == nil || fn.Name() != "here" {
				continue
			}
			fn, _ := ctxscope.EnclosingFunc(c)
			var all, notOwn []string
			for _, v := range sc.Contexts(call.Pos(), nil) {
				all = append(all, v.Name())
			}
			for _, v := range sc.Contexts(call.Pos(), fn) {
				notOwn = append(notOwn, v.Name())
			}
			src := "none"
			if s, ok := sc.Source(call.Pos()); ok {
				src = s.Expr
			}
			pass.Reportf(call.Pos(), "contexts=%s caller=%s source=%s", strings.Join(all, ","), strings.Join(notOwn, ","), src)
		}
		return nil, nil
	},
}

func TestScope(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), probe, "scope")
}
