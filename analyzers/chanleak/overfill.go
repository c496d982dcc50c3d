package chanleak

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"

	"github.com/asyncbook/asyncbook/analyzers/summary"
)

const catOverfilled = "buffer-overfilled"

// checkOverfilled reports a send that fills a channel beyond its buffer
// before anything that could receive from it exists: the channel was just
// made (held in a local variable, or in a field of a struct made with it),
// and on every path from the make to the send, before any receive, any
// goroutine or call that may receive, and any escape of the channel, the
// buffer was already filled by earlier sends. Nobody else holds the
// channel, so the send blocks forever. Sends done by functions of the
// package the channel (or its holder) is passed to count too, up to the
// first thing in them that could receive.
func checkOverfilled(pass *analysis.Pass, res *summary.Result) {
	if res == nil || res.Pkg == nil {
		return
	}
	o := &overfill{pass: pass, pkg: res.Pkg, memo: map[flowKey]*flowOut{}, busy: map[flowKey]bool{}}
	for _, fn := range res.SrcFuncs {
		for _, b := range fn.Blocks {
			for _, instr := range b.Instrs {
				if mk, ok := instr.(*ssa.MakeChan); ok {
					o.check(fn, mk)
				}
			}
		}
	}
}

type overfill struct {
	pass *analysis.Pass
	pkg  *ssa.Package
	memo map[flowKey]*flowOut
	busy map[flowKey]bool
}

// flowKey is one analysis of a callee: its parameter param is the channel
// (field nil) or holds it in field, and k values of a buffer of size are
// already buffered.
type flowKey struct {
	fn    *ssa.Function
	param int
	field *types.Var
	k     int
	size  int
}

// track is what stands for the channel in one function.
type track struct {
	fn      *ssa.Function
	field   *types.Var // the holder's field, nil when only the channel is tracked
	chans   map[ssa.Value]bool
	holders map[ssa.Value]bool
	vars    map[*ssa.Alloc]bool // variables holding a channel or holder
	mk      *ssa.MakeChan       // the make, in the function that makes it
	start   ssa.Instruction     // where the flow begins (nil: the entry)
}

// effect is what one instruction does to the channel.
type effect int

const (
	noEffect effect = iota
	sendEffect
	hazardEffect // may receive, or lets something that may
	callEffect   // a call of a function of the package given the channel
)

// flowOut is the result of a flow through a function.
type flowOut struct {
	t       *track
	blocked ssa.Instruction // the send (or call) that blocks forever, or nil
	// chain is the callees' instructions a blocking call leads to, the
	// send last; tracks are their functions' tracks.
	chain  []ssa.Instruction
	tracks []*track
	fill   token.Pos // the send that filled the buffer
	exit   int       // values buffered at the returns (fewest), -1 if none returns
	hazard bool      // a path meets something that may receive
	hazAt  ssa.Instruction
}

type flowState struct {
	count  int
	hazard bool
	hazAt  ssa.Instruction
	fill   token.Pos
}

func (o *overfill) check(fn *ssa.Function, mk *ssa.MakeChan) {
	c, ok := mk.Size.(*ssa.Const)
	if !ok || c.Value == nil || c.Value.Kind() != constant.Int {
		return
	}
	size, ok := constant.Int64Val(c.Value)
	if !ok || size < 0 || size > 64 {
		return
	}
	t := &track{fn: fn, mk: mk, start: mk, chans: map[ssa.Value]bool{mk: true}, holders: map[ssa.Value]bool{}, vars: map[*ssa.Alloc]bool{}}
	// The channel made into a field of a struct just made:
	// c := &Compactor{ch: make(chan struct{}, 1)}.
	for _, r := range *mk.Referrers() {
		st, ok := r.(*ssa.Store)
		if !ok || st.Val != ssa.Value(mk) {
			continue
		}
		fa, ok := st.Addr.(*ssa.FieldAddr)
		if !ok {
			continue
		}
		alloc, ok := fa.X.(*ssa.Alloc)
		if !ok || t.field != nil || alloc.Block() != mk.Block() || index(alloc) > index(mk) {
			return // a struct made elsewhere may be known elsewhere
		}
		t.field = fieldVar(fa)
		t.holders[alloc] = true
		t.start = alloc
	}
	t.grow()
	out := o.flow(t, 0, int(size))
	if out.blocked == nil {
		return
	}
	o.report(t, out, int(size))
}

