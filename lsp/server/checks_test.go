package server_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.lsp.dev/protocol"

	"github.com/asyncbook/asyncbook/analyzers/registry"
	"github.com/asyncbook/asyncbook/lsp/catalog"
	"github.com/asyncbook/asyncbook/lsp/lsptest"
	"github.com/asyncbook/asyncbook/lsp/server"
)

// fakeCatalog makes every file under root a file of exercise "ex", whose
// check does what check says.
type fakeCatalog struct {
	root  string
	guide string
	check func(ctx context.Context, opts catalog.CheckOptions) (*catalog.CheckResult, error)

	mu    sync.Mutex
	shown int
	opts  []catalog.CheckOptions
}

func (c *fakeCatalog) ExerciseFor(path string) (*catalog.Exercise, bool) {
	if !strings.HasPrefix(path, c.root+string(filepath.Separator)) {
		return nil, false
	}
	return &catalog.Exercise{Slug: "ex", Title: "Ex", Func: "First", GuidePath: c.guide,
		Hints: []catalog.Hint{{N: 1, Title: "one", Body: "b1"}, {N: 2, Title: "two", Body: "b2"}}}, true
}

func (c *fakeCatalog) HintsShown(string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.shown
}

func (c *fakeCatalog) NextHint(string) (catalog.Hint, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.shown = min(c.shown+1, 2)
	return catalog.Hint{N: c.shown, Title: "t", Body: "b"}, nil
}

func (c *fakeCatalog) Check(ctx context.Context, path string, opts catalog.CheckOptions) (*catalog.CheckResult, error) {
	c.mu.Lock()
	c.opts = append(c.opts, opts)
	c.mu.Unlock()
	return c.check(ctx, opts)
}

func (c *fakeCatalog) checks() []catalog.CheckOptions {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]catalog.CheckOptions(nil), c.opts...)
}

func passing(context.Context, catalog.CheckOptions) (*catalog.CheckResult, error) {
	return &catalog.CheckResult{Passed: true, Summary: "passed"}, nil
}

func checkCall(t *testing.T, h *harness, args map[string]any) error {
	t.Helper()
	return h.c.Call(ctxT(t), "workspace/executeCommand", map[string]any{"command": server.CmdCheckExercise, "arguments": []any{args}}, nil)
}

func TestChecksOnlyInsideTheWorkspaceFolders(t *testing.T) {
	inside := module(t, map[string]string{"p/p.go": leaky})
	outside := module(t, map[string]string{"p/p.go": leaky})
	cat := &fakeCatalog{root: filepath.Dir(inside), check: passing} // both are files of the exercise
	require.Equal(t, filepath.Dir(inside), filepath.Dir(outside))
	h := start(t, server.Options{Catalog: cat})
	h.initializeWith(nil, map[string]any{"rootUri": nil, "workspaceFolders": []any{map[string]any{"uri": fileURI(inside), "name": "in"}}})

	require.NoError(t, checkCall(t, h, map[string]any{"uri": fileURI(filepath.Join(inside, "p", "p.go"))}))
	err := checkCall(t, h, map[string]any{"uri": fileURI(filepath.Join(outside, "p", "p.go"))})
	var rerr *lsptest.ResponseError
	require.ErrorAs(t, err, &rerr)
	assert.Contains(t, rerr.Message, "outside the workspace folders")
	// A link inside the folder to the outside does not get in either.
	link := filepath.Join(inside, "link")
	require.NoError(t, os.Symlink(outside, link))
	err = checkCall(t, h, map[string]any{"uri": fileURI(filepath.Join(link, "p", "p.go"))})
	require.ErrorAs(t, err, &rerr)
	assert.Len(t, cat.checks(), 1, "only the check inside ran")

	// The client adds the folder: now it may.
	require.NoError(t, h.c.Notify("workspace/didChangeWorkspaceFolders", map[string]any{"event": map[string]any{
		"added": []any{map[string]any{"uri": fileURI(outside), "name": "out"}}, "removed": []any{},
	}}))
	require.NoError(t, checkCall(t, h, map[string]any{"uri": fileURI(filepath.Join(outside, "p", "p.go"))}))
	assert.Equal(t, 0, h.shutdownAndExit())
}

