package repocopy

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestIntoCopiesTheSourceAndLeavesTheRestOut(t *testing.T) {
	src := t.TempDir()
	write := func(rel, text string) {
		p := filepath.Join(src, filepath.FromSlash(rel))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	}
	write("go.mod", "module example.com/m\n")
	write("a/a.go", "package a\n")
	write(".git/HEAD", "ref\n")
	write("practice/demo/solve.go", "package demo\n")
	write(".cache/x", "x")
	write("editors/vscode/node_modules/p/index.js", "")
	write("a/node_modules/q.js", "")
	require.NoError(t, os.Symlink("/etc/passwd", filepath.Join(src, "a", "link.go")))

	dst := t.TempDir()
	require.NoError(t, Into(src, dst))

	b, err := os.ReadFile(filepath.Join(dst, "a", "a.go"))
	require.NoError(t, err)
	assert.Equal(t, "package a\n", string(b))
	assert.FileExists(t, filepath.Join(dst, "go.mod"))
	for _, gone := range []string{".git", "practice", ".cache", "editors/vscode/node_modules", "a/node_modules", "a/link.go"} {
		assert.NoFileExists(t, filepath.Join(dst, filepath.FromSlash(gone)))
		assert.NoDirExists(t, filepath.Join(dst, filepath.FromSlash(gone)))
	}
	assert.DirExists(t, filepath.Join(dst, "editors", "vscode"))
}

func TestIntoReportsAMissingSource(t *testing.T) {
	err := Into(filepath.Join(t.TempDir(), "nope"), t.TempDir())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "nope")
}
