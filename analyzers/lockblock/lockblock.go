package lockblock

import (
	_ "embed"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"sort"
	"strings"
	"unicode"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/asyncbook/asyncbook/analyzers/internal/analysisutil"
	"github.com/asyncbook/asyncbook/analyzers/internal/lockfacts"
	"github.com/asyncbook/asyncbook/analyzers/summary"
)

//go:embed doc.go
var doc string

// Analyzer reports a mutex held across an operation that can block.
var Analyzer = &analysis.Analyzer{
	Name:             "lockblock",
	Doc:              analysisutil.MustExtractDoc(doc, "lockblock"),
	URL:              analysisutil.URL("lockblock"),
	Requires:         []*analysis.Analyzer{inspect.Analyzer, lockfacts.Analyzer, summary.Analyzer},
	RunDespiteErrors: true,
	Run:              run,
}

// Sub-check keys, used as diagnostic categories and docs anchors.
const (
	catSend    = "send-under-lock"
	catReceive = "receive-under-lock"
	catSelect  = "select-under-lock"
	catSleep   = "sleep-under-lock"
	catIO      = "io-under-lock"
	catWait    = "wait-under-lock"
)

func run(pass *analysis.Pass) (any, error) {
	if !analysisutil.Touches(pass, "sync") {
		return nil, nil
	}
	insp, ok := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	if !ok {
		return nil, nil
	}
	s := &scanner{pass: pass, reported: make(map[token.Pos]bool)}
	s.buffered = bufferedChans(pass.TypesInfo, insp)
	s.insp = insp
	s.locks, _ = pass.ResultOf[lockfacts.Analyzer].(*lockfacts.Result)
	s.sums, _ = pass.ResultOf[summary.Analyzer].(*summary.Result)
	s.decls = map[*types.Func]*ast.FuncDecl{}
	for cur := range insp.Root().Preorder((*ast.FuncDecl)(nil)) {
		d := cur.Node().(*ast.FuncDecl)
		if fn, ok := pass.TypesInfo.Defs[d.Name].(*types.Func); ok {
			s.decls[fn] = d
		}
	}
	for cur := range insp.Root().Preorder((*ast.FuncDecl)(nil), (*ast.FuncLit)(nil)) {
		if f := pass.Fset.File(cur.Node().Pos()); f != nil && strings.HasSuffix(f.Name(), "_test.go") {
			// Tests hold locks on purpose, to stage contention or to
			// freeze what they look at; a test that blocks under one
			// hangs and go test's timeout reports where.
			continue
		}
		var body *ast.BlockStmt
		switch n := cur.Node().(type) {
		case *ast.FuncDecl:
			body = n.Body
		case *ast.FuncLit:
			body = n.Body
		}
		if body != nil {
			s.fn = cur.Node()
			s.scanList(body.List, state{})
		}
	}
	return nil, nil
}

// ref names a variable or a chain of fields rooted at one: mu, c.mu, s.cache.mu.
type ref struct {
	root types.Object
	path string
}

// refOf returns the ref e denotes, looking through parentheses, & and *.
func refOf(info *types.Info, e ast.Expr) (ref, bool) {
	switch x := ast.Unparen(e).(type) {
	case *ast.UnaryExpr:
		if x.Op == token.AND {
			return refOf(info, x.X)
		}
	case *ast.StarExpr:
		return refOf(info, x.X)
	case *ast.Ident:
		if obj, ok := info.ObjectOf(x).(*types.Var); ok {
			return ref{root: obj}, true
		}
	case *ast.SelectorExpr:
		sel := info.Selections[x]
		if sel == nil {
			if obj, ok := info.Uses[x.Sel].(*types.Var); ok { // pkg.Var
				return ref{root: obj}, true
			}
			return ref{}, false
		}
		if sel.Kind() != types.FieldVal {
			return ref{}, false
		}
		if r, ok := refOf(info, x.X); ok {
			r.path += "." + x.Sel.Name
			return r, true
		}
	}
	return ref{}, false
}