func TestChecksRefusedWithoutWorkspaceFolders(t *testing.T) {
	root := module(t, map[string]string{"p/p.go": leaky})
	cat := &fakeCatalog{root: root, check: passing}
	h := start(t, server.Options{Catalog: cat})
	h.initializeWith(nil, map[string]any{"rootUri": nil})
	err := checkCall(t, h, map[string]any{"uri": fileURI(filepath.Join(root, "p", "p.go"))})
	var rerr *lsptest.ResponseError
	require.ErrorAs(t, err, &rerr)
	assert.Contains(t, rerr.Message, "no workspace folder")
	assert.Empty(t, cat.checks())
	assert.Equal(t, 0, h.shutdownAndExit())
}

func TestOpenGuideOpensOnlyTheExercisesGuide(t *testing.T) {
	root := module(t, map[string]string{"p/p.go": leaky, "guide.md": "# guide\n"})
	guide := filepath.Join(root, "guide.md")
	h := start(t, server.Options{Catalog: &fakeCatalog{root: root, guide: guide, check: passing}})
	h.initialize(nil)
	u := fileURI(filepath.Join(root, "p", "p.go"))
	open := func(args map[string]any) error {
		return h.c.Call(ctxT(t), "workspace/executeCommand", map[string]any{"command": server.CmdOpenGuide, "arguments": []any{args}}, nil)
	}
	for _, bad := range []map[string]any{
		{"uri": u, "guide": "/etc/shadow"},
		{"uri": u, "guide": "guide.md"},
		{"uri": u, "guide": "../../etc/passwd"},
		{"uri": u, "guide": root + "/p/../../guide.md"},
		{"guide": guide}, // no file of an exercise
		{"uri": "file:///etc/shadow"},
	} {
		var rerr *lsptest.ResponseError
		require.ErrorAs(t, open(bad), &rerr, "%v", bad)
		assert.EqualValues(t, -32602, rerr.Code)
	}
	for _, m := range h.c.Received() {
		assert.NotEqual(t, "window/showDocument", m.Method, "nothing was opened")
	}
	require.NoError(t, open(map[string]any{"uri": u}))
	require.NoError(t, open(map[string]any{"uri": u, "guide": guide}))
	m, err := h.c.Await(ctxT(t), "showDocument", func(m lsptest.Message) bool { return m.Method == "window/showDocument" })
	require.NoError(t, err)
	assert.Contains(t, string(m.Params), string(fileURI(guide)))
	assert.Equal(t, 0, h.shutdownAndExit())
}

// sleeper is a check that runs a real process in its own process group
// and kills the group when its context ends, as the workbook's check
// does; started receives the process's id.
func sleeper(started chan<- int) func(context.Context, catalog.CheckOptions) (*catalog.CheckResult, error) {
	return func(ctx context.Context, _ catalog.CheckOptions) (*catalog.CheckResult, error) {
		cmd := exec.Command("sleep", "3600")
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		started <- cmd.Process.Pid
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			return nil, err
		case <-ctx.Done():
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
			return nil, ctx.Err()
		}
	}
}

func gone(pid int) bool { return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) }

func TestCheckIsCancelledByCancelRequestAndNothingIsLeftRunning(t *testing.T) {
	root := module(t, map[string]string{"p/p.go": leaky})
	started := make(chan int, 1)
	h := start(t, server.Options{Catalog: &fakeCatalog{root: root, check: sleeper(started)}})
	h.initialize(nil)
	p, err := h.c.Start("workspace/executeCommand", map[string]any{
		"command": server.CmdCheckExercise, "arguments": []any{map[string]any{"uri": fileURI(filepath.Join(root, "p", "p.go"))}},
	})
	require.NoError(t, err)
	pid := <-started
	require.False(t, gone(pid))
	require.NoError(t, h.c.Notify("$/cancelRequest", map[string]any{"id": p.ID}))
	err = p.Wait(ctxT(t), nil)
	var rerr *lsptest.ResponseError
	require.ErrorAs(t, err, &rerr)
	assert.EqualValues(t, -32800, rerr.Code)
	assert.True(t, gone(pid), "the check's process is gone once the request is answered")
	assert.Equal(t, 0, h.shutdownAndExit())
}

func TestExitEndsARunningCheck(t *testing.T) {
	root := module(t, map[string]string{"p/p.go": leaky})
	started := make(chan int, 1)
	h := start(t, server.Options{Catalog: &fakeCatalog{root: root, check: sleeper(started)}})
	h.initialize(nil)
	_, err := h.c.Start("workspace/executeCommand", map[string]any{
		"command": server.CmdCheckExercise, "arguments": []any{map[string]any{"uri": fileURI(filepath.Join(root, "p", "p.go"))}},
	})
	require.NoError(t, err)
	pid := <-started
	require.NoError(t, h.c.Notify("exit", nil)) // no shutdown first: the editor went away
	assert.Equal(t, 1, h.wait())
	assert.True(t, gone(pid), "the server's Run returns only once the check's process is gone")
}

