package wgmisuse

import (
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/cfg"

	"github.com/asyncbook/asyncbook/analyzers/internal/cfgpath"
)

// handshake reports whether the function that starts goroutine b hears
// from it, after the goroutine's last Add on r, on every path to its own
// r.Wait: the goroutine sends on or closes a channel local to the starter
// and never adds to r after that, and every path of the starter from the
// start to a Wait receives from that channel first (a receive, a select
// case on it, or the end of a range over it). Each Add then happens before
// the Wait, wherever it sits in the goroutine.
func (c *checker) handshake(b *body, r cfgpath.Ref) bool {
	_, gx := c.graph(b.fn)
	fnCur, ok := cfgpath.EnclosingFunc(b.startCur)
	if !ok || gx == nil {
		return false
	}
	_, sx := c.graph(fnCur.Node())
	if sx == nil {
		return false
	}
	start, ok := sx.Site(b.start)
	if !ok {
		return false
	}
	info := c.pass.TypesInfo
	adds := c.sitesOf(gx, func(call *ast.CallExpr) bool {
		got, _, ok := c.wgCall(call, addMethod)
		return ok && got == r
	})
	waits := c.sitesOf(sx, func(call *ast.CallExpr) bool {
		got, _, ok := c.wgCall(call, waitMethod)
		return ok && got == r
	})
	if len(waits) == 0 {
		return false
	}
	for _, ch := range c.signalledChans(b) {
		if !c.declaredIn(ch.ref.Root, ftype(fnCur.Node())) {
			continue // others may send on it
		}
		if !ch.deferred && addsAfter(ch.sites, adds) {
			continue
		}
		if c.receivesFirst(sx, start, waits, ch.ref, info) {
			return true
		}
	}
	return false
}

// sitesOf returns the sites of the calls in a graph that match.
func (c *checker) sitesOf(x *cfgpath.Index, match func(*ast.CallExpr) bool) []cfgpath.Site {
	var out []cfgpath.Site
	for _, blk := range x.G.Blocks {
		for i, n := range blk.Nodes {
			ast.Inspect(n, func(m ast.Node) bool {
				switch m := m.(type) {
				case *ast.FuncLit:
					return false
				case *ast.CallExpr:
					if match(m) {
						out = append(out, cfgpath.Site{Block: blk, At: i})
					}
				}
				return true
			})
		}
	}
	return out
}

// signalled is a channel a goroutine sends on or closes.
type signalledChan struct {
	ref      cfgpath.Ref
	sites    []cfgpath.Site
	deferred bool // closed or sent on in a defer: at the goroutine's end
}

// signalledChans returns the channels the goroutine b sends on or closes.
func (c *checker) signalledChans(b *body) []*signalledChan {
	info := c.pass.TypesInfo
	_, x := c.graph(b.fn)
	byRef := make(map[cfgpath.Ref]*signalledChan)
	var order []cfgpath.Ref
	note := func(e ast.Expr, site cfgpath.Site, deferred bool) {
		r, ok := cfgpath.RefOf(info, e)
		if !ok {
			return
		}
		ch := byRef[r]
		if ch == nil {
			ch = &signalledChan{ref: r}
			byRef[r] = ch
			order = append(order, r)
		}
		if deferred {
			ch.deferred = true
		} else {
			ch.sites = append(ch.sites, site)
		}
	}
	for _, blk := range x.G.Blocks {
		for i, n := range blk.Nodes {
			site := cfgpath.Site{Block: blk, At: i}
			deferred := false
			if _, ok := n.(*ast.DeferStmt); ok {
				deferred = true
			}
			ast.Inspect(n, func(m ast.Node) bool {
				switch m := m.(type) {
				case *ast.FuncLit:
					return deferred // a deferred closure runs at the end too
				case *ast.SendStmt:
					note(m.Chan, site, deferred)
				case *ast.CallExpr:
					if id, ok := ast.Unparen(m.Fun).(*ast.Ident); ok && len(m.Args) == 1 {
						if bi, ok := info.Uses[id].(*types.Builtin); ok && bi.Name() == "close" {
							note(m.Args[0], site, deferred)
						}
					}
				}
				return true
			})
		}
	}
	var out []*signalledChan
	for _, r := range order {
		out = append(out, byRef[r])
	}
	return out
}

