package workbook

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/asyncbook/asyncbook/exercises/suite"
)

// markers returns the lines of file that end with the comment "// NAME
// what", by what.
func markers(t *testing.T, file, name string) map[string]int {
	t.Helper()
	f, err := os.Open(file)
	require.NoError(t, err)
	defer f.Close()
	out := map[string]int{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if _, what, ok := strings.Cut(sc.Text(), "// "+name+" "); ok {
			out[strings.TrimSpace(what)] = n
		}
	}
	require.NotEmpty(t, out, "no %s markers in %s", name, file)
	return out
}

// checkCopy checks solve (the practice copy's solve.go) for the exercise
// slug, in a fresh practice folder of the real workspace, as `asyncbook
// check` does (race detector and goroutine-leak profile on).
func checkCopy(t *testing.T, slug string, solve []byte) (*CheckResult, string) {
	t.Helper()
	root, err := FindRoot(".")
	require.NoError(t, err)
	w, err := Open(root)
	require.NoError(t, err)
	e, err := w.Lookup(slug)
	require.NoError(t, err)
	test, err := SolveTestSource(e)
	require.NoError(t, err)
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	dir := filepath.Join(root, PracticeDir, "dyncheck-"+hex.EncodeToString(b))
	require.NoError(t, WritePractice(dir, solve, test))
	t.Cleanup(func() { os.RemoveAll(dir) })
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	res, err := w.CheckDir(ctx, e, dir, CheckOptions{Timeout: 3 * time.Minute})
	require.NoError(t, err)
	require.Empty(t, res.BuildErrors)
	return res, filepath.Join(dir, SolveFile)
}

func TestCheckFindsTheRaceAtItsLines(t *testing.T) {
	src, err := os.ReadFile("testdata/dynamic/racy/solve.go")
	require.NoError(t, err)
	res, solve := checkCopy(t, "batch-inference", src)
	want := markers(t, "testdata/dynamic/racy/solve.go", "RACE")

	require.NotEmpty(t, res.Races, "the race detector must see the shared index:\n%s", res.Output)
	assert.Contains(t, res.Detectors, "race")
	var lines []int
	for _, r := range res.Races {
		require.Len(t, r.Accesses, 2, r.Report)
		for _, a := range r.Accesses {
			assert.Equal(t, solve, a.File, "placed in the learner's file:\n%s", r.Report)
			lines = append(lines, a.Line)
			if a.Line == want["write"] {
				assert.True(t, a.Write, "line %d writes", a.Line)
				assert.Equal(t, solve, a.CreatedFile)
				assert.Equal(t, want["go"], a.CreatedLine, "the writer was started by the go statement")
			}
		}
		assert.NotEmpty(t, r.Property, "the property whose run saw it")
	}
	assert.Contains(t, lines, want["write"])
	assert.Subset(t, lines, []int{want["read"], want["write"]}, "both sides of the shared index")
	p, ok := suite.Find(res.Properties, NoRaceProperty)
	require.True(t, ok)
	assert.False(t, p.Pass)
	assert.Contains(t, p.Observed, "solve.go:")
	assert.False(t, res.Passed)
}

func TestCheckProvesTheLeakAtItsGoStatement(t *testing.T) {
	src, err := os.ReadFile("testdata/dynamic/leaky/solve.go")
	require.NoError(t, err)
	res, solve := checkCopy(t, "batch-inference", src)
	want := markers(t, "testdata/dynamic/leaky/solve.go", "LEAK")

	require.Contains(t, res.Detectors, DetectorLeakProfile, "Go 1.26 has the goroutine-leak profile: %v", res.Notes)
	var proven []Leak
	for _, l := range res.Leaks {
		if l.Proven() {
			proven = append(proven, l)
		}
	}
	require.NotEmpty(t, proven, "the senders nobody receives from are proven leaked:\n%s", res.Output)
	for _, l := range proven {
		assert.Equal(t, solve, l.File)
		assert.Equal(t, want["go"], l.Line, "at the go statement")
		assert.Equal(t, "chan send", l.State)
		assert.Equal(t, "send to found", l.BlockedOn)
		assert.NotEmpty(t, l.Property)
		assert.Positive(t, l.Count)
	}
	assert.False(t, res.Passed)
}

// The reference solution is checked exactly as a learner's copy is: no
// race, no leak, every property holds, no-data-races among them.
func TestCheckReferenceHasNoRaceNoLeak(t *testing.T) {
	root, err := FindRoot(".")
	require.NoError(t, err)
	w, err := Open(root)
	require.NoError(t, err)
	e, err := w.Lookup("batch-inference")
	require.NoError(t, err)
	src, err := w.ReferenceSource(e)
	require.NoError(t, err)
	res, _ := checkCopy(t, "batch-inference", src)
	assert.Empty(t, res.Races)
	assert.Empty(t, res.Leaks)
	assert.Equal(t, []string{"race", DetectorLeakProfile, DetectorGoleak}, res.Detectors)
	p, ok := suite.Find(res.Properties, NoRaceProperty)
	require.True(t, ok)
	assert.True(t, p.Pass)
	assert.Empty(t, suite.Failed(res.Properties), res.Output)
}
