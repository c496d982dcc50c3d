package workbook

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// ProgressFile is where a workspace's progress is kept, inside the
// git-ignored practice folder.
const ProgressFile = "progress.json"

// Progress is a learner's record for one exercise. A time not yet reached
// (never started, never passed) is left out of the file, never written as
// the zero time.
type Progress struct {
	Started    time.Time `json:"started,omitzero"`
	HintsShown int       `json:"hints_shown"`
	Checks     int       `json:"checks"`
	Passed     time.Time `json:"passed,omitzero"` // first passing check
	LastCheck  time.Time `json:"last_check,omitzero"`
	LastPassed bool      `json:"last_passed"`
}

// Status summarises a Progress in one word: "not started", "started",
// "failing", "passed".
func (p Progress) Status() string {
	switch {
	case !p.Passed.IsZero():
		return "passed"
	case p.Checks > 0:
		return "failing"
	case !p.Started.IsZero():
		return "started"
	default:
		return "not started"
	}
}

func (w *Workbook) progressPath() string { return filepath.Join(w.root, PracticeDir, ProgressFile) }

// LoadProgress reads the workspace's progress; a missing file is no progress.
func (w *Workbook) LoadProgress() (map[string]Progress, error) {
	b, err := os.ReadFile(w.progressPath())
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]Progress{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read progress: %w", err)
	}
	m := map[string]Progress{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("read progress %s: %w (delete it to start afresh)", w.progressPath(), err)
	}
	return m, nil
}

// UpdateProgress applies change to the exercise's record and saves it.
func (w *Workbook) UpdateProgress(slug string, change func(*Progress)) (Progress, error) {
	all, err := w.LoadProgress()
	if err != nil {
		return Progress{}, err
	}
	p := all[slug]
	change(&p)
	all[slug] = p
	b, err := json.MarshalIndent(all, "", "  ")
	if err != nil {
		return Progress{}, fmt.Errorf("encode progress: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(w.progressPath()), 0o755); err != nil {
		return Progress{}, fmt.Errorf("save progress: %w", err)
	}
	tmp := w.progressPath() + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return Progress{}, fmt.Errorf("save progress: %w", err)
	}
	if err := os.Rename(tmp, w.progressPath()); err != nil {
		return Progress{}, fmt.Errorf("save progress: %w", err)
	}
	return p, nil
}

// NextHint returns the next hint of the exercise not yet shown, records it
// as shown and returns it; after the last one it returns the last again.
func (w *Workbook) NextHint(e *Exercise) (Hint, error) {
	var h Hint
	_, err := w.UpdateProgress(e.Info.Slug, func(p *Progress) {
		i := min(p.HintsShown, len(e.Guide.Hints)-1)
		h = e.Guide.Hints[i]
		if p.HintsShown < len(e.Guide.Hints) {
			p.HintsShown++
		}
	})
	return h, err
}

// InProgress returns the exercise started most recently among those that
// have not passed, or nil when none is in progress.
func (w *Workbook) InProgress(progress map[string]Progress) *Exercise {
	var best *Exercise
	for _, e := range w.exercises {
		p := progress[e.Info.Slug]
		if p.Started.IsZero() || !p.Passed.IsZero() {
			continue
		}
		if best == nil || p.Started.After(progress[best.Info.Slug].Started) {
			best = e
		}
	}
	return best
}

// NextUnfinished returns the first exercise, in workbook order, that has
// not passed yet, or nil when every exercise has.
func (w *Workbook) NextUnfinished(progress map[string]Progress) *Exercise {
	for _, e := range w.exercises {
		if progress[e.Info.Slug].Passed.IsZero() {
			return e
		}
	}
	return nil
}

// ShownHints returns the hints of the exercise already shown to the
// learner, in order.
func (w *Workbook) ShownHints(e *Exercise) ([]Hint, error) {
	all, err := w.LoadProgress()
	if err != nil {
		return nil, err
	}
	n := min(all[e.Info.Slug].HintsShown, len(e.Guide.Hints))
	return e.Guide.Hints[:max(n, 0)], nil
}