// strictInfo is lostcancel in the default profile and waitgroup only in
// the strict one, at information severity.
var strictInfo = []registry.Entry{
	goTeamSuite[0],
	{Analyzer: goTeamSuite[1].Analyzer, Profile: registry.Strict, Severity: registry.Information},
}

func TestProfileSeverityAndTheSettingsFile(t *testing.T) {
	root := module(t, map[string]string{"p/p.go": leaky})
	u := fileURI(filepath.Join(root, "p", "p.go"))
	cat := &fakeCatalog{root: root, check: passing}
	h := start(t, server.Options{Entries: strictInfo, Catalog: cat})
	h.initialize(nil)
	h.open(u, 1, leaky)
	d := h.diagnostics(u, lsptest.AtVersion(1))
	require.Equal(t, []string{"lostcancel"}, lsptest.Codes(d.Diagnostics), "the default profile")
	assert.Equal(t, protocol.DiagnosticSeverityWarning, d.Diagnostics[0].Severity, "the registry's severity")

	// The workspace's settings file, which asyncvet reads too.
	settings := filepath.Join(root, ".asyncbook.json")
	require.NoError(t, os.WriteFile(settings, []byte(`{"profile": "strict", "severity": {"lostcancel": "hint"}}`), 0o644))
	require.NoError(t, h.c.Notify("workspace/didChangeWatchedFiles", map[string]any{"changes": []any{map[string]any{"uri": fileURI(settings), "type": 1}}}))
	d = h.diagnostics(u, func(p protocol.PublishDiagnosticsParams) bool { return len(p.Diagnostics) == 2 })
	assert.Equal(t, protocol.DiagnosticSeverityHint, lsptest.ByCode(d.Diagnostics, "lostcancel").Severity)
	assert.Equal(t, protocol.DiagnosticSeverityInformation, lsptest.ByCode(d.Diagnostics, "waitgroup").Severity)

	// The editor's settings go on top, and with the check.
	require.NoError(t, h.c.Notify("workspace/didChangeConfiguration", map[string]any{"settings": map[string]any{"asyncbook": map[string]any{
		"analyzers": map[string]bool{"lostcancel": false}, "severity": map[string]string{"waitgroup": "warning"},
	}}}))
	d = h.diagnostics(u, func(p protocol.PublishDiagnosticsParams) bool {
		return len(p.Diagnostics) == 1 && lsptest.HasCode(p.Diagnostics, "waitgroup")
	})
	assert.Equal(t, protocol.DiagnosticSeverityWarning, d.Diagnostics[0].Severity)
	require.NoError(t, checkCall(t, h, map[string]any{"uri": u, "settings": map[string]any{"profile": "default"}}))
	require.Len(t, cat.checks(), 1)
	got := cat.checks()[0].Settings
	assert.Equal(t, map[string]bool{"lostcancel": false}, got.Analyzers, "the editor's selection goes with the check")
	assert.Equal(t, registry.Default, got.Profile, "and the command's own on top")
	assert.Equal(t, registry.Warning, got.Severity["waitgroup"])

	// A broken file is said once, and the rest goes on.
	require.NoError(t, os.WriteFile(settings, []byte(`{"analyzers": {"waitgrup": true}}`), 0o644))
	require.NoError(t, h.c.Notify("workspace/didChangeWatchedFiles", map[string]any{"changes": []any{map[string]any{"uri": fileURI(settings), "type": 2}}}))
	m, err := h.c.Await(ctxT(t), "the broken settings file", func(m lsptest.Message) bool {
		return m.Method == "window/showMessage" && strings.Contains(string(m.Params), `did you mean \"waitgroup\"`)
	})
	require.NoError(t, err)
	assert.Contains(t, string(m.Params), settings)
	assert.Equal(t, 0, h.shutdownAndExit())
}

