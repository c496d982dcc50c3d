package chanleak

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"

	"github.com/asyncbook/asyncbook/analyzers/summary"
)

const (
	catSilent    = "never-signalled"
	catSometimes = "sometimes-signalled"
)

// checkNeverSignalled reports receives from a channel the function made
// and handed to a goroutine started on a declared function of the package
// (go watcher(updates, done)) that never sends on it, closes it or passes
// it on: the goroutine only receives from it, or ignores it. When the
// spawner does not send or close it either, and the channel goes nowhere
// else, nobody ever will: the receive blocks forever.
func checkNeverSignalled(pass *analysis.Pass, res *summary.Result) {
	if res == nil || res.Pkg == nil {
		return
	}
	reported := map[token.Pos]bool{}
	for _, fn := range res.SrcFuncs {
		for _, b := range fn.Blocks {
			for _, instr := range b.Instrs {
				g, ok := instr.(*ssa.Go)
				if !ok || g.Call.IsInvoke() {
					continue
				}
				callee, ok := g.Call.Value.(*ssa.Function)
				if !ok || callee.Parent() != nil || callee.Pkg != res.Pkg || len(callee.Blocks) == 0 || g.Call.Signature().Variadic() {
					continue
				}
				for i, arg := range g.Call.Args {
					if i >= len(callee.Params) || !isChan(arg.Type()) {
						continue
					}
					_, _, field, mk, ok := summary.Root(arg)
					if !ok || mk == nil || field != "" || mk.Parent() != fn {
						continue
					}
					silent := onlyReceives(callee.Params[i])
					var ret *ssa.Return
					var signal ssa.Instruction
					if !silent {
						if ret, signal = signalSkipped(callee.Params[i]); ret == nil {
							continue
						}
					}
					if u := walk(pass, res, []ssa.Value{mk}, complementOf(summary.Recv), g); u.escapes || u.size() > 0 {
						continue
					}
					if !silent {
						reportSometimes(pass, g, callee, mk, ret, signal, reported)
						continue
					}
					for _, r := range directRecvs(mk) {
						if reported[r.Pos()] {
							continue
						}
						reported[r.Pos()] = true
						name := goName(pass, g.Pos(), callee.Name())
						verb, never := "receive from", "blocks forever"
						if r.CommaOk {
							verb, never = "range over", "never ends"
						}
						pass.Report(analysis.Diagnostic{
							Pos:      r.Pos(),
							Category: catSilent,
							Message: fmt.Sprintf("%s %s %s: the goroutine %s started at line %d is the only other holder of it and never sends on or closes it",
								verb, chanName(pass, r.Pos()), never, name, pass.Fset.Position(g.Pos()).Line),
							Related: []analysis.RelatedInformation{{Pos: g.Pos(), Message: "goroutine started here"}},
						})
					}
				}
			}
		}
	}
}

// onlyReceives reports whether a function only receives from (or ignores)
// its channel parameter p: it never sends on it, closes it, stores it,
// captures it in a closure or passes it to a call.
func onlyReceives(p *ssa.Parameter) bool {
	for _, r := range *p.Referrers() {
		switch r := r.(type) {
		case *ssa.DebugRef:
		case *ssa.UnOp:
			if r.Op != token.ARROW {
				return false
			}
		case *ssa.Select:
			for _, st := range r.States {
				if st.Chan == ssa.Value(p) && st.Dir != types.RecvOnly {
					return false
				}
			}
		default:
			return false
		}
	}
	return true
}

// directRecvs returns the blocking receives from the channel made at mk
// in its function (not select cases): direct uses of the value, or loads
// of the one variable it is stored in.
func directRecvs(mk *ssa.MakeChan) []*ssa.UnOp {
	var out []*ssa.UnOp
	seen := map[ssa.Value]bool{}
	work := []ssa.Value{mk}
	for len(work) > 0 {
		v := work[len(work)-1]
		work = work[:len(work)-1]
		if seen[v] {
			continue
		}
		seen[v] = true
		for _, r := range *v.Referrers() {
			switch r := r.(type) {
			case *ssa.ChangeType:
				work = append(work, r)
			case *ssa.Phi:
				work = append(work, r)
			case *ssa.Store:
				if alloc, ok := r.Addr.(*ssa.Alloc); ok && r.Val == v {
					for _, ar := range *alloc.Referrers() {
						if ld, ok := ar.(*ssa.UnOp); ok && ld.Op == token.MUL {
							work = append(work, ld)
						}
					}
				}
			case *ssa.UnOp:
				if r.Op == token.ARROW && r.Parent() == mk.Parent() {
					out = append(out, r)
				}
			}
		}
	}
	return out
}