func index(instr ssa.Instruction) int {
	for i, in := range instr.Block().Instrs {
		if in == instr {
			return i
		}
	}
	return -1
}

// grow adds the values that stand for the tracked ones: conversions,
// loads of variables holding them, loads of the holder's field.
func (t *track) grow() {
	for changed := true; changed; {
		changed = false
		add := func(m map[ssa.Value]bool, v ssa.Value) {
			if !m[v] {
				m[v] = true
				changed = true
			}
		}
		for _, set := range []map[ssa.Value]bool{t.chans, t.holders} {
			for v := range set {
				for _, r := range *v.Referrers() {
					switch r := r.(type) {
					case *ssa.ChangeType:
						add(set, r)
					case *ssa.Store:
						if alloc, ok := r.Addr.(*ssa.Alloc); ok && r.Val == v && summary.SingleStore(alloc) != nil && !t.vars[alloc] {
							t.vars[alloc] = true
							changed = true
						}
					case *ssa.FieldAddr:
						if t.holders[v] && fieldVar(r) == t.field {
							for _, fr := range *r.Referrers() {
								if ld, ok := fr.(*ssa.UnOp); ok && ld.Op == token.MUL {
									add(t.chans, ld)
								}
							}
						}
					}
				}
			}
			for alloc := range t.vars {
				st := summary.SingleStore(alloc)
				if st == nil || !set[st.Val] {
					continue
				}
				for _, r := range *alloc.Referrers() {
					if ld, ok := r.(*ssa.UnOp); ok && ld.Op == token.MUL {
						add(set, ld)
					}
				}
			}
		}
	}
}

func (t *track) tracked(v ssa.Value) bool {
	if t.chans[v] || t.holders[v] {
		return true
	}
	a, ok := v.(*ssa.Alloc)
	return ok && t.vars[a]
}

// effectOf classifies instr. For a call of a function of the package, it
// returns the callee's parameter that gets the channel or the holder.
func (t *track) effectOf(instr ssa.Instruction) (e effect, callee *ssa.Function, param int, holder bool) {
	var ops []*ssa.Value
	uses := false
	for _, op := range instr.Operands(ops) {
		if *op != nil && t.tracked(*op) {
			uses = true
			break
		}
	}
	if !uses {
		return noEffect, nil, 0, false
	}
	switch in := instr.(type) {
	case *ssa.Send:
		if t.chans[in.Chan] && !t.tracked(in.X) {
			return sendEffect, nil, 0, false
		}
	case *ssa.Select:
		for _, st := range in.States {
			if t.tracked(st.Chan) && st.Dir == types.RecvOnly || st.Send != nil && t.tracked(st.Send) {
				return hazardEffect, nil, 0, false
			}
		}
		if in.Blocking && len(in.States) == 1 {
			return sendEffect, nil, 0, false
		}
		return noEffect, nil, 0, false // a send with another way: maybe it sends
	case *ssa.Store:
		alloc, isVar := in.Addr.(*ssa.Alloc)
		if isVar && t.vars[alloc] && t.tracked(in.Val) {
			return noEffect, nil, 0, false
		}
		if fa, ok := in.Addr.(*ssa.FieldAddr); ok && t.holders[fa.X] && in.Val == ssa.Value(t.mk) {
			return noEffect, nil, 0, false // the make stored into its holder
		}
	case *ssa.FieldAddr:
		return noEffect, nil, 0, false // loads of its field are the channel; other fields lead nowhere
	case *ssa.UnOp:
		if in.Op == token.MUL {
			if a, ok := in.X.(*ssa.Alloc); ok && t.vars[a] {
				return noEffect, nil, 0, false
			}
		}
	case *ssa.ChangeType, *ssa.BinOp, *ssa.DebugRef, *ssa.Return:
		return noEffect, nil, 0, false
	case *ssa.Call:
		f, ok := in.Call.Value.(*ssa.Function)
		if !ok || in.Call.IsInvoke() || f.Pkg != t.fn.Pkg || len(f.Blocks) == 0 || len(in.Call.Args) != len(f.Params) || f.Signature.Variadic() {
			return hazardEffect, nil, 0, false
		}
		param = -1
		for i, a := range in.Call.Args {
			if t.tracked(a) {
				if param >= 0 {
					return hazardEffect, nil, 0, false // given twice: aliases are not followed
				}
				param = i
			}
		}
		if param < 0 {
			return hazardEffect, nil, 0, false
		}
		a := in.Call.Args[param]
		if t.chans[a] {
			return callEffect, f, param, false
		}
		if t.holders[a] {
			return callEffect, f, param, true
		}
	}
	return hazardEffect, nil, 0, false
}

