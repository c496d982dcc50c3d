package busyselect

import (
	_ "embed"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/edge"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/asyncbook/asyncbook/analyzers/internal/analysisutil"
)

//go:embed doc.go
var doc string

// Analyzer reports loops that spin on a select with an empty default.
var Analyzer = &analysis.Analyzer{
	Name:             "busyselect",
	Doc:              analysisutil.MustExtractDoc(doc, "busyselect"),
	URL:              analysisutil.URL("busyselect"),
	Requires:         []*analysis.Analyzer{inspect.Analyzer},
	RunDespiteErrors: true,
	Run:              run,
}

// category is the key of the one sub-check.
const category = "empty-default"

func run(pass *analysis.Pass) (any, error) {
	in, ok := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	if !ok {
		return nil, nil
	}
	// A test that spins does it on purpose: a CPU hog, a scheduler or
	// preemption test.
	for fileCur := range analysisutil.ProductionFiles(pass, in) {
		for cur := range fileCur.Preorder((*ast.SelectStmt)(nil)) {
			check(pass, cur, cur.Node().(*ast.SelectStmt))
		}
	}
	return nil, nil
}

func check(pass *analysis.Pass, cur inspector.Cursor, sel *ast.SelectStmt) {
	def := defaultClause(sel)
	if def == nil {
		return
	}
	loop, label, ok := soleStatementOfLoop(cur)
	if !ok || loop.Cond != nil && !nonBlocking(pass.TypesInfo, loop.Cond) {
		return
	}
	what, ok := idle(pass.TypesInfo, def, label)
	if !ok {
		return
	}
	advice := "remove the default so the select blocks"
	if loop.Cond != nil {
		advice = "let the select block and signal the stop on a channel or ctx"
	}
	d := analysis.Diagnostic{
		Pos:      def.Pos(),
		End:      def.Colon + 1,
		Category: category,
		Message:  fmt.Sprintf("loop spins on a select with %s, burning a core while no case is ready: %s", what, advice),
		Related: []analysis.RelatedInformation{{
			Pos:     loop.Pos(),
			End:     loop.Body.Lbrace,
			Message: "this loop runs the select again at once",
		}},
	}
	if loop.Cond == nil && len(sel.Body.List) > 1 {
		if edits, ok := fixEdits(pass, cur, def); ok {
			d.SuggestedFixes = []analysis.SuggestedFix{{
				Message:   "remove the default case",
				TextEdits: edits,
			}}
		}
	}
	pass.Report(d)
}

// defaultClause returns the default clause of sel, or nil.
func defaultClause(sel *ast.SelectStmt) *ast.CommClause {
	if sel.Body == nil {
		return nil
	}
	for _, s := range sel.Body.List {
		if cc, ok := s.(*ast.CommClause); ok && cc.Comm == nil {
			return cc
		}
	}
	return nil
}

// soleStatementOfLoop reports whether the select at cur is the only
// statement of a loop without init and post statements (`for {}` or
// `for cond {}`), and returns the loop and its label.
func soleStatementOfLoop(cur inspector.Cursor) (*ast.ForStmt, string, bool) {
	body, ok := cur.Parent().Node().(*ast.BlockStmt)
	if !ok || cur.ParentEdgeKind() != edge.BlockStmt_List || len(body.List) != 1 {
		return nil, "", false
	}
	bodyCur := cur.Parent()
	loop, ok := bodyCur.Parent().Node().(*ast.ForStmt)
	if !ok || bodyCur.ParentEdgeKind() != edge.ForStmt_Body || loop.Init != nil || loop.Post != nil {
		return nil, "", false
	}
	label := ""
	if l, ok := bodyCur.Parent().Parent().Node().(*ast.LabeledStmt); ok {
		label = l.Label.Name
	}
	return loop, label, true
}

// nonBlocking reports whether a loop condition returns at once: it makes no
// receive and calls only len, cap, conversions, sync/atomic and
// (context.Context).Err.
func nonBlocking(info *types.Info, cond ast.Expr) bool {
	ok := true
	ast.Inspect(cond, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			ok = false
		case *ast.UnaryExpr:
			if n.Op == token.ARROW {
				ok = false
			}
		case *ast.CallExpr:
			if !cheapCall(info, n) {
				ok = false
			}
		}
		return ok
	})
	return ok
}

func cheapCall(info *types.Info, call *ast.CallExpr) bool {
	if tv, ok := info.Types[call.Fun]; ok && tv.IsType() {
		return true // conversion
	}
	if id, ok := ast.Unparen(call.Fun).(*ast.Ident); ok {
		if b, ok := info.Uses[id].(*types.Builtin); ok {
			return b.Name() == "len" || b.Name() == "cap"
		}
	}
	fn := analysisutil.CalleeFunc(info, call)
	if fn == nil {
		return false
	}
	if fn.Pkg() != nil && fn.Pkg().Path() == "sync/atomic" {
		return true
	}
	return fn.FullName() == "(context.Context).Err"
}

