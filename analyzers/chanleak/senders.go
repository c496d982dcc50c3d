package chanleak

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"sort"
	"strconv"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ast/edge"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/asyncbook/asyncbook/analyzers/internal/analysisutil"
)

// sender is a goroutine literal with unguarded sends on the channel.
type sender struct {
	g     *goroutine
	sends []*site            // its unguarded sends, in source order
	fan   []inspector.Cursor // loops of the owner's body that repeat its go statement
}

// exit is where the receiving side stops receiving.
type exit struct {
	cur  inspector.Cursor
	what string // e.g. "on timeout (line 42)"
}

// checkSends runs the sender-side sub-checks: stranded-sender,
// first-error-return and producer-blocked. It needs every send in a
// goroutine literal and every receive in the owner's body.
func (c *checker) checkSends(ch *channel) {
	if ch.escapes || ch.hidden || len(ch.sends) == 0 || len(ch.recvs) == 0 || c.isMain(ch.owner.Node()) {
		return
	}
	for _, s := range ch.sends {
		if s.g == nil {
			return
		}
	}
	for _, r := range ch.recvs {
		if r.g != nil {
			return
		}
	}
	var bare []*site
	for _, s := range ch.sends {
		if !guarded(s) {
			bare = append(bare, s)
		}
	}
	if len(bare) == 0 {
		return
	}
	for _, s := range bare {
		if c.streams(s) {
			c.checkProducer(ch, s, bare)
			return
		}
	}
	c.checkSingleSends(ch, bare)
}

// guarded reports whether the send is a case of a select with other cases
// (a ctx.Done, a done channel, a default): it can give up. A send through a
// call is guarded when the callee's is.
func guarded(s *site) bool {
	if s.via != nil {
		return s.via.op.WayOut
	}
	if s.cur.ParentEdgeKind() != edge.CommClause_Comm {
		return false
	}
	body, ok := s.cur.Parent().Parent().Node().(*ast.BlockStmt)
	return ok && len(body.List) > 1
}

// streams reports whether the send repeats inside its goroutine: it is in a
// loop of the goroutine and not directly followed by leaving it, or it is
// done by a callee that may repeat it.
func (c *checker) streams(s *site) bool {
	if s.via != nil && s.via.repeats {
		return true
	}
	loops := loopsAround(s.cur, s.g.litCur, token.NoPos)
	return len(loops) > 0 && !c.terminal(s, loops[0])
}

// terminal reports whether the send at s is the last thing its loop does:
// it is followed by a return or by a break out of loop.
func (c *checker) terminal(s *site, loop inspector.Cursor) bool {
	next, ok := s.cur.NextSibling()
	if !ok {
		return false
	}
	switch n := next.Node().(type) {
	case *ast.ReturnStmt:
		return true
	case *ast.BranchStmt:
		return n.Tok == token.BREAK && c.branchLeaves(next, n, loop.Node())
	}
	return false
}

// senders groups the unguarded sends by goroutine, in order of the go
// statements.
func (c *checker) senders(ch *channel, bare []*site) []*sender {
	byG := make(map[*goroutine]*sender)
	var out []*sender
	for _, s := range bare {
		sd, ok := byG[s.g]
		if !ok {
			sd = &sender{g: s.g, fan: loopsAround(s.g.stmt, ch.owner, ch.make.Pos())}
			byG[s.g] = sd
			out = append(out, sd)
		}
		sd.sends = append(sd.sends, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].g.stmt.Node().Pos() < out[j].g.stmt.Node().Pos() })
	return out
}

// allAlwaysSend reports whether every sender sends on every path: it has a
// send at the top level of its body, and each return before that send
// directly follows another send.
func (c *checker) allAlwaysSend(ch *channel, sds []*sender) bool {
	for _, sd := range sds {
		var top *site
		for _, s := range sd.sends {
			if s.cur.Parent().Node() == sd.g.lit.Body {
				top = s
				break
			}
		}
		if top == nil {
			return false
		}
		always := true
		sd.g.litCur.Inspect(nil, func(a inspector.Cursor) bool {
			switch a.Node().(type) {
			case *ast.FuncLit:
				return a == sd.g.litCur
			case *ast.ReturnStmt:
				if a.Node().Pos() < top.pos() {
					prev, ok := a.PrevSibling()
					if !ok {
						always = false
					} else if _, isSend := prev.Node().(*ast.SendStmt); !isSend {
						always = false
					}
				}
			}
			return always
		})
		if !always {
			return false
		}
	}
	return true
}

