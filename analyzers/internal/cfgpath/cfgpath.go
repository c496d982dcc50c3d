// Package cfgpath answers path questions on a function's control-flow graph
// (golang.org/x/tools/go/cfg, as built by the ctrlflow pass): which blocks
// hold a statement, whether a block is reachable from another along edges a
// rule allows, and what a branch's condition says about a variable on each
// edge ("wg != nil" is false on the else edge, so wg is nil there).
package cfgpath

import (
	"go/ast"

	"golang.org/x/tools/go/ast/inspector"
	"golang.org/x/tools/go/cfg"
)

// Index maps every node of a CFG's blocks, and every node inside them
// (function literals excluded: they run at another time), to its block and
// the position of the enclosing top-level node in the block's Nodes.
type Index struct {
	G     *cfg.CFG
	where map[ast.Node]Site
}

// Site is where a node sits: its block and the index of the block's
// top-level node that holds it.
type Site struct {
	Block *cfg.Block
	At    int
}

// NewIndex indexes g. A function literal is indexed where it is made,
// its body not at all.
func NewIndex(g *cfg.CFG) *Index {
	x := &Index{G: g, where: make(map[ast.Node]Site)}
	for _, b := range g.Blocks {
		for i, n := range b.Nodes {
			ast.Inspect(n, func(m ast.Node) bool {
				if m == nil {
					return false
				}
				if _, seen := x.where[m]; !seen {
					x.where[m] = Site{b, i}
				}
				_, lit := m.(*ast.FuncLit)
				return !lit
			})
		}
	}
	return x
}

// Around returns the site of the node at c, or, for a node inside a
// function literal, of the literal: where the code that may run it is
// made. (A literal's body is not indexed, so the first indexed node on the
// way up is the answer.)
func (x *Index) Around(c inspector.Cursor) (Site, bool) {
	for cur := c; cur.Node() != nil; cur = cur.Parent() {
		if s, ok := x.Site(cur.Node()); ok {
			return s, true
		}
	}
	return Site{}, false
}

// Reaches reports whether a path leads from the node at site from to the
// node at site to: later in the same block, or in a block reachable from
// it (the same block again, around a loop).
func Reaches(from, to Site) bool {
	if from.Block == to.Block && from.At < to.At {
		return true
	}
	_, ok := (Walk{}).From(from.Block.Succs...)[to.Block]
	return ok
}

// Site returns where n sits, if it is in a live block of the graph.
func (x *Index) Site(n ast.Node) (Site, bool) {
	s, ok := x.where[n]
	return s, ok && s.Block.Live
}

// Walk is a search over the graph. Stop, when set, ends a path at a block
// (the path goes no further than that block); Edge, when set, says whether
// a path may take the i-th successor edge of a block.
type Walk struct {
	Stop func(b *cfg.Block) bool
	Edge func(b *cfg.Block, i int) bool
}

// From returns the blocks reachable from the start blocks (the start
// blocks included), each mapped to the block it was reached from (nil for
// a start block), so a path can be read back with Path.
func (w Walk) From(start ...*cfg.Block) map[*cfg.Block]*cfg.Block {
	prev := make(map[*cfg.Block]*cfg.Block)
	var work []*cfg.Block
	for _, b := range start {
		if _, seen := prev[b]; !seen {
			prev[b] = nil
			work = append(work, b)
		}
	}
	for len(work) > 0 {
		b := work[0]
		work = work[1:]
		if w.Stop != nil && w.Stop(b) {
			continue
		}
		for i, s := range b.Succs {
			if _, seen := prev[s]; seen {
				continue
			}
			if w.Edge != nil && !w.Edge(b, i) {
				continue
			}
			prev[s] = b
			work = append(work, s)
		}
	}
	return prev
}

// Succs returns the successors of b that the walk's Edge allows (the start
// of a search that begins after a node inside b).
func (w Walk) Succs(b *cfg.Block) []*cfg.Block {
	var out []*cfg.Block
	for i, s := range b.Succs {
		if w.Edge == nil || w.Edge(b, i) {
			out = append(out, s)
		}
	}
	return out
}

// Path reads back the path to b from a From result, start first.
func Path(prev map[*cfg.Block]*cfg.Block, b *cfg.Block) []*cfg.Block {
	var rev []*cfg.Block
	for ; b != nil; b = prev[b] {
		rev = append(rev, b)
		if len(rev) > len(prev) {
			break // a start block reached again: stop
		}
	}
	out := make([]*cfg.Block, len(rev))
	for i, b := range rev {
		out[len(rev)-1-i] = b
	}
	return out
}

// Cond returns the boolean condition b branches on when b ends an if or a
// for loop's test: Succs[0] is taken when it is true, Succs[1] when it is
// false. Other two-way blocks (select cases, range loops, switch cases)
// carry no condition here.
func Cond(b *cfg.Block) (ast.Expr, bool) {
	if len(b.Succs) != 2 || len(b.Nodes) == 0 {
		return nil, false
	}
	e, ok := b.Nodes[len(b.Nodes)-1].(ast.Expr)
	if !ok {
		return nil, false
	}
	switch s := b.Succs[0].Stmt.(type) {
	case *ast.IfStmt:
		if s.Cond == e && b.Succs[0].Kind == cfg.KindIfThen {
			return e, true
		}
	case *ast.ForStmt:
		if s.Cond == e && b.Kind == cfg.KindForLoop {
			return e, true
		}
	}
	return nil, false
}

// Exits reports whether b ends a path out of the function: it returns
// (explicitly or at the closing brace), or it is live and ends in a call
// that never returns (panic, os.Exit, log.Fatal, runtime.Goexit, t.Fatal),
// so it has no successor. A block that has no successor because it blocks
// for ever (select {}) does not exit.
func Exits(b *cfg.Block) bool {
	if b.Return() != nil {
		return true
	}
	if !b.Live || len(b.Succs) != 0 || len(b.Nodes) == 0 {
		return false
	}
	es, ok := b.Nodes[len(b.Nodes)-1].(*ast.ExprStmt)
	if !ok {
		return false
	}
	_, ok = ast.Unparen(es.X).(*ast.CallExpr)
	return ok
}

// EnclosingFunc returns the innermost function (a FuncDecl or FuncLit)
// around the node at c, not c itself: the function whose graph holds it.
func EnclosingFunc(c inspector.Cursor) (inspector.Cursor, bool) {
	for fc := range c.Parent().Enclosing((*ast.FuncLit)(nil), (*ast.FuncDecl)(nil)) {
		return fc, true
	}
	return inspector.Cursor{}, false
}

// FuncParts returns the type and body of a *ast.FuncDecl or *ast.FuncLit.
func FuncParts(fn ast.Node) (*ast.FuncType, *ast.BlockStmt) {
	switch f := fn.(type) {
	case *ast.FuncDecl:
		return f.Type, f.Body
	case *ast.FuncLit:
		return f.Type, f.Body
	}
	return nil, nil
}
