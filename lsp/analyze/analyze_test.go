package analyze_test

import (
	"context"
	"go/ast"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/analysis/passes/lostcancel"
	"golang.org/x/tools/go/analysis/passes/waitgroup"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/asyncbook/asyncbook/analyzers/registry"
	"github.com/asyncbook/asyncbook/lsp/analyze"
	"github.com/asyncbook/asyncbook/lsp/load"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const src = `package p

import (
	"context"
	"sync"
	"time"
)

func Leak(parent context.Context) {
	ctx, _ := context.WithTimeout(parent, time.Second)
	<-ctx.Done()
}

func Fine(parent context.Context) {
	ctx, cancel := context.WithTimeout(parent, time.Second)
	defer cancel()
	<-ctx.Done()
}

func AddInside() {
	var wg sync.WaitGroup
	go func() {
		wg.Add(1)
		defer wg.Done()
	}()
	wg.Wait()
}
`

func loadSrc(t *testing.T, text string) *load.Result {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, "p")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "go.mod"), []byte("module example.com/m\n\ngo 1.26\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "p.go"), []byte(text), 0o644))
	res, err := load.New(nil).Load(context.Background(), load.Request{Dir: dir})
	require.NoError(t, err)
	require.Empty(t, res.Errors)
	return res
}

func TestRunFindsTheSuitesFindings(t *testing.T) {
	res := loadSrc(t, src)
	findings, errs := analyze.Run([]*analysis.Analyzer{lostcancel.Analyzer, waitgroup.Analyzer}, res.Packages, res.Sources)
	require.Empty(t, errs)
	byAnalyzer := map[string]analyze.Finding{}
	for _, f := range findings {
		byAnalyzer[f.Analyzer] = f
	}
	require.Contains(t, byAnalyzer, "lostcancel")
	require.Contains(t, byAnalyzer, "waitgroup")
	assert.Len(t, findings, 2, "Fine is not flagged")

	lc := byAnalyzer["lostcancel"]
	text := string(res.Sources[lc.File])
	assert.Equal(t, "_", text[lc.Start:lc.End], "lostcancel marks the discarded cancel")
	assert.Contains(t, lc.Message, "cancel")
	assert.NotEmpty(t, lc.URL)

	wg := byAnalyzer["waitgroup"]
	lineStart := strings.LastIndex(text[:wg.Start], "\n") + 1
	lineEnd := wg.Start + strings.Index(text[wg.Start:], "\n")
	assert.Equal(t, "\t\twg.Add(1)", text[lineStart:lineEnd], "waitgroup marks the Add inside the goroutine")
}

// pairs is a test analyzer that reports each call to a function named
// "send" with a related position (the next call to "recv") and a fix.
var pairs = &analysis.Analyzer{
	Name:     "pairs",
	Doc:      "report send calls\n\nWRONG:\n\n\tsend()\n\nRIGHT:\n\n\tsendBuffered()",
	URL:      "https://example.com/pairs",
	Requires: []*analysis.Analyzer{inspect.Analyzer},
	Run: func(pass *analysis.Pass) (any, error) {
		ins := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
		var sends, recvs []*ast.CallExpr
		ins.Preorder([]ast.Node{(*ast.CallExpr)(nil)}, func(n ast.Node) {
			call := n.(*ast.CallExpr)
			if id, ok := call.Fun.(*ast.Ident); ok {
				switch id.Name {
				case "send":
					sends = append(sends, call)
				case "recv":
					recvs = append(recvs, call)
				case "boom":
					panic("boom")
				}
			}
		})
		for i, s := range sends {
			d := analysis.Diagnostic{Pos: s.Pos(), End: s.End(), Message: "send may block"}
			if i < len(recvs) {
				d.Related = []analysis.RelatedInformation{{Pos: recvs[i].Pos(), End: recvs[i].End(), Message: "the receiver"}}
			}
			d.SuggestedFixes = []analysis.SuggestedFix{{Message: "buffer it", TextEdits: []analysis.TextEdit{
				{Pos: s.Fun.Pos(), End: s.Fun.End(), NewText: []byte("sendBuffered")},
			}}}
			pass.Report(d)
		}
		return nil, nil
	},
}

func TestRunTheRegistrysSuite(t *testing.T) {
	res := loadSrc(t, src)
	findings, errs := analyze.Run(registry.All(), res.Packages, res.Sources)
	require.Empty(t, errs, "the suite runs cleanly on the loader's packages")
	var names []string
	for _, f := range findings {
		names = append(names, f.Analyzer)
	}
	assert.Contains(t, names, "lostcancel")
	assert.Contains(t, names, "waitgroup")
}

func TestRunKeepsRelatedInformationAndFixes(t *testing.T) {
	res := loadSrc(t, "package p\n\nfunc send() {}\nfunc recv() {}\nfunc sendBuffered() {}\n\n// é😀\nfunc F() {\n\tsend()\n\trecv()\n}\n")
	findings, errs := analyze.Run([]*analysis.Analyzer{pairs}, res.Packages, res.Sources)
	require.Empty(t, errs)
	require.Len(t, findings, 1)
	f := findings[0]
	text := string(res.Sources[f.File])
	assert.Equal(t, "send()", text[f.Start:f.End])
	assert.Equal(t, "https://example.com/pairs", f.URL)
	require.Len(t, f.Related, 1)
	assert.Equal(t, "recv()", text[f.Related[0].Start:f.Related[0].End])
	assert.Equal(t, "the receiver", f.Related[0].Message)
	require.Len(t, f.Fixes, 1)
	require.Len(t, f.Fixes[0].Edits, 1)
	e := f.Fixes[0].Edits[0]
	assert.Equal(t, "send", text[e.Start:e.End])
	assert.Equal(t, "sendBuffered", e.NewText)
}

func TestRunSurvivesAPanickingAnalyzer(t *testing.T) {
	res := loadSrc(t, "package p\n\nfunc boom() {}\n\nfunc F() { boom() }\n")
	findings, errs := analyze.Run([]*analysis.Analyzer{pairs}, res.Packages, res.Sources)
	assert.Empty(t, findings)
	require.Len(t, errs, 1)
	assert.Contains(t, errs[0].Error(), "panicked: boom")
}

func TestRunWithoutAnalyzersOrPackages(t *testing.T) {
	findings, errs := analyze.Run(nil, nil, nil)
	assert.Empty(t, findings)
	assert.Empty(t, errs)
}
