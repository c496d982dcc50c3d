// Package catalog is what the language server needs to know about the
// workbook's exercises: which exercise a file belongs to, its hints and
// guide, and checking it. The server sees only the Catalog interface; Open
// backs it with the workbook of the workspace a file is in.
package catalog

import (
	"context"
	"errors"

	"github.com/asyncbook/asyncbook/analyzers/driver"
)

// Exercise is an exercise as seen from one of its files.
type Exercise struct {
	Slug  string
	Title string
	// Func is the function the learner makes concurrent in this file
	// ("Solve" in a practice copy), where the code lenses go; "" if none.
	Func          string
	Hints         []Hint
	AnalyzerNotes map[string]string // analyzer name → what it means here
	GuidePath     string            // the interview guide, guide.md
	Practice      bool              // the file is in a practice copy
}

// Hint is one progressive hint of an exercise's guide; N counts from 1.
type Hint struct {
	N     int
	Title string
	Body  string
}

// Problem is something a check found, placed at the code responsible.
type Problem struct {
	File    string
	Line    int // 1-based
	Col     int // 1-based byte column; 0 marks the whole line
	Code    string
	Message string
	// Related is where the problem shows its cause or effect (the other
	// access of a data race, where a leaked goroutine is stuck); may be
	// empty.
	Related []Location
}

// The codes of problems the editor treats specially.
const (
	// CodeProvenLeak is a goroutine the goroutine-leak profile proved can
	// never wake, at the go statement that started it: the editor merges
	// it with a static finding at the same statement.
	CodeProvenLeak = "goroutineleak"
	CodeGoleak     = "goleak"
	CodeRace       = "race"
)

// Location is a place in a file with a note.
type Location struct {
	File    string
	Line    int
	Col     int // 0: the line
	Message string
}

// CheckOptions are what a check is run with.
type CheckOptions struct {
	// Settings are the editor's analyzer settings, on top of the
	// workspace's .asyncbook.json, so a check finds what the editor shows.
	Settings driver.Settings
	// Progress is told the steps as they start (may be nil).
	Progress func(step string, percent int)
}

// CheckResult is the outcome of checking an exercise.
type CheckResult struct {
	Passed   bool
	Summary  string // one line: "3/5 properties pass, 1 leaked goroutine"
	Problems []Problem
	Output   string // the test output, for logs
}

// Catalog answers for the exercises of the workspace. Every method takes
// the path of a file of the exercise.
type Catalog interface {
	// ExerciseFor returns the exercise the file at path belongs to.
	ExerciseFor(path string) (*Exercise, bool)
	// HintsShown returns how many of the exercise's hints the learner has
	// seen (the workbook remembers, so the CLI and the editor agree).
	HintsShown(path string) int
	// NextHint steps to the exercise's next hint as the CLI's `asyncbook
	// hint` does (after the last, the last again), records it and returns
	// it. It does file I/O.
	NextHint(path string) (Hint, error)
	// Check checks the exercise (tests, goleak, analyzers).
	Check(ctx context.Context, path string, opts CheckOptions) (*CheckResult, error)
}

// ErrNoExercise is returned for a file that belongs to no exercise.
var ErrNoExercise = errors.New("not a file of an exercise")

// None is a catalog without exercises, for files outside any workbook.
type None struct{}

// ExerciseFor implements Catalog.
func (None) ExerciseFor(string) (*Exercise, bool) { return nil, false }

// HintsShown implements Catalog.
func (None) HintsShown(string) int { return 0 }

// NextHint implements Catalog.
func (None) NextHint(string) (Hint, error) { return Hint{}, ErrNoExercise }

// Check implements Catalog.
func (None) Check(context.Context, string, CheckOptions) (*CheckResult, error) {
	return nil, ErrNoExercise
}
