package server_test

import (
	"fmt"
	"go/ast"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.lsp.dev/protocol"
	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/asyncbook/asyncbook/analyzers/registry"
	"github.com/asyncbook/asyncbook/lsp/catalog"
	"github.com/asyncbook/asyncbook/lsp/lsptest"
	"github.com/asyncbook/asyncbook/lsp/position"
	"github.com/asyncbook/asyncbook/lsp/server"
	"github.com/asyncbook/asyncbook/workbook"
)

// unbuffered is a test analyzer that knows both ends: it reports a send on
// an unbuffered channel made by make(chan T), with the receive as related
// information, and suggests buffering the channel.
var unbuffered = &analysis.Analyzer{
	Name:     "unbuffered",
	Doc:      "unbuffered: report sends on unbuffered channels\n\nA send on an unbuffered channel blocks until a receiver takes it.\n\n\t// WRONG\n\tch := make(chan int)\n\n\t// RIGHT\n\tch := make(chan int, 1)\n",
	URL:      "https://example.com/unbuffered",
	Requires: []*analysis.Analyzer{inspect.Analyzer},
	Run: func(pass *analysis.Pass) (any, error) {
		ins := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
		var makes []*ast.CallExpr
		var sends []*ast.SendStmt
		var recvs []*ast.UnaryExpr
		ins.Preorder([]ast.Node{(*ast.CallExpr)(nil), (*ast.SendStmt)(nil), (*ast.UnaryExpr)(nil)}, func(n ast.Node) {
			switch n := n.(type) {
			case *ast.CallExpr:
				if id, ok := n.Fun.(*ast.Ident); ok && id.Name == "make" && len(n.Args) == 1 {
					if _, ok := n.Args[0].(*ast.ChanType); ok {
						makes = append(makes, n)
					}
				}
			case *ast.SendStmt:
				sends = append(sends, n)
			case *ast.UnaryExpr:
				if n.Op.String() == "<-" {
					recvs = append(recvs, n)
				}
			}
		})
		for i, s := range sends {
			d := analysis.Diagnostic{Pos: s.Pos(), End: s.End(), Message: "send on an unbuffered channel may block forever"}
			if i < len(recvs) {
				d.Related = []analysis.RelatedInformation{{Pos: recvs[i].Pos(), End: recvs[i].End(), Message: "the receiver, which may return first"}}
			}
			if i < len(makes) {
				m := makes[i]
				d.SuggestedFixes = []analysis.SuggestedFix{{Message: "buffer the channel", TextEdits: []analysis.TextEdit{
					{Pos: m.Rparen, End: m.Rparen, NewText: []byte(", 1")},
				}}}
			}
			pass.Report(d)
		}
		return nil, nil
	},
}

const chanSrc = `package p

// Naïve: the sender blocks if nobody receives. 😀
func First() int {
	ch := make(chan int)
	go func() { ch <- 1 }()
	return <-ch
}
`

// withUnbuffered is a suite of the unbuffered analyzer alone.
var withUnbuffered = []registry.Entry{{Analyzer: unbuffered, Profile: registry.Default, Severity: registry.Warning}}

func lookupWithUnbuffered(name string) *analysis.Analyzer {
	if name == "unbuffered" {
		return unbuffered
	}
	return registry.Lookup(name)
}

