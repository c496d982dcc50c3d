package ctxprop_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"
	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/asyncbook/asyncbook/analyzers/ctxprop"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestFixes(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, analysistest.TestData(), ctxprop.Analyzer, "featurestore", "modelclient", "shards")
}

func TestDiagnostics(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), ctxprop.Analyzer, "servecmd", "broken")
}

func TestDoc(t *testing.T) {
	a := ctxprop.Analyzer
	assert.True(t, strings.HasPrefix(a.Doc, "ctxprop: "), a.Doc)
	assert.Contains(t, a.Doc, "WRONG")
	assert.Contains(t, a.Doc, "RIGHT")
	assert.True(t, strings.HasSuffix(a.URL, "/ctxprop.md"), a.URL)
}
