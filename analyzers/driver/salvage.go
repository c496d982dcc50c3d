package driver

import (
	"go/ast"
	"go/token"
	"go/types"
	"regexp"
	"sort"
	"strconv"

	"golang.org/x/tools/go/packages"
)

// posRange is a range of a file set, [Start, End).
type posRange struct{ Start, End token.Pos }

// salvaged is what salvage made of a package graph.
type salvaged struct {
	roots []*packages.Package
	// left maps each package that had to be changed (by its new types) to
	// the ranges of its code left out of the analysis or not to be trusted:
	// declarations that did not type-check, and the functions that call
	// them.
	left map[*types.Package][]posRange
	// failed are the packages that could not be made to type-check: the
	// analysis skips them whole.
	failed map[*packages.Package]bool
}

// maxSalvageRounds bounds the type-checks spent on one package: each round
// removes the declarations the previous one found in error.
const maxSalvageRounds = 8

// salvage makes ill-typed packages analysable: for each package with parse
// or type errors it type-checks again without the function bodies (or
// declarations) that hold the errors, until what remains type-checks. A
// function without a body is one the analyzers know nothing about, as if
// written in assembly, so the rest of the package is analysed precisely;
// the functions that call one are not trusted either (their summaries
// changed), and all of these ranges are reported, never analysed. Packages
// that import a changed package are type-checked again against it.
func salvage(roots []*packages.Package) *salvaged {
	s := &salvaged{left: map[*types.Package][]posRange{}, failed: map[*packages.Package]bool{}}
	replaced := map[*packages.Package]*packages.Package{}
	tainted := map[types.Object]bool{} // functions whose bodies were removed, and their callers
	packages.Visit(roots, nil, func(p *packages.Package) {
		changed := false
		for _, imp := range p.Imports {
			if replaced[imp] != nil {
				changed = true
			}
		}
		if !changed && !hasOwnErrors(p) {
			return
		}
		if len(p.Syntax) == 0 || p.Types == nil || p.Fset == nil {
			if hasOwnErrors(p) {
				s.failed[p] = true
			}
			return
		}
		q, left, ok := recheck(p, replaced, tainted)
		if !ok {
			s.failed[p] = true
			return
		}
		replaced[p] = q
		if len(left) > 0 {
			s.left[q.Types] = left
		}
	})
	for _, r := range roots {
		if q := replaced[r]; q != nil {
			s.roots = append(s.roots, q)
		} else {
			s.roots = append(s.roots, r)
		}
	}
	return s
}

// hasOwnErrors reports whether p has parse errors or hard type errors of
// its own (unused variables and imports are soft: the types are complete).
func hasOwnErrors(p *packages.Package) bool {
	for _, e := range p.Errors {
		if e.Kind == packages.ParseError {
			return true
		}
	}
	for _, te := range p.TypeErrors {
		if !te.Soft {
			return true
		}
	}
	return false
}

// recheck type-checks p again against the replaced imports, removing what
// holds errors until the rest type-checks.
func recheck(p *packages.Package, replaced map[*packages.Package]*packages.Package, tainted map[types.Object]bool) (*packages.Package, []posRange, bool) {
	imports := map[string]*packages.Package{}
	for path, imp := range p.Imports {
		if r := replaced[imp]; r != nil {
			imp = r
		}
		imports[path] = imp
	}
	files := append([]*ast.File(nil), p.Syntax...)
	broken := parseErrorPositions(p)
	var removed []posRange
	stripped := map[*ast.FuncDecl]bool{} // the new decls whose bodies were removed
	for round := 0; round < maxSalvageRounds; round++ {
		info := newInfo()
		tpkg := types.NewPackage(p.PkgPath, p.Name)
		var hard []token.Pos
		conf := &types.Config{
			Importer: importerFunc(func(path string) (*types.Package, error) {
				if path == "unsafe" {
					return types.Unsafe, nil
				}
				imp := imports[path]
				if imp == nil || imp.Types == nil {
					return nil, &importError{path}
				}
				return imp.Types, nil
			}),
			Sizes:       p.TypesSizes,
			FakeImportC: true,
			Error: func(err error) {
				if te, ok := err.(types.Error); ok && !te.Soft {
					hard = append(hard, te.Pos)
				}
			},
		}
		if p.Module != nil && p.Module.GoVersion != "" {
			conf.GoVersion = "go" + p.Module.GoVersion
		}
		if conf.Sizes == nil {
			conf.Sizes = types.SizesFor("gc", "amd64")
		}
		_ = types.NewChecker(conf, p.Fset, tpkg, info).Files(files)
		if round == 0 {
			hard = append(hard, broken...)
		}
		if len(hard) == 0 {
			q := new(packages.Package)
			*q = *p
			q.Syntax = files
			q.Types = tpkg
			q.TypesInfo = info
			q.TypeErrors = nil
			q.IllTyped = false
			q.Imports = imports
			return q, append(removed, taint(files, info, stripped, tainted)...), true
		}
		progress := false
		for _, pos := range hard {
			if r, ok := removeAt(files, pos, stripped); ok {
				removed = append(removed, r)
				progress = true
			}
		}
		if !progress {
			return nil, nil, false
		}
	}
	return nil, nil, false
}

type importError struct{ path string }

func (e *importError) Error() string { return "could not import " + e.path }

type importerFunc func(path string) (*types.Package, error)

