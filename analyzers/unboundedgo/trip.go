package unboundedgo

import (
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/ast/edge"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/asyncbook/asyncbook/analyzers/internal/analysisutil"
)

// Calls that bound the loop that makes them: it waits for a token, a
// goroutine or the rate limiter before going on.
const (
	semAcquire    = "(*golang.org/x/sync/semaphore.Weighted).Acquire"
	semTryAcquire = "(*golang.org/x/sync/semaphore.Weighted).TryAcquire"
)

var boundingCalls = []string{
	semAcquire,
	semTryAcquire,
	"(*sync.WaitGroup).Wait",
	"(*sync.Cond).Wait",
	"(*golang.org/x/sync/errgroup.Group).Wait",
	"(*golang.org/x/time/rate.Limiter).Wait",
}

// Loop conditions and calls that read the next input record.
var (
	scanConds = []string{
		"(*bufio.Scanner).Scan",
		"(*database/sql.Rows).Next",
		"(*encoding/json.Decoder).More",
	}
	readCalls = []string{
		"(*encoding/csv.Reader).Read",
		"(*encoding/json.Decoder).Decode",
		"(*bufio.Reader).ReadString",
		"(*bufio.Reader).ReadBytes",
		"(*bufio.Reader).ReadLine",
	}
)

// trip says where a loop's iterations come from.
type trip struct {
	category string
	what     string   // "every element of reqs"
	at       ast.Node // the ranged value, the receive, the Accept call
	recv     ast.Node // the receive that is the trip source, if any
	pull     bool     // a `for {}` loop pulling input: value-receives before the spawn feed it
}

// tripSource reports whether loop runs once per input item, and what the
// input is.
func (c *checker) tripSource(loop inspector.Cursor, sp spawn) (trip, bool) {
	info := c.pass.TypesInfo
	switch l := loop.Node().(type) {
	case *ast.RangeStmt:
		return c.rangeTrip(l)
	case *ast.ForStmt:
		if b, ok := ast.Unparen(l.Cond).(*ast.BinaryExpr); ok && isCounted(l) {
			for _, side := range []ast.Expr{b.X, b.Y} {
				if x := lenArg(info, side); x != nil && c.inputLength(x) {
					return trip{category: catItem, what: "every element of " + short(x), at: x}, true
				}
			}
			return trip{}, false
		}
		if call, ok := ast.Unparen(l.Cond).(*ast.CallExpr); ok && analysisutil.IsFunc(info, call, scanConds...) {
			return trip{category: catItem, what: "every record read by " + short(call), at: call}, true
		}
		return c.pullTrip(loop, l, sp)
	}
	return trip{}, false
}

// rangeTrip classifies a range loop by the type of what it ranges over.
func (c *checker) rangeTrip(l *ast.RangeStmt) (trip, bool) {
	info := c.pass.TypesInfo
	tv, ok := info.Types[l.X]
	if !ok || tv.Type == nil || tv.Value != nil {
		return trip{}, false // unknown, or a constant
	}
	item := trip{category: catItem, what: "every element of " + short(l.X), at: l.X}
	switch u := tv.Type.Underlying().(type) {
	case *types.Basic:
		if u.Info()&types.IsInteger != 0 {
			// for range n is a fixed count, unless n is len(input).
			if x := lenArg(info, l.X); x != nil && c.inputLength(x) {
				return trip{category: catItem, what: "every element of " + short(x), at: x}, true
			}
			return trip{}, false
		}
		if u.Info()&types.IsString != 0 && c.fromInput(l.X) {
			return item, true
		}
	case *types.Slice, *types.Map:
		if c.fromInput(l.X) {
			return item, true
		}
	case *types.Chan:
		if !isTimeChan(tv.Type) {
			item.what = "every value received from " + short(l.X)
			return item, true
		}
	}
	// arrays, pointers to arrays, iterator functions, type parameters
	return trip{}, false
}

// pullTrip looks in a `for {}` or `for cond {}` loop for the call or
// receive that pulls the next item before the spawn: an Accept or Recv
// method, a record reader, or a receive whose value is used.
func (c *checker) pullTrip(loop inspector.Cursor, l *ast.ForStmt, sp spawn) (trip, bool) {
	info := c.pass.TypesInfo
	if l.Body == nil {
		return trip{}, false
	}
	bodyCur, ok := loop.FindNode(l.Body)
	if !ok {
		return trip{}, false
	}
	var found trip
	ok = false
	bodyCur.Inspect([]ast.Node{(*ast.FuncLit)(nil), (*ast.CallExpr)(nil), (*ast.UnaryExpr)(nil)}, func(cur inspector.Cursor) bool {
		n := cur.Node()
		if _, isLit := n.(*ast.FuncLit); isLit || n.Pos() >= sp.cur.Node().End() {
			return false
		}
		if !dominates(cur, bodyCur, sp) {
			return true
		}
		switch n := n.(type) {
		case *ast.CallExpr:
			fn := analysisutil.CalleeFunc(info, n)
			if fn == nil {
				break
			}
			sig, _ := fn.Type().(*types.Signature)
			if sig == nil || sig.Recv() == nil || sig.Results().Len() == 0 {
				break
			}
			switch fn.Name() {
			case "Accept", "AcceptTCP", "AcceptUnix":
				found, ok = trip{category: catAccept, what: "every connection accepted by " + short(n), at: n, pull: true}, true
			case "Recv":
				found, ok = trip{category: catAccept, what: "every message received by " + short(n), at: n, pull: true}, true
			default:
				if analysisutil.IsFunc(info, n, readCalls...) {
					found, ok = trip{category: catItem, what: "every record read by " + short(n), at: n, pull: true}, true
				}
			}
		case *ast.UnaryExpr:
			if n.Op == token.ARROW && valueUsed(cur) && !isTimeChan(info.TypeOf(n.X)) {
				found, ok = trip{category: catItem, what: "every value received from " + short(n.X), at: n, recv: n, pull: true}, true
			}
		}
		return true
	})
	return found, ok
}

