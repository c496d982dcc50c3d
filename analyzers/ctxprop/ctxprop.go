package ctxprop

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
	"github.com/asyncbook/asyncbook/analyzers/internal/cfgpath"
	"github.com/asyncbook/asyncbook/analyzers/internal/ctxscope"
)

//go:embed doc.go
var doc string

// Analyzer reports calls that drop the context the caller passed in.
var Analyzer = &analysis.Analyzer{
	Name:             "ctxprop",
	Doc:              analysisutil.MustExtractDoc(doc, "ctxprop"),
	URL:              analysisutil.URL("ctxprop"),
	Requires:         []*analysis.Analyzer{inspect.Analyzer, cfgpath.Analyzer},
	RunDespiteErrors: true,
	Run:              run,
}

// Categories of the diagnostics, one per sub-check.
const (
	catBackground = "background-in-ctx-func"
	catRequest    = "request-without-ctx"
	catParent     = "errgroup-parent-ctx"
	catDiscarded  = "errgroup-ctx-discarded"
)

const errgroupPath = "golang.org/x/sync/errgroup"

func run(pass *analysis.Pass) (any, error) {
	if !analysisutil.TouchesAny(pass, "context", "net/http", "net", "database/sql", errgroupPath) {
		return nil, nil
	}
	in, ok := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	if !ok {
		return nil, nil
	}
	sc := ctxscope.New(pass.TypesInfo, pass.Pkg, in)
	cfgs, _ := pass.ResultOf[cfgpath.Analyzer].(*cfgpath.CFGs)
	for c := range in.Root().Preorder((*ast.CallExpr)(nil)) {
		call, ok := c.Node().(*ast.CallExpr)
		if !ok {
			continue
		}
		fn := analysisutil.CalleeFunc(pass.TypesInfo, call)
		if fn == nil {
			continue
		}
		switch name := fn.FullName(); name {
		case "context.Background", "context.TODO":
			checkBackground(pass, sc, c, call, fn)
		case errgroupPath + ".WithContext":
			checkErrgroup(pass, cfgs, c, call)
		default:
			if v, ok := ctxless[name]; ok {
				checkRequest(pass, cfgs, sc, c, call, v)
			}
		}
	}
	return nil, nil
}

// checkBackground reports context.Background() or TODO() where a ctx is in
// scope.
func checkBackground(pass *analysis.Pass, sc *ctxscope.Scope, c inspector.Cursor, call *ast.CallExpr, fn *types.Func) {
	which := fn.Name()
	info := pass.TypesInfo
	if exemptFunc(pass, c) || isNotifyParent(info, c) || isCompared(c) || inContextType(info, c, fn.Pkg()) || afterDone(info, c) {
		return
	}
	src, ok := sc.Source(call.Pos())
	if !ok || assignsTo(info, c, src.Var) {
		return
	}
	name := src.Var.Name()
	pass.Report(analysis.Diagnostic{
		Pos:      call.Pos(),
		End:      call.End(),
		Category: catBackground,
		Message: fmt.Sprintf("context.%s() drops %s: cancellation and deadline of the caller do not reach this call; pass %s (or context.WithoutCancel(%s) if it must outlive the caller)",
			which, src.Expr, src.Expr, src.Expr),
		Related: []analysis.RelatedInformation{{Pos: src.Var.Pos(), End: src.Var.Pos() + token.Pos(len(name)), Message: name + " is in scope here"}},
		SuggestedFixes: []analysis.SuggestedFix{{
			Message:   "Use " + src.Expr,
			TextEdits: []analysis.TextEdit{{Pos: call.Pos(), End: call.End(), NewText: []byte(src.Expr)}},
		}},
	})
}

