package catalog_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/asyncbook/asyncbook/lsp/catalog"
	"github.com/asyncbook/asyncbook/lsp/lsptest"
	"github.com/asyncbook/asyncbook/workbook"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// SolveTest is a practice copy's test file that runs the property suite
// under goleak, written by the tests so that they do not depend on the
// scaffold's other tests.
const solveTest = `package practice

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/asyncbook/asyncbook/exercises/batchinference"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestProperties(t *testing.T) { batchinference.Suite().Run(t, Solve) }
`

// practice writes a practice copy of batch-inference whose Solve is the
// sequential implementation changed by edit, and returns solve.go's path.
func practice(t *testing.T, root string, edit func(string) string) string {
	t.Helper()
	wb, err := workbook.Open(root)
	require.NoError(t, err)
	e, err := wb.Lookup("batch-inference")
	require.NoError(t, err)
	src, err := wb.SolveSource(e)
	require.NoError(t, err)
	dir := wb.PracticePath(e)
	require.NoError(t, workbook.WritePractice(dir, []byte(edit(string(src))), []byte(solveTest)))
	return filepath.Join(dir, workbook.SolveFile)
}

func lineOf(t *testing.T, path, needle string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	i := strings.Index(string(b), needle)
	require.GreaterOrEqual(t, i, 0, "%q not in %s", needle, path)
	return strings.Count(string(b[:i]), "\n") + 1
}

func TestExerciseFor(t *testing.T) {
	root := lsptest.Workspace(t)
	solve := practice(t, root, func(s string) string { return s })
	c := catalog.NewWorkbooks(t.Logf)

	ex, ok := c.ExerciseFor(filepath.Join(root, "exercises", "batchinference", "exercise.go"))
	require.True(t, ok)
	assert.Equal(t, "batch-inference", ex.Slug)
	assert.False(t, ex.Practice)
	assert.Empty(t, ex.Func, "no lens in the exercise's own files")
	require.NotEmpty(t, ex.Hints)
	assert.Equal(t, 1, ex.Hints[0].N)
	assert.NotEmpty(t, ex.Hints[0].Title)
	assert.Equal(t, filepath.Join(root, "exercises", "batchinference", "guide.md"), ex.GuidePath)
	assert.FileExists(t, ex.GuidePath)

	ex, ok = c.ExerciseFor(solve)
	require.True(t, ok)
	assert.True(t, ex.Practice)
	assert.Equal(t, "Solve", ex.Func)

	_, ok = c.ExerciseFor(filepath.Join(root, "go.mod"))
	assert.False(t, ok)
	_, ok = c.ExerciseFor(filepath.Join(t.TempDir(), "x.go"))
	assert.False(t, ok, "a file outside any workspace")
}

func TestHintsShownAreKeptByTheWorkbook(t *testing.T) {
	root := lsptest.Workspace(t)
	solve := practice(t, root, func(s string) string { return s })
	c := catalog.NewWorkbooks(t.Logf)
	assert.Equal(t, 0, c.HintsShown(solve))
	for n := 1; n <= 2; n++ {
		h, err := c.NextHint(solve)
		require.NoError(t, err)
		assert.Equal(t, n, h.N)
		assert.NotEmpty(t, h.Title)
	}
	assert.Equal(t, 2, c.HintsShown(filepath.Join(root, "exercises", "batchinference", "guide.md")), "one count per exercise")

	// The CLI's `asyncbook hint` reads the same record.
	wb, err := workbook.Open(root)
	require.NoError(t, err)
	e, err := wb.Lookup("batch-inference")
	require.NoError(t, err)
	h, err := wb.NextHint(e)
	require.NoError(t, err)
	assert.Equal(t, 3, h.N)
	assert.Equal(t, 3, catalog.NewWorkbooks(t.Logf).HintsShown(solve))
	_, err = c.NextHint(filepath.Join(root, "go.mod"))
	assert.ErrorIs(t, err, catalog.ErrNoExercise)
	// After the last hint, the last again (the CLI's stepping).
	var last catalog.Hint
	for i := 0; i < 10; i++ {
		last, err = c.NextHint(solve)
		require.NoError(t, err)
	}
	assert.Equal(t, len(e.Guide.Hints), last.N)
}

func TestCheckPlacesLeaksAndFailures(t *testing.T) {
	root := lsptest.Workspace(t)
	solve := practice(t, root, func(s string) string {
		return lsptest.PrependToSolve(t, s, "stuck := make(chan int)\ngo func() { <-stuck }()")
	})
	c := catalog.NewWorkbooks(t.Logf)
	var steps []string
	res, err := c.Check(context.Background(), solve, catalog.CheckOptions{Progress: func(step string, percent int) { steps = append(steps, step) }})
	require.NoError(t, err)
	assert.False(t, res.Passed)
	assert.NotEmpty(t, steps)
	assert.Contains(t, res.Summary, "leaked goroutine")

	goLine := lineOf(t, solve, "go func() { <-stuck }()")
	solveLine := lineOf(t, solve, "func Solve(")
	var leaks, properties []catalog.Problem
	for _, p := range res.Problems {
		switch {
		case p.Code == catalog.CodeGoleak || p.Code == catalog.CodeProvenLeak:
			leaks = append(leaks, p)
		case strings.HasPrefix(p.Code, "property:"):
			properties = append(properties, p)
		}
	}
	require.Len(t, leaks, 1, "one problem per go statement: %+v", res.Problems)
	assert.Equal(t, solve, leaks[0].File)
	assert.Equal(t, goLine, leaks[0].Line, "at the go statement that started the goroutine")
	assert.Regexp(t, "chan receive|receive from stuck", leaks[0].Message)

	require.NotEmpty(t, properties, "the sequential Solve fails the concurrency properties")
	for _, p := range properties {
		assert.Equal(t, solve, p.File)
		if !strings.Contains(p.Message, ": here, ") {
			assert.Equal(t, solveLine, p.Line, "at the function to make concurrent, where the suite names no other place")
		}
		assert.NotContains(t, p.Message, "\n", "the observation is cut to its first line")
	}
	assert.NotEmpty(t, res.Output)
}

func TestCheckPlacesBuildErrors(t *testing.T) {
	root := lsptest.Workspace(t)
	solve := practice(t, root, func(s string) string {
		return lsptest.PrependToSolve(t, s, "var unused int = \"no\"")
	})
	res, err := catalog.NewWorkbooks(t.Logf).Check(context.Background(), solve, catalog.CheckOptions{})
	require.NoError(t, err)
	assert.False(t, res.Passed)
	assert.Equal(t, "the practice copy does not build", res.Summary)
	require.NotEmpty(t, res.Problems)
	p := res.Problems[0]
	assert.Equal(t, "build", p.Code)
	assert.Equal(t, solve, p.File)
	assert.Equal(t, lineOf(t, solve, "var unused int"), p.Line)
	assert.Positive(t, p.Col)
}

func TestCheckWithoutExercise(t *testing.T) {
	_, err := catalog.NewWorkbooks(t.Logf).Check(context.Background(), filepath.Join(t.TempDir(), "x.go"), catalog.CheckOptions{})
	assert.ErrorIs(t, err, catalog.ErrNoExercise)
	_, err = catalog.None{}.Check(context.Background(), "x.go", catalog.CheckOptions{})
	assert.ErrorIs(t, err, catalog.ErrNoExercise)
}
