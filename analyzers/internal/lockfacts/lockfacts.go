// Package lockfacts follows the state of sync.Mutex and sync.RWMutex locks
// along every function's control-flow graph, and summarises each function
// for its callers as an analysis.Fact: which locks it takes (of its
// receiver, its parameters, package-level variables), which it returns
// holding, which it releases for its caller. The lock rules (lockleak,
// doublelock, lockorder) read its per-function results.
//
// A lock is identified two ways. Within a function, by the storage it
// names (cfgpath.Ref: c.mu, s.cache.mu, a package-level mu), so two
// instances of one type are never confused; an assignment to the root
// variable (c = c.next, a range variable's next iteration) makes it a new
// lock. Across functions, by its class: the type that holds the field and
// the field's name (store.Store.mu), or the package-level variable — the
// identity a lock order is about.
package lockfacts

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"reflect"
	"sort"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"

	"golang.org/x/tools/go/types/typeutil"

	"github.com/asyncbook/asyncbook/analyzers/internal/cfgpath"
)

// Analyzer computes the lock state of every function of a package and
// exports a Summary fact for each function that takes or releases a lock.
var Analyzer = &analysis.Analyzer{
	Name:             "lockfacts",
	Doc:              "follow mutex state along control-flow paths and summarise each function's locking for its callers",
	Requires:         []*analysis.Analyzer{inspect.Analyzer, cfgpath.Analyzer},
	ResultType:       reflect.TypeFor[*Result](),
	FactTypes:        []analysis.Fact{new(Summary)},
	RunDespiteErrors: true,
	Run:              run,
}

// Effect kinds of a function on one lock, as seen by its caller.
const (
	Takes    = 1 << iota // takes the lock at some point (and may release it again)
	Returns              // returns holding it on every path, having taken it
	Releases             // releases a lock its caller holds
	Retakes              // releases a lock its caller holds and takes it back before returning
)

// Effect is what a function does to one lock.
type Effect struct {
	// Param locates the lock from the caller's side: 0 is the receiver,
	// i+1 the i-th parameter; -1 a package-level variable (Global);
	// -2 a lock known only by its class (a field of a value the function
	// looks up itself).
	Param  int
	Global string // "pkgpath.name" when Param is -1
	Path   string // field path from the parameter or variable: ".mu"
	Read   bool   // RLock/RUnlock rather than Lock/Unlock
	Kind   int    // Takes, Returns, Releases (or-ed)
	Class  string // the lock's class (see the package doc); "" if none
	Where  string // where the lock is taken, "file.go:12", for messages
}

// Summary is the fact exported for a function.
type Summary struct {
	Effects []Effect
}

func (*Summary) AFact() {}

func (s *Summary) String() string {
	var parts []string
	for _, e := range s.Effects {
		var k []string
		if e.Kind&Takes != 0 {
			k = append(k, "takes")
		}
		if e.Kind&Returns != 0 {
			k = append(k, "returns")
		}
		if e.Kind&Releases != 0 {
			k = append(k, "releases")
		}
		if e.Kind&Retakes != 0 {
			k = append(k, "retakes")
		}
		who := fmt.Sprintf("p%d", e.Param)
		switch e.Param {
		case 0:
			who = "recv"
		case -1:
			who = e.Global
		case -2:
			who = "class"
		}
		r := ""
		if e.Read {
			r = " (read)"
		}
		parts = append(parts, fmt.Sprintf("%s %s%s [%s]%s", strings.Join(k, "+"), who, e.Path, e.Class, r))
	}
	return "locks(" + strings.Join(parts, "; ") + ")"
}

// Key identifies a lock within a function: its storage, and whether it is
// the read side of an RWMutex.
type Key struct {
	Ref  cfgpath.Ref
	Read bool
}

// Possible states of a lock on the paths reaching a point (a set of bits).
const (
	NotHeld  = 1 << iota // not held by this function
	Held                 // held, no deferred unlock
	Deferred             // held, with an unlock deferred
	Pending              // not held, an unlock deferred anyway
)

// Status is what the paths to a point say about one lock.
type Status struct {
	Bits uint8
	Site token.Pos // a Lock call that took it (the earliest, for stable reports)
	Name string    // how the source spells it: c.mu
}