// chanName is the source text of the channel used at pos (the arrow of a
// receive or a send, or a range statement), or "the channel".
func chanName(pass *analysis.Pass, pos token.Pos) string {
	switch n := nodeAt(pass, pos, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.UnaryExpr:
			return n.Op == token.ARROW && n.OpPos == pos
		case *ast.RangeStmt:
			return n.For == pos || n.Range == pos
		case *ast.SendStmt:
			return n.Arrow == pos
		}
		return false
	}).(type) {
	case *ast.UnaryExpr:
		return types.ExprString(n.X)
	case *ast.RangeStmt:
		return types.ExprString(n.X)
	case *ast.SendStmt:
		return types.ExprString(n.Chan)
	}
	return "the channel"
}

// goName is the source text of the function a go statement at pos calls
// (cc.lbWatcher), or def.
func goName(pass *analysis.Pass, pos token.Pos, def string) string {
	if g, ok := nodeAt(pass, pos, func(n ast.Node) bool {
		g, ok := n.(*ast.GoStmt)
		return ok && g.Go == pos
	}).(*ast.GoStmt); ok {
		return types.ExprString(g.Call.Fun)
	}
	return def
}

// nodeAt returns the innermost node of the package's files enclosing pos
// for which match holds, or nil.
func nodeAt(pass *analysis.Pass, pos token.Pos, match func(ast.Node) bool) ast.Node {
	var found ast.Node
	for _, f := range pass.Files {
		if pos < f.Pos() || pos > f.End() {
			continue
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if n == nil || found != nil || pos < n.Pos() || pos >= n.End() {
				return false
			}
			if match(n) {
				found = n
				return false
			}
			return true
		})
	}
	return found
}

// signalSkipped returns, for a channel parameter p that its function sends
// on or closes (directly, not in a select or a defer) and otherwise only
// receives from, a return reached on a path that passes none of those
// signals, and one of the signals; nil when every path signals, when a
// signal repeats in a loop (as many values as the input holds), or when p
// goes elsewhere.
func signalSkipped(p *ssa.Parameter) (*ssa.Return, ssa.Instruction) {
	signals := map[ssa.Instruction]bool{}
	var first ssa.Instruction
	for _, r := range *p.Referrers() {
		switch r := r.(type) {
		case *ssa.DebugRef:
		case *ssa.UnOp:
			if r.Op != token.ARROW {
				return nil, nil
			}
		case *ssa.Send:
			if r.Chan != ssa.Value(p) {
				return nil, nil
			}
			signals[r] = true
		case *ssa.Call:
			b, ok := r.Call.Value.(*ssa.Builtin)
			if !ok || b.Name() != "close" {
				return nil, nil
			}
			signals[r] = true
		default:
			return nil, nil // a select, a defer, a call, a store: not followed
		}
		if signals[r] && (first == nil || r.Pos() < first.Pos()) {
			first = r
		}
	}
	if len(signals) == 0 {
		return nil, nil
	}
	for in := range signals {
		if summary.OnCycle(in.Block()) {
			return nil, nil // it sends as many values as its input holds: no path owes one
		}
	}
	fn := p.Parent()
	if len(fn.Blocks) == 0 || fn.Recover != nil || signals[fn.Blocks[0].Instrs[0]] {
		return nil, nil
	}
	return summary.ReturnAvoiding(fn.Blocks[0].Instrs[0], signals, nil, nil), first
}

// reportSometimes reports the spawner's receives from the channel made at
// mk that the goroutine g started signals on some paths only.
func reportSometimes(pass *analysis.Pass, g *ssa.Go, callee *ssa.Function, mk *ssa.MakeChan, ret *ssa.Return, signal ssa.Instruction, reported map[token.Pos]bool) {
	what := "sending on or closing it"
	if _, ok := signal.(*ssa.Call); ok {
		what = "closing it"
	} else if _, ok := signal.(*ssa.Send); ok {
		what = "sending on it"
	}
	for _, r := range directRecvs(mk) {
		if r.CommaOk || reported[r.Pos()] {
			continue
		}
		reported[r.Pos()] = true
		retPos := ret.Pos()
		if !retPos.IsValid() {
			retPos = callee.Syntax().End()
		}
		pass.Report(analysis.Diagnostic{
			Pos:      r.Pos(),
			Category: catSometimes,
			Message: fmt.Sprintf("receive from %s blocks forever when the goroutine %s started at line %d returns at line %d without %s, as it does on its other paths (line %d)",
				chanName(pass, r.Pos()), goName(pass, g.Pos(), callee.Name()), pass.Fset.Position(g.Pos()).Line,
				pass.Fset.Position(retPos).Line, what, pass.Fset.Position(signal.Pos()).Line),
			Related: []analysis.RelatedInformation{
				{Pos: g.Pos(), Message: "goroutine started here"},
				{Pos: retPos, Message: "returns here without " + what},
				{Pos: signal.Pos(), Message: "signals here on other paths"},
			},
		})
	}
}
