package workbook

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReferenceAndSequentialCopiesBuild makes a practice copy of every
// exercise from its sequential implementation and from its reference
// solution, in the module's copy (repoRoot), and builds each with the go
// toolchain.
func TestReferenceAndSequentialCopiesBuild(t *testing.T) {
	root := repoRoot(t)
	w, err := Open(root)
	require.NoError(t, err)
	require.Len(t, w.Exercises(), 5)
	for _, e := range w.Exercises() {
		t.Run(e.Info.Slug, func(t *testing.T) {
			test, err := SolveTestSource(e)
			require.NoError(t, err)
			for name, source := range map[string]func(*Exercise) ([]byte, error){"sequential": w.SolveSource, "reference": w.ReferenceSource} {
				solve, err := source(e)
				require.NoError(t, err)
				dir := filepath.Join(root, PracticeDir, "buildcheck-"+name+"-"+e.Info.Dir)
				require.NoError(t, WritePractice(dir, solve, test))
				t.Cleanup(func() { os.RemoveAll(dir) })
				cmd := exec.Command("go", "vet", "./"+PracticeDir+"/"+filepath.Base(dir))
				cmd.Dir = root
				out, err := cmd.CombinedOutput()
				require.NoError(t, err, "%s copy of %s does not build:\n%s\n%s", name, e.Info.Slug, out, solve)
			}
		})
	}
}
