package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
	"go.uber.org/goleak"

	"github.com/asyncbook/asyncbook/lsp/lsptest"
	"github.com/asyncbook/asyncbook/workbook"
)

// binary is the asyncbook command built once for the end-to-end tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "asyncbook-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "asyncbook")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build asyncbook: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	// goleak.VerifyTestMain exits the process itself: remove the binary
	// once the tests have run, before goleak looks for leftovers.
	goleak.VerifyTestMain(cleanupAfter{m, func() { os.RemoveAll(dir) }})
}

// cleanupAfter runs the tests, then cleanup.
type cleanupAfter struct {
	m       *testing.M
	cleanup func()
}

func (c cleanupAfter) Run() int {
	defer c.cleanup()
	return c.m.Run()
}

const e2eTimeout = 90 * time.Second

func e2eCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), e2eTimeout)
	t.Cleanup(cancel)
	return ctx
}

// session is `asyncbook lsp` running as a process, driven over its stdio.
type session struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	c      *lsptest.Client
	stderr *strings.Builder
	waited chan error
}

func startLSP(t *testing.T, dir string) *session {
	t.Helper()
	cmd := exec.Command(binary, "lsp")
	cmd.Dir = dir
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	s := &session{t: t, cmd: cmd, stdin: stdin, stderr: &strings.Builder{}, waited: make(chan error, 1)}
	cmd.Stderr = s.stderr
	require.NoError(t, cmd.Start())
	s.c = lsptest.New(stdout, stdin)
	go func() {
		<-s.c.Done() // read everything before Wait closes the pipe
		s.waited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		stdin.Close()
		select {
		case <-s.waited:
		case <-time.After(e2eTimeout):
			cmd.Process.Kill()
			<-s.waited
			t.Error("asyncbook lsp did not end when its client went away")
		}
	})
	return s
}

// exitCode waits for the process and returns its status.
func (s *session) exitCode() int {
	s.t.Helper()
	select {
	case err := <-s.waited:
		s.waited <- err // for the cleanup
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode()
		}
		require.NoError(s.t, err)
		return 0
	case <-time.After(e2eTimeout):
		s.t.Fatalf("asyncbook lsp did not exit; stderr:\n%s", s.stderr)
		return -1
	}
}

func (s *session) initialize(options any) {
	s.t.Helper()
	params := map[string]any{
		"processId": os.Getpid(),
		"rootUri":   uri.File(s.cmd.Dir), // the folder the editor opened, as editors send it
		"capabilities": map[string]any{
			"window": map[string]any{"workDoneProgress": true, "showDocument": map[string]any{"support": true}},
		},
	}
	if options != nil {
		params["initializationOptions"] = options
	}
	var res protocol.InitializeResult
	require.NoError(s.t, s.c.Call(e2eCtx(s.t), "initialize", params, &res))
	require.Equal(s.t, "asyncbook", res.ServerInfo.Name)
	require.NoError(s.t, s.c.Notify("initialized", map[string]any{}))
}

func (s *session) open(u protocol.DocumentURI, text string) {
	s.t.Helper()
	require.NoError(s.t, s.c.Notify("textDocument/didOpen", map[string]any{
		"textDocument": map[string]any{"uri": u, "languageId": "go", "version": 1, "text": text},
	}))
}

func (s *session) diagnostics(u protocol.DocumentURI, match func(protocol.PublishDiagnosticsParams) bool) protocol.PublishDiagnosticsParams {
	s.t.Helper()
	p, err := s.c.AwaitDiagnostics(e2eCtx(s.t), u, match)
	require.NoError(s.t, err, "stderr:\n%s", s.stderr)
	return p
}

func (s *session) command(name string, args map[string]any, result any) error {
	return s.c.Call(e2eCtx(s.t), "workspace/executeCommand", map[string]any{"command": name, "arguments": []any{args}}, result)
}

func (s *session) endCleanly() {
	s.t.Helper()
	require.NoError(s.t, s.c.Call(e2eCtx(s.t), "shutdown", nil, nil))
	require.NoError(s.t, s.c.Notify("exit", nil))
	assert.Equal(s.t, 0, s.exitCode(), "stderr:\n%s", s.stderr)
}

// position returns needle's LSP position in text (UTF-16 columns).
func position(t *testing.T, text, needle string) protocol.Position {
	t.Helper()
	i := strings.Index(text, needle)
	require.GreaterOrEqual(t, i, 0, "%q not in the text", needle)
	lineStart := strings.LastIndex(text[:i], "\n") + 1
	col := 0
	for _, r := range text[lineStart:i] {
		col++
		if r > 0xFFFF {
			col++
		}
	}
	return protocol.Position{Line: uint32(strings.Count(text[:i], "\n")), Character: uint32(col)}
}

