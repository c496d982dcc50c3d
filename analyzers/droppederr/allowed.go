package droppederr

import (
	"go/ast"
	"go/types"
	"strings"

	"github.com/asyncbook/asyncbook/analyzers/internal/analysisutil"
)

// alwaysFine are functions whose error is nil in practice or not actionable.
var alwaysFine = map[string]bool{
	"fmt.Print":                        true,
	"fmt.Printf":                       true,
	"fmt.Println":                      true,
	"log.Output":                       true,
	"(*log.Logger).Output":             true,
	"crypto/rand.Read":                 true, // never fails since Go 1.24
	"math/rand.Read":                   true, // always nil
	"(*math/rand.Rand).Read":           true,
	"(*net/http.Server).Serve":         true, // http.ErrServerClosed after Shutdown, or Accept errors on the caller's listener
	"(*net/http.Server).ServeTLS":      true,
	"net/http.Serve":                   true,
	"net/http.ServeTLS":                true,
	"(*hash/maphash.Hash).Write":       true,
	"(*hash/maphash.Hash).WriteString": true,
	"(*hash/maphash.Hash).WriteByte":   true,
	"(*io.PipeWriter).CloseWithError":  true, // always nil
	"(*io.PipeReader).CloseWithError":  true,
	"(*io.PipeWriter).Close":           true, // always nil
	"(*io.PipeReader).Close":           true,
}

// newRequests fail only on a bad method or URL: with constants, never at run
// time.
var newRequests = map[string]bool{"net/http.NewRequest": true, "net/http.NewRequestWithContext": true}

// connMethods, on a net.Conn or a connection that wraps one, fail only on a
// connection already closed or broken: nothing to do about it.
var connMethods = map[string]bool{"SetDeadline": true, "SetReadDeadline": true, "SetWriteDeadline": true}

// fprints write to their first argument.
var fprints = map[string]bool{"fmt.Fprint": true, "fmt.Fprintf": true, "fmt.Fprintln": true}

// writes are the writer methods whose error is not worth checking on an
// in-memory writer, a hash, a bufio.Writer or the console.
var writes = map[string]bool{"Write": true, "WriteString": true, "WriteByte": true, "WriteRune": true}

// allowed reports whether the error call returns may be dropped.
func (c *checker) allowed(call *ast.CallExpr) bool {
	fn := analysisutil.CalleeFunc(c.pass.TypesInfo, call)
	if fn == nil {
		return false
	}
	full := fn.FullName()
	if alwaysFine[full] || c.ignored[fn] || c.pass.ImportObjectFact(fn, new(recordsError)) {
		return true
	}
	if fprints[full] {
		return len(call.Args) > 0 && c.harmlessWriter(call.Args[0])
	}
	if newRequests[full] {
		return c.constantRequest(call)
	}
	if (full == "io.Copy" || full == "io.CopyN") && len(call.Args) > 0 && c.isDiscard(call.Args[0]) {
		return true // draining a body: nothing to do if it fails
	}
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok || c.pass.TypesInfo.Selections[sel] == nil {
		return false // not a method call
	}
	switch {
	case connMethods[fn.Name()] && takesOnly(fn, "time", "Time"):
		// Setting a deadline fails only on a connection already closed.
		return true
	case fn.Name() == "Serve" && takesOnly(fn, "net", "Listener"):
		// A server's Serve returns once it is shut down, or on an Accept
		// error of a listener the caller made and owns.
		return true
	case writes[fn.Name()]:
		return c.harmlessWriter(sel.X)
	case fn.Name() == "Close" && fn.Signature().Params().Len() == 0:
		// Closing what was read (a response body, a connection, a file
		// opened to read) fails in no way worth handling; closing a
		// writer commits what was written.
		return !c.commitsOnClose(call)
	}
	return false
}

// commitsOnClose reports whether call is Close on a writer whose Close
// commits what the goroutine wrote: the receiver has a Write method, is
// neither a network connection (it has RemoteAddr) nor a file opened by
// os.Open, which is read-only, and the goroutine writes to it (calls a
// Write or Flush method on it, or passes it first to a call, as to io.Copy
// or fmt.Fprintf). A checkpoint writer that uploads on Close, a gzip or tar
// writer, a file being written: a failed Close is a failed write.
func (c *checker) commitsOnClose(call *ast.CallExpr) bool {
	fn := analysisutil.CalleeFunc(c.pass.TypesInfo, call)
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if fn == nil || !ok || fn.Name() != "Close" || fn.Signature().Params().Len() != 0 || alwaysFine[fn.FullName()] {
		return false
	}
	t := c.pass.TypesInfo.TypeOf(sel.X)
	if t == nil || !hasMethod(t, "Write") || hasMethod(t, "RemoteAddr") || c.harmlessWriter(sel.X) {
		return false
	}
	return !c.openedReadOnly(sel.X) && c.writesTo(sel.X)
}