func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }

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

var errorPos = regexp.MustCompile(`^(.*):(\d+):(\d+)$`)

// parseErrorPositions returns where p's parse errors are, and the bad nodes
// the parser left (go/types reports nothing for those).
func parseErrorPositions(p *packages.Package) []token.Pos {
	var out []token.Pos
	byName := map[string]*token.File{}
	for _, f := range p.Syntax {
		if tf := p.Fset.File(f.FileStart); tf != nil {
			byName[tf.Name()] = tf
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n.(type) {
			case *ast.BadExpr, *ast.BadStmt, *ast.BadDecl:
				out = append(out, n.Pos())
			}
			return true
		})
	}
	for _, e := range p.Errors {
		if e.Kind != packages.ParseError {
			continue
		}
		m := errorPos.FindStringSubmatch(e.Pos)
		if m == nil {
			continue
		}
		tf := byName[m[1]]
		line, _ := strconv.Atoi(m[2])
		col, _ := strconv.Atoi(m[3])
		if tf == nil || line < 1 || line > tf.LineCount() {
			continue
		}
		off := tf.Offset(tf.LineStart(line)) + col - 1
		out = append(out, tf.Pos(min(max(off, 0), tf.Size())))
	}
	return out
}

// removeAt removes what holds pos: the body of the function it is in, or
// the declaration (or spec) itself. It copies what it changes: the parsed
// files are shared with other package variants.
func removeAt(files []*ast.File, pos token.Pos, stripped map[*ast.FuncDecl]bool) (posRange, bool) {
	for i, f := range files {
		if pos < f.FileStart || pos > f.FileEnd {
			continue
		}
		j := sort.Search(len(f.Decls), func(k int) bool { return rangeOf(f, f.Decls[k]).End >= pos })
		if j == len(f.Decls) || f.Decls[j].Pos() > pos {
			return posRange{}, false
		}
		nf := *f
		nf.Decls = append([]ast.Decl(nil), f.Decls...)
		files[i] = &nf
		switch d := f.Decls[j].(type) {
		case *ast.FuncDecl:
			r := rangeOf(f, d)
			if d.Body != nil && pos >= d.Body.Lbrace {
				nd := *d
				nd.Body = nil
				nf.Decls[j] = &nd
				stripped[&nd] = true
				return r, true
			}
			nf.Decls = append(nf.Decls[:j], nf.Decls[j+1:]...)
			return r, true
		case *ast.GenDecl:
			for k, spec := range d.Specs {
				if spec.Pos() <= pos && pos <= spec.End() {
					nd := *d
					nd.Specs = append(append([]ast.Spec(nil), d.Specs[:k]...), d.Specs[k+1:]...)
					nf.Decls[j] = &nd
					if is, ok := spec.(*ast.ImportSpec); ok {
						nf.Imports = nil
						for _, imp := range f.Imports {
							if imp != is {
								nf.Imports = append(nf.Imports, imp)
							}
						}
					}
					return rangeOf(f, spec), true
				}
			}
			nf.Decls = append(nf.Decls[:j], nf.Decls[j+1:]...)
			return rangeOf(f, d), true
		default:
			nf.Decls = append(nf.Decls[:j], nf.Decls[j+1:]...)
			return rangeOf(f, d), true
		}
	}
	return posRange{}, false
}

// rangeOf returns n's range in f; code that did not parse may have no end
// (a missing brace): it runs to the end of the file.
func rangeOf(f *ast.File, n ast.Node) posRange {
	end := n.End()
	if !end.IsValid() || end <= n.Pos() || end > f.FileEnd {
		end = f.FileEnd
	}
	return posRange{n.Pos(), end}
}

// taint adds the functions whose bodies were removed to tainted, then the
// functions of files that refer to a tainted one, until none is added, and
// returns the ranges of the latter: their analysis rests on summaries of
// code that was left out.
func taint(files []*ast.File, info *types.Info, stripped map[*ast.FuncDecl]bool, tainted map[types.Object]bool) []posRange {
	var decls []*ast.FuncDecl
	for _, f := range files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok {
				continue
			}
			if stripped[fd] {
				if obj := info.Defs[fd.Name]; obj != nil {
					tainted[obj] = true
				}
				continue
			}
			if fd.Body != nil {
				decls = append(decls, fd)
			}
		}
	}
	var out []posRange
	done := map[*ast.FuncDecl]bool{}
	for added := true; added; {
		added = false
		for _, fd := range decls {
			if done[fd] || !refersTo(fd.Body, info, tainted) {
				continue
			}
			done[fd] = true
			added = true
			if obj := info.Defs[fd.Name]; obj != nil {
				tainted[obj] = true
			}
			out = append(out, posRange{fd.Pos(), fd.End()}) // it has a body: it parsed
		}
	}
	return out
}

// refersTo reports whether n uses one of objs.
func refersTo(n ast.Node, info *types.Info, objs map[types.Object]bool) bool {
	if len(objs) == 0 {
		return false
	}
	found := false
	ast.Inspect(n, func(n ast.Node) bool {
		if found {
			return false
		}
		if id, ok := n.(*ast.Ident); ok {
			if obj := info.Uses[id]; obj != nil {
				if fn, ok := obj.(*types.Func); ok {
					obj = fn.Origin()
				}
				found = objs[obj]
			}
		}
		return !found
	})
	return found
}
