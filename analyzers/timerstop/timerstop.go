package timerstop

import (
	_ "embed"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"go/version"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/edge"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/asyncbook/asyncbook/analyzers/internal/analysisutil"
)

//go:embed doc.go
var doc string

// Analyzer reports tickers and timers that are never stopped.
var Analyzer = &analysis.Analyzer{
	Name:             "timerstop",
	Doc:              analysisutil.MustExtractDoc(doc, "timerstop"),
	URL:              analysisutil.URL("timerstop"),
	Requires:         []*analysis.Analyzer{inspect.Analyzer},
	RunDespiteErrors: true,
	Run:              run,
}

// kind says whether a call makes a ticker or a timer.
type kind int

const (
	ticker kind = iota
	timer
)

func (k kind) String() string {
	if k == ticker {
		return "ticker"
	}
	return "timer"
}

func run(pass *analysis.Pass) (any, error) {
	if !analysisutil.Touches(pass, "time") {
		return nil, nil
	}
	in, ok := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	if !ok {
		return nil, nil
	}
	var idx *index
	for cur := range in.Root().Preorder((*ast.CallExpr)(nil)) {
		call := cur.Node().(*ast.CallExpr)
		k, ok := creation(pass.TypesInfo, call)
		if !ok {
			continue
		}
		if idx == nil {
			idx = buildIndex(pass.TypesInfo, in)
		}
		check(pass, idx, cur, call, k)
	}
	return nil, nil
}

// creation reports whether call is time.NewTicker or time.NewTimer.
func creation(info *types.Info, call *ast.CallExpr) (kind, bool) {
	if len(call.Args) != 1 {
		return 0, false // ill-typed: the user is still typing
	}
	switch {
	case analysisutil.IsFunc(info, call, "time.NewTicker"):
		return ticker, true
	case analysisutil.IsFunc(info, call, "time.NewTimer"):
		return timer, true
	}
	return 0, false
}

// index holds, for every variable of type *time.Ticker or *time.Timer, the
// identifier that declares it and the identifiers that use it.
type index struct {
	defs map[*types.Var]inspector.Cursor
	uses map[*types.Var][]inspector.Cursor
}

func buildIndex(info *types.Info, in *inspector.Inspector) *index {
	idx := &index{defs: map[*types.Var]inspector.Cursor{}, uses: map[*types.Var][]inspector.Cursor{}}
	for cur := range in.Root().Preorder((*ast.Ident)(nil)) {
		id := cur.Node().(*ast.Ident)
		if v, ok := info.Defs[id].(*types.Var); ok && isTimerType(v.Type()) {
			idx.defs[v] = cur
		} else if v, ok := info.Uses[id].(*types.Var); ok && isTimerType(v.Type()) {
			idx.uses[v] = append(idx.uses[v], cur)
		}
	}
	return idx
}

func isTimerType(t types.Type) bool {
	if _, ok := t.(*types.Pointer); !ok {
		return false
	}
	return analysisutil.IsNamedType(t, "time", "Ticker") || analysisutil.IsNamedType(t, "time", "Timer")
}

