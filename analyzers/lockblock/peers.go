package lockblock

import (
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/ast/inspector"
	"golang.org/x/tools/go/types/typeutil"

	"github.com/asyncbook/asyncbook/analyzers/internal/analysisutil"
	"github.com/asyncbook/asyncbook/analyzers/internal/cfgpath"
	"github.com/asyncbook/asyncbook/analyzers/internal/lockfacts"
)

// peers finds, for a channel operation or a Wait under a lock, the other
// side: the places in the package that send on, receive from or close the
// same channel, or call Done on the same WaitGroup. A channel is followed
// through assignments, struct fields, parameters, results, containers and
// channels of channels, so the reply channel a caller sends to a loop
// goroutine is the one that goroutine answers on. A wait whose other side
// runs only in goroutines that never take the held lock cannot deadlock on
// it: those goroutines get there without us.
type peers struct {
	fset   *token.FileSet
	pkg    *types.Package
	info   *types.Info
	locks  *lockfacts.Result
	funcs  map[ast.Node]*lockfacts.Func
	parent map[pkey]pkey // union-find over channels and wait groups
	sites  []site
	roots  map[ast.Node]bool // function literals run as goroutines or timer callbacks
	goes   map[*types.Func]bool
	encl   map[*ast.FuncLit]ast.Node
	calls  map[*types.Func][]callSite
	filled map[pkey]bool               // made with a buffer and filled where made: a token
	sends  map[ast.Node][]pkey         // channels each function sends on or closes
	flags  map[types.Object][]ast.Node // functions that set a bool field to true
	extern map[pkey]bool               // channels that come in through exported functions
	away   map[pkey]bool               // channels handed to code of other packages
	// Select cases: the comm operation at a position, and the other
	// ways out of its select; then the same by site index.
	commAlts map[token.Pos]*selectAlts
	siteAlts map[int]*selectAlts
}

// selectAlts is what else a select case's goroutine may do instead of its
// channel operation: the other cases' channels, and whether it has a default.
type selectAlts struct {
	chans      []ast.Expr
	hasDefault bool
}

// pkey names a channel or WaitGroup: a variable, a field (of every value
// of its struct type), a function's result, or the elements of a container
// or of a channel of channels (elem).
type pkey struct {
	obj  types.Object
	elem bool
}

type siteKind int

const (
	siteSend siteKind = iota
	siteRecv
	siteClose
	siteDone
)

type site struct {
	kind siteKind
	key  pkey
	fn   ast.Node // the enclosing function
	pos  token.Pos
}

type callSite struct {
	fn  ast.Node
	pos token.Pos
}

func (p *peers) inTest(pos token.Pos) bool {
	f := p.fset.File(pos)
	return f != nil && strings.HasSuffix(f.Name(), "_test.go")
}

