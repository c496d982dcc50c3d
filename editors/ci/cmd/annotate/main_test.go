package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/asyncbook/asyncbook/editors/ci/internal/citest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		citest.Cleanup()
		os.Exit(code)
	}))
}

// The Tick of BuggyFile was already there; the pull request adds Fetch.
var baseBuggy = citest.BuggyFile[:strings.Index(citest.BuggyFile, "// Fetch strands")]

func workflowLines(out string) []string {
	var ls []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l != "" {
			ls = append(ls, l)
		}
	}
	return ls
}

// TestAsyncvetOnChangedLines runs the real asyncvet over a repository with
// a change and annotates its SARIF and JSON output: only the finding on the
// lines the change added is kept.
func TestAsyncvetOnChangedLines(t *testing.T) {
	bins := citest.Build(t, "./cmd/asyncvet", "./editors/ci/cmd/annotate")
	asyncvet, annotate := bins[0], bins[1]
	gomod := "module example.com/lintme\n\ngo 1.26\n"
	repo, _, diff := citest.Repo(t,
		map[string]string{"go.mod": gomod, ".asyncbook.json": citest.SettingsFile, "pkg/buggy.go": baseBuggy, "pkg/clean.go": citest.CleanFile},
		map[string]string{"pkg/buggy.go": citest.BuggyFile})
	require.NoError(t, os.WriteFile(filepath.Join(repo, "changes.diff"), []byte(diff), 0o644))
	sarif := citest.Run(t, repo, nil, asyncvet, "-sarif", "./...")
	require.Equal(t, 0, sarif.Code, sarif.Stderr)
	require.NoError(t, os.WriteFile(filepath.Join(repo, "asyncvet.sarif"), []byte(sarif.Stdout), 0o644))
	tickLine := citest.LineOf(t, citest.BuggyFile, "time.NewTicker")
	sendLine := citest.LineOf(t, citest.BuggyFile, "ch <- 42")

	t.Run("everything without a filter", func(t *testing.T) {
		r := citest.Run(t, repo, nil, annotate, "asyncvet.sarif")
		require.Equal(t, 0, r.Code, r.Stderr)
		ls := workflowLines(r.Stdout)
		require.Len(t, ls, 2)
		assert.True(t, strings.HasPrefix(ls[0], "::warning file=pkg/buggy.go,line="+strconv.Itoa(tickLine)+","), ls[0])
		assert.True(t, strings.HasPrefix(ls[1], "::warning file=pkg/buggy.go,line="+strconv.Itoa(sendLine)+","), ls[1])
	})

	t.Run("only the change's lines", func(t *testing.T) {
		r := citest.Run(t, repo, nil, annotate, "-diff", "changes.diff", "-fail", "asyncvet.sarif")
		assert.Equal(t, 1, r.Code, "-fail: a problem is left")
		ls := workflowLines(r.Stdout)
		require.Len(t, ls, 1, r.Stdout)
		assert.Contains(t, ls[0], "line="+strconv.Itoa(sendLine))
		assert.Contains(t, ls[0], "title=asyncvet chanleak::")
	})

	t.Run("json from stdin, with ranges", func(t *testing.T) {
		js := citest.Run(t, repo, nil, asyncvet, "-json", "./...")
		require.Equal(t, 0, js.Code, js.Stderr)
		r := citest.RunInput(t, repo, js.Stdout, annotate, "-lines", "pkg/buggy.go:1-"+strconv.Itoa(tickLine), "-level", "error")
		require.Equal(t, 0, r.Code, r.Stderr)
		ls := workflowLines(r.Stdout)
		require.Len(t, ls, 1)
		assert.True(t, strings.HasPrefix(ls[0], "::error file=pkg/buggy.go,line="+strconv.Itoa(tickLine)), ls[0])
	})

	t.Run("nothing changed near a finding", func(t *testing.T) {
		r := citest.Run(t, repo, nil, annotate, "-lines", "pkg/clean.go,go.mod:1", "-fail", "asyncvet.sarif")
		assert.Equal(t, 0, r.Code, r.Stderr)
		assert.Empty(t, r.Stdout)
	})

	t.Run("gitlab code quality", func(t *testing.T) {
		r := citest.Run(t, repo, nil, annotate, "-format", "gitlab", "-o", "gl-code-quality-report.json", "asyncvet.sarif")
		require.Equal(t, 0, r.Code, r.Stderr)
		assert.Empty(t, r.Stdout)
		data, err := os.ReadFile(filepath.Join(repo, "gl-code-quality-report.json"))
		require.NoError(t, err)
		var issues []struct {
			CheckName string `json:"check_name"`
			Severity  string `json:"severity"`
			Location  struct {
				Path  string              `json:"path"`
				Lines struct{ Begin int } `json:"lines"`
			} `json:"location"`
		}
		require.NoError(t, json.Unmarshal(data, &issues))
		require.Len(t, issues, 2)
		assert.Equal(t, "asyncvet/timerstop", issues[0].CheckName)
		assert.Equal(t, "pkg/buggy.go", issues[0].Location.Path)
		assert.Equal(t, tickLine, issues[0].Location.Lines.Begin)
		assert.Equal(t, "asyncvet/chanleak", issues[1].CheckName)
	})
}

