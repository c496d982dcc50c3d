package doublelock

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/asyncbook/asyncbook/analyzers/internal/analysisutil"
)

// TestDocs checks that every sub-check has its section in the catalog page
// (the anchor diagnostics link to) and is described in the analyzer's Doc.
func TestDocs(t *testing.T) {
	docs := filepath.Join("..", "..", "docs", "analyzers")
	assert.Empty(t, analysisutil.DocPageProblems(docs, Analyzer, catDouble, catRWR, catCallback, catOnce))
}