// onePath reports whether at most one of the sender's sends runs.
func (sd *sender) onePath() bool {
	for i := range sd.sends {
		for j := i + 1; j < len(sd.sends); j++ {
			if sd.sends[i].cur == sd.sends[j].cur || !exclusive(sd.sends[i].cur, sd.sends[j].cur) {
				return false
			}
		}
	}
	return true
}

// checkSingleSends handles goroutines that each send once (per path):
// stranded-sender and first-error-return.
func (c *checker) checkSingleSends(ch *channel, bare []*site) {
	sds := c.senders(ch, bare)
	fanned, multi := false, false
	for i, sd := range sds {
		if len(sd.fan) > 0 {
			fanned, multi = true, true
		}
		for _, other := range sds[i+1:] {
			if !exclusive(sd.g.stmt, other.g.stmt) {
				multi = true
			}
		}
	}
	total, totalKnown := c.totalSenders(sds, multi)
	// A buffer may hold every value when its size is not a constant, when
	// it holds the known number of senders, or when the number of senders
	// is unknown but not driven by a loop over input. A constant buffer for
	// one goroutine per element of a slice (len unknown) is too small as
	// soon as the input grows past it.
	if !ch.unbuffered() && (!ch.capKnown || (!totalKnown && !fanned) || (totalKnown && total <= ch.capConst)) {
		return
	}

	recvs := ch.recvs
	cat := catStranded
	var why string
	ex, ok := c.selectExit(ch, sds)
	if ok {
		why = fmt.Sprintf("but the receiver may stop waiting %s", ex.what)
	}
	if !ok && multi {
		if ex, ok = c.loopExit(ch, sds); ok {
			cat = catFirstError
			why = fmt.Sprintf("but the receive loop %s before receiving from all of them", ex.what)
		}
	}
	if !ok {
		var early bool
		if ex, early, ok = c.windowReturn(ch, sds, multi); ok {
			if early {
				why = fmt.Sprintf("but the function may return first (line %d)", c.line(ex.cur.Node().Pos()))
			} else {
				cat = catFirstError
				why = fmt.Sprintf("but the function returns at line %d before receiving from all of them", c.line(ex.cur.Node().Pos()))
			}
		}
	}
	if !ok && multi && len(recvs) == 1 && !ch.recvLoop(recvs[0]).Valid() && startedBefore(sds, recvs[0].pos()) &&
		c.allAlwaysSend(ch, sds) {
		ex, ok = exit{cur: recvs[0].cur}, true
		why = fmt.Sprintf("but only one value is received (line %d)", c.line(recvs[0].pos()))
	}
	if !ok {
		return
	}

	subject := "goroutine sends"
	outcome := "the goroutine blocks forever"
	switch {
	case fanned:
		subject, outcome = "goroutines started in a loop send", "the remaining senders block forever"
	case multi:
		subject, outcome = "goroutines send", "the remaining senders block forever"
	}
	send := sds[0].sends[0]
	d := analysis.Diagnostic{
		Pos:      send.pos(),
		End:      send.node().End(),
		Category: cat,
		Message:  fmt.Sprintf("%s on %s%s, %s: %s", subject, c.describe(ch), c.through(send), why, outcome),
		Related: append([]analysis.RelatedInformation{{
			Pos:     ex.cur.Node().Pos(),
			End:     ex.cur.Node().End(),
			Message: fmt.Sprintf("the receiver stops receiving from %s here", ch.name),
		}}, c.calleeRelated(send)...),
	}
	if fix := c.capacityFix(ch, sds, fanned, multi); fix != nil {
		d.SuggestedFixes = []analysis.SuggestedFix{*fix}
	}
	c.pass.Report(d)
}

func (c *checker) describe(ch *channel) string {
	if ch.unbuffered() {
		return "unbuffered channel " + ch.name
	}
	return fmt.Sprintf("channel %s (buffer %d)", ch.name, ch.capConst)
}

