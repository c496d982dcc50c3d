package lockblock

import (
	"go/ast"
	"go/constant"
	"go/types"

	"golang.org/x/tools/go/ast/inspector"
	"golang.org/x/tools/go/types/typeutil"
)

// chanFlow knows which channel variables and fields, and which maps and
// slices of channels, only ever hold channels made with a buffer. It follows
// assignments, struct literals, stores into maps and slices (m[k] = ch,
// append(s, ch)) and reads from them (ch := m[k], for _, ch := range s)
// across the package.
type chanFlow struct {
	info   *types.Info
	stores map[types.Object][]ast.Expr // what a channel variable is assigned, or a container's elements; nil: unknown
	good   map[types.Object]bool
}

// bufferedChans computes the flow for the package.
func bufferedChans(info *types.Info, insp *inspector.Inspector) *chanFlow {
	f := &chanFlow{info: info, stores: make(map[types.Object][]ast.Expr)}
	for cur := range insp.Root().Preorder((*ast.AssignStmt)(nil), (*ast.ValueSpec)(nil), (*ast.CompositeLit)(nil), (*ast.RangeStmt)(nil), (*ast.CallExpr)(nil)) {
		switch n := cur.Node().(type) {
		case *ast.CallExpr:
			// A channel passed to a function of the package flows into
			// its parameter: NewBatcher(make(chan Req, 64)) stores a
			// buffered channel in the field the constructor sets.
			fn, ok := typeutil.Callee(info, n).(*types.Func)
			if !ok {
				continue
			}
			params := fn.Signature().Params()
			for i, arg := range n.Args {
				if i < params.Len() && !(fn.Signature().Variadic() && i >= params.Len()-1) {
					f.store(params.At(i), arg)
				}
			}
		case *ast.AssignStmt:
			if len(n.Lhs) == len(n.Rhs) {
				for i, lhs := range n.Lhs {
					f.assign(lhs, n.Rhs[i])
				}
			} else if len(n.Lhs) == 2 && len(n.Rhs) == 1 {
				if _, ok := ast.Unparen(n.Rhs[0]).(*ast.IndexExpr); ok {
					f.assign(n.Lhs[0], n.Rhs[0]) // ch, ok := m[k]
					continue
				}
				f.assign(n.Lhs[0], nil)
			} else {
				for _, lhs := range n.Lhs {
					f.assign(lhs, nil)
				}
			}
		case *ast.ValueSpec:
			for i, id := range n.Names {
				var value ast.Expr
				if len(n.Names) == len(n.Values) {
					value = n.Values[i]
				}
				f.store(info.Defs[id], value)
			}
		case *ast.CompositeLit:
			st, ok := deref(info.TypeOf(n)).Underlying().(*types.Struct)
			if !ok {
				continue
			}
			for i, elt := range n.Elts {
				if kv, ok := elt.(*ast.KeyValueExpr); ok {
					if key, ok := kv.Key.(*ast.Ident); ok {
						f.store(info.Uses[key], kv.Value)
					}
				} else if i < st.NumFields() {
					f.store(st.Field(i), elt)
				}
			}
		case *ast.RangeStmt:
			if n.Value != nil {
				f.assign(n.Value, &ast.IndexExpr{X: n.X}) // an element of X
			}
		}
	}
	f.solve()
	return f
}

// assign records lhs = value.
func (f *chanFlow) assign(lhs, value ast.Expr) {
	if ix, ok := ast.Unparen(lhs).(*ast.IndexExpr); ok {
		// m[k] = ch: an element of the container.
		if obj := f.object(ix.X); obj != nil && isChanContainer(obj.Type()) {
			f.stores[obj] = append(f.stores[obj], value)
		}
		return
	}
	f.store(f.object(lhs), value)
}

// store records that obj is given value.
func (f *chanFlow) store(obj types.Object, value ast.Expr) {
	v, ok := obj.(*types.Var)
	if !ok {
		return
	}
	switch {
	case isChan(v.Type()):
		f.stores[v] = append(f.stores[v], value)
	case isChanContainer(v.Type()):
		f.storeContainer(v, value)
	}
}