// flow follows the channel through t.fn from t.start (or the entry) with
// k values already buffered, against a buffer of size.
func (o *overfill) flow(t *track, k, size int) *flowOut {
	states := map[*ssa.BasicBlock]*flowState{}
	out := &flowOut{t: t, exit: -1}
	startBlock := t.fn.Blocks[0]
	startAt := 0
	if t.start != nil {
		startBlock = t.start.Block()
		startAt = index(t.start) + 1
	}
	// run applies a block's instructions from index at to state in; it
	// returns the state at its end, or nil when every path through it
	// ends in the block (a send that blocks, the make again).
	run := func(b *ssa.BasicBlock, at int, in flowState, final bool) *flowState {
		st := in
		for _, instr := range b.Instrs[at:] {
			if st.hazard {
				return &st
			}
			if instr == t.start && t.start != nil {
				return nil // made anew: another channel
			}
			e, callee, param, holder := t.effectOf(instr)
			switch e {
			case sendEffect:
				if st.count >= size {
					if final && out.blocked == nil {
						out.blocked, out.fill = instr, st.fill
					}
					return nil
				}
				st.count++
				st.fill = instr.Pos()
			case hazardEffect:
				st.hazard, st.hazAt = true, instr
			case callEffect:
				sub := o.callee(callee, param, holder, t.field, st.count, size)
				switch {
				case sub.blocked != nil && (sub.hazard || sub.exit >= 0):
					// It blocks on some paths only: the others may start
					// a receiver.
					st.hazard, st.hazAt = true, instr
				case sub.blocked != nil:
					if final && out.blocked == nil {
						out.blocked, out.chain = instr, append([]ssa.Instruction{sub.blocked}, sub.chain...)
						out.tracks = append([]*track{sub.t}, sub.tracks...)
						out.fill = sub.fill
						if !out.fill.IsValid() {
							out.fill = st.fill
						}
					}
					return nil
				case sub.hazard:
					st.hazard, st.hazAt = true, instr
				case sub.exit < 0:
					return nil // never returns
				default:
					if sub.exit > st.count {
						st.fill = instr.Pos()
					}
					st.count = sub.exit
				}
			}
		}
		if st.hazard {
			return &st
		}
		if _, ok := b.Instrs[len(b.Instrs)-1].(*ssa.Return); ok && final {
			if out.exit < 0 || st.count < out.exit {
				out.exit = st.count
			}
		}
		return &st
	}
	merge := func(b *ssa.BasicBlock, s flowState) bool {
		cur, ok := states[b]
		if !ok {
			c := s
			states[b] = &c
			return true
		}
		changed := false
		if s.hazard && !cur.hazard {
			cur.hazard, cur.hazAt = true, s.hazAt
			changed = true
		}
		if s.count < cur.count {
			cur.count, cur.fill = s.count, s.fill
			changed = true
		}
		return changed
	}
	init := flowState{count: k}
	first := run(startBlock, startAt, init, false)
	work := []*ssa.BasicBlock{}
	if first != nil {
		for _, s := range startBlock.Succs {
			if merge(s, *first) {
				work = append(work, s)
			}
		}
	}
	for steps := 0; len(work) > 0 && steps < 10000; steps++ {
		b := work[0]
		work = work[1:]
		end := run(b, 0, *states[b], false)
		if end == nil {
			continue
		}
		for _, s := range b.Succs {
			if merge(s, *end) {
				work = append(work, s)
			}
		}
	}
	// The final pass: decisions on the settled states.
	if end := run(startBlock, startAt, init, true); end != nil && end.hazard {
		out.hazard, out.hazAt = true, end.hazAt
	}
	for _, b := range t.fn.Blocks {
		st, ok := states[b]
		if !ok {
			continue
		}
		if st.hazard {
			out.hazard, out.hazAt = true, st.hazAt
			continue
		}
		if end := run(b, 0, *st, true); end != nil && end.hazard {
			out.hazard, out.hazAt = true, end.hazAt
		}
	}
	return out
}

