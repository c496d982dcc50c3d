package workbook

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/asyncbook/asyncbook/exercises/suite"
)

// markers returns the lines of file that carry the comment "// NAME
// what", by what. A line may carry several markers ("// RACE go // LEAK
// go"): each one's what ends at the next "//".
func markers(t *testing.T, file, name string) map[string]int {
	t.Helper()
	f, err := os.Open(file)
	require.NoError(t, err)
	defer f.Close()
	out := map[string]int{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if _, what, ok := strings.Cut(sc.Text(), "// "+name+" "); ok {
			what, _, _ = strings.Cut(what, "//")
			out[strings.TrimSpace(what)] = n
		}
	}
	require.NotEmpty(t, out, "no %s markers in %s", name, file)
	return out
}

// checkCopy checks solve (the practice copy's solve.go) for the exercise
// slug, in a fresh practice folder of the module's copy (repoRoot), as `asyncbook
// check` does (race detector and goroutine-leak profile on).
func checkCopy(t *testing.T, slug string, solve []byte) (*CheckResult, string) {
	t.Helper()
	root := repoRoot(t)
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

	require.Contains(t, res.Detectors, DetectorLeakProfile, "Go 1.26 has the goroutine-leak profile: %v (output %d bytes, %d properties, timed out %v)\n%s", res.Notes, len(res.Output), len(res.Properties), res.TimedOut, tail(res.Output, 6000))
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

// The reference solution of every exercise is checked exactly as a
// learner's copy is: no race, no leak, every property holds, no-data-races
// among them.
func TestCheckReferenceHasNoRaceNoLeak(t *testing.T) {
	root := repoRoot(t)
	w, err := Open(root)
	require.NoError(t, err)
	require.Len(t, w.Exercises(), 5)
	for _, e := range w.Exercises() {
		t.Run(e.Info.Slug, func(t *testing.T) {
			t.Parallel() // each check is its own go test process; -parallel bounds how many at once
			src, err := w.ReferenceSource(e)
			require.NoError(t, err)
			res, _ := checkCopy(t, e.Info.Slug, src)
			assert.Empty(t, res.Races)
			assert.Empty(t, res.Leaks)
			assert.Equal(t, []string{"race", DetectorLeakProfile, DetectorGoleak}, res.Detectors)
			p, ok := suite.Find(res.Properties, NoRaceProperty)
			require.True(t, ok)
			assert.True(t, p.Pass)
			assert.Empty(t, suite.Failed(res.Properties), res.Output)
		})
	}
}

// brokenCopies are, per exercise but batch-inference (racy/ and leaky/
// above), one practice copy with both a data race and a leak, each marked
// in testdata/dynamic/<slug>/solve.go, and the channel the leaked sender
// is stuck on.
var brokenCopies = []struct{ slug, blockedOn string }{
	{"hyperparameter-tuning", "send to done"},
	{"data-pipeline", "send to errc"},
	{"model-serving", "send to got"},
	{"distributed-training", "send to ch"},
}

// One check per broken copy, and both of its bugs must be caught and
// placed: the race as a failed no-data-races with both accesses at the
// marked lines, the leak proven by the leak profile at its marked go
// statement, stuck on the marked send.
func TestCheckCatchesEachExercisesRaceAndLeak(t *testing.T) {
	for _, c := range brokenCopies {
		t.Run(c.slug, func(t *testing.T) {
			t.Parallel()
			file := filepath.Join("testdata", "dynamic", c.slug, "solve.go")
			src, err := os.ReadFile(file)
			require.NoError(t, err)
			res, solve := checkCopy(t, c.slug, src)
			t.Run("race", func(t *testing.T) { assertRaceAt(t, res, solve, markers(t, file, "RACE")) })
			t.Run("leak", func(t *testing.T) { assertLeakAt(t, res, solve, markers(t, file, "LEAK"), c.blockedOn) })
			assert.False(t, res.Passed)
		})
	}
}

// assertRaceAt asserts that the check saw data races, each with both
// accesses in the learner's file at lines marked RACE (other than "go"), a
// write among them at the line marked "write", the accesses there made by
// the goroutine the go statement marked "go" started (when one is marked),
// and that no-data-races failed naming the file.
func assertRaceAt(t *testing.T, res *CheckResult, solve string, want map[string]int) {
	t.Helper()
	require.NotEmpty(t, res.Races, "the race detector must see the race:\n%s", res.Output)
	marked := map[int]bool{}
	for what, line := range want {
		if what != "go" {
			marked[line] = true
		}
	}
	var writes []int
	for _, r := range res.Races {
		require.Len(t, r.Accesses, 2, r.Report)
		for _, a := range r.Accesses {
			assert.Equal(t, solve, a.File, "placed in the learner's file:\n%s", r.Report)
			assert.True(t, marked[a.Line], "line %d is one of the marked accesses %v:\n%s", a.Line, want, r.Report)
			if a.Line != want["write"] {
				continue
			}
			if a.Write { // x++ both reads and writes: either may be the side caught
				writes = append(writes, a.Line)
			}
			if g, ok := want["go"]; ok {
				assert.Equal(t, solve, a.CreatedFile)
				assert.Equal(t, g, a.CreatedLine, "the writer was started by the marked go statement")
			}
		}
		assert.NotEmpty(t, r.Property, "the property whose run saw it")
	}
	assert.NotEmpty(t, writes, "a race on the marked write (line %d)", want["write"])
	p, ok := suite.Find(res.Properties, NoRaceProperty)
	require.True(t, ok)
	assert.False(t, p.Pass)
	assert.Contains(t, p.Observed, "solve.go:")
}

// assertLeakAt asserts that the leak profile proved leaked goroutines, each
// started by the go statement marked "go" in the learner's file, blocked
// on blockedOn at the send marked "send".
func assertLeakAt(t *testing.T, res *CheckResult, solve string, want map[string]int, blockedOn string) {
	t.Helper()
	require.Contains(t, res.Detectors, DetectorLeakProfile, "Go 1.26 has the goroutine-leak profile: %v (output %d bytes, %d properties, timed out %v)\n%s", res.Notes, len(res.Output), len(res.Properties), res.TimedOut, tail(res.Output, 3000))
	var proven []Leak
	for _, l := range res.Leaks {
		if l.Proven() {
			proven = append(proven, l)
		}
	}
	require.NotEmpty(t, proven, "the stranded senders are proven leaked:\n%s", res.Output)
	for _, l := range proven {
		assert.Equal(t, solve, l.File)
		assert.Equal(t, want["go"], l.Line, "at the go statement")
		assert.Equal(t, "chan send", l.State)
		assert.Equal(t, blockedOn, l.BlockedOn)
		assert.Contains(t, l.Stack, fmt.Sprintf("%s:%d", solve, want["send"]), "stuck at the marked send")
		assert.NotEmpty(t, l.Property)
		assert.Positive(t, l.Count)
	}
}
