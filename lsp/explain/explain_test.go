package explain_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/tools/go/analysis"

	"github.com/asyncbook/asyncbook/analyzers/registry"
	"github.com/asyncbook/asyncbook/lsp/explain"
)

func TestParseTheSuitesDocs(t *testing.T) {
	wg := registry.Lookup("waitgroup")
	require.NotNil(t, wg)
	d := explain.Parse(wg)
	assert.Equal(t, "check for misuses of sync.WaitGroup", d.Title)
	assert.Contains(t, d.Explanation, "from inside a new goroutine")
	assert.Contains(t, d.Wrong, "wg.Add(1) //")
	assert.NotContains(t, d.Wrong, "// WRONG")
	assert.Contains(t, d.Right, "wg.Add(1)\ngo func() {")
	assert.NotContains(t, d.Right, "The correct code", "prose between the examples is not part of them")
	assert.Equal(t, wg.URL, d.URL)

	for _, a := range registry.All() {
		d := explain.Parse(a)
		assert.NotEmpty(t, d.Title, a.Name)
		assert.NotEmpty(t, d.Hints(), a.Name)
	}
}

func TestParseDocWithNamePrefixAndNoExamples(t *testing.T) {
	d := explain.Parse(&analysis.Analyzer{Name: "x", Doc: "x: report things\n\nFirst\nparagraph.\n\nSecond one.", URL: "u"})
	assert.Equal(t, "report things", d.Title)
	assert.Equal(t, "First paragraph.", d.Explanation)
	assert.Empty(t, d.Wrong)
	assert.Empty(t, d.Right)
	hints := d.Hints()
	require.Len(t, hints, 1)
	assert.Equal(t, "report things", hints[0].Title)
}

func TestMarkdown(t *testing.T) {
	d := explain.Parse(&analysis.Analyzer{Name: "x", URL: "https://e/x", Doc: "report things\n\nWhy.\n\n\t// WRONG\n\tbad()\n\n\t// RIGHT\n\tgood()\n"})
	md := d.Markdown("bad call", "here it loses a request")
	assert.Contains(t, md, "**x**: bad call")
	assert.Contains(t, md, "WRONG:\n```go\nbad()\n```")
	assert.Contains(t, md, "RIGHT:\n```go\ngood()\n```")
	assert.Contains(t, md, "**In this exercise:** here it loses a request")
	assert.Contains(t, md, "(https://e/x)")
	hints := d.Hints()
	require.Len(t, hints, 2)
	assert.Contains(t, hints[1].Body, "good()")
}

func TestParseExamplesAfterProseMarkers(t *testing.T) {
	d := explain.Parse(&analysis.Analyzer{Name: "wg", Doc: "wg: report misuse\n\nWhy it matters.\n\nWRONG:\n\n\tgo func() {\n\t\twg.Add(1)\n\t}()\n\nRIGHT:\n\n\twg.Add(1)\n\tgo func() {}()\n\nMore prose.\n"})
	assert.Equal(t, "go func() {\n\twg.Add(1)\n}()", d.Wrong)
	assert.Equal(t, "wg.Add(1)\ngo func() {}()", d.Right)
	assert.Equal(t, "Why it matters.", d.Explanation)
}
