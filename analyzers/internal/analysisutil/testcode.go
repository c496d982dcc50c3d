package analysisutil

import (
	"go/ast"
	"iter"
	"strconv"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ast/inspector"
)

// IsTestSupport reports whether f is test code: a _test.go file, or a file
// that imports "testing" (a test helper such as a fake server). Its inputs
// are the test's own, fixed by the test, and its goroutines drive fake peers.
func IsTestSupport(pass *analysis.Pass, f *ast.File) bool {
	if tf := pass.Fset.File(f.Pos()); tf != nil && strings.HasSuffix(tf.Name(), "_test.go") {
		return true
	}
	for _, spec := range f.Imports {
		if path, err := strconv.Unquote(spec.Path.Value); err == nil && path == "testing" {
			return true
		}
	}
	return false
}

// ProductionFiles yields the cursor of each of the pass's files that is not
// test code (see IsTestSupport).
func ProductionFiles(pass *analysis.Pass, in *inspector.Inspector) iter.Seq[inspector.Cursor] {
	return func(yield func(inspector.Cursor) bool) {
		for _, f := range pass.Files {
			if IsTestSupport(pass, f) {
				continue
			}
			if cur, ok := in.Root().FindNode(f); ok && !yield(cur) {
				return
			}
		}
	}
}