// callee flows through fn, whose parameter param is the channel (or its
// holder), with k values buffered.
func (o *overfill) callee(fn *ssa.Function, param int, holder bool, field *types.Var, k, size int) *flowOut {
	key := flowKey{fn: fn, param: param, k: k, size: size}
	if holder {
		key.field = field
	}
	if out, ok := o.memo[key]; ok {
		return out
	}
	if o.busy[key] || len(o.busy) > 6 {
		return &flowOut{hazard: true} // recursion, or too deep to follow
	}
	o.busy[key] = true
	defer delete(o.busy, key)
	t := &track{fn: fn, field: key.field, chans: map[ssa.Value]bool{}, holders: map[ssa.Value]bool{}, vars: map[*ssa.Alloc]bool{}}
	p := fn.Params[param]
	if holder {
		t.holders[p] = true
	} else {
		t.chans[p] = true
	}
	t.grow()
	out := o.flow(t, k, size)
	o.memo[key] = out
	return out
}

func (o *overfill) report(t *track, out *flowOut, size int) {
	pass := o.pass
	line := func(p token.Pos) int { return pass.Fset.Position(p).Line }
	// The send that blocks, innermost, and what would receive next.
	send := out.blocked
	if len(out.chain) > 0 {
		send = out.chain[len(out.chain)-1]
	}
	next := o.nextHazard(append([]ssa.Instruction{out.blocked}, out.chain...), append([]*track{t}, out.tracks...))
	name := o.chanText(t, out.blocked)
	var msg string
	full := fmt.Sprintf("its buffer (%d) is full from line %d", size, line(out.fill))
	if size == 0 {
		full = "it is unbuffered"
	}
	until := "and nothing else can receive from it"
	if next != "" {
		until = "and nothing receives before " + next
	}
	if len(out.chain) == 0 {
		msg = fmt.Sprintf("send on %s blocks forever: %s %s", name, full, until)
	} else {
		if size > 0 {
			full = fmt.Sprintf("the buffer (%d) of %s is full from line %d", size, name, line(out.fill))
		} else {
			full = name + " is unbuffered"
		}
		msg = fmt.Sprintf("%s blocks forever on its send on %s (line %d): %s %s",
			goNameCall(pass, out.blocked.Pos(), "the call"), o.sendText(send), line(send.Pos()), full, until)
	}
	related := []analysis.RelatedInformation{{Pos: t.mk.Pos(), Message: "made here"}}
	if out.fill.IsValid() {
		related = append(related, analysis.RelatedInformation{Pos: out.fill, Message: "the buffer is full after this send"})
	}
	if len(out.chain) > 0 {
		related = append(related, analysis.RelatedInformation{Pos: send.Pos(), Message: "blocks here"})
	}
	pass.Report(analysis.Diagnostic{Pos: out.blocked.Pos(), Category: catOverfilled, Message: msg, Related: related})
}

