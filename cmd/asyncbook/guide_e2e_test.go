package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/asyncbook/asyncbook/exercises"
	"github.com/asyncbook/asyncbook/workbook"
)

// The interviewer's view of every guide opens with the clock and the
// decision rule, before the context; the learner's view has neither.
func TestGuideInterviewerViewStartsWithTimingAndDecision(t *testing.T) {
	root, err := workbook.FindRoot(".")
	require.NoError(t, err)
	for _, info := range exercises.All() {
		t.Run(info.Slug, func(t *testing.T) {
			r := runCLI(t, root, "guide", info.Slug, "--interviewer")
			require.Equal(t, 0, r.code, r.stderr)
			heads := headings(r.stdout)
			require.GreaterOrEqual(t, len(heads), 3)
			assert.Equal(t, []string{"## Timing", "## Decision rule", "## Context"}, heads[:3])
			for _, h := range []string{"## Clarifying questions", "## Evaluation criteria", "## Calibration", "## Extensions", "## Python equivalent", "## What to monitor", "## Discussion points", "## Debugging variant"} {
				assert.Contains(t, heads, h)
			}
			assert.True(t, strings.Contains(r.stdout, fmt.Sprintf("Exercise %d of %d, %s.", info.Order, len(exercises.All()), info.Level)), "the level, as list shows it")
			assert.True(t, strings.Contains(r.stdout, "45-minute cut"), "the timing box")
			assert.True(t, strings.Contains(r.stdout, "**Hire at senior:**"), "the decision rule")

			r = runCLI(t, root, "guide", info.Slug)
			require.Equal(t, 0, r.code, r.stderr)
			assert.NotContains(t, headings(r.stdout), "## Timing")
			assert.NotContains(t, headings(r.stdout), "## Decision rule")
			assert.False(t, strings.Contains(r.stdout, "Hire at senior"), "the learner's view has no verdicts")
		})
	}
}

// --variant debugging hands out the buggy code first, then (marked for the
// interviewer) asyncvet's findings and the rubric.
func TestGuideDebuggingVariant(t *testing.T) {
	root, err := workbook.FindRoot(".")
	require.NoError(t, err)
	for _, info := range exercises.All() {
		t.Run(info.Slug, func(t *testing.T) {
			r := runCLI(t, root, "guide", "--variant", "debugging", info.Slug)
			require.Equal(t, 0, r.code, r.stderr)
			out := r.stdout
			handout := strings.Index(out, "debugging variant: hand-out")
			code := strings.Index(out, "package practice")
			marker := strings.Index(out, "For the interviewer")
			findings := strings.Index(out, "## What asyncvet says")
			rubric := strings.Index(out, "## Rubric")
			require.True(t, handout >= 0 && code > handout && marker > code && findings > marker && rubric > findings,
				"hand-out, code, interviewer marker, findings, rubric in that order: %d %d %d %d %d", handout, code, marker, findings, rubric)
			assert.Contains(t, out[code:marker], "func Solve(", "the hand-out is the buggy code")
			assert.Regexp(t, `solve\.go:\d+:\d+: .+ \(\w+\)`, out[findings:rubric], "asyncvet's findings as it prints them")
			assert.NotContains(t, headings(out), "## Decision rule", "the variant prints only what it hands out and its rubric")
		})
	}

	r := runCLI(t, root, "guide", "--variant", "pairing", "batch-inference")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, `unknown variant "pairing"`)
}

// headings returns the "## " lines of out, in order.
func headings(out string) []string {
	var hs []string
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "## ") {
			hs = append(hs, strings.TrimSpace(line))
		}
	}
	return hs
}

// The CLI lists the exercises in the catalog's order, each with its level,
// and the levels never go down.
func TestListIsOrderedByLevel(t *testing.T) {
	root, err := workbook.FindRoot(".")
	require.NoError(t, err)
	r := runCLI(t, root, "list", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	var entries []struct {
		Order int    `json:"order"`
		Slug  string `json:"slug"`
		Level string `json:"level"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &entries))
	infos := exercises.All()
	require.Len(t, entries, len(infos))
	rank := map[string]int{exercises.Introductory: 1, exercises.Intermediate: 2, exercises.Advanced: 3}
	for i, e := range entries {
		assert.Equal(t, infos[i].Slug, e.Slug)
		assert.Equal(t, i+1, e.Order)
		assert.Equal(t, infos[i].Level, e.Level)
		if i > 0 {
			assert.GreaterOrEqual(t, rank[e.Level], rank[entries[i-1].Level], "%s after %s", e.Slug, entries[i-1].Slug)
		}
	}

	r = runCLI(t, root, "list")
	require.Equal(t, 0, r.code, r.stderr)
	last := -1
	for _, info := range infos {
		at := strings.Index(r.stdout, info.Slug)
		require.Greater(t, at, last, "%s listed in catalog order", info.Slug)
		last = at
		line := r.stdout[at:]
		line = line[:strings.IndexByte(line, '\n')]
		assert.Contains(t, line, info.Level)
	}
}
