package ctxcancel

import (
	_ "embed"
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"strings"
	"time"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/edge"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/asyncbook/asyncbook/analyzers/internal/analysisutil"
	"github.com/asyncbook/asyncbook/analyzers/internal/cfgpath"
)

//go:embed doc.go
var doc string

// Analyzer reports loops, sleeps and goroutines that ignore cancellation.
var Analyzer = &analysis.Analyzer{
	Name:             "ctxcancel",
	Doc:              analysisutil.MustExtractDoc(doc, "ctxcancel"),
	URL:              analysisutil.URL("ctxcancel"),
	Requires:         []*analysis.Analyzer{inspect.Analyzer, cfgpath.Analyzer},
	RunDespiteErrors: true,
	Run:              run,
}

// Categories of the diagnostics, one per sub-check.
const (
	catSelect    = "select-without-done"
	catSleep     = "sleep-ignores-ctx"
	catGoroutine = "goroutine-never-exits"
)

func run(pass *analysis.Pass) (any, error) {
	in, ok := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	if !ok {
		return nil, nil
	}
	// Without the context package there is no ctx to watch, but a
	// goroutine can still loop forever.
	withCtx := analysisutil.Touches(pass, "context")
	var sc *scoper
	if withCtx {
		sc = newScoper(pass, in)
	}
	gc := newGoChecker(pass, in)
	for c := range in.Root().Preorder((*ast.SelectStmt)(nil), (*ast.CallExpr)(nil), (*ast.GoStmt)(nil)) {
		switch n := c.Node().(type) {
		case *ast.SelectStmt:
			if withCtx && !inTestFile(pass, n) {
				checkSelect(pass, sc, c, n)
			}
		case *ast.CallExpr:
			if withCtx && !inTestFile(pass, n) {
				checkSleep(pass, sc, c, n)
			}
		case *ast.GoStmt:
			gc.check(c, n)
		}
	}
	return nil, nil
}

// inTestFile reports whether n is in a _test.go file. Tests wait and sleep
// to stage events and simulate slow work; whether those waits honour a ctx
// is not the bug this analyzer is about (goroutine-never-exits still
// applies: goleak would report those goroutines).
func inTestFile(pass *analysis.Pass, n ast.Node) bool {
	tf := pass.Fset.File(n.Pos())
	return tf != nil && strings.HasSuffix(tf.Name(), "_test.go")
}

// checkSelect reports a blocking select in a loop that has a ctx in scope
// but no case receiving from a Done channel.
func checkSelect(pass *analysis.Pass, sc *scoper, c inspector.Cursor, sel *ast.SelectStmt) {
	info := pass.TypesInfo
	if sel.Body == nil || len(sel.Body.List) == 0 {
		return
	}
	allGather := true // every case receives a result, none is a timer
	allOwn := true    // every case receives from a channel made here, or a one-shot timer
	ownCases := 0
	hasTimer := false
	for _, stmt := range sel.Body.List {
		cc, ok := stmt.(*ast.CommClause)
		if !ok {
			return
		}
		if cc.Comm == nil {
			return // default: the select does not block
		}
		ch := recvChan(cc.Comm)
		if ch == nil {
			allGather, allOwn = false, false // a send
			continue
		}
		if t := info.TypeOf(ch); t == nil || t == types.Typ[types.Invalid] {
			return // the case does not type-check yet: it may become ctx.Done()
		}
		if isExitChan(info, ch) {
			return
		}
		switch {
		case isTimer(info, ch):
			hasTimer = true
			allGather = false
			if !isOneShot(info, ch) {
				allOwn = false // a ticker keeps the loop alive
			}
		case !sc.ownChan(ch):
			allOwn = false
		default:
			ownCases++
		}
	}
	loop, ok := enclosingLoop(c)
	if !ok {
		return
	}
	ctxs := sc.contexts(c)
	if len(ctxs) == 0 {
		return
	}
	// Gathering results from the function's own goroutines (over channels
	// it made, or a fixed number of them): they see ctx and end, so the
	// select ends too.
	if (allOwn && ownCases > 0) || (allGather && boundedLoop(info, loop)) {
		return
	}
	// A ticking select in a loop that checks ctx elsewhere wakes up and
	// sees the cancellation within one tick.
	if hasTimer && checksCtx(info, loop) {
		return
	}
	ctx := ctxs[0]
	name := ctx.Name()
	d := analysis.Diagnostic{
		Pos:      sel.Select,
		End:      sel.Select + token.Pos(len("select")),
		Category: catSelect,
		Message: fmt.Sprintf("select in a loop has no case <-%s.Done(): cancelling %s does not stop the loop, it keeps waiting on its other cases",
			name, name),
		Related: []analysis.RelatedInformation{{Pos: ctx.Pos(), End: ctx.Pos() + token.Pos(len(name)), Message: name + " is in scope here"}},
	}
	if ret, ok := cancelReturn(pass, c, name); ok {
		// Insert before the first case, so comments after "select {" stay.
		first := sel.Body.List[0].Pos()
		ind := indentAt(pass, first)
		text := "case <-" + name + ".Done():\n" + ind + "\t" + ret + "\n" + ind
		d.SuggestedFixes = []analysis.SuggestedFix{{
			Message:   fmt.Sprintf("Add case <-%s.Done()", name),
			TextEdits: []analysis.TextEdit{{Pos: first, End: first, NewText: []byte(text)}},
		}}
	}
	pass.Report(d)
}

