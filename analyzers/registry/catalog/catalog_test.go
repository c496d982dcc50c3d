package catalog

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/asyncbook/asyncbook/analyzers/registry"
)

// TestCatalogIsCurrent fails when docs/analyzers.md was not regenerated
// after an analyzer changed.
func TestCatalogIsCurrent(t *testing.T) {
	got, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "analyzers.md"))
	require.NoError(t, err)
	assert.Equal(t, string(Markdown()), string(got), "regenerate: go run ./analyzers/registry/catalog/gen > docs/analyzers.md")
}

// TestEveryAnalyzerHasItsPage checks that each of our analyzers links to a
// page that exists and names each of its doc's examples.
func TestEveryAnalyzerHasItsPage(t *testing.T) {
	for _, a := range registry.Ours() {
		page := filepath.Join("..", "..", "..", "docs", "analyzers", a.Name+".md")
		_, err := os.Stat(page)
		assert.NoError(t, err, "%s has no page", a.Name)
		assert.Contains(t, a.URL, "docs/analyzers/"+a.Name+".md")
		assert.Contains(t, a.Doc, "WRONG", "%s's doc shows a WRONG example", a.Name)
		assert.Contains(t, a.Doc, "RIGHT", "%s's doc shows a RIGHT example", a.Name)
	}
}
