package analysisutil

import (
	"go/ast"
	"strconv"
	"strings"

	"golang.org/x/tools/go/analysis"
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