// MustHeld reports whether every path holds the lock.
func (s Status) MustHeld() bool {
	return s.Bits != 0 && s.Bits&(NotHeld|Pending) == 0
}

// MayHeld reports whether some path holds the lock.
func (s Status) MayHeld() bool { return s.Bits&(Held|Deferred) != 0 }

// State maps locks to their status; a lock it lacks is not held.
type State map[Key]Status

// Held is a lock held at an acquisition.
type HeldLock struct {
	Key    Key
	Status Status
	Class  string
}

// Acquire is one place where a function takes a lock, directly or through
// a call.
type Acquire struct {
	Key    Key
	HasKey bool   // false: known only by Class (through a call)
	Name   string // c.mu
	Class  string
	Pos    token.Pos // the Lock call, or the call that takes it
	End    token.Pos
	Via    *types.Func // the function called, nil for a direct Lock
	Where  string      // for Via: where the callee takes it
	Retake bool        // the callee releases the caller's lock first and takes it back
	Held   []HeldLock  // locks that may be held there (sorted by site)
}

// Exit is a return of the function with the lock state there.
type Exit struct {
	Return   *ast.ReturnStmt // Return.Pos() is the closing brace for an implicit return
	State    State
	Returned []cfgpath.Ref // refs of the results
}

// Func is the lock analysis of one function.
type Func struct {
	Node     ast.Node    // *ast.FuncDecl or *ast.FuncLit
	Obj      *types.Func // nil for a literal
	Acquires []Acquire
	Exits    []Exit
	// Direct lists the direct Lock/RLock calls of each lock.
	Direct map[Key][]*ast.CallExpr
	// Unlocks lists the direct Unlock/RUnlock statements (and deferred
	// unlocks, and calls that release) of each lock.
	Unlocks map[Key][]ast.Node
	// EntryHeld holds the locks the function releases without having
	// taken them: its caller holds them on entry.
	EntryHeld map[Key]bool
	// HandedOff holds the locks a function literal made here releases
	// (a goroutine, a callback, a returned unlock function).
	HandedOff map[Key]bool
	// TryLocked holds the locks taken with TryLock: their state depends on
	// a branch and is not followed.
	TryLocked map[Key]bool
	// Reassigned holds the variables the function assigns (c = c.parent):
	// their fields are not the caller's any more.
	Reassigned map[types.Object]bool
	// FieldCalls are the calls of a function stored in a struct field
	// (le.cp(ctx), w.onEvent()), with the locks held there.
	FieldCalls []FieldCall
	// Reunlocks are explicit unlocks of a lock held with its unlock
	// already deferred (mu.Lock(); defer mu.Unlock(); ... mu.Unlock()):
	// unless the lock is taken again, the deferred one unlocks it twice.
	Reunlocks []Reunlock
	// LitCalls are the calls of a declared function that hand it a
	// function literal (c.walk(func(...) { ... })), with the locks held
	// there: a callee that calls the literal runs it under them.
	LitCalls []LitCall
	// ParamCalls are the calls of a function parameter (fn(m) in a visitor
	// func (r *Registry) Each(fn func(*Model))), with the locks held there:
	// a literal handed in runs under them.
	ParamCalls []ParamCall
}

// ParamCall is a call of one of the function's parameters.
type ParamCall struct {
	Param int // index in the signature's parameters
	Call  *ast.CallExpr
	Held  []HeldLock
}

// Reunlock is an explicit unlock of a lock whose unlock is deferred.
type Reunlock struct {
	Key  Key
	At   ast.Node // the Unlock call
	Name string   // c.mu
}

// LitCall is a call of a declared function with a function literal among
// its arguments.
type LitCall struct {
	Call   *ast.CallExpr
	Callee *types.Func
	Arg    int // the literal's index in Call.Args
	Lit    *ast.FuncLit
	Held   []HeldLock
}

// FieldCall is a call of the function value in a struct field: a callback
// whose body the call does not name.
type FieldCall struct {
	Field *types.Var
	Call  *ast.CallExpr
	// Owner is the value whose field is called: le in le.cp(ctx), or in
	// cp := le.cp; cp(ctx).
	Owner ast.Expr
	Held  []HeldLock
}

