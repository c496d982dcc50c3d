package workbook

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/asyncbook/asyncbook/exercises/suite"
)

const demoTypes = `package demo

import "context"

type Item struct{ ID int }
type Score float64
type Config struct{ Limit int }
const DefaultLimit = 4
type Model interface{ Score(ctx context.Context, it Item) (Score, error) }
type Impl func(ctx context.Context, m Model, items []Item) ([]Score, error)
var unexported = 1
`

const demoExercise = `// Package demo scores items.
package demo

import "context"

// Sequential scores each item in turn.
func Sequential(ctx context.Context, m Model, items []Item) ([]Score, error) {
	cfg := Config{Limit: DefaultLimit}
	_ = cfg
	limits := map[string]int{"Limit": 1}
	_ = limits
	out := make([]Score, 0, len(items))
	for _, it := range items {
		s, err := m.Score(ctx, it)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}
`

func demoWorkspace(t *testing.T) (*Workbook, *Exercise) {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, "exercises", "demo")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "go.mod"), []byte("module "+ModulePath+"\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "types.go"), []byte(demoTypes), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "exercise.go"), []byte(demoExercise), 0o644))
	files := fstest.MapFS{
		"exercise.go": {Data: []byte(demoExercise)},
		"guide.md":    {Data: []byte(sampleGuide)},
	}
	w, err := New(root, []suite.Info{{Slug: "demo-scoring", Dir: "demo", Title: "Demo scoring", Order: 1, Files: files}})
	require.NoError(t, err)
	e, err := w.Lookup("demo-scoring")
	require.NoError(t, err)
	return w, e
}

func TestSolveSourceQualifiesTheExercisePackage(t *testing.T) {
	w, e := demoWorkspace(t)
	src, err := w.SolveSource(e)
	require.NoError(t, err)
	s := string(src)
	_, err = parser.ParseFile(token.NewFileSet(), "solve.go", src, 0)
	require.NoError(t, err, s)
	assert.Contains(t, s, "package practice")
	assert.Contains(t, s, `"github.com/asyncbook/asyncbook/exercises/demo"`)
	assert.Contains(t, s, "func Solve(ctx context.Context, m demo.Model, items []demo.Item) ([]demo.Score, error)")
	assert.Contains(t, s, "demo.Config{Limit: demo.DefaultLimit}", "struct keys stay field names")
	assert.Contains(t, s, `map[string]int{"Limit": 1}`)
	assert.Contains(t, s, "make([]demo.Score, 0, len(items))")
	assert.NotContains(t, s, "Sequential(")
}

func TestStartRefusesToOverwrite(t *testing.T) {
	w, e := demoWorkspace(t)
	dir, err := w.Start(e, false)
	require.NoError(t, err)
	solve := filepath.Join(dir, SolveFile)
	require.NoError(t, os.WriteFile(solve, []byte("package practice // my work\n"), 0o644))

	_, err = w.Start(e, false)
	require.ErrorIs(t, err, ErrPracticeExists)
	b, err := os.ReadFile(solve)
	require.NoError(t, err)
	assert.Equal(t, "package practice // my work\n", string(b), "work is kept")

	_, backup, err := w.Restart(e, true)
	require.NoError(t, err)
	b, err = os.ReadFile(solve)
	require.NoError(t, err)
	assert.Contains(t, string(b), "func Solve(")
	require.NotEmpty(t, backup, "the replaced work is kept")
	assert.Equal(t, filepath.Join(w.Root(), PracticeDir, BackupDir, "demo"), filepath.Dir(backup))
	b, err = os.ReadFile(filepath.Join(backup, SolveFile))
	require.NoError(t, err)
	assert.Equal(t, "package practice // my work\n", string(b), "the backup holds the learner's work")

	// A fresh, untouched copy has nothing worth keeping.
	_, again, err := w.Restart(e, true)
	require.NoError(t, err)
	assert.Empty(t, again)

	// Two restarts within a second keep both backups.
	require.NoError(t, os.WriteFile(solve, []byte("package practice // v2\n"), 0o644))
	_, b2, err := w.Restart(e, true)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(solve, []byte("package practice // v3\n"), 0o644))
	_, b3, err := w.Restart(e, true)
	require.NoError(t, err)
	assert.NotEqual(t, b2, b3)
	for want, dir := range map[string]string{"v2": b2, "v3": b3} {
		b, err := os.ReadFile(filepath.Join(dir, SolveFile))
		require.NoError(t, err)
		assert.Contains(t, string(b), want)
	}

	p, err := w.LoadProgress()
	require.NoError(t, err)
	assert.Equal(t, "started", p["demo-scoring"].Status())
}

