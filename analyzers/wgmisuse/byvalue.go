package wgmisuse

import (
	"go/ast"
	"go/types"

	"github.com/asyncbook/asyncbook/analyzers/internal/analysisutil"
)

// isWaitGroupValue reports whether t is sync.WaitGroup itself, not a pointer.
func isWaitGroupValue(t types.Type) bool {
	if t == nil {
		return false
	}
	if _, ok := types.Unalias(t).(*types.Pointer); ok {
		return false
	}
	return analysisutil.IsNamedType(t, "sync", "WaitGroup")
}

// byValueParams reports parameters of type sync.WaitGroup.
func (c *checker) byValueParams(ft *ast.FuncType) {
	if ft == nil || ft.Params == nil {
		return
	}
	for _, field := range ft.Params.List {
		if !isWaitGroupValue(c.pass.TypesInfo.TypeOf(field.Type)) {
			continue
		}
		what := "this parameter"
		if len(field.Names) > 0 && field.Names[0].Name != "_" {
			what = "parameter " + field.Names[0].Name
		}
		analysisutil.ReportfAt(c.pass, field.Type, catByValue,
			"%s is a copy of the caller's sync.WaitGroup: Done on the copy never reaches the caller's Wait; take *sync.WaitGroup", what)
	}
}

// byValueArgs reports a WaitGroup variable passed to a sync.WaitGroup
// parameter, which copies it.
func (c *checker) byValueArgs(call *ast.CallExpr) {
	info := c.pass.TypesInfo
	if tv, ok := info.Types[call.Fun]; !ok || tv.IsType() || tv.IsBuiltin() {
		return // a conversion, new(sync.WaitGroup), or no type information
	}
	sig, ok := types.Unalias(info.TypeOf(call.Fun)).Underlying().(*types.Signature)
	if !ok {
		return
	}
	params := sig.Params()
	for i, arg := range call.Args {
		var pt types.Type
		switch {
		case sig.Variadic() && i >= params.Len()-1:
			if call.Ellipsis.IsValid() {
				continue
			}
			if s, ok := params.At(params.Len() - 1).Type().Underlying().(*types.Slice); ok {
				pt = s.Elem()
			}
		case i < params.Len():
			pt = params.At(i).Type()
		}
		if !isWaitGroupValue(pt) {
			continue
		}
		if tv, ok := info.Types[arg]; !ok || tv.IsType() {
			continue
		}
		switch ast.Unparen(arg).(type) {
		case *ast.CompositeLit, *ast.CallExpr:
			continue // a fresh WaitGroup, not a copy of a live one
		}
		callee := exprText(call.Fun)
		if _, ok := ast.Unparen(call.Fun).(*ast.FuncLit); ok {
			callee = "the function literal"
		}
		analysisutil.ReportfAt(c.pass, arg, catByValue,
			"%s is passed to %s by value: Done on the copy never reaches the caller's Wait; pass a pointer",
			exprText(arg), callee)
	}
}