// chanText names the channel as the function that makes it holds it, at
// the send or call that blocks: ch, compactor.ch.
func (o *overfill) chanText(t *track, at ssa.Instruction) string {
	if s, ok := at.(*ssa.Send); ok {
		return o.sendText(s)
	}
	call, ok := at.(*ssa.Call)
	if !ok {
		return "the channel"
	}
	ce, ok := nodeAt(o.pass, call.Pos(), func(n ast.Node) bool {
		c, ok := n.(*ast.CallExpr)
		return ok && c.Lparen == call.Pos()
	}).(*ast.CallExpr)
	if !ok {
		return "the channel"
	}
	args := ce.Args
	if sel, ok := ast.Unparen(ce.Fun).(*ast.SelectorExpr); ok {
		if s := o.pass.TypesInfo.Selections[sel]; s != nil && s.Kind() == types.MethodVal {
			args = append([]ast.Expr{sel.X}, args...)
		}
	}
	for i, a := range call.Call.Args {
		if !t.tracked(a) || i >= len(args) {
			continue
		}
		text := types.ExprString(args[i])
		if t.holders[a] && t.field != nil {
			text += "." + t.field.Name()
		}
		return text
	}
	return "the channel"
}

// sendText is the channel of a send statement as written.
func (o *overfill) sendText(instr ssa.Instruction) string {
	pos := instr.Pos()
	if s, ok := nodeAt(o.pass, pos, func(n ast.Node) bool {
		s, ok := n.(*ast.SendStmt)
		return ok && s.Arrow == pos
	}).(*ast.SendStmt); ok {
		return types.ExprString(s.Chan)
	}
	return "the channel"
}

// nextHazard describes the first thing after the blocking send that
// could have received (a goroutine started, a call given the channel, a
// receive): in the innermost function first, then in its callers after
// their calls. It returns "" when nothing could.
func (o *overfill) nextHazard(chain []ssa.Instruction, tracks []*track) string {
	for i := len(chain) - 1; i >= 0; i-- {
		t := tracks[i]
		type item struct {
			b  *ssa.BasicBlock
			at int
		}
		seen := map[*ssa.BasicBlock]bool{}
		work := []item{{chain[i].Block(), index(chain[i]) + 1}}
		for len(work) > 0 {
			it := work[0]
			work = work[1:]
			if it.at == 0 {
				if seen[it.b] {
					continue
				}
				seen[it.b] = true
			}
			for _, instr := range it.b.Instrs[it.at:] {
				if e, _, _, _ := t.effectOf(instr); e == hazardEffect || e == callEffect {
					return o.describe(instr)
				}
			}
			for _, s := range it.b.Succs {
				work = append(work, item{s, 0})
			}
		}
	}
	return ""
}

// describe names what could receive: "the goroutine started at line 12",
// "the call to stopper.RunWorker at line 40", "the receive at line 9".
func (o *overfill) describe(instr ssa.Instruction) string {
	line := o.pass.Fset.Position(instr.Pos()).Line
	switch in := instr.(type) {
	case *ssa.Go:
		return fmt.Sprintf("the goroutine started at line %d", line)
	case *ssa.Call:
		return fmt.Sprintf("the call to %s at line %d", goNameCall(o.pass, in.Pos(), "a function"), line)
	case *ssa.UnOp, *ssa.Select:
		return fmt.Sprintf("the receive at line %d", line)
	case *ssa.Store:
		if a, ok := in.Addr.(*ssa.Alloc); ok {
			for _, r := range *a.Referrers() {
				if mc, ok := r.(*ssa.MakeClosure); ok {
					return o.describe(mc)
				}
			}
		}
	case *ssa.MakeClosure:
		for _, r := range *in.Referrers() {
			switch r.(type) {
			case *ssa.Go, *ssa.Call, *ssa.Defer:
				return o.describe(r)
			}
		}
		return fmt.Sprintf("the function literal at line %d", line)
	}
	if instr.Pos().IsValid() {
		return fmt.Sprintf("line %d hands it on", line)
	}
	return ""
}
