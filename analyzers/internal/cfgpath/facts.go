package cfgpath

import (
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/cfg"
)

// Ref names a variable or a chain of fields rooted at one: wg, s.wg,
// t.pool.wg. Two expressions with equal refs denote the same storage while
// nothing assigns to it in between.
type Ref struct {
	Root types.Object
	Path string // ".pool.wg", or "" for the variable itself
}

// RefOf returns the ref e denotes, looking through parentheses, & and *.
func RefOf(info *types.Info, e ast.Expr) (Ref, bool) {
	for {
		switch x := ast.Unparen(e).(type) {
		case *ast.UnaryExpr:
			if x.Op != token.AND {
				return Ref{}, false
			}
			e = x.X
		case *ast.StarExpr:
			e = x.X
		case *ast.Ident:
			obj := info.Uses[x]
			if obj == nil {
				obj = info.Defs[x]
			}
			if _, ok := obj.(*types.Var); !ok {
				return Ref{}, false
			}
			return Ref{Root: obj}, true
		case *ast.SelectorExpr:
			sel := info.Selections[x]
			if sel == nil { // qualified identifier: pkg.Var
				obj, ok := info.Uses[x.Sel].(*types.Var)
				if !ok {
					return Ref{}, false
				}
				return Ref{Root: obj}, true
			}
			if sel.Kind() != types.FieldVal {
				return Ref{}, false
			}
			r, ok := RefOf(info, x.X)
			if !ok {
				return Ref{}, false
			}
			r.Path += "." + x.Sel.Name
			return r, true
		default:
			return Ref{}, false
		}
	}
}

// Within reports whether r is p or a field (of a field...) of p: s.wg is
// within s and within s.wg.
func (r Ref) Within(p Ref) bool {
	return r.Root == p.Root && (r.Path == p.Path || strings.HasPrefix(r.Path, p.Path+"."))
}

// PackageLevel reports whether r is rooted at a package-level variable.
func (r Ref) PackageLevel() bool {
	v, ok := r.Root.(*types.Var)
	return ok && v.Pkg() != nil && v.Parent() == v.Pkg().Scope()
}

// String spells r as the source would: s.pool.wg.
func (r Ref) String() string { return r.Root.Name() + r.Path }

// Value is what a fact says about a ref.
type Value uint8

const (
	Nil     Value = iota + 1 // == nil
	NonNil                   // != nil
	Zero                     // false, 0
	NonZero                  // true, not 0
)

// Contradicts reports whether v and w cannot both hold of one ref.
func (v Value) Contradicts(w Value) bool {
	switch v {
	case Nil:
		return w == NonNil
	case NonNil:
		return w == Nil
	case Zero:
		return w == NonZero
	case NonZero:
		return w == Zero
	}
	return false
}

// Fact is something a branch establishes about a ref.
type Fact struct {
	Ref   Ref
	Value Value
}

// Implied returns the facts that hold on the edge of a branch on cond that
// is taken when cond evaluates to branch: "wg != nil" gives wg Nil on the
// false edge; "a && b" gives the facts of both on the true edge, "a || b"
// those of both on the false edge. A boolean or integer flag counts as
// Zero or NonZero, read directly or through sync/atomic (v.Load(),
// atomic.LoadInt32(&v)).
func Implied(info *types.Info, cond ast.Expr, branch bool) []Fact {
	switch e := ast.Unparen(cond).(type) {
	case *ast.UnaryExpr:
		if e.Op == token.NOT {
			return Implied(info, e.X, !branch)
		}
	case *ast.BinaryExpr:
		switch e.Op {
		case token.LAND:
			if branch {
				return append(Implied(info, e.X, true), Implied(info, e.Y, true)...)
			}
			return nil
		case token.LOR:
			if !branch {
				return append(Implied(info, e.X, false), Implied(info, e.Y, false)...)
			}
			return nil
		case token.EQL, token.NEQ, token.GTR, token.LSS:
			return comparison(info, e, branch)
		}
	}
	if r, ok := flag(info, cond); ok && isBool(info, cond) {
		if branch {
			return []Fact{{r, NonZero}}
		}
		return []Fact{{r, Zero}}
	}
	return nil
}

// comparison gives the facts of x == nil, x != nil, flag == const,
// flag != const, and flag > 0 (or 0 < flag), on one edge.
func comparison(info *types.Info, e *ast.BinaryExpr, branch bool) []Fact {
	x, y := e.X, e.Y
	op := e.Op
	if isConst(info, x) && !isConst(info, y) {
		x, y = y, x
		switch op {
		case token.GTR:
			op = token.LSS
		case token.LSS:
			op = token.GTR
		}
	}
	if info.Types[y].IsNil() {
		r, ok := RefOf(info, x)
		if !ok || (op != token.EQL && op != token.NEQ) {
			return nil
		}
		if (op == token.EQL) == branch {
			return []Fact{{r, Nil}}
		}
		return []Fact{{r, NonNil}}
	}
	tv, ok := info.Types[y]
	if !ok || tv.Value == nil {
		return nil
	}
	r, ok := flag(info, x)
	if !ok {
		return nil
	}
	zero := isZero(tv.Value)
	switch {
	case op == token.EQL && zero, op == token.NEQ && !zero && isBool(info, x):
		// flag == 0, flag == false, flag != true
		if branch {
			return []Fact{{r, Zero}}
		}
		return []Fact{{r, NonZero}}
	case op == token.NEQ && zero, op == token.EQL && !zero && isBool(info, x):
		// flag != 0, flag != false, flag == true
		if branch {
			return []Fact{{r, NonZero}}
		}
		return []Fact{{r, Zero}}
	case op == token.EQL && !zero, op == token.GTR && zero:
		// flag == 1, flag > 0: only the true edge says something
		if branch {
			return []Fact{{r, NonZero}}
		}
	case op == token.NEQ && !zero:
		if !branch {
			return []Fact{{r, NonZero}}
		}
	}
	return nil
}