// lockKey identifies a held lock: a write lock and a read lock of the same
// RWMutex are released by different methods.
type lockKey struct {
	r    ref
	read bool
}

// held describes a lock being held.
type held struct {
	name string        // how the lock reads: mu, c.mu, c.Mutex (embedded)
	read bool          // RLock rather than Lock
	call *ast.CallExpr // the Lock call

	// serializer is set for a lock named for serializing I/O or sends
	// (writeMu, sendMu): blocking under it is what it is for, so only a
	// send that can never complete is reported under it.
	serializer bool
}

// state is the set of locks held at a point of a statement list.
type state map[lockKey]held

func (st state) copy() state {
	out := make(state, len(st))
	for k, v := range st {
		out[k] = v
	}
	return out
}

// plain returns the locks of st that are not serializers (st itself when
// it holds none).
func (st state) plain() state {
	n := 0
	for _, v := range st {
		if v.serializer {
			n++
		}
	}
	if n == 0 {
		return st
	}
	out := make(state, len(st)-n)
	for k, v := range st {
		if !v.serializer {
			out[k] = v
		}
	}
	return out
}

// outermost returns the held lock taken first (for a stable report).
func (st state) outermost() (held, bool) {
	var hs []held
	for _, h := range st {
		hs = append(hs, h)
	}
	if len(hs) == 0 {
		return held{}, false
	}
	sort.Slice(hs, func(i, j int) bool { return hs[i].call.Pos() < hs[j].call.Pos() })
	return hs[0], true
}

type lockOp int

const (
	opNone lockOp = iota
	opLock
	opUnlock
)

// lockCall classifies call as a Lock/RLock or Unlock/RUnlock of a mutex.
func (s *scanner) lockCall(call *ast.CallExpr) (lockKey, held, lockOp) {
	fn := analysisutil.CalleeFunc(s.pass.TypesInfo, call)
	if fn == nil {
		return lockKey{}, held{}, opNone
	}
	var op lockOp
	read := false
	switch fn.FullName() {
	case "(*sync.Mutex).Lock", "(*sync.RWMutex).Lock", "(sync.Locker).Lock":
		op = opLock
	case "(*sync.RWMutex).RLock":
		op, read = opLock, true
	case "(*sync.Mutex).Unlock", "(*sync.RWMutex).Unlock", "(sync.Locker).Unlock":
		op = opUnlock
	case "(*sync.RWMutex).RUnlock":
		op, read = opUnlock, true
	default:
		return lockKey{}, held{}, opNone
	}
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok {
		return lockKey{}, held{}, opNone
	}
	r, ok := refOf(s.pass.TypesInfo, sel.X)
	if !ok {
		return lockKey{}, held{}, opNone
	}
	name := types.ExprString(sel.X)
	serial := false
	if t := s.pass.TypesInfo.TypeOf(sel.X); t != nil && isLockType(t) {
		serial = serializer(sel.X)
	} else if t != nil {
		// A promoted method of an embedded mutex: c.Lock() locks c.Mutex.
		if recv := fn.Signature().Recv(); recv != nil {
			if n, ok := derefNamed(recv.Type()); ok {
				name += "." + n.Obj().Name()
			}
		}
	}
	return lockKey{r, read}, held{name: name, read: read, call: call, serializer: serial}, op
}

// serializerWords name locks whose purpose is to serialize I/O or sends:
// holding them across the operation is what they are for.
var serializerWords = map[string]bool{
	"w": true, "wr": true, "write": true, "writer": true,
	"r": true, "rd": true, "read": true, "reader": true,
	"send": true, "sender": true, "conn": true, "io": true, "out": true,
	"enc": true, "encoder": true, "flush": true, "log": true, "file": true,
	"stream": true, "pipe": true, "stdout": true, "stderr": true,
}

