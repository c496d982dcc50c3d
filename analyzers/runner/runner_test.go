package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/asyncbook/asyncbook/analyzers/registry"
)

// module writes a throwaway module with the given files and returns its folder.
func module(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	files["go.mod"] = "module example.com/m\n\ngo 1.22\n"
	for name, src := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(src), 0o644))
	}
	return dir
}

const leakyCancel = `package infer

import (
	"context"
	"time"
)

func Predict(parent context.Context) error {
	ctx, _ := context.WithTimeout(parent, time.Second)
	return ctx.Err()
}
`

func TestRunReportsFindingsAndKeepsGoingPastBrokenPackages(t *testing.T) {
	dir := module(t, map[string]string{
		"infer/infer.go":   leakyCancel,
		"broken/broken.go": "package broken\n\nfunc F( {\n",
		"typeerr/t.go":     "package typeerr\n\nfunc F() int { return \"x\" }\n",
	})
	res, err := Run(context.Background(), Config{Dir: dir, Patterns: []string{"./..."}, Analyzers: registry.All()})
	require.NoError(t, err)
	assert.Equal(t, 3, res.Packages)
	require.NotEmpty(t, res.LoadErrors, "the syntax and type errors are reported")
	var msgs []string
	for _, e := range res.LoadErrors {
		msgs = append(msgs, e.Error())
	}
	joined := strings.Join(msgs, "\n")
	assert.Contains(t, joined, "broken.go")
	assert.Contains(t, joined, "t.go")

	require.Len(t, res.Findings, 1, "%+v", res.Findings)
	f := res.Findings[0]
	assert.Equal(t, "lostcancel", f.Analyzer)
	assert.Equal(t, 9, f.Pos.Line)
	assert.Equal(t, filepath.Join(dir, "infer", "infer.go"), f.Pos.File)
}

func TestRunHonoursIgnoreDirectivesAndOverlays(t *testing.T) {
	dir := module(t, map[string]string{"infer/infer.go": leakyCancel})
	file := filepath.Join(dir, "infer", "infer.go")
	silenced := strings.Replace(leakyCancel, "time.Second)", "time.Second) //asyncvet:ignore lostcancel short-lived", 1)
	res, err := Run(context.Background(), Config{
		Dir: dir, Patterns: []string{"./..."}, Analyzers: registry.All(),
		Overlay: map[string][]byte{file: []byte(silenced)},
	})
	require.NoError(t, err)
	assert.Empty(t, res.Findings, "the unsaved text silences the finding")
}

func TestRunErrors(t *testing.T) {
	_, err := Run(context.Background(), Config{Patterns: []string{"."}})
	assert.ErrorContains(t, err, "no analyzers")
	dir := module(t, map[string]string{"a/a.go": "package a\n"})
	res, err := Run(context.Background(), Config{Dir: dir, Patterns: []string{"./nothing/..."}, Analyzers: registry.All()})
	require.NoError(t, err)
	require.NotEmpty(t, res.LoadErrors)
	assert.Contains(t, res.LoadErrors[0].Error(), "nothing", "a pattern that matches nothing is a load error")
}

func TestOutputs(t *testing.T) {
	dir := module(t, map[string]string{"infer/infer.go": "package infer\n\n// π → ok\nvar s = \"é\"; var x = 1\n"})
	file := filepath.Join(dir, "infer", "infer.go")
	findings := []Finding{{
		Analyzer: "lostcancel", Package: "example.com/m/infer", Message: "cancel discarded",
		Pos: Position{File: file, Line: 4, Column: 17, Offset: 43}, End: Position{File: file, Line: 4, Column: 22, Offset: 48},
		Related: []Related{{Pos: Position{File: file, Line: 3, Column: 1}, Message: "here"}},
		Fixes:   []Fix{{Message: "rename", Edits: []Edit{{File: file, Start: 43, End: 48, NewText: "var y"}}}},
	}}

	var text bytes.Buffer
	require.NoError(t, WriteText(&text, dir, findings))
	assert.Equal(t, filepath.Join("infer", "infer.go")+":4:17: cancel discarded\n", text.String())

	var js bytes.Buffer
	require.NoError(t, WriteJSON(&js, findings))
	var tree map[string]map[string][]map[string]any
	require.NoError(t, json.Unmarshal(js.Bytes(), &tree))
	d := tree["example.com/m/infer"]["lostcancel"][0]
	assert.Equal(t, file+":4:17", d["posn"])
	assert.Equal(t, "cancel discarded", d["message"])

	var sarif bytes.Buffer
	require.NoError(t, WriteSARIF(&sarif, dir, "v1", registry.All(), findings))
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Rules []struct{ ID string } `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex int    `json:"ruleIndex"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI, URIBaseID string }      `json:"artifactLocation"`
						Region           struct{ StartLine, StartColumn int } `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
				Fixes []any `json:"fixes"`
			} `json:"results"`
		} `json:"runs"`
	}
	require.NoError(t, json.Unmarshal(sarif.Bytes(), &log))
	assert.Equal(t, "2.1.0", log.Version)
	r := log.Runs[0].Results[0]
	assert.Equal(t, "lostcancel", r.RuleID)
	assert.Equal(t, "lostcancel", log.Runs[0].Tool.Driver.Rules[r.RuleIndex].ID)
	loc := r.Locations[0].PhysicalLocation
	assert.Equal(t, "infer/infer.go", loc.ArtifactLocation.URI)
	assert.Equal(t, 4, loc.Region.StartLine)
	// Byte column 17 follows "var s = \"é\"; " where é is two bytes, one UTF-16 unit.
	assert.Equal(t, 16, loc.Region.StartColumn)
	assert.Len(t, r.Fixes, 1)
}

func TestPlanFixes(t *testing.T) {
	dir := module(t, map[string]string{"a/a.go": "package a\n\nvar x = 1\nvar y = 2\n"})
	file := filepath.Join(dir, "a", "a.go")
	edit := func(start, end int, text string) []Fix {
		return []Fix{{Message: "m", Edits: []Edit{{File: file, Start: start, End: end, NewText: text}}}}
	}
	findings := []Finding{
		{Fixes: edit(19, 20, "10")}, // x = 10
		{Fixes: edit(19, 20, "10")}, // the same fix reported twice: applied once
		{Fixes: edit(19, 20, "99")}, // overlaps: skipped whole
		{Fixes: edit(29, 30, "20")}, // y = 20
		{},                          // no fix
	}
	plan, err := PlanFixes(findings)
	require.NoError(t, err)
	assert.Equal(t, 3, plan.Applied)
	assert.Equal(t, 1, plan.Skipped)
	require.NoError(t, plan.Write())
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Equal(t, "package a\n\nvar x = 10\nvar y = 20\n", string(b))
}