// practiceCopy makes a workspace and a practice copy of batch-inference
// whose Solve is the sequential implementation edited by edit.
func practiceCopy(t *testing.T, edit func(string) string) (root, solve string) {
	t.Helper()
	root = lsptest.Workspace(t)
	wb, err := workbook.Open(root)
	require.NoError(t, err)
	e, err := wb.Lookup("batch-inference")
	require.NoError(t, err)
	src, err := wb.SolveSource(e)
	require.NoError(t, err)
	test := `package practice

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/asyncbook/asyncbook/exercises/batchinference"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestProperties(t *testing.T) { batchinference.Suite().Run(t, Solve) }
`
	dir := wb.PracticePath(e)
	require.NoError(t, workbook.WritePractice(dir, []byte(edit(string(src))), []byte(test)))
	return root, filepath.Join(dir, workbook.SolveFile)
}

// leakySolve adds a lost cancel and a goroutine that never ends to Solve.
func leakySolve(t *testing.T) func(string) string {
	return func(src string) string {
		return lsptest.PrependToSolve(t, src, `// é😀: columns count UTF-16 units.
/* ü😀 */ _, _ = context.WithCancel(ctx)
stuck := make(chan int)
go func() { <-stuck }()`)
	}
}

func TestLSPExerciseSession(t *testing.T) {
	root, solve := practiceCopy(t, leakySolve(t))
	b, err := os.ReadFile(solve)
	require.NoError(t, err)
	text := string(b)
	u := uri.File(solve)

	s := startLSP(t, root)
	s.initialize(nil)
	s.open(u, text)

	// Diagnostics from the analyzers, at UTF-16 positions.
	d := s.diagnostics(u, func(p protocol.PublishDiagnosticsParams) bool { return lsptest.HasCode(p.Diagnostics, "lostcancel") })
	var lost protocol.Diagnostic
	for _, diag := range d.Diagnostics {
		if diag.Code == "lostcancel" {
			lost = diag
		}
	}
	assert.Equal(t, position(t, text, "_ = context.WithCancel(ctx)"), lost.Range.Start, "the discarded cancel, after UTF-16 text")
	assert.Equal(t, "asyncbook", lost.Source)
	require.NotNil(t, lost.CodeDescription)

	// Hover: the explanation and the link.
	var hover protocol.Hover
	require.NoError(t, s.c.Call(e2eCtx(t), "textDocument/hover", map[string]any{
		"textDocument": map[string]any{"uri": u}, "position": lost.Range.Start,
	}, &hover))
	assert.Contains(t, hover.Contents.Value, "**lostcancel**")
	assert.Contains(t, hover.Contents.Value, string(lost.CodeDescription.Href))
	assert.Contains(t, hover.Contents.Value, "**In this exercise:**", "the guide's note on lostcancel")

	// Code lenses on Solve.
	var lenses []protocol.CodeLens
	require.NoError(t, s.c.Call(e2eCtx(t), "textDocument/codeLens", map[string]any{"textDocument": map[string]any{"uri": u}}, &lenses))
	require.Len(t, lenses, 2)
	assert.Equal(t, position(t, text, "Solve("), lenses[0].Range.Start)
	assert.Equal(t, "Check exercise", lenses[0].Command.Title)
	assert.True(t, strings.HasPrefix(lenses[1].Command.Title, "Next hint (1/"), lenses[1].Command.Title)

	// Hints from the guide, progressively; the guide opens in the editor.
	var actions []protocol.CodeAction
	require.NoError(t, s.c.Call(e2eCtx(t), "textDocument/codeAction", map[string]any{
		"textDocument": map[string]any{"uri": u},
		"range":        protocol.Range{Start: lost.Range.Start, End: lost.Range.Start},
		"context":      map[string]any{"diagnostics": []any{}},
	}, &actions))
	titles := map[string]protocol.CodeAction{}
	for _, a := range actions {
		titles[strings.SplitN(strings.SplitN(a.Title, ":", 2)[0], "/", 2)[0]] = a
	}
	require.Contains(t, titles, "Hint 1", "actions: %v", actions)
	require.Contains(t, titles, "Open interview guide")
	var hint struct{ N, Total int }
	require.NoError(t, s.command("asyncbook.hint", map[string]any{"uri": u, "exercise": "batch-inference"}, &hint))
	assert.Equal(t, 1, hint.N)
	require.NoError(t, s.command("asyncbook.hint", map[string]any{"uri": u, "exercise": "batch-inference"}, &hint))
	assert.Equal(t, 2, hint.N)
	_, err = s.c.Await(e2eCtx(t), "the hint shown", func(m lsptest.Message) bool {
		return m.Method == "window/showMessage" && strings.Contains(string(m.Params), "Hint 2/")
	})
	require.NoError(t, err)
	require.NoError(t, s.c.Call(e2eCtx(t), "textDocument/codeLens", map[string]any{"textDocument": map[string]any{"uri": u}}, &lenses))
	assert.True(t, strings.HasPrefix(lenses[1].Command.Title, "Next hint (3/"), lenses[1].Command.Title)

	require.NoError(t, s.command("asyncbook.openGuide", map[string]any{"uri": u, "exercise": "batch-inference", "guide": titles["Open interview guide"].Command.Arguments[0].(map[string]any)["guide"]}, nil))
	show, err := s.c.Await(e2eCtx(t), "showDocument", func(m lsptest.Message) bool { return m.Method == "window/showDocument" })
	require.NoError(t, err)
	assert.Contains(t, string(show.Params), "/exercises/batchinference/guide.md")

	// Check the exercise: progress, then the leak at its go statement and
	// the failed properties at Solve.
	var check struct {
		Passed  bool
		Summary string
	}
	// The check builds the suite with the race detector and the
	// goroutine-leak profile: in a fresh workspace that build is slow.
	checkCtx, cancelCheck := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancelCheck()
	require.NoError(t, s.c.Call(checkCtx, "workspace/executeCommand", map[string]any{"command": "asyncbook.checkExercise", "arguments": []any{map[string]any{"uri": u, "exercise": "batch-inference"}}}, &check))
	assert.False(t, check.Passed)
	assert.Contains(t, check.Summary, "leaked goroutine")
	// Progress goes out beside the answer: wait for its end.
	_, err = s.c.Await(e2eCtx(t), "the end of the check's progress", func(m lsptest.Message) bool {
		return m.Method == "$/progress" && strings.Contains(string(m.Params), `"kind":"end"`)
	})
	require.NoError(t, err)
	var kinds []string
	for _, m := range s.c.Received() {
		if m.Method == "$/progress" {
			var p struct{ Value struct{ Kind string } }
			require.NoError(t, json.Unmarshal(m.Params, &p))
			kinds = append(kinds, p.Value.Kind)
		}
	}
	require.NotEmpty(t, kinds)
	assert.Equal(t, "begin", kinds[0])
	assert.Contains(t, kinds, "report")
	assert.Equal(t, "end", kinds[len(kinds)-1])

	// The goroutine blocked on a channel nobody else holds is proven leaked
	// by the goroutine-leak profile.
	d = s.diagnostics(u, func(p protocol.PublishDiagnosticsParams) bool { return lsptest.HasCode(p.Diagnostics, "goroutineleak") })
	for _, diag := range d.Diagnostics {
		switch {
		case diag.Code == "goroutineleak":
			assert.Contains(t, diag.Message, "blocked forever on receive from stuck")
			assert.Equal(t, position(t, text, "go func() { <-stuck }()").Line, diag.Range.Start.Line, "at the go statement")
			assert.Equal(t, protocol.DiagnosticSeverityError, diag.Severity)
		case diag.Code == "property:no-leaked-goroutines":
			// The suite knows the goroutine goleak found: its line, not Solve's.
			assert.Equal(t, position(t, text, "go func() { <-stuck }()").Line, diag.Range.Start.Line, "where the leaked goroutine is stuck")
		case strings.HasPrefix(fmt.Sprint(diag.Code), "property:"):
			assert.Equal(t, position(t, text, "Solve(").Line, diag.Range.Start.Line, "%s: at the function to implement", diag.Code)
		}
	}
	assert.True(t, lsptest.HasCode(d.Diagnostics, "lostcancel"), "the live findings stay beside the check's")

	s.endCleanly()
}

