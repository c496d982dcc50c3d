package unboundedgo

import (
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/ast/inspector"
	"golang.org/x/tools/go/cfg"
)

// handleFanOut reports whether the loop starts one goroutine per resource
// rather than per work item: it ranges over a slice or map (not a channel)
// whose elements, or map keys, are handles to live objects — pointers to
// structs or non-empty interfaces, like models, brokers, shards, replicas or
// connections — and the goroutine uses its element. How many such objects
// exist is the system's shape, sized by whoever made them, not the volume
// of its input; per-item data (requests, documents, files, IDs) are values.
func (c *checker) handleFanOut(loop inspector.Cursor, sp spawn, tr trip) bool {
	info := c.pass.TypesInfo
	var elems []*types.Var
	var indexed ast.Expr // for i := 0; i < len(xs); i++: xs, whose xs[i] is the element
	var key *types.Var
	addVar := func(e ast.Expr) *types.Var {
		id, ok := e.(*ast.Ident)
		if !ok {
			return nil
		}
		v, _ := info.ObjectOf(id).(*types.Var)
		if v != nil && isHandle(v.Type()) {
			elems = append(elems, v)
		}
		return v
	}
	switch l := loop.Node().(type) {
	case *ast.RangeStmt:
		t := info.TypeOf(l.X)
		if t == nil {
			return false
		}
		switch u := t.Underlying().(type) {
		case *types.Slice, *types.Map, *types.Array, *types.Pointer:
		case *types.Basic:
			// for i := range len(xs): xs[i]
			x, ok := tr.at.(ast.Expr)
			if !ok || u.Info()&types.IsInteger == 0 {
				return false
			}
			key = addVar(l.Key)
			indexed = x
		default:
			return false // channels, strings
		}
		if indexed != nil {
			break
		}
		key = addVar(l.Key)
		if l.Value != nil {
			addVar(l.Value)
		}
		if key != nil && !isHandle(key.Type()) {
			if _, isMap := t.Underlying().(*types.Map); !isMap {
				indexed = l.X // for i := range xs: xs[i]
			}
		}
	case *ast.ForStmt:
		x, ok := tr.at.(ast.Expr)
		if !ok {
			return false
		}
		if b, ok := ast.Unparen(l.Cond).(*ast.BinaryExpr); ok {
			if id, ok := ast.Unparen(b.X).(*ast.Ident); ok {
				key, _ = info.Uses[id].(*types.Var)
			}
		}
		indexed = x
	}
	// x := xs[i] in the loop body names the element too.
	if body := loopBody(loop.Node()); body != nil && indexed != nil && key != nil {
		for _, st := range body.List {
			as, ok := st.(*ast.AssignStmt)
			if !ok || as.Tok != token.DEFINE || len(as.Lhs) != 1 || len(as.Rhs) != 1 {
				continue
			}
			ix, ok := ast.Unparen(as.Rhs[0]).(*ast.IndexExpr)
			if !ok || types.ExprString(ix.X) != types.ExprString(indexed) {
				continue
			}
			if id, ok := ast.Unparen(ix.Index).(*ast.Ident); ok && info.Uses[id] == key {
				addVar(as.Lhs[0])
			}
		}
	}
	found := false
	ast.Inspect(sp.cur.Node(), func(n ast.Node) bool {
		if found {
			return false
		}
		switch n := n.(type) {
		case *ast.Ident:
			for _, v := range elems {
				if info.Uses[n] == v {
					found = true
				}
			}
		case *ast.IndexExpr:
			if indexed == nil || key == nil || !isHandle(info.TypeOf(n)) {
				break
			}
			id, ok := ast.Unparen(n.Index).(*ast.Ident)
			found = ok && info.Uses[id] == key && types.ExprString(n.X) == types.ExprString(indexed)
		}
		return !found
	})
	return found
}

// isHandle reports whether t is a handle to a live object: a pointer to a
// struct, or an interface with methods other than error's.
func isHandle(t types.Type) bool {
	if t == nil {
		return false
	}
	if p, ok := types.Unalias(t).(*types.Pointer); ok {
		_, isStruct := p.Elem().Underlying().(*types.Struct)
		return isStruct
	}
	it, ok := t.Underlying().(*types.Interface)
	if !ok || it.NumMethods() == 0 {
		return false
	}
	return !types.Identical(t, types.Universe.Lookup("error").Type())
}

// startsOnce reports whether the spawn runs at most once per call of its
// function although it sits in a loop: on the function's control-flow
// graph, no path leads from the spawn back to it (a return, a break or a
// goto always follows it before the loop comes round again).
func (c *checker) startsOnce(sp spawn) bool {
	var body *ast.BlockStmt
	for cur := range sp.cur.Enclosing((*ast.FuncDecl)(nil), (*ast.FuncLit)(nil)) {
		switch fn := cur.Node().(type) {
		case *ast.FuncDecl:
			body = fn.Body
		case *ast.FuncLit:
			body = fn.Body
		}
		break
	}
	if body == nil {
		return false
	}
	g := c.cfgs[body]
	if g == nil {
		// Every call may return: a spawn followed by log.Fatal is still
		// counted as in the loop, the safe side.
		g = cfg.New(body, func(*ast.CallExpr) bool { return true })
		c.cfgs[body] = g
	}
	home := blockOf(g, sp.cur.Node())
	if home == nil {
		return false
	}
	seen := map[*cfg.Block]bool{}
	stack := append([]*cfg.Block(nil), home.Succs...)
	for len(stack) > 0 {
		b := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if b == home {
			return false // the loop comes back to the spawn
		}
		if seen[b] {
			continue
		}
		seen[b] = true
		stack = append(stack, b.Succs...)
	}
	return true
}

// blockOf returns the block of g holding the innermost statement or
// expression around n (a loop's header block also lists the whole loop).
func blockOf(g *cfg.CFG, n ast.Node) *cfg.Block {
	var best *cfg.Block
	size := token.Pos(-1)
	for _, b := range g.Blocks {
		for _, s := range b.Nodes {
			if s.Pos() <= n.Pos() && n.End() <= s.End() && (size < 0 || s.End()-s.Pos() < size) {
				best, size = b, s.End()-s.Pos()
			}
		}
	}
	return best
}
