// Package summary computes, for every function of a package, what it does
// with the channels it is given: the parameters (the receiver first), a
// field of a parameter or of the receiver (or a field of a field:
// c.state.health.stop), the variables a closure
// captures, and the channels it makes and returns. Each operation is a
// send, a receive, a receive until closed (range, v, ok := <-ch) or a
// close, with whether it has a way out (a select with another case or a
// default) and whether it runs in a goroutine the function starts. Calls
// are followed: a function that calls produce(ch) sends on ch if produce
// does. A summary is an analysis.Fact on the function, so it crosses
// packages, like printf's facts on wrappers.
//
// The summaries are computed on SSA (golang.org/x/tools/go/ssa, as the
// buildssa pass builds it) bottom-up over the call graph. The pass also
// runs on packages with type errors, where it summarises nothing, so that
// the analyzers built on it keep their syntactic checks while code is
// being edited.
package summary

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"reflect"
	"sort"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"
)

// Analyzer computes the summaries, exports those of named functions and
// methods as facts, and returns them all with the package's SSA.
var Analyzer = &analysis.Analyzer{
	Name:             "summary",
	Doc:              "summarise what each function does with the channels it is given (facts for the leak analyzers)",
	URL:              "https://pkg.go.dev/github.com/asyncbook/asyncbook/analyzers/summary",
	ResultType:       reflect.TypeFor[*Result](),
	FactTypes:        []analysis.Fact{new(Summary)},
	RunDespiteErrors: true,
	Run:              run,
}

// Kind is what an operation does to a channel.
type Kind uint8

const (
	Send Kind = iota + 1
	Recv
	// Range receives until the channel is closed (range, v, ok := <-ch).
	Range
	Close
)

func (k Kind) String() string {
	switch k {
	case Send:
		return "send"
	case Recv:
		return "recv"
	case Range:
		return "range"
	case Close:
		return "close"
	}
	return "?"
}

// Op is one operation of a function (or of the functions it calls) on a
// channel it is given or returns.
type Op struct {
	// Chan names the channel: a parameter ("ch"), a field of one
	// ("w.updates"), a captured variable ("captured ch") or a result
	// ("result 0").
	Chan string
	// Param is the index of the parameter in the SSA function's Params
	// (receiver first), -1 when the channel is not a parameter's.
	Param int
	// Field is the field of the parameter the channel is in ("" for the
	// parameter itself): a field name, or a path of field names joined by
	// dots when the channel is in a field of a field ("state.health.stop",
	// through pointers or not).
	Field string
	// Free is the index of the captured variable, -1 if none.
	Free int
	// Result is the index of the result that returns the channel, -1 if
	// none.
	Result int
	// Cap is the buffer of a channel the function makes (a result's):
	// -1 when unknown or not made here.
	Cap  int
	Kind Kind
	// WayOut is set when the operation is a case of a select that has
	// another case or a default.
	WayOut bool
	// InGo is set when the operation runs in a goroutine the function
	// starts (directly or through the functions it calls).
	InGo bool
	// Repeated is set when the operation may run more than once in one
	// call: it lies on a loop of its function, or of a callee reached
	// from a loop (a generator's send in its for loop).
	Repeated bool
	// Pos is where the operation is (or the call or go statement that
	// leads to it).
	Pos token.Pos
}

func (o Op) String() string {
	s := o.Kind.String() + " " + o.Chan
	if o.WayOut {
		s += " (way out)"
	}
	if o.InGo {
		s += " (in go)"
	}
	if o.Repeated {
		s += " (repeated)"
	}
	return s
}

// Summary is what a function does with the channels it is given.
type Summary struct {
	Ops []Op
	// NeverReturns is set when no path of the function returns.
	NeverReturns bool
}

// AFact marks Summary as a fact.
func (*Summary) AFact() {}

func (s *Summary) String() string {
	var parts []string
	seen := map[string]bool{}
	for _, o := range s.Ops {
		if t := o.String(); !seen[t] {
			seen[t] = true
			parts = append(parts, t)
		}
	}
	sort.Strings(parts)
	if s.NeverReturns {
		parts = append(parts, "never returns")
	}
	return "summary(" + strings.Join(parts, "; ") + ")"
}