func TestQuickFixesAndRelatedInformation(t *testing.T) {
	root := module(t, map[string]string{"p/p.go": chanSrc})
	u := fileURI(filepath.Join(root, "p", "p.go"))
	h := start(t, server.Options{Entries: withUnbuffered, Lookup: lookupWithUnbuffered})
	h.initialize(nil)
	h.open(u, 1, chanSrc)
	d := h.diagnostics(u, lsptest.AtVersion(1))
	require.Len(t, d.Diagnostics, 1)
	diag := d.Diagnostics[0]
	assert.Equal(t, span(t, chanSrc, "ch <- 1"), diag.Range)
	require.Len(t, diag.RelatedInformation, 1)
	assert.Equal(t, u, diag.RelatedInformation[0].Location.URI)
	assert.Equal(t, span(t, chanSrc, "<-ch"), diag.RelatedInformation[0].Location.Range, "the other end")
	assert.Equal(t, "the receiver, which may return first", diag.RelatedInformation[0].Message)

	var actions []protocol.CodeAction
	require.NoError(t, h.c.Call(ctxT(t), "textDocument/codeAction", map[string]any{
		"textDocument": map[string]any{"uri": u},
		"range":        span(t, chanSrc, "1 }()"),
		"context":      map[string]any{"diagnostics": []any{diag}, "only": []string{"quickfix"}},
	}, &actions))
	require.Len(t, actions, 2, "the fix and the analyzer's first hint")
	fix := actions[0]
	assert.Equal(t, "buffer the channel", fix.Title)
	assert.Equal(t, protocol.QuickFix, fix.Kind)
	assert.True(t, fix.IsPreferred)
	require.NotNil(t, fix.Edit)
	edits := fix.Edit.Changes[u]
	require.Len(t, edits, 1)
	at := pos(t, chanSrc, ")\n\tgo func")
	assert.Equal(t, protocol.TextEdit{Range: protocol.Range{Start: at, End: at}, NewText: ", 1"}, edits[0])
	assert.Equal(t, "Hint 1/2: report sends on unbuffered channels", actions[1].Title)

	// Filtering by kind: only the guide's kind asks for nothing here.
	require.NoError(t, h.c.Call(ctxT(t), "textDocument/codeAction", map[string]any{
		"textDocument": map[string]any{"uri": u}, "range": diag.Range,
		"context": map[string]any{"diagnostics": []any{}, "only": []string{"refactor"}},
	}, &actions))
	assert.Empty(t, actions)

	// Applying the fix (as the editor would) clears the finding.
	h.edit(u, 2, edits[0].Range, edits[0].NewText)
	d = h.diagnostics(u, lsptest.AtVersion(2))
	assert.Len(t, d.Diagnostics, 1, "the test analyzer is naive: it still sees the send")
	assert.Equal(t, 0, h.shutdownAndExit())
}

func TestHoverExplainsAFinding(t *testing.T) {
	root := module(t, map[string]string{"p/p.go": leaky})
	u := fileURI(filepath.Join(root, "p", "p.go"))
	h := start(t, server.Options{})
	h.initialize(nil)
	h.open(u, 1, leaky)
	h.diagnostics(u, lsptest.AtVersion(1))

	var hover protocol.Hover
	require.NoError(t, h.c.Call(ctxT(t), "textDocument/hover", map[string]any{
		"textDocument": map[string]any{"uri": u}, "position": pos(t, leaky, "(1)\n\t\t\tdefer"), // waitgroup marks Add's "("
	}, &hover))
	md := hover.Contents.Value
	assert.Equal(t, protocol.Markdown, hover.Contents.Kind)
	assert.Contains(t, md, "**waitgroup**: WaitGroup.Add called from inside new goroutine")
	assert.Contains(t, md, "WRONG:\n```go\n")
	assert.Contains(t, md, "RIGHT:\n```go\n")
	assert.Contains(t, md, "(https://pkg.go.dev/golang.org/x/tools/go/analysis/passes/waitgroup)")
	require.NotNil(t, hover.Range)

	var none *protocol.Hover
	require.NoError(t, h.c.Call(ctxT(t), "textDocument/hover", map[string]any{
		"textDocument": map[string]any{"uri": u}, "position": pos(t, leaky, "package p"),
	}, &none))
	assert.Nil(t, none, "no finding, no hover")
	assert.Equal(t, 0, h.shutdownAndExit())
}

