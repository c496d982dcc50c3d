package report_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/asyncbook/asyncbook/editors/ci/internal/citest"
	"github.com/asyncbook/asyncbook/editors/ci/report"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		citest.Cleanup()
		os.Exit(code)
	}))
}

// place is what a test expects of a problem's position.
type place struct {
	Rule      string
	File      string
	Line, Col int
}

func places(ps []report.Problem) []place {
	var out []place
	for _, p := range ps {
		out = append(out, place{p.Rule, p.File, p.Line, p.Col})
	}
	return out
}

// TestAsyncvetOutputs reads what the real asyncvet prints in its three
// machine-readable forms for a module with two bugs and their correct
// versions: the same two findings, at the same places, from each.
func TestAsyncvetOutputs(t *testing.T) {
	asyncvet := citest.Build(t, "./cmd/asyncvet")[0]
	mod := citest.LintModule(t)
	want := []place{
		{"timerstop", "pkg/buggy.go", citest.LineOf(t, citest.BuggyFile, "time.NewTicker"), citest.ColOf(t, citest.BuggyFile, "time.NewTicker")},
		{"chanleak", "pkg/buggy.go", citest.LineOf(t, citest.BuggyFile, "ch <- 42"), citest.ColOf(t, citest.BuggyFile, "ch <- 42")},
	}

	jsonOut := citest.Run(t, mod, nil, asyncvet, "-json", "./...")
	require.Equal(t, 0, jsonOut.Code, jsonOut.Stderr)
	sarifOut := citest.Run(t, mod, nil, asyncvet, "-sarif", "./...")
	require.Equal(t, 0, sarifOut.Code, sarifOut.Stderr)
	// go vet -json writes its tree, with "# package" lines, to stderr.
	vetOut := citest.Run(t, mod, nil, "go", "vet", "-json", "-vettool="+asyncvet, "./...")
	require.Equal(t, 0, vetOut.Code, vetOut.Stderr)

	for _, tc := range []struct {
		name string
		kind report.Kind
		data string
	}{
		{"asyncvet -json", report.KindVetJSON, jsonOut.Stdout},
		{"asyncvet -sarif", report.KindSARIF, sarifOut.Stdout},
		{"go vet -json -vettool", report.KindVetJSON, vetOut.Stdout + vetOut.Stderr},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := report.Read([]byte(tc.data), report.Options{Root: mod})
			require.NoError(t, err)
			assert.Equal(t, tc.kind, rep.Kind)
			assert.Equal(t, want, places(rep.Problems), "nothing from clean.go, both bugs from buggy.go")
			for _, p := range rep.Problems {
				assert.Equal(t, "asyncvet", p.Tool)
				assert.Equal(t, report.Warning, p.Severity)
				assert.NotEmpty(t, p.Message)
				assert.Equal(t, p.Line, p.EndLine, "one-line findings")
				assert.Greater(t, p.EndCol, p.Col)
				assert.Contains(t, p.URL, "docs/analyzers/"+p.Rule+".md")
				assert.False(t, p.Whole)
			}
		})
	}

	t.Run("paths outside the root stay absolute", func(t *testing.T) {
		rep, err := report.Read([]byte(jsonOut.Stdout), report.Options{Root: t.TempDir()})
		require.NoError(t, err)
		require.Len(t, rep.Problems, 2)
		assert.Equal(t, filepath.ToSlash(filepath.Join(mod, "pkg", "buggy.go")), rep.Problems[0].File)
	})
	t.Run("a root above the module", func(t *testing.T) {
		rep, err := report.Read([]byte(sarifOut.Stdout), report.Options{Root: filepath.Dir(mod)})
		require.NoError(t, err)
		require.Len(t, rep.Problems, 2)
		assert.Equal(t, filepath.Base(mod)+"/pkg/buggy.go", rep.Problems[0].File)
	})
}

