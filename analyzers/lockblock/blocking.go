package lockblock

import (
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/ast/inspector"

	"github.com/asyncbook/asyncbook/analyzers/internal/analysisutil"
	"github.com/asyncbook/asyncbook/analyzers/summary"
)

// waits are calls that wait for other goroutines.
var waits = map[string]bool{
	"(*sync.WaitGroup).Wait":                          true,
	"(*golang.org/x/sync/errgroup.Group).Wait":        true,
	"(*golang.org/x/sync/semaphore.Weighted).Acquire": true,
}

// ioKind describes a family of I/O calls for messages.
type ioKind struct {
	what string // "network I/O"
	slow string // "a slow peer"
}

var (
	ioNet  = ioKind{"network I/O", "a slow peer"}
	ioHTTP = ioKind{"an HTTP request", "a slow server"}
	ioFile = ioKind{"file I/O", "a slow disk"}
	ioIO   = ioKind{"I/O", "a slow reader or writer"}
	ioSQL  = ioKind{"a database call", "a slow query"}
)

// blockingCall reports call if it sleeps, waits or does I/O.
func (s *scanner) blockingCall(call *ast.CallExpr, st state) {
	fn := analysisutil.CalleeFunc(s.pass.TypesInfo, call)
	if fn == nil || fn.Pkg() == nil {
		return
	}
	full := fn.FullName()
	name := types.ExprString(call.Fun)
	switch {
	case full == "time.Sleep":
		s.report(call, st, catSleep, "is held during time.Sleep: %[1]s sleeps too")
	case waits[full]:
		if full != "(*golang.org/x/sync/semaphore.Weighted).Acquire" && s.freeWait(call, st, siteDone) {
			return
		}
		s.report(call, st, catWait, "is held while waiting in %[2]s: %[1]s waits too; if the awaited work needs the lock, it deadlocks", name)
	case s.condWaiter(call, st):
	case s.waitingHelper(call, fn, st):
	default:
		k, streams, ok := s.ioCall(fn, call)
		if !ok || s.serializes(st, streams) {
			return
		}
		s.report(call, st, catIO, "is held during %[2]s, which does %[3]s: %[4]s stalls %[1]s", name, k.what, k.slow)
	}
}

// serializes reports whether a held lock belongs with one of the streams
// read or written: a field of the same value (c.mu and c.conn), or both
// package variables. Such a lock exists to serialize use of the stream.
func (s *scanner) serializes(st state, streams []ast.Expr) bool {
	for _, e := range streams {
		// A stream built around the lock's owner (bodyLocked{b}) is
		// the owner's own stream.
		parts := []ast.Expr{e}
		if lit, ok := ast.Unparen(e).(*ast.UnaryExpr); ok && lit.Op == token.AND {
			e = lit.X
		}
		if lit, ok := ast.Unparen(e).(*ast.CompositeLit); ok {
			parts = nil
			for _, elt := range lit.Elts {
				if kv, ok := elt.(*ast.KeyValueExpr); ok {
					elt = kv.Value
				}
				parts = append(parts, elt)
			}
		}
		parts = append(parts, s.owners(e)...)
		for _, part := range parts {
			r, ok := refOf(s.pass.TypesInfo, part)
			if !ok {
				continue
			}
			for k := range st {
				if k.r.root == r.root || (isPackageVar(k.r.root) && isPackageVar(r.root)) {
					return true
				}
			}
		}
	}
	return false
}