func TestHintsFromAnalyzerDocsAreProgressive(t *testing.T) {
	root := module(t, map[string]string{"p/p.go": leaky})
	u := fileURI(filepath.Join(root, "p", "p.go"))
	h := start(t, server.Options{})
	h.initialize(nil)
	h.open(u, 1, leaky)
	h.diagnostics(u, lsptest.AtVersion(1))

	hintTitle := func() string {
		var actions []protocol.CodeAction
		require.NoError(t, h.c.Call(ctxT(t), "textDocument/codeAction", map[string]any{
			"textDocument": map[string]any{"uri": u}, "range": span(t, leaky, "wg.Add(1)"), "context": map[string]any{"diagnostics": []any{}},
		}, &actions))
		for _, a := range actions {
			if a.Kind == server.KindHint {
				return a.Title
			}
		}
		return ""
	}
	assert.Equal(t, "Hint 1/2: check for misuses of sync.WaitGroup", hintTitle())
	var res server.HintResult
	args := map[string]any{"uri": u, "analyzer": "waitgroup"}
	require.NoError(t, h.c.Call(ctxT(t), "workspace/executeCommand", map[string]any{"command": server.CmdHint, "arguments": []any{args}}, &res))
	assert.Equal(t, server.HintResult{N: 1, Total: 2, Title: "check for misuses of sync.WaitGroup", Body: res.Body}, res)
	assert.Contains(t, res.Body, "inside a new goroutine")
	assert.Equal(t, "Hint 2/2: what the right code looks like", hintTitle())
	require.NoError(t, h.c.Call(ctxT(t), "workspace/executeCommand", map[string]any{"command": server.CmdHint, "arguments": []any{args}}, &res))
	assert.Contains(t, res.Body, "wg.Add(1)\ngo func() {")
	assert.Equal(t, "Hint 2/2: what the right code looks like", hintTitle(), "the last hint stays")

	m, err := h.c.Await(ctxT(t), "the hint shown", func(m lsptest.Message) bool {
		return m.Method == "window/showMessage" && strings.Contains(string(m.Params), "Hint 1/2")
	})
	require.NoError(t, err)
	assert.Contains(t, string(m.Params), "inside a new goroutine")

	err = h.c.Call(ctxT(t), "workspace/executeCommand", map[string]any{"command": "asyncbook.nope"}, nil)
	var rerr *lsptest.ResponseError
	require.ErrorAs(t, err, &rerr)
	assert.EqualValues(t, -32602, rerr.Code)
	assert.Equal(t, 0, h.shutdownAndExit())
}

// exerciseWorkspace copies the workspace and makes a practice copy of
// batch-inference with a leaking Solve.
func exerciseWorkspace(t *testing.T) (root, solve, text string) {
	t.Helper()
	root = lsptest.Workspace(t)
	wb, err := workbook.Open(root)
	require.NoError(t, err)
	e, err := wb.Lookup("batch-inference")
	require.NoError(t, err)
	src, err := wb.SolveSource(e)
	require.NoError(t, err)
	text = lsptest.PrependToSolve(t, string(src), "stuck := make(chan int)\ngo func() { <-stuck }()")
	dir := wb.PracticePath(e)
	require.NoError(t, workbook.WritePractice(dir, []byte(text), []byte(`package practice

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/asyncbook/asyncbook/exercises/batchinference"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestProperties(t *testing.T) { batchinference.Suite().Run(t, Solve) }
`)))
	return root, filepath.Join(dir, workbook.SolveFile), text
}

func TestExerciseLensesHintsAndGuide(t *testing.T) {
	root, solve, text := exerciseWorkspace(t)
	u := fileURI(solve)
	h := start(t, server.Options{Catalog: catalog.NewWorkbooks(t.Logf)})
	h.initialize(nil)
	h.open(u, 1, text)
	h.diagnostics(u, lsptest.AtVersion(1))

	var lenses []protocol.CodeLens
	require.NoError(t, h.c.Call(ctxT(t), "textDocument/codeLens", map[string]any{"textDocument": map[string]any{"uri": u}}, &lenses))
	require.Len(t, lenses, 2)
	start := pos(t, text, "Solve(ctx")
	assert.Equal(t, protocol.Range{Start: start, End: protocol.Position{Line: start.Line, Character: start.Character + 5}}, lenses[0].Range)
	assert.Equal(t, server.CmdCheckExercise, lenses[0].Command.Command)
	assert.Regexp(t, `^Next hint \(1/\d+\)$`, lenses[1].Command.Title)

	var actions []protocol.CodeAction
	require.NoError(t, h.c.Call(ctxT(t), "textDocument/codeAction", map[string]any{
		"textDocument": map[string]any{"uri": u}, "range": span(t, text, "stuck := make"), "context": map[string]any{"diagnostics": []any{}},
	}, &actions))
	require.Len(t, actions, 2)
	assert.Regexp(t, `^Hint 1/\d+: `, actions[0].Title)
	assert.Equal(t, "Open interview guide", actions[1].Title)

	var res server.HintResult
	require.NoError(t, h.c.Call(ctxT(t), "workspace/executeCommand", map[string]any{"command": server.CmdHint, "arguments": actions[0].Command.Arguments}, &res))
	assert.Equal(t, 1, res.N)
	b, err := os.ReadFile(filepath.Join(root, "practice", "progress.json"))
	require.NoError(t, err)
	assert.Contains(t, string(b), `"hints_shown": 1`, "the workbook records the hint, as `asyncbook hint` does")
	require.NoError(t, h.c.Call(ctxT(t), "textDocument/codeLens", map[string]any{"textDocument": map[string]any{"uri": u}}, &lenses))
	assert.Regexp(t, `^Next hint \(2/\d+\)$`, lenses[1].Command.Title)

	// An editor key binding may send only the file: its exercise's next hint.
	require.NoError(t, h.c.Call(ctxT(t), "workspace/executeCommand", map[string]any{"command": server.CmdHint, "arguments": []any{map[string]any{"uri": u}}}, &res))
	assert.Equal(t, 2, res.N)

	require.NoError(t, h.c.Call(ctxT(t), "workspace/executeCommand", map[string]any{"command": server.CmdOpenGuide, "arguments": actions[1].Command.Arguments}, nil))
	m, err := h.c.Await(ctxT(t), "showDocument", func(m lsptest.Message) bool { return m.Method == "window/showDocument" })
	require.NoError(t, err)
	assert.Contains(t, string(m.Params), fileURI(filepath.Join(root, "exercises", "batchinference", "guide.md")))
	assert.Equal(t, 0, h.shutdownAndExit())
}