// serializer reports whether the mutex expression names a lock for
// serializing I/O: writeMu, wrMu, wmu, sendMu, connMu, logMu.
func serializer(mutex ast.Expr) bool {
	var name string
	switch x := ast.Unparen(mutex).(type) {
	case *ast.Ident:
		name = x.Name
	case *ast.SelectorExpr:
		name = x.Sel.Name
	default:
		return false
	}
	lower := strings.ToLower(name)
	for _, suffix := range []string{"mutex", "mtx", "mu", "lock", "lk", "_"} {
		if strings.HasSuffix(lower, suffix) && len(lower) > len(suffix) {
			name = name[:len(name)-len(suffix)]
			lower = lower[:len(lower)-len(suffix)]
			break
		}
	}
	name = strings.TrimRight(name, "_")
	// The last word of the camelCase or snake_case name.
	last := name
	for i := len(name) - 1; i > 0; i-- {
		if name[i] == '_' {
			last = name[i+1:]
			break
		}
		if unicode.IsUpper(rune(name[i])) && !unicode.IsUpper(rune(name[i-1])) {
			last = name[i:]
			break
		}
	}
	return serializerWords[strings.ToLower(last)]
}

func isLockType(t types.Type) bool {
	return analysisutil.IsNamedType(t, "sync", "Mutex") ||
		analysisutil.IsNamedType(t, "sync", "RWMutex") ||
		analysisutil.IsNamedType(t, "sync", "Locker")
}

