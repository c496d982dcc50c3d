package condsignal

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"sort"
	"strings"

	"golang.org/x/tools/go/analysis"

	"github.com/asyncbook/asyncbook/analyzers/internal/analysisutil"
)

const catWakesOne = "signal-wakes-one"

// signalWakesOne reports a Signal that follows a change every waiter is
// waiting for, when no waiter takes that change back: q.closed = true;
// q.cond.Signal() with waiters in for len(q.items) == 0 && !q.closed {
// q.cond.Wait() }. Signal wakes one goroutine; the change releases all of
// them, and the others sleep until a next Signal that may never come (the
// queue is closed, the barrier's generation has moved on). Broadcast wakes
// them all. A waiter that takes back what it waited for after its loop (it
// pops the item: q.items = q.items[1:]) consumes the change, so one wake per
// change is right; a waiter that signals again after its loop passes the
// wake on. Only changes the signalling function makes itself are judged.
func (c *checker) signalWakesOne(cd *cond) {
	if cd.escapes || c.reachable(cd) || len(cd.waits) == 0 {
		return
	}
	watched, known := c.watched(cd)
	if !known || len(watched) == 0 {
		return
	}
	// What the waiters do after their loop: the fields they write, and
	// whether they wake someone else.
	consumed := map[types.Object]bool{}
	single := true // every waiter is a goroutine started once
	for _, w := range cd.waits {
		loop := c.loopAround(w)
		fn := c.enclosingFunc(w)
		if loop == nil || fn == nil {
			return
		}
		single = single && c.startedOnce(fn)
		relays := false
		c.writesAfter(fn, loop.End(), consumed, cd, &relays)
		if relays {
			return
		}
	}
	if single {
		return // one waiter: one wake is enough
	}
	for _, s := range cd.signals {
		if fn := analysisutil.CalleeFunc(c.pass.TypesInfo, s); fn == nil || fn.FullName() != signalMethod {
			continue
		}
		fn := c.enclosingFunc(s)
		if fn == nil {
			continue
		}
		changed := map[types.Object]bool{}
		relays := false
		c.writes(fn, func(n ast.Node) bool { return n.End() <= s.Pos() && c.sameBlock(n, s) && c.releasesAll(n) }, changed, cd, &relays, 1)
		var released []string
		for obj := range changed {
			if watched[obj] && !consumed[obj] {
				released = append(released, obj.Name())
			}
		}
		if len(released) == 0 {
			continue
		}
		for obj := range changed {
			if watched[obj] && consumed[obj] {
				released = nil // it also hands over one unit a waiter takes
			}
		}
		if len(released) == 0 {
			continue
		}
		sort.Strings(released)
		c.pass.Report(analysis.Diagnostic{
			Pos:      s.Pos(),
			End:      s.End(),
			Category: catWakesOne,
			Message: fmt.Sprintf("Signal wakes one waiter, but the change before it (%s) releases every waiter and none takes it back: the others stay in Wait; use Broadcast",
				strings.Join(released, ", ")),
			Related: []analysis.RelatedInformation{{Pos: cd.waits[0].Pos(), Message: "waiters wait here"}},
		})
	}
}

// enclosingFunc returns the innermost function declaration or literal
// around n.
func (c *checker) enclosingFunc(n ast.Node) ast.Node {
	cur, ok := c.insp.Root().FindNode(n)
	if !ok {
		return nil
	}
	for fc := range cur.Enclosing((*ast.FuncDecl)(nil), (*ast.FuncLit)(nil)) {
		return fc.Node()
	}
	return nil
}

// writesAfter records the variables and fields fn writes after pos (and
// in the package's functions it calls there), and whether it signals cd.
func (c *checker) writesAfter(fn ast.Node, pos token.Pos, out map[types.Object]bool, cd *cond, relays *bool) {
	c.writes(fn, func(n ast.Node) bool { return n.Pos() >= pos }, out, cd, relays, 1)
}

