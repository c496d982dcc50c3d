package unboundedgo

import (
	_ "embed"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"
	"golang.org/x/tools/go/cfg"

	"github.com/asyncbook/asyncbook/analyzers/internal/analysisutil"
)

//go:embed doc.go
var doc string

// Analyzer reports goroutines started per input item with no bound.
var Analyzer = &analysis.Analyzer{
	Name:             "unboundedgo",
	Doc:              analysisutil.MustExtractDoc(doc, "unboundedgo"),
	URL:              analysisutil.URL("unboundedgo"),
	Requires:         []*analysis.Analyzer{inspect.Analyzer},
	RunDespiteErrors: true,
	Run:              run,
}

// Categories of the diagnostics, one per sub-check.
const (
	catItem     = "go-per-item"
	catAccept   = "go-per-accept"
	catErrgroup = "errgroup-without-limit"
)

// Callees that start a goroutine.
const (
	errgroupGo  = "(*golang.org/x/sync/errgroup.Group).Go"
	waitGroupGo = "(*sync.WaitGroup).Go"
)

// spawn is one place that starts a goroutine: a go statement or a Go method.
type spawn struct {
	cur      inspector.Cursor // the *ast.GoStmt or *ast.CallExpr
	pos, end token.Pos        // what to underline
	fn       ast.Expr         // the function the goroutine runs
	recv     ast.Expr         // for g.Go and wg.Go: g or wg
	errgroup bool
}

// checker holds the per-package state of one run.
type checker struct {
	pass   *analysis.Pass
	in     *inspector.Inspector
	cfgs   map[*ast.BlockStmt]*cfg.CFG // lazily: control flow of the functions holding spawns
	vars   *varState                   // lazily: how variables are made and changed
	groups *groupIndex                 // lazily: errgroup variables and their uses
}

func run(pass *analysis.Pass) (any, error) {
	in, ok := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	if !ok {
		return nil, nil
	}
	c := &checker{pass: pass, in: in, cfgs: map[*ast.BlockStmt]*cfg.CFG{}}
	for fileCur := range analysisutil.ProductionFiles(pass, in) {
		c.checkFile(fileCur)
	}
	return nil, nil
}

// checkFile checks the spawns of one file.
func (c *checker) checkFile(file inspector.Cursor) {
	for cur := range file.Preorder((*ast.GoStmt)(nil), (*ast.CallExpr)(nil)) {
		if sp, ok := c.spawnAt(cur); ok {
			c.check(sp)
		}
	}
}

// spawnAt returns the spawn at cur, if cur starts a goroutine.
func (c *checker) spawnAt(cur inspector.Cursor) (spawn, bool) {
	switch n := cur.Node().(type) {
	case *ast.GoStmt:
		if n.Call == nil {
			return spawn{}, false
		}
		return spawn{cur: cur, pos: n.Go, end: n.Go + token.Pos(len("go")), fn: n.Call.Fun}, true
	case *ast.CallExpr:
		fn := analysisutil.CalleeFunc(c.pass.TypesInfo, n)
		if fn == nil {
			return spawn{}, false
		}
		full := fn.FullName()
		if full != errgroupGo && full != waitGroupGo {
			return spawn{}, false
		}
		sel, ok := ast.Unparen(n.Fun).(*ast.SelectorExpr)
		if !ok || len(n.Args) != 1 {
			return spawn{}, false
		}
		return spawn{cur: cur, pos: sel.Pos(), end: sel.End(), fn: n.Args[0], recv: sel.X, errgroup: full == errgroupGo}, true
	}
	return spawn{}, false
}