func TestLSPProtocolRobustness(t *testing.T) {
	dir := t.TempDir()
	s := startLSP(t, dir)

	// Before initialize.
	err := s.c.Call(e2eCtx(t), "textDocument/hover", map[string]any{}, nil)
	var rerr *lsptest.ResponseError
	require.ErrorAs(t, err, &rerr)
	assert.EqualValues(t, -32002, rerr.Code)

	s.initialize(nil)
	// Malformed JSON, a bad header, an unknown method.
	require.NoError(t, s.c.WriteRaw(lsptest.Frame([]byte(`{"jsonrpc":"2.0","id":5,"method":`))))
	require.NoError(t, s.c.WriteRaw([]byte("Content-Length: many\r\n\r\n{}")))
	_, err = s.c.Await(e2eCtx(t), "a parse error", func(m lsptest.Message) bool { return m.Error != nil && m.Error.Code == -32700 })
	require.NoError(t, err)
	err = s.c.Call(e2eCtx(t), "textDocument/definition", map[string]any{}, nil)
	require.ErrorAs(t, err, &rerr)
	assert.EqualValues(t, -32601, rerr.Code)

	// A file outside any module still gets its findings.
	text := "package main\n\nimport \"time\"\n\nfunc main() {\n\tt := time.NewTicker(time.Second)\n\t<-t.C\n}\n"
	u := uri.File(filepath.Join(dir, "main.go"))
	s.open(u, text)
	d := s.diagnostics(u, lsptest.AtVersion(1))
	assert.Equal(t, []string{"timerstop"}, lsptest.Codes(d.Diagnostics))

	// Exit without shutdown.
	require.NoError(t, s.c.Notify("exit", nil))
	assert.Equal(t, 1, s.exitCode())
}

func TestLSPClientVanishes(t *testing.T) {
	s := startLSP(t, t.TempDir())
	s.initialize(nil)
	require.NoError(t, s.stdin.Close())
	assert.Equal(t, 1, s.exitCode(), "the server exits when its client goes away")
}
