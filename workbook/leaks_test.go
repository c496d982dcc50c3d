package workbook

import (
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// TestParseLeaksFromGoleak makes a real leak, has goleak describe it, and
// checks that the parser finds the go statement that started it.
func TestParseLeaksFromGoleak(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	release := make(chan struct{})
	started := make(chan struct{})
	_, _, goLine, _ := runtime.Caller(0)
	go func() { close(started); <-release }() // the line after Caller: goLine+1
	<-started
	err := goleak.Find(ignore)
	close(release)
	require.Error(t, err)

	leaks := ParseLeaks(err.Error())
	require.Len(t, leaks, 1, "goleak said:\n%s", err)
	assert.True(t, strings.HasSuffix(leaks[0].File, "leaks_test.go"), leaks[0].File)
	assert.Equal(t, goLine+1, leaks[0].Line)
	assert.Equal(t, "chan receive", leaks[0].State)
	assert.Contains(t, leaks[0].Function, "TestParseLeaksFromGoleak.func1")
	assert.NoError(t, goleak.Find(ignore), "the test's own goroutine must end")
}

func TestParseLeaksNone(t *testing.T) {
	assert.Empty(t, ParseLeaks("ok  \tpkg\t0.01s\n"))
}

func TestParseLeaksIndentedAndRepeated(t *testing.T) {
	report := `    observed: found unexpected goroutines:
        [Goroutine 449 in state chan send, with example.com/practice.Solve.func1 on top of the stack:
        example.com/practice.Solve.func1()
        	/w/practice/x/solve.go:31 +0x25
        created by example.com/practice.Solve in goroutine 384
        	/w/practice/x/solve.go:30 +0x50
         Goroutine 385 in state chan send, with example.com/practice.Solve.func1 on top of the stack:
        example.com/practice.Solve.func1()
        	/w/practice/x/solve.go:31 +0x25
        created by example.com/practice.Solve in goroutine 384
        	/w/practice/x/solve.go:30 +0x50
        ]
goleak: Errors on successful test run: found unexpected goroutines:
[Goroutine 449 in state chan send, with example.com/practice.Solve.func1 on top of the stack:
example.com/practice.Solve.func1()
	/w/practice/x/solve.go:31 +0x25
created by example.com/practice.Solve in goroutine 384
	/w/practice/x/solve.go:30 +0x50
]
`
	leaks := ParseLeaks(report)
	require.Len(t, leaks, 1)
	assert.Equal(t, "/w/practice/x/solve.go", leaks[0].File)
	assert.Equal(t, 30, leaks[0].Line)
	assert.Equal(t, 2, leaks[0].Count, "two goroutines from one go statement; goroutine 449 is reported twice but counted once")
}
