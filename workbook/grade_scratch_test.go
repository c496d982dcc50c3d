package workbook

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestScratchBaseIsReachableByOthers(t *testing.T) {
	// t.TempDir's folders are private: make one others can reach.
	open, err := os.MkdirTemp("/tmp", "asyncbook-scratchbase-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(open) })
	require.NoError(t, os.Chmod(open, 0o755))
	t.Setenv("TMPDIR", open)
	if scratchBase() != open {
		t.Skipf("a folder above %s is closed to others here: nothing to compare", open)
	}

	private := filepath.Join(open, "private")
	require.NoError(t, os.Mkdir(private, 0o700))
	inner := filepath.Join(private, "tmp")
	require.NoError(t, os.Mkdir(inner, 0o777))
	t.Setenv("TMPDIR", inner)
	assert.Equal(t, "/tmp", scratchBase(), "a TMPDIR inside a private folder: nobody could not reach the binary")
}