// owners follows a local stream variable in the function being scanned to
// what it stands for: the field it was taken from (r := o.r.(net.Conn)), or
// the value it was stored in (tw := &timeoutWriter{w: w}; tw.w = w).
func (s *scanner) owners(e ast.Expr) []ast.Expr {
	id, ok := ast.Unparen(e).(*ast.Ident)
	if !ok || s.fn == nil {
		return nil
	}
	v, ok := s.pass.TypesInfo.Uses[id].(*types.Var)
	if !ok || isPackageVar(v) {
		return nil
	}
	is := func(x ast.Expr) bool {
		y, ok := ast.Unparen(x).(*ast.Ident)
		return ok && s.pass.TypesInfo.Uses[y] == v
	}
	var out []ast.Expr
	ast.Inspect(s.fn, func(n ast.Node) bool {
		as, ok := n.(*ast.AssignStmt)
		if !ok || len(as.Lhs) != len(as.Rhs) {
			return true
		}
		for i, lhs := range as.Lhs {
			rhs := ast.Unparen(as.Rhs[i])
			if ta, ok := rhs.(*ast.TypeAssertExpr); ok {
				rhs = ta.X
			}
			if l, ok := ast.Unparen(lhs).(*ast.Ident); ok && s.pass.TypesInfo.ObjectOf(l) == v {
				out = append(out, rhs)
				continue
			}
			if is(rhs) {
				out = append(out, lhs) // tw.w = w
				continue
			}
			if u, ok := rhs.(*ast.UnaryExpr); ok && u.Op == token.AND {
				rhs = u.X
			}
			if lit, ok := rhs.(*ast.CompositeLit); ok {
				for _, elt := range lit.Elts {
					if kv, ok := elt.(*ast.KeyValueExpr); ok {
						elt = kv.Value
					}
					if is(elt) {
						out = append(out, lhs) // tw := &T{w: w}
					}
				}
			}
		}
		return true
	})
	return out
}

func isPackageVar(obj types.Object) bool {
	return obj != nil && obj.Pkg() != nil && obj.Parent() == obj.Pkg().Scope()
}

// ioCall classifies calls that do network, file or database I/O, and
// returns the streams that a read or write uses.
func (s *scanner) ioCall(fn *types.Func, call *ast.CallExpr) (ioKind, []ast.Expr, bool) {
	var recvExpr []ast.Expr
	if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok {
		recvExpr = []ast.Expr{sel.X}
	}
	name := fn.Name()
	recv := ""
	if r := fn.Signature().Recv(); r != nil {
		if n, ok := derefNamed(r.Type()); ok {
			recv = n.Obj().Name()
		}
	}
	switch fn.Pkg().Path() {
	case "net":
		for _, p := range []string{"Read", "Write"} {
			if strings.HasPrefix(name, p) && recv != "" {
				return ioNet, recvExpr, true
			}
		}
		// Listen binds a local socket: it waits for no peer.
		for _, p := range []string{"Dial", "Lookup", "Accept"} {
			if strings.HasPrefix(name, p) {
				return ioNet, nil, true
			}
		}
	case "net/http":
		switch {
		case recv == "" && oneOf(name, "Get", "Post", "PostForm", "Head"),
			recv == "Client" && oneOf(name, "Do", "Get", "Post", "PostForm", "Head"),
			name == "RoundTrip":
			return ioHTTP, nil, true
		}
	case "os":
		switch {
		case recv == "" && oneOf(name, "ReadFile", "WriteFile", "ReadDir"):
			return ioFile, nil, true
		case recv == "File" && oneOf(name, "Read", "ReadAt", "ReadFrom", "Write", "WriteAt", "WriteString", "WriteTo", "Sync", "ReadDir", "Readdir", "Readdirnames"):
			if len(recvExpr) == 1 && s.isStdStream(recvExpr[0]) {
				return ioKind{}, nil, false // console output, like fmt.Println
			}
			return ioFile, recvExpr, true
		}
	case "io":
		var streams []ast.Expr
		switch name {
		case "Copy", "CopyN", "CopyBuffer":
			if len(call.Args) >= 2 {
				streams = call.Args[:2]
			}
		case "ReadAll", "ReadFull", "ReadAtLeast", "WriteString":
			if len(call.Args) >= 1 {
				streams = call.Args[:1]
			}
		}
		if recv == "" && len(streams) > 0 && !s.allInMemory(streams) {
			return ioIO, streams, true
		}
	case "database/sql":
		if oneOf(recv, "DB", "Tx", "Conn", "Stmt") {
			for _, p := range []string{"Query", "Exec", "Ping", "Begin", "Prepare"} {
				if strings.HasPrefix(name, p) {
					return ioSQL, nil, true
				}
			}
			if oneOf(name, "Commit", "Rollback", "Conn") {
				return ioSQL, nil, true
			}
		}
	}
	return ioKind{}, nil, false
}

func oneOf(s string, list ...string) bool {
	for _, x := range list {
		if s == x {
			return true
		}
	}
	return false
}