// dominates reports whether every block and clause around cur, up to the
// loop body, also holds the spawn: cur runs on every iteration that reaches
// the spawn.
func dominates(cur, body inspector.Cursor, sp spawn) bool {
	for c := range cur.Enclosing((*ast.BlockStmt)(nil), (*ast.CommClause)(nil), (*ast.CaseClause)(nil)) {
		if c == body {
			return true
		}
		if n := c.Node(); sp.pos < n.Pos() || sp.end > n.End() {
			return false
		}
	}
	return false
}

// bounded reports whether the loop body, outside function literals, waits
// for something each iteration: it sends on a channel (a semaphore token or
// a job for a pool), receives other than to pull the next item, blocks in a
// select that does not hold the spawn, or calls a bounding method
// (semaphore Acquire, WaitGroup Wait, rate.Limiter Wait).
func (c *checker) bounded(loop inspector.Cursor, sp spawn, tr trip) bool {
	info := c.pass.TypesInfo
	body := loopBody(loop.Node())
	if body == nil {
		return true
	}
	bodyCur, ok := loop.FindNode(body)
	if !ok {
		return true
	}
	found := false
	filter := []ast.Node{(*ast.FuncLit)(nil), (*ast.SendStmt)(nil), (*ast.UnaryExpr)(nil), (*ast.CallExpr)(nil), (*ast.SelectStmt)(nil)}
	bodyCur.Inspect(filter, func(cur inspector.Cursor) bool {
		switch n := cur.Node().(type) {
		case *ast.FuncLit:
			return false
		case *ast.SendStmt:
			found = true
		case *ast.SelectStmt:
			// A blocking select away from the spawn waits for something
			// (the goroutine's result, a token); one around the spawn
			// pulls the item or watches for cancellation.
			if !hasDefault(n) && (sp.pos < n.Pos() || sp.end > n.End()) {
				found = true
			}
		case *ast.UnaryExpr:
			if n.Op != token.ARROW || n == tr.recv || inSelectComm(cur, bodyCur) {
				break
			}
			if tr.pull && n.Pos() < sp.cur.Node().End() && valueUsed(cur) {
				break // pulls input, like the trip source
			}
			found = true
		case *ast.CallExpr:
			if analysisutil.IsFunc(info, n, boundingCalls...) {
				found = true
			}
		}
		return !found
	})
	return found
}

func hasDefault(sel *ast.SelectStmt) bool {
	if sel.Body == nil {
		return false
	}
	for _, s := range sel.Body.List {
		if cc, ok := s.(*ast.CommClause); ok && cc.Comm == nil {
			return true
		}
	}
	return false
}

// inSelectComm reports whether cur is part of the communication of a select
// case (case x := <-ch:), up to body.
func inSelectComm(cur, body inspector.Cursor) bool {
	for c := cur; c != body && c.Node() != nil; c = c.Parent() {
		if c.ParentEdgeKind() == edge.CommClause_Comm {
			return true
		}
	}
	return false
}

// valueUsed reports whether the receive at cur keeps the value it receives.
func valueUsed(cur inspector.Cursor) bool {
	p := cur.Parent()
	for {
		if _, ok := p.Node().(*ast.ParenExpr); !ok {
			break
		}
		p = p.Parent()
	}
	_, stmt := p.Node().(*ast.ExprStmt)
	return !stmt
}

// isCounted reports whether a for loop counts: `i < n`, `i >= 0`, or `!=`
// with a post statement.
func isCounted(l *ast.ForStmt) bool {
	b, ok := ast.Unparen(l.Cond).(*ast.BinaryExpr)
	if !ok {
		return false
	}
	switch b.Op {
	case token.LSS, token.LEQ, token.GTR, token.GEQ:
		return true
	case token.NEQ:
		return l.Post != nil
	}
	return false
}

// lenArg returns x when e is len(x).
func lenArg(info *types.Info, e ast.Expr) ast.Expr {
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	if !ok || len(call.Args) != 1 {
		return nil
	}
	id, ok := ast.Unparen(call.Fun).(*ast.Ident)
	if !ok {
		return nil
	}
	if b, ok := info.Uses[id].(*types.Builtin); !ok || b.Name() != "len" {
		return nil
	}
	return call.Args[0]
}

// inputLength reports whether x is a slice, map or string whose length
// comes from input.
func (c *checker) inputLength(x ast.Expr) bool {
	tv, ok := c.pass.TypesInfo.Types[x]
	if !ok || tv.Type == nil || tv.Value != nil {
		return false
	}
	switch u := tv.Type.Underlying().(type) {
	case *types.Slice, *types.Map:
		return c.fromInput(x)
	case *types.Basic:
		return u.Info()&types.IsString != 0 && c.fromInput(x)
	}
	return false
}

// isTimeChan reports whether t is a channel of time.Time: a ticker or timer
// paces the loop, it is not input.
func isTimeChan(t types.Type) bool {
	if t == nil {
		return false
	}
	ch, ok := t.Underlying().(*types.Chan)
	return ok && analysisutil.IsNamedType(ch.Elem(), "time", "Time") && !isPointer(ch.Elem())
}

func isPointer(t types.Type) bool {
	_, ok := t.(*types.Pointer)
	return ok
}

// short renders e for a message, eliding long expressions.
func short(e ast.Expr) string {
	s := types.ExprString(e)
	if len(s) > 40 {
		if call, ok := e.(*ast.CallExpr); ok {
			return short(call.Fun) + "()"
		}
		return s[:37] + "..."
	}
	return s
}