func newPeers(fset *token.FileSet, pkg *types.Package, info *types.Info, insp *inspector.Inspector, locks *lockfacts.Result) *peers {
	p := &peers{
		fset:   fset,
		pkg:    pkg,
		info:   info,
		locks:  locks,
		funcs:  map[ast.Node]*lockfacts.Func{},
		parent: map[pkey]pkey{},
		roots:  map[ast.Node]bool{},
		goes:   map[*types.Func]bool{},
		encl:   map[*ast.FuncLit]ast.Node{},
		calls:  map[*types.Func][]callSite{},
		filled: map[pkey]bool{},
		sends:  map[ast.Node][]pkey{},
		flags:  map[types.Object][]ast.Node{},
		extern: map[pkey]bool{},
		away:   map[pkey]bool{},

		commAlts: map[token.Pos]*selectAlts{},
		siteAlts: map[int]*selectAlts{},
	}
	if locks != nil {
		for _, f := range locks.Funcs {
			p.funcs[f.Node] = f
		}
	}
	made := map[types.Object]ast.Node{} // local channels made with a buffer, and where
	var stack []ast.Node                // enclosing functions
	var fnObjs []*types.Func
	var defers []ast.Node // the function of each enclosing defer statement
	fn := func() ast.Node {
		if len(stack) == 0 {
			return nil
		}
		return stack[len(stack)-1]
	}
	insp.Nodes(nil, func(n ast.Node, push bool) bool {
		switch n.(type) {
		case *ast.FuncDecl, *ast.FuncLit:
			if !push {
				stack = stack[:len(stack)-1]
				fnObjs = fnObjs[:len(fnObjs)-1]
				return true
			}
			var obj *types.Func
			if d, ok := n.(*ast.FuncDecl); ok {
				obj, _ = info.Defs[d.Name].(*types.Func)
				if obj != nil && obj.Exported() {
					// The caller's channel: its other side is
					// the caller's business, out of sight.
					params := obj.Signature().Params()
					for i := 0; i < params.Len(); i++ {
						if p.tracked(params.At(i).Type()) {
							p.extern[pkey{obj: params.At(i)}] = true
						}
					}
				}
			}
			if lit, ok := n.(*ast.FuncLit); ok {
				p.encl[lit] = fn()
			}
			stack = append(stack, n)
			fnObjs = append(fnObjs, obj)
			return true
		}
		if _, ok := n.(*ast.DeferStmt); ok {
			if push {
				defers = append(defers, fn())
			} else {
				defers = defers[:len(defers)-1]
			}
			return true
		}
		if !push {
			return true
		}
		cur := fn()
		if len(defers) > 0 && defers[len(defers)-1] == cur && cur != nil {
			// A deferred operation happens when the function returns.
			defer p.moveSites(len(p.sites), funcEnd(cur))
		}
		switch n := n.(type) {
		case *ast.SelectStmt:
			p.selectCases(n, cur)
		case *ast.GoStmt:
			if lit, ok := ast.Unparen(n.Call.Fun).(*ast.FuncLit); ok {
				p.roots[lit] = true
			} else if f, ok := typeutil.Callee(info, n.Call).(*types.Func); ok {
				p.goes[f.Origin()] = true
			}
		case *ast.CallExpr:
			p.call(n, cur)
		case *ast.AssignStmt:
			if len(n.Lhs) == len(n.Rhs) {
				for i, lhs := range n.Lhs {
					p.assign(lhs, n.Rhs[i])
					if call, ok := ast.Unparen(n.Rhs[i]).(*ast.CallExpr); ok && isBufferedMake(info, call) {
						if k, ok := p.keyOf(lhs); ok && !k.elem {
							made[k.obj] = cur
						}
					}
					if id, ok := ast.Unparen(n.Rhs[i]).(*ast.Ident); ok && id.Name == "true" {
						if k, ok := p.keyOf(lhs); ok && !k.elem {
							p.flags[k.obj] = append(p.flags[k.obj], cur)
						}
					}
				}
			} else if len(n.Rhs) == 1 {
				// v, ok := <-ch; ch, ok := m[k]
				p.assign(n.Lhs[0], n.Rhs[0])
			}
		case *ast.ValueSpec:
			if len(n.Names) == len(n.Values) {
				for i, id := range n.Names {
					p.assign(id, n.Values[i])
				}
			}
		case *ast.CompositeLit:
			st, ok := deref(info.TypeOf(n)).Underlying().(*types.Struct)
			if !ok {
				return true
			}
			for i, elt := range n.Elts {
				if kv, ok := elt.(*ast.KeyValueExpr); ok {
					if key, ok := kv.Key.(*ast.Ident); ok {
						p.flow(info.Uses[key], kv.Value)
					}
				} else if i < st.NumFields() {
					p.flow(st.Field(i), elt)
				}
			}
		case *ast.RangeStmt:
			elem := n.Value
			if isChan(info.TypeOf(n.X)) {
				elem = n.Key // for v := range ch
			}
			if elem != nil {
				if k, ok := p.keyOf(n.X); ok && !k.elem {
					if v, ok := p.keyOf(elem); ok {
						p.union(v, pkey{k.obj, true})
					}
				}
			}
			if k, ok := p.keyOf(n.X); ok && isChan(info.TypeOf(n.X)) {
				p.sites = append(p.sites, site{siteRecv, k, cur, n.Pos()})
			}
		case *ast.ReturnStmt:
			if len(n.Results) == 1 && len(fnObjs) > 0 && fnObjs[len(fnObjs)-1] != nil {
				if _, isLit := cur.(*ast.FuncLit); !isLit {
					p.flow(fnObjs[len(fnObjs)-1], n.Results[0])
				}
			}
		case *ast.SendStmt:
			if k, ok := p.keyOf(n.Chan); ok {
				p.noteAlts(n.Pos())
				p.sites = append(p.sites, site{siteSend, k, cur, n.Pos()})
				p.sends[cur] = append(p.sends[cur], k)
				if !k.elem && made[k.obj] == cur && cur != nil {
					p.filled[k] = true
				}
				if v, ok := p.valueKey(n.Value); ok {
					p.union(pkey{k.obj, true}, v)
				}
			}
		case *ast.UnaryExpr:
			if n.Op == token.ARROW {
				if k, ok := p.keyOf(n.X); ok {
					p.noteAlts(n.Pos())
					p.sites = append(p.sites, site{siteRecv, k, cur, n.Pos()})
				}
			}
		}
		return true
	})
	// A token, or a channel from outside, is known by the class it
	// ended up in.
	filled := p.filled
	p.filled = map[pkey]bool{}
	for k := range filled {
		p.filled[p.find(k)] = true
	}
	extern := p.extern
	p.extern = map[pkey]bool{}
	for k := range extern {
		p.extern[p.find(k)] = true
	}
	return p
}