// allInMemory reports whether every stream is statically an in-memory buffer
// (bytes.Buffer, bytes.Reader, strings.Reader, strings.Builder, io.Discard).
func (s *scanner) allInMemory(streams []ast.Expr) bool {
	for _, e := range streams {
		if !s.inMemory(e) {
			return false
		}
	}
	return true
}

func (s *scanner) inMemory(e ast.Expr) bool {
	if call, ok := ast.Unparen(e).(*ast.CallExpr); ok && s.randomSource(call) {
		return true
	}
	if sel, ok := ast.Unparen(e).(*ast.SelectorExpr); ok {
		if v, ok := s.pass.TypesInfo.Uses[sel.Sel].(*types.Var); ok && v.Pkg() != nil {
			switch v.Pkg().Path() + "." + v.Name() {
			case "io.Discard", "crypto/rand.Reader":
				// crypto/rand.Reader reads the kernel's random source: it
				// does not wait for a peer or a disk.
				return true
			}
		}
	}
	t := s.pass.TypesInfo.TypeOf(e)
	if t == nil {
		return false
	}
	if _, ok := types.Unalias(t).(*types.Pointer); !ok {
		return false
	}
	return analysisutil.IsNamedType(t, "bytes", "Buffer") ||
		analysisutil.IsNamedType(t, "bytes", "Reader") ||
		analysisutil.IsNamedType(t, "strings", "Reader") ||
		analysisutil.IsNamedType(t, "strings", "Builder")
}

// isStdStream reports whether e is os.Stdout or os.Stderr.
func (s *scanner) isStdStream(e ast.Expr) bool {
	sel, ok := ast.Unparen(e).(*ast.SelectorExpr)
	if !ok {
		return false
	}
	v, ok := s.pass.TypesInfo.Uses[sel.Sel].(*types.Var)
	return ok && v.Pkg() != nil && v.Pkg().Path() == "os" && (v.Name() == "Stdout" || v.Name() == "Stderr")
}

// randomSource reports a call of a function of the package that returns
// crypto/rand.Reader (or a replacement the caller configured for it):
// c.rand() in crypto/tls.
func (s *scanner) randomSource(call *ast.CallExpr) bool {
	fn := analysisutil.CalleeFunc(s.pass.TypesInfo, call)
	if fn == nil || fn.Pkg() != s.pass.Pkg {
		return false
	}
	decl := s.decls[fn]
	if decl == nil || decl.Body == nil {
		return false
	}
	found := false
	ast.Inspect(decl.Body, func(n ast.Node) bool {
		if ret, ok := n.(*ast.ReturnStmt); ok && len(ret.Results) == 1 {
			if sel, ok := ast.Unparen(ret.Results[0]).(*ast.SelectorExpr); ok {
				if v, ok := s.pass.TypesInfo.Uses[sel.Sel].(*types.Var); ok && v.Pkg() != nil &&
					v.Pkg().Path() == "crypto/rand" && v.Name() == "Reader" {
					found = true
				}
			}
		}
		return !found
	})
	return found
}