// exemptFunc reports whether c lies where a root context belongs: func main
// of package main, an init function, or test code (a test, benchmark, fuzz
// test or example, or a function taking a *testing.T, B, F or testing.TB,
// in a _test.go file).
func exemptFunc(pass *analysis.Pass, c inspector.Cursor) bool {
	for fc := range c.Enclosing((*ast.FuncDecl)(nil)) {
		fd, ok := fc.Node().(*ast.FuncDecl)
		if !ok || fd.Name == nil {
			return false
		}
		name := fd.Name.Name
		switch {
		case fd.Recv == nil && name == "init":
			return true
		case fd.Recv == nil && name == "main" && pass.Pkg.Name() == "main":
			return true
		}
		tf := pass.Fset.File(fd.Pos())
		if tf == nil || !strings.HasSuffix(tf.Name(), "_test.go") {
			return false
		}
		for _, prefix := range []string{"Test", "Benchmark", "Fuzz", "Example"} {
			if fd.Recv == nil && strings.HasPrefix(name, prefix) {
				return true
			}
		}
		return takesTesting(pass.TypesInfo, fd)
	}
	return false
}

// takesTesting reports whether fd has a *testing.T, *testing.B, *testing.F
// or testing.TB parameter.
func takesTesting(info *types.Info, fd *ast.FuncDecl) bool {
	if fd.Type == nil || fd.Type.Params == nil {
		return false
	}
	for _, field := range fd.Type.Params.List {
		t := info.TypeOf(field.Type)
		if t == nil {
			continue
		}
		for _, name := range []string{"T", "B", "F", "TB"} {
			if analysisutil.IsNamedType(t, "testing", name) {
				return true
			}
		}
	}
	return false
}

// inMainFunc reports whether c lies in func main of package main.
func inMainFunc(pass *analysis.Pass, c inspector.Cursor) bool {
	if pass.Pkg.Name() != "main" {
		return false
	}
	for fc := range c.Enclosing((*ast.FuncDecl)(nil)) {
		fd, ok := fc.Node().(*ast.FuncDecl)
		return ok && fd.Recv == nil && fd.Name != nil && fd.Name.Name == "main"
	}
	return false
}

// isNotifyParent reports whether c is the parent argument of
// signal.NotifyContext: the root of a command's context.
func isNotifyParent(info *types.Info, c inspector.Cursor) bool {
	parent, ok := c.Parent().Node().(*ast.CallExpr)
	return ok && len(parent.Args) > 0 && parent.Args[0] == c.Node() &&
		analysisutil.IsFunc(info, parent, "os/signal.NotifyContext")
}

// afterDone reports whether c runs once a context is already done: after a
// statement <-ctx.Done() of its block (or of a block around it), after a
// select that only falls through on <-ctx.Done(), or in the body of a
// select case <-ctx.Done(). Cleanup there needs a fresh context.
func afterDone(info *types.Info, c inspector.Cursor) bool {
	for cur := c; cur.Node() != nil; cur = cur.Parent() {
		switch cur.Node().(type) {
		case *ast.FuncLit, *ast.FuncDecl, *ast.File:
			return false
		}
		for prev, ok := cur.PrevSibling(); ok; prev, ok = prev.PrevSibling() {
			if s, isStmt := prev.Node().(ast.Stmt); isStmt && (waitsDone(info, s) || leavesOnlyDone(info, s)) {
				return true
			}
		}
	}
	return false
}

// leavesOnlyDone reports whether s is a select that only falls through
// once a context is done: it has a case <-ctx.Done(), no default, and
// every other case returns (select { case err := <-errc: return err; case
// <-ctx.Done(): }, the graceful shutdown that follows).
func leavesOnlyDone(info *types.Info, s ast.Stmt) bool {
	sel, ok := s.(*ast.SelectStmt)
	if !ok || sel.Body == nil {
		return false
	}
	done := false
	for _, cl := range sel.Body.List {
		cc, ok := cl.(*ast.CommClause)
		if !ok || cc.Comm == nil {
			return false // a default falls through at once
		}
		if waitsDone(info, cc.Comm) {
			done = true
			continue
		}
		if len(cc.Body) == 0 {
			return false
		}
		if _, ok := cc.Body[len(cc.Body)-1].(*ast.ReturnStmt); !ok {
			return false
		}
	}
	return done
}