// moveSites sets the position of the sites recorded from i on.
func (p *peers) moveSites(i int, pos token.Pos) {
	for ; i < len(p.sites); i++ {
		p.sites[i].pos = pos
	}
}

func funcEnd(fn ast.Node) token.Pos {
	switch n := fn.(type) {
	case *ast.FuncDecl:
		if n.Body != nil {
			return n.Body.Rbrace
		}
	case *ast.FuncLit:
		return n.Body.Rbrace
	}
	return fn.End()
}

// call records calls (for the callers of each function), close and Done
// sites, goroutine bodies handed to AfterFunc and Go, and the flow of
// arguments into parameters.
func (p *peers) call(n *ast.CallExpr, cur ast.Node) {
	if builtinName(p.info, n) == "close" && len(n.Args) == 1 {
		if k, ok := p.keyOf(n.Args[0]); ok {
			p.sites = append(p.sites, site{siteClose, k, cur, n.Pos()})
			p.sends[cur] = append(p.sends[cur], k)
		}
		return
	}
	f, ok := typeutil.Callee(p.info, n).(*types.Func)
	if !ok {
		return
	}
	switch f.FullName() {
	case "time.AfterFunc":
		for _, a := range n.Args {
			if lit, ok := ast.Unparen(a).(*ast.FuncLit); ok {
				p.roots[lit] = true
			}
		}
	case "(*sync.WaitGroup).Done":
		if k, ok := p.recvKey(n); ok {
			p.sites = append(p.sites, site{siteDone, k, cur, n.Pos()})
		}
	case "(*sync.WaitGroup).Go", "(*golang.org/x/sync/errgroup.Group).Go":
		if k, ok := p.recvKey(n); ok && len(n.Args) == 1 {
			if lit, ok := ast.Unparen(n.Args[0]).(*ast.FuncLit); ok {
				p.roots[lit] = true
				p.sites = append(p.sites, site{siteDone, k, lit, lit.Body.Rbrace})
			}
		}
	}
	f = f.Origin()
	if f.Pkg() != p.pkg {
		for _, arg := range n.Args {
			if k, ok := p.keyOf(arg); ok {
				p.away[k] = true
			}
		}
	}
	p.calls[f] = append(p.calls[f], callSite{cur, n.Pos()})
	sig := f.Signature()
	for i, arg := range n.Args {
		if i < sig.Params().Len() && !(sig.Variadic() && i >= sig.Params().Len()-1) {
			p.flow(sig.Params().At(i), arg)
		}
	}
}

