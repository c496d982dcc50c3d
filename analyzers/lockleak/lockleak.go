package lockleak

import (
	_ "embed"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"sort"
	"strings"

	"golang.org/x/tools/go/analysis"

	"github.com/asyncbook/asyncbook/analyzers/internal/analysisutil"
	"github.com/asyncbook/asyncbook/analyzers/internal/lockfacts"
	"github.com/asyncbook/asyncbook/analyzers/summary"
)

//go:embed doc.go
var doc string

// Analyzer reports a lock still held at a return that other paths unlock.
var Analyzer = &analysis.Analyzer{
	Name:             "lockleak",
	Doc:              analysisutil.MustExtractDoc(doc, "lockleak"),
	URL:              analysisutil.URL("lockleak"),
	Requires:         []*analysis.Analyzer{lockfacts.Analyzer, summary.Analyzer},
	RunDespiteErrors: true,
	Run:              run,
}

// catLeak is the sub-check key, used as the diagnostic category and docs anchor.
const catLeak = "unlock-on-every-path"

func run(pass *analysis.Pass) (any, error) {
	sums, _ := pass.ResultOf[summary.Analyzer].(*summary.Result)
	checkSemaphores(pass, sums)
	if !analysisutil.Touches(pass, "sync") {
		return nil, nil
	}
	res, ok := pass.ResultOf[lockfacts.Analyzer].(*lockfacts.Result)
	if !ok {
		return nil, nil
	}
	for _, f := range res.Funcs {
		if documentedHeld(f) {
			continue
		}
		checkLoopExits(pass, f.Node)
		var keys []lockfacts.Key
		for k := range f.Direct {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return f.Direct[keys[i]][0].Pos() < f.Direct[keys[j]][0].Pos() })
		for _, k := range keys {
			check(pass, f, k)
		}
	}
	return nil, nil
}

// check reports the returns of f that keep k locked, when f shows that it
// means to release k (it unlocks it on other paths) and nothing else does.
func check(pass *analysis.Pass, f *lockfacts.Func, k lockfacts.Key) {
	if f.EntryHeld[k] || f.HandedOff[k] || f.TryLocked[k] || len(f.Unlocks[k]) == 0 {
		return
	}
	var leaks []lockfacts.Exit
	for _, x := range f.Exits {
		s, ok := x.State[k]
		if !ok || !s.MustHeld() || s.Bits&lockfacts.Held == 0 || returned(x, k) {
			continue
		}
		leaks = append(leaks, x)
	}
	if len(leaks) == 0 {
		return
	}
	lockCall := f.Direct[k][0]
	fix := suggestFix(pass, f, k)
	for i, x := range leaks {
		s := x.State[k]
		site := s.Site
		if site == token.NoPos {
			site = lockCall.Pos()
		}
		name := s.Name
		verb, unlock := "locked", "Unlock"
		if k.Read {
			verb, unlock = "read-locked", "RUnlock"
		}
		where := "at this return"
		node := ast.Node(x.Return)
		if x.Return.Return == f.Node.End()-1 {
			where = "when the function ends"
			node = &ast.Ident{NamePos: x.Return.Return, Name: "}"}
		}
		d := analysis.Diagnostic{
			Pos:      node.Pos(),
			End:      node.End(),
			Category: catLeak,
			Message: fmt.Sprintf("%s is still %s %s (locked at line %d), though other paths call %s.%s: the next %s.Lock waits forever",
				name, verb, where, pass.Fset.Position(site).Line, name, unlock, name),
			Related: []analysis.RelatedInformation{{Pos: site, End: site + token.Pos(len(name)), Message: name + " locked here"}},
		}
		if i == 0 && fix != nil {
			d.SuggestedFixes = []analysis.SuggestedFix{*fix}
		}
		pass.Report(d)
	}
}

// returned reports whether the exit returns the lock (or what holds it) to
// its caller: e.Lock(); return e hands the locked entry over.
func returned(x lockfacts.Exit, k lockfacts.Key) bool {
	for _, r := range x.Returned {
		if k.Ref.Within(r) {
			return true
		}
	}
	return false
}

