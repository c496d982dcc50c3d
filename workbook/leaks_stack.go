package workbook

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
)

// frame is one call of a goroutine's stack, as the runtime prints it: a
// function line, then its file and line.
type frame struct {
	Func string
	File string
	Line int
}

// frameFile matches the file line under a function in a traceback or a race
// report: "\t/path/file.go:31 +0x25".
var frameFile = regexp.MustCompile(`^\s+(\S+\.go):(\d+)(?: \+0x[0-9a-f]+)?\s*$`)

// parseFrames reads a stack's frames; a "created by F in goroutine N"
// frame is returned apart, as the go statement that started the goroutine.
func parseFrames(lines []string) (frames []frame, created *frame) {
	for i := 0; i+1 < len(lines); i++ {
		fm := frameFile.FindStringSubmatch(lines[i+1])
		if fm == nil {
			continue
		}
		fn := strings.TrimSpace(lines[i])
		line, _ := strconv.Atoi(fm[2])
		if rest, ok := strings.CutPrefix(fn, "created by "); ok {
			rest, _, _ = strings.Cut(rest, " in goroutine ")
			created = &frame{Func: rest, File: fm[1], Line: line}
		} else {
			frames = append(frames, frame{Func: funcName(fn), File: fm[1], Line: line})
		}
		i++
	}
	return frames, created
}

// funcName drops the arguments of a traceback's function line:
// "pkg.(*T).M(0xc0, ...)" → "pkg.(*T).M".
func funcName(s string) string {
	if i := strings.LastIndex(s, "("); i > 0 && strings.HasSuffix(s, ")") {
		// "(*T)" inside the name is not the argument list: the argument
		// list is the last parenthesised group.
		return s[:i]
	}
	return s
}

// goroot is the toolchain's GOROOT, whose frames (runtime, sync, testing)
// are never the code under test.
var goroot = sync.OnceValue(func() string {
	if out, err := exec.Command("go", "env", "GOROOT").Output(); err == nil {
		if r := strings.TrimSpace(string(out)); r != "" {
			return filepath.Clean(r)
		}
	}
	return filepath.Clean(runtime.GOROOT())
})

// isStd reports whether f is the Go distribution's own code.
func isStd(f frame) bool {
	if f.File == "" || strings.HasPrefix(f.File, "_testmain.go") {
		return true
	}
	return strings.HasPrefix(f.File, goroot()+string(filepath.Separator))
}

// inDir reports whether file is in dir (or below it); an empty dir holds
// every file that is not the distribution's.
func inDir(file, dir string) bool {
	if dir == "" {
		return !isStd(frame{File: file})
	}
	rel, err := filepath.Rel(dir, file)
	return err == nil && !strings.HasPrefix(rel, "..") && !filepath.IsAbs(rel)
}

// pick returns the innermost frame in dir, else the innermost frame that is
// not the distribution's, else the innermost frame.
func pick(frames []frame, dir string) (frame, bool) {
	for _, f := range frames {
		if inDir(f.File, dir) {
			return f, true
		}
	}
	for _, f := range frames {
		if !isStd(f) {
			return f, true
		}
	}
	if len(frames) > 0 {
		return frames[0], true
	}
	return frame{}, false
}

// blockedOn says in the code's own words what a goroutine in state (as the
// runtime names it: "chan send", "sync.WaitGroup.Wait") waits for at
// file:line: "send to results", "receive from jobs", "wg.Wait()". It falls
// back to the state when the source does not say more.
func blockedOn(state, file string, line int) string {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, nil, parser.SkipObjectResolution)
	if err != nil {
		return state
	}
	at := func(n ast.Node) bool {
		return n != nil && fset.Position(n.Pos()).Line <= line && line <= fset.Position(n.End()).Line
	}
	str := func(e ast.Expr) string {
		var b strings.Builder
		writeExpr(&b, e)
		return b.String()
	}
	var found string
	ast.Inspect(f, func(n ast.Node) bool {
		if found != "" || n == nil || !at(n) {
			return false
		}
		switch n := n.(type) {
		case *ast.SendStmt:
			if strings.HasPrefix(state, "chan send") && fset.Position(n.Arrow).Line == line {
				found = "send to " + str(n.Chan)
			}
		case *ast.UnaryExpr:
			if n.Op == token.ARROW && strings.HasPrefix(state, "chan receive") && fset.Position(n.OpPos).Line == line {
				found = "receive from " + str(n.X)
			}
		case *ast.RangeStmt:
			if strings.HasPrefix(state, "chan receive") && fset.Position(n.X.Pos()).Line == line {
				found = "receive from " + str(n.X) + " (range)"
			}
		case *ast.SelectStmt:
			if strings.HasPrefix(state, "select") && fset.Position(n.Select).Line == line {
				var chans []string
				for _, c := range n.Body.List {
					cc := c.(*ast.CommClause)
					switch s := cc.Comm.(type) {
					case *ast.SendStmt:
						chans = append(chans, "send to "+str(s.Chan))
					case *ast.ExprStmt:
						chans = append(chans, "receive from "+str(unarrow(s.X)))
					case *ast.AssignStmt:
						if len(s.Rhs) == 1 {
							chans = append(chans, "receive from "+str(unarrow(s.Rhs[0])))
						}
					}
				}
				found = "select (" + strings.Join(chans, ", ") + ")"
			}
		case *ast.CallExpr:
			sel, ok := n.Fun.(*ast.SelectorExpr)
			if ok && strings.HasPrefix(state, "sync.") && strings.HasSuffix(state, "."+sel.Sel.Name) && fset.Position(sel.Sel.Pos()).Line == line {
				found = str(sel.X) + "." + sel.Sel.Name + "() (" + state + ")"
			}
		}
		return found == ""
	})
	if found == "" {
		return state
	}
	return found
}

func unarrow(e ast.Expr) ast.Expr {
	if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.ARROW {
		return u.X
	}
	return e
}

// writeExpr prints the short expressions that name channels and locks:
// identifiers, selectors, calls, index and star expressions.
func writeExpr(b *strings.Builder, e ast.Expr) {
	switch e := e.(type) {
	case *ast.Ident:
		b.WriteString(e.Name)
	case *ast.SelectorExpr:
		writeExpr(b, e.X)
		b.WriteString("." + e.Sel.Name)
	case *ast.CallExpr:
		writeExpr(b, e.Fun)
		b.WriteString("()")
	case *ast.IndexExpr:
		writeExpr(b, e.X)
		b.WriteString("[")
		writeExpr(b, e.Index)
		b.WriteString("]")
	case *ast.StarExpr:
		b.WriteString("*")
		writeExpr(b, e.X)
	case *ast.ParenExpr:
		writeExpr(b, e.X)
	case *ast.UnaryExpr:
		b.WriteString(e.Op.String())
		writeExpr(b, e.X)
	case *ast.BasicLit:
		b.WriteString(e.Value)
	default:
		b.WriteString("…")
	}
}
