package doublelock_test

import (
	"testing"

	"go.uber.org/goleak"
	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/asyncbook/asyncbook/analyzers/doublelock"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestCheckpoint(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), doublelock.Analyzer, "checkpoint")
}

// A package that locks another package's mutex needs no import of sync.
func TestWithoutImportingSync(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), doublelock.Analyzer, "noimport")
}

// TestLiteralCallback covers literals run under the caller's lock by the
// function they are handed to, and literals stored, started or locking
// another value.
func TestLiteralCallback(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), doublelock.Analyzer, "visitor")
}

// TestDoubleUnlock covers explicit unlocks of locks whose unlock is
// deferred, with re-locks and caller-held locks that are fine.
func TestDoubleUnlock(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), doublelock.Analyzer, "unlocktwice")
}

// TestOnceReentered covers sync.Once loaders that call Do again on the same
// Once, directly or through a method, and loaders that do not.
func TestOnceReentered(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), doublelock.Analyzer, "once")
}