// waitsDone reports whether s is "<-ctx.Done()" (or "_ = <-ctx.Done()").
func waitsDone(info *types.Info, s ast.Stmt) bool {
	var e ast.Expr
	switch s := s.(type) {
	case *ast.ExprStmt:
		e = s.X
	case *ast.AssignStmt:
		if len(s.Rhs) == 1 {
			e = s.Rhs[0]
		}
	}
	u, ok := ast.Unparen(e).(*ast.UnaryExpr)
	if !ok || u.Op != token.ARROW {
		return false
	}
	call, ok := ast.Unparen(u.X).(*ast.CallExpr)
	return ok && analysisutil.IsFunc(info, call, "(context.Context).Done")
}

// assignsTo reports whether c is (an argument of the calls) assigned to v
// itself: "ctx = context.Background()" when ctx is nil, or
// "ctx, cancel = context.WithTimeout(context.Background(), d)" initialising
// a declared ctx. Then v is not yet a context to pass on.
func assignsTo(info *types.Info, c inspector.Cursor, v *types.Var) bool {
	cur := c
	for {
		switch cur.ParentEdgeKind() {
		case edge.CallExpr_Args, edge.ParenExpr_X:
			cur = cur.Parent()
			continue
		case edge.AssignStmt_Rhs:
			as, ok := cur.Parent().Node().(*ast.AssignStmt)
			if !ok {
				return false
			}
			for _, l := range as.Lhs {
				if id, ok := l.(*ast.Ident); ok && info.ObjectOf(id) == v {
					return true
				}
			}
		}
		return false
	}
}

// isCompared reports whether c is an operand of == or !=, as in
// "if ctx != context.Background()": no context is passed there.
func isCompared(c inspector.Cursor) bool {
	be, ok := c.Parent().Node().(*ast.BinaryExpr)
	return ok && (be.Op == token.EQL || be.Op == token.NEQ)
}

// inContextType reports whether c is a field of a composite literal whose
// type is itself a context (a hand-written detached context wrapping
// Background).
func inContextType(info *types.Info, c inspector.Cursor, ctxPkg *types.Package) bool {
	p := c.Parent()
	if _, ok := p.Node().(*ast.KeyValueExpr); ok {
		p = p.Parent()
	}
	lit, ok := p.Node().(*ast.CompositeLit)
	if !ok {
		return false
	}
	t := info.TypeOf(lit)
	if t == nil {
		return false
	}
	ctxType := contextInterface(ctxPkg)
	return ctxType != nil && (types.Implements(t, ctxType) || types.Implements(types.NewPointer(t), ctxType))
}

// contextInterface returns the Context interface of the context package.
func contextInterface(pkg *types.Package) *types.Interface {
	if pkg == nil {
		return nil
	}
	tn, ok := pkg.Scope().Lookup("Context").(*types.TypeName)
	if !ok {
		return nil
	}
	iface, _ := tn.Type().Underlying().(*types.Interface)
	return iface
}

// variant describes a call that has a context-taking twin.
type variant struct {
	display string // how the message names the call
	does    string // what it does without a context
	advice  string // what to use instead; %s is the ctx expression
	rename  string // the twin's name when the fix is mechanical
	noArgs  string // the arguments of the twin when the call has none
}

