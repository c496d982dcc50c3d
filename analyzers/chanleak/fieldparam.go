package chanleak

import (
	"go/token"
	"go/types"

	"golang.org/x/tools/go/ssa"

	"github.com/asyncbook/asyncbook/analyzers/summary"
)

// fieldOnlyHere reports whether the channel in field op.Field of the
// spawner's parameter p (its receiver, most often) can only be freed by
// the spawner: the field is unexported, and every other function of the
// package that reaches it through a parameter does, by its summary, only
// what the goroutine does (another sender); one that reads it another way,
// or could do the other half, may be what frees the goroutine.
func fieldOnlyHere(res *summary.Result, fn, callee *ssa.Function, p *ssa.Parameter, op summary.Op) bool {
	if op.Field == "" || token.IsExported(op.Field) || !isStructPtr(p.Type()) {
		return false
	}
	comp := complementOf(op.Kind)
	for _, h := range res.SrcFuncs {
		if h == fn {
			continue
		}
		for _, b := range h.Blocks {
			for _, in := range b.Instrs {
				fa, ok := in.(*ssa.FieldAddr)
				if !ok || fieldName(fa) != op.Field || !types.Identical(fa.X.Type(), p.Type()) {
					continue
				}
				hp, ok := fa.X.(*ssa.Parameter)
				if !ok || hp.Parent() != h {
					return false // a struct reached another way: not followed
				}
				idx := paramIndex(hp)
				hs := res.Callee(h)
				if hs == nil {
					return false
				}
				for _, o := range hs.Ops {
					if o.Param == idx && o.Field == op.Field && (comp[o.Kind] || o.Result >= 0) {
						return false
					}
				}
				if h != callee && !recorded(hs, idx, op.Field) {
					return false // it touches the field in a way its summary does not tell
				}
			}
		}
	}
	return true
}

func isStructPtr(t types.Type) bool {
	ptr, ok := t.Underlying().(*types.Pointer)
	if !ok {
		return false
	}
	_, ok = ptr.Elem().Underlying().(*types.Struct)
	return ok
}

// recorded reports whether a summary has an operation on field f of
// parameter idx.
func recorded(s *summary.Summary, idx int, f string) bool {
	for _, o := range s.Ops {
		if o.Param == idx && o.Field == f {
			return true
		}
	}
	return false
}
