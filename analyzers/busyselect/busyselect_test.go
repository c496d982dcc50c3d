package busyselect_test

import (
	"go/parser"
	"go/token"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/asyncbook/asyncbook/analyzers/busyselect"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestFixes(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, analysistest.TestData(), busyselect.Analyzer, "loader")
}

func TestDiagnostics(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), busyselect.Analyzer, "serving", "broken")
}

func TestDoc(t *testing.T) {
	a := busyselect.Analyzer
	assert.True(t, strings.HasPrefix(a.Doc, "busyselect: "), a.Doc)
	assert.Contains(t, a.Doc, "WRONG")
	assert.Contains(t, a.Doc, "RIGHT")
	assert.True(t, strings.HasSuffix(a.URL, "/busyselect.md"), a.URL)
}

// TestFixRemovesUnusedImport applies the fixes without the formatter that
// analysistest runs (which drops unused imports itself) and checks that the
// result no longer imports runtime, whose only use was the deleted default.
func TestFixRemovesUnusedImport(t *testing.T) {
	results := analysistest.Run(t, analysistest.TestData(), busyselect.Analyzer, "loader")
	require.Len(t, results, 1)
	pass := results[0].Pass
	var edits []analysis.TextEdit
	for _, d := range results[0].Diagnostics {
		for _, f := range d.SuggestedFixes {
			edits = append(edits, f.TextEdits...)
		}
	}
	require.NotEmpty(t, edits)
	tf := pass.Fset.File(edits[0].Pos)
	src, err := os.ReadFile(tf.Name())
	require.NoError(t, err)
	sort.Slice(edits, func(i, j int) bool { return edits[i].Pos > edits[j].Pos })
	for _, e := range edits {
		start, end := tf.Offset(e.Pos), tf.Offset(e.End)
		src = append(src[:start:start], append(e.NewText, src[end:]...)...)
	}
	f, err := parser.ParseFile(token.NewFileSet(), "fixed.go", src, parser.ImportsOnly)
	require.NoError(t, err, string(src))
	for _, imp := range f.Imports {
		assert.NotEqual(t, `"runtime"`, imp.Path.Value, "runtime import left behind:\n%s", src)
	}
	assert.Len(t, f.Imports, 1, string(src))
}
