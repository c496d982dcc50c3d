package workbook

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const sampleGuide = "# Batch inference: interview guide\n\n" +
	"## Context\n\nWhy fan-out matters.\n\n" +
	"## Hints\n\n### Hint 1: Look at the loop\n\nEach call waits.\n\n```go\n## not a heading inside a fence\n```\n\n" +
	"### Hint 2: Bound it\n\nUse errgroup.SetLimit.\n\n" +
	"## Evaluation criteria\n\n| Criterion | Needs work | Solid | Excellent |\n\n" +
	"## Discussion points\n\n- Retries?\n\n" +
	"## Analyzer notes\n\n### unboundedgo\n\nOne goroutine per input. See Hint 2.\n\n### `chanleak`\n\nStranded sender.\n"

func TestParseGuide(t *testing.T) {
	g, err := ParseGuide(sampleGuide)
	require.NoError(t, err)
	assert.Equal(t, "Batch inference", g.Title)
	assert.Equal(t, "Why fan-out matters.", g.Context)
	require.Len(t, g.Hints, 2)
	assert.Equal(t, Hint{N: 1, Title: "Look at the loop", Body: "Each call waits.\n\n```go\n## not a heading inside a fence\n```"}, g.Hints[0])
	assert.Equal(t, "Bound it", g.Hints[1].Title)
	assert.Contains(t, g.Rubric, "| Criterion |")
	assert.Equal(t, "- Retries?", g.Discussion)
	assert.Equal(t, "One goroutine per input. See Hint 2.", g.AnalyzerNotes["unboundedgo"])
	assert.Equal(t, "Stranded sender.", g.AnalyzerNotes["chanleak"])
}

func TestParseGuideRejectsBrokenGuides(t *testing.T) {
	for name, src := range map[string]string{
		"no context":         "# X\n\n## Hints\n\n### Hint 1: a\n\nb\n",
		"no hints":           "# X\n\n## Context\n\nc\n",
		"bad hint heading":   "# X\n\n## Context\n\nc\n\n## Hints\n\n### Tip 1: a\n\nb\n",
		"hints out of order": "# X\n\n## Context\n\nc\n\n## Hints\n\n### Hint 2: a\n\nb\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseGuide(src)
			assert.Error(t, err)
		})
	}
}
