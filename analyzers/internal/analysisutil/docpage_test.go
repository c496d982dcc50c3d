package analysisutil

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"golang.org/x/tools/go/analysis"
)

func TestDocPageProblems(t *testing.T) {
	dir := t.TempDir()
	page := "# demo: finds demos\n\n## first-case\n\ntext\n"
	assert.NoError(t, os.WriteFile(filepath.Join(dir, "demo.md"), []byte(page), 0o644))
	a := &analysis.Analyzer{Name: "demo", Doc: "demo: finds demos\n\nfirst-case and second-case", URL: URL("demo")}
	assert.Empty(t, DocPageProblems(dir, a, "first-case"))
	assert.Equal(t, []string{"demo.md lacks a ## second-case section"}, DocPageProblems(dir, a, "second-case"))
	assert.Len(t, DocPageProblems(dir, &analysis.Analyzer{Name: "demo", Doc: "x", URL: "y"}), 2)
	assert.Len(t, DocPageProblems(dir, &analysis.Analyzer{Name: "missing"}), 1)
}