// Result is the analysis of a package.
type Result struct {
	Funcs []*Func
	byObj map[*types.Func]*Func
}

// Of returns the analysis of a function declared in the package.
func (r *Result) Of(fn *types.Func) *Func { return r.byObj[fn] }

type analyzer struct {
	pass      *analysis.Pass
	cfgs      *cfgpath.CFGs
	decls     map[*types.Func]*ast.FuncDecl
	summaries map[*types.Func]*Summary
	started   map[*types.Func]bool
	res       *Result
}

func run(pass *analysis.Pass) (any, error) {
	res := &Result{byObj: map[*types.Func]*Func{}}
	insp, ok := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	cfgs, ok2 := pass.ResultOf[cfgpath.Analyzer].(*cfgpath.CFGs)
	if !ok || !ok2 {
		return res, nil
	}
	a := &analyzer{
		pass:      pass,
		cfgs:      cfgs,
		decls:     map[*types.Func]*ast.FuncDecl{},
		summaries: map[*types.Func]*Summary{},
		started:   map[*types.Func]bool{},
		res:       res,
	}
	var order []*types.Func
	var lits []*ast.FuncLit
	for cur := range insp.Root().Preorder((*ast.FuncDecl)(nil), (*ast.FuncLit)(nil)) {
		switch n := cur.Node().(type) {
		case *ast.FuncDecl:
			if fn, ok := pass.TypesInfo.Defs[n.Name].(*types.Func); ok && n.Body != nil {
				a.decls[fn] = n
				order = append(order, fn)
			}
		case *ast.FuncLit:
			lits = append(lits, n)
		}
	}
	for _, fn := range order {
		a.decl(fn)
	}
	for _, lit := range lits {
		if f := a.analyse(lit, nil); f != nil {
			res.Funcs = append(res.Funcs, f)
		}
	}
	sort.SliceStable(res.Funcs, func(i, j int) bool { return res.Funcs[i].Node.Pos() < res.Funcs[j].Node.Pos() })
	return res, nil
}

// decl analyses fn after the functions of the package it calls (a cycle
// is broken where it is met: the callee has no summary yet).
func (a *analyzer) decl(fn *types.Func) {
	if a.started[fn] {
		return
	}
	a.started[fn] = true
	f := a.analyse(a.decls[fn], fn)
	if f == nil {
		return
	}
	a.res.Funcs = append(a.res.Funcs, f)
	a.res.byObj[fn] = f
	if s := a.summarise(f); len(s.Effects) > 0 {
		a.summaries[fn] = s
		a.pass.ExportObjectFact(fn, s)
	}
}

// summary returns the summary of a callee: analysed here first when it is
// declared in the package, imported as a fact otherwise.
func (a *analyzer) summary(fn *types.Func) *Summary {
	if fn == nil {
		return nil
	}
	fn = fn.Origin()
	if _, ok := a.decls[fn]; ok {
		a.decl(fn)
		return a.summaries[fn]
	}
	if fn.Pkg() == nil || fn.Pkg() == a.pass.Pkg {
		return nil
	}
	s := new(Summary)
	if a.pass.ImportObjectFact(fn, s) {
		return s
	}
	return nil
}

// lockOp classifies a call as an operation on a mutex.
type lockOp int

const (
	opNone lockOp = iota
	opLock
	opUnlock
	opTryLock
)

// LockCall classifies call as Lock/RLock, Unlock/RUnlock or TryLock of a
// sync.Mutex, sync.RWMutex or sync.Locker, and returns the mutex
// expression's ref (an embedded mutex included: c.Lock() locks c.Mutex),
// whether it is the read side, and how the source names the mutex.
func LockCall(info *types.Info, call *ast.CallExpr) (op lockOp, r cfgpath.Ref, read bool, name string, ok bool) {
	fn, _ := typeutil.Callee(info, call).(*types.Func)
	if fn == nil {
		return opNone, cfgpath.Ref{}, false, "", false
	}
	switch fn.FullName() {
	case "(*sync.Mutex).Lock", "(*sync.RWMutex).Lock", "(sync.Locker).Lock":
		op = opLock
	case "(*sync.RWMutex).RLock":
		op, read = opLock, true
	case "(*sync.Mutex).Unlock", "(*sync.RWMutex).Unlock", "(sync.Locker).Unlock":
		op = opUnlock
	case "(*sync.RWMutex).RUnlock":
		op, read = opUnlock, true
	case "(*sync.Mutex).TryLock", "(*sync.RWMutex).TryLock":
		op = opTryLock
	case "(*sync.RWMutex).TryRLock":
		op, read = opTryLock, true
	default:
		return opNone, cfgpath.Ref{}, false, "", false
	}
	r, name, ok = recvRef(info, call)
	return op, r, read, name, ok
}

