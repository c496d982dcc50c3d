package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/asyncbook/asyncbook/workbook"
)

// leaksModule is a small module of someone else's: a package whose test
// leaks senders nobody receives from, one whose test (with its own TestMain)
// leaks a goroutine stuck on a mutex, one that leaves a goroutine parked on
// a channel a global still holds (not provable: goleak's kind), and a
// clean one.
var leaksModule = map[string]string{
	"go.mod": "module example.com/mod\n\ngo 1.26\n",
	"leaky/leaky.go": `package leaky

// First returns the first of n results; the other senders block forever.
func First(n int) int {
	results := make(chan int)
	for i := 0; i < n; i++ {
		go func() { results <- i * i }()
	}
	return <-results
}
`,
	"leaky/leaky_test.go": `package leaky

import "testing"

func TestFirst(t *testing.T) {
	if First(3) < 0 {
		t.Fatal("negative")
	}
}
`,
	"withmain/w.go": `package withmain

import "sync"

// Stuck locks a locked mutex from a goroutine.
func Stuck() {
	var mu sync.Mutex
	mu.Lock()
	go func() {
		mu.Lock()
	}()
}
`,
	"withmain/w_test.go": `package withmain

import (
	"os"
	"testing"
)

func TestMain(m *testing.M) { os.Exit(m.Run()) }

func TestStuck(t *testing.T) { Stuck() }
`,
	"global/g.go": `package global

// Pending is reachable from a global: a goroutine parked on it cannot be
// proven leaked.
var Pending = make(chan int)

func Send() {
	go func() { Pending <- 1 }()
}
`,
	"global/g_test.go": `package global

import "testing"

func TestSend(t *testing.T) { Send() }
`,
	"racy/r.go": `package racy

// Count counts to n in two goroutines without a lock.
func Count(n int) int {
	total := 0
	done := make(chan bool)
	go func() {
		for i := 0; i < n; i++ {
			total++
		}
		done <- true
	}()
	for i := 0; i < n; i++ {
		total++
	}
	<-done
	return total
}
`,
	"racy/r_test.go": `package racy

import "testing"

func TestCount(t *testing.T) { Count(100) }
`,
	"clean/clean.go": `package clean

import "sync"

// Sum adds the squares of 0..n-1 concurrently and waits for every worker.
func Sum(n int) int {
	var mu sync.Mutex
	var wg sync.WaitGroup
	total := 0
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mu.Lock()
			total += i * i
			mu.Unlock()
		}()
	}
	wg.Wait()
	return total
}
`,
	"clean/clean_test.go": `package clean

import "testing"

func TestSum(t *testing.T) {
	if got := Sum(4); got != 14 {
		t.Fatalf("Sum(4) = %d", got)
	}
}
`,
}

func TestLeaksOnAnyModule(t *testing.T) {
	dir := t.TempDir()
	for name, src := range leaksModule {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644))
	}

	r := runCLI(t, dir, "leaks")
	assert.Equal(t, 1, r.code, r.stdout+r.stderr)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	assert.Len(t, lines, 3, r.stdout)
	assert.Contains(t, lines, "leaky/leaky.go:7:3: 2 goroutines started here leaked: blocked forever on send to results (proven by the goroutine-leak profile)")
	assert.Contains(t, lines, "withmain/w.go:9:2: goroutine started here leaked: blocked forever on mu.Lock() (sync.Mutex.Lock) (proven by the goroutine-leak profile)")
	assert.Contains(t, r.stdout, "global/g.go:8:2: goroutine started here still running after the tests: chan send in example.com/mod/global.Send.func1 (not proven leaked")
	assert.NotContains(t, r.stdout, "clean/")
	assert.NotContains(t, r.stdout, "racy/", "without -race a race is not looked for, and Count leaks nothing")

	r = runCLI(t, dir, "leaks", "-json", "./leaky", "./clean")
	assert.Equal(t, 1, r.code, r.stderr)
	var res workbook.LeaksResult
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &res), r.stdout)
	require.Len(t, res.Leaks, 1)
	l := res.Leaks[0]
	assert.Equal(t, filepath.Join(dir, "leaky", "leaky.go"), l.File)
	assert.Equal(t, 7, l.Line)
	assert.Equal(t, 3, l.Col)
	assert.Equal(t, workbook.DetectorLeakProfile, l.Detector)
	assert.Equal(t, "send to results", l.BlockedOn)
	assert.Equal(t, "example.com/mod/leaky", l.Package)
	assert.Equal(t, 2, l.Count)
	assert.Contains(t, res.Detectors, workbook.DetectorLeakProfile)

	r = runCLI(t, dir, "leaks", "-sarif", "./withmain")
	assert.Equal(t, 1, r.code, r.stderr)
	var sarif struct {
		Runs []struct {
			Results []struct {
				RuleID    string
				Level     string
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine, StartColumn int }
					}
				}
			}
		}
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &sarif), r.stdout)
	require.Len(t, sarif.Runs, 1)
	require.Len(t, sarif.Runs[0].Results, 1)
	sr := sarif.Runs[0].Results[0]
	assert.Equal(t, workbook.DetectorLeakProfile, sr.RuleID)
	assert.Equal(t, "warning", sr.Level)
	require.Len(t, sr.Locations, 1)
	assert.Equal(t, "withmain/w.go", sr.Locations[0].PhysicalLocation.ArtifactLocation.URI)
	assert.Equal(t, 9, sr.Locations[0].PhysicalLocation.Region.StartLine)
	assert.Equal(t, 2, sr.Locations[0].PhysicalLocation.Region.StartColumn)

	// With -race, the race is a finding too (and nothing leaks there).
	r = runCLI(t, dir, "leaks", "-race", "./racy")
	assert.Equal(t, 1, r.code, r.stdout+r.stderr)
	assert.Regexp(t, `^racy/r\.go:(9|14):1: data race: (read|write) in example\.com/mod/racy\.Count(\.func1)? races with (read|write) in example\.com/mod/racy\.Count(\.func1)? at racy/r\.go:(9|14)\n$`, r.stdout)

	// The clean package alone: nothing printed, success.
	r = runCLI(t, dir, "leaks", "./clean")
	assert.Equal(t, 0, r.code, r.stdout+r.stderr)
	assert.Empty(t, r.stdout)
}
