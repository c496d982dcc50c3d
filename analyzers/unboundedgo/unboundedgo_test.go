package unboundedgo_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"
	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/asyncbook/asyncbook/analyzers/unboundedgo"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestFixes(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, analysistest.TestData(), unboundedgo.Analyzer, "inference")
}

func TestDiagnostics(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), unboundedgo.Analyzer, "serving", "loader", "broken", "fakeserver")
}

func TestDoc(t *testing.T) {
	a := unboundedgo.Analyzer
	assert.True(t, strings.HasPrefix(a.Doc, "unboundedgo: "), a.Doc)
	assert.Contains(t, a.Doc, "WRONG")
	assert.Contains(t, a.Doc, "RIGHT")
	assert.True(t, strings.HasSuffix(a.URL, "/unboundedgo.md"), a.URL)
}