// Blocking returns the operations on the channel of parameter param
// (field "" for the parameter itself) that the function performs itself,
// with no way out.
func (s *Summary) Blocking(param int, field string) []Op {
	var out []Op
	for _, o := range s.Ops {
		if o.Param == param && o.Field == field && !o.WayOut && !o.InGo {
			out = append(out, o)
		}
	}
	return out
}

// Result is the package's SSA and every source function's summary
// (function literals included); nil SSA when the package has type errors.
type Result struct {
	Pkg   *ssa.Package
	Funcs map[*ssa.Function]*Summary
	// SrcFuncs are the package's functions with syntax, in source order.
	SrcFuncs []*ssa.Function
	// imported are the summaries of other packages' functions, from
	// their facts (a fact is only visible to the analyzer that exports
	// it, so this pass hands them on).
	imported map[*types.Func]*Summary
}

// Callee returns the summary of fn: this package's, or another package's
// from its exported fact; nil when there is none.
func (r *Result) Callee(fn *ssa.Function) *Summary {
	if r == nil || fn == nil {
		return nil
	}
	if o := fn.Origin(); o != nil {
		fn = o // an instance of a generic function: its generic body's summary
	}
	if s, ok := r.Funcs[fn]; ok {
		return s
	}
	if obj, ok := fn.Object().(*types.Func); ok {
		return r.imported[obj]
	}
	return nil
}

// Of returns the SSA function of fn (of a generic function, its origin's)
// and its summary; nils when fn is not a function of the program, and a nil
// summary when it has none.
func (r *Result) Of(fn *types.Func) (*ssa.Function, *Summary) {
	if r == nil || r.Pkg == nil || fn == nil {
		return nil, nil
	}
	sfn := r.Pkg.Prog.FuncValue(fn.Origin())
	if sfn == nil {
		return nil, nil
	}
	return sfn, r.Funcs[sfn]
}

func run(pass *analysis.Pass) (any, error) {
	res := &Result{Funcs: map[*ssa.Function]*Summary{}, imported: map[*types.Func]*Summary{}}
	if len(pass.TypeErrors) > 0 || pass.TypesInfo == nil || pass.Pkg == nil || !usesChannels(pass.TypesInfo) && !usesSemaphore(pass.Pkg) {
		return res, nil
	}
	for _, f := range pass.AllObjectFacts() {
		if fn, ok := f.Object.(*types.Func); ok {
			if sum, ok := f.Fact.(*Summary); ok {
				res.imported[fn] = sum
			}
		}
	}
	prog := ssa.NewProgram(pass.Fset, ssa.BuilderMode(0))
	created := map[*types.Package]bool{}
	var create func([]*types.Package)
	create = func(pkgs []*types.Package) {
		for _, p := range pkgs {
			if !created[p] {
				created[p] = true
				prog.CreatePackage(p, nil, nil, true)
				create(p.Imports())
			}
		}
	}
	create(pass.Pkg.Imports())
	pkg := prog.CreatePackage(pass.Pkg, pass.Files, pass.TypesInfo, false)
	pkg.Build()
	res.Pkg = pkg

	var add func(*ssa.Function)
	add = func(fn *ssa.Function) {
		res.SrcFuncs = append(res.SrcFuncs, fn)
		for _, anon := range fn.AnonFuncs {
			add(anon)
		}
	}
	for _, f := range pass.Files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok {
				continue
			}
			obj, ok := pass.TypesInfo.Defs[fd.Name].(*types.Func)
			if !ok || obj == nil {
				continue
			}
			if fn := prog.FuncValue(obj); fn != nil {
				add(fn)
			}
		}
	}
	s := &summarizer{pass: pass, res: res, busy: map[*ssa.Function]bool{}}
	for _, fn := range res.SrcFuncs {
		sum := s.of(fn)
		if obj, ok := fn.Object().(*types.Func); ok && fn.Parent() == nil && (len(sum.Ops) > 0 || sum.NeverReturns) {
			// Positions mean nothing in another package's file set.
			exp := &Summary{NeverReturns: sum.NeverReturns}
			for _, o := range sum.Ops {
				o.Pos = token.NoPos
				exp.Ops = append(exp.Ops, o)
			}
			pass.ExportObjectFact(obj, exp)
		}
	}
	return res, nil
}