// idle reports whether the default clause def does nothing but fall back
// into the loop, and describes it.
func idle(info *types.Info, def *ast.CommClause, label string) (string, bool) {
	what := "an empty default"
	for _, s := range def.Body {
		switch s := s.(type) {
		case *ast.EmptyStmt:
		case *ast.BranchStmt:
			if s.Tok != token.CONTINUE || s.Label != nil && s.Label.Name != label {
				return "", false
			}
			if what == "an empty default" {
				what = "a default that only continues"
			}
		case *ast.ExprStmt:
			call, ok := ast.Unparen(s.X).(*ast.CallExpr)
			if !ok || !analysisutil.IsFunc(info, call, "runtime.Gosched") {
				return "", false
			}
			what = "a default that only calls runtime.Gosched"
		default:
			return "", false
		}
	}
	return what, true
}

// fixEdits deletes the default clause def and the imports only it used
// (runtime, for runtime.Gosched).
func fixEdits(pass *analysis.Pass, cur inspector.Cursor, def *ast.CommClause) ([]analysis.TextEdit, bool) {
	edits := []analysis.TextEdit{deleteLines(pass, def)}
	var file *ast.File
	for c := range cur.Enclosing((*ast.File)(nil)) {
		file = c.Node().(*ast.File)
	}
	if file == nil {
		return nil, false
	}
	for pn := range pkgNamesIn(pass.TypesInfo, def) {
		if usedOutside(pass.TypesInfo, file, pn, def) {
			continue
		}
		edit, ok := deleteImport(pass, file, pn)
		if !ok {
			return nil, false
		}
		edits = append(edits, edit)
	}
	return edits, true
}

// pkgNamesIn returns the imported package names that n refers to.
func pkgNamesIn(info *types.Info, n ast.Node) map[*types.PkgName]bool {
	out := map[*types.PkgName]bool{}
	ast.Inspect(n, func(m ast.Node) bool {
		if id, ok := m.(*ast.Ident); ok {
			if pn, ok := info.Uses[id].(*types.PkgName); ok {
				out[pn] = true
			}
		}
		return true
	})
	return out
}

// usedOutside reports whether file refers to pn outside n.
func usedOutside(info *types.Info, file *ast.File, pn *types.PkgName, n ast.Node) bool {
	used := false
	ast.Inspect(file, func(m ast.Node) bool {
		if m == n || used {
			return false
		}
		if id, ok := m.(*ast.Ident); ok && info.Uses[id] == pn {
			used = true
		}
		return true
	})
	return used
}

// deleteImport deletes the import of pn when it sits in a parenthesized
// import declaration with other imports.
func deleteImport(pass *analysis.Pass, file *ast.File, pn *types.PkgName) (analysis.TextEdit, bool) {
	for _, decl := range file.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.IMPORT {
			continue
		}
		for _, spec := range gd.Specs {
			is, ok := spec.(*ast.ImportSpec)
			if !ok {
				continue
			}
			obj := pass.TypesInfo.Implicits[is]
			if is.Name != nil {
				obj = pass.TypesInfo.Defs[is.Name]
			}
			if obj != pn {
				continue
			}
			if !gd.Lparen.IsValid() || len(gd.Specs) < 2 {
				return analysis.TextEdit{}, false
			}
			return deleteLines(pass, is), true
		}
	}
	return analysis.TextEdit{}, false
}

// deleteLines deletes node n, with its lines when nothing else shares them
// and, when it is followed by a closing brace, the comment lines after it.
func deleteLines(pass *analysis.Pass, n ast.Node) analysis.TextEdit {
	edit := analysis.TextEdit{Pos: n.Pos(), End: n.End()}
	tf := pass.Fset.File(n.Pos())
	if tf == nil || pass.ReadFile == nil {
		return edit
	}
	src, err := pass.ReadFile(tf.Name())
	if err != nil || tf.Size() != len(src) {
		return edit
	}
	start, end := tf.Offset(n.Pos()), tf.Offset(n.End())
	lineStart := tf.Offset(tf.LineStart(tf.Line(n.Pos())))
	if strings.TrimLeft(string(src[lineStart:start]), " \t") != "" {
		return edit
	}
	eol := end
	for eol < len(src) && src[eol] != '\n' {
		eol++
	}
	rest := strings.TrimSpace(string(src[end:eol]))
	if (rest != "" && !strings.HasPrefix(rest, "//")) || eol == len(src) {
		return edit
	}
	return analysis.TextEdit{Pos: tf.Pos(lineStart), End: tf.Pos(eol + 1 + trailingComments(src[eol+1:]))}
}

// trailingComments returns the length of the comment-only lines at the start
// of src when the select's closing brace follows them: they belong to the
// deleted node.
func trailingComments(src []byte) int {
	n := 0
	for n < len(src) {
		line, _, _ := strings.Cut(string(src[n:]), "\n")
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, "//"):
			n += len(line) + 1
		case strings.HasPrefix(trimmed, "}"):
			return n
		default:
			return 0
		}
	}
	return 0
}