func derefNamed(t types.Type) (*types.Named, bool) {
	if p, ok := types.Unalias(t).(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := types.Unalias(t).(*types.Named)
	return n, ok
}

// scanner walks function bodies statement by statement, tracking held locks.
type scanner struct {
	pass     *analysis.Pass
	buffered *chanFlow
	peers    *peers // built on first use: most functions wait on nothing under a lock
	insp     *inspector.Inspector
	locks    *lockfacts.Result
	sums     *summary.Result // what each function does with the channels it is given
	decls    map[*types.Func]*ast.FuncDecl
	reported map[token.Pos]bool
	condMemo map[*types.Func]*condWait // functions known to wait on a sync.Cond (nil: they do not)
	fn       ast.Node                  // the function being scanned
	guards   []ast.Expr                // conditions of the enclosing ifs and loops
}

// scanList scans a statement list entered with the locks in st. It returns
// the locks held when control leaves the end of the list, and whether it
// never does (the list ends in a return, a branch, a panic).
func (s *scanner) scanList(list []ast.Stmt, st state) (state, bool) {
	for i, stmt := range list {
		var term bool
		st, term = s.scanStmt(stmt, list[i+1:], st)
		if term {
			return st, true
		}
	}
	return st, false
}

// outcome is the lock state at the end of one branch.
type outcome struct {
	st   state
	term bool
}

// merge joins branches: a lock is held after them only when it is held at
// the end of every branch that falls through.
func merge(outs []outcome) (state, bool) {
	var live []state
	for _, o := range outs {
		if !o.term {
			live = append(live, o.st)
		}
	}
	if len(live) == 0 {
		return state{}, true
	}
	res := state{}
	for k, h := range live[0] {
		inAll := true
		for _, other := range live[1:] {
			if _, ok := other[k]; !ok {
				inAll = false
				break
			}
		}
		if inAll {
			res[k] = h
		}
	}
	return res, false
}

// scanStmt scans one statement; rest is what follows it in its list.
func (s *scanner) scanStmt(stmt ast.Stmt, rest []ast.Stmt, st state) (state, bool) {
	switch n := stmt.(type) {
	case *ast.ExprStmt:
		call, ok := ast.Unparen(n.X).(*ast.CallExpr)
		if ok {
			if k, h, op := s.lockCall(call); op != opNone {
				st = st.copy()
				if op == opLock && s.releasedLater(rest, k) {
					st[k] = h
				} else if op == opUnlock {
					delete(st, k)
				}
				return st, false
			}
		}
		s.check(n.X, st)
		if ok && s.noReturn(call) {
			return st, true
		}
	case *ast.SendStmt:
		s.check(n.Chan, st)
		s.check(n.Value, st)
		s.send(n, st)
	case *ast.AssignStmt:
		for _, e := range n.Rhs {
			s.check(e, st)
		}
		for _, e := range n.Lhs {
			s.check(e, st)
		}
	case *ast.IncDecStmt:
		s.check(n.X, st)
	case *ast.DeclStmt:
		s.check(n.Decl, st)
	case *ast.ReturnStmt:
		for _, e := range n.Results {
			s.check(e, st)
		}
		return st, true
	case *ast.BranchStmt:
		return st, true
	case *ast.BlockStmt:
		return s.scanList(n.List, st.copy())
	case *ast.LabeledStmt:
		return s.scanStmt(n.Stmt, rest, st)
	case *ast.IfStmt:
		if n.Init != nil {
			st, _ = s.scanStmt(n.Init, nil, st)
		}
		s.check(n.Cond, st)
		var then outcome
		if n.Body != nil {
			s.guards = append(s.guards, n.Cond)
			then.st, then.term = s.scanList(n.Body.List, st.copy())
			s.guards = s.guards[:len(s.guards)-1]
		} else {
			then.st = st
		}
		els := outcome{st: st}
		if n.Else != nil {
			els.st, els.term = s.scanStmt(n.Else, nil, st.copy())
		}
		return merge([]outcome{then, els})
	case *ast.ForStmt:
		if n.Init != nil {
			st, _ = s.scanStmt(n.Init, nil, st)
		}
		s.check(n.Cond, st)
		if n.Body != nil {
			s.guards = append(s.guards, n.Cond)
			s.scanList(n.Body.List, st.copy())
			s.guards = s.guards[:len(s.guards)-1]
		}
		return s.withoutReleasedIn(st, n.Body), false
	case *ast.RangeStmt:
		s.check(n.X, st)
		if plain := st.plain(); len(plain) > 0 && s.isChan(n.X) && !s.freeWait(n.X, plain, siteSend, siteClose) {
			s.report(n.X, plain, catReceive, "is held while ranging over %[2]s: %[1]s waits until %[2]s is closed", types.ExprString(n.X))
		}
		if n.Body != nil {
			s.scanList(n.Body.List, st.copy())
		}
		return s.withoutReleasedIn(st, n.Body), false
	case *ast.SwitchStmt:
		if n.Init != nil {
			st, _ = s.scanStmt(n.Init, nil, st)
		}
		s.check(n.Tag, st)
		return s.clauses(n.Body, st, false)
	case *ast.TypeSwitchStmt:
		if n.Init != nil {
			st, _ = s.scanStmt(n.Init, nil, st)
		}
		s.check(n.Assign, st)
		return s.clauses(n.Body, st, false)
	case *ast.SelectStmt:
		if n.Body == nil {
			return st, false
		}
		if len(n.Body.List) == 0 {
			return st, true // select {}: parks the goroutine for good, on purpose
		}
		hasDefault := false
		for _, cl := range n.Body.List {
			if cc, ok := cl.(*ast.CommClause); ok && cc.Comm == nil {
				hasDefault = true
			}
		}
		if plain := st.plain(); len(plain) > 0 && !hasDefault && !s.bounded(n, plain) {
			s.report(&ast.Ident{NamePos: n.Select, Name: "select"}, plain, catSelect,
				"is held while blocked in a select without default: %[1]s waits until a case is ready")
		}
		return s.clauses(n.Body, st, true)
	}
	return st, false
}

// clauses scans the clauses of a switch or select as branches.
func (s *scanner) clauses(body *ast.BlockStmt, st state, isSelect bool) (state, bool) {
	if body == nil {
		return st, false
	}
	var outs []outcome
	hasDefault := false
	for _, cl := range body.List {
		var list []ast.Stmt
		switch cc := cl.(type) {
		case *ast.CaseClause:
			if cc.List == nil {
				hasDefault = true
			}
			for _, e := range cc.List {
				s.check(e, st)
			}
			list = cc.Body
		case *ast.CommClause:
			list = cc.Body
		default:
			continue
		}
		o := outcome{}
		o.st, o.term = s.scanList(list, st.copy())
		outs = append(outs, o)
	}
	if !isSelect && !hasDefault {
		outs = append(outs, outcome{st: st}) // no case matched
	}
	if isSelect && len(outs) == 0 {
		return st, true // select {} blocks forever
	}
	return merge(outs)
}

// releasedLater reports whether the lock k taken by a statement is released
// on every path through the rest of its list: by a later Unlock there, a
// deferred one, or in every branch of a later if/else, switch or select.
// Only then is the region between them known.
func (s *scanner) releasedLater(rest []ast.Stmt, k lockKey) bool {
	for _, stmt := range rest {
		if s.releasesAlways(stmt, k) {
			return true
		}
	}
	return false
}

// releasesAlways reports whether every path through stmt unlocks k.
func (s *scanner) releasesAlways(stmt ast.Stmt, k lockKey) bool {
	switch n := stmt.(type) {
	case *ast.ExprStmt:
		if call, ok := ast.Unparen(n.X).(*ast.CallExpr); ok {
			got, _, op := s.lockCall(call)
			return op == opUnlock && got == k
		}
	case *ast.DeferStmt:
		if lit, ok := ast.Unparen(n.Call.Fun).(*ast.FuncLit); ok && s.releases(lit.Body, k) {
			return true
		}
		got, _, op := s.lockCall(n.Call)
		return op == opUnlock && got == k
	case *ast.BlockStmt:
		return s.releasedLater(n.List, k)
	case *ast.LabeledStmt:
		return s.releasesAlways(n.Stmt, k)
	case *ast.IfStmt:
		return n.Else != nil && s.releasedLater(n.Body.List, k) && s.releasesAlways(n.Else, k)
	case *ast.SwitchStmt:
		return s.everyClauseReleases(n.Body, k, false)
	case *ast.TypeSwitchStmt:
		return s.everyClauseReleases(n.Body, k, false)
	case *ast.SelectStmt:
		return s.everyClauseReleases(n.Body, k, true)
	}
	return false
}

// everyClauseReleases reports whether each clause of a switch (which must
// have a default) or select unlocks k on every path.
func (s *scanner) everyClauseReleases(body *ast.BlockStmt, k lockKey, isSelect bool) bool {
	if body == nil || len(body.List) == 0 {
		return false
	}
	hasDefault := isSelect
	for _, cl := range body.List {
		var list []ast.Stmt
		switch cc := cl.(type) {
		case *ast.CaseClause:
			hasDefault = hasDefault || cc.List == nil
			list = cc.Body
		case *ast.CommClause:
			list = cc.Body
		}
		if !s.releasedLater(list, k) {
			return false
		}
	}
	return hasDefault
}

// releases reports whether n unlocks k anywhere (outside nested literals).
func (s *scanner) releases(n ast.Node, k lockKey) bool {
	found := false
	ast.Inspect(n, func(m ast.Node) bool {
		if found {
			return false
		}
		switch m := m.(type) {
		case *ast.FuncLit:
			return m == n
		case *ast.CallExpr:
			if got, _, op := s.lockCall(m); op == opUnlock && got == k {
				found = true
			}
		}
		return true
	})
	return found
}

// withoutReleasedIn drops from st the locks a loop body may release: after
// the loop they may or may not be held.
func (s *scanner) withoutReleasedIn(st state, body *ast.BlockStmt) state {
	if body == nil {
		return st
	}
	out := st.copy()
	for k := range st {
		if s.releases(body, k) {
			delete(out, k)
		}
	}
	return out
}

// noReturn reports calls after which control does not continue.
func (s *scanner) noReturn(call *ast.CallExpr) bool {
	if id, ok := ast.Unparen(call.Fun).(*ast.Ident); ok {
		if bi, ok := s.pass.TypesInfo.Uses[id].(*types.Builtin); ok && bi.Name() == "panic" {
			return true
		}
	}
	return analysisutil.IsFunc(s.pass.TypesInfo, call, "os.Exit", "runtime.Goexit",
		"log.Fatal", "log.Fatalf", "log.Fatalln", "log.Panic", "log.Panicf", "log.Panicln")
}

// check reports the blocking operations evaluated by n (not inside function
// literals, which run at another time).
func (s *scanner) check(n ast.Node, st state) {
	st = st.plain()
	if n == nil || len(st) == 0 {
		return
	}
	ast.Inspect(n, func(m ast.Node) bool {
		switch m := m.(type) {
		case *ast.FuncLit:
			return false
		case *ast.UnaryExpr:
			if m.Op == token.ARROW && s.isChan(m.X) && !s.ready(m.X, st) {
				s.report(m, st, catReceive, "is held while receiving from %[2]s: %[1]s waits until a value arrives", types.ExprString(m.X))
			}
		case *ast.CallExpr:
			s.blockingCall(m, st)
		}
		return true
	})
}

// isChan reports whether e is known to be a channel.
func (s *scanner) isChan(e ast.Expr) bool {
	t := s.pass.TypesInfo.TypeOf(e)
	if t == nil {
		return false
	}
	_, ok := t.Underlying().(*types.Chan)
	return ok
}

// send reports a channel send, unless every channel stored in the variable
// or field was made with a buffer (sized for its senders, by the usual idiom)
// or only goroutines that never take the lock receive. Under a serializer
// lock alone, it reports only a send nothing in the package receives.
func (s *scanner) send(n *ast.SendStmt, st state) {
	if len(st) == 0 || !s.isChan(n.Chan) || s.buffered.buffered(n.Chan) {
		return // (no type information: not sure it is a channel)
	}
	if plain := st.plain(); len(plain) > 0 {
		if !s.freeWait(n.Chan, plain, siteRecv) {
			s.report(n, plain, catSend, "is held while sending on %[2]s: a slow receiver stalls %[1]s", types.ExprString(n.Chan))
		}
		return
	}
	if s.others().unreceived(n.Chan) {
		s.report(n, st, catSend, "is held while sending on %[2]s, which nothing in the package receives from: the send never completes and %[1]s waits for ever", types.ExprString(n.Chan))
	}
}

// report reports node as blocking while the outermost lock of st is held.
// format starts after the lock's name; %[1]s is "every goroutine that needs
// mu" (or "every writer of mu"), later verbs are args.
func (s *scanner) report(node ast.Node, st state, category, format string, args ...any) {
	h, ok := st.outermost()
	if !ok || s.reported[node.Pos()] {
		return
	}
	s.reported[node.Pos()] = true
	verb, who := "", "every goroutine that needs "+h.name
	if h.read {
		verb, who = " (read-locked)", "every writer of "+h.name
	}
	line := s.pass.Fset.Position(h.call.Pos()).Line
	msg := fmt.Sprintf(format, append([]any{who}, args...)...)
	s.pass.Report(analysis.Diagnostic{
		Pos:      node.Pos(),
		End:      node.End(),
		Category: category,
		Message:  fmt.Sprintf("%s%s %s (locked at line %d)", h.name, verb, msg, line),
		Related:  []analysis.RelatedInformation{{Pos: h.call.Pos(), End: h.call.End(), Message: h.name + " locked here"}},
	})
}

// others returns the package's index of the other sides of channel
// operations and waits, built the first time a wait under a lock asks.
func (s *scanner) others() *peers {
	if s.peers == nil {
		s.peers = newPeers(s.pass.Fset, s.pass.Pkg, s.pass.TypesInfo, s.insp, s.locks)
	}
	return s.peers
}
