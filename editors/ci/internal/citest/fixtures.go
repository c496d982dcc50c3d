package citest

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/asyncbook/asyncbook/workbook"
)

// BuggyFile is a file with two findings: a ticker never stopped
// (timerstop) and a goroutine stranded on an unbuffered channel when the
// receiver times out (chanleak).
const BuggyFile = `package pkg

import (
	"context"
	"time"
)

// Tick waits for one tick and leaves the ticker running.
func Tick(d time.Duration) {
	t := time.NewTicker(d)
	<-t.C
}

// Fetch strands its goroutine when the timeout wins.
func Fetch(ctx context.Context) (int, error) {
	ch := make(chan int)
	go func() { ch <- 42 }()
	select {
	case v := <-ch:
		return v, nil
	case <-time.After(time.Second):
		return 0, context.DeadlineExceeded
	}
}
`

// CleanFile holds the correct versions of BuggyFile's code, which no
// analyzer may flag.
const CleanFile = `package pkg

import (
	"context"
	"time"
)

// TickOnce stops its ticker.
func TickOnce(d time.Duration) {
	t := time.NewTicker(d)
	defer t.Stop()
	<-t.C
}

// FetchBuffered lets its goroutine finish the send and exit.
func FetchBuffered(ctx context.Context) (int, error) {
	ch := make(chan int, 1)
	go func() { ch <- 42 }()
	select {
	case v := <-ch:
		return v, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}
`

// SettingsFile is the fixture modules' .asyncbook.json: the default profile
// plus chanleak (in the strict profile), which BuggyFile's stranded sender
// needs, as a team that wants it turns it on.
const SettingsFile = `{"analyzers": {"chanleak": true}}
`

// LintModule writes a module with BuggyFile as pkg/buggy.go, CleanFile as
// pkg/clean.go and SettingsFile into a new folder and returns it.
func LintModule(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	WriteFiles(t, dir, map[string]string{
		"go.mod":          "module example.com/lintme\n\ngo 1.26\n",
		".asyncbook.json": SettingsFile,
		"pkg/buggy.go":    BuggyFile,
		"pkg/clean.go":    CleanFile,
	})
	return dir
}

// LineOf returns the 1-based line of the first occurrence of marker in
// src, failing the test when it is absent.
func LineOf(t testing.TB, src, marker string) int {
	t.Helper()
	i := strings.Index(src, marker)
	require.GreaterOrEqual(t, i, 0, "marker %q not found", marker)
	return strings.Count(src[:i], "\n") + 1
}

// ColOf returns the 1-based byte column of marker on its line.
func ColOf(t testing.TB, src, marker string) int {
	t.Helper()
	i := strings.Index(src, marker)
	require.GreaterOrEqual(t, i, 0, "marker %q not found", marker)
	return i - strings.LastIndexByte(src[:i], '\n')
}

// Sources returns batch-inference's practice file (the sequential version a
// learner starts from) and its reference solution, as submissions.
func Sources(t testing.TB, workspace string) (sequential, reference string) {
	t.Helper()
	w, err := workbook.Open(workspace)
	require.NoError(t, err)
	e, err := w.Lookup("batch-inference")
	require.NoError(t, err)
	seq, err := w.SolveSource(e)
	require.NoError(t, err)
	ref, err := w.ReferenceSource(e)
	require.NoError(t, err)
	return string(seq), string(ref)
}

// WithTicker adds a ticker that is never stopped at the top of Solve.
func WithTicker(t testing.TB, src string) string {
	t.Helper()
	out := strings.Replace(src, "import (\n", "import (\n\t\"time\"\n", 1)
	out = insertInSolve(t, out, "\ttick := time.NewTicker(time.Millisecond)\n\t_ = tick.C\n")
	return out
}

// WithStray adds a goroutine to Solve that blocks forever sending on a
// package-level channel nobody reads.
func WithStray(t testing.TB, src string) string {
	t.Helper()
	out := strings.Replace(src, "\nfunc Solve(", "\nvar stray = make(chan int)\n\nfunc Solve(", 1)
	return insertInSolve(t, out, "\tgo func() { stray <- 1 }()\n")
}

func insertInSolve(t testing.TB, src, stmt string) string {
	t.Helper()
	i := strings.Index(src, "\nfunc Solve(")
	require.GreaterOrEqual(t, i, 0, "no func Solve in submission")
	j := strings.Index(src[i:], "{\n")
	require.GreaterOrEqual(t, j, 0)
	at := i + j + 2
	return src[:at] + stmt + src[at:]
}

// Submission writes files into dir/name (a submission folder inside the
// checkout being graded, as a course repository holds them) and returns it.
func Submission(t testing.TB, dir, name string, files map[string]string) string {
	t.Helper()
	sub := filepath.Join(dir, filepath.FromSlash(name))
	WriteFiles(t, sub, files)
	return sub
}

// Grade runs `asyncbook grade --json` in workspace on the submission
// folder and returns the report's bytes and the exit code.
func Grade(t testing.TB, asyncbook, workspace, submission string) ([]byte, int) {
	t.Helper()
	r := Run(t, workspace, []string{"NO_COLOR=1"}, asyncbook, "grade", "--exercise", "batch-inference", "--dir", submission, "--json")
	require.Contains(t, []int{0, 1}, r.Code, "grade failed to run: %s", r.Stderr)
	require.True(t, strings.HasPrefix(strings.TrimSpace(r.Stdout), "{"), fmt.Sprintf("grade printed no report: %s %s", r.Stdout, r.Stderr))
	return []byte(r.Stdout), r.Code
}