// documentedHeld reports a function whose doc comment says it returns with
// a lock held.
func documentedHeld(f *lockfacts.Func) bool {
	d, ok := f.Node.(*ast.FuncDecl)
	if !ok || d.Doc == nil {
		return false
	}
	text := strings.ToLower(d.Doc.Text())
	return strings.Contains(text, "return") && (strings.Contains(text, "locked") || strings.Contains(text, "held") || strings.Contains(text, "holding"))
}

// suggestFix proposes defer X.Unlock() right after the Lock when that is
// mechanical: one Lock, a statement of the function's body, and every
// explicit Unlock directly followed by a return (or ending the body), so
// deferring it changes nothing but the leaking paths.
func suggestFix(pass *analysis.Pass, f *lockfacts.Func, k lockfacts.Key) *analysis.SuggestedFix {
	var body *ast.BlockStmt
	switch n := f.Node.(type) {
	case *ast.FuncDecl:
		body = n.Body
	case *ast.FuncLit:
		body = n.Body
	}
	if body == nil || len(f.Direct[k]) != 1 {
		return nil
	}
	lockCall := f.Direct[k][0]
	sel, ok := ast.Unparen(lockCall.Fun).(*ast.SelectorExpr)
	if !ok {
		return nil
	}
	var lockStmt ast.Stmt
	for _, st := range body.List {
		if es, ok := st.(*ast.ExprStmt); ok && es.X == lockCall {
			lockStmt = st
		}
	}
	if lockStmt == nil {
		return nil
	}
	// Where each statement sits: its list and index.
	type place struct {
		list []ast.Stmt
		i    int
	}
	places := map[ast.Stmt]place{}
	ast.Inspect(body, func(n ast.Node) bool {
		var list []ast.Stmt
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.BlockStmt:
			list = n.List
		case *ast.CaseClause:
			list = n.Body
		case *ast.CommClause:
			list = n.Body
		}
		for i, s := range list {
			places[s] = place{list, i}
		}
		return true
	})
	var edits []analysis.TextEdit
	for _, u := range f.Unlocks[k] {
		call, ok := u.(*ast.CallExpr)
		if !ok {
			return nil
		}
		var stmt ast.Stmt
		for s := range places {
			if es, ok := s.(*ast.ExprStmt); ok && es.X == call {
				stmt = s
			}
		}
		if stmt == nil {
			return nil // deferred, or part of an expression
		}
		p := places[stmt]
		last := p.i == len(p.list)-1
		if !(last && sameList(p.list, body.List)) {
			if last {
				return nil
			}
			if _, ok := p.list[p.i+1].(*ast.ReturnStmt); !ok {
				return nil
			}
		}
		if p.i > 0 && line(pass, p.list[p.i-1].End()) == line(pass, stmt.Pos()) ||
			!last && line(pass, p.list[p.i+1].Pos()) == line(pass, stmt.End()) {
			return nil // not alone on its line
		}
		e, ok := deleteLine(pass, stmt)
		if !ok {
			return nil
		}
		edits = append(edits, e)
	}
	tf := pass.Fset.File(lockStmt.End())
	if tf == nil {
		return nil
	}
	indent := strings.Repeat("\t", max(0, pass.Fset.Position(lockStmt.Pos()).Column-1))
	method := "Unlock"
	if k.Read {
		method = "RUnlock"
	}
	text := fmt.Sprintf("\n%sdefer %s.%s()", indent, types.ExprString(sel.X), method)
	edits = append([]analysis.TextEdit{{Pos: lockStmt.End(), End: lockStmt.End(), NewText: []byte(text)}}, edits...)
	return &analysis.SuggestedFix{
		Message:   fmt.Sprintf("defer %s.%s() after the lock", types.ExprString(sel.X), method),
		TextEdits: edits,
	}
}

func sameList(a, b []ast.Stmt) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// deleteLine removes a statement alone on its line, the line included.
func deleteLine(pass *analysis.Pass, s ast.Stmt) (analysis.TextEdit, bool) {
	tf := pass.Fset.File(s.Pos())
	if tf == nil {
		return analysis.TextEdit{}, false
	}
	line := tf.Line(s.Pos())
	if tf.Line(s.End()) != line || line >= tf.LineCount() {
		return analysis.TextEdit{}, false
	}
	start, next := tf.LineStart(line), tf.LineStart(line+1)
	return analysis.TextEdit{Pos: start, End: next}, true
}

func line(pass *analysis.Pass, pos token.Pos) int { return pass.Fset.Position(pos).Line }
