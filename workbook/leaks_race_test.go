package workbook

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// raceOutput is go test -v -race's output for a property that raced: the
// report sits between the subtest's RUN line and its verdict.
const raceOutput = `=== RUN   TestProperties
=== RUN   TestProperties/results-in-order
    suite.go:140: results-in-order: 3 models × 8 inputs in order
=== RUN   TestProperties/bounded-concurrency
==================
WARNING: DATA RACE
Write at 0x00c0001a2348 by goroutine 41:
  github.com/asyncbook/asyncbook/practice/batchinference.Solve.func1()
      /ws/practice/batchinference/solve.go:30 +0x1c4

Previous read at 0x00c0001a2348 by goroutine 40:
  github.com/asyncbook/asyncbook/practice/batchinference.Solve.func1()
      /ws/practice/batchinference/solve.go:26 +0x9d

Goroutine 41 (running) created at:
  github.com/asyncbook/asyncbook/practice/batchinference.Solve()
      /ws/practice/batchinference/solve.go:23 +0x3a4
  github.com/asyncbook/asyncbook/exercises/batchinference.init.func1()
      /ws/exercises/batchinference/suite.go:61 +0x2b1
  github.com/asyncbook/asyncbook/exercises/suite.Suite[go.shape.func(context.Context)].checkOne.func1()
      /ws/exercises/suite/suite.go:118 +0x128

Goroutine 40 (finished) created at:
  github.com/asyncbook/asyncbook/practice/batchinference.Solve()
      /ws/practice/batchinference/solve.go:23 +0x3a4
==================
=== RUN   TestX
==================
WARNING: DATA RACE
Read at 0x00c000118000 by main goroutine:
  example.com/m.helper()
      /ws/m/m.go:9 +0x30
  example.com/m.TestX()
      /ws/m/m_test.go:12 +0x44
  testing.tRunner()
      /usr/local/go/src/testing/testing.go:2036 +0x21c

Previous atomic write of size 8 at 0x00c000118000 by goroutine 7:
  sync/atomic.AddInt64()
      /usr/local/go/src/runtime/race_amd64.s:289 +0xb
  example.com/m.bump()
      /ws/m/m.go:5 +0x3d

Goroutine 7 (finished) created at:
  testing.(*T).Run()
      /usr/local/go/src/testing/testing.go:2101 +0xb12
==================
    testing.go:1712: race detected during execution of test
--- FAIL: TestProperties (0.40s)
`

func TestParseRacesPlacesBothAccessesInTheLearnersFiles(t *testing.T) {
	races := parseRaces(raceOutput, "/ws/practice/batchinference")
	require.Len(t, races, 2)

	r := races[0]
	assert.Equal(t, "bounded-concurrency", r.Property)
	require.Len(t, r.Accesses, 2)
	w, rd := r.Accesses[0], r.Accesses[1]
	assert.True(t, w.Write)
	assert.Equal(t, "/ws/practice/batchinference/solve.go", w.File)
	assert.Equal(t, 30, w.Line)
	assert.Equal(t, "github.com/asyncbook/asyncbook/practice/batchinference.Solve.func1", w.Function)
	assert.Equal(t, 23, w.CreatedLine, "the go statement in the learner's code, not the suite's")
	assert.False(t, rd.Write)
	assert.Equal(t, 26, rd.Line)
	assert.Contains(t, r.Report, "WARNING: DATA RACE")

	// Outside the learner's folder: the innermost frame that is not the
	// distribution's (never sync/atomic), and no go statement for a
	// goroutine the testing package started.
	r = races[1]
	assert.Equal(t, "", r.Property, "only subtests of TestProperties are properties")
	require.Len(t, r.Accesses, 2)
	assert.Equal(t, "/ws/m/m.go", r.Accesses[0].File)
	assert.Equal(t, 9, r.Accesses[0].Line)
	assert.False(t, r.Accesses[0].Write)
	assert.True(t, r.Accesses[1].Write, "an atomic write is a write")
	assert.Equal(t, 5, r.Accesses[1].Line)
	assert.Equal(t, "example.com/m.bump", r.Accesses[1].Function)
	assert.Empty(t, r.Accesses[1].CreatedFile, "started by the testing package")
}

func TestParseRacesNone(t *testing.T) {
	assert.Empty(t, ParseRaces("=== RUN   TestProperties\n--- PASS: TestProperties (0.2s)\nok\n"))
	// A test that merely prints the words is not a race report.
	assert.Empty(t, ParseRaces("    x_test.go:3: no WARNING: DATA RACE here\nok\n"))
}