// recvKey names the receiver of a method call, through embedded fields:
// subs.Wait() on a struct embedding sync.WaitGroup names the embedded field.
func (p *peers) recvKey(call *ast.CallExpr) (pkey, bool) {
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok {
		return pkey{}, false
	}
	if s := p.info.Selections[sel]; s != nil && len(s.Index()) > 1 {
		t := s.Recv()
		var last *types.Var
		for _, idx := range s.Index()[:len(s.Index())-1] {
			st, ok := deref(t).Underlying().(*types.Struct)
			if !ok || idx >= st.NumFields() {
				return pkey{}, false
			}
			last = st.Field(idx)
			t = last.Type()
		}
		return pkey{obj: last}, true
	}
	return p.keyOf(sel.X)
}

// keyOf names the channel or WaitGroup e denotes.
func (p *peers) keyOf(e ast.Expr) (pkey, bool) {
	switch x := ast.Unparen(e).(type) {
	case *ast.UnaryExpr:
		if x.Op == token.AND {
			return p.keyOf(x.X)
		}
	case *ast.StarExpr:
		return p.keyOf(x.X)
	case *ast.Ident:
		obj := p.info.Uses[x]
		if obj == nil {
			obj = p.info.Defs[x]
		}
		if v, ok := obj.(*types.Var); ok {
			return pkey{obj: v}, true
		}
	case *ast.SelectorExpr:
		if sel := p.info.Selections[x]; sel != nil {
			if sel.Kind() == types.FieldVal {
				return pkey{obj: sel.Obj()}, true
			}
			return pkey{}, false
		}
		if v, ok := p.info.Uses[x.Sel].(*types.Var); ok {
			return pkey{obj: v}, true
		}
	case *ast.IndexExpr:
		if k, ok := p.keyOf(x.X); ok && !k.elem {
			return pkey{k.obj, true}, true
		}
	case *ast.SliceExpr:
		return p.keyOf(x.X)
	}
	return pkey{}, false
}

// valueKey names what an expression hands on: a channel, a container's
// elements, the element received from a channel of channels, a function's
// result.
func (p *peers) valueKey(e ast.Expr) (pkey, bool) {
	switch x := ast.Unparen(e).(type) {
	case *ast.UnaryExpr:
		if x.Op == token.ARROW {
			if k, ok := p.keyOf(x.X); ok && !k.elem {
				return pkey{k.obj, true}, true
			}
			return pkey{}, false
		}
	case *ast.CallExpr:
		if f, ok := typeutil.Callee(p.info, x).(*types.Func); ok {
			return pkey{obj: f.Origin()}, true
		}
		return pkey{}, false
	}
	return p.keyOf(e)
}

// flow records that obj is given value.
func (p *peers) flow(obj types.Object, value ast.Expr) {
	v := obj
	if v == nil || !p.tracked(v.Type()) {
		return
	}
	if isChanContainer(v.Type()) {
		p.container(pkey{obj: v}, value)
		return
	}
	if k, ok := p.valueKey(value); ok {
		p.union(pkey{obj: v}, k)
	}
}

// assign records lhs = value.
func (p *peers) assign(lhs, value ast.Expr) {
	t := p.info.TypeOf(lhs)
	if t == nil || !p.tracked(t) {
		return
	}
	k, ok := p.keyOf(lhs)
	if !ok {
		return
	}
	if isChanContainer(t) {
		p.container(k, value)
		return
	}
	if v, ok := p.valueKey(value); ok {
		p.union(k, v)
	}
}