// totalSenders returns how many sends can happen at most, when it is a
// constant.
func (c *checker) totalSenders(sds []*sender, multi bool) (int64, bool) {
	for _, sd := range sds {
		if !sd.onePath() {
			return 0, false
		}
	}
	if !multi {
		return 1, true
	}
	var total int64
	for _, sd := range sds {
		n := int64(1)
		for _, l := range sd.fan {
			cnt := c.loopCount(l.Node())
			if !cnt.isConst {
				return 0, false
			}
			n *= cnt.konst
		}
		total += n
	}
	return total, true
}

// selectExit finds a select that receives from the channel and has another
// case, independent of the senders, after which the channel is no longer
// received: it returns, breaks out, or falls through with no later receive.
func (c *checker) selectExit(ch *channel, sds []*sender) (exit, bool) {
	for _, r := range ch.recvs {
		if _, ok := r.node().(*ast.UnaryExpr); !ok {
			continue
		}
		if k := r.cur.ParentEdgeKind(); k != edge.ExprStmt_X && k != edge.AssignStmt_Rhs {
			continue
		}
		comm := r.cur.Parent()
		if comm.ParentEdgeKind() != edge.CommClause_Comm {
			continue
		}
		clause := comm.Parent()
		selCur := clause.Parent().Parent()
		sel, ok := selCur.Node().(*ast.SelectStmt)
		if !ok || !startedBefore(sds, sel.Pos()) {
			continue
		}
		inLoop := len(loopsAround(selCur, ch.owner, ch.make.Pos())) > 0
		for other := range clause.Parent().Children() {
			cc, ok := other.Node().(*ast.CommClause)
			if !ok || other == clause || c.usesChannel(ch, other, cc.Comm) {
				continue
			}
			what, ok := c.independent(ch, cc, sds)
			if !ok || c.recvWithin(ch, other.Node()) || c.failsTest(cc) {
				continue
			}
			what = fmt.Sprintf("%s (line %d)", what, c.line(cc.Pos()))
			if ret, ok := firstReturn(other); ok {
				return exit{cur: ret, what: what}, true
			}
			if br, ok := c.breakOut(ch, other, sel); ok {
				return exit{cur: br, what: what}, true
			}
			if !inLoop && !c.recvAfter(ch, sel.End()) && !hasGoto(cc) && !c.stops(cc) {
				return exit{cur: other, what: what}, true
			}
		}
	}
	return exit{}, false
}

// usesChannel reports whether the select case comm operates on the channel
// itself.
func (c *checker) usesChannel(ch *channel, clause inspector.Cursor, comm ast.Stmt) bool {
	if comm == nil {
		return false
	}
	for _, list := range [][]*site{ch.recvs, ch.sends} {
		for _, s := range list {
			if contains(comm, s.node()) {
				return true
			}
		}
	}
	return false
}

// recvWithin reports whether the channel is received inside n.
func (c *checker) recvWithin(ch *channel, n ast.Node) bool {
	for _, r := range ch.recvs {
		if contains(n, r.node()) {
			return true
		}
	}
	return false
}

// recvAfter reports whether the owner's body receives from the channel
// after pos.
func (c *checker) recvAfter(ch *channel, pos token.Pos) bool {
	for _, r := range ch.recvs {
		if r.pos() >= pos {
			return true
		}
	}
	return false
}

// drainedAfter reports whether the channel is received outside the loop,
// after it starts: the loop's early exits may be followed by a drain.
func (c *checker) drainedAfter(ch *channel, loop ast.Node) bool {
	for _, r := range ch.recvs {
		if r.pos() > loop.Pos() && !contains(loop, r.node()) {
			return true
		}
	}
	return false
}

// finalExit reports whether the exit at e from loop ends the receiving for
// good: a return, or a break out of statements that run once for this
// channel, with no receive after the loop (a drain).
func (c *checker) finalExit(ch *channel, e, loop inspector.Cursor) bool {
	switch n := e.Node().(type) {
	case *ast.ReturnStmt:
		return true
	case *ast.BranchStmt:
		if n.Tok != token.BREAK {
			return false
		}
		target := loop
		if n.Label != nil {
			lbl := c.info.Uses[n.Label]
			if lbl == nil {
				return false
			}
			for l := range e.Enclosing((*ast.LabeledStmt)(nil)) {
				if l.Node().(*ast.LabeledStmt).Label.Pos() == lbl.Pos() {
					target = l
					break
				}
			}
		}
		return len(loopsAround(target, ch.owner, ch.make.Pos())) == 0 && !c.drainedAfter(ch, loop.Node())
	}
	return false
}