// TestGradeReports grades real submissions with the real asyncbook and
// checks each problem lands on the submission's own file and line in the
// course repository, not in the grader's deleted copy.
func TestGradeReports(t *testing.T) {
	asyncbook := citest.Build(t, "./cmd/asyncbook")[0]
	ws := citest.Workspace(t)
	course := t.TempDir()
	seq, ref := citest.Sources(t, ws)
	const subDir = "submissions/batch-inference"

	read := func(t *testing.T, name string, files map[string]string) (*report.Report, int) {
		t.Helper()
		sub := citest.Submission(t, course, subDir+"/"+name, files)
		data, code := citest.Grade(t, asyncbook, ws, sub)
		rep, err := report.Read(data, report.Options{Root: course})
		require.NoError(t, err)
		require.Equal(t, report.KindGrade, rep.Kind)
		require.NotNil(t, rep.Grade)
		assert.Equal(t, subDir+"/"+name, rep.Grade.Dir)
		for _, p := range rep.Problems {
			assert.Equal(t, report.Error, p.Severity, "a problem fails the grade: %+v", p)
			assert.Equal(t, "asyncbook grade", p.Tool)
			assert.True(t, strings.HasPrefix(p.File, subDir+"/"+name+"/"), "placed in the submission: %s", p.File)
			assert.NotContains(t, p.Message, "grade-batchinference-", "the grader's copy is not named")
		}
		return rep, code
	}

	t.Run("reference solution passes with nothing to annotate", func(t *testing.T) {
		rep, code := read(t, "ref", map[string]string{"solve.go": ref})
		assert.Equal(t, 0, code)
		assert.True(t, rep.Grade.Passed, rep.Grade.Reason)
		assert.Empty(t, rep.Problems)
	})

	t.Run("sequential with a ticker never stopped", func(t *testing.T) {
		src := citest.WithTicker(t, seq)
		rep, code := read(t, "ada", map[string]string{"solve.go": src})
		assert.Equal(t, 1, code)
		file := subDir + "/ada/solve.go"
		solve := citest.LineOf(t, src, "func Solve(")
		var failed []string
		for _, r := range rep.Grade.Properties {
			if !r.Pass {
				failed = append(failed, r.Property)
			}
		}
		require.NotEmpty(t, failed, "the sequential version fails the concurrency properties")
		want := []place{{"timerstop", file, citest.LineOf(t, src, "time.NewTicker"), citest.ColOf(t, src, "time.NewTicker")}}
		for _, name := range failed {
			want = append(want, place{"property/" + name, file, solve, 0})
		}
		assert.Equal(t, want, places(rep.Problems))
		for _, p := range rep.Problems[1:] {
			assert.True(t, p.Whole, "a failed property is about the whole submission")
			assert.Contains(t, p.Title, "fails")
		}
		assert.False(t, rep.Problems[0].Whole)
	})

	t.Run("leaked goroutine at its go statement", func(t *testing.T) {
		src := citest.WithStray(t, ref)
		rep, code := read(t, "leaky", map[string]string{"solve.go": src})
		assert.Equal(t, 1, code)
		var leak *report.Problem
		for i, p := range rep.Problems {
			if p.Rule == "leak" {
				leak = &rep.Problems[i]
			}
		}
		require.NotNil(t, leak, "problems: %+v", rep.Problems)
		assert.Equal(t, place{"leak", subDir + "/leaky/solve.go", citest.LineOf(t, src, "go func() { stray"), 0}, place{leak.Rule, leak.File, leak.Line, leak.Col})
		assert.Contains(t, leak.Message, "chan send")
		assert.Contains(t, leak.Message, "Solve.func1")
		for _, r := range rep.Grade.Properties {
			assert.NotContains(t, r.Observed, "grade-batchinference-", "the summary shows no grader paths")
			assert.NotContains(t, r.Observed, "\n", "nor goroutine dumps")
		}
	})

	t.Run("build errors in a second file", func(t *testing.T) {
		util := "package practice\n\nfunc helper() int { return \"x\" }\n"
		rep, code := read(t, "broken", map[string]string{"solve.go": seq, "util.go": util})
		assert.Equal(t, 1, code)
		require.NotEmpty(t, rep.Problems)
		p := rep.Problems[0]
		assert.Equal(t, place{"build", subDir + "/broken/util.go", 3, citest.ColOf(t, util, `"x"`)}, place{p.Rule, p.File, p.Line, p.Col})
		assert.Contains(t, p.Message, "cannot use")
	})

	t.Run("a forbidden import is never run", func(t *testing.T) {
		// The grader's allowlist refuses the import itself
		// (docs/grading.md), so the problem is on the import line.
		src := strings.Replace(seq, "import (\n", "import (\n\t\"os\"\n", 1)
		src = strings.Replace(src, "\treturn results, nil\n", "\tos.Exit(3)\n\treturn results, nil\n", 1)
		rep, code := read(t, "evil", map[string]string{"solve.go": src})
		assert.Equal(t, 1, code)
		assert.Equal(t, []place{{"policy", subDir + "/evil/solve.go", citest.LineOf(t, src, `"os"`), citest.ColOf(t, src, `"os"`)}}, places(rep.Problems))
		assert.Contains(t, rep.Problems[0].Message, `imports "os"`)
	})

	t.Run("an empty submission fails as a whole", func(t *testing.T) {
		rep, code := read(t, "empty", map[string]string{"README.md": "nothing here\n"})
		assert.Equal(t, 1, code)
		require.Len(t, rep.Problems, 1)
		assert.True(t, rep.Problems[0].Whole)
		assert.Equal(t, subDir+"/empty/solve.go", rep.Problems[0].File)
		assert.Equal(t, "grade", rep.Problems[0].Rule)
	})
}

