package load_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/asyncbook/asyncbook/lsp/load"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// writeTree writes files (relative path → content) under a new directory.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		path := filepath.Join(root, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	}
	return root
}

const gomod = "module example.com/m\n\ngo 1.26\n"

const leaky = `package p

import (
	"context"
	"time"
)

func Work(parent context.Context) error {
	ctx, _ := context.WithTimeout(parent, time.Second)
	<-ctx.Done()
	return nil
}
`

func TestLoadTypeChecksTheOverlay(t *testing.T) {
	root := writeTree(t, map[string]string{
		"go.mod": gomod,
		// On disk the file does not compile; the editor's text does.
		"p/p.go": "package p\n\nfunc Work() int { return \"no\" }\n",
	})
	dir := filepath.Join(root, "p")
	l := load.New(nil)
	res, err := l.Load(context.Background(), load.Request{Dir: dir, Overlay: map[string][]byte{filepath.Join(dir, "p.go"): []byte(leaky)}})
	require.NoError(t, err)
	require.True(t, res.InModule)
	require.Empty(t, res.Errors)
	require.Len(t, res.Packages, 1)
	p := res.Packages[0]
	assert.Equal(t, "example.com/m/p", p.PkgPath)
	assert.False(t, p.IllTyped)
	require.NotNil(t, p.Types.Scope().Lookup("Work"))
	assert.Equal(t, "func(parent context.Context) error", p.Types.Scope().Lookup("Work").Type().String())
	assert.Contains(t, p.Imports, "context")
	assert.Equal(t, leaky, string(res.Sources[filepath.Join(dir, "p.go")]))
	assert.NotEmpty(t, p.TypesInfo.Uses)

	// Without the overlay, the disk's type error shows.
	res, err = l.Load(context.Background(), load.Request{Dir: dir})
	require.NoError(t, err)
	require.NotEmpty(t, res.Errors)
	assert.True(t, res.Packages[0].IllTyped)
}

func TestLoadCachesMetadataAndDependencies(t *testing.T) {
	root := writeTree(t, map[string]string{"go.mod": gomod, "p/p.go": leaky})
	dir := filepath.Join(root, "p")
	file := filepath.Join(dir, "p.go")
	l := load.New(nil)
	ctx := context.Background()

	edit := func(text string) *load.Result {
		t.Helper()
		res, err := l.Load(ctx, load.Request{Dir: dir, Overlay: map[string][]byte{file: []byte(text)}})
		require.NoError(t, err)
		return res
	}
	edit(leaky)
	assert.Equal(t, load.Stats{MetadataLoads: 1, DependencyLoads: 1, Runs: 1}, l.Stats())

	// An edit inside a function body reuses both caches.
	res := edit(strings.Replace(leaky, "return nil", "return ctx.Err()", 1))
	assert.Empty(t, res.Errors)
	assert.Equal(t, load.Stats{MetadataLoads: 1, DependencyLoads: 1, Runs: 2}, l.Stats())

	// A new import asks go list again and loads the new dependency.
	withFmt := strings.Replace(leaky, "\"time\"\n", "\"time\"\n\t\"fmt\"\n", 1)
	withFmt = strings.Replace(withFmt, "return nil", "return fmt.Errorf(\"x\")", 1)
	res = edit(withFmt)
	assert.Empty(t, res.Errors)
	assert.Equal(t, load.Stats{MetadataLoads: 2, DependencyLoads: 2, Runs: 3}, l.Stats())
}

func TestLoadSeesSavedDependencies(t *testing.T) {
	root := writeTree(t, map[string]string{
		"go.mod":   gomod,
		"q/q.go":   "package q\n\nfunc Old() {}\n",
		"p/p.go":   "package p\n\nimport \"example.com/m/q\"\n\nfunc F() { q.New() }\n",
		"p/doc.go": "// Package p is a test.\npackage p\n",
	})
	l := load.New(nil)
	dir := filepath.Join(root, "p")
	res, err := l.Load(context.Background(), load.Request{Dir: dir})
	require.NoError(t, err)
	require.NotEmpty(t, res.Errors, "q.New does not exist yet")

	qfile := filepath.Join(root, "q", "q.go")
	require.NoError(t, os.WriteFile(qfile, []byte("package q\n\nfunc New() {}\n"), 0o644))
	l.Invalidate(qfile)
	res, err = l.Load(context.Background(), load.Request{Dir: dir})
	require.NoError(t, err)
	assert.Empty(t, res.Errors, "the saved dependency is reloaded")
	assert.Len(t, res.Packages[0].Syntax, 2)
}

func TestLoadTestVariants(t *testing.T) {
	root := writeTree(t, map[string]string{
		"go.mod":           gomod,
		"p/p.go":           "package p\n\nfunc F() int { return 1 }\n",
		"p/export_test.go": "package p\n\nvar Internal = F\n",
		"p/p_test.go":      "package p_test\n\nimport (\n\t\"testing\"\n\n\t\"example.com/m/p\"\n)\n\nfunc TestF(t *testing.T) { _ = p.Internal() }\n",
	})
	dir := filepath.Join(root, "p")
	res, err := load.New(nil).Load(context.Background(), load.Request{Dir: dir, Tests: true})
	require.NoError(t, err)
	require.Empty(t, res.Errors)
	require.Len(t, res.Packages, 2)
	assert.Equal(t, "p", res.Packages[0].Name)
	assert.Len(t, res.Packages[0].Syntax, 2, "the in-package variant has the test file")
	assert.Equal(t, "p_test", res.Packages[1].Name)
	assert.Same(t, res.Packages[0], res.Packages[1].Imports["example.com/m/p"], "the external test imports the variant checked from source")
}

func TestLoadOutsideAnyModule(t *testing.T) {
	dir := writeTree(t, map[string]string{"main.go": strings.Replace(leaky, "package p", "package main", 1) + "\nfunc main() {}\n"})
	res, err := load.New(nil).Load(context.Background(), load.Request{Dir: dir})
	require.NoError(t, err)
	assert.False(t, res.InModule)
	require.Len(t, res.Packages, 1)
	assert.Empty(t, res.Errors)
	assert.Equal(t, "main", res.Packages[0].Name)
}

func TestLoadSyntaxErrors(t *testing.T) {
	root := writeTree(t, map[string]string{"go.mod": gomod, "p/p.go": leaky})
	dir := filepath.Join(root, "p")
	res, err := load.New(nil).Load(context.Background(), load.Request{Dir: dir, Overlay: map[string][]byte{
		filepath.Join(dir, "p.go"): []byte(strings.Replace(leaky, "<-ctx.Done()", "<-ctx.Done(", 1)),
	}})
	require.NoError(t, err)
	require.NotEmpty(t, res.Errors)
	assert.True(t, res.Packages[0].IllTyped)
	assert.NotNil(t, res.Packages[0].Syntax, "what parses is kept")
}

func TestLoadCancelled(t *testing.T) {
	root := writeTree(t, map[string]string{"go.mod": gomod, "p/p.go": leaky})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := load.New(nil).Load(ctx, load.Request{Dir: filepath.Join(root, "p")})
	assert.ErrorIs(t, err, context.Canceled)
}