// usesSemaphore reports whether the package imports
// golang.org/x/sync/semaphore: lockleak follows its Acquire and Release on
// this pass's SSA, with or without channels.
func usesSemaphore(pkg *types.Package) bool {
	for _, imp := range pkg.Imports() {
		if imp.Path() == "golang.org/x/sync/semaphore" {
			return true
		}
	}
	return false
}

// usesChannels reports whether some expression of the package is a
// channel: without one it has nothing to summarise, and building its SSA
// (the pass's main cost) is skipped.
func usesChannels(info *types.Info) bool {
	for _, tv := range info.Types {
		if tv.Type != nil && isChan(tv.Type) {
			return true
		}
	}
	return false
}

type summarizer struct {
	pass *analysis.Pass
	res  *Result
	busy map[*ssa.Function]bool
}

// callee returns the summary of a static callee: computed here for the
// package's own functions, imported as a fact for others'.
func (s *summarizer) callee(fn *ssa.Function) *Summary {
	if fn == nil {
		return nil
	}
	if o := fn.Origin(); o != nil {
		fn = o
	}
	if fn.Pkg == s.res.Pkg && len(fn.Blocks) > 0 {
		return s.of(fn)
	}
	obj, ok := fn.Object().(*types.Func)
	if !ok || obj.Pkg() == s.pass.Pkg {
		return nil
	}
	var sum Summary
	if s.pass.ImportObjectFact(obj, &sum) {
		return &sum
	}
	return nil
}

func (s *summarizer) of(fn *ssa.Function) *Summary {
	if sum, ok := s.res.Funcs[fn]; ok {
		return sum
	}
	if s.busy[fn] {
		return nil // recursion: the cycle's other calls are summarised
	}
	s.busy[fn] = true
	defer delete(s.busy, fn)
	sum := s.compute(fn)
	s.res.Funcs[fn] = sum
	return sum
}

// slot is where a channel value comes from, in the function's terms.
type slot struct {
	param, free int
	field       string
	made        *ssa.MakeChan
}

func (sl slot) valid() bool { return sl.param >= 0 || sl.free >= 0 || sl.made != nil }

var none = slot{param: -1, free: -1}

// Root returns where the channel value v comes from in its function: a
// parameter, a field of one, a captured variable, or a make. ok is false
// when it cannot tell (a global, a map, a call's result).
func Root(v ssa.Value) (param, free int, field string, made *ssa.MakeChan, ok bool) {
	sl := root(v, 0)
	return sl.param, sl.free, sl.field, sl.made, sl.valid()
}

func root(v ssa.Value, depth int) slot {
	if depth > 8 {
		return none
	}
	switch v := v.(type) {
	case *ssa.Parameter:
		fn := v.Parent()
		for i, p := range fn.Params {
			if p == v {
				return slot{param: i, free: -1}
			}
		}
	case *ssa.FreeVar:
		fn := v.Parent()
		for i, p := range fn.FreeVars {
			if p == v {
				return slot{param: -1, free: i}
			}
		}
	case *ssa.MakeChan:
		return slot{param: -1, free: -1, made: v}
	case *ssa.Alloc:
		if st := SingleStore(v); st != nil {
			return root(st.Val, depth+1)
		}
	case *ssa.ChangeType:
		return root(v.X, depth+1)
	case *ssa.MakeInterface:
		return root(v.X, depth+1)
	case *ssa.TypeAssert:
		return root(v.X, depth+1)
	case *ssa.Field:
		return withField(root(v.X, depth+1), fieldName(v.X.Type(), v.Field))
	case *ssa.FieldAddr:
		// the address of a field of a field (&c.state.probe): it
		// names the same place as its value
		return withField(root(v.X, depth+1), fieldName(v.X.Type(), v.Field))
	case *ssa.UnOp:
		if v.Op != token.MUL {
			return none
		}
		switch x := v.X.(type) {
		case *ssa.FieldAddr:
			return withField(root(x.X, depth+1), fieldName(x.X.Type(), x.Field))
		case *ssa.FreeVar:
			// a variable captured by reference
			return root(x, depth+1)
		case *ssa.Alloc:
			if st := SingleStore(x); st != nil {
				return root(st.Val, depth+1)
			}
		}
	case *ssa.Phi:
		var out slot
		for i, e := range v.Edges {
			r := root(e, depth+1)
			if !r.valid() || i > 0 && r != out {
				return none
			}
			out = r
		}
		return out
	}
	return none
}

