package analysisutil

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExtractDoc(t *testing.T) {
	src := "// Package x does x.\n//\n// # Analyzer demo\n//\n// demo: report demos\n//\n// More prose.\n//\n// # Other\n//\n// ignored\npackage x\n"
	doc, err := ExtractDoc(src, "demo")
	require.NoError(t, err)
	assert.Equal(t, "demo: report demos\n\nMore prose.", doc)

	_, err = ExtractDoc(src, "missing")
	assert.ErrorContains(t, err, `"# Analyzer missing"`)
	_, err = ExtractDoc("package x\n", "demo")
	assert.ErrorContains(t, err, "no package doc comment")
	assert.Panics(t, func() { MustExtractDoc("package x\n", "demo") })
}