// container records the elements a container value brings into c.
func (p *peers) container(c pkey, value ast.Expr) {
	elem := pkey{c.obj, true}
	if call, ok := ast.Unparen(value).(*ast.CallExpr); ok && builtinName(p.info, call) == "append" {
		for i, arg := range call.Args {
			if i == 0 || call.Ellipsis.IsValid() {
				if k, ok := p.keyOf(arg); ok && !k.elem {
					p.union(elem, pkey{k.obj, true})
				}
				continue
			}
			if k, ok := p.valueKey(arg); ok {
				p.union(elem, k)
			}
		}
		return
	}
	if k, ok := p.keyOf(value); ok && !k.elem {
		p.union(elem, pkey{k.obj, true})
	}
}

// tracked reports the types followed: channels, containers of channels,
// functions returning one, wait groups.
func (p *peers) tracked(t types.Type) bool {
	if sig, ok := t.(*types.Signature); ok {
		return sig.Results().Len() == 1 && p.tracked(sig.Results().At(0).Type())
	}
	return isChan(t) || isChanContainer(t) ||
		analysisutil.IsNamedType(t, "sync", "WaitGroup") ||
		analysisutil.IsNamedType(t, "golang.org/x/sync/errgroup", "Group")
}

func (p *peers) find(k pkey) pkey {
	for {
		up, ok := p.parent[k]
		if !ok || up == k {
			return k
		}
		if upup, ok := p.parent[up]; ok {
			p.parent[k] = upup
		}
		k = up
	}
}

func (p *peers) union(a, b pkey) {
	if a.obj == nil || b.obj == nil {
		return
	}
	ra, rb := p.find(a), p.find(b)
	if ra != rb {
		p.parent[ra] = rb
	}
}

// token reports whether e is a channel made with a buffer and filled where
// it was made, used as a lock or a semaphore: receiving from it acquires it.
func (p *peers) token(e ast.Expr) bool {
	k, ok := p.keyOf(e)
	return ok && p.filled[p.find(k)]
}

// lockID is a held lock as the lock facts name it.
type lockID struct {
	ref   cfgpath.Ref
	class string
}

// free reports whether the operation on e (a channel, or the WaitGroup
// whose Done the sites are) in function waiter can only be completed by
// goroutines that never take a held lock: there is at least one place
// that completes it, outside waiter, and each runs where none of the
// locks is needed on the way there.
func (p *peers) free(e ast.Expr, kinds []siteKind, waiter ast.Node, held []lockID) bool {
	var k pkey
	var ok bool
	if call, isCall := ast.Unparen(e).(*ast.CallExpr); isCall {
		k, ok = p.recvKey(call)
	} else {
		k, ok = p.keyOf(e)
	}
	return ok && p.freeKey(k, kinds, waiter, held)
}

// fieldKey names the channel a summary's operation uses: arg itself, or
// its field named field, or the last field of a path of them
// (state.health.stop: the stop field of every health). obj is the
// variable or field.
func (p *peers) fieldKey(arg ast.Expr, field string) (pkey, types.Object, bool) {
	if field == "" {
		k, ok := p.keyOf(arg)
		return k, k.obj, ok && !k.elem
	}
	t := p.info.TypeOf(arg)
	var v *types.Var
	for name := range strings.SplitSeq(field, ".") {
		if t == nil {
			return pkey{}, nil, false
		}
		obj, _, _ := types.LookupFieldOrMethod(t, true, p.pkg, name)
		f, ok := obj.(*types.Var)
		if !ok || !f.IsField() {
			return pkey{}, nil, false
		}
		v, t = f, f.Type()
	}
	return pkey{obj: v}, v, true
}

// freeKey is free for the channel or WaitGroup k.
func (p *peers) freeKey(k pkey, kinds []siteKind, waiter ast.Node, held []lockID) bool {
	if len(held) == 0 {
		return false
	}
	root := p.find(k)
	if kindIn(siteRecv, kinds) && p.extern[root] {
		// A send on a channel a caller handed in: its receivers
		// are out of sight. (A receive needs only one sender or
		// closer, and one in sight is enough.)
		return false
	}
	helping := 0
	for i, s := range p.sites {
		if !kindIn(s.kind, kinds) || p.find(s.key) != root || p.inTest(s.pos) {
			continue // test code is no peer of the code it tests
		}
		helps, free := p.path(s.fn, s.pos, waiter, held, 0, map[ast.Node]bool{})
		if !helps {
			continue
		}
		if !free || p.mayLeave(i, held) {
			// The other side needs the lock, or may take another
			// case of its select (a deadline, a cancel) and never
			// come: the wait under the lock may last for ever.
			return false
		}
		helping++
	}
	return helping > 0
}