// ctxless maps FullNames of calls without a context to their twins.
var ctxless = func() map[string]variant {
	m := map[string]variant{
		"net/http.NewRequest": {display: "http.NewRequest", does: "builds a request", advice: "http.NewRequestWithContext(%s, ...)", rename: "NewRequestWithContext"},
		"net.Dial":            {display: "net.Dial", does: "dials", advice: "(&net.Dialer{}).DialContext(%s, ...)"},
		"net.DialTimeout":     {display: "net.DialTimeout", does: "dials", advice: "(&net.Dialer{Timeout: d}).DialContext(%s, ...)"},
		"(*net.Dialer).Dial":  {display: "(*net.Dialer).Dial", does: "dials", advice: "DialContext(%s, ...)", rename: "DialContext"},
	}
	for _, verb := range []string{"Get", "Head", "Post", "PostForm"} {
		v := variant{does: "sends a request", advice: "http.NewRequestWithContext(%s, ...) and Client.Do"}
		v.display = "http." + verb
		m["net/http."+verb] = v
		v.display = "(*http.Client)." + verb
		m["(*net/http.Client)."+verb] = v
	}
	sqlTwins := map[string][]string{
		"DB":   {"Query", "QueryRow", "Exec", "Prepare", "Ping", "Begin"},
		"Tx":   {"Query", "QueryRow", "Exec", "Prepare", "Stmt"},
		"Stmt": {"Query", "QueryRow", "Exec"},
	}
	for typ, methods := range sqlTwins {
		for _, meth := range methods {
			v := variant{display: "(*sql." + typ + ")." + meth, does: "runs", rename: meth + "Context"}
			switch meth {
			case "Ping":
				v.does = "pings the database"
			case "Begin":
				v.does, v.rename, v.noArgs = "starts a transaction", "BeginTx", "%s, nil"
			case "Prepare", "Stmt":
				v.does = "prepares a statement"
			default:
				v.does = "runs a query"
			}
			v.advice = v.rename + "(%s, ...)"
			m["(*database/sql."+typ+")."+meth] = v
		}
	}
	return m
}()

// checkRequest reports a network or database call without a context where a
// ctx is in scope.
func checkRequest(pass *analysis.Pass, cfgs *cfgpath.CFGs, sc *ctxscope.Scope, c inspector.Cursor, call *ast.CallExpr, v variant) {
	if exemptFunc(pass, c) && !inMainFunc(pass, c) {
		return // tests and init; main's requests should still honour its ctx
	}
	src, ok := sc.Source(call.Pos())
	if !ok {
		return
	}
	if v.rename == "NewRequestWithContext" && contextAddedLater(pass.TypesInfo, cfgs, c) {
		return
	}
	d := analysis.Diagnostic{
		Pos:      call.Pos(),
		End:      call.End(),
		Category: catRequest,
		Message: fmt.Sprintf("%s %s without a context: it cannot be cancelled when the caller times out; use %s",
			v.display, v.does, fmt.Sprintf(v.advice, src.Expr)),
		Related: []analysis.RelatedInformation{{Pos: src.Var.Pos(), End: src.Var.Pos() + token.Pos(len(src.Var.Name())), Message: src.Var.Name() + " is in scope here"}},
	}
	if v.rename != "" {
		if edits, ok := renameFix(call, v, src.Expr); ok {
			d.SuggestedFixes = []analysis.SuggestedFix{{Message: "Use " + v.rename, TextEdits: edits}}
		}
	}
	pass.Report(d)
}

// renameFix renames the called function to its context twin and passes
// ctx first.
func renameFix(call *ast.CallExpr, v variant, ctx string) ([]analysis.TextEdit, bool) {
	var id *ast.Ident
	switch fun := ast.Unparen(call.Fun).(type) {
	case *ast.SelectorExpr:
		id = fun.Sel
	case *ast.Ident:
		id = fun
	default:
		return nil, false
	}
	if call.Ellipsis.IsValid() {
		return nil, false
	}
	edits := []analysis.TextEdit{{Pos: id.Pos(), End: id.End(), NewText: []byte(v.rename)}}
	switch {
	case len(call.Args) > 0:
		edits = append(edits, analysis.TextEdit{Pos: call.Args[0].Pos(), End: call.Args[0].Pos(), NewText: []byte(ctx + ", ")})
	case v.noArgs != "":
		edits = append(edits, analysis.TextEdit{Pos: call.Rparen, End: call.Rparen, NewText: []byte(fmt.Sprintf(v.noArgs, ctx))})
	default:
		edits = append(edits, analysis.TextEdit{Pos: call.Rparen, End: call.Rparen, NewText: []byte(ctx)})
	}
	return edits, true
}

