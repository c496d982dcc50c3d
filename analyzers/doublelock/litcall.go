package doublelock

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"

	"golang.org/x/tools/go/analysis"

	"github.com/asyncbook/asyncbook/analyzers/internal/cfgpath"
	"github.com/asyncbook/asyncbook/analyzers/internal/lockfacts"
)

const catLiteral = "literal-relock"

// syncCallers are functions of other packages that call the function they
// are given before they return, in the caller's goroutine.
var syncCallers = map[string]bool{
	"(*sync.Once).Do":       true,
	"(*sync.Map).Range":     true,
	"sort.Slice":            true,
	"sort.SliceStable":      true,
	"sort.Search":           true,
	"slices.SortFunc":       true,
	"slices.SortStableFunc": true,
	"slices.IndexFunc":      true,
	"slices.ContainsFunc":   true,
	"slices.DeleteFunc":     true,
	"strings.Map":           true,
	"strings.FieldsFunc":    true,
	"strings.IndexFunc":     true,
	"bytes.IndexFunc":       true,
	"path/filepath.Walk":    true,
	"path/filepath.WalkDir": true,
	"io/fs.WalkDir":         true,
}

// literalCallbacks reports a function literal handed, with a lock held,
// to a function that calls it before returning (a visitor: c.walk(func(k
// string) { c.Delete(k) }) under c.mu; once.Do; sort.Slice), when the
// literal takes that lock again: it runs in the goroutine that holds it.
func literalCallbacks(pass *analysis.Pass, res *lockfacts.Result, reported map[token.Pos]bool) {
	byNode := map[ast.Node]*lockfacts.Func{}
	for _, f := range res.Funcs {
		byNode[f.Node] = f
	}
	decls := map[*types.Func]*ast.FuncDecl{}
	for _, file := range pass.Files {
		for _, d := range file.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
				if fn, ok := pass.TypesInfo.Defs[fd.Name].(*types.Func); ok {
					decls[fn] = fd
				}
			}
		}
	}
	byObj := map[*types.Func]*lockfacts.Func{}
	for _, f := range res.Funcs {
		if f.Obj != nil {
			byObj[f.Obj] = f
		}
	}
	for _, f := range res.Funcs {
		for _, lc := range f.LitCalls {
			lit := byNode[lc.Lit]
			if lit == nil || len(lit.EntryHeld) > 0 {
				continue
			}
			// The caller's locks, or the visitor's own, held where it calls
			// the literal.
			held, own := lc.Held, false
			if vh := visitorHeld(pass, byObj[lc.Callee.Origin()], lc); len(vh) > 0 {
				held, own = vh, true
			}
			if len(held) == 0 || !own && !callsArg(pass, decls, lc) {
				continue
			}
		acquires:
			for _, acq := range lit.Acquires {
				if !acq.HasKey || acq.Retake || lit.TryLocked[acq.Key] || len(acq.Held) > 0 || reported[acq.Pos] {
					continue
				}
				for _, h := range held {
					if h.Key.Ref != acq.Key.Ref || !h.Status.MustHeld() || !own && (f.TryLocked[h.Key] || f.HandedOff[h.Key]) || lit.Reassigned[acq.Key.Ref.Root] {
						continue
					}
					reported[acq.Pos] = true
					reportLiteral(pass, lc, acq, h, own)
					break acquires // once per literal: the first relock is enough
				}
			}
		}
	}
}

// callsArg reports whether the callee of lc calls the literal it is
// given in the caller's goroutine: a function of the package whose body
// calls that parameter (not in a goroutine or a function literal of its
// own), or one of syncCallers.
func callsArg(pass *analysis.Pass, decls map[*types.Func]*ast.FuncDecl, lc lockfacts.LitCall) bool {
	if syncCallers[lc.Callee.Origin().FullName()] {
		return true
	}
	fd := decls[lc.Callee.Origin()]
	if fd == nil {
		return false
	}
	sig := lc.Callee.Signature()
	if sig.Variadic() && lc.Arg >= sig.Params().Len()-1 || lc.Arg >= sig.Params().Len() {
		return false
	}
	param := sig.Params().At(lc.Arg)
	if o, ok := lc.Callee.Origin().Type().(*types.Signature); ok {
		param = o.Params().At(lc.Arg)
	}
	found := false
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.GoStmt, *ast.FuncLit:
			return false
		case *ast.CallExpr:
			if id, ok := ast.Unparen(n.Fun).(*ast.Ident); ok && pass.TypesInfo.Uses[id] == param {
				found = true
			}
		}
		return !found
	})
	return found
}