// maxPath is the most fields a channel's path may go through
// (w.state.health.stop is three).
const maxPath = 4

// withField returns the slot of field f (a field name, or a path of them
// joined by dots) of the value in sl: the path grows, so a helper that
// sends on h.stop, called with c.state.health, sends on the caller's
// c.state.health.stop.
func withField(sl slot, f string) slot {
	if !sl.valid() || sl.made != nil || f == "" {
		return none
	}
	if sl.field != "" {
		f = sl.field + "." + f
	}
	if strings.Count(f, ".") >= maxPath {
		return none
	}
	sl.field = f
	return sl
}

func fieldName(t types.Type, i int) string {
	if p, ok := t.Underlying().(*types.Pointer); ok {
		t = p.Elem()
	}
	if st, ok := t.Underlying().(*types.Struct); ok && i < st.NumFields() {
		return st.Field(i).Name()
	}
	return ""
}

// SingleStore returns the one store into alloc when alloc's only other
// uses are loads (and closures' captures), or nil.
func SingleStore(alloc *ssa.Alloc) *ssa.Store {
	var st *ssa.Store
	refs := alloc.Referrers()
	if refs == nil {
		return nil
	}
	for _, r := range *refs {
		switch r := r.(type) {
		case *ssa.Store:
			if st != nil || r.Addr != alloc {
				return nil
			}
			st = r
		case *ssa.UnOp, *ssa.MakeClosure, *ssa.DebugRef:
		default:
			return nil
		}
	}
	return st
}

// isChan reports whether t is a channel type.
func isChan(t types.Type) bool {
	_, ok := t.Underlying().(*types.Chan)
	return ok
}