func (c *checker) check(sp spawn) {
	loop, ok := enclosingLoop(sp)
	if !ok {
		return
	}
	tr, ok := c.tripSource(loop, sp)
	if !ok || c.bounded(loop, sp, tr) || c.acquiresFirst(sp.fn) || c.handsSemaphore(sp) || c.guarded(loop, sp) ||
		c.handleFanOut(loop, sp, tr) || c.startsOnce(sp) {
		return
	}
	d := analysis.Diagnostic{
		Pos:      sp.pos,
		End:      sp.end,
		Category: tr.category,
		Related: []analysis.RelatedInformation{{
			Pos:     tr.at.Pos(),
			End:     tr.at.End(),
			Message: "the input that decides how many goroutines start",
		}},
	}
	switch {
	case sp.errgroup:
		g, ok := c.unlimitedGroup(sp)
		if !ok {
			return // limited, or set up where we cannot see
		}
		d.Category = catErrgroup
		d.Message = "goroutine started by " + types.ExprString(sp.recv) + ".Go for " + tr.what +
			" with no limit on concurrency: call " + types.ExprString(sp.recv) + ".SetLimit(n) before the loop"
		if fix, ok := c.setLimitFix(g, loop); ok {
			d.SuggestedFixes = []analysis.SuggestedFix{fix}
		}
	case sp.recv != nil:
		d.Message = "goroutine started by " + types.ExprString(sp.recv) + ".Go for " + tr.what + advice
	default:
		d.Message = "goroutine started for " + tr.what + advice
	}
	c.pass.Report(d)
}

const advice = " with no bound on concurrency: use a worker pool, errgroup.SetLimit or a semaphore"

// enclosingLoop returns the innermost loop of the spawn's function whose body
// holds the spawn.
func enclosingLoop(sp spawn) (inspector.Cursor, bool) {
	for c := range sp.cur.Parent().Enclosing((*ast.ForStmt)(nil), (*ast.RangeStmt)(nil), (*ast.FuncLit)(nil), (*ast.FuncDecl)(nil)) {
		var body *ast.BlockStmt
		switch n := c.Node().(type) {
		case *ast.ForStmt:
			body = n.Body
		case *ast.RangeStmt:
			body = n.Body
		default:
			return c, false
		}
		if body == nil || sp.pos < body.Pos() || sp.end > body.End() {
			return c, false // in the loop's header
		}
		return c, true
	}
	return sp.cur, false
}

// guarded reports whether an if statement in the loop around the spawn
// limits how often it runs: its condition picks one iteration of a counter
// (i == 0) or reads a variable its body changes (a started flag, an
// in-flight count).
func (c *checker) guarded(loop inspector.Cursor, sp spawn) bool {
	body := loopBody(loop.Node())
	if body == nil {
		return false
	}
	// outside reports whether id names a variable that lives across
	// iterations: declared outside the loop body.
	outside := func(id *ast.Ident) (*types.Var, bool) {
		v, ok := c.pass.TypesInfo.Uses[id].(*types.Var)
		return v, ok && (v.Pos() < body.Pos() || v.Pos() > body.End())
	}
	for cur := range sp.cur.Enclosing((*ast.IfStmt)(nil)) {
		ifs := cur.Node().(*ast.IfStmt)
		if ifs.Pos() < body.Pos() {
			break // outside the loop
		}
		if ifs.Cond == nil {
			continue
		}
		if c.picksIteration(ifs.Cond, outside) || changes(c.pass.TypesInfo, ifs, outside) {
			return true
		}
	}
	return false
}

// picksIteration reports whether cond compares a counter with an integer
// constant: if i == 0.
func (c *checker) picksIteration(cond ast.Expr, outside func(*ast.Ident) (*types.Var, bool)) bool {
	info := c.pass.TypesInfo
	found := false
	ast.Inspect(cond, func(n ast.Node) bool {
		b, ok := n.(*ast.BinaryExpr)
		if !ok || b.Op != token.EQL {
			return !found
		}
		for _, pair := range [][2]ast.Expr{{b.X, b.Y}, {b.Y, b.X}} {
			tv, ok := info.Types[pair[1]]
			id, isIdent := ast.Unparen(pair[0]).(*ast.Ident)
			if !ok || tv.Value == nil || tv.Value.Kind() != constant.Int || !isIdent {
				continue
			}
			if v, ok := outside(id); ok && isInteger(v.Type()) {
				found = true
			}
		}
		return !found
	})
	return found
}

