package doublelock

import (
	_ "embed"
	"fmt"
	"go/ast"
	"go/token"
	"strings"

	"golang.org/x/tools/go/analysis"

	"github.com/asyncbook/asyncbook/analyzers/internal/analysisutil"
	"github.com/asyncbook/asyncbook/analyzers/internal/lockfacts"
)

//go:embed doc.go
var doc string

// Analyzer reports a mutex locked again by the goroutine that holds it.
var Analyzer = &analysis.Analyzer{
	Name:             "doublelock",
	Doc:              analysisutil.MustExtractDoc(doc, "doublelock"),
	URL:              analysisutil.URL("doublelock"),
	Requires:         []*analysis.Analyzer{lockfacts.Analyzer},
	RunDespiteErrors: true,
	Run:              run,
}

// Sub-check keys, used as diagnostic categories and docs anchors.
const (
	catDouble = "double-lock"
	catRWR    = "recursive-rlock"
)

func run(pass *analysis.Pass) (any, error) {
	if !analysisutil.Touches(pass, "sync") {
		return nil, nil
	}
	res, ok := pass.ResultOf[lockfacts.Analyzer].(*lockfacts.Result)
	if !ok {
		return nil, nil
	}
	reported := map[token.Pos]bool{}
	for _, f := range res.Funcs {
		if file := fileOf(pass, f.Node); file == nil || analysisutil.IsTestSupport(pass, file) {
			continue // tests lock twice on purpose: to stage a deadlock, or to wait for a goroutine
		}
		for _, acq := range f.Acquires {
			if !acq.HasKey || acq.Retake || f.TryLocked[acq.Key] || reported[acq.Pos] {
				continue
			}
			for _, h := range acq.Held {
				if h.Key.Ref != acq.Key.Ref || f.TryLocked[h.Key] || f.HandedOff[h.Key] {
					continue
				}
				if acq.Via != nil && !h.Status.MustHeld() {
					// Through a call, only a lock held on every path: the
					// callee may lock on a condition that goes with it.
					continue
				}
				reported[acq.Pos] = true
				report(pass, acq, h)
				break
			}
		}
		doubleUnlocks(pass, f, reported)
	}
	callbacks(pass, res, reported)
	literalCallbacks(pass, res, reported)
	onceReentered(pass, reported)
	return nil, nil
}

func report(pass *analysis.Pass, acq lockfacts.Acquire, h lockfacts.HeldLock) {
	name := h.Status.Name
	if name == "" {
		name = acq.Name
	}
	line := pass.Fset.Position(h.Status.Site).Line
	held := fmt.Sprintf("locked at line %d", line)
	if h.Key.Read {
		held = fmt.Sprintf("read-locked at line %d", line)
	}
	if !h.Status.MustHeld() {
		held += ", on a path that does not unlock it"
	}
	verb := "locked"
	if acq.Key.Read {
		verb = "read-locked"
	}
	what := fmt.Sprintf("%s is %s again", name, verb)
	if acq.Via != nil {
		what = fmt.Sprintf("%s %s %s (%s)", acq.Via.Name(), strings.TrimSuffix(verb, "ed")+"s", name, acq.Where)
	}
	cat, why := catDouble, "sync.Mutex is not reentrant: this goroutine waits for itself for ever"
	switch {
	case h.Key.Read && acq.Key.Read:
		cat, why = catRWR, "if a writer calls Lock in between, the writer waits for the first read lock and this RLock waits for the writer"
	case h.Key.Read:
		why = "a read lock cannot be upgraded: Lock waits for this goroutine's own read lock"
	case acq.Key.Read:
		why = "RLock waits for this goroutine's own write lock"
	}
	pass.Report(analysis.Diagnostic{
		Pos:      acq.Pos,
		End:      acq.End,
		Category: cat,
		Message:  fmt.Sprintf("%s while this goroutine holds it (%s): %s", what, held, why),
		Related:  []analysis.RelatedInformation{{Pos: h.Status.Site, Message: name + " locked here"}},
	})
}

// fileOf returns the file that holds n.
func fileOf(pass *analysis.Pass, n ast.Node) *ast.File {
	for _, f := range pass.Files {
		if f.FileStart <= n.Pos() && n.Pos() < f.FileEnd {
			return f
		}
	}
	return nil
}