func TestCheckExerciseCanBeCancelled(t *testing.T) {
	_, solve, text := exerciseWorkspace(t)
	u := fileURI(solve)
	h := start(t, server.Options{Catalog: catalog.NewWorkbooks(t.Logf)})
	h.initialize(nil)
	h.open(u, 1, text)

	p, err := h.c.Start("workspace/executeCommand", map[string]any{
		"command": server.CmdCheckExercise, "arguments": []any{map[string]any{"uri": u}}, "workDoneToken": "tok-1",
	})
	require.NoError(t, err)
	_, err = h.c.Await(ctxT(t), "the check's progress", func(m lsptest.Message) bool {
		return m.Method == "$/progress" && strings.Contains(string(m.Params), `"report"`)
	})
	require.NoError(t, err)
	require.NoError(t, h.c.Notify("window/workDoneProgress/cancel", map[string]any{"token": "tok-1"}))
	err = p.Wait(ctxT(t), nil)
	var rerr *lsptest.ResponseError
	require.ErrorAs(t, err, &rerr)
	assert.EqualValues(t, -32800, rerr.Code)
	_, err = h.c.Await(ctxT(t), "the progress's end", func(m lsptest.Message) bool {
		return m.Method == "$/progress" && strings.Contains(string(m.Params), `"end"`) && strings.Contains(string(m.Params), `"tok-1"`)
	})
	require.NoError(t, err)
	assert.Equal(t, 0, h.shutdownAndExit())
}

func TestUntrustedWorkspaceRefusesChecks(t *testing.T) {
	_, solve, text := exerciseWorkspace(t)
	u := fileURI(solve)
	h := start(t, server.Options{Catalog: catalog.NewWorkbooks(t.Logf)})
	h.initialize(map[string]any{"asyncbook": map[string]any{"trusted": false}})
	h.open(u, 1, text)
	h.diagnostics(u, lsptest.AtVersion(1)) // analysis goes on

	var lenses []protocol.CodeLens
	require.NoError(t, h.c.Call(ctxT(t), "textDocument/codeLens", map[string]any{"textDocument": map[string]any{"uri": u}}, &lenses))
	for _, l := range lenses {
		assert.NotEqual(t, server.CmdCheckExercise, l.Command.Command, "no Check lens in an untrusted workspace")
	}
	err := h.c.Call(ctxT(t), "workspace/executeCommand", map[string]any{"command": server.CmdCheckExercise, "arguments": []any{map[string]any{"uri": u}}}, nil)
	var rerr *lsptest.ResponseError
	require.ErrorAs(t, err, &rerr)
	assert.Contains(t, rerr.Message, "not trusted")

	// Once the user trusts the workspace, the lens comes back.
	require.NoError(t, h.c.Notify("workspace/didChangeConfiguration", map[string]any{"settings": map[string]any{"asyncbook": map[string]any{"trusted": true}}}))
	require.Eventually(t, func() bool {
		var ls []protocol.CodeLens
		if h.c.Call(ctxT(t), "textDocument/codeLens", map[string]any{"textDocument": map[string]any{"uri": u}}, &ls) != nil {
			return false
		}
		for _, l := range ls {
			if l.Command.Command == server.CmdCheckExercise {
				return true
			}
		}
		return false
	}, 30*time.Second, 20*time.Millisecond)
	assert.Equal(t, 0, h.shutdownAndExit())
}

