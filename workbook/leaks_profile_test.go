package workbook

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const blockedSource = `package p

import "sync"

func f(results chan int, jobs chan int, wg *sync.WaitGroup, mu *sync.Mutex, s struct{ done chan bool }) {
	results <- 1
	<-jobs
	wg.Wait()
	mu.Lock()
	for range jobs {
	}
	select {
	case results <- 2:
	case v := <-s.done:
		_ = v
	}
	_ = <-jobs + 1
}
`

func TestBlockedOnNamesTheChannelOrLock(t *testing.T) {
	file := filepath.Join(t.TempDir(), "p.go")
	require.NoError(t, os.WriteFile(file, []byte(blockedSource), 0o644))
	for _, c := range []struct {
		state string
		line  int
		want  string
	}{
		{"chan send", 6, "send to results"},
		{"chan receive", 7, "receive from jobs"},
		{"sync.WaitGroup.Wait", 8, "wg.Wait() (sync.WaitGroup.Wait)"},
		{"sync.Mutex.Lock", 9, "mu.Lock() (sync.Mutex.Lock)"},
		{"chan receive", 10, "receive from jobs (range)"},
		{"select", 12, "select (send to results, receive from s.done)"},
		{"chan receive", 17, "receive from jobs"},
		// The state does not match the line: say only the state.
		{"chan send", 8, "chan send"},
		{"sync.Cond.Wait", 6, "sync.Cond.Wait"},
	} {
		assert.Equal(t, c.want, blockedOn(c.state, file, c.line), "%s at line %d", c.state, c.line)
	}
	assert.Equal(t, "chan send", blockedOn("chan send", filepath.Join(t.TempDir(), "missing.go"), 3))
}

func TestParseLeakProfile(t *testing.T) {
	solve, err := filepath.Abs("testdata/dynamic/leaky/solve.go")
	require.NoError(t, err)
	dir := filepath.Dir(solve)
	dump := strings.NewReplacer("SOLVE", solve).Replace(`goroutine 7 [chan receive]:
testing.(*T).Run(0xc0000a8008, {0x647b50, 0x8}, 0x655610)
	/usr/local/go/src/testing/testing.go:2109 +0xb3e
created by testing.runTests.func1 in goroutine 1
	/usr/local/go/src/testing/testing.go:2585 +0x85

goroutine 51 [chan send (leaked)]:
github.com/asyncbook/asyncbook/practice/x.Solve.func1()
	SOLVE:27 +0x1b0
created by github.com/asyncbook/asyncbook/practice/x.Solve in goroutine 40
	SOLVE:25 +0x2c5

goroutine 52 [chan send (leaked), 2 minutes]:
github.com/asyncbook/asyncbook/practice/x.Solve.func1()
	SOLVE:27 +0x1b0
created by github.com/asyncbook/asyncbook/practice/x.Solve in goroutine 40
	SOLVE:25 +0x2c5

goroutine 60 [chan receive (leaked)]:
github.com/asyncbook/asyncbook/practice/x.Solve(...)
	SOLVE:32 +0x1b0
github.com/asyncbook/asyncbook/exercises/suite.Suite[...].checkOne.func1()
	/ws/exercises/suite/suite.go:118 +0x128
created by github.com/asyncbook/asyncbook/exercises/suite.Suite[...].checkOne in goroutine 39
	/ws/exercises/suite/suite.go:111 +0x2c5
`)
	leaks := parseLeakProfile(dump, "fails-fast", dir)
	require.Len(t, leaks, 2, "the running test goroutine is not leaked; two senders of one go statement are one leak")
	l := leaks[0]
	assert.Equal(t, DetectorLeakProfile, l.Detector)
	assert.True(t, l.Proven())
	assert.Equal(t, solve, l.File)
	assert.Equal(t, 25, l.Line, "the go statement")
	assert.Equal(t, 2, l.Count)
	assert.Equal(t, "chan send", l.State)
	assert.Equal(t, "send to found", l.BlockedOn)
	assert.Equal(t, "fails-fast", l.Property)
	assert.Equal(t, "github.com/asyncbook/asyncbook/practice/x.Solve.func1", l.Function)

	// The suite's own goroutine, stuck in the learner's Solve: placed where
	// Solve waits, since its go statement is the harness's.
	l = leaks[1]
	assert.Equal(t, solve, l.File)
	assert.Equal(t, 32, l.Line)
	assert.Equal(t, "receive from found", l.BlockedOn)

	// Without a folder, the go statement wherever it is.
	all := ParseLeakProfile(dump, "")
	require.Len(t, all, 2)
	assert.Equal(t, "/ws/exercises/suite/suite.go", all[1].File)
	assert.Equal(t, 111, all[1].Line)

	assert.Empty(t, ParseLeakProfile("goroutine 1 [running]:\nmain.main()\n\t/x/main.go:3 +0x1\n", ""))
	assert.Equal(t, map[string]bool{"7": true, "51": true, "52": true, "60": true}, profileIDs(dump))
}

// goleak's report of a goroutine the profile already proved is left out;
// one it could not prove (a spinner) stays, marked as goleak's.
func TestGoleakKeepsWhatTheProfileCannotProve(t *testing.T) {
	report := `goleak: Errors on successful test run: found unexpected goroutines:
[Goroutine 51 in state chan send, with example.com/practice.Solve.func1 on top of the stack:
example.com/practice.Solve.func1()
	/w/practice/x/solve.go:27 +0x25
created by example.com/practice.Solve in goroutine 40
	/w/practice/x/solve.go:25 +0x50
 Goroutine 70 in state runnable, with example.com/practice.spin on top of the stack:
example.com/practice.spin()
	/w/practice/x/solve.go:40 +0x25
created by example.com/practice.Solve in goroutine 40
	/w/practice/x/solve.go:20 +0x50
]
`
	leaks := parseGoleak(report, map[string]bool{"51": true}, "/w/practice/x")
	require.Len(t, leaks, 1)
	assert.Equal(t, 20, leaks[0].Line)
	assert.Equal(t, DetectorGoleak, leaks[0].Detector)
	assert.False(t, leaks[0].Proven())
}

// A toolchain that refuses the experiment is said so, and the check goes
// on with goleak alone.
func TestWithLeakProfileSaysWhenTheToolchainLacksIt(t *testing.T) {
	exp, err := withLeakProfile(t.Context(), ".")
	require.NoError(t, err, "Go 1.26 has the experiment")
	assert.Equal(t, LeakProfileExperiment, exp)

	t.Setenv("GOEXPERIMENT", "nosuchexperiment")
	_, err = withLeakProfile(t.Context(), ".")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "this Go toolchain has no GOEXPERIMENT=goroutineleakprofile")
	assert.Contains(t, err.Error(), "goleak only")
}
