// Package load prepares one directory's Go packages for analysis while the
// editor types, fast enough to run on every pause.
//
// A run has three steps, and only the last is done every time:
//
//  1. metadata: go list (golang.org/x/tools/go/packages, with the editor's
//     unsaved text as its Overlay) says which files make up the packages of
//     the directory and what they import. It is cached until a file is added
//     or removed or the package clauses, imports or build constraints of the
//     directory's files change.
//  2. dependencies: the imported packages' types, from export data (go list
//     -export). They are cached until a file of one of them is saved.
//  3. the directory's own packages: parsed from the overlay (or the disk)
//     and type-checked against the cached dependencies.
//
// The result is a set of *packages.Package as the analysis checker takes
// them (golang.org/x/tools/go/analysis/checker), with the dependencies
// attached without syntax: analyzers that use facts see none from
// dependencies, as when go vet analyses a package whose dependencies have no
// facts of that kind.
package load

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/build"
	"go/parser"
	"go/scanner"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"golang.org/x/tools/go/packages"
)

// Request says what to load.
type Request struct {
	Dir string // absolute directory of the packages
	// Tests includes the directory's _test.go files (the in-package test
	// variant and the external test package).
	Tests bool
	// Overlay holds unsaved file contents by absolute path.
	Overlay map[string][]byte
}

// Result is one run's packages, ready for the analysis checker.
type Result struct {
	Fset     *token.FileSet
	Packages []*packages.Package // the directory's packages, dependencies first
	// Sources holds the text that was parsed, by file path.
	Sources map[string][]byte
	// Errors are the list, parse and type errors of the directory's
	// packages. A package with any is IllTyped.
	Errors []packages.Error
	// InModule reports whether Dir belongs to a module; a directory outside
	// any is loaded as an ad hoc package of its non-test files.
	InModule bool
}

// Stats counts the work the loader did, for tests and logs.
type Stats struct {
	MetadataLoads   int // go list runs for metadata
	DependencyLoads int // go list -export runs for dependencies
	Runs            int // type-checks of a directory's packages
}

// Loader loads packages, caching metadata and dependencies. It is safe for
// concurrent use.
type Loader struct {
	env []string

	mu    sync.Mutex
	meta  map[metaKey]*metadata
	deps  map[string]*depSet
	stats Stats
}

// New returns a loader that runs the go command with env (nil: this
// process's environment).
func New(env []string) *Loader {
	return &Loader{env: env, meta: map[metaKey]*metadata{}, deps: map[string]*depSet{}}
}

// Stats returns the work done so far.
func (l *Loader) Stats() Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stats
}

// Invalidate drops what a change to the file at path on disk makes stale:
// the dependency sets that include its directory, or everything when it is a
// go.mod, go.sum or go.work file.
func (l *Loader) Invalidate(path string) {
	base := filepath.Base(path)
	l.mu.Lock()
	defer l.mu.Unlock()
	if base == "go.mod" || base == "go.sum" || base == "go.work" || base == "go.work.sum" {
		clear(l.meta)
		clear(l.deps)
		return
	}
	dir := filepath.Dir(path)
	for k, d := range l.deps {
		if d.dirs[dir] {
			delete(l.deps, k)
		}
	}
}

type metaKey struct {
	dir   string
	tests bool
}

// metadata is what go list said about a directory.
type metadata struct {
	fingerprint string
	inModule    bool
	pkgs        []*packages.Package // the directory's packages, dependencies first
	errors      []packages.Error
}

// depSet is the types of a set of dependencies, from export data.
type depSet struct {
	fset   *token.FileSet
	files  []*token.File
	byPath map[string]*packages.Package // by package path: shallow copies for the checker
	dirs   map[string]bool              // directories of module packages they depend on
}

// Load loads the packages of req.Dir.
func (l *Loader) Load(ctx context.Context, req Request) (*Result, error) {
	if !filepath.IsAbs(req.Dir) {
		return nil, fmt.Errorf("load %s: directory is not absolute", req.Dir)
	}
	md, err := l.metadata(ctx, req)
	if err != nil {
		return nil, err
	}
	if len(md.pkgs) == 0 {
		return &Result{Fset: token.NewFileSet(), Errors: md.errors, InModule: md.inModule}, nil
	}
	ds, err := l.dependencies(ctx, req.Dir, md)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res := l.check(req, md, ds)
	l.mu.Lock()
	l.stats.Runs++
	l.mu.Unlock()
	return res, nil
}

