package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/asyncbook/asyncbook/analyzers/driver"
	"github.com/asyncbook/asyncbook/analyzers/driver/drivertest"
	"github.com/asyncbook/asyncbook/lsp/lsptest"
	"github.com/asyncbook/asyncbook/lsp/position"
	"github.com/asyncbook/asyncbook/lsp/server"
	"github.com/asyncbook/asyncbook/workbook"
)

// TestEntryPointsAgree runs the fixture module (findings, findings
// silenced by directives, wrong directives, a settings file) through
// asyncvet, go vet -vettool=asyncvet, the language server and check/grade's
// analysis, and asserts they find the same: positions, messages, what is
// silenced. editors/ci/golangci's test adds golangci-lint's plugin.
func TestEntryPointsAgree(t *testing.T) {
	dir := drivertest.WriteFixture(t)
	want := drivertest.Wants(t, dir)
	require.NotEmpty(t, want)

	code, out, stderr := asyncvet(t, dir, "-json", "./...")
	require.Equal(t, 0, code, stderr)
	standalone, err := drivertest.ParseVetJSON(dir, []byte(out))
	require.NoError(t, err)
	assert.Equal(t, want, drivertest.Got(standalone), "asyncvet finds what the fixture says")

	cmd := exec.Command("go", "vet", "-vettool="+binary, "-json", "./...")
	cmd.Dir = dir
	vout, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", vout)
	vet, err := drivertest.ParseVetJSON(dir, vout)
	require.NoError(t, err)

	res, err := workbook.Analyze(context.Background(), dir, "./...", driver.Settings{})
	require.NoError(t, err)
	var check []drivertest.Finding
	for _, f := range res.Findings {
		check = append(check, drivertest.Finding{File: drivertest.Relative(dir, f.File), Line: f.Line, Col: f.Col, Analyzer: f.Analyzer, Message: f.Message})
	}
	assert.Len(t, res.Suppressed, 2, "check and grade see what was silenced (not what is turned off): %v", res.Suppressed)

	editor := lspFindings(t, dir)

	assert.Equal(t, drivertest.Strings(standalone), drivertest.Strings(vet), "go vet -vettool")
	assert.Equal(t, drivertest.Strings(standalone), drivertest.Strings(check), "check and grade")
	assert.Equal(t, drivertest.Strings(standalone), drivertest.Strings(editor), "the editor")
}

type closerFunc func() error

func (f closerFunc) Close() error { return f() }

// lspFindings opens every Go file of the module in the language server, as
// an editor does, and returns the diagnostics of its first analysis.
func lspFindings(t *testing.T, dir string) []drivertest.Finding {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	inR, inW, err := os.Pipe()
	require.NoError(t, err)
	outR, outW, err := os.Pipe()
	require.NoError(t, err)
	s := server.New(server.Options{Logf: t.Logf})
	exited := make(chan int, 1)
	go func() {
		exited <- s.Run(context.Background(), inR, outW, closerFunc(inR.Close))
		outW.Close()
	}()
	c := lsptest.New(outR, inW)
	defer func() {
		inW.Close()
		<-exited
		<-c.Done()
		outR.Close()
	}()
	require.NoError(t, c.Call(ctx, "initialize", map[string]any{"processId": os.Getpid(), "rootUri": uri.File(dir), "capabilities": map[string]any{}}, nil))
	require.NoError(t, c.Notify("initialized", map[string]any{}))
	var found []drivertest.Finding
	for _, file := range drivertest.GoFiles(t, dir) {
		path := filepath.Join(dir, filepath.FromSlash(file))
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		u := uri.File(path)
		require.NoError(t, c.Notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{"uri": u, "languageId": "go", "version": 1, "text": string(b)}}))
		p, err := c.AwaitDiagnostics(ctx, protocol.DocumentURI(u), lsptest.AtVersion(1))
		require.NoError(t, err)
		m := position.NewMapper(string(b))
		for _, d := range p.Diagnostics {
			off := m.Offset(d.Range.Start)
			lineStart := m.Offset(protocol.Position{Line: d.Range.Start.Line})
			found = append(found, drivertest.Finding{File: file, Line: int(d.Range.Start.Line) + 1, Col: off - lineStart + 1, Analyzer: fmt.Sprint(d.Code), Message: d.Message})
		}
	}
	require.NoError(t, c.Call(ctx, "shutdown", nil, nil))
	require.NoError(t, c.Notify("exit", nil))
	return found
}
