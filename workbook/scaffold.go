package workbook

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/template"
	"time"

	"golang.org/x/tools/go/ast/astutil"
	"golang.org/x/tools/imports"
)

// Practice copy files.
const (
	SolveFile     = "solve.go"
	SolveTestFile = "solve_test.go"
	// PracticeFunc is the function a learner makes concurrent.
	PracticeFunc = "Solve"
	// sequentialFunc is the exercise's sequential implementation, the
	// practice copy's starting point.
	sequentialFunc = "Sequential"
	// solutionFunc is the exercise's reference solution.
	solutionFunc = "solution"
)

// ErrPracticeExists is returned by Start when a practice copy would be
// overwritten without force.
var ErrPracticeExists = errors.New("practice copy exists")

// BackupDir is the folder, inside PracticeDir, where Start with force keeps
// the practice copies it replaces: BackupDir/<exercise dir>/<time>/. The
// leading underscore keeps the go command's ./... patterns out of it.
const BackupDir = "_backup"

// Start makes the exercise's practice copy: solve.go (the sequential
// implementation, renamed Solve, as the starting point) and solve_test.go
// (the property suite with goleak). It refuses to overwrite an existing
// copy unless force is set; with force, the existing copy is first moved
// into a backup (see Restart). It returns the copy's folder.
func (w *Workbook) Start(e *Exercise, force bool) (string, error) {
	dir, _, err := w.Restart(e, force)
	return dir, err
}

// Restart is Start that also returns where the replaced copy was saved:
// with force, a practice copy that differs from a fresh one is moved, whole,
// into PracticeDir/BackupDir/<exercise dir>/<time>/ before the fresh copy is
// written. backup is "" when there was nothing to keep.
func (w *Workbook) Restart(e *Exercise, force bool) (dir, backup string, err error) {
	dir = w.PracticePath(e)
	if !force {
		for _, f := range []string{SolveFile, SolveTestFile} {
			if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
				return dir, "", fmt.Errorf("%w: %s has your work; `asyncbook reset %s` (or start --force) starts again and keeps a backup of it", ErrPracticeExists, filepath.Join(dir, f), e.Info.Slug)
			}
		}
	}
	solve, err := w.SolveSource(e)
	if err != nil {
		return "", "", err
	}
	test, err := SolveTestSource(e)
	if err != nil {
		return "", "", err
	}
	if force {
		if backup, err = w.backupPractice(e, solve, test); err != nil {
			return dir, "", err
		}
	}
	if err := WritePractice(dir, solve, test); err != nil {
		return "", backup, err
	}
	if _, err := w.UpdateProgress(e.Info.Slug, func(p *Progress) {
		if p.Started.IsZero() || force {
			p.Started = time.Now()
		}
	}); err != nil {
		return dir, backup, err
	}
	return dir, backup, nil
}

// backupPractice moves the exercise's practice folder into the backup
// folder unless it holds nothing a fresh copy (solve, test) would not:
// files the checks write (the timeline) do not count as work.
func (w *Workbook) backupPractice(e *Exercise, solve, test []byte) (string, error) {
	dir := w.PracticePath(e)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("back up practice copy: %w", err)
	}
	fresh := map[string][]byte{SolveFile: solve, SolveTestFile: test}
	changed := false
	for _, ent := range entries {
		name := ent.Name()
		if name == "timeline.svg" {
			continue
		}
		want, ok := fresh[name]
		if !ok || !ent.Type().IsRegular() {
			changed = true
			break
		}
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(got, want) {
			changed = true
			break
		}
	}
	if !changed {
		return "", nil
	}
	parent := filepath.Join(w.root, PracticeDir, BackupDir, e.Info.Dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", fmt.Errorf("back up practice copy: %w", err)
	}
	stamp := time.Now().Format("20060102-150405")
	dst := filepath.Join(parent, stamp)
	for i := 2; ; i++ {
		if _, err := os.Lstat(dst); errors.Is(err, fs.ErrNotExist) {
			break
		}
		dst = filepath.Join(parent, fmt.Sprintf("%s-%d", stamp, i))
	}
	if err := os.Rename(dir, dst); err != nil {
		return "", fmt.Errorf("back up practice copy: %w", err)
	}
	return dst, nil
}