// breakOut finds a labeled break in the select case that leaves a statement
// enclosing the select for good, with no receive from the channel after it.
func (c *checker) breakOut(ch *channel, clause inspector.Cursor, sel *ast.SelectStmt) (inspector.Cursor, bool) {
	var found inspector.Cursor
	clause.Inspect(nil, func(a inspector.Cursor) bool {
		if found.Valid() {
			return false
		}
		switch n := a.Node().(type) {
		case *ast.FuncLit:
			return false
		case *ast.BranchStmt:
			if n.Tok != token.BREAK || n.Label == nil {
				return true
			}
			lbl := c.info.Uses[n.Label]
			if lbl == nil {
				return true
			}
			for l := range a.Enclosing((*ast.LabeledStmt)(nil)) {
				ls := l.Node().(*ast.LabeledStmt)
				if ls.Label.Pos() != lbl.Pos() {
					continue
				}
				// Leaving a statement that encloses the select, that runs
				// once for this channel, with no receive after it.
				if ls.Stmt != sel && contains(ls, sel) && !c.recvAfter(ch, ls.End()) &&
					len(loopsAround(l, ch.owner, ch.make.Pos())) == 0 {
					found = a
				}
				break
			}
		}
		return true
	})
	return found, found.Valid()
}

func hasGoto(cc *ast.CommClause) bool {
	found := false
	ast.Inspect(cc, func(n ast.Node) bool {
		if br, ok := n.(*ast.BranchStmt); ok && br.Tok == token.GOTO {
			found = true
		}
		return !found
	})
	return found
}

// independent reports whether the select case can fire while the senders
// still have to send: a timer, a context's Done, a default case, or another
// channel no closure of the function touches. It returns a phrase saying
// when the case fires.
func (c *checker) independent(ch *channel, cc *ast.CommClause, sds []*sender) (string, bool) {
	var x ast.Expr
	switch s := cc.Comm.(type) {
	case nil:
		return "when no value is ready (default case)", true
	case *ast.SendStmt:
		x = s.Chan
	case *ast.ExprStmt:
		if u, ok := ast.Unparen(s.X).(*ast.UnaryExpr); ok && u.Op == token.ARROW {
			x = u.X
		}
	case *ast.AssignStmt:
		if len(s.Rhs) == 1 {
			if u, ok := ast.Unparen(s.Rhs[0]).(*ast.UnaryExpr); ok && u.Op == token.ARROW {
				x = u.X
			}
		}
	}
	if x == nil {
		return "", false
	}
	return c.independentChan(ch, x, sds, 0)
}

func (c *checker) independentChan(ch *channel, x ast.Expr, sds []*sender, depth int) (string, bool) {
	const other = "when another case wins"
	switch x := ast.Unparen(x).(type) {
	case *ast.CallExpr:
		switch {
		case analysisutil.IsFunc(c.info, x, "(context.Context).Done"):
			return "on cancellation", true
		case analysisutil.IsFunc(c.info, x, "time.After", "time.Tick"):
			return "on timeout", true
		}
	case *ast.SelectorExpr:
		if t := c.info.TypeOf(x.X); x.Sel.Name == "C" && t != nil &&
			(analysisutil.IsNamedType(t, "time", "Timer") || analysisutil.IsNamedType(t, "time", "Ticker")) {
			return "on timeout", true
		}
		if obj := c.info.Uses[x.Sel]; obj != nil && !c.touched(ch, obj, sds) {
			return other, true
		}
	case *ast.Ident:
		obj := c.info.Uses[x]
		if obj == nil || obj == ch.obj || ch.aliases[obj] != nil {
			return "", false
		}
		if def := c.defs[obj]; def != nil && !c.assigned[obj] && depth < 2 {
			if what, ok := c.independentChan(ch, def, sds, depth+1); ok && what != other {
				return what, true
			}
		}
		if _, isVar := obj.(*types.Var); isVar && !c.touched(ch, obj, sds) {
			return other, true
		}
	}
	return "", false
}