// contextAddedLater reports whether the request built by the
// http.NewRequest call at c is given a context later in the function:
// req = req.WithContext(ctx), or req.Clone(ctx).
func contextAddedLater(info *types.Info, cfgs *cfgpath.CFGs, c inspector.Cursor) bool {
	as, ok := c.Parent().Node().(*ast.AssignStmt)
	if !ok || len(as.Lhs) == 0 {
		return false
	}
	id, ok := as.Lhs[0].(*ast.Ident)
	if !ok {
		return false
	}
	req := info.ObjectOf(id)
	if req == nil {
		return false
	}
	fn, ok := enclosingFunc(c)
	if !ok {
		return false
	}
	x := index(cfgs, fn)
	for cc := range fn.Preorder((*ast.CallExpr)(nil)) {
		call, ok := cc.Node().(*ast.CallExpr)
		if !ok || !analysisutil.IsFunc(info, call, "(*net/http.Request).WithContext", "(*net/http.Request).Clone") || !follows(x, as, cc) {
			continue
		}
		if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok {
			if x, ok := ast.Unparen(sel.X).(*ast.Ident); ok && info.Uses[x] == req {
				return true
			}
		}
	}
	return false
}

// index returns the control-flow graph of the function at fn, indexed,
// or nil.
func index(cfgs *cfgpath.CFGs, fn inspector.Cursor) *cfgpath.Index {
	if cfgs == nil {
		return nil
	}
	_, x := cfgs.Index(fn.Node())
	return x
}

// follows reports whether a path of the graph leads from the statement
// stmt to the node at c (or to the function literal holding it).
func follows(x *cfgpath.Index, stmt ast.Stmt, c inspector.Cursor) bool {
	if x == nil {
		return false
	}
	from, ok := x.Site(stmt)
	if !ok {
		return false
	}
	to, ok := x.Around(c)
	return ok && cfgpath.Reaches(from, to)
}

// enclosingFunc returns the innermost function around c.
func enclosingFunc(c inspector.Cursor) (inspector.Cursor, bool) {
	for fc := range c.Enclosing((*ast.FuncLit)(nil), (*ast.FuncDecl)(nil)) {
		return fc, true
	}
	return inspector.Cursor{}, false
}

// checkErrgroup reports goroutines of g, from g, gctx :=
// errgroup.WithContext(ctx), that use ctx instead of gctx.
func checkErrgroup(pass *analysis.Pass, cfgs *cfgpath.CFGs, c inspector.Cursor, call *ast.CallExpr) {
	info := pass.TypesInfo
	if len(call.Args) != 1 {
		return
	}
	parentID, ok := ast.Unparen(call.Args[0]).(*ast.Ident)
	if !ok {
		return
	}
	parent, ok := info.Uses[parentID].(*types.Var)
	if !ok {
		return
	}
	as, ok := c.Parent().Node().(*ast.AssignStmt)
	if !ok || len(as.Lhs) != 2 || len(as.Rhs) != 1 || as.Rhs[0] != ast.Expr(call) {
		return
	}
	gID, ok1 := as.Lhs[0].(*ast.Ident)
	gctxID, ok2 := as.Lhs[1].(*ast.Ident)
	if !ok1 || !ok2 {
		return
	}
	g := info.ObjectOf(gID)
	var gctx types.Object // nil when blank
	if gctxID.Name != "_" {
		gctx = info.ObjectOf(gctxID)
	}
	if g == nil || gctx == types.Object(parent) {
		return // g, ctx := errgroup.WithContext(ctx): the idiom that rebinds ctx
	}
	fn, ok := enclosingFunc(c)
	if !ok {
		return
	}
	var uses []*ast.Ident
	x := index(cfgs, fn)
	for gc := range fn.Preorder((*ast.CallExpr)(nil)) {
		goCall, ok := gc.Node().(*ast.CallExpr)
		if !ok || len(goCall.Args) != 1 ||
			!analysisutil.IsFunc(info, goCall, "(*"+errgroupPath+".Group).Go", "(*"+errgroupPath+".Group).TryGo") ||
			!follows(x, as, gc) {
			continue
		}
		sel, ok := ast.Unparen(goCall.Fun).(*ast.SelectorExpr)
		if !ok {
			continue
		}
		if x, ok := ast.Unparen(sel.X).(*ast.Ident); !ok || info.Uses[x] != g {
			continue
		}
		uses = append(uses, parentUses(info, goCall.Args[0], parent)...)
	}
	if len(uses) == 0 {
		return
	}
	line := pass.Fset.Position(as.Pos()).Line
	if gctx == nil {
		reportDiscarded(pass, as, gctxID, parent, uses)
		return
	}
	scope := pass.Pkg.Scope()
	for _, u := range uses {
		d := analysis.Diagnostic{
			Pos:      u.Pos(),
			End:      u.End(),
			Category: catParent,
			Message: fmt.Sprintf("goroutine of %s uses %s, not %s from errgroup.WithContext (line %d): when a sibling fails, this call is not cancelled",
				gID.Name, parent.Name(), gctx.Name(), line),
			Related: []analysis.RelatedInformation{{Pos: as.Pos(), End: as.End(), Message: "group created here"}},
		}
		if inner := scope.Innermost(u.Pos()); inner != nil {
			if _, obj := inner.LookupParent(gctx.Name(), u.Pos()); obj == gctx {
				d.SuggestedFixes = []analysis.SuggestedFix{{
					Message:   "Use " + gctx.Name(),
					TextEdits: []analysis.TextEdit{{Pos: u.Pos(), End: u.End(), NewText: []byte(gctx.Name())}},
				}}
			}
		}
		pass.Report(d)
	}
}