// writesTo reports whether the goroutine being checked writes to w.
func (c *checker) writesTo(w ast.Expr) bool {
	if c.body == nil {
		return false
	}
	name := types.ExprString(w)
	found := false
	ast.Inspect(c.body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if found || !ok {
			return !found
		}
		if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok && types.ExprString(sel.X) == name &&
			(strings.HasPrefix(sel.Sel.Name, "Write") || sel.Sel.Name == "Flush") {
			found = true
		}
		if len(call.Args) > 0 && types.ExprString(call.Args[0]) == name {
			found = true
		}
		return !found
	})
	return found
}

// takesOnly reports whether fn has one parameter, of type pkg.name.
func takesOnly(fn *types.Func, pkg, name string) bool {
	params := fn.Signature().Params()
	return params.Len() == 1 && analysisutil.IsNamedType(params.At(0).Type(), pkg, name)
}

// isDiscard reports whether e is io.Discard.
func (c *checker) isDiscard(e ast.Expr) bool {
	sel, ok := ast.Unparen(e).(*ast.SelectorExpr)
	if !ok {
		return false
	}
	v, ok := c.pass.TypesInfo.Uses[sel.Sel].(*types.Var)
	return ok && v.Pkg() != nil && v.Pkg().Path() == "io" && v.Name() == "Discard"
}

func hasMethod(t types.Type, name string) bool {
	obj, _, _ := types.LookupFieldOrMethod(t, true, nil, name)
	_, ok := obj.(*types.Func)
	return ok
}

// openedReadOnly reports whether e is a variable assigned from os.Open.
func (c *checker) openedReadOnly(e ast.Expr) bool {
	id, ok := ast.Unparen(e).(*ast.Ident)
	if !ok {
		return false
	}
	v, ok := c.pass.TypesInfo.Uses[id].(*types.Var)
	if !ok {
		return false
	}
	found := false
	for _, f := range c.pass.Files {
		if f.FileStart > v.Pos() || v.Pos() > f.FileEnd {
			continue
		}
		ast.Inspect(f, func(n ast.Node) bool {
			as, ok := n.(*ast.AssignStmt)
			if found || !ok || len(as.Rhs) != 1 {
				return !found
			}
			call, ok := ast.Unparen(as.Rhs[0]).(*ast.CallExpr)
			if !ok || !analysisutil.IsFunc(c.pass.TypesInfo, call, "os.Open") {
				return true
			}
			for _, l := range as.Lhs {
				if lid, ok := l.(*ast.Ident); ok && c.pass.TypesInfo.ObjectOf(lid) == v {
					found = true
				}
			}
			return !found
		})
	}
	return found
}

// constantRequest reports whether the method and URL of an http.NewRequest
// call are constants.
func (c *checker) constantRequest(call *ast.CallExpr) bool {
	args := call.Args
	if len(args) == 4 { // NewRequestWithContext(ctx, method, url, body)
		args = args[1:]
	}
	if len(args) != 3 {
		return false
	}
	for _, a := range args[:2] {
		if tv, ok := c.pass.TypesInfo.Types[a]; !ok || tv.Value == nil {
			return false
		}
	}
	return true
}

// harmlessWriter reports whether writes to e cannot fail in a way worth
// handling: os.Stdout and os.Stderr, in-memory buffers, bufio.Writer (its
// error surfaces at Flush) and hashes.
func (c *checker) harmlessWriter(e ast.Expr) bool {
	if sel, ok := ast.Unparen(e).(*ast.SelectorExpr); ok {
		if v, ok := c.pass.TypesInfo.Uses[sel.Sel].(*types.Var); ok && v.Pkg() != nil && v.Pkg().Path() == "os" &&
			(v.Name() == "Stdout" || v.Name() == "Stderr") {
			return true
		}
	}
	t := c.pass.TypesInfo.TypeOf(e)
	if t == nil {
		return false
	}
	// A value or a pointer: b.WriteString on an addressable bytes.Buffer
	// calls the pointer method.
	if analysisutil.IsNamedType(t, "bytes", "Buffer") ||
		analysisutil.IsNamedType(t, "strings", "Builder") ||
		analysisutil.IsNamedType(t, "bufio", "Writer") ||
		analysisutil.IsNamedType(t, "hash/maphash", "Hash") {
		return true
	}
	return isNamed(t, "hash", "Hash") || isNamed(t, "hash", "Hash32") || isNamed(t, "hash", "Hash64")
}

// isNamed reports whether t itself (not a pointer to it) is pkg.name.
func isNamed(t types.Type, pkg, name string) bool {
	if _, ok := types.Unalias(t).(*types.Pointer); ok {
		return false
	}
	return analysisutil.IsNamedType(t, pkg, name)
}