// metadata returns the cached metadata of the directory, or asks go list.
func (l *Loader) metadata(ctx context.Context, req Request) (*metadata, error) {
	files, fp, err := fingerprint(req)
	if err != nil {
		return nil, err
	}
	key := metaKey{req.Dir, req.Tests}
	l.mu.Lock()
	md := l.meta[key]
	l.mu.Unlock()
	if md != nil && md.fingerprint == fp {
		return md, nil
	}

	overlay := map[string][]byte{}
	for path, text := range req.Overlay {
		if filepath.Dir(path) == req.Dir {
			overlay[path] = text
		}
	}
	inModule := moduleRoot(req.Dir) != ""
	patterns := []string{"."}
	if !inModule {
		patterns = nil
		for _, f := range files {
			if !strings.HasSuffix(f, "_test.go") {
				patterns = append(patterns, f)
			}
		}
		if len(patterns) == 0 {
			md := &metadata{fingerprint: fp, errors: []packages.Error{{Msg: "no Go files outside tests", Kind: packages.ListError}}}
			return md, nil
		}
	}
	cfg := &packages.Config{
		Context: ctx,
		Mode:    packages.NeedName | packages.NeedFiles | packages.NeedImports | packages.NeedModule | packages.NeedForTest,
		Dir:     req.Dir,
		Env:     l.env,
		Tests:   req.Tests && inModule,
		Overlay: overlay,
	}
	listed, err := packages.Load(cfg, patterns...)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("list packages in %s: %w", req.Dir, err)
	}
	l.mu.Lock()
	l.stats.MetadataLoads++
	l.mu.Unlock()

	md = &metadata{fingerprint: fp, inModule: inModule, pkgs: ownPackages(req.Dir, listed)}
	for _, p := range listed {
		md.errors = append(md.errors, p.Errors...)
	}
	l.mu.Lock()
	l.meta[key] = md
	l.mu.Unlock()
	return md, nil
}

// ownPackages picks the packages whose files are in dir, a test variant
// instead of its plain package, in dependency order.
func ownPackages(dir string, listed []*packages.Package) []*packages.Package {
	var own []*packages.Package
	variants := map[string]bool{} // package paths with an in-package test variant
	for _, p := range listed {
		if len(p.GoFiles) == 0 || filepath.Dir(p.GoFiles[0]) != dir {
			continue // e.g. the generated test main
		}
		own = append(own, p)
		if p.ForTest != "" && p.PkgPath == p.ForTest {
			variants[p.PkgPath] = true
		}
	}
	var out []*packages.Package
	for _, p := range own {
		if p.ForTest == "" && variants[p.PkgPath] {
			continue
		}
		out = append(out, p)
	}
	// Dependencies first: the external test package imports the other.
	sort.SliceStable(out, func(i, j int) bool {
		return !strings.HasSuffix(out[i].Name, "_test") && strings.HasSuffix(out[j].Name, "_test")
	})
	return out
}

