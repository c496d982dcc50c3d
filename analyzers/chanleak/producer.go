package chanleak

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ast/inspector"
)

// checkProducer handles a goroutine that sends in a loop (the producer,
// whose first such send is s) while the owner's body consumes: it reports
// when the consumer can stop receiving while the producer still sends.
func (c *checker) checkProducer(ch *channel, s *site, bare []*site) {
	g := s.g
	loops := loopsAround(s.cur, g.litCur, token.NoPos)
	fan := loopsAround(g.stmt, ch.owner, ch.make.Pos())
	inLoop := 0 // unguarded, non-terminal sends in the producer's loop
	terminal := false
	var pc count // how many values the producer sends, when one loop tells
	calleeLoop, ofG := false, 0
	for _, b := range bare {
		if b.g == g {
			ofG++
			calleeLoop = calleeLoop || b.via != nil && b.via.repeats
		}
	}
	if calleeLoop {
		// A callee sends in its own loop: its exits are not seen, so the
		// producer may stop after any value; its count is known when the
		// call is its only send and the callee's one loop tells.
		terminal = true
		if ofG == 1 && len(loops) == 0 {
			pc = c.calleeCount(s)
		}
	} else {
		for _, b := range bare {
			if b.g != g {
				continue
			}
			switch {
			case !contains(loops[0].Node(), b.node()):
				terminal = true // a last value sent after the loop (a sentinel, an error)
			case c.terminal(b, loops[0]):
				terminal = true // a last value sent before leaving the loop
			default:
				inLoop++
			}
		}
		for _, e := range c.loopExits(loops[0]) {
			if e.Node().Pos() > s.pos() {
				terminal = true // the producer may stop right after a value (if b.Err != nil { return })
			}
		}
		if !c.unconditional(s, loops[0]) {
			inLoop = 0 // a filtering producer: counts say nothing
		}
		if len(loops) == 1 {
			pc = c.loopCount(loops[0].Node())
			if inLoop > 1 && !pc.infinite {
				pc = count{}
			}
		}
	}
	if !ch.unbuffered() && len(fan) == 0 {
		if ch.capKnown && pc.isConst && pc.konst <= ch.capConst {
			return
		}
		if ch.capArg != nil && pc.known() && c.key(ch.capArg, 0) == pc.key {
			return
		}
	}

	vals, oks := c.recvVars(ch)
	seen := make(map[inspector.Cursor]bool)
	looped := false
	for _, r := range ch.recvs {
		loop := ch.recvLoop(r)
		if !loop.Valid() {
			continue
		}
		looped = true
		if seen[loop] {
			continue
		}
		seen[loop] = true
		if contains(loop.Node(), g.stmt.Node()) || loop.Node().Pos() < g.stmt.Node().Pos() {
			return
		}
		for _, e := range c.loopExits(loop) {
			guards := c.guards(e, loop)
			if c.anyMentions(guards, oks) || c.mayBeLast(guards, vals, terminal) || c.producerSignal(e, loop, g) {
				continue
			}
			if pc.known() && c.countGuarded(guards, pc.key) {
				continue
			}
			_, isReturn := e.Node().(*ast.ReturnStmt)
			if !c.finalExit(ch, e, loop) {
				continue
			}
			how := "returns"
			if !isReturn {
				how = "breaks out"
			}
			c.reportProducer(ch, s, e.Node(), fmt.Sprintf("the consumer loop %s at line %d", how, c.line(e.Node().Pos())))
			return
		}
		if what, ok := c.stopsCounting(ch, loop, pc, inLoop, len(fan) > 0); ok {
			c.reportProducer(ch, s, loop.Node(), what)
			return
		}
	}
	if !looped && len(ch.recvs) == 1 && inLoop == 1 && !(pc.isConst && pc.konst <= 1) && ch.recvs[0].pos() > g.stmt.Node().Pos() {
		r := ch.recvs[0]
		c.reportProducer(ch, s, r.node(), fmt.Sprintf("the function receives only one value (line %d)", c.line(r.pos())))
	}
}

