package unboundedgo

import (
	"go/ast"
	"go/token"
	"go/types"
)

// fromInput reports whether the length of x, a slice, map or string,
// comes from the input of the function rather than from its source:
//
//   - constants, composite literals, arrays made with make(T, n) and never
//     grown (unless n is len of input), and conversions of those are not
//     input;
//   - state of the method's receiver (hooks, replicas, open connections)
//     and package-level variables are configuration, not input;
//   - parameters, fields and elements of parameters, call results and
//     local variables assigned anything else are input.
//
// When it cannot tell, it says no: the analyzer stays silent.
func (c *checker) fromInput(x ast.Expr) bool { return c.fromInputDepth(x, 0) }

func (c *checker) fromInputDepth(x ast.Expr, depth int) bool {
	if depth > 8 {
		return false
	}
	info := c.pass.TypesInfo
	if tv, ok := info.Types[x]; ok && tv.Value != nil {
		return false
	}
	switch x := ast.Unparen(x).(type) {
	case *ast.CompositeLit:
		return false
	case *ast.Ident:
		v, ok := info.Uses[x].(*types.Var)
		if !ok {
			return false
		}
		vs := c.varState()
		switch {
		case vs.receivers[v] || v.Parent() == c.pass.Pkg.Scope():
			return false
		case vs.changed[v]:
			return true
		case vs.literal[v]:
			return false
		}
		if n, ok := vs.makeLen[v]; ok {
			if y := lenArg(info, n); y != nil {
				return c.fromInputDepth(y, depth+1)
			}
			return false // a fixed count, like a worker pool's
		}
		return true
	case *ast.SelectorExpr:
		if sel, ok := info.Selections[x]; ok && sel.Kind() == types.FieldVal {
			return c.fromInputDepth(x.X, depth+1)
		}
		return false // a package-level variable of another package
	case *ast.IndexExpr:
		return c.fromInputDepth(x.X, depth+1)
	case *ast.SliceExpr:
		if x.High != nil && c.constantBound(x.High) {
			return false // xs[:4], xs[:min(len(xs), 4)]
		}
		return c.fromInputDepth(x.X, depth+1)
	case *ast.StarExpr:
		return c.fromInputDepth(x.X, depth+1)
	case *ast.TypeAssertExpr:
		return c.fromInputDepth(x.X, depth+1)
	case *ast.CallExpr:
		if tv, ok := info.Types[x.Fun]; ok && tv.IsType() && len(x.Args) == 1 {
			return c.fromInputDepth(x.Args[0], depth+1) // conversion
		}
		return true
	}
	return true
}

// constantBound reports whether e is at most a constant: a constant, or
// min(...) with a constant argument.
func (c *checker) constantBound(e ast.Expr) bool {
	info := c.pass.TypesInfo
	if tv, ok := info.Types[e]; ok && tv.Value != nil {
		return true
	}
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	if !ok {
		return false
	}
	id, ok := ast.Unparen(call.Fun).(*ast.Ident)
	if b, isBuiltin := info.Uses[id].(*types.Builtin); !ok || !isBuiltin || b.Name() != "min" {
		return false
	}
	for _, a := range call.Args {
		if c.constantBound(a) {
			return true
		}
	}
	return false
}

// varState records, for the variables of the package, how they are made
// and whether they change afterwards.
type varState struct {
	receivers map[*types.Var]bool
	literal   map[*types.Var]bool     // initialized with a composite literal or nil, grown only by a fixed count
	makeLen   map[*types.Var]ast.Expr // initialized with make(T, n): n
	changed   map[*types.Var]bool     // assigned again, address taken, map written by key
}

func (c *checker) varState() *varState {
	if c.vars == nil {
		c.vars = buildVarState(c.pass.TypesInfo, c.pass.Files)
	}
	return c.vars
}

