package workbook

import (
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/asyncbook/asyncbook/exercises"
)

// Every exercise's guide has every section a live interview needs, in the
// shape the CLI and interviewers rely on. The prose is not checked.
func TestEveryGuideIsInterviewReady(t *testing.T) {
	for _, info := range exercises.All() {
		t.Run(info.Slug, func(t *testing.T) {
			src, err := fs.ReadFile(info.Files, "guide.md")
			require.NoError(t, err)
			g, err := ParseGuide(string(src))
			require.NoError(t, err)
			assert.Empty(t, g.Missing())
			// The same sections in the same order in every guide.
			var order []string
			for _, s := range g.Sections {
				if contains(InterviewerSections, s) {
					order = append(order, s)
				}
			}
			assert.Equal(t, InterviewerSections, order, "sections out of order")
			assert.GreaterOrEqual(t, len(g.Hints), 4)
			// The timing box states the level the catalog gives the exercise.
			assert.Contains(t, g.Timing, fmt.Sprintf("Level %d of %d", info.Order, len(exercises.All())), "the guide's level matches the catalog's order")
			if info.Slug == "distributed-training" {
				assert.NotEmpty(t, g.Extra["The NCCL question"], "distributed-training asks what changes with NCCL all-reduce")
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

const completeGuide = "# X: interview guide\n\n## Context\n\nc\n\n" +
	"## Timing\n\n| Phase | 45-minute cut | 60-minute cut |\n|---|---|---|\n| Code | 10–30 | 10–40 |\n\n" +
	"| Checkpoint (45 / 60) | Expect | If missed |\n|---|---|---|\n| 10 / 12 | plan | Hint 1 |\n\n" +
	"## Clarifying questions\n\n- a\n- b\n- c\n\n" +
	"## Hints\n\n### Hint 1: a\n\nb\n\n### Hint 2: c\n\nd\n\n" +
	"## Evaluation criteria\n\n| Row | Below the bar | Mid-level bar | Senior bar | Excellent |\n|---|---|---|---|---|\n\n" +
	"### Red flags\n\n- r\n\n### Cost of hints\n\n- **Hint 1**: x\n- **Hint 2**: y\n\n" +
	"## Decision rule\n\n- **Hire at senior:** a\n- **Hire at mid-level:** b\n- **No hire:** c\n\n" +
	"## Calibration\n\n### Strong answer\n\n```go\nx\n```\n\n| Row | Score | Why |\n\n### Weak answer\n\n```go\ny\n```\n\n| Row | Score | Why |\n\n" +
	"## Debugging variant\n\n### Hand-out\n\n```go\nbug\n```\n\n### What asyncvet says\n\n```\nsolve.go:1:1: m (x)\n```\n\n### Rubric\n\nr\n\n" +
	"## Extensions\n\n- e\n- f\n\n## Python equivalent\n\np\n\n## What to monitor\n\nm\n\n## Discussion points\n\n- d\n\n" +
	"## The NCCL question\n\nn\n"

func TestMissingSeesEachPartOfTheShape(t *testing.T) {
	g, err := ParseGuide(completeGuide)
	require.NoError(t, err)
	require.Empty(t, g.Missing())
	assert.Equal(t, "n", g.Extra["The NCCL question"])
	assert.Equal(t, "- r", g.RedFlags)
	assert.Contains(t, g.Debugging.Handout, "bug")
	assert.Contains(t, g.Debugging.Findings, "solve.go:1:1")

	for name, edit := range map[string][2]string{
		"no timing section":      {"## Timing", "## Timings"},
		"no 60-minute cut":       {"60-minute cut", "later"},
		"no checkpoint table":    {"If missed", "Otherwise"},
		"two scripted answers":   {"- c\n", ""},
		"no senior bar":          {"Senior bar", "Senior"},
		"no red flags":           {"### Red flags", "### Flags"},
		"hint 2 not priced":      {"- **Hint 2**: y", ""},
		"no senior verdict":      {"**Hire at senior:**", "Senior:"},
		"strong excerpt no grid": {"```\n\n| Row | Score | Why |\n\n### Weak", "```\n\n### Weak"},
		"no buggy code":          {"```go\nbug\n```", "bug"},
		"no analyzer output":     {"```\nsolve.go:1:1: m (x)\n```", "none"},
		"no debugging rubric":    {"### Rubric\n\nr\n", ""},
		"one extension":          {"- e\n", ""},
		"no python note":         {"## Python equivalent\n\np\n", ""},
		"no monitoring":          {"## What to monitor\n\nm\n", ""},
	} {
		t.Run(name, func(t *testing.T) {
			src := strings.Replace(completeGuide, edit[0], edit[1], 1)
			require.NotEqual(t, completeGuide, src, "the edit must change the guide")
			g, err := ParseGuide(src)
			require.NoError(t, err)
			assert.NotEmpty(t, g.Missing())
		})
	}
}
