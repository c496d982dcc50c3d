package wgmisuse

import (
	"fmt"
	"go/ast"

	"golang.org/x/tools/go/analysis"

	"github.com/asyncbook/asyncbook/analyzers/internal/cfgpath"
)

const catTwice = "done-twice"

// doneTwice reports an explicit wg.Done in a goroutine whose Done is
// already deferred by a statement of its body that comes first (defer
// wg.Done(); ...; if err != nil { wg.Done(); return }): the goroutine
// counts itself down twice. The counter goes negative (a panic) or, with
// other goroutines still running, Wait returns before they finish.
// A goroutine that adds to the group itself is not judged.
func (c *checker) doneTwice(b *body) {
	order, uses := c.doneUses(b)
	for _, r := range order {
		u := uses[r]
		if !u.deferred || u.opaque || len(u.plain) == 0 {
			continue
		}
		var def *ast.DeferStmt
		for _, st := range b.block.List {
			if d, ok := st.(*ast.DeferStmt); ok {
				if got, _, ok := c.doneCall(d.Call); ok && got == r {
					def = d
					break
				}
			}
		}
		if def == nil || c.addsItself(b, r) {
			continue
		}
		wg := exprText(u.recv)
		for _, call := range u.calls {
			if call.Pos() < def.End() || c.seen[call.Pos()] {
				continue
			}
			c.seen[call.Pos()] = true
			c.pass.Report(analysis.Diagnostic{
				Pos:      call.Pos(),
				End:      call.End(),
				Category: catTwice,
				Message: fmt.Sprintf("%s.Done is deferred (line %d) and called here too: the goroutine counts itself down twice, so the counter goes negative (panic: sync: negative WaitGroup counter) or %s.Wait returns while another goroutine still runs; drop this call",
					wg, c.line(def.Pos()), wg),
				Related: []analysis.RelatedInformation{{Pos: def.Pos(), End: def.End(), Message: wg + ".Done deferred here"}},
			})
			break // one per goroutine
		}
	}
}

// addsItself reports whether the goroutine's body calls r.Add: its own
// Done calls may balance those.
func (c *checker) addsItself(b *body, r cfgpath.Ref) bool {
	found := false
	ast.Inspect(b.block, func(n ast.Node) bool {
		if call, ok := n.(*ast.CallExpr); ok {
			if got, _, ok := c.wgCall(call, addMethod); ok && got == r {
				found = true
			}
		}
		return !found
	})
	return found
}
