package suite_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/asyncbook/asyncbook/exercises/simworld"
	"github.com/asyncbook/asyncbook/exercises/suite"
	"github.com/asyncbook/asyncbook/exercises/suite/suitetest"
)

// callTwice makes two calls on rec from one line, as an implementation's
// loop would, through a helper of the simulated world's kind.
func callTwice(rec *simworld.Recorder) {
	for range 2 {
		record(rec) //where:call
	}
}

func record(rec *simworld.Recorder) { rec.Begin("model/m", "x")(nil) } //where:helper

func TestLocateFindsTheInnermostFrameOfTheCodeUnderTest(t *testing.T) {
	file, line := suitetest.MarkedLine(t, "helper")
	rec := simworld.NewRecorder()
	callTwice(rec)
	calls := rec.Calls()
	require.Len(t, calls, 2)

	l, ok := suite.CodeOf(callTwice).Locate(calls[0].Callers(), "too many")
	require.True(t, ok)
	assert.Equal(t, suite.Location{File: file, Line: line, Function: "suite_test.record", Note: "too many"}, l,
		"the innermost frame of the test's package is the helper's call to Begin")

	where := suite.CodeOf(callTwice).Calls(calls, func(simworld.Call) string { return "over the limit" })
	require.Len(t, where, 1, "two calls from one line are one place")
	assert.Equal(t, line, where[0].Line)
	assert.Equal(t, "over the limit (2 calls from this line)", where[0].Note)
}

func TestLocateSkipsOtherPackagesAndTheExercisesAPIFiles(t *testing.T) {
	rec := simworld.NewRecorder()
	callTwice(rec)
	pcs := rec.Calls()[0].Callers()

	_, ok := suite.CodeOf(simworld.Sleep).Locate(pcs, "")
	assert.False(t, ok, "no frame of simworld made the call")
	_, ok = suite.CodeOf(callTwice, "where_test.go").Locate(pcs, "")
	assert.False(t, ok, "frames in the exercise's API files are not the implementation's")
	_, ok = suite.CodeOf(nil).Locate(pcs, "")
	assert.False(t, ok, "no implementation, no place")
	assert.Empty(t, suite.CodeOf(callTwice).Calls(nil, nil))
}

// leakOne starts a goroutine that blocks sending on ch until it is read.
func leakOne(ch chan int, done chan struct{}) {
	go func() { //where:go
		defer close(done)
		ch <- 1 //where:send
	}()
}

func TestLeakedPlacesTheStuckLineAndTheGoStatement(t *testing.T) {
	file, send := suitetest.MarkedLine(t, "send")
	_, goStmt := suitetest.MarkedLine(t, "go")
	before := goleak.IgnoreCurrent()
	ch, done := make(chan int), make(chan struct{})
	leakOne(ch, done)
	defer func() { <-ch; <-done }() // the goroutine's exit

	// Until the goroutine is blocked on its send (goleak.Find retries,
	// then reports what it saw last).
	var err error
	for err == nil || !strings.Contains(err.Error(), "in state chan send") {
		err = goleak.Find(before)
	}
	where := suite.CodeOf(leakOne).Leaked(err)
	require.Len(t, where, 2, "%v", err)
	assert.Equal(t, file, where[0].File)
	assert.Equal(t, send, where[0].Line, "first where it is stuck")
	assert.Contains(t, where[0].Note, "blocked sending")
	assert.Equal(t, goStmt, where[1].Line, "then the go statement")
	assert.Contains(t, where[1].Note, "started a goroutine")

	assert.Empty(t, suite.CodeOf(simworld.Sleep).Leaked(err), "no goroutine of simworld's")
	assert.Empty(t, suite.CodeOf(leakOne).Leaked(nil))
}

func TestCheckPlacesAPanicAndNeverAPass(t *testing.T) {
	_, line := suitetest.MarkedLine(t, "panic")
	type impl func(int) int
	s := suite.Suite[impl]{Exercise: "x", Properties: []suite.Property[impl]{
		{Name: "calls", Check: func(_ context.Context, f impl) suite.Outcome {
			return suite.Outcome{Pass: f(0) == 0}
		}},
		{Name: "placed-pass", Check: func(context.Context, impl) suite.Outcome {
			return suite.Outcome{Pass: true, Where: []suite.Location{{File: "x.go", Line: 1}}}
		}},
	}}
	res := s.Check(divide)
	require.Len(t, res, 2)
	require.False(t, res[0].Pass)
	require.Len(t, res[0].Where, 1)
	assert.Equal(t, line, res[0].Where[0].Line)
	assert.Contains(t, res[0].Where[0].Note, "panicked")
	assert.True(t, res[1].Pass)
	assert.Empty(t, res[1].Where, "a pass points nowhere")
}

func divide(n int) int {
	return 1 / n //where:panic
}