// touched reports whether another function literal of the owner may make
// the case on obj fire in step with the senders: a callback or a sender that
// uses obj, or a goroutine that uses obj after waiting for something (a
// closer running wg.Wait(); close(done)).
func (c *checker) touched(ch *channel, obj types.Object, sds []*sender) bool {
	for lit := range ch.owner.Preorder((*ast.FuncLit)(nil)) {
		if lit == ch.owner || !c.refersTo(lit, obj) {
			continue
		}
		if !isGoLit(lit) || c.refersTo(lit, ch.obj) || c.waits(lit) {
			return true
		}
		for _, sd := range sds {
			if sd.g.litCur == lit {
				return true
			}
		}
	}
	return false
}

// waits reports whether the code under cur receives, selects, ranges over a
// channel or calls a Wait method.
func (c *checker) waits(cur inspector.Cursor) bool {
	for a := range cur.Preorder((*ast.UnaryExpr)(nil), (*ast.SelectStmt)(nil), (*ast.RangeStmt)(nil), (*ast.CallExpr)(nil)) {
		switch n := a.Node().(type) {
		case *ast.UnaryExpr:
			if n.Op == token.ARROW {
				return true
			}
		case *ast.SelectStmt:
			return true
		case *ast.RangeStmt:
			if t := c.info.TypeOf(n.X); t != nil {
				if _, isChan := t.Underlying().(*types.Chan); isChan {
					return true
				}
			}
		case *ast.CallExpr:
			if c.isWait(n) {
				return true
			}
		}
	}
	return false
}

// loopExit finds an exit from a loop that receives from the channel, such
// as the return on the first error, with no drain after it.
func (c *checker) loopExit(ch *channel, sds []*sender) (exit, bool) {
	seen := make(map[inspector.Cursor]bool)
	_, oks := c.recvVars(ch)
	for _, r := range ch.recvs {
		loop := ch.recvLoop(r)
		if !loop.Valid() || seen[loop] {
			continue
		}
		seen[loop] = true
		if startsSenders(loop, sds) || !startedBefore(sds, loop.Node().Pos()) {
			continue
		}
		for _, e := range c.loopExits(loop) {
			guards := c.guards(e, loop)
			if c.anyMentions(guards, oks) || c.countGuarded(guards, "") {
				continue
			}
			_, isReturn := e.Node().(*ast.ReturnStmt)
			if !c.finalExit(ch, e, loop) {
				continue
			}
			verb := "returns"
			if !isReturn {
				verb = "breaks out"
			}
			return exit{cur: e, what: fmt.Sprintf("%s at line %d", verb, c.line(e.Node().Pos()))}, true
		}
	}
	return exit{}, false
}

// startedBefore reports whether a sender's go statement comes before pos.
func startedBefore(sds []*sender, pos token.Pos) bool {
	for _, sd := range sds {
		if sd.g.stmt.Node().Pos() < pos {
			return true
		}
	}
	return false
}

func startsSenders(loop inspector.Cursor, sds []*sender) bool {
	for _, sd := range sds {
		if contains(loop.Node(), sd.g.stmt.Node()) {
			return true
		}
	}
	return false
}

// recvVars returns the variables that receive values from the channel (v in
// v := <-ch, for v := range ch) and the ok variables of v, ok := <-ch.
func (c *checker) recvVars(ch *channel) (vals, oks map[types.Object]bool) {
	vals, oks = make(map[types.Object]bool), make(map[types.Object]bool)
	obj := func(e ast.Expr) types.Object {
		id, ok := ast.Unparen(e).(*ast.Ident)
		if !ok {
			return nil
		}
		if o := c.info.Defs[id]; o != nil {
			return o
		}
		return c.info.Uses[id]
	}
	add := func(m map[types.Object]bool, e ast.Expr) {
		if o := obj(e); o != nil {
			m[o] = true
		}
	}
	for _, r := range ch.recvs {
		switch n := r.node().(type) {
		case *ast.RangeStmt:
			if n.Key != nil {
				add(vals, n.Key)
			}
		case *ast.UnaryExpr:
			if r.cur.ParentEdgeKind() != edge.AssignStmt_Rhs {
				continue
			}
			as, ok := r.cur.Parent().Node().(*ast.AssignStmt)
			if !ok || len(as.Rhs) != 1 {
				continue
			}
			add(vals, as.Lhs[0])
			if len(as.Lhs) == 2 {
				add(oks, as.Lhs[1])
			}
		}
	}
	return vals, oks
}

