package lockblock

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDocs checks that every sub-check has its section in the catalog page
// (the anchor diagnostics link to) and is described in the analyzer's Doc.
func TestDocs(t *testing.T) {
	page, err := os.ReadFile(filepath.Join("..", "..", "docs", "analyzers", "lockblock.md"))
	require.NoError(t, err)
	headings := make(map[string]bool)
	for _, line := range strings.Split(string(page), "\n") {
		if h, ok := strings.CutPrefix(line, "## "); ok {
			headings[h] = true
		}
	}
	assert.True(t, strings.HasPrefix(string(page), "# lockblock: "), "page title")
	assert.True(t, strings.HasPrefix(Analyzer.Doc, "lockblock: "), "Doc title")
	assert.Equal(t, "https://github.com/asyncbook/asyncbook/blob/main/docs/analyzers/lockblock.md", Analyzer.URL)
	for _, cat := range []string{catSend, catReceive, catSelect, catSleep, catIO, catWait} {
		assert.True(t, headings[cat], "docs page lacks a ## %s section", cat)
		assert.Contains(t, Analyzer.Doc, cat)
	}
}