func (s *summarizer) compute(fn *ssa.Function) *Summary {
	sum := &Summary{}
	type local struct {
		sl slot
		op Op
	}
	var ops []local
	cycles := map[*ssa.BasicBlock]bool{}
	for _, b := range fn.Blocks {
		cycles[b] = OnCycle(b)
	}
	addOp := func(v ssa.Value, k Kind, wayOut, inGo bool, b *ssa.BasicBlock, pos token.Pos) {
		sl := root(v, 0)
		if !sl.valid() {
			return
		}
		ops = append(ops, local{sl, Op{Kind: k, WayOut: wayOut, InGo: inGo, Repeated: cycles[b], Pos: pos}})
	}
	// mapCallee adds what a callee does with its parameters (or a
	// closure with its captured variables) to fn's operations.
	mapCallee := func(c *ssa.CallCommon, inGo bool, b *ssa.BasicBlock, pos token.Pos) {
		if c.IsInvoke() {
			return
		}
		var callee *ssa.Function
		var bindings []ssa.Value
		switch f := c.Value.(type) {
		case *ssa.Function:
			callee = f
		case *ssa.MakeClosure:
			callee, _ = f.Fn.(*ssa.Function)
			bindings = f.Bindings
		case *ssa.Builtin:
			if f.Name() == "close" && len(c.Args) == 1 {
				addOp(c.Args[0], Close, false, inGo, b, pos)
			}
			return
		}
		cs := s.callee(callee)
		if cs == nil {
			return
		}
		for _, o := range cs.Ops {
			var arg ssa.Value
			switch {
			case o.Param >= 0 && o.Param < len(c.Args):
				arg = c.Args[o.Param]
			case o.Free >= 0 && o.Free < len(bindings):
				arg = bindings[o.Free]
			default:
				continue
			}
			sl := root(arg, 0)
			if o.Field != "" {
				sl = withField(sl, o.Field)
			}
			if !sl.valid() {
				continue
			}
			ops = append(ops, local{sl, Op{Kind: o.Kind, WayOut: o.WayOut, InGo: o.InGo || inGo, Repeated: o.Repeated || cycles[b], Pos: pos}})
		}
	}
	hasReturn := false
	for _, b := range fn.Blocks {
		for _, instr := range b.Instrs {
			switch in := instr.(type) {
			case *ssa.Send:
				addOp(in.Chan, Send, false, false, b, in.Pos())
			case *ssa.UnOp:
				if in.Op == token.ARROW {
					k := Recv
					if in.CommaOk {
						k = Range
					}
					addOp(in.X, k, false, false, b, in.Pos())
				}
			case *ssa.Select:
				out := !in.Blocking || len(in.States) > 1
				for _, st := range in.States {
					k := Recv
					if st.Dir == types.SendOnly {
						k = Send
					}
					addOp(st.Chan, k, out, false, b, st.Pos)
				}
			case *ssa.Call:
				mapCallee(in.Common(), false, b, in.Pos())
			case *ssa.Defer:
				mapCallee(in.Common(), false, b, in.Pos())
			case *ssa.Go:
				mapCallee(in.Common(), true, b, in.Pos())
			case *ssa.Return:
				hasReturn = true
			}
		}
	}
	sum.NeverReturns = !hasReturn && len(fn.Blocks) > 0

	// Channels made here and returned become results.
	results := map[*ssa.MakeChan]int{}
	for _, b := range fn.Blocks {
		if ret, ok := b.Instrs[len(b.Instrs)-1].(*ssa.Return); ok {
			for i, r := range ret.Results {
				if sl := root(r, 0); sl.made != nil && isChan(sl.made.Type()) {
					results[sl.made] = i
				}
			}
		}
	}
	for _, l := range ops {
		o := l.op
		o.Param, o.Free, o.Result, o.Cap, o.Field = -1, -1, -1, -1, l.sl.field
		switch {
		case l.sl.param >= 0:
			o.Param = l.sl.param
			o.Chan = fn.Params[o.Param].Name()
		case l.sl.free >= 0:
			o.Free = l.sl.free
			o.Chan = "captured " + fn.FreeVars[o.Free].Name()
		case l.sl.made != nil:
			i, ok := results[l.sl.made]
			if !ok {
				continue // a local channel: the caller never sees it
			}
			o.Result = i
			o.Chan = fmt.Sprintf("result %d", i)
			if c, ok := l.sl.made.Size.(*ssa.Const); ok && c.Value != nil {
				if n, ok := constant.Int64Val(constant.ToInt(c.Value)); ok {
					o.Cap = int(n)
				}
			}
		}
		if o.Field != "" {
			o.Chan += "." + o.Field
		}
		sum.Ops = append(sum.Ops, o)
	}
	sort.SliceStable(sum.Ops, func(i, j int) bool { return sum.Ops[i].Pos < sum.Ops[j].Pos })
	return sum
}

// OnCycle reports whether b lies on a cycle of its function's graph: it
// may run more than once in one call.
func OnCycle(b *ssa.BasicBlock) bool {
	seen := map[*ssa.BasicBlock]bool{}
	work := append([]*ssa.BasicBlock(nil), b.Succs...)
	for len(work) > 0 {
		x := work[len(work)-1]
		work = work[:len(work)-1]
		if x == b {
			return true
		}
		if seen[x] {
			continue
		}
		seen[x] = true
		work = append(work, x.Succs...)
	}
	return false
}