// recvRef returns the ref of a method call's receiver, with the fields of
// an embedded path (c.Lock() promoted from c.Mutex gives c.Mutex).
func recvRef(info *types.Info, call *ast.CallExpr) (cfgpath.Ref, string, bool) {
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok {
		return cfgpath.Ref{}, "", false
	}
	r, ok := cfgpath.RefOf(info, sel.X)
	if !ok {
		return cfgpath.Ref{}, "", false
	}
	name := types.ExprString(sel.X)
	if s := info.Selections[sel]; s != nil && len(s.Index()) > 1 {
		t := s.Recv()
		for _, idx := range s.Index()[:len(s.Index())-1] {
			st, ok := deref(t).Underlying().(*types.Struct)
			if !ok || idx >= st.NumFields() {
				return cfgpath.Ref{}, "", false
			}
			f := st.Field(idx)
			r.Path += "." + f.Name()
			name += "." + f.Name()
			t = f.Type()
		}
	}
	return r, name, true
}

func deref(t types.Type) types.Type {
	if p, ok := types.Unalias(t).(*types.Pointer); ok {
		return p.Elem()
	}
	return t
}

// ClassOf returns the class of the lock a ref names: the named type holding
// its last field and the field's name, or the package-level variable (with
// its path). Locals and parameters that are themselves the mutex have none.
func ClassOf(r cfgpath.Ref) string {
	if r.Root == nil {
		return ""
	}
	if r.Path == "" {
		if r.PackageLevel() {
			return qualified(r.Root)
		}
		return ""
	}
	fields := strings.Split(strings.TrimPrefix(r.Path, "."), ".")
	// The class is the nearest named type on the path and the fields
	// after it: Store.mu, or Store.coalescedMu.Mutex through an unnamed
	// struct.
	owner, from := "", 0
	if r.PackageLevel() {
		owner = qualified(r.Root)
	}
	t := r.Root.Type()
	for i, f := range fields {
		if n, ok := types.Unalias(deref(t)).(*types.Named); ok {
			obj := n.Origin().Obj()
			owner, from = obj.Name(), i
			if obj.Pkg() != nil {
				owner = obj.Pkg().Path() + "." + owner
			}
		}
		if i == len(fields)-1 {
			break
		}
		fobj, _, _ := types.LookupFieldOrMethod(t, true, fieldPkg(t), f)
		v, ok := fobj.(*types.Var)
		if !ok {
			return ""
		}
		t = v.Type()
	}
	if owner == "" {
		return ""
	}
	return owner + "." + strings.Join(fields[from:], ".")
}

func fieldPkg(t types.Type) *types.Package {
	if n, ok := types.Unalias(deref(t)).(*types.Named); ok {
		return n.Obj().Pkg()
	}
	return nil
}

func qualified(obj types.Object) string {
	if obj.Pkg() == nil {
		return obj.Name()
	}
	return obj.Pkg().Path() + "." + obj.Name()
}

// ShortClass drops the package path of a class: store.Store.mu.
func ShortClass(c string) string {
	if i := strings.LastIndex(c, "/"); i >= 0 {
		return c[i+1:]
	}
	return c
}

// Locking reports a Lock or RLock call: the lock's key and how the source
// names the mutex.
func Locking(info *types.Info, call *ast.CallExpr) (Key, string, bool) {
	op, r, read, name, ok := LockCall(info, call)
	return Key{r, read}, name, ok && op == opLock
}

// Unlocking reports an Unlock or RUnlock call and the lock's key.
func Unlocking(info *types.Info, call *ast.CallExpr) (Key, bool) {
	op, r, read, _, ok := LockCall(info, call)
	return Key{r, read}, ok && op == opUnlock
}