// waitingHelper reports a call, under a lock, to a function of the package
// that waits on a channel it is given (by its summary: a send, receive or
// range with no other select case to take, on a parameter, the receiver or
// a field of one), when the other side of that channel is known to take
// the lock on its way there.
// It returns whether it reported.
func (s *scanner) waitingHelper(call *ast.CallExpr, fn *types.Func, st state) bool {
	if s.sums == nil || s.sums.Pkg == nil || fn.Pkg() != s.pass.Pkg {
		return false
	}
	if s.locks != nil {
		if f := s.locks.Of(fn); f != nil && len(f.EntryHeld) > 0 {
			return false // it releases the caller's lock itself (a Wait-like helper)
		}
	}
	_, sum := s.sums.Of(fn)
	if sum == nil {
		return false
	}
	args := call.Args
	if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok {
		if x := s.pass.TypesInfo.Selections[sel]; x != nil && x.Kind() == types.MethodVal {
			args = append([]ast.Expr{sel.X}, args...)
		}
	}
	for _, op := range sum.Ops {
		if op.WayOut || op.InGo || op.Param < 0 || op.Param >= len(args) || op.Kind == summary.Close {
			continue
		}
		k, obj, ok := s.others().fieldKey(args[op.Param], op.Field)
		if !ok {
			continue
		}
		var kinds []siteKind
		var what string
		switch op.Kind {
		case summary.Send:
			if s.buffered.good[obj] {
				continue
			}
			kinds, what = []siteKind{siteRecv}, "sends on"
		case summary.Recv:
			if s.others().filled[s.others().find(k)] || s.recvReady(op, 0) {
				continue // a token, a guarded receive, or the release of a slot it took
			}
			kinds, what = []siteKind{siteSend, siteClose}, "receives from"
		case summary.Range:
			kinds, what = []siteKind{siteSend, siteClose}, "ranges over"
		default:
			continue
		}
		if !s.others().lockedPeer(k, kinds, s.fn, s.heldIDs(st)) {
			continue // the helper's wait is out of sight: report only a peer known to need the lock
		}
		at := s.pass.Fset.Position(op.Pos)
		category := catReceive
		if op.Kind == summary.Send {
			category = catSend
		}
		s.report(call, st, category, "is held while calling %[2]s, which %[3]s %[4]s (line %[5]d), whose other side takes the same lock first: %[1]s waits, and the two deadlock",
			types.ExprString(call.Fun), what, op.Chan, at.Line)
		return true
	}
	return false
}

// recvReady reports whether the receive of a summary's operation cannot
// wait, looked at where it is (following the calls that lead to it): it is
// guarded by len(ch) > 0, or its function sent on the same channel before
// (the release of a semaphore slot it took).
func (s *scanner) recvReady(op summary.Op, depth int) bool {
	if depth > 5 || !op.Pos.IsValid() {
		return false
	}
	cur, ok := s.insp.Root().FindByPos(op.Pos, op.Pos)
	for ; ok && cur.Node() != nil; cur = cur.Parent() {
		switch n := cur.Node().(type) {
		case *ast.UnaryExpr:
			if n.Op == token.ARROW && n.OpPos == op.Pos {
				return s.guardedAt(cur, n.X) || s.sentBefore(cur, n.X)
			}
		case *ast.CallExpr:
			if n.Lparen != op.Pos && n.Pos() != op.Pos {
				continue
			}
			fn := analysisutil.CalleeFunc(s.pass.TypesInfo, n)
			if fn == nil || s.sums.Pkg == nil {
				return false
			}
			_, sum := s.sums.Of(fn)
			if sum == nil {
				return false
			}
			found := false
			for _, o := range sum.Ops {
				if o.Kind == op.Kind && (o.Field == op.Field || strings.HasSuffix(op.Field, "."+o.Field)) && !o.WayOut && !o.InGo {
					found = true
					if !s.recvReady(o, depth+1) {
						return false
					}
				}
			}
			return found
		case *ast.FuncDecl, *ast.FuncLit:
			return false
		}
	}
	return false
}

// guardedAt reports whether an enclosing if or for condition at cur says
// ch holds a value: len(ch) > 0.
func (s *scanner) guardedAt(cur inspector.Cursor, ch ast.Expr) bool {
	for e := range cur.Enclosing((*ast.IfStmt)(nil), (*ast.ForStmt)(nil), (*ast.FuncDecl)(nil), (*ast.FuncLit)(nil)) {
		var cond ast.Expr
		switch n := e.Node().(type) {
		case *ast.IfStmt:
			cond = n.Cond
		case *ast.ForStmt:
			cond = n.Cond
		default:
			return false
		}
		for _, c := range conjuncts(cond) {
			if s.nonEmpty(c, ch) {
				return true
			}
		}
	}
	return false
}

// sentBefore reports whether the function around cur sends on ch before it.
func (s *scanner) sentBefore(cur inspector.Cursor, ch ast.Expr) bool {
	for e := range cur.Enclosing((*ast.FuncDecl)(nil), (*ast.FuncLit)(nil)) {
		for c := range e.Preorder((*ast.SendStmt)(nil)) {
			if send := c.Node().(*ast.SendStmt); send.Pos() < cur.Node().Pos() && s.same(send.Chan, ch) {
				return true
			}
		}
		return false
	}
	return false
}