func reportLiteral(pass *analysis.Pass, lc lockfacts.LitCall, acq lockfacts.Acquire, h lockfacts.HeldLock, own bool) {
	name := h.Status.Name
	if name == "" {
		name = acq.Name
	}
	verb := "locks"
	if acq.Key.Read {
		verb = "read-locks"
	}
	what := fmt.Sprintf("this function literal %s %s", verb, name)
	if acq.Via != nil {
		what = fmt.Sprintf("%s, called in this function literal, %s %s (%s)", acq.Via.Name(), verb, name, acq.Where)
	}
	why := "sync.Mutex is not reentrant: the goroutine waits for itself for ever"
	cat := catLiteral
	switch {
	case h.Key.Read && acq.Key.Read:
		why = "if a writer calls Lock in between, the writer waits for the first read lock and this RLock waits for the writer"
	case h.Key.Read:
		why = "a read lock cannot be upgraded: Lock waits for the goroutine's own read lock"
	case acq.Key.Read:
		why = "RLock waits for the goroutine's own write lock"
	}
	line := pass.Fset.Position(h.Status.Site).Line
	holder := fmt.Sprintf("the caller holds %s (locked at line %d)", name, line)
	if own {
		holder = fmt.Sprintf("it holds %s itself (locked at %s)", name, where(pass, h.Status.Site, acq.Pos))
	}
	pass.Report(analysis.Diagnostic{
		Pos:      acq.Pos,
		End:      acq.End,
		Category: cat,
		Message: fmt.Sprintf("%s, but %s calls the literal while %s: %s; collect the work under the lock and do it after Unlock",
			what, lc.Callee.Name(), holder, why),
		Related: []analysis.RelatedInformation{
			{Pos: lc.Call.Pos(), End: lc.Call.End(), Message: fmt.Sprintf("%s runs the literal here, under %s", lc.Callee.Name(), name)},
			{Pos: h.Status.Site, Message: name + " locked here"},
		},
	})
}

// visitorHeld returns the locks a visitor of the package (callee) holds
// itself where it calls the parameter lc hands the literal to, on every
// path (r.mu in func (r *Registry) Each(fn func(*Model)) { r.mu.Lock();
// defer r.mu.Unlock(); for ... { fn(m) } }), renamed into the caller's
// terms: the visitor's receiver or parameter becomes the value the caller
// gives it (r in r.Each(func(m *Model) { r.mu.Lock() ... })). Locks of
// the visitor's locals or globals are not the literal's to take.
func visitorHeld(pass *analysis.Pass, callee *lockfacts.Func, lc lockfacts.LitCall) []lockfacts.HeldLock {
	if callee == nil || callee.Obj == nil {
		return nil
	}
	sig := callee.Obj.Signature()
	var out []lockfacts.HeldLock
	for _, pc := range callee.ParamCalls {
		if pc.Param != lc.Arg || asyncBefore(callee.Node, pc.Call.Pos()) {
			continue
		}
		for _, h := range pc.Held {
			if !h.Status.MustHeld() || callee.TryLocked[h.Key] {
				continue
			}
			var given ast.Expr
			if sig.Recv() != nil && h.Key.Ref.Root == sig.Recv() {
				if sel, ok := ast.Unparen(lc.Call.Fun).(*ast.SelectorExpr); ok {
					given = sel.X
				}
			}
			for i := 0; i < sig.Params().Len() && i < len(lc.Call.Args); i++ {
				if h.Key.Ref.Root == sig.Params().At(i) {
					given = lc.Call.Args[i]
				}
			}
			if given == nil {
				continue
			}
			base, ok := cfgpath.RefOf(pass.TypesInfo, given)
			if !ok {
				continue
			}
			h.Key.Ref = cfgpath.Ref{Root: base.Root, Path: base.Path + h.Key.Ref.Path}
			out = append(out, h)
		}
	}
	return out
}

// where names the line of pos, with its file when it is not from's.
func where(pass *analysis.Pass, pos, from token.Pos) string {
	p, f := pass.Fset.Position(pos), pass.Fset.Position(from)
	if p.Filename == f.Filename {
		return fmt.Sprintf("line %d", p.Line)
	}
	return fmt.Sprintf("%s:%d", filepath.Base(p.Filename), p.Line)
}