// changes reports whether the body or else branch of ifs assigns a
// variable, living across iterations, that the condition reads.
func changes(info *types.Info, ifs *ast.IfStmt, outside func(*ast.Ident) (*types.Var, bool)) bool {
	read := map[*types.Var]bool{}
	ast.Inspect(ifs.Cond, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			if v, ok := outside(id); ok {
				read[v] = true
			}
		}
		return true
	})
	written := func(e ast.Expr) bool {
		id, ok := ast.Unparen(e).(*ast.Ident)
		if !ok {
			return false
		}
		v, ok := outside(id)
		return ok && read[v]
	}
	found := false
	check := func(n ast.Node) {
		ast.Inspect(n, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncLit:
				return false
			case *ast.AssignStmt:
				for _, lhs := range n.Lhs {
					found = found || written(lhs)
				}
			case *ast.IncDecStmt:
				found = found || written(n.X)
			}
			return !found
		})
	}
	if len(read) > 0 {
		check(ifs.Body)
		if ifs.Else != nil {
			check(ifs.Else)
		}
	}
	return found
}

func isInteger(t types.Type) bool {
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Info()&types.IsInteger != 0
}

// loopBody returns the body of a for or range statement.
func loopBody(n ast.Node) *ast.BlockStmt {
	switch n := n.(type) {
	case *ast.ForStmt:
		return n.Body
	case *ast.RangeStmt:
		return n.Body
	}
	return nil
}

// acquiresFirst reports whether fn is a function literal whose first
// statement other than defer acquires a semaphore: a send of a token
// (struct{}{}, a constant) or (*semaphore.Weighted).Acquire. The goroutines
// still pile up, but their work is bounded, so the analyzer stays silent.
func (c *checker) acquiresFirst(fn ast.Expr) bool {
	lit, ok := ast.Unparen(fn).(*ast.FuncLit)
	if !ok || lit.Body == nil {
		return false
	}
	for _, s := range lit.Body.List {
		if _, ok := s.(*ast.DeferStmt); ok {
			continue
		}
		if send, ok := s.(*ast.SendStmt); ok {
			return c.isToken(send.Value)
		}
		acquires := false
		ast.Inspect(s, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncLit, *ast.BlockStmt:
				return false // not the statement's own calls
			case *ast.CallExpr:
				if analysisutil.IsFunc(c.pass.TypesInfo, n, semAcquire, semTryAcquire) {
					acquires = true
				}
			}
			return !acquires
		})
		return acquires
	}
	return false
}

// handsSemaphore reports whether the spawned goroutine uses a semaphore:
// a *semaphore.Weighted, or a chan struct{} made with a capacity that is
// not the length of something (a done channel sized len(reqs) is not a
// semaphore). The goroutine may acquire it deep in the function it calls.
func (c *checker) handsSemaphore(sp spawn) bool {
	info := c.pass.TypesInfo
	for cur := range sp.cur.Preorder((*ast.Ident)(nil)) {
		v, ok := info.Uses[cur.Node().(*ast.Ident)].(*types.Var)
		if !ok {
			continue
		}
		if analysisutil.IsNamedType(v.Type(), "golang.org/x/sync/semaphore", "Weighted") {
			return true
		}
		ch, ok := v.Type().Underlying().(*types.Chan)
		if !ok {
			continue
		}
		if st, ok := ch.Elem().Underlying().(*types.Struct); !ok || st.NumFields() != 0 {
			continue
		}
		if n, ok := c.varState().makeLen[v]; ok && lenArg(info, n) == nil {
			return true
		}
	}
	return false
}

// isToken reports whether e is a semaphore token: an empty struct value or
// a constant.
func (c *checker) isToken(e ast.Expr) bool {
	tv, ok := c.pass.TypesInfo.Types[e]
	if !ok || tv.Type == nil {
		return false
	}
	if tv.Value != nil {
		return true
	}
	st, ok := tv.Type.Underlying().(*types.Struct)
	return ok && st.NumFields() == 0
}