// stopsCounting reports whether the consumer loop ends by its own count
// (for step := 0; step < maxSteps; step++) while the producer may have more
// to send: it sends forever, or as many values as a different count.
func (c *checker) stopsCounting(ch *channel, loop inspector.Cursor, pc count, inLoop int, fanned bool) (string, bool) {
	if fanned || inLoop != 1 || c.drainedAfter(ch, loop.Node()) {
		return "", false
	}
	switch l := loop.Node().(type) {
	case *ast.RangeStmt:
		if c.isChannelExpr(ch, l.X) {
			return "", false
		}
	case *ast.ForStmt:
		if l.Cond == nil {
			return "", false
		}
	}
	rc := c.loopCount(loop.Node())
	switch {
	case pc.infinite:
	case !pc.known() || !rc.known() || pc.key == rc.key:
		return "", false
	case pc.isConst && rc.isConst && pc.konst <= rc.konst:
		return "", false
	}
	return fmt.Sprintf("the consumer loop stops after a fixed number of receives (line %d)", c.line(loop.Node().Pos())), true
}

func (c *checker) reportProducer(ch *channel, s *site, at ast.Node, why string) {
	c.pass.Report(analysis.Diagnostic{
		Pos:      s.pos(),
		End:      s.node().End(),
		Category: catProducer,
		Message: fmt.Sprintf("producer goroutine may block forever sending on %s%s: %s without draining %s or cancelling the producer",
			ch.name, c.through(s), why, ch.name),
		Related: append([]analysis.RelatedInformation{{
			Pos:     at.Pos(),
			End:     at.End(),
			Message: fmt.Sprintf("the consumer stops receiving from %s here", ch.name),
		}}, c.calleeRelated(s)...),
	})
}

// unconditional reports whether the send runs on every iteration of loop: it
// is a statement of the loop body, and no continue comes before it.
func (c *checker) unconditional(s *site, loop inspector.Cursor) bool {
	if s.cur.Parent().Node() != loopBody(loop.Node()) {
		return false
	}
	skips := false
	loop.Inspect(nil, func(a inspector.Cursor) bool {
		switch n := a.Node().(type) {
		case *ast.FuncLit:
			return false
		case *ast.BranchStmt:
			if n.Tok == token.CONTINUE && n.Pos() < s.pos() {
				skips = true
			}
		}
		return !skips
	})
	return !skips
}

// mayBeLast reports whether an exit guarded by guards may react to the
// producer's last value: a guard tests the received value (a Done flag, an
// end-of-stream token), unless it only checks an error field of a producer
// that keeps going after errors.
func (c *checker) mayBeLast(guards []ast.Node, vals map[types.Object]bool, terminal bool) bool {
	for _, g := range guards {
		if !c.mentionsAny(g, vals) {
			continue
		}
		if terminal || !c.isErrorCheck(g) {
			return true
		}
	}
	return false
}

// isErrorCheck reports whether n is `x != nil` or `x == nil` with x an error.
func (c *checker) isErrorCheck(n ast.Node) bool {
	b, ok := n.(*ast.BinaryExpr)
	if !ok || b.Op != token.NEQ && b.Op != token.EQL {
		return false
	}
	x := b.X
	if c.isNil(x) {
		x = b.Y
	} else if !c.isNil(b.Y) {
		return false
	}
	t := c.info.TypeOf(x)
	return t != nil && types.Identical(t, types.Universe.Lookup("error").Type())
}

// producerSignal reports whether the exit at e is in a select case receiving
// from a channel the producer itself uses (an error channel it sends on
// before returning): the producer may already be gone.
func (c *checker) producerSignal(e, loop inspector.Cursor, g *goroutine) bool {
	for a := e.Parent(); a.Valid() && a.Node() != nil && a != loop; a = a.Parent() {
		cc, ok := a.Node().(*ast.CommClause)
		if !ok || cc.Comm == nil {
			continue
		}
		found := false
		ast.Inspect(cc.Comm, func(n ast.Node) bool {
			u, ok := n.(*ast.UnaryExpr)
			if !ok || u.Op != token.ARROW {
				return !found
			}
			var id *ast.Ident
			switch x := ast.Unparen(u.X).(type) {
			case *ast.Ident:
				id = x
			case *ast.SelectorExpr:
				id = x.Sel
			}
			if obj := c.info.Uses[id]; id != nil && obj != nil && isChan(obj.Type()) && c.refersTo(g.litCur, obj) {
				found = true
			}
			return !found
		})
		if found {
			return true
		}
	}
	return false
}

func isChan(t types.Type) bool {
	_, ok := t.Underlying().(*types.Chan)
	return ok
}