func check(pass *analysis.Pass, idx *index, cur inspector.Cursor, call *ast.CallExpr, k kind) {
	if k == timer && timersCollected(pass, call) {
		return
	}
	id, stmtCur, ok := boundIdent(cur, k)
	if !ok {
		if k == ticker && isChannelOnly(cur) {
			pass.Report(analysis.Diagnostic{
				Pos:      call.Pos(),
				End:      call.End(),
				Category: "ticker-not-stopped",
				Message:  "ticker from time.NewTicker is never stopped and cannot be: keep it in a variable and defer its Stop",
			})
		}
		return
	}
	v, ok := pass.TypesInfo.ObjectOf(id).(*types.Var)
	if !ok || v.IsField() || v.Parent() == nil || v.Parent() == pass.Pkg.Scope() {
		return // not a local variable
	}
	fn, ok := enclosingFunc(cur)
	if !ok {
		return
	}
	def, ok := idx.defs[v]
	if !ok {
		return
	}
	if f, ok := enclosingFunc(def); !ok || f != fn {
		return // a variable of an outer function: the value outlives this one
	}
	sharedWithClosure := false
	for _, u := range idx.uses[v] {
		switch classify(pass.TypesInfo, u) {
		case useStop, useEscape:
			return
		}
		if f, ok := enclosingFunc(u); !ok || f != fn {
			sharedWithClosure = true
			if lit, ok := f.Node().(*ast.FuncLit); ok && lit.Body != nil &&
				straightLineTo(lit.Body.List, -1, func(s ast.Stmt) bool { return endlessLoop(pass.TypesInfo, s, v, k) }) {
				return // a goroutine runs on it forever: stopping it is moot
			}
		}
	}
	list, i, inList := stmtList(stmtCur)
	if inList && (k == timer && straightLineTo(list, i, func(s ast.Stmt) bool { return receivesFrom(pass.TypesInfo, s, v) }) ||
		straightLineTo(list, i, func(s ast.Stmt) bool { return endlessLoop(pass.TypesInfo, s, v, k) })) {
		return
	}

	var msg string
	if k == ticker {
		msg = "ticker %s is never stopped: it keeps firing until it is garbage-collected; call %s.Stop() when done with it"
	} else {
		msg = "timer %s is never stopped: it stays live with its channel until it fires; call %s.Stop() when done waiting"
	}
	d := analysis.Diagnostic{
		Pos:      call.Pos(),
		End:      call.End(),
		Category: k.String() + "-not-stopped",
		Message:  fmt.Sprintf(msg, id.Name, id.Name),
	}
	if inList && !sharedWithClosure && !inLoop(stmtCur) {
		if edit, ok := deferStopEdit(pass, stmtCur.Node(), id.Name); ok {
			d.SuggestedFixes = []analysis.SuggestedFix{{
				Message:   "defer " + id.Name + ".Stop()",
				TextEdits: []analysis.TextEdit{edit},
			}}
		}
	}
	pass.Report(d)
}

// timersCollected reports whether the Go version of the file holding n (its
// //go:build line, else the module's go directive) is 1.23 or later: since
// Go 1.23 the runtime collects a timer nobody references, stopped or not, so
// an unstopped timer is not a leak there. Tickers are another matter: one
// still referenced, by the loop that reads it, keeps firing. An unknown
// version counts as old, as loopclosure does.
func timersCollected(pass *analysis.Pass, n ast.Node) bool {
	v := ""
	for _, f := range pass.Files {
		if f.FileStart <= n.Pos() && n.Pos() <= f.FileEnd {
			v = pass.TypesInfo.FileVersions[f]
		}
	}
	if v == "" && pass.Module != nil && pass.Module.GoVersion != "" {
		v = "go" + pass.Module.GoVersion
	}
	return version.IsValid(v) && version.Compare(v, "go1.23") >= 0
}

// boundIdent returns the variable the result of the creating call at cur is
// assigned to, and the statement that assigns it.
func boundIdent(cur inspector.Cursor, k kind) (*ast.Ident, inspector.Cursor, bool) {
	parent := cur.Parent()
	ek, i := cur.ParentEdge()
	var lhs ast.Expr
	stmt := parent
	switch p := parent.Node().(type) {
	case *ast.AssignStmt:
		if ek != edge.AssignStmt_Rhs || len(p.Lhs) != len(p.Rhs) {
			return nil, stmt, false
		}
		lhs = p.Lhs[i]
	case *ast.ValueSpec:
		if ek != edge.ValueSpec_Values || len(p.Names) != len(p.Values) {
			return nil, stmt, false
		}
		lhs = p.Names[i]
		stmt = parent.Parent().Parent() // GenDecl, then DeclStmt
		if _, ok := stmt.Node().(*ast.DeclStmt); !ok {
			return nil, stmt, false
		}
	default:
		return nil, stmt, false
	}
	id, ok := lhs.(*ast.Ident)
	if !ok || id.Name == "_" {
		return nil, stmt, false
	}
	return id, stmt, true
}

// isChannelOnly reports whether the call at cur is used only for its channel,
// as in `for range time.NewTicker(d).C`.
func isChannelOnly(cur inspector.Cursor) bool {
	sel, ok := cur.Parent().Node().(*ast.SelectorExpr)
	return ok && cur.ParentEdgeKind() == edge.SelectorExpr_X && sel.Sel.Name == "C"
}