// unreceived reports whether nothing can receive from the channel e: it is
// a local variable or an unexported field no exported function hands in,
// and no code of the package (tests included) receives from it or from a
// channel it flows to or from.
func (p *peers) unreceived(e ast.Expr) bool {
	k, ok := p.keyOf(e)
	if !ok || k.obj == nil || k.elem || (k.obj.Exported() && !isLocal(k.obj)) {
		return false
	}
	root := p.find(k)
	if p.extern[root] {
		return false
	}
	for a := range p.away {
		if p.find(a) == root {
			return false
		}
	}
	for _, s := range p.sites {
		if s.kind == siteRecv && p.find(s.key) == root {
			return false
		}
	}
	return true
}

// isLocal reports whether obj is declared inside a function.
func isLocal(obj types.Object) bool {
	return obj.Parent() != nil && obj.Parent() != obj.Pkg().Scope()
}

// lockedPeer reports whether some other side of the channel or WaitGroup
// k (sites of the given kinds) is known to take a held lock on its way
// there: in its function before the site, or in a caller before the call
// that leads to it. Unlike free, which gives up when a path is out of
// sight, it needs that evidence.
func (p *peers) lockedPeer(k pkey, kinds []siteKind, waiter ast.Node, held []lockID) bool {
	if len(held) == 0 {
		return false
	}
	root := p.find(k)
	for _, s := range p.sites {
		if !kindIn(s.kind, kinds) || p.find(s.key) != root || p.inTest(s.pos) {
			continue
		}
		if p.takenOnWay(s.fn, s.pos, waiter, held, 0, map[ast.Node]bool{}) {
			return true
		}
	}
	return false
}

// takenOnWay reports whether a held lock is taken before at in fn, or,
// climbing to the callers of fn (not past the start of a goroutine, nor
// into the waiter's own goroutine), before the call that leads to at.
func (p *peers) takenOnWay(fn ast.Node, at token.Pos, waiter ast.Node, held []lockID, depth int, seen map[ast.Node]bool) bool {
	if fn == nil || fn == waiter || seen[fn] || depth > 4 {
		return false
	}
	seen[fn] = true
	if p.takes(fn, at, held) {
		return true
	}
	if p.roots[fn] {
		return false
	}
	switch n := fn.(type) {
	case *ast.FuncLit:
		return p.takenOnWay(p.encl[n], n.Pos(), waiter, held, depth+1, seen)
	case *ast.FuncDecl:
		obj, _ := p.info.Defs[n.Name].(*types.Func)
		if obj == nil || p.goes[obj] {
			return false
		}
		for _, c := range p.calls[obj] {
			if p.takenOnWay(c.fn, c.pos, waiter, held, depth+1, seen) {
				return true
			}
		}
	}
	return false
}

func kindIn(k siteKind, kinds []siteKind) bool {
	for _, x := range kinds {
		if x == k {
			return true
		}
	}
	return false
}