func TestLookupSuggestsTheClosestName(t *testing.T) {
	w, _ := demoWorkspace(t)
	for _, name := range []string{"demo-scoring", "demo", "1", " Demo-Scoring "} {
		e, err := w.Lookup(name)
		require.NoError(t, err, name)
		assert.Equal(t, "demo-scoring", e.Info.Slug)
	}
	for _, name := range []string{"demo-scorng", "demoscoring", "scoring", "demo-sc"} {
		_, err := w.Lookup(name)
		require.ErrorIs(t, err, ErrUnknownExercise)
		assert.Contains(t, err.Error(), `did you mean "demo-scoring"`, name)
	}
	for _, name := range []string{"nonexistent", "batch-inference", "x", "scor"} {
		_, err := w.Lookup(name)
		require.ErrorIs(t, err, ErrUnknownExercise)
		assert.NotContains(t, err.Error(), "did you mean", "%q is not close to any exercise", name)
		assert.Contains(t, err.Error(), "the exercises are demo-scoring", name)
	}
}

func TestCloseMatches(t *testing.T) {
	cands := []string{"model-serving", "data-pipeline", "batch-inference", "check", "hint", "hints", "list", "lsp"}
	for name, want := range map[string][]string{
		"model-servng":  {"model-serving"},
		"modelserving":  {"model-serving"},
		"pipeline":      {"data-pipeline"},
		"batch":         {"batch-inference"},
		"chek":          {"check"},
		"hnt":           {"hint"},
		"hintz":         {"hint", "hints"},
		"nonexistent":   nil,
		"serving-model": nil,
		"frobnicate":    nil,
		"a":             nil,
		"zzz":           nil,
	} {
		assert.Equal(t, want, CloseMatches(name, cands), name)
	}
}

func TestProgressNeverRecordsAZeroTime(t *testing.T) {
	w, e := demoWorkspace(t)
	_, err := w.NextHint(e) // a hint before start: no start time yet
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(w.Root(), PracticeDir, ProgressFile))
	require.NoError(t, err)
	assert.NotContains(t, string(b), "0001-01-01")
	assert.NotContains(t, string(b), `"started"`)
	assert.NotContains(t, string(b), `"passed"`)

	_, err = w.Start(e, false)
	require.NoError(t, err)
	b, err = os.ReadFile(filepath.Join(w.Root(), PracticeDir, ProgressFile))
	require.NoError(t, err)
	assert.Contains(t, string(b), `"started"`)
	assert.NotContains(t, string(b), "0001-01-01")
	assert.NotContains(t, string(b), `"passed"`, "not passed yet: no passed time")

	// A file written by an older version, with zero times, reads as not passed.
	old := `{"demo-scoring":{"started":"2026-01-02T03:04:05Z","passed":"0001-01-01T00:00:00Z","hints_shown":1}}`
	require.NoError(t, os.WriteFile(filepath.Join(w.Root(), PracticeDir, ProgressFile), []byte(old), 0o644))
	p, err := w.LoadProgress()
	require.NoError(t, err)
	assert.Equal(t, "started", p["demo-scoring"].Status())
	hints, err := w.ShownHints(e)
	require.NoError(t, err)
	require.Len(t, hints, 1)
	assert.Equal(t, "Look at the loop", hints[0].Title)
	assert.Equal(t, e, w.InProgress(p))
	assert.Equal(t, e, w.NextUnfinished(p))
	_, err = w.UpdateProgress("demo-scoring", func(p *Progress) {})
	require.NoError(t, err)
	b, err = os.ReadFile(filepath.Join(w.Root(), PracticeDir, ProgressFile))
	require.NoError(t, err)
	assert.NotContains(t, string(b), "0001-01-01", "rewriting an old file drops its zero times")
}

func TestExerciseForFiles(t *testing.T) {
	w, _ := demoWorkspace(t)
	for _, p := range []string{"exercises/demo/exercise.go", "practice/demo/solve.go"} {
		e, ok := w.ExerciseFor(filepath.Join(w.Root(), p))
		require.True(t, ok, p)
		assert.Equal(t, "demo-scoring", e.Info.Slug)
	}
	for _, p := range []string{"exercises/other/x.go", "cmd/asyncbook/main.go", "/elsewhere/practice/demo/solve.go"} {
		if !filepath.IsAbs(p) {
			p = filepath.Join(w.Root(), p)
		}
		_, ok := w.ExerciseFor(p)
		assert.False(t, ok, p)
	}
}

func TestNextHintIsProgressive(t *testing.T) {
	w, e := demoWorkspace(t)
	var titles []string
	for range 3 {
		h, err := w.NextHint(e)
		require.NoError(t, err)
		titles = append(titles, h.Title)
	}
	assert.Equal(t, []string{"Look at the loop", "Bound it", "Bound it"}, titles)
}

func TestFindRoot(t *testing.T) {
	w, _ := demoWorkspace(t)
	root, err := FindRoot(filepath.Join(w.Root(), "exercises", "demo"))
	require.NoError(t, err)
	assert.Equal(t, w.Root(), root)
	_, err = FindRoot(t.TempDir())
	assert.ErrorContains(t, err, "no go.mod of module")
}