type use int

const (
	useOK use = iota
	useStop
	useEscape
)

// classify says what a use of a ticker or timer variable does with it.
func classify(info *types.Info, u inspector.Cursor) use {
	switch p := u.Parent().Node().(type) {
	case *ast.SelectorExpr:
		if u.ParentEdgeKind() != edge.SelectorExpr_X || info.Selections[p] == nil {
			return useEscape // unresolved (t.Stpo()): stay silent
		}
		if p.Sel.Name == "Stop" {
			return useStop
		}
		return useOK // t.C, t.Reset
	case *ast.AssignStmt:
		ek, i := u.ParentEdge()
		if ek == edge.AssignStmt_Lhs && len(p.Lhs) == len(p.Rhs) {
			if call, ok := ast.Unparen(p.Rhs[i]).(*ast.CallExpr); ok {
				if _, ok := creation(info, call); ok {
					return useOK // a fresh ticker or timer, checked on its own
				}
			}
		}
	}
	return useEscape
}

// enclosingFunc returns the innermost function declaration or literal
// around cur.
func enclosingFunc(cur inspector.Cursor) (inspector.Cursor, bool) {
	for c := range cur.Enclosing((*ast.FuncDecl)(nil), (*ast.FuncLit)(nil)) {
		return c, true
	}
	return cur, false
}

// inLoop reports whether the statement at cur runs in a loop of its function.
func inLoop(cur inspector.Cursor) bool {
	for c := range cur.Parent().Enclosing((*ast.ForStmt)(nil), (*ast.RangeStmt)(nil), (*ast.FuncDecl)(nil), (*ast.FuncLit)(nil)) {
		switch c.Node().(type) {
		case *ast.ForStmt, *ast.RangeStmt:
			return true
		}
		return false
	}
	return false
}

// stmtList returns the statement list holding the statement at cur, and its
// index there.
func stmtList(cur inspector.Cursor) ([]ast.Stmt, int, bool) {
	ek, i := cur.ParentEdge()
	switch p := cur.Parent().Node().(type) {
	case *ast.BlockStmt:
		if ek == edge.BlockStmt_List {
			return p.List, i, true
		}
	case *ast.CaseClause:
		if ek == edge.CaseClause_Body {
			return p.Body, i, true
		}
	case *ast.CommClause:
		if ek == edge.CommClause_Body {
			return p.Body, i, true
		}
	}
	return nil, 0, false
}

// straightLineTo reports whether a statement after list[i] satisfies pred
// and every statement between them falls through to the next.
func straightLineTo(list []ast.Stmt, i int, pred func(ast.Stmt) bool) bool {
	for _, s := range list[i+1:] {
		if pred(s) {
			return true
		}
		if leaves(s, "", true) {
			return false
		}
	}
	return false
}

// receivesFrom reports whether s always receives from v.C: the receive is
// in an expression s evaluates whatever happens (an expression statement,
// the right-hand side of an assignment or declaration, the init or
// condition of an if or switch), not in a branch, a select or a closure.
func receivesFrom(info *types.Info, s ast.Stmt, v *types.Var) bool {
	var exprs []ast.Expr
	var add func(s ast.Stmt)
	add = func(s ast.Stmt) {
		switch s := s.(type) {
		case *ast.ExprStmt:
			exprs = append(exprs, s.X)
		case *ast.AssignStmt:
			exprs = append(exprs, s.Rhs...)
		case *ast.DeclStmt:
			if gd, ok := s.Decl.(*ast.GenDecl); ok {
				for _, spec := range gd.Specs {
					if vs, ok := spec.(*ast.ValueSpec); ok {
						exprs = append(exprs, vs.Values...)
					}
				}
			}
		case *ast.IfStmt:
			add(s.Init)
			exprs = append(exprs, s.Cond)
		case *ast.SwitchStmt:
			add(s.Init)
			exprs = append(exprs, s.Tag)
		}
	}
	add(s)
	found := false
	for _, e := range exprs {
		if e == nil {
			continue
		}
		ast.Inspect(e, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncLit:
				return false
			case *ast.UnaryExpr:
				if n.Op == token.ARROW && isField(info, n.X, v, "C") {
					found = true
				}
			}
			return !found
		})
	}
	return found
}

