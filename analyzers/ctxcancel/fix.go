package ctxcancel

import (
	"bytes"
	"go/ast"
	"go/format"
	"go/token"
	"go/types"
	"strconv"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ast/inspector"
)

// cancelReturn returns the statement that leaves the function around c when
// ctx is cancelled: "return" when it has no results, "return 0, nil,
// ctx.Err()" when its last result is an error and the others have a zero
// value it can spell. ok is false otherwise: no fix is offered then.
func cancelReturn(pass *analysis.Pass, c inspector.Cursor, ctxName string) (stmt string, ok bool) {
	sig := enclosingSig(pass.TypesInfo, c)
	if sig == nil {
		return "", false
	}
	res := sig.Results()
	if res.Len() == 0 {
		return "return", true
	}
	if !types.Identical(res.At(res.Len()-1).Type(), types.Universe.Lookup("error").Type()) {
		return "", false
	}
	file, _ := enclosingFile(c)
	var vals []string
	for i := 0; i < res.Len()-1; i++ {
		z, ok := zeroValue(pass.Pkg, file, res.At(i).Type())
		if !ok {
			return "", false
		}
		vals = append(vals, z)
	}
	vals = append(vals, ctxName+".Err()")
	return "return " + strings.Join(vals, ", "), true
}

// enclosingSig returns the signature of the innermost function around c.
func enclosingSig(info *types.Info, c inspector.Cursor) *types.Signature {
	for fc := range c.Enclosing((*ast.FuncLit)(nil), (*ast.FuncDecl)(nil)) {
		switch fn := fc.Node().(type) {
		case *ast.FuncLit:
			sig, _ := info.TypeOf(fn).(*types.Signature)
			return sig
		case *ast.FuncDecl:
			obj, _ := info.Defs[fn.Name].(*types.Func)
			if obj == nil {
				return nil
			}
			sig, _ := obj.Type().(*types.Signature)
			return sig
		}
	}
	return nil
}

func enclosingFile(c inspector.Cursor) (*ast.File, bool) {
	for fc := range c.Enclosing((*ast.File)(nil)) {
		f, ok := fc.Node().(*ast.File)
		return f, ok
	}
	return nil, false
}

// zeroValue spells the zero value of t as seen from file of pkg.
func zeroValue(pkg *types.Package, file *ast.File, t types.Type) (string, bool) {
	switch u := t.Underlying().(type) {
	case *types.Basic:
		switch {
		case u.Info()&types.IsBoolean != 0:
			return "false", true
		case u.Info()&types.IsString != 0:
			return `""`, true
		case u.Info()&types.IsNumeric != 0:
			return "0", true
		case u.Kind() == types.UnsafePointer:
			return "nil", true
		}
		return "", false
	case *types.Pointer, *types.Slice, *types.Map, *types.Chan, *types.Signature, *types.Interface:
		if _, isParam := types.Unalias(t).(*types.TypeParam); isParam {
			return "", false
		}
		return "nil", true
	case *types.Struct, *types.Array:
		named, ok := types.Unalias(t).(*types.Named)
		if !ok || named.TypeArgs().Len() > 0 {
			return "", false
		}
		q, ok := qualifier(pkg, file, named.Obj().Pkg())
		if !ok {
			return "", false
		}
		return q + named.Obj().Name() + "{}", true
	}
	return "", false
}

// qualifier returns the prefix ("" or "name.") naming other from file.
func qualifier(pkg *types.Package, file *ast.File, other *types.Package) (string, bool) {
	if other == nil || other == pkg {
		return "", true
	}
	if file == nil {
		return "", false
	}
	for _, imp := range file.Imports {
		path, err := strconv.Unquote(imp.Path.Value)
		if err != nil || path != other.Path() {
			continue
		}
		if imp.Name == nil {
			return other.Name() + ".", true
		}
		if imp.Name.Name == "_" || imp.Name.Name == "." {
			return "", false
		}
		return imp.Name.Name + ".", true
	}
	return "", false
}

// indentAt returns the leading white space of the line holding pos.
func indentAt(pass *analysis.Pass, pos token.Pos) string {
	tf := pass.Fset.File(pos)
	if tf == nil {
		return ""
	}
	line := tf.Line(pos)
	if content, err := pass.ReadFile(tf.Name()); err == nil {
		start := tf.Offset(tf.LineStart(line))
		i := start
		for i < len(content) && (content[i] == ' ' || content[i] == '\t') {
			i++
		}
		return string(content[start:i])
	}
	// gofmt indents with tabs only.
	return strings.Repeat("\t", max(tf.Position(pos).Column-1, 0))
}

// exprText prints e.
func exprText(fset *token.FileSet, e ast.Expr) string {
	var buf bytes.Buffer
	if err := format.Node(&buf, fset, e); err != nil {
		return types.ExprString(e)
	}
	return buf.String()
}