// reportDiscarded reports g, _ := errgroup.WithContext(ctx) whose goroutines
// use ctx, with a fix naming the group's context gctx and passing it.
func reportDiscarded(pass *analysis.Pass, as *ast.AssignStmt, blank *ast.Ident, parent *types.Var, uses []*ast.Ident) {
	d := analysis.Diagnostic{
		Pos:      blank.Pos(),
		End:      blank.End(),
		Category: catDiscarded,
		Message: fmt.Sprintf("the context of errgroup.WithContext is discarded while its goroutines use %s: the first error does not cancel the others",
			parent.Name()),
	}
	for _, u := range uses {
		d.Related = append(d.Related, analysis.RelatedInformation{Pos: u.Pos(), End: u.End(), Message: "uses " + parent.Name() + " here"})
	}
	const name = "gctx"
	free := as.Tok == token.DEFINE
	scope := pass.Pkg.Scope()
	for _, pos := range append([]token.Pos{as.Pos()}, identPositions(uses)...) {
		inner := scope.Innermost(pos)
		if inner == nil {
			free = false
			break
		}
		if _, obj := inner.LookupParent(name, token.NoPos); obj != nil {
			free = false // the name is taken somewhere around: no fix
		}
	}
	if free {
		edits := []analysis.TextEdit{{Pos: blank.Pos(), End: blank.End(), NewText: []byte(name)}}
		for _, u := range uses {
			edits = append(edits, analysis.TextEdit{Pos: u.Pos(), End: u.End(), NewText: []byte(name)})
		}
		d.SuggestedFixes = []analysis.SuggestedFix{{Message: "Name it " + name + " and pass it", TextEdits: edits}}
	}
	pass.Report(d)
}

func identPositions(ids []*ast.Ident) []token.Pos {
	var out []token.Pos
	for _, id := range ids {
		out = append(out, id.Pos())
	}
	return out
}

// parentUses returns the identifiers in e that refer to parent and hand it
// on: arguments of calls, and receivers of its Done and Err methods.
func parentUses(info *types.Info, e ast.Expr, parent *types.Var) []*ast.Ident {
	var out []*ast.Ident
	is := func(x ast.Expr) (*ast.Ident, bool) {
		id, ok := ast.Unparen(x).(*ast.Ident)
		return id, ok && info.Uses[id] == parent
	}
	ast.Inspect(e, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		for _, a := range call.Args {
			if id, ok := is(a); ok {
				out = append(out, id)
			}
		}
		if analysisutil.IsFunc(info, call, "(context.Context).Done", "(context.Context).Err") {
			if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok {
				if id, ok := is(sel.X); ok {
					out = append(out, id)
				}
			}
		}
		return true
	})
	return out
}
