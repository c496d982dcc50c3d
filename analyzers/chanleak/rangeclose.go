package chanleak

import (
	"fmt"
	"go/ast"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/asyncbook/asyncbook/analyzers/internal/analysisutil"
	"github.com/asyncbook/asyncbook/analyzers/summary"
)

// checkRange reports ranges over the channel when nothing closes it and the
// loop body has no way out: the range can never end.
func (c *checker) checkRange(ch *channel) {
	if ch.escapes || ch.hidden || len(ch.closes) > 0 || c.isMainOrInit(ch.owner.Node()) {
		return
	}
	for _, r := range ch.recvs {
		loop := r.cur
		if r.via != nil {
			if loop = c.calleeRange(r); !loop.Valid() {
				continue
			}
		}
		rs, ok := loop.Node().(*ast.RangeStmt)
		if !ok || len(c.loopExits(loop)) > 0 || c.stops(rs.Body) {
			continue
		}
		who := "the function never gets past this loop"
		if r.g != nil {
			who = "the goroutine ranging blocks forever"
		}
		related := []analysis.RelatedInformation{{
			Pos:     ch.make.Pos(),
			End:     ch.make.End(),
			Message: fmt.Sprintf("%s is made here and never closed", ch.name),
		}}
		pos, end := rs.Pos(), rs.X.End()
		if r.via != nil {
			pos, end = r.pos(), r.node().End()
			related = append(related, analysis.RelatedInformation{
				Pos: rs.Pos(), End: rs.X.End(),
				Message: fmt.Sprintf("%s ranges over %s here", r.via.callee.Name(), r.via.op.Chan),
			})
		}
		c.pass.Report(analysis.Diagnostic{
			Pos:      pos,
			End:      end,
			Category: catRange,
			Message:  fmt.Sprintf("range over %s%s never ends: no path closes %s (%s)", ch.name, c.through(r), ch.name, who),
			Related:  related,
		})
	}
}

// calleeRange returns the range statement of the callee a site reaches
// the channel through, when the callee ranges over it itself; else an
// invalid cursor.
func (c *checker) calleeRange(r *site) inspector.Cursor {
	if r.via.op.Kind != summary.Range || !r.via.op.Pos.IsValid() {
		return inspector.Cursor{}
	}
	cur, ok := c.ins.Root().FindByPos(r.via.op.Pos, r.via.op.Pos)
	if !ok {
		return inspector.Cursor{}
	}
	if rs, ok := cur.Node().(*ast.RangeStmt); !ok || rs.For != r.via.op.Pos {
		return inspector.Cursor{}
	}
	return cur
}

// isMainOrInit reports whether fn is main.main or an init function, whose
// goroutines live as long as the program.
func (c *checker) isMainOrInit(fn ast.Node) bool {
	d, ok := fn.(*ast.FuncDecl)
	return ok && d.Recv == nil && d.Name.Name == "init" || c.isMain(fn)
}

// isMain reports whether fn is main.main: when it returns, the process ends
// and takes every goroutine with it.
func (c *checker) isMain(fn ast.Node) bool {
	d, ok := fn.(*ast.FuncDecl)
	return ok && d.Recv == nil && d.Name.Name == "main" && c.pass.Pkg.Name() == "main"
}

// stops reports whether n calls something that ends the goroutine or the
// program: panic, os.Exit, log.Fatal, runtime.Goexit, t.Fatal.
func (c *checker) stops(n ast.Node) bool {
	found := false
	ast.Inspect(n, func(x ast.Node) bool {
		if found {
			return false
		}
		if _, isLit := x.(*ast.FuncLit); isLit {
			return false
		}
		call, ok := x.(*ast.CallExpr)
		if !ok {
			return true
		}
		if c.isBuiltin(call, "panic") || analysisutil.IsFunc(c.info, call,
			"os.Exit", "runtime.Goexit", "log.Fatal", "log.Fatalf", "log.Fatalln", "log.Panic", "log.Panicf", "log.Panicln",
			"(*testing.common).Fatal", "(*testing.common).Fatalf", "(*testing.common).FailNow",
			"(*testing.common).Skip", "(*testing.common).Skipf", "(*testing.common).SkipNow") {
			found = true
		}
		return !found
	})
	return found
}

// failsTest reports whether n reports a test failure (t.Error, t.Fatal...):
// what happens after it matters only to a test that already failed.
func (c *checker) failsTest(n ast.Node) bool {
	found := false
	ast.Inspect(n, func(x ast.Node) bool {
		if call, ok := x.(*ast.CallExpr); ok && analysisutil.IsFunc(c.info, call,
			"(*testing.common).Error", "(*testing.common).Errorf", "(*testing.common).Fatal",
			"(*testing.common).Fatalf", "(*testing.common).Fail", "(*testing.common).FailNow") {
			found = true
		}
		return !found
	})
	return found
}