// path follows a site up to the goroutine that runs it: helps is false
// when it runs on the waiter's goroutine (in waiter, or called from it);
// free is false when a held lock is taken on the way (before the site, or
// before the call that leads to it).
func (p *peers) path(fn ast.Node, at token.Pos, waiter ast.Node, held []lockID, depth int, seen map[ast.Node]bool) (helps, free bool) {
	if fn == nil {
		return true, false
	}
	if fn == waiter {
		return false, true
	}
	if seen[fn] {
		return false, true
	}
	seen[fn] = true
	if p.takes(fn, at, held) {
		return true, false
	}
	if p.roots[fn] {
		return true, true
	}
	if depth > 6 {
		return true, false
	}
	switch n := fn.(type) {
	case *ast.FuncLit:
		return p.path(p.encl[n], n.Pos(), waiter, held, depth+1, seen)
	case *ast.FuncDecl:
		obj, _ := p.info.Defs[n.Name].(*types.Func)
		if obj == nil {
			return true, false
		}
		if p.goes[obj] {
			return true, true
		}
		callers := p.calls[obj]
		if len(callers) == 0 {
			// Called from outside the package when exported; an
			// unexported one runs as a value handed on: unknown.
			return true, obj.Exported()
		}
		helps = false
		for _, c := range callers {
			h, f := p.path(c.fn, c.pos, waiter, held, depth+1, seen)
			if !h {
				continue
			}
			if f {
				return true, true
			}
			helps = true
		}
		return helps, !helps
	}
	return true, false
}

// takes reports whether fn takes one of the held locks before at: earlier
// in the function, or anywhere in a loop around at (the next iteration).
func (p *peers) takes(fn ast.Node, at token.Pos, held []lockID) bool {
	f := p.funcs[fn]
	if f == nil {
		return false
	}
	var loops []ast.Node
	ast.Inspect(fn, func(n ast.Node) bool {
		if n == nil || n.Pos() > at || n.End() <= at {
			return n == nil || n.Pos() <= at
		}
		switch n.(type) {
		case *ast.ForStmt, *ast.RangeStmt:
			loops = append(loops, n)
		}
		return true
	})
	inLoop := func(pos token.Pos) bool {
		for _, l := range loops {
			if l.Pos() <= pos && pos < l.End() {
				return true
			}
		}
		return false
	}
	for _, a := range f.Acquires {
		if a.Pos >= at && !inLoop(a.Pos) {
			continue
		}
		for _, h := range held {
			if h.class != "" && a.Class == h.class {
				return true
			}
			if a.HasKey && a.Key.Ref.Root == h.ref.Root && a.Key.Ref.Path == h.ref.Path {
				return true
			}
		}
	}
	return false
}

// flagged reports whether the bool field or variable cond names is set to
// true only in functions that also send on or close ch: the flag says the
// value is there (or the channel closed).
func (p *peers) flagged(cond, ch ast.Expr) bool {
	f, ok := p.keyOf(cond)
	if !ok || f.elem {
		return false
	}
	if b, ok := f.obj.Type().Underlying().(*types.Basic); !ok || b.Kind() != types.Bool {
		return false
	}
	c, ok := p.keyOf(ch)
	if !ok {
		return false
	}
	root := p.find(c)
	sets := p.flags[f.obj]
	if len(sets) == 0 {
		return false
	}
	for _, fn := range sets {
		sent := false
		for _, k := range p.sends[fn] {
			if p.find(k) == root {
				sent = true
			}
		}
		if !sent {
			return false
		}
	}
	return true
}

// selectCases records, for each channel operation that is a case of sel
// (in function fn), the select's other ways out: in a loop, only the cases
// that leave it (a return, a labelled break, a goto) are ways out, since
// after any other the goroutine comes back to the same select.
func (p *peers) selectCases(sel *ast.SelectStmt, fn ast.Node) {
	looped := inLoop(fn, sel.Pos())
	var ops []token.Pos
	var chans []ast.Expr
	var outs []bool
	for _, c := range sel.Body.List {
		cc, ok := c.(*ast.CommClause)
		if !ok {
			continue
		}
		out := !looped || leaves(cc.Body)
		if cc.Comm == nil {
			ops = append(ops, token.NoPos)
			chans = append(chans, nil)
			outs = append(outs, out)
			continue
		}
		pos, ch := commOp(cc.Comm)
		ops = append(ops, pos)
		chans = append(chans, ch)
		outs = append(outs, out)
	}
	for i, pos := range ops {
		if pos == token.NoPos {
			continue
		}
		a := &selectAlts{}
		for j, ch := range chans {
			if j == i || !outs[j] {
				continue
			}
			if ch == nil {
				a.hasDefault = true
			} else {
				a.chans = append(a.chans, ch)
			}
		}
		p.commAlts[pos] = a
	}
}