// addsAfter reports whether a path from one of the signal sites reaches
// an Add.
func addsAfter(signals, adds []cfgpath.Site) bool {
	addAt := make(map[*cfg.Block][]int)
	for _, a := range adds {
		addAt[a.Block] = append(addAt[a.Block], a.At)
	}
	for _, s := range signals {
		for _, at := range addAt[s.Block] {
			if at > s.At {
				return true
			}
		}
		for blk := range (cfgpath.Walk{}).From(s.Block.Succs...) {
			if len(addAt[blk]) > 0 {
				return true
			}
		}
	}
	return false
}

// receivesFirst reports whether every path of the starter's graph from
// the start site to a wait site receives from ch on the way.
func (c *checker) receivesFirst(x *cfgpath.Index, start cfgpath.Site, waits []cfgpath.Site, ch cfgpath.Ref, info *types.Info) bool {
	isCh := func(e ast.Expr) bool {
		r, ok := cfgpath.RefOf(info, e)
		return ok && r == ch
	}
	// A select case's receive is passed in the case's body block; the
	// graph evaluates all comm statements before choosing, so those are
	// not receives of the block they sit in.
	comms := make(map[ast.Node]bool)
	receives := func(n ast.Node) bool {
		found := false
		ast.Inspect(n, func(m ast.Node) bool {
			switch m := m.(type) {
			case *ast.FuncLit:
				return false
			case *ast.SelectStmt:
				for _, cl := range m.Body.List {
					if cc, ok := cl.(*ast.CommClause); ok && cc.Comm != nil {
						comms[cc.Comm] = true
					}
				}
			case *ast.UnaryExpr:
				if m.Op == token.ARROW && isCh(m.X) {
					found = true
				}
			}
			return !found
		})
		return found
	}
	for _, blk := range x.G.Blocks {
		for _, n := range blk.Nodes {
			receives(n) // collect the comm statements first
		}
	}
	// recvIn reports whether blk receives from ch within its nodes
	// [from:to): a select case on ch receives on entry to its body.
	recvIn := func(blk *cfg.Block, from, to int) bool {
		if cc, ok := blk.Stmt.(*ast.CommClause); ok && blk.Kind == cfg.KindSelectCaseBody && cc.Comm != nil && receives(cc.Comm) {
			return true
		}
		for _, n := range blk.Nodes[from:to] {
			if !comms[n] && receives(n) {
				return true
			}
		}
		return false
	}
	n := len(start.Block.Nodes)
	walk := cfgpath.Walk{
		Stop: func(blk *cfg.Block) bool { return recvIn(blk, 0, len(blk.Nodes)) },
		Edge: func(blk *cfg.Block, i int) bool {
			// Leaving a range over ch: ch was closed and received.
			rs, ok := blk.Stmt.(*ast.RangeStmt)
			return !(blk.Kind == cfg.KindRangeLoop && ok && i == 1 && isCh(rs.X))
		},
	}
	var reached map[*cfg.Block]*cfg.Block
	if !recvIn(start.Block, start.At+1, n) {
		reached = walk.From(walk.Succs(start.Block)...)
	}
	for _, w := range waits {
		if w.Block == start.Block && w.At > start.At {
			if !recvIn(w.Block, start.At+1, w.At) {
				return false
			}
			continue
		}
		if _, ok := reached[w.Block]; ok && !recvIn(w.Block, 0, w.At) {
			return false // a path gets to this Wait without hearing from the goroutine
		}
	}
	return true
}

// ftype returns the type of a FuncDecl or FuncLit.
func ftype(fn ast.Node) *ast.FuncType {
	ft, _ := cfgpath.FuncParts(fn)
	return ft
}