// TestGradeAnnotations grades a real submission changed by a pull request
// in a course repository and annotates the report.
func TestGradeAnnotations(t *testing.T) {
	bins := citest.Build(t, "./cmd/asyncbook", "./editors/ci/cmd/annotate")
	asyncbook, annotate := bins[0], bins[1]
	ws := citest.Workspace(t)
	seq, ref := citest.Sources(t, ws)
	const ada = "submissions/batch-inference/ada"
	const bob = "submissions/batch-inference/bob"
	head := citest.WithTicker(t, seq)
	repo, _, diff := citest.Repo(t,
		map[string]string{ada + "/solve.go": seq, "README.md": "course\n"},
		map[string]string{ada + "/solve.go": head, bob + "/solve.go": ref})
	require.NoError(t, os.WriteFile(filepath.Join(repo, "changes.diff"), []byte(diff), 0o644))

	adaReport, code := citest.Grade(t, asyncbook, ws, filepath.Join(repo, ada))
	require.Equal(t, 1, code)
	require.NoError(t, os.WriteFile(filepath.Join(repo, "ada.json"), adaReport, 0o644))
	bobReport, code := citest.Grade(t, asyncbook, ws, filepath.Join(repo, bob))
	require.Equal(t, 0, code, string(bobReport))
	require.NoError(t, os.WriteFile(filepath.Join(repo, "bob.json"), bobReport, 0o644))
	summary := filepath.Join(t.TempDir(), "summary.md")

	r := citest.Run(t, repo, nil, annotate, "-diff", "changes.diff", "-summary", summary, "-fail", "ada.json")
	assert.Equal(t, 1, r.Code, r.Stderr)
	ls := workflowLines(r.Stdout)
	require.NotEmpty(t, ls)
	file := ada + "/solve.go"
	assert.True(t, strings.HasPrefix(ls[0], "::error file="+file+",line="+strconv.Itoa(citest.LineOf(t, head, "time.NewTicker"))+","), ls[0])
	assert.Contains(t, ls[0], "title=asyncbook timerstop::ticker tick is never stopped")
	for _, l := range ls[1:] {
		assert.True(t, strings.HasPrefix(l, "::error file="+file+",line="+strconv.Itoa(citest.LineOf(t, head, "func Solve("))+","), "a failed property sits on func Solve: %s", l)
		assert.Contains(t, l, "fails::")
	}

	r = citest.Run(t, repo, nil, annotate, "-diff", "changes.diff", "-summary", summary, "-fail", "bob.json")
	assert.Equal(t, 0, r.Code, r.Stderr)
	assert.Empty(t, r.Stdout, "a passing submission has nothing to annotate")

	md, err := os.ReadFile(summary)
	require.NoError(t, err)
	assert.Contains(t, string(md), "`"+ada+"`: ❌ failed")
	assert.Contains(t, string(md), "`"+bob+"`: ✅ passed", "the summary is appended to")

	r = citest.Run(t, repo, nil, annotate, "-format", "gitlab", "ada.json", "bob.json")
	require.Equal(t, 0, r.Code, r.Stderr)
	var issues []map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.Stdout), &issues))
	assert.Len(t, issues, len(ls), "the same problems, unfiltered: all are on changed lines or about the whole submission")
}

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	report := filepath.Join(dir, "r.json")
	require.NoError(t, os.WriteFile(report, []byte(`{"p":{}}`), 0o644))
	for name, args := range map[string][]string{
		"bad format":         {"-format", "xml", report},
		"bad level":          {"-level", "fatal", report},
		"two stdins":         {"-diff", "-"},
		"missing report":     {filepath.Join(dir, "missing.json")},
		"missing diff":       {"-diff", filepath.Join(dir, "missing.diff"), report},
		"bad range":          {"-lines", "a.go:x", report},
		"not a report":       {"-diff", report, report},
		"unknown flag":       {"-frobnicate", report},
		"report is not json": {filepath.Join(dir)},
	} {
		t.Run(name, func(t *testing.T) {
			var out, errb strings.Builder
			code := run(args, strings.NewReader(""), &out, &errb)
			assert.Equal(t, 2, code, "stdout %q stderr %q", out.String(), errb.String())
			assert.NotEmpty(t, errb.String())
		})
	}
	var out, errb strings.Builder
	assert.Equal(t, 0, run([]string{"-h"}, strings.NewReader(""), &out, &errb))
	assert.Contains(t, errb.String(), "usage: annotate")
	assert.Equal(t, 0, run([]string{report}, strings.NewReader(""), &out, &errb), "an empty tree is no problem")
	assert.Empty(t, out.String())
}