// checkSleep reports time.Sleep in a function with a ctx in scope.
func checkSleep(pass *analysis.Pass, sc *scoper, c inspector.Cursor, call *ast.CallExpr) {
	info := pass.TypesInfo
	if len(call.Args) != 1 || !analysisutil.IsFunc(info, call, "time.Sleep") {
		return
	}
	ctxs := sc.contexts(c)
	if len(ctxs) == 0 {
		return
	}
	ctx := ctxs[0]
	name := ctx.Name()
	arg := call.Args[0]
	wait := exprText(pass.Fset, arg)
	d, known := constDuration(info, arg)
	if known {
		wait = d.String()
	}
	if known && d <= shortPoll {
		// A short poll in a loop that looks at ctx every round sees a
		// cancellation within one sleep: nothing waits for long.
		if loop, ok := enclosingLoop(c); ok && checksCtx(info, loop) {
			return
		}
	}
	diag := analysis.Diagnostic{
		Pos:      call.Pos(),
		End:      call.End(),
		Category: catSleep,
		Message: fmt.Sprintf("time.Sleep ignores %s: a cancelled request still waits %s; use a timer and select on %s.Done()",
			name, wait, name),
		Related: []analysis.RelatedInformation{{Pos: ctx.Pos(), End: ctx.Pos() + token.Pos(len(name)), Message: name + " is in scope here"}},
	}
	if fix, ok := sleepFix(pass, c, call, name); ok {
		diag.SuggestedFixes = []analysis.SuggestedFix{fix}
	}
	pass.Report(diag)
}

// shortPoll is the longest sleep ctxcancel accepts in a polling loop that
// checks its ctx every round: the delay a cancelled caller can see is no
// more than one such sleep.
const shortPoll = 100 * time.Millisecond

// constDuration returns the value of a constant duration expression.
func constDuration(info *types.Info, e ast.Expr) (time.Duration, bool) {
	tv, ok := info.Types[e]
	if !ok || tv.Value == nil || tv.Value.Kind() != constant.Int {
		return 0, false
	}
	v, exact := constant.Int64Val(tv.Value)
	return time.Duration(v), exact
}

// sleepFix replaces a time.Sleep(d) statement by a select on time.After(d)
// and ctx.Done() that leaves the function when ctx is cancelled.
func sleepFix(pass *analysis.Pass, c inspector.Cursor, call *ast.CallExpr, ctxName string) (analysis.SuggestedFix, bool) {
	stmtCur := c.Parent()
	stmt, ok := stmtCur.Node().(*ast.ExprStmt)
	if !ok {
		return analysis.SuggestedFix{}, false
	}
	switch stmtCur.ParentEdgeKind() {
	case edge.BlockStmt_List, edge.CaseClause_Body, edge.CommClause_Body:
	default:
		return analysis.SuggestedFix{}, false // a labelled statement, a for post statement...
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return analysis.SuggestedFix{}, false
	}
	pkgIdent, ok := sel.X.(*ast.Ident)
	if !ok {
		return analysis.SuggestedFix{}, false
	}
	if _, ok := pass.TypesInfo.Uses[pkgIdent].(*types.PkgName); !ok {
		return analysis.SuggestedFix{}, false
	}
	ret, ok := cancelReturn(pass, c, ctxName)
	if !ok {
		return analysis.SuggestedFix{}, false
	}
	ind := indentAt(pass, stmt.Pos())
	text := "select {\n" +
		ind + "case <-" + ctxName + ".Done():\n" +
		ind + "\t" + ret + "\n" +
		ind + "case <-" + pkgIdent.Name + ".After(" + exprText(pass.Fset, call.Args[0]) + "):\n" +
		ind + "}"
	return analysis.SuggestedFix{
		Message:   fmt.Sprintf("Wait on a timer or %s.Done()", ctxName),
		TextEdits: []analysis.TextEdit{{Pos: stmt.Pos(), End: stmt.End(), NewText: []byte(text)}},
	}, true
}