// dependencies returns the types of what the directory's packages import.
func (l *Loader) dependencies(ctx context.Context, dir string, md *metadata) (*depSet, error) {
	own := map[string]bool{}
	for _, p := range md.pkgs {
		own[p.ID] = true
	}
	paths := map[string]bool{}
	for _, p := range md.pkgs {
		for _, imp := range p.Imports {
			if !own[imp.ID] && imp.PkgPath != "C" {
				paths[imp.PkgPath] = true
			}
		}
	}
	sorted := make([]string, 0, len(paths))
	for p := range paths {
		sorted = append(sorted, p)
	}
	sort.Strings(sorted)
	key := moduleRoot(dir) + "\x00" + strings.Join(sorted, "\x00")
	if moduleRoot(dir) == "" {
		key = dir + key
	}

	l.mu.Lock()
	ds := l.deps[key]
	l.mu.Unlock()
	if ds != nil {
		return ds, nil
	}
	ds = &depSet{fset: token.NewFileSet(), byPath: map[string]*packages.Package{}, dirs: map[string]bool{}}
	if len(sorted) > 0 {
		cfg := &packages.Config{
			Context: ctx,
			Mode:    packages.NeedName | packages.NeedTypes | packages.NeedImports | packages.NeedFiles | packages.NeedModule,
			Dir:     dir,
			Env:     l.env,
			Fset:    ds.fset,
		}
		loaded, err := packages.Load(cfg, sorted...)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("load dependencies of %s: %w", dir, err)
		}
		l.mu.Lock()
		l.stats.DependencyLoads++
		l.mu.Unlock()
		sizes := sizes()
		for _, p := range loaded {
			ds.byPath[p.PkgPath] = &packages.Package{
				ID: p.ID, Name: p.Name, PkgPath: p.PkgPath, Dir: p.Dir, Errors: p.Errors,
				GoFiles: p.GoFiles, Module: p.Module,
				Types: p.Types, Fset: ds.fset, TypesSizes: sizes,
				// Fact-using analyzers run over dependencies too; they
				// find no syntax, and need the maps to be there.
				TypesInfo: newInfo(),
			}
		}
		packages.Visit(loaded, nil, func(p *packages.Package) {
			if p.Module != nil && p.Dir != "" {
				ds.dirs[p.Dir] = true
			}
		})
		ds.fset.Iterate(func(f *token.File) bool {
			ds.files = append(ds.files, f)
			return true
		})
	}
	if err := ctx.Err(); err != nil {
		return nil, err // a cancelled load may be incomplete: do not cache it
	}
	l.mu.Lock()
	l.deps[key] = ds
	l.mu.Unlock()
	return ds, nil
}

// check parses and type-checks the directory's packages.
func (l *Loader) check(req Request, md *metadata, ds *depSet) *Result {
	fset := token.NewFileSet()
	fset.AddExistingFiles(ds.files...)
	res := &Result{Fset: fset, Sources: map[string][]byte{}, InModule: md.inModule}
	res.Errors = append(res.Errors, md.errors...)
	sizes := sizes()
	checked := map[string]*packages.Package{} // by ID
	for _, meta := range md.pkgs {
		p := &packages.Package{
			ID: meta.ID, Name: meta.Name, PkgPath: meta.PkgPath, Dir: meta.Dir, Module: meta.Module,
			GoFiles: meta.GoFiles, CompiledGoFiles: meta.GoFiles, ForTest: meta.ForTest,
			Errors: append([]packages.Error(nil), meta.Errors...),
			Fset:   fset, TypesSizes: sizes, Imports: map[string]*packages.Package{},
			TypesInfo: newInfo(),
		}
		for _, name := range meta.GoFiles {
			src, err := readSource(req, name)
			if err != nil {
				p.Errors = append(p.Errors, packages.Error{Pos: name + ":1", Msg: err.Error(), Kind: packages.ParseError})
				continue
			}
			res.Sources[name] = src
			f, err := parser.ParseFile(fset, name, src, parser.AllErrors|parser.ParseComments|parser.SkipObjectResolution)
			if f != nil {
				p.Syntax = append(p.Syntax, f)
			}
			var list scanner.ErrorList
			if errors.As(err, &list) {
				for _, e := range list {
					p.Errors = append(p.Errors, packages.Error{Pos: e.Pos.String(), Msg: e.Msg, Kind: packages.ParseError})
				}
			} else if err != nil {
				p.Errors = append(p.Errors, packages.Error{Pos: name + ":1", Msg: err.Error(), Kind: packages.ParseError})
			}
		}
		for importPath, imp := range meta.Imports {
			if dep := checked[imp.ID]; dep != nil {
				p.Imports[importPath] = dep
			} else if dep := ds.byPath[imp.PkgPath]; dep != nil {
				p.Imports[importPath] = dep
			}
		}
		tc := &types.Config{
			Importer: importerFunc(func(path string) (*types.Package, error) {
				dep := p.Imports[path]
				if dep == nil || dep.Types == nil {
					return nil, fmt.Errorf("could not import %s", path)
				}
				return dep.Types, nil
			}),
			Sizes:       sizes,
			FakeImportC: true,
			Error: func(err error) {
				if te, ok := err.(types.Error); ok {
					p.TypeErrors = append(p.TypeErrors, te)
					p.Errors = append(p.Errors, packages.Error{Pos: te.Fset.Position(te.Pos).String(), Msg: te.Msg, Kind: packages.TypeError})
				}
			},
		}
		if meta.Module != nil && meta.Module.GoVersion != "" {
			tc.GoVersion = "go" + meta.Module.GoVersion
		}
		p.Types = types.NewPackage(meta.PkgPath, meta.Name)
		if err := types.NewChecker(tc, fset, p.Types, p.TypesInfo).Files(p.Syntax); err != nil && len(p.Errors) == 0 {
			p.Errors = append(p.Errors, packages.Error{Msg: err.Error(), Kind: packages.TypeError})
		}
		p.IllTyped = len(p.Errors) > 0
		for _, imp := range p.Imports {
			if imp.IllTyped {
				p.IllTyped = true
			}
		}
		res.Errors = append(res.Errors, p.Errors...)
		checked[p.ID] = p
		res.Packages = append(res.Packages, p)
	}
	return res
}