func TestCheckOutsideAnExercise(t *testing.T) {
	root := module(t, map[string]string{"p/p.go": leaky})
	u := fileURI(filepath.Join(root, "p", "p.go"))
	h := start(t, server.Options{Catalog: catalog.NewWorkbooks(t.Logf)})
	h.initialize(nil)
	h.open(u, 1, leaky)
	err := h.c.Call(ctxT(t), "workspace/executeCommand", map[string]any{"command": server.CmdCheckExercise, "arguments": []any{map[string]any{"uri": u}}}, nil)
	var rerr *lsptest.ResponseError
	require.ErrorAs(t, err, &rerr)
	assert.EqualValues(t, -32602, rerr.Code)
	var lenses []protocol.CodeLens
	require.NoError(t, h.c.Call(ctxT(t), "textDocument/codeLens", map[string]any{"textDocument": map[string]any{"uri": u}}, &lenses))
	assert.Empty(t, lenses)
	assert.Equal(t, 0, h.shutdownAndExit())
}

// applyEdits applies LSP text edits to text, as an editor does.
func applyEdits(text string, edits []protocol.TextEdit) string {
	m := position.NewMapper(text)
	sort.Slice(edits, func(i, j int) bool { return m.Offset(edits[i].Range.Start) > m.Offset(edits[j].Range.Start) })
	for _, e := range edits {
		s, end := m.Offsets(e.Range)
		text = text[:s] + e.NewText + text[end:]
	}
	return text
}

func TestTheRegistrysSuite(t *testing.T) {
	root := module(t, map[string]string{"p/p.go": leaky})
	u := fileURI(filepath.Join(root, "p", "p.go"))
	h := start(t, server.Options{Entries: registry.Entries()})
	h.initialize(nil)
	h.open(u, 1, leaky)
	d := h.diagnostics(u, lsptest.AtVersion(1))
	assert.True(t, lsptest.HasCode(d.Diagnostics, "waitgroup"), lsptest.Summary(d.Diagnostics))

	// asyncbook's own analyzers know the other end of what they report,
	// and how to fix it: take a finding with related information and a
	// quick fix, apply the fix, and the finding goes.
	var fixed bool
	for _, diag := range d.Diagnostics {
		if len(diag.RelatedInformation) == 0 {
			continue
		}
		assert.Equal(t, u, diag.RelatedInformation[0].Location.URI)
		var actions []protocol.CodeAction
		require.NoError(t, h.c.Call(ctxT(t), "textDocument/codeAction", map[string]any{
			"textDocument": map[string]any{"uri": u}, "range": diag.Range,
			"context": map[string]any{"diagnostics": []any{diag}, "only": []string{"quickfix"}},
		}, &actions))
		for _, a := range actions {
			if a.Kind != protocol.QuickFix || a.Edit == nil {
				continue
			}
			next := applyEdits(leaky, a.Edit.Changes[u])
			require.NoError(t, h.c.Notify("textDocument/didChange", map[string]any{
				"textDocument": map[string]any{"uri": u, "version": 2}, "contentChanges": []any{map[string]any{"text": next}},
			}))
			after := h.diagnostics(u, lsptest.AtVersion(2))
			assert.False(t, lsptest.HasCode(after.Diagnostics, fmt.Sprint(diag.Code)), "%s: %q fixed %s", diag.Code, a.Title, lsptest.Summary(after.Diagnostics))
			fixed = true
			break
		}
		if fixed {
			break
		}
	}
	assert.True(t, fixed, "some finding comes with related information and a quick fix: %s", lsptest.Summary(d.Diagnostics))
	assert.Equal(t, 0, h.shutdownAndExit())
}