// guards returns the conditions under which the statement at e runs, up to
// stop: conditions of enclosing ifs, tags and case lists of switches.
func (c *checker) guards(e, stop inspector.Cursor) []ast.Node {
	var out []ast.Node
	child := e
	for a := e.Parent(); a.Valid() && a.Node() != nil && a != stop; a = a.Parent() {
		switch n := a.Node().(type) {
		case *ast.IfStmt:
			if k := child.ParentEdgeKind(); k == edge.IfStmt_Body || k == edge.IfStmt_Else {
				out = append(out, n.Cond)
			}
		case *ast.CaseClause:
			for _, x := range n.List {
				out = append(out, x)
			}
		case *ast.SwitchStmt:
			if n.Tag != nil {
				out = append(out, n.Tag)
			}
		case *ast.TypeSwitchStmt:
			out = append(out, n.Assign)
		case *ast.FuncLit:
			return out
		}
		child = a
	}
	return out
}

func (c *checker) anyMentions(nodes []ast.Node, objs map[types.Object]bool) bool {
	for _, n := range nodes {
		if c.mentionsAny(n, objs) {
			return true
		}
	}
	return false
}

// countGuarded reports whether a guard compares a count, like
// `received == len(inputs)` or `remaining == 0`: the exit may come after all
// values arrived. With a key, only comparisons involving that count (or a
// counter that started from it) qualify; without, one side must be a count
// (a length, a variable stepped by a constant or set from a length), so
// `v < 0` on a received value is no count.
func (c *checker) countGuarded(guards []ast.Node, key string) bool {
	found := false
	for _, g := range guards {
		ast.Inspect(g, func(n ast.Node) bool {
			b, ok := n.(*ast.BinaryExpr)
			if !ok || found {
				return !found
			}
			switch b.Op {
			case token.EQL, token.NEQ, token.GEQ, token.GTR, token.LEQ, token.LSS:
			default:
				return true
			}
			if !c.isInteger(b.X) || !c.isInteger(b.Y) {
				return true
			}
			if key == "" && (c.isCount(b.X) || c.isCount(b.Y)) || key != "" && (c.countsTo(b.X, key) || c.countsTo(b.Y, key)) {
				found = true
			}
			return !found
		})
	}
	return found
}

// isCount reports whether e counts something: len or cap of a value, a
// variable stepped by a constant (i++, remaining--), or one set from a
// length and never changed.
func (c *checker) isCount(e ast.Expr) bool {
	switch e := ast.Unparen(e).(type) {
	case *ast.CallExpr:
		if id, ok := ast.Unparen(e.Fun).(*ast.Ident); ok {
			if b, ok := c.info.Uses[id].(*types.Builtin); ok {
				return b.Name() == "len" || b.Name() == "cap"
			}
		}
	case *ast.Ident:
		obj := c.info.Uses[e]
		if obj == nil {
			return false
		}
		if c.counters[obj] {
			return true
		}
		if def := c.defs[obj]; def != nil && !c.assigned[obj] {
			return c.isCount(def)
		}
	case *ast.BinaryExpr:
		return c.isCount(e.X) || c.isCount(e.Y)
	}
	return false
}

// countsTo reports whether e is the count with the given key, or a variable
// initialised with it (remaining := len(shards); remaining--).
func (c *checker) countsTo(e ast.Expr, key string) bool {
	if c.key(e, 0) == key {
		return true
	}
	if id, ok := ast.Unparen(e).(*ast.Ident); ok {
		if def := c.defs[c.info.Uses[id]]; def != nil {
			return c.key(def, 1) == key
		}
	}
	return false
}

func (c *checker) isInteger(e ast.Expr) bool {
	t := c.info.TypeOf(e)
	if t == nil {
		return false
	}
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Info()&types.IsInteger != 0
}

