// Package catalog is what the language server needs to know about the
// workbook's exercises: which exercise a file belongs to, its hints and
// guide, and checking it. The server sees only the Catalog interface; Open
// backs it with the workbook of the workspace a file is in.
package catalog

import (
	"context"
	"errors"
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
	// Related is where the problem shows its cause or effect (the test
	// that saw a leak, for instance); may be empty.
	Related []Location
}

// Location is a place in a file with a note.
type Location struct {
	File    string
	Line    int
	Message string
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
	// SetHintsShown records that the learner has seen n hints.
	SetHintsShown(path string, n int) error
	// Check checks the exercise (tests, goleak, analyzers), reporting
	// progress as it goes.
	Check(ctx context.Context, path string, progress func(step string, percent int)) (*CheckResult, error)
}

// ErrNoExercise is returned for a file that belongs to no exercise.
var ErrNoExercise = errors.New("not a file of an exercise")

// None is a catalog without exercises, for files outside any workbook.
type None struct{}

// ExerciseFor implements Catalog.
func (None) ExerciseFor(string) (*Exercise, bool) { return nil, false }

// HintsShown implements Catalog.
func (None) HintsShown(string) int { return 0 }

// SetHintsShown implements Catalog.
func (None) SetHintsShown(string, int) error { return ErrNoExercise }

// Check implements Catalog.
func (None) Check(context.Context, string, func(string, int)) (*CheckResult, error) {
	return nil, ErrNoExercise
}
