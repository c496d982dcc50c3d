package lsptest

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/asyncbook/asyncbook/workbook"
)

// Workspace copies the asyncbook module the test runs in (go.mod, go.sum,
// the settings file and the exercises) into a temporary folder and returns
// its root: a real workspace whose practice copies a test may make and
// check without touching the checkout's own.
func Workspace(t testing.TB) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	src, err := workbook.FindRoot(wd)
	if err != nil {
		t.Fatal(err)
	}
	dst := t.TempDir()
	for _, name := range []string{"go.mod", "go.sum", ".asyncbook.json"} {
		copyFile(t, filepath.Join(src, name), filepath.Join(dst, name))
	}
	err = filepath.WalkDir(filepath.Join(src, "exercises"), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			if d.Name() == "testdata" && strings.Contains(rel, string(filepath.Separator)) {
				return nil
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		copyFile(t, path, filepath.Join(dst, rel))
		return nil
	})
	if err != nil {
		t.Fatalf("copy the exercises: %v", err)
	}
	return dst
}

func copyFile(t testing.TB, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// PrependToSolve returns a practice copy's solve.go with code (statements,
// one per line) put at the start of Solve's body, so tests can plant a bug
// without depending on what the body holds.
func PrependToSolve(t testing.TB, src, code string) string {
	t.Helper()
	i := strings.Index(src, "func "+workbook.PracticeFunc+"(")
	if i < 0 {
		t.Fatalf("no func %s in the practice copy", workbook.PracticeFunc)
	}
	j := strings.Index(src[i:], "{\n")
	if j < 0 {
		t.Fatalf("no body of func %s", workbook.PracticeFunc)
	}
	at := i + j + 2
	var b strings.Builder
	for _, line := range strings.Split(code, "\n") {
		b.WriteString("\t" + line + "\n")
	}
	return src[:at] + b.String() + src[at:]
}