// windowReturn finds a return after the goroutines start and before the
// values they send are received (before the first receive for one sender,
// before the last for several), with no other synchronisation in between.
// early reports whether it comes before any receive.
func (c *checker) windowReturn(ch *channel, sds []*sender, multi bool) (e exit, early, ok bool) {
	var anchor inspector.Cursor
	for _, sd := range sds {
		a := sd.g.stmt
		if len(sd.fan) > 0 {
			a = sd.fan[len(sd.fan)-1]
		}
		if !anchor.Valid() || a.Node().Pos() < anchor.Node().Pos() {
			anchor = a
		}
	}
	start := anchor.Node().End()
	recvs := ch.recvs
	inLoop := false
	for _, r := range recvs {
		if r.pos() < start {
			return exit{}, false, false
		}
		if ch.recvLoop(r).Valid() {
			inLoop = true
		}
	}
	end := recvs[0].pos()
	if multi && !inLoop {
		end = recvs[len(recvs)-1].pos()
	}
	scope := anchor.Parent().Node()
	sync := c.syncPoints(ch)
	var found inspector.Cursor
	ch.owner.Inspect(nil, func(a inspector.Cursor) bool {
		if found.Valid() {
			return false
		}
		n := a.Node()
		if _, isLit := n.(*ast.FuncLit); isLit && a != ch.owner {
			return false
		}
		ret, isRet := n.(*ast.ReturnStmt)
		if !isRet || ret.Pos() < start || ret.End() > end || !contains(scope, ret) || c.recvWithin(ch, ret) {
			return true
		}
		for _, p := range sync {
			if p >= start && p < ret.Pos() {
				return false
			}
		}
		found = a
		return false
	})
	if !found.Valid() {
		return exit{}, false, false
	}
	return exit{cur: found}, found.Node().Pos() < recvs[0].pos(), true
}

// syncPoints returns the positions in the owner's body (outside function
// literals) where it waits for something other than the channel: receives
// from other channels, selects, ranges over channels, Wait calls.
func (c *checker) syncPoints(ch *channel) []token.Pos {
	var out []token.Pos
	ch.owner.Inspect(nil, func(a inspector.Cursor) bool {
		switch n := a.Node().(type) {
		case *ast.FuncLit:
			return a == ch.owner
		case *ast.SelectStmt:
			out = append(out, n.Pos())
		case *ast.UnaryExpr:
			if n.Op == token.ARROW && !c.isChannelExpr(ch, n.X) {
				out = append(out, n.Pos())
			}
		case *ast.RangeStmt:
			if t := c.info.TypeOf(n.X); t != nil && !c.isChannelExpr(ch, n.X) {
				if _, isChan := t.Underlying().(*types.Chan); isChan {
					out = append(out, n.Pos())
				}
			}
		case *ast.CallExpr:
			if c.isWait(n) {
				out = append(out, n.Pos())
			}
		}
		return true
	})
	return out
}

func (c *checker) isChannelExpr(ch *channel, e ast.Expr) bool {
	id, ok := ast.Unparen(e).(*ast.Ident)
	return ok && c.info.Uses[id] == ch.obj
}

// capacityFix buffers the channel so that every sender can complete: 1 for
// one goroutine, the number of go statements, or the count of the loop that
// starts them (len(inputs)).
func (c *checker) capacityFix(ch *channel, sds []*sender, fanned, multi bool) *analysis.SuggestedFix {
	for _, sd := range sds {
		if !sd.onePath() {
			return nil
		}
	}
	var text string
	switch {
	case !fanned:
		n := 1
		if multi {
			n = len(sds)
		}
		text = strconv.Itoa(n)
	case len(sds) == 1 && len(sds[0].fan) == 1:
		cnt := c.loopCount(sds[0].fan[0].Node())
		if cnt.text == "" || !c.validAt(cnt.root, ch.make.Pos()) {
			return nil
		}
		text = cnt.text
	default:
		return nil
	}
	var edit analysis.TextEdit
	if ch.capArg == nil {
		end := ch.make.Args[0].End()
		edit = analysis.TextEdit{Pos: end, End: end, NewText: []byte(", " + text)}
	} else {
		edit = analysis.TextEdit{Pos: ch.capArg.Pos(), End: ch.capArg.End(), NewText: []byte(text)}
	}
	return &analysis.SuggestedFix{
		Message:   fmt.Sprintf("Buffer %s with capacity %s", ch.name, text),
		TextEdits: []analysis.TextEdit{edit},
	}
}