func newInfo() *types.Info {
	return &types.Info{
		Types:        map[ast.Expr]types.TypeAndValue{},
		Defs:         map[*ast.Ident]types.Object{},
		Uses:         map[*ast.Ident]types.Object{},
		Implicits:    map[ast.Node]types.Object{},
		Instances:    map[*ast.Ident]types.Instance{},
		Scopes:       map[ast.Node]*types.Scope{},
		Selections:   map[*ast.SelectorExpr]*types.Selection{},
		FileVersions: map[*ast.File]string{},
	}
}

func readSource(req Request, path string) ([]byte, error) {
	if src, ok := req.Overlay[path]; ok {
		return src, nil
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return src, nil
}

// sizes returns the gc compiler's sizes for the target architecture.
func sizes() types.Sizes {
	return types.SizesFor("gc", build.Default.GOARCH)
}

type importerFunc func(path string) (*types.Package, error)

func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }

// moduleRoot returns the directory of the go.mod that dir belongs to, or "".
func moduleRoot(dir string) string {
	for d := dir; ; d = filepath.Dir(d) {
		if st, err := os.Stat(filepath.Join(d, "go.mod")); err == nil && !st.IsDir() {
			return d
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

// fingerprint lists the directory's Go files and summarises what go list's
// answer depends on: the names of the files, and for each its package
// clause, imports and build constraints (for an unsaved file) or its size
// and time (for a file on disk).
func fingerprint(req Request) (files []string, fp string, err error) {
	seen := map[string]bool{}
	entries, err := os.ReadDir(req.Dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, "", fmt.Errorf("read directory %s: %w", req.Dir, err)
	}
	var b strings.Builder
	consider := func(name string) bool {
		return strings.HasSuffix(name, ".go") && !strings.HasPrefix(name, ".") && !strings.HasPrefix(name, "_") &&
			(req.Tests || !strings.HasSuffix(name, "_test.go"))
	}
	for _, e := range entries {
		if !e.IsDir() && consider(e.Name()) {
			seen[filepath.Join(req.Dir, e.Name())] = true
		}
	}
	for path := range req.Overlay {
		if filepath.Dir(path) == req.Dir && consider(filepath.Base(path)) {
			seen[path] = true
		}
	}
	if len(seen) == 0 {
		return nil, "", fmt.Errorf("load %s: no Go files", req.Dir)
	}
	for path := range seen {
		files = append(files, path)
	}
	sort.Strings(files)
	fset := token.NewFileSet()
	for _, path := range files {
		fmt.Fprintf(&b, "%s|", filepath.Base(path))
		if src, ok := req.Overlay[path]; ok {
			f, _ := parser.ParseFile(fset, path, src, parser.ImportsOnly|parser.ParseComments)
			if f == nil || f.Name == nil {
				b.WriteString("?;")
				continue
			}
			fmt.Fprintf(&b, "%s;", f.Name.Name)
			for _, imp := range f.Imports {
				fmt.Fprintf(&b, "%s;", imp.Path.Value)
			}
			for _, cg := range f.Comments {
				if cg.Pos() > f.Package {
					break
				}
				for _, c := range cg.List {
					if strings.HasPrefix(c.Text, "//go:build") || strings.HasPrefix(c.Text, "// +build") {
						fmt.Fprintf(&b, "%s;", c.Text)
					}
				}
			}
		} else if st, err := os.Stat(path); err == nil {
			fmt.Fprintf(&b, "%d;%d;", st.Size(), st.ModTime().UnixNano())
		}
		b.WriteString("\n")
	}
	return files, b.String(), nil
}