// flag returns the ref a flag read denotes: v, s.f, v.Load() on a
// sync/atomic type, atomic.LoadInt32(&v) and its siblings.
func flag(info *types.Info, e ast.Expr) (Ref, bool) {
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	if !ok {
		return RefOf(info, e)
	}
	fn, _ := calleeFunc(info, call)
	if fn == nil || fn.Pkg() == nil || fn.Pkg().Path() != "sync/atomic" || !strings.HasPrefix(fn.Name(), "Load") {
		return Ref{}, false
	}
	if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok && info.Selections[sel] != nil {
		return RefOf(info, sel.X) // v.Load()
	}
	if len(call.Args) == 1 {
		return RefOf(info, call.Args[0]) // atomic.LoadInt32(&v)
	}
	return Ref{}, false
}

func calleeFunc(info *types.Info, call *ast.CallExpr) (*types.Func, bool) {
	var id *ast.Ident
	switch f := ast.Unparen(call.Fun).(type) {
	case *ast.Ident:
		id = f
	case *ast.SelectorExpr:
		id = f.Sel
	default:
		return nil, false
	}
	fn, ok := info.Uses[id].(*types.Func)
	return fn, ok
}

func isConst(info *types.Info, e ast.Expr) bool {
	tv, ok := info.Types[e]
	return ok && (tv.Value != nil || tv.IsNil())
}

func isBool(info *types.Info, e ast.Expr) bool {
	t := info.TypeOf(e)
	if t == nil {
		return false
	}
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Info()&types.IsBoolean != 0
}

func isZero(v constant.Value) bool {
	switch v.Kind() {
	case constant.Bool:
		return !constant.BoolVal(v)
	case constant.Int:
		return constant.Sign(v) == 0
	}
	return false
}

// FactsAt returns the facts that hold just before the node at site s on
// every path from the entry: those the branches taken establish, kept
// while nothing assigns to their ref (or to a variable or field holding
// it).
func FactsAt(info *types.Info, x *Index, s Site) []Fact {
	in := mustFacts(info, x)[s.Block]
	var out []Fact
	for f := range in {
		out = append(out, f)
	}
	return Survivors(info, out, s.Block.Nodes[:s.At])
}

// mustFacts computes, for every live block, the facts holding at its start
// on every path from the entry (a forward must-analysis).
func mustFacts(info *types.Info, x *Index) map[*cfg.Block]map[Fact]bool {
	blocks := x.G.Blocks
	in := make(map[*cfg.Block]map[Fact]bool) // absent: not yet reached (top)
	if len(blocks) == 0 {
		return in
	}
	in[blocks[0]] = map[Fact]bool{}
	for changed := true; changed; {
		changed = false
		for _, b := range blocks {
			cur, ok := in[b]
			if !ok {
				continue
			}
			var out []Fact
			for f := range cur {
				out = append(out, f)
			}
			out = Survivors(info, out, b.Nodes)
			cond, isCond := Cond(b)
			for i, s := range b.Succs {
				edge := append([]Fact(nil), out...)
				if isCond {
					edge = append(edge, Implied(info, cond, i == 0)...)
				}
				old, seen := in[s]
				if !seen {
					m := make(map[Fact]bool, len(edge))
					for _, f := range edge {
						m[f] = true
					}
					in[s] = m
					changed = true
					continue
				}
				keep := make(map[Fact]bool, len(edge))
				for _, f := range edge {
					keep[f] = true
				}
				for f := range old {
					if !keep[f] {
						delete(old, f)
						changed = true
					}
				}
			}
		}
	}
	return in
}

// Survivors returns the facts of in that survive the nodes (assignments,
// increments and definitions of their ref or of what holds it).
func Survivors(info *types.Info, in []Fact, nodes []ast.Node) []Fact {
	var assigned []Ref
	for _, n := range nodes {
		for _, l := range Assigned(n, true) {
			if r, ok := RefOf(info, l); ok {
				assigned = append(assigned, r)
			}
		}
	}
	var out []Fact
	for _, f := range in {
		dead := false
		for _, a := range assigned {
			if f.Ref.Within(a) {
				dead = true
				break
			}
		}
		if !dead {
			out = append(out, f)
		}
	}
	return out
}

// Assigned returns the expressions n (outside function literals) assigns
// to: the left of =, :=, op= and ++/--, and the names a var declares; with
// addressed, also x of every &x (anything may write x through it).
func Assigned(n ast.Node, addressed bool) []ast.Expr {
	var out []ast.Expr
	ast.Inspect(n, func(m ast.Node) bool {
		switch m := m.(type) {
		case *ast.FuncLit:
			return false
		case *ast.AssignStmt:
			out = append(out, m.Lhs...)
		case *ast.IncDecStmt:
			out = append(out, m.X)
		case *ast.ValueSpec:
			for _, id := range m.Names {
				out = append(out, id)
			}
		case *ast.UnaryExpr:
			if addressed && m.Op == token.AND {
				out = append(out, m.X)
			}
		}
		return true
	})
	return out
}