// inLoop reports whether pos lies in a for or range statement of fn's own
// body (not of a function literal inside it).
func inLoop(fn ast.Node, pos token.Pos) bool {
	if fn == nil {
		return false
	}
	found := false
	ast.Inspect(fn, func(n ast.Node) bool {
		if n == nil || found || n.Pos() > pos || n.End() <= pos {
			return false
		}
		switch n.(type) {
		case *ast.FuncLit:
			return n == fn
		case *ast.ForStmt, *ast.RangeStmt:
			found = true
			return false
		}
		return true
	})
	return found
}

// leaves reports whether a select case's body may leave the loop around
// the select: a return, a labelled break or a goto (an unlabelled break
// only ends the select).
func leaves(body []ast.Stmt) bool {
	out := false
	for _, st := range body {
		ast.Inspect(st, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncLit:
				return false
			case *ast.ReturnStmt:
				out = true
			case *ast.BranchStmt:
				if n.Tok == token.GOTO || (n.Tok == token.BREAK && n.Label != nil) {
					out = true
				}
			}
			return !out
		})
	}
	return out
}

// commOp returns the position of a select case's channel operation (as
// the send statement or receive expression reports it) and its channel.
func commOp(comm ast.Stmt) (token.Pos, ast.Expr) {
	var e ast.Expr
	switch c := comm.(type) {
	case *ast.SendStmt:
		return c.Pos(), c.Chan
	case *ast.ExprStmt:
		e = c.X
	case *ast.AssignStmt:
		if len(c.Rhs) == 1 {
			e = c.Rhs[0]
		}
	}
	if u, ok := ast.Unparen(e).(*ast.UnaryExpr); ok && u.Op == token.ARROW {
		return u.Pos(), u.X
	}
	return token.NoPos, nil
}

// noteAlts ties the site about to be added at pos to its select's other
// cases, if it is a select case.
func (p *peers) noteAlts(pos token.Pos) {
	if a := p.commAlts[pos]; a != nil {
		p.siteAlts[len(p.sites)] = a
	}
}

// mayLeave reports whether the goroutine at site i may take another way
// out of its select while the locks are held: a default, a deadline or
// ctx.Done(), or a channel that something sends on or closes without
// taking a held lock first. A way out that only a holder of the lock can
// open (cron's stop channel, sent under the same mutex) does not count.
func (p *peers) mayLeave(i int, held []lockID) bool {
	a := p.siteAlts[i]
	if a == nil {
		return false
	}
	if a.hasDefault {
		return true
	}
	for _, ch := range a.chans {
		if p.timeOrDone(ch) {
			return true
		}
		k, ok := p.keyOf(ch)
		if !ok {
			return true // a channel out of sight: anyone may fire it
		}
		root := p.find(k)
		if p.extern[root] {
			return true
		}
		for _, s := range p.sites {
			if (s.kind != siteSend && s.kind != siteClose) || p.find(s.key) != root || p.inTest(s.pos) {
				continue
			}
			if !p.takes(s.fn, s.pos, held) {
				return true
			}
		}
	}
	return false
}

// timeOrDone reports a channel of time.Time (a timer, a ticker,
// time.After) or a Done() call on a context.
func (p *peers) timeOrDone(ch ast.Expr) bool {
	if t := p.info.TypeOf(ch); t != nil {
		if c, ok := t.Underlying().(*types.Chan); ok && analysisutil.IsNamedType(c.Elem(), "time", "Time") {
			return true
		}
	}
	call, ok := ast.Unparen(ch).(*ast.CallExpr)
	if !ok {
		return false
	}
	fn := analysisutil.CalleeFunc(p.info, call)
	if fn == nil || fn.Name() != "Done" {
		return false
	}
	recv := fn.Signature().Recv()
	return recv != nil && (analysisutil.IsNamedType(recv.Type(), "context", "Context") || implementsContext(recv.Type()))
}
