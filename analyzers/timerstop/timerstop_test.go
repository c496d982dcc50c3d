package timerstop_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"
	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/asyncbook/asyncbook/analyzers/timerstop"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestFixes(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, analysistest.TestData(), timerstop.Analyzer, "trainer")
}

func TestDiagnostics(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), timerstop.Analyzer, "serving", "broken", "modern")
}

func TestDoc(t *testing.T) {
	a := timerstop.Analyzer
	assert.True(t, strings.HasPrefix(a.Doc, "timerstop: "), a.Doc)
	assert.Contains(t, a.Doc, "WRONG")
	assert.Contains(t, a.Doc, "RIGHT")
	assert.True(t, strings.HasSuffix(a.URL, "/timerstop.md"), a.URL)
}