// writes records, in out, the variables and fields fn assigns in the
// statements keep accepts (directly, or in the package's functions it
// calls, depth levels down), and sets relays when it signals or
// broadcasts cd there.
func (c *checker) writes(fn ast.Node, keep func(ast.Node) bool, out map[types.Object]bool, cd *cond, relays *bool, depth int) {
	info := c.pass.TypesInfo
	var body ast.Node
	switch f := fn.(type) {
	case *ast.FuncDecl:
		body = f.Body
	case *ast.FuncLit:
		body = f.Body
	}
	if body == nil {
		return
	}
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.AssignStmt:
			if keep(n) {
				for _, l := range n.Lhs {
					if obj := lastObject(info, l); obj != nil {
						out[obj] = true
					}
				}
			}
		case *ast.IncDecStmt:
			if keep(n) {
				if obj := lastObject(info, n.X); obj != nil {
					out[obj] = true
				}
			}
		case *ast.CallExpr:
			if !keep(n) {
				break
			}
			if got, _, _, ok := c.condOf(n); ok && got == cd {
				if f := analysisutil.CalleeFunc(info, n); f != nil && (f.FullName() == signalMethod || f.FullName() == broadcastMethod) {
					*relays = true
				}
			}
			if f := analysisutil.CalleeFunc(info, n); f != nil && depth > 0 {
				if d := c.decls[f]; d != nil {
					c.writes(d, func(ast.Node) bool { return true }, out, cd, relays, depth-1)
				}
			}
		}
		return true
	})
}

// sameBlock reports whether the innermost block (or case) holding n also
// holds s: n is on the way to s, not in a branch of its own.
func (c *checker) sameBlock(n, s ast.Node) bool {
	cur, ok := c.insp.Root().FindNode(n)
	if !ok {
		return false
	}
	for b := range cur.Enclosing((*ast.BlockStmt)(nil), (*ast.CaseClause)(nil), (*ast.CommClause)(nil)) {
		return b.Node().Pos() <= s.Pos() && s.End() <= b.Node().End()
	}
	return false
}

// releasesAll reports whether a write is the kind of change that releases
// every waiter at once: a flag or state set to a constant (closed = true,
// state = closing, items = nil) or a counter stepped (generation++), not a
// quantity moved by a computed amount (r += n), which is handed out.
func (c *checker) releasesAll(n ast.Node) bool {
	switch n := n.(type) {
	case *ast.IncDecStmt:
		return true
	case *ast.AssignStmt:
		if len(n.Lhs) != len(n.Rhs) || n.Tok != token.ASSIGN {
			return false
		}
		for _, r := range n.Rhs {
			tv, ok := c.pass.TypesInfo.Types[r]
			if !ok || tv.Value == nil && !tv.IsNil() {
				return false
			}
		}
		return true
	}
	return false
}

// startedOnce reports whether fn is a function of the package that runs
// as one goroutine: unexported, started by a single go statement outside
// any loop (or handed on once as a value), and called nowhere else.
func (c *checker) startedOnce(fn ast.Node) bool {
	d, ok := fn.(*ast.FuncDecl)
	if !ok || d.Name.IsExported() {
		return false
	}
	obj := c.pass.TypesInfo.Defs[d.Name]
	if obj == nil {
		return false
	}
	refs := 0
	for cur := range c.insp.Root().Preorder((*ast.Ident)(nil)) {
		if c.pass.TypesInfo.Uses[cur.Node().(*ast.Ident)] != obj {
			continue
		}
		refs++
		e := cur
		if sel, ok := cur.Parent().Node().(*ast.SelectorExpr); ok && sel.Sel == cur.Node() {
			e = cur.Parent()
		}
		if call, ok := e.Parent().Node().(*ast.CallExpr); ok && call.Fun == e.Node() {
			if _, isGo := e.Parent().Parent().Node().(*ast.GoStmt); !isGo {
				return false // called directly: by whom, how often, is not known
			}
		}
		for range e.Enclosing((*ast.ForStmt)(nil), (*ast.RangeStmt)(nil)) {
			return false
		}
	}
	return refs == 1
}