// isField reports whether e is v.name.
func isField(info *types.Info, e ast.Expr, v *types.Var, name string) bool {
	sel, ok := ast.Unparen(e).(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != name {
		return false
	}
	id, ok := ast.Unparen(sel.X).(*ast.Ident)
	return ok && info.Uses[id] == v
}

// endlessLoop reports whether s is a loop that never ends: `for { ... }`
// with no way out, or ranging over the channel of ticker v.
func endlessLoop(info *types.Info, s ast.Stmt, v *types.Var, k kind) bool {
	label := ""
	if l, ok := s.(*ast.LabeledStmt); ok {
		label = l.Label.Name
		s = l.Stmt
	}
	switch s := s.(type) {
	case *ast.ForStmt:
		return s.Cond == nil && !leaves(s.Body, label, false)
	case *ast.RangeStmt:
		return k == ticker && isField(info, s.X, v, "C") && !leaves(s.Body, label, false)
	}
	return false
}

// leaves reports whether control can leave n other than by falling off its
// end: by return, goto, a labeled branch other than `continue own`, or an
// unlabeled break (and, when continueLeaves, continue) that no loop, switch
// or select inside n captures. Function literals are not entered.
func leaves(n ast.Node, own string, continueLeaves bool) bool {
	found := false
	var walk func(n ast.Node, breakDepth, loopDepth int)
	walk = func(n ast.Node, breakDepth, loopDepth int) {
		ast.Inspect(n, func(m ast.Node) bool {
			if found || m == nil {
				return false
			}
			switch m := m.(type) {
			case *ast.FuncLit:
				return false
			case *ast.ReturnStmt:
				found = true
			case *ast.BranchStmt:
				switch {
				case m.Tok == token.GOTO:
					found = true
				case m.Label != nil:
					found = !(m.Tok == token.CONTINUE && m.Label.Name == own)
				case m.Tok == token.BREAK:
					found = breakDepth == 0
				case m.Tok == token.CONTINUE:
					found = continueLeaves && loopDepth == 0
				}
			case *ast.ForStmt, *ast.RangeStmt:
				walkChildren(m, func(c ast.Node) { walk(c, breakDepth+1, loopDepth+1) })
				return false
			case *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.SelectStmt:
				walkChildren(m, func(c ast.Node) { walk(c, breakDepth+1, loopDepth) })
				return false
			}
			return !found
		})
	}
	walk(n, 0, 0)
	return found
}

// walkChildren calls f on each direct child of n.
func walkChildren(n ast.Node, f func(ast.Node)) {
	first := true
	ast.Inspect(n, func(m ast.Node) bool {
		if first {
			first = false
			return true
		}
		if m != nil {
			f(m)
		}
		return false
	})
}

// deferStopEdit inserts `defer name.Stop()` on a new line after stmt, with
// the statement's indentation. It declines when something other than a line
// comment follows stmt on its line.
func deferStopEdit(pass *analysis.Pass, stmt ast.Node, name string) (analysis.TextEdit, bool) {
	tf := pass.Fset.File(stmt.Pos())
	if tf == nil || pass.ReadFile == nil {
		return analysis.TextEdit{}, false
	}
	src, err := pass.ReadFile(tf.Name())
	if err != nil || tf.Size() != len(src) {
		return analysis.TextEdit{}, false
	}
	start, end := tf.Offset(stmt.Pos()), tf.Offset(stmt.End())
	lineStart := tf.Offset(tf.LineStart(tf.Line(stmt.Pos())))
	indent := string(src[lineStart:start])
	if strings.TrimLeft(indent, " \t") != "" {
		return analysis.TextEdit{}, false
	}
	eol := end
	for eol < len(src) && src[eol] != '\n' {
		eol++
	}
	rest := strings.TrimSpace(string(src[end:eol]))
	if rest != "" && !strings.HasPrefix(rest, "//") {
		return analysis.TextEdit{}, false
	}
	pos := tf.Pos(eol)
	return analysis.TextEdit{Pos: pos, End: pos, NewText: []byte("\n" + indent + "defer " + name + ".Stop()")}, true
}
