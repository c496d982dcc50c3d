// Package workbook is the engine behind the CLI and the language server: the
// catalog of exercises with their parsed guides, learners' practice copies
// and progress, and checking a practice copy or a submission against the
// exercise's property suite, goleak and the analyzers.
package workbook

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/asyncbook/asyncbook/exercises/suite"
)

// ModulePath is the module the workbook lives in.
const ModulePath = "github.com/asyncbook/asyncbook"

// PracticeDir is the git-ignored folder, at the workspace root, that holds
// learners' practice copies: PracticeDir/<exercise dir>/.
const PracticeDir = "practice"

// Exercise is one exercise of the catalog with its parsed guide.
type Exercise struct {
	Info  suite.Info
	Guide Guide
}

// Workbook is the catalog of exercises in a workspace (a checkout of the
// asyncbook module).
type Workbook struct {
	root      string
	exercises []*Exercise
}

// New builds a workbook over the workspace root from the exercises' infos.
// Every guide must parse.
func New(root string, infos []suite.Info) (*Workbook, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("open workbook at %s: %w", root, err)
	}
	w := &Workbook{root: abs}
	for _, info := range infos {
		src, err := fs.ReadFile(info.Files, "guide.md")
		if err != nil {
			return nil, fmt.Errorf("read guide of %q: %w", info.Slug, err)
		}
		g, err := ParseGuide(string(src))
		if err != nil {
			return nil, fmt.Errorf("parse guide of %q: %w", info.Slug, err)
		}
		w.exercises = append(w.exercises, &Exercise{Info: info, Guide: g})
	}
	sort.SliceStable(w.exercises, func(i, j int) bool { return w.exercises[i].Info.Order < w.exercises[j].Info.Order })
	return w, nil
}

// Root returns the workspace root.
func (w *Workbook) Root() string { return w.root }

// Exercises returns the exercises in workbook order.
func (w *Workbook) Exercises() []*Exercise { return w.exercises }

// ErrUnknownExercise is wrapped by Lookup's error for a name it does not know.
var ErrUnknownExercise = errors.New("unknown exercise")

// Lookup returns the exercise with the given slug (or folder name, or
// 1-based number). An unknown name's error suggests the slugs close to it
// (CloseMatches), and otherwise lists the exercises.
func (w *Workbook) Lookup(name string) (*Exercise, error) {
	name = strings.TrimSpace(strings.ToLower(name))
	for _, e := range w.exercises {
		if name == e.Info.Slug || name == e.Info.Dir || name == fmt.Sprint(e.Info.Order) {
			return e, nil
		}
	}
	if name == "" {
		return nil, fmt.Errorf("%w: no name given; the exercises are %s", ErrUnknownExercise, strings.Join(w.slugs(), ", "))
	}
	var close []string
	for _, e := range w.exercises {
		if len(CloseMatches(name, []string{e.Info.Slug, e.Info.Dir, strings.ToLower(e.Info.Title)})) > 0 {
			close = append(close, e.Info.Slug)
		}
	}
	if len(close) > 0 {
		return nil, fmt.Errorf("%w %q: did you mean %s? (the exercises are %s)", ErrUnknownExercise, name, quoteJoin(close), strings.Join(w.slugs(), ", "))
	}
	return nil, fmt.Errorf("%w %q; the exercises are %s (`asyncbook list` describes them)", ErrUnknownExercise, name, strings.Join(w.slugs(), ", "))
}

// CloseMatches returns the candidates close enough to name to be what was
// meant: a few typos away (an edit distance of at most a third of the
// longer word, and at most 3), or a word of at least 4 letters that starts
// one or is one of its dash-separated parts. Far names match nothing, so
// an error never suggests an unrelated one.
func CloseMatches(name string, candidates []string) []string {
	name = strings.ToLower(name)
	var out []string
	for _, c := range candidates {
		lc := strings.ToLower(c)
		d := levenshtein(name, lc)
		limit := min(3, max(len(name), len(lc))/3)
		close := d <= limit
		if len(name) >= 4 && !close {
			close = strings.HasPrefix(lc, name)
			for _, part := range strings.FieldsFunc(lc, func(r rune) bool { return r == '-' || r == ' ' }) {
				close = close || part == name
			}
		}
		if close {
			out = append(out, c)
		}
	}
	return out
}

func quoteJoin(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, " or ")
}

func (w *Workbook) slugs() []string {
	var out []string
	for _, e := range w.exercises {
		out = append(out, e.Info.Slug)
	}
	return out
}

// ExerciseFor returns the exercise a file belongs to: a file of
// exercises/<dir>/ or of a practice copy practice/<dir>/.
func (w *Workbook) ExerciseFor(path string) (*Exercise, bool) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, false
	}
	rel, err := filepath.Rel(w.root, abs)
	if err != nil || strings.HasPrefix(rel, "..") {
		return nil, false
	}
	parts := strings.Split(filepath.ToSlash(rel), "/")
	if len(parts) < 3 || (parts[0] != "exercises" && parts[0] != PracticeDir) {
		return nil, false
	}
	for _, e := range w.exercises {
		if e.Info.Dir == parts[1] {
			return e, true
		}
	}
	return nil, false
}

// ExerciseDir returns the folder of the exercise's package.
func (w *Workbook) ExerciseDir(slug string) string {
	if e, err := w.Lookup(slug); err == nil {
		return filepath.Join(w.root, "exercises", e.Info.Dir)
	}
	return ""
}

// GuidePath returns the path of the exercise's guide.md, or "" if unknown.
func (w *Workbook) GuidePath(slug string) string {
	if d := w.ExerciseDir(slug); d != "" {
		return filepath.Join(d, "guide.md")
	}
	return ""
}

// PracticePath returns the folder of the exercise's practice copy.
func (w *Workbook) PracticePath(e *Exercise) string {
	return filepath.Join(w.root, PracticeDir, e.Info.Dir)
}

// FindRoot walks up from dir to the folder whose go.mod declares the
// asyncbook module.
func FindRoot(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("find workspace: %w", err)
	}
	for d := abs; ; d = filepath.Dir(d) {
		if modulePathOf(filepath.Join(d, "go.mod")) == ModulePath {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("find workspace: no go.mod of module %s in %s or above it: run asyncbook inside a checkout of asyncbook", ModulePath, abs)
		}
	}
}

func modulePathOf(gomod string) string {
	f, err := os.Open(gomod)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}

// levenshtein returns the edit distance between a and b.
func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
