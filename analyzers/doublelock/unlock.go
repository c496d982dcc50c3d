package doublelock

import (
	"fmt"
	"go/ast"
	"go/token"

	"golang.org/x/tools/go/analysis"

	"github.com/asyncbook/asyncbook/analyzers/internal/lockfacts"
)

const catUnlock = "double-unlock"

// doubleUnlocks reports an explicit Unlock of a lock whose Unlock is
// already deferred, when a return is then reached with the lock still
// released: the deferred Unlock runs on an unlocked mutex, and the program
// dies with "fatal error: sync: unlock of unlocked mutex" (RUnlock: of
// unlocked RWMutex), which no recover catches.
func doubleUnlocks(pass *analysis.Pass, f *lockfacts.Func, reported map[token.Pos]bool) {
	for _, ru := range f.Reunlocks {
		if reported[ru.At.Pos()] || f.TryLocked[ru.Key] || f.HandedOff[ru.Key] {
			continue
		}
		var exit *lockfacts.Exit
		for i := range f.Exits {
			e := &f.Exits[i]
			if st, ok := e.State[ru.Key]; ok && st.Bits == lockfacts.Pending && e.Return.Pos() > ru.At.Pos() {
				exit = e
				break
			}
		}
		if exit == nil {
			continue
		}
		deferred := deferredUnlock(f, ru)
		if deferred == nil {
			continue
		}
		reported[ru.At.Pos()] = true
		verb, fatal := "Unlock", "sync: unlock of unlocked mutex"
		if ru.Key.Read {
			verb, fatal = "RUnlock", "sync: RUnlock of unlocked RWMutex"
		}
		line := func(p token.Pos) int { return pass.Fset.Position(p).Line }
		pass.Report(analysis.Diagnostic{
			Pos:      ru.At.Pos(),
			End:      ru.At.End(),
			Category: catUnlock,
			Message: fmt.Sprintf("%s is unlocked here though its %s is deferred (line %d): the deferred %s runs again at the return on line %d, a fatal error (%s) that recover does not catch; drop the explicit %s or the defer",
				ru.Name, verb, line(deferred.Pos()), verb, line(exit.Return.Pos()), fatal, verb),
			Related: []analysis.RelatedInformation{
				{Pos: deferred.Pos(), Message: "unlock deferred here"},
				{Pos: exit.Return.Pos(), Message: "returns here with the lock already released"},
			},
		})
	}
}

// deferredUnlock returns the defer statement of f that unlocks ru's lock
// before ru, or nil.
func deferredUnlock(f *lockfacts.Func, ru lockfacts.Reunlock) ast.Node {
	var found ast.Node
	ast.Inspect(f.Node, func(n ast.Node) bool {
		if found != nil {
			return false
		}
		switch n := n.(type) {
		case *ast.FuncLit:
			return n == f.Node
		case *ast.DeferStmt:
			if n.Pos() >= ru.At.Pos() {
				return false
			}
			for _, u := range f.Unlocks[ru.Key] {
				if u.Pos() >= n.Pos() && u.End() <= n.End() {
					found = n
				}
			}
			return false
		}
		return true
	})
	return found
}