// WritePractice writes a practice copy's two files into dir.
func WritePractice(dir string, solve, test []byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("make practice folder: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, SolveFile), solve, 0o644); err != nil {
		return fmt.Errorf("write practice copy: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, SolveTestFile), test, 0o644); err != nil {
		return fmt.Errorf("write practice test: %w", err)
	}
	return nil
}

// ImportPath returns the exercise package's import path.
func ImportPath(e *Exercise) string { return ModulePath + "/exercises/" + e.Info.Dir }

// SolveSource returns the practice copy's solve.go: the exercise's
// exercise.go in package practice, Sequential renamed Solve, and every use of
// the exercise package's own identifiers qualified with its name.
func (w *Workbook) SolveSource(e *Exercise) ([]byte, error) {
	src, err := fs.ReadFile(e.Info.Files, "exercise.go")
	if err != nil {
		return nil, fmt.Errorf("read exercise.go of %q: %w", e.Info.Slug, err)
	}
	exported, err := packageLevelNames(filepath.Join(w.root, "exercises", e.Info.Dir))
	if err != nil {
		return nil, err
	}
	return rewriteExercise(src, sequentialFunc, e.Info.Dir, ImportPath(e), exported, e.Info.Title)
}

// ReferenceSource returns the reference solution rewritten as a practice
// copy's solve.go (Solution renamed Solve): what `asyncbook solution` shows
// beside the learner's, and what the end-to-end tests check to prove that a
// correct practice copy passes.
func (w *Workbook) ReferenceSource(e *Exercise) ([]byte, error) {
	src, err := fs.ReadFile(e.Info.Files, "solution.go")
	if err != nil {
		return nil, fmt.Errorf("read solution.go of %q: %w", e.Info.Slug, err)
	}
	exported, err := packageLevelNames(filepath.Join(w.root, "exercises", e.Info.Dir))
	if err != nil {
		return nil, err
	}
	delete(exported, solutionFunc)
	return rewriteExercise(src, solutionFunc, e.Info.Dir, ImportPath(e), exported, e.Info.Title)
}

// packageLevelNames returns the exported package-level names declared in the
// non-test Go files of dir.
func packageLevelNames(dir string) (map[string]bool, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read exercise package %s: %w", dir, err)
	}
	names := map[string]bool{}
	fset := token.NewFileSet()
	for _, ent := range entries {
		n := ent.Name()
		if !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, n), nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("parse exercise package: %w", err)
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil && d.Name.IsExported() {
					names[d.Name.Name] = true
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						names[s.Name.Name] = s.Name.IsExported()
					case *ast.ValueSpec:
						for _, id := range s.Names {
							names[id.Name] = id.IsExported()
						}
					}
				}
			}
		}
	}
	delete(names, sequentialFunc)
	return names, nil
}

// rewriteExercise turns exercise.go into a practice copy's solve.go.
func rewriteExercise(src []byte, fn, pkgName, importPath string, exported map[string]bool, title string) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "exercise.go", src, parser.ParseComments)
	if err != nil {
		return nil, fmt.Errorf("parse exercise.go: %w", err)
	}
	var found bool
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == fn {
			fd.Name.Name = PracticeFunc
			found = true
			if fd.Doc != nil && len(fd.Doc.List) > 0 {
				first := fd.Doc.List[0]
				first.Text = strings.Replace(first.Text, fn+" ", PracticeFunc+" ", 1)
			}
		}
	}
	if !found {
		return nil, fmt.Errorf("the exercise's file has no func %s", fn)
	}
	// Struct literal keys are field names, not package-level identifiers.
	keys := map[*ast.Ident]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if cl, ok := n.(*ast.CompositeLit); ok {
			if _, isMap := cl.Type.(*ast.MapType); !isMap {
				for _, elt := range cl.Elts {
					if kv, ok := elt.(*ast.KeyValueExpr); ok {
						if id, ok := kv.Key.(*ast.Ident); ok {
							keys[id] = true
						}
					}
				}
			}
		}
		return true
	})
	used := false
	astutil.Apply(f, func(c *astutil.Cursor) bool {
		id, ok := c.Node().(*ast.Ident)
		if !ok || id.Obj != nil || !exported[id.Name] || keys[id] {
			return true
		}
		switch c.Parent().(type) {
		case *ast.SelectorExpr:
			if c.Name() == "Sel" {
				return true
			}
		case *ast.FuncDecl, *ast.TypeSpec, *ast.File, *ast.LabeledStmt, *ast.BranchStmt:
			return true
		}
		c.Replace(&ast.SelectorExpr{X: ast.NewIdent(pkgName), Sel: ast.NewIdent(id.Name)})
		used = true
		return true
	}, nil)
	f.Name.Name = "practice"
	if used {
		astutil.AddImport(fset, f, importPath)
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "// Practice copy of %s: make Solve concurrent, then run `asyncbook check`.\n// The problem statement is below and in exercises/%s/README.md.\n\n", title, pkgName)
	if err := format.Node(&buf, fset, f); err != nil {
		return nil, fmt.Errorf("format practice copy: %w", err)
	}
	// Group the imports as goimports does: standard library first.
	return imports.Process("solve.go", buf.Bytes(), &imports.Options{Comments: true, TabIndent: true, TabWidth: 8, FormatOnly: true})
}

var solveTestTemplate = template.Must(template.New("solve_test").Parse(`package practice

import (
	"testing"

	"go.uber.org/goleak"

	{{.Pkg}} {{printf "%q" .Import}}
	"github.com/asyncbook/asyncbook/exercises/suite"
)

// This file is generated by ` + "`asyncbook start {{.Slug}}`" + `: it runs the
// exercise's property suite on Solve, the same suite that checks the reference
// solution. Edit solve.go, not this file.

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestProperties checks every property of the exercise on Solve.
func TestProperties(t *testing.T) { {{.Pkg}}.Suite().Run(t, Solve) }

// TestSpeedup measures Solve against the sequential implementation.
func TestSpeedup(t *testing.T) {
	suite.ReportSpeedup[{{.Pkg}}.Impl](t, {{.Pkg}}.Sequential, Solve, {{.Pkg}}.Workload, {{.Pkg}}.IdealSpeedup)
}
`))

// SolveTestSource returns the practice copy's solve_test.go.
func SolveTestSource(e *Exercise) ([]byte, error) {
	var buf bytes.Buffer
	err := solveTestTemplate.Execute(&buf, map[string]string{"Pkg": e.Info.Dir, "Import": ImportPath(e), "Slug": e.Info.Slug})
	if err != nil {
		return nil, fmt.Errorf("render practice test: %w", err)
	}
	return format.Source(buf.Bytes())
}