// storeContainer records the elements a container value brings.
func (f *chanFlow) storeContainer(v *types.Var, value ast.Expr) {
	switch x := ast.Unparen(value).(type) {
	case nil:
		f.stores[v] = append(f.stores[v], nil)
	case *ast.CompositeLit:
		for _, elt := range x.Elts {
			if kv, ok := elt.(*ast.KeyValueExpr); ok {
				elt = kv.Value
			}
			f.stores[v] = append(f.stores[v], elt)
		}
	case *ast.Ident:
		if x.Name == "nil" {
			return
		}
		f.stores[v] = append(f.stores[v], &ast.IndexExpr{X: x})
	case *ast.SliceExpr:
		// s = s[:0] keeps some of the elements: nothing new.
		if f.object(x.X) == v {
			return
		}
		f.stores[v] = append(f.stores[v], &ast.IndexExpr{X: x.X})
	case *ast.CallExpr:
		switch builtinName(f.info, x) {
		case "make":
			return // empty
		case "append":
			for i, arg := range x.Args {
				if i == 0 {
					if f.object(arg) != v {
						f.stores[v] = append(f.stores[v], &ast.IndexExpr{X: arg})
					}
					continue
				}
				if x.Ellipsis.IsValid() {
					arg = &ast.IndexExpr{X: arg}
				}
				f.stores[v] = append(f.stores[v], arg)
			}
			return
		}
		f.stores[v] = append(f.stores[v], nil)
	default:
		f.stores[v] = append(f.stores[v], &ast.IndexExpr{X: x})
	}
}

// solve finds the objects that hold only buffered channels, starting from
// all of them and dropping those with a store that is not buffered.
func (f *chanFlow) solve() {
	f.good = make(map[types.Object]bool, len(f.stores))
	for obj := range f.stores {
		f.good[obj] = true
	}
	for changed := true; changed; {
		changed = false
		for obj, values := range f.stores {
			if !f.good[obj] {
				continue
			}
			for _, e := range values {
				if !f.buffered(e) {
					f.good[obj] = false
					changed = true
					break
				}
			}
		}
	}
}

// buffered reports whether the channel e evaluates to is known to have been
// made with a buffer.
func (f *chanFlow) buffered(e ast.Expr) bool {
	switch x := ast.Unparen(e).(type) {
	case nil:
		return false
	case *ast.CallExpr:
		return isBufferedMake(f.info, x)
	case *ast.IndexExpr:
		obj := f.object(x.X)
		return obj != nil && f.good[obj]
	default:
		obj := f.object(x)
		return obj != nil && f.good[obj]
	}
}

// object returns the variable or field e names, or nil.
func (f *chanFlow) object(e ast.Expr) types.Object {
	switch x := ast.Unparen(e).(type) {
	case *ast.Ident:
		if obj := f.info.Defs[x]; obj != nil {
			return obj
		}
		return f.info.Uses[x]
	case *ast.SelectorExpr:
		if sel := f.info.Selections[x]; sel != nil {
			if sel.Kind() == types.FieldVal {
				return sel.Obj()
			}
			return nil
		}
		return f.info.Uses[x.Sel]
	}
	return nil
}

func isChan(t types.Type) bool {
	if t == nil {
		return false
	}
	_, ok := t.Underlying().(*types.Chan)
	return ok
}

// isChanContainer reports whether t is a map, slice or array of channels.
func isChanContainer(t types.Type) bool {
	if t == nil {
		return false
	}
	switch u := t.Underlying().(type) {
	case *types.Map:
		return isChan(u.Elem())
	case *types.Slice:
		return isChan(u.Elem())
	case *types.Array:
		return isChan(u.Elem())
	}
	return false
}

func builtinName(info *types.Info, call *ast.CallExpr) string {
	id, ok := ast.Unparen(call.Fun).(*ast.Ident)
	if !ok {
		return ""
	}
	if bi, ok := info.Uses[id].(*types.Builtin); ok {
		return bi.Name()
	}
	return ""
}

// isBufferedMake reports whether call is make(chan T, n) with n not zero.
func isBufferedMake(info *types.Info, call *ast.CallExpr) bool {
	if len(call.Args) != 2 || builtinName(info, call) != "make" {
		return false
	}
	if tv, ok := info.Types[call.Args[1]]; ok && tv.Value != nil {
		return tv.Value.Kind() == constant.Int && constant.Sign(tv.Value) > 0
	}
	return true
}

func deref(t types.Type) types.Type {
	if t == nil {
		return types.Typ[types.Invalid]
	}
	if p, ok := types.Unalias(t).(*types.Pointer); ok {
		return p.Elem()
	}
	return t
}
