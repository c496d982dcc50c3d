package droppederr

import (
	_ "embed"
	"fmt"
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

// Analyzer reports errors dropped inside goroutines.
var Analyzer = &analysis.Analyzer{
	Name:             "droppederr",
	Doc:              analysisutil.MustExtractDoc(doc, "droppederr"),
	URL:              analysisutil.URL("droppederr"),
	Requires:         []*analysis.Analyzer{inspect.Analyzer},
	FactTypes:        []analysis.Fact{new(recordsError)},
	RunDespiteErrors: true,
	Run:              run,
}

// Sub-check keys, used as diagnostic categories and docs anchors.
const (
	catGo    = "go-statement-drops-error"
	catStmt  = "unchecked-error-in-goroutine"
	catBlank = "error-assigned-to-blank"
)

var errorType = types.Universe.Lookup("error").Type()

func run(pass *analysis.Pass) (any, error) {
	insp, ok := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	if !ok {
		return nil, nil
	}
	exportRecordsError(pass)
	c := &checker{pass: pass, ignored: ignoredEverywhere(pass, insp)}
	for cur := range insp.Root().Preorder((*ast.GoStmt)(nil), (*ast.CallExpr)(nil)) {
		if inTest(pass, cur.Node()) {
			// Tests and their helpers drive fake peers and drop their
			// errors on purpose: a real failure shows on the side the test
			// checks.
			continue
		}
		switch n := cur.Node().(type) {
		case *ast.GoStmt:
			if n.Call == nil {
				continue
			}
			c.goCall(n)
			if lit, ok := ast.Unparen(n.Call.Fun).(*ast.FuncLit); ok && lit.Body != nil {
				c.goroutine(lit.Body, n, n.Call.Lparen)
			}
		case *ast.CallExpr:
			// sync.WaitGroup.Go (Go 1.25) also starts a goroutine whose
			// function has no error result.
			if len(n.Args) != 1 || !analysisutil.IsFunc(pass.TypesInfo, n, "(*sync.WaitGroup).Go") {
				continue
			}
			if lit, ok := ast.Unparen(n.Args[0]).(*ast.FuncLit); ok && lit.Body != nil {
				c.goroutine(lit.Body, n, n.Lparen)
			}
		}
	}
	return nil, nil
}

// inTest reports whether n is in test code: a _test.go file or a file
// importing "testing".
func inTest(pass *analysis.Pass, n ast.Node) bool {
	for _, f := range pass.Files {
		if f.FileStart <= n.Pos() && n.Pos() <= f.FileEnd {
			return analysisutil.IsTestSupport(pass, f)
		}
	}
	return false
}

type checker struct {
	pass    *analysis.Pass
	ignored map[*types.Func]bool // errors the package drops at every call site
	body    *ast.BlockStmt       // the goroutine being checked, if any
}

// goCall reports go f(x) when f returns an error.
func (c *checker) goCall(g *ast.GoStmt) {
	if !c.returnsError(g.Call, false) || c.allowed(g.Call) {
		return
	}
	analysisutil.ReportfAt(c.pass, g.Call, catGo,
		"error from %s is dropped: go discards its results, so if it fails, nobody finds out", callName(g.Call))
}

// goroutine reports errors dropped in the body of a goroutine's function
// literal. start is the statement or call that starts the goroutine, up to
// end (for the related information).
func (c *checker) goroutine(body *ast.BlockStmt, start ast.Node, end token.Pos) {
	related := []analysis.RelatedInformation{{Pos: start.Pos(), End: end, Message: "goroutine started here"}}
	report := func(call *ast.CallExpr, category, format string) {
		c.pass.Report(analysis.Diagnostic{
			Pos:      call.Pos(),
			End:      call.End(),
			Category: category,
			Message:  fmt.Sprintf(format, callName(call)),
			Related:  related,
		})
	}
	waited := joined(c.pass.TypesInfo, body, start)
	c.body = body
	defer func() { c.body = nil }()
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false // runs at another time: a callback, a deferred func, another goroutine
		case *ast.ExprStmt:
			call, ok := ast.Unparen(n.X).(*ast.CallExpr)
			if ok && c.returnsError(call, false) && !c.allowed(call) {
				report(call, catStmt, "error from %s is dropped in the goroutine: if it fails, nobody finds out")
			}
		case *ast.DeferStmt:
			// Deferred calls are out of scope but for Close on a writer,
			// where the data is committed: its error is the write's.
			if c.returnsError(n.Call, false) && c.commitsOnClose(n.Call) {
				report(n.Call, catStmt, "error from %s is dropped in the goroutine: if it fails, nobody finds out")
			}
		case *ast.AssignStmt:
			if waited {
				break // an explicit discard in sight of the code that waits: a choice
			}
			for _, call := range c.blankErrors(n) {
				report(call, catBlank, "error from %s is assigned to _ in the goroutine: if it fails, nobody finds out")
			}
		}
		return true
	})
}

// blankErrors returns the calls of an assignment whose error result is
// assigned to the blank identifier.
func (c *checker) blankErrors(n *ast.AssignStmt) []*ast.CallExpr {
	var out []*ast.CallExpr
	if len(n.Rhs) == 1 && len(n.Lhs) > 1 {
		call, ok := ast.Unparen(n.Rhs[0]).(*ast.CallExpr)
		if ok && isBlank(n.Lhs[len(n.Lhs)-1]) && c.returnsError(call, false) && !c.allowed(call) {
			out = append(out, call)
		}
		return out
	}
	if len(n.Lhs) != len(n.Rhs) {
		return nil
	}
	for i, rhs := range n.Rhs {
		call, ok := ast.Unparen(rhs).(*ast.CallExpr)
		if ok && isBlank(n.Lhs[i]) && c.returnsError(call, true) && !c.allowed(call) {
			out = append(out, call)
		}
	}
	return out
}

func isBlank(e ast.Expr) bool {
	id, ok := ast.Unparen(e).(*ast.Ident)
	return ok && id.Name == "_"
}

// returnsError reports whether call's last result is of type error (and, if
// only, whether it is its only result).
func (c *checker) returnsError(call *ast.CallExpr, only bool) bool {
	tv, ok := c.pass.TypesInfo.Types[call.Fun]
	if !ok || tv.IsType() || tv.Type == nil {
		return false // no type information, or a conversion
	}
	sig, ok := types.Unalias(tv.Type).Underlying().(*types.Signature)
	if !ok {
		return false
	}
	res := sig.Results()
	if res.Len() == 0 || (only && res.Len() != 1) {
		return false
	}
	return types.Identical(res.At(res.Len()-1).Type(), errorType)
}

// callName names the called function for messages.
func callName(call *ast.CallExpr) string {
	if _, ok := ast.Unparen(call.Fun).(*ast.FuncLit); ok {
		return "the function literal"
	}
	return types.ExprString(call.Fun)
}