func TestSubmissionOption(t *testing.T) {
	data := `{"schema":1,"exercise":"batch-inference","submission":"/elsewhere/ada","passed":false,"score":0,
		"reason":"does not compile","properties":[],"leaks":[],"findings":[],
		"build_errors":["practice/grade-batchinference-0a1b2c/solve.go:4:2: undefined: x"],"timed_out":false,"duration_ms":3}`
	rep, err := report.Read([]byte(data), report.Options{Root: "/repo", Submission: "submissions/ada"})
	require.NoError(t, err)
	assert.Equal(t, "submissions/ada", rep.Grade.Dir)
	assert.Equal(t, []place{{"build", "submissions/ada/solve.go", 4, 2}}, places(rep.Problems))

	rep, err = report.Read([]byte(data), report.Options{Root: "/elsewhere"})
	require.NoError(t, err)
	assert.Equal(t, "ada", rep.Grade.Dir, "the report's own folder, relative to the root")
}

func TestBadInput(t *testing.T) {
	for name, data := range map[string]string{
		"empty":           "  \n",
		"not JSON":        "asyncvet: pattern ./...: no packages\n",
		"newer grade":     `{"schema": 99, "exercise": "batch-inference"}`,
		"odd vet entries": `{"p": {"timerstop": 3}}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := report.Read([]byte(data), report.Options{})
			assert.Error(t, err)
		})
	}
}

func TestAnalyzerFailure(t *testing.T) {
	// go vet -json reports an analyzer that failed on a package this way.
	rep, err := report.Read([]byte(`{"example.com/p": {"chanleak": {"error": "internal error: boom"}}}`), report.Options{})
	require.NoError(t, err)
	require.Len(t, rep.Problems, 1)
	p := rep.Problems[0]
	assert.Empty(t, p.File)
	assert.Equal(t, report.Error, p.Severity)
	assert.Contains(t, p.Message, "boom")
	assert.Contains(t, p.Message, "example.com/p")
}

func TestSeverity(t *testing.T) {
	for _, s := range []report.Severity{report.Notice, report.Warning, report.Error} {
		got, err := report.ParseSeverity(s.String())
		require.NoError(t, err)
		assert.Equal(t, s, got)
	}
	_, err := report.ParseSeverity("fatal")
	assert.Error(t, err)
}