func TestDirectivesInTheEditor(t *testing.T) {
	src := strings.Replace(leaky, "ctx, _ := context.WithTimeout(parent, time.Second)", "ctx, _ := context.WithTimeout(parent, time.Second) //asyncvet:ignore lostcancel the parent ends soon", 1)
	src = strings.Replace(src, "\twg.Wait()\n", "\twg.Wait() //asyncvet:ignore waitgrop nothing here\n", 1)
	root := module(t, map[string]string{"p/p.go": src})
	u := fileURI(filepath.Join(root, "p", "p.go"))
	h := start(t, server.Options{})
	h.initialize(nil)
	h.open(u, 1, src)
	d := h.diagnostics(u, lsptest.AtVersion(1))
	assert.ElementsMatch(t, []string{"waitgroup", "ignore"}, lsptest.Codes(d.Diagnostics), "lostcancel silenced, the misspelt directive reported: %s", lsptest.Summary(d.Diagnostics))
	ig := lsptest.ByCode(d.Diagnostics, "ignore")
	assert.Contains(t, ig.Message, `names no analyzer "waitgrop": did you mean "waitgroup"?`)
	assert.Equal(t, pos(t, src, "//asyncvet:ignore waitgrop"), ig.Range.Start)
	require.NotNil(t, ig.CodeDescription)
	assert.True(t, strings.HasSuffix(string(ig.CodeDescription.Href), "ignore.md#unknown"))

	var hover protocol.Hover
	require.NoError(t, h.c.Call(ctxT(t), "textDocument/hover", map[string]any{"textDocument": map[string]any{"uri": u}, "position": ig.Range.Start}, &hover))
	assert.Contains(t, hover.Contents.Value, "//asyncvet:ignore directives that silence nothing")
	assert.Equal(t, 0, h.shutdownAndExit())
}

// TestCheckProblemsRacesAndProvenLeaks: what a check found (placed by the
// catalog) shows at its place; a proven leak at the go statement of a
// static finding is one diagnostic that says both; both move with edits.
func TestCheckProblemsRacesAndProvenLeaks(t *testing.T) {
	for name, src := range map[string]string{
		"the send on the go statement's line": chanSrc,
		"the send lines below it":             strings.Replace(chanSrc, "go func() { ch <- 1 }()", "go func() {\n\t\tv := 1\n\t\tch <- v\n\t}()", 1),
	} {
		t.Run(name, func(t *testing.T) { checkProblemsRacesAndProvenLeaks(t, src) })
	}
}

func checkProblemsRacesAndProvenLeaks(t *testing.T, chanSrc string) {
	root := module(t, map[string]string{"p/p.go": chanSrc})
	file := filepath.Join(root, "p", "p.go")
	u := fileURI(file)
	goLine := pos(t, chanSrc, "go func()").Line + 1
	retLine := pos(t, chanSrc, "return <-ch").Line + 1
	cat := &fakeCatalog{root: root, check: func(context.Context, catalog.CheckOptions) (*catalog.CheckResult, error) {
		return &catalog.CheckResult{Summary: "1 leaked goroutine, 1 data race", Problems: []catalog.Problem{
			{File: file, Line: int(goLine), Code: catalog.CodeProvenLeak, Message: "a goroutine started here leaked: blocked forever on send to ch, proven by the goroutine-leak profile",
				Related: []catalog.Location{{File: file, Line: int(retLine), Message: "where it is stuck"}}},
			{File: file, Line: int(goLine), Code: catalog.CodeRace, Message: "data race: a write in First.func1 races with a read in First at line 7",
				Related: []catalog.Location{{File: file, Line: int(retLine), Message: "the other access"}}},
			{File: file, Line: int(retLine), Code: catalog.CodeRace, Message: "data race: a read in First races with a write in First.func1 at line 6",
				Related: []catalog.Location{{File: file, Line: int(goLine), Message: "the other access"}}},
		}}, nil
	}}
	h := start(t, server.Options{Entries: withUnbuffered, Lookup: lookupWithUnbuffered, Catalog: cat})
	h.initialize(nil)
	h.open(u, 1, chanSrc)
	h.diagnostics(u, lsptest.AtVersion(1))
	require.NoError(t, checkCall(t, h, map[string]any{"uri": u}))
	d := h.diagnostics(u, func(p protocol.PublishDiagnosticsParams) bool { return lsptest.HasCode(p.Diagnostics, "race") })
	require.Len(t, d.Diagnostics, 3, lsptest.Summary(d.Diagnostics))
	both := lsptest.ByCode(d.Diagnostics, "unbuffered")
	assert.Equal(t, pos(t, chanSrc, "ch <- "), both.Range.Start, "one diagnostic, at the static finding inside the go statement")
	assert.Equal(t, protocol.DiagnosticSeverityError, both.Severity, "proven")
	assert.Contains(t, both.Message, "send on an unbuffered channel may block forever")
	assert.Contains(t, both.Message, "proven by the check: a goroutine started here leaked: blocked forever on send to ch")
	assert.Len(t, both.RelatedInformation, 2, "the receive, and where it is stuck")
	var races []protocol.Diagnostic
	for _, x := range d.Diagnostics {
		if x.Code == "race" {
			races = append(races, x)
		}
	}
	require.Len(t, races, 2, "at both accesses")
	assert.Equal(t, goLine-1, races[0].Range.Start.Line)
	assert.Equal(t, retLine-1, races[1].Range.Start.Line)
	for _, r := range races {
		require.Len(t, r.RelatedInformation, 1)
		assert.NotEqual(t, r.Range.Start.Line, r.RelatedInformation[0].Location.Range.Start.Line, "each points at the other")
	}

	// A line typed above: the check's problems move with their code too.
	h.edit(u, 2, protocol.Range{}, "// a new first line\n")
	d = h.diagnostics(u, lsptest.AtVersion(2))
	require.Len(t, d.Diagnostics, 3)
	for _, x := range d.Diagnostics {
		if x.Code == "race" {
			assert.Contains(t, []uint32{goLine, retLine}, x.Range.Start.Line, "one line down")
		}
	}
	assert.Equal(t, pos(t, chanSrc, "ch <- ").Line+1, lsptest.ByCode(d.Diagnostics, "unbuffered").Range.Start.Line)
	assert.Equal(t, 0, h.shutdownAndExit())
}