func buildVarState(info *types.Info, files []*ast.File) *varState {
	vs := &varState{
		receivers: map[*types.Var]bool{},
		literal:   map[*types.Var]bool{},
		makeLen:   map[*types.Var]ast.Expr{},
		changed:   map[*types.Var]bool{},
	}
	varOf := func(e ast.Expr) *types.Var {
		id, ok := ast.Unparen(e).(*ast.Ident)
		if !ok {
			return nil
		}
		v, _ := info.ObjectOf(id).(*types.Var)
		return v
	}
	initialize := func(id *ast.Ident, value ast.Expr) {
		v, ok := info.Defs[id].(*types.Var)
		if !ok {
			return
		}
		switch value := ast.Unparen(value).(type) {
		case *ast.CompositeLit:
			vs.literal[v] = true
		case *ast.CallExpr:
			if fn, ok := ast.Unparen(value.Fun).(*ast.Ident); ok && len(value.Args) >= 2 {
				if b, ok := info.Uses[fn].(*types.Builtin); ok && b.Name() == "make" {
					vs.makeLen[v] = value.Args[1]
				}
			}
		}
	}
	for _, f := range files {
		var stack []ast.Node // the nodes around n
		ast.Inspect(f, func(n ast.Node) bool {
			if n == nil {
				stack = stack[:len(stack)-1]
				return true
			}
			defer func() { stack = append(stack, n) }()
			switch n := n.(type) {
			case *ast.FuncDecl:
				if n.Recv != nil {
					for _, field := range n.Recv.List {
						for _, name := range field.Names {
							if v, ok := info.Defs[name].(*types.Var); ok {
								vs.receivers[v] = true
							}
						}
					}
				}
			case *ast.ValueSpec:
				if len(n.Values) == len(n.Names) {
					for i, name := range n.Names {
						initialize(name, n.Values[i])
					}
				}
				if len(n.Values) == 0 {
					for _, name := range n.Names {
						if v, ok := info.Defs[name].(*types.Var); ok {
							if _, isSlice := v.Type().Underlying().(*types.Slice); isSlice {
								vs.literal[v] = true // var xs []T: empty
							}
						}
					}
				}
			case *ast.AssignStmt:
				for i, lhs := range n.Lhs {
					if id, ok := lhs.(*ast.Ident); ok && n.Tok == token.DEFINE && info.Defs[id] != nil {
						if len(n.Lhs) == len(n.Rhs) {
							initialize(id, n.Rhs[i])
						}
						continue
					}
					if v := varOf(lhs); v != nil && !(len(n.Lhs) == len(n.Rhs) && fixedAppend(info, v, n.Rhs[i]) && fixedTrips(info, stack)) {
						vs.changed[v] = true
					}
					if ix, ok := ast.Unparen(lhs).(*ast.IndexExpr); ok {
						if v := varOf(ix.X); v != nil {
							if _, isMap := v.Type().Underlying().(*types.Map); isMap {
								vs.changed[v] = true // m[k] = v may add a key
							}
						}
					}
				}
			case *ast.RangeStmt:
				if n.Tok == token.ASSIGN {
					for _, e := range []ast.Expr{n.Key, n.Value} {
						if v := varOf(e); v != nil {
							vs.changed[v] = true
						}
					}
				}
			case *ast.UnaryExpr:
				if n.Op == token.AND {
					if v := varOf(n.X); v != nil {
						vs.changed[v] = true
					}
				}
			case *ast.SelectorExpr:
				// x.Add(...) on a named slice type with pointer methods
				if sel, ok := info.Selections[n]; ok && sel.Kind() == types.MethodVal {
					if sig, ok := sel.Obj().Type().(*types.Signature); ok && sig.Recv() != nil && isPointer(sig.Recv().Type()) {
						if v := varOf(n.X); v != nil {
							vs.changed[v] = true
						}
					}
				}
			}
			return true
		})
	}
	return vs
}

// fixedAppend reports whether e is append(v, x, y, ...): it grows v by a
// fixed count.
func fixedAppend(info *types.Info, v *types.Var, e ast.Expr) bool {
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	if !ok || call.Ellipsis.IsValid() || len(call.Args) == 0 {
		return false
	}
	fn, ok := ast.Unparen(call.Fun).(*ast.Ident)
	if b, isBuiltin := info.Uses[fn].(*types.Builtin); !ok || !isBuiltin || b.Name() != "append" {
		return false
	}
	id, ok := ast.Unparen(call.Args[0]).(*ast.Ident)
	return ok && info.Uses[id] == v
}

// fixedTrips reports whether every loop around the innermost function of
// stack runs a fixed number of times: over a constant, an array or a
// composite literal, or counting to a constant.
func fixedTrips(info *types.Info, stack []ast.Node) bool {
	for i := len(stack) - 1; i >= 0; i-- {
		switch n := stack[i].(type) {
		case *ast.FuncLit, *ast.FuncDecl:
			return true
		case *ast.RangeStmt:
			tv, ok := info.Types[n.X]
			if !ok || tv.Type == nil {
				return false
			}
			_, lit := ast.Unparen(n.X).(*ast.CompositeLit)
			_, array := tv.Type.Underlying().(*types.Array)
			if tv.Value == nil && !lit && !array {
				return false
			}
		case *ast.ForStmt:
			b, ok := ast.Unparen(n.Cond).(*ast.BinaryExpr)
			if !ok || !isCounted(n) {
				return false
			}
			if tx, ty := info.Types[b.X], info.Types[b.Y]; tx.Value == nil && ty.Value == nil {
				return false
			}
		}
	}
	return true
}
