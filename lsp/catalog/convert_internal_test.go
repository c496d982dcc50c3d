package catalog

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/asyncbook/asyncbook/exercises/suite"
	"github.com/asyncbook/asyncbook/workbook"
)

// These build check results the way the harness fills them (races, proven
// leaks, Where) and check where the editor is told to put them.

func solveFile(t *testing.T) (root, solve string) {
	t.Helper()
	root = t.TempDir()
	solve = filepath.Join(root, "practice", "batchinference", "solve.go")
	require.NoError(t, os.MkdirAll(filepath.Dir(solve), 0o755))
	require.NoError(t, os.WriteFile(solve, []byte("package practice\n\n// Solve is yours.\nfunc Solve() {\n\tgo work()\n}\n"), 0o644))
	return root, solve
}

func TestFailedPropertiesGoWhereTheSuiteSaysOrToSolve(t *testing.T) {
	root, solve := solveFile(t)
	res := convert(root, solve, &workbook.CheckResult{Properties: []suite.Result{
		{Property: "per-endpoint-limit", Description: "at most Limit in flight", Observed: "max 9 in flight\nmore",
			Where: []suite.Location{
				{File: solve, Line: 5, Note: "5th request in flight on embedder (limit 4)"},
				{File: solve, Line: 5, Note: "the same place again"},
				{File: "", Line: 9},
			}},
		{Property: "parallel-per-model", Description: "several at once"},
		{Property: "results-in-order", Pass: true},
	}})
	require.Len(t, res.Problems, 2, "%+v", res.Problems)
	at := res.Problems[0]
	assert.Equal(t, "property:per-endpoint-limit", at.Code)
	assert.Equal(t, solve, at.File)
	assert.Equal(t, 5, at.Line, "the code responsible, once")
	assert.Equal(t, "property per-endpoint-limit fails: at most Limit in flight (observed: max 9 in flight): here, 5th request in flight on embedder (limit 4)", at.Message)
	assert.Equal(t, 4, res.Problems[1].Line, "no place named: func Solve")
	assert.Equal(t, "1/3 properties pass", res.Summary)
}

func TestLeaksAtTheirGoStatementProvenOnesSayWhatTheyWaitFor(t *testing.T) {
	root, solve := solveFile(t)
	stack := "goroutine 7 [chan send (leaked)]:\npractice.work()\n\t" + solve + ":9 +0x1d\ncreated by practice.Solve in goroutine 6\n\t" + solve + ":5 +0x2a"
	res := convert(root, solve, &workbook.CheckResult{Leaks: []workbook.Leak{
		{File: solve, Line: 5, Function: "practice.work", State: "chan send", Count: 2, Stack: stack, Detector: workbook.DetectorGoleak},
		{File: solve, Line: 5, Function: "practice.work", State: "chan send", Count: 2, Stack: stack,
			Detector: workbook.DetectorLeakProfile, BlockedOn: "send to results", Property: "cancellation"},
		{File: solve, Line: 6, Function: "practice.spin", State: "running", Count: 1, Detector: workbook.DetectorGoleak},
		{Function: "practice.nowhere", State: "select"},
	}})
	require.Len(t, res.Problems, 2)
	p := res.Problems[0]
	assert.Equal(t, CodeProvenLeak, p.Code, "the proof wins over goleak's suspicion at the same statement")
	assert.Equal(t, 5, p.Line)
	assert.Equal(t, "2 goroutines started here leaked: blocked forever on send to results, proven by the goroutine-leak profile (property cancellation)", p.Message)
	require.Len(t, p.Related, 1)
	assert.Equal(t, 9, p.Related[0].Line)
	assert.Contains(t, p.Related[0].Message, "send to results")
	assert.Equal(t, CodeGoleak, res.Problems[1].Code)
	assert.Contains(t, res.Problems[1].Message, "still running after the tests, running in practice.spin (goleak)")
	assert.Equal(t, "4 leaked goroutines", res.Summary)
}

func TestRacesAtBothAccesses(t *testing.T) {
	root, solve := solveFile(t)
	race := workbook.Race{Property: "results-in-order", Accesses: []workbook.Access{
		{Write: true, File: solve, Line: 12, Function: "github.com/x/practice.Solve.func1", CreatedFile: solve, CreatedLine: 10},
		{Write: false, File: solve, Line: 20, Function: "github.com/x/practice.Solve"},
	}}
	res := convert(root, solve, &workbook.CheckResult{Races: []workbook.Race{race, race}})
	require.Len(t, res.Problems, 2, "each race once, at both accesses")
	w, r := res.Problems[0], res.Problems[1]
	assert.Equal(t, CodeRace, w.Code)
	assert.Equal(t, 12, w.Line)
	assert.Equal(t, "data race: a write in practice.Solve.func1 races with a read in practice.Solve at line 20 (property results-in-order)", w.Message)
	require.Len(t, w.Related, 2)
	assert.Equal(t, Location{File: solve, Line: 20, Message: "the other access: a read in practice.Solve"}, w.Related[0])
	assert.Equal(t, 10, w.Related[1].Line, "where the goroutine that wrote was started")
	assert.Equal(t, 20, r.Line)
	require.NotEmpty(t, r.Related)
	assert.Equal(t, 12, r.Related[0].Line)
	assert.Equal(t, "2 data races", res.Summary)
}
