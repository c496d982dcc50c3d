package chanleak

import (
	"fmt"
	"go/constant"
	"go/token"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"

	"github.com/asyncbook/asyncbook/analyzers/summary"
)

const catFeeder = "feeder-stranded"

// checkFeeder handles the other side of a worker pool: the spawner sends
// jobs on a channel it made, with no way out, and the only receivers are
// the goroutines it started, each ranging over the channel, and each able
// to leave its range before the channel is closed (a return or break on
// an error). Once every worker has left, nobody receives and the feeding
// send blocks forever: the pool whose workers all fail on a bad shard
// hangs instead of returning the error. arg is the channel as the
// goroutine gets it; recvFn is the goroutine's function and op its range.
func checkFeeder(pass *analysis.Pass, res *summary.Result, fn *ssa.Function, g *ssa.Go, recvFn *ssa.Function, arg ssa.Value, op summary.Op, reported map[token.Pos]bool) {
	_, _, field, mk, ok := summary.Root(arg)
	if !ok || mk == nil || field != "" || mk.Parent() != fn {
		return
	}
	if c, ok := mk.Size.(*ssa.Const); !ok || c.Value == nil || constant.Sign(c.Value) != 0 {
		return // a buffer may hold what is left
	}
	stop := stopsEarly(recvFn, op)
	if stop == nil {
		return
	}
	// The spawner's own operations: it must not receive itself, and its
	// sends are the feeding ones.
	if r := walk(pass, res, []ssa.Value{mk}, complementOf(summary.Send), g); r.escapes || r.size() > 0 {
		return
	}
	u := walk(pass, res, []ssa.Value{mk}, complementOf(summary.Recv), g)
	if u.escapes {
		return
	}
	for in := range u.instrs {
		send, ok := in.(*ssa.Send)
		if !ok || reported[send.Pos()] || !summary.Reaches(g, map[ssa.Instruction]bool{send: true}, nil, nil) {
			continue
		}
		reported[send.Pos()] = true
		line := pass.Fset.Position(g.Pos()).Line
		who, verb, it := fmt.Sprintf("the goroutine started at line %d", line), "has", "it"
		if summary.OnCycle(g.Block()) {
			who, verb, it = fmt.Sprintf("the goroutines started at line %d", line), "have all", "each"
		}
		if recvFn.Parent() == nil {
			who += " (" + recvFn.Name() + ")"
		}
		stopPos := stop.Pos()
		if !stopPos.IsValid() {
			stopPos = recvFn.Syntax().End()
		}
		pass.Report(analysis.Diagnostic{
			Pos:      send.Pos(),
			Category: catFeeder,
			Message: fmt.Sprintf("send on %[1]s blocks forever once %[2]s %[3]s stopped receiving: %[4]s can return at %[5]s before %[1]s is closed, and nothing else receives; let the workers drain the channel, or select on a done channel or ctx.Done() here",
				chanName(pass, send.Pos()), who, verb, it, where(pass, stopPos, send.Pos())),
			Related: []analysis.RelatedInformation{
				{Pos: g.Pos(), Message: "receiver started here"},
				{Pos: stopPos, Message: "the receiver stops here while values may still come"},
			},
		})
	}
}

// stopsEarly returns a return of fn reached by leaving its range over the
// channel of op (fn's parameter or captured variable) before the channel
// is closed, or nil.
func stopsEarly(fn *ssa.Function, op summary.Op) *ssa.Return {
	for _, b := range fn.Blocks {
		for _, in := range b.Instrs {
			recv, ok := in.(*ssa.UnOp)
			if !ok || recv.Op != token.ARROW || !recv.CommaOk {
				continue
			}
			param, free, field, _, ok := summary.Root(recv.X)
			if !ok || field != op.Field || param != op.Param || free != op.Free {
				continue
			}
			closed, ok := closedEdge(recv)
			if !ok {
				continue
			}
			header, body := naturalLoop(recv.Block())
			if header == nil {
				continue
			}
			for _, x := range fn.Blocks {
				if !body[x] {
					continue
				}
				for _, s := range x.Succs {
					if body[s] || len(s.Instrs) == 0 || [2]*ssa.BasicBlock{x, s} == closed {
						continue
					}
					if ret := summary.ReturnAvoiding(s.Instrs[0], nil, nil, nil); ret != nil {
						return ret
					}
				}
			}
		}
	}
	return nil
}