// twoGoSrc has a static finding in one go statement (First's send) and a
// goroutine with none (Second's, which waits on a channel nobody sends on).
const twoGoSrc = `package p

// Naïve: the sender blocks if nobody receives.
func First() int {
	ch := make(chan int)
	go func() { ch <- 1 }()
	return <-ch
}

// Second's goroutine waits for a value nobody sends.
func Second() {
	quit := make(chan struct{}, 1)
	go func() { <-quit }()
}
`

// A proven leak at a go statement holding no static finding stays its own
// diagnostic, and the static finding of the other go statement stays as the
// analyzer said it: merging is per go statement, not per file or check.
func TestProvenLeakAndStaticFindingOnDifferentGoStatementsStayApart(t *testing.T) {
	root := module(t, map[string]string{"p/p.go": twoGoSrc})
	file := filepath.Join(root, "p", "p.go")
	u := fileURI(file)
	secondGo := pos(t, twoGoSrc, "go func() { <-quit }()")
	cat := &fakeCatalog{root: root, check: func(context.Context, catalog.CheckOptions) (*catalog.CheckResult, error) {
		return &catalog.CheckResult{Summary: "1 leaked goroutine", Problems: []catalog.Problem{
			{File: file, Line: int(secondGo.Line + 1), Code: catalog.CodeProvenLeak,
				Message: "a goroutine started here leaked: blocked forever on receive from quit, proven by the goroutine-leak profile"},
		}}, nil
	}}
	h := start(t, server.Options{Entries: withUnbuffered, Lookup: lookupWithUnbuffered, Catalog: cat})
	h.initialize(nil)
	h.open(u, 1, twoGoSrc)
	d := h.diagnostics(u, lsptest.AtVersion(1))
	require.Equal(t, []string{"unbuffered"}, lsptest.Codes(d.Diagnostics), lsptest.Summary(d.Diagnostics))
	require.NoError(t, checkCall(t, h, map[string]any{"uri": u}))
	d = h.diagnostics(u, func(p protocol.PublishDiagnosticsParams) bool {
		return lsptest.HasCode(p.Diagnostics, catalog.CodeProvenLeak)
	})
	require.Len(t, d.Diagnostics, 2, lsptest.Summary(d.Diagnostics))
	static := lsptest.ByCode(d.Diagnostics, "unbuffered")
	assert.Equal(t, pos(t, twoGoSrc, "ch <- 1"), static.Range.Start)
	assert.Equal(t, protocol.DiagnosticSeverityWarning, static.Severity, "not proven: as the analyzer said")
	assert.NotContains(t, static.Message, "proven by the check")
	leak := lsptest.ByCode(d.Diagnostics, catalog.CodeProvenLeak)
	assert.Equal(t, secondGo.Line, leak.Range.Start.Line, "at Second's go statement")
	assert.Contains(t, leak.Message, "blocked forever on receive from quit")
	assert.Equal(t, 0, h.shutdownAndExit())
}
