package ctxcancel_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"
	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/asyncbook/asyncbook/analyzers/ctxcancel"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestFixes(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, analysistest.TestData(), ctxcancel.Analyzer, "streaming", "retry")
}

func TestDiagnostics(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), ctxcancel.Analyzer, "flusher", "trainercmd", "broken", "once", "poll")
}

func TestDoc(t *testing.T) {
	a := ctxcancel.Analyzer
	assert.True(t, strings.HasPrefix(a.Doc, "ctxcancel: "), a.Doc)
	assert.Contains(t, a.Doc, "WRONG")
	assert.Contains(t, a.Doc, "RIGHT")
	assert.True(t, strings.HasSuffix(a.URL, "/ctxcancel.md"), a.URL)
}