// isBuiltin reports whether call calls the named built-in function.
func isBuiltin(info *types.Info, call *ast.CallExpr, name string) bool {
	id, ok := ast.Unparen(call.Fun).(*ast.Ident)
	if !ok {
		return false
	}
	b, ok := info.Uses[id].(*types.Builtin)
	return ok && b.Name() == name
}

// enclosingLoop returns the innermost loop around c within its function.
func enclosingLoop(c inspector.Cursor) (ast.Node, bool) {
	for lc := range c.Parent().Enclosing((*ast.ForStmt)(nil), (*ast.RangeStmt)(nil), (*ast.FuncLit)(nil), (*ast.FuncDecl)(nil)) {
		switch n := lc.Node().(type) {
		case *ast.ForStmt, *ast.RangeStmt:
			return n, true
		default:
			return nil, false
		}
	}
	return nil, false
}

// boundedLoop reports whether loop runs a known number of times: a range
// over a slice, array, map, integer or function, or a three-clause for.
func boundedLoop(info *types.Info, loop ast.Node) bool {
	switch l := loop.(type) {
	case *ast.RangeStmt:
		t := info.TypeOf(l.X)
		if t == nil {
			return false
		}
		_, isChan := t.Underlying().(*types.Chan)
		return !isChan
	case *ast.ForStmt:
		return l.Init != nil && l.Cond != nil && l.Post != nil
	}
	return false
}

// checksCtx reports whether loop calls Err or Done on a context (outside
// nested function literals).
func checksCtx(info *types.Info, loop ast.Node) bool {
	found := false
	ast.Inspect(loop, func(n ast.Node) bool {
		if found {
			return false
		}
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.CallExpr:
			if analysisutil.IsFunc(info, n, "(context.Context).Err", "(context.Context).Done") {
				found = true
			}
		}
		return !found
	})
	return found
}

// recvChan returns the channel a select case receives from, or nil for a send.
func recvChan(comm ast.Stmt) ast.Expr {
	var e ast.Expr
	switch s := comm.(type) {
	case *ast.ExprStmt:
		e = s.X
	case *ast.AssignStmt:
		if len(s.Rhs) == 1 {
			e = s.Rhs[0]
		}
	}
	if u, ok := ast.Unparen(e).(*ast.UnaryExpr); ok && u.Op == token.ARROW {
		return u.X
	}
	return nil
}

// isExitChan reports whether ch is a ctx.Done() call or a chan struct{}
// (a done, stop or quit channel).
func isExitChan(info *types.Info, ch ast.Expr) bool {
	if call, ok := ast.Unparen(ch).(*ast.CallExpr); ok && analysisutil.IsFunc(info, call, "(context.Context).Done") {
		return true
	}
	t := info.TypeOf(ch)
	if t == nil {
		return false
	}
	ct, ok := t.Underlying().(*types.Chan)
	if !ok || ct.Dir() == types.SendOnly {
		return false
	}
	st, ok := ct.Elem().Underlying().(*types.Struct)
	return ok && st.NumFields() == 0
}

// isTimer reports whether ch is time.After(d), time.Tick(d) or the C of a
// timer or ticker.
func isTimer(info *types.Info, ch ast.Expr) bool {
	if call, ok := ast.Unparen(ch).(*ast.CallExpr); ok {
		return analysisutil.IsFunc(info, call, "time.After", "time.Tick")
	}
	return isTickerChan(info, ch) || isTimerC(info, ch)
}

// isOneShot reports whether ch is time.After(d) or a timer's C.
func isOneShot(info *types.Info, ch ast.Expr) bool {
	if call, ok := ast.Unparen(ch).(*ast.CallExpr); ok {
		return analysisutil.IsFunc(info, call, "time.After")
	}
	return isTimerC(info, ch)
}

// isTickerChan reports whether ch is time.Tick(d) or a ticker's C: channels
// nobody closes.
func isTickerChan(info *types.Info, ch ast.Expr) bool {
	if call, ok := ast.Unparen(ch).(*ast.CallExpr); ok {
		return analysisutil.IsFunc(info, call, "time.Tick")
	}
	return fieldCOf(info, ch, "Ticker")
}

func isTimerC(info *types.Info, ch ast.Expr) bool { return fieldCOf(info, ch, "Timer") }

// fieldCOf reports whether e is x.C with x a time.<typeName> or *time.<typeName>.
func fieldCOf(info *types.Info, e ast.Expr, typeName string) bool {
	sel, ok := ast.Unparen(e).(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "C" {
		return false
	}
	v, ok := info.Uses[sel.Sel].(*types.Var)
	if !ok || !v.IsField() {
		return false
	}
	t := info.TypeOf(sel.X)
	return t != nil && analysisutil.IsNamedType(t, "time", typeName)
}
