package changed_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/asyncbook/asyncbook/editors/ci/changed"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// gitDiff diffs two trees with the real git (no repository needed) and
// returns the diff with paths as a pull request's diff has them.
func gitDiff(t *testing.T, old, new map[string]string, context int) string {
	t.Helper()
	git, err := exec.LookPath("git")
	require.NoError(t, err, "git is needed to make real diffs")
	dir := t.TempDir()
	for side, files := range map[string]map[string]string{"a": old, "b": new} {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, side), 0o755))
		for name, src := range files {
			p := filepath.Join(dir, side, filepath.FromSlash(name))
			require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
			require.NoError(t, os.WriteFile(p, []byte(src), 0o644))
		}
	}
	cmd := exec.Command(git, "diff", "--no-index", "--no-color", "--no-renames", "-U"+string(rune('0'+context)), "a", "b")
	cmd.Dir = dir
	out, err := cmd.Output()
	// git diff --no-index exits 1 when the trees differ.
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		require.NoError(t, err)
	}
	// Paths read "a/a/x.go" and "b/b/x.go": drop the tree folder, as in a
	// repository's diff.
	d := strings.ReplaceAll(string(out), " a/a/", " a/")
	return strings.ReplaceAll(d, " b/b/", " b/")
}

func numbered(n int, f func(i int) string) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		b.WriteString(f(i))
		b.WriteString("\n")
	}
	return b.String()
}

func lines(l *changed.Lines, file string, upTo int) []int {
	var out []int
	for i := 1; i <= upTo; i++ {
		if l.Contains(file, i) {
			out = append(out, i)
		}
	}
	return out
}

func TestParseGitDiff(t *testing.T) {
	base := numbered(30, func(i int) string { return "line " + string(rune('A'+i%26)) })
	edited := strings.Split(strings.TrimSuffix(base, "\n"), "\n")
	edited[4] = "changed 5"                                                               // line 5 changed
	edited = append(edited[:10], append([]string{"new 11", "new 12"}, edited[10:]...)...) // 11, 12 added
	edited = append(edited[:20], edited[22:]...)                                          // two old lines deleted
	edited = append(edited, "appended")                                                   // last line added
	newSrc := strings.Join(edited, "\n") + "\n"

	old := map[string]string{"pkg/a.go": base, "pkg/gone.go": "package pkg\n", "same.go": "package same\n"}
	new := map[string]string{"pkg/a.go": newSrc, "pkg/new file.go": "package pkg\n\nvar x = 1\n", "same.go": "package same\n"}
	want := []int{5, 11, 12, len(edited)}

	for _, ctx := range []int{0, 3} {
		t.Run("context "+string(rune('0'+ctx)), func(t *testing.T) {
			diff := gitDiff(t, old, new, ctx)
			l, err := changed.ParseDiff(strings.NewReader(diff))
			require.NoError(t, err, diff)
			assert.Equal(t, want, lines(l, "pkg/a.go", 40), diff)
			assert.Equal(t, []int{1, 2, 3}, lines(l, "pkg/new file.go", 10), "a new file is changed throughout")
			assert.Equal(t, []string{"pkg/a.go", "pkg/new file.go"}, l.Files(), "deleted and unchanged files are not")
			assert.False(t, l.ContainsFile("pkg/gone.go"))
			assert.True(t, l.Contains("./pkg/a.go", 5), "paths are cleaned")
			assert.False(t, l.Contains("pkg/a.go", 6), "a context line is not a change")
		})
	}
}

func TestParseDiffQuotedName(t *testing.T) {
	diff := "diff --git \"a/d\\303\\251j\\303\\240.go\" \"b/d\\303\\251j\\303\\240.go\"\n" +
		"--- \"a/d\\303\\251j\\303\\240.go\"\n+++ \"b/d\\303\\251j\\303\\240.go\"\n@@ -1,0 +2 @@\n+x\n"
	l, err := changed.ParseDiff(strings.NewReader(diff))
	require.NoError(t, err)
	assert.True(t, l.Contains("déjà.go", 2))
}

func TestParseEmptyDiff(t *testing.T) {
	l, err := changed.ParseDiff(strings.NewReader(""))
	require.NoError(t, err, "a change with no lines is a diff")
	assert.Empty(t, l.Files())
}

func TestParseDiffRename(t *testing.T) {
	// A renamed file with one line added: git shows only that line.
	diff := "diff --git a/pkg/old.go b/pkg/new.go\nsimilarity index 80%\nrename from pkg/old.go\nrename to pkg/new.go\n" +
		"index c1caffe..917e7cd 100644\n--- a/pkg/old.go\n+++ b/pkg/new.go\n@@ -3,0 +4 @@ package pkg\n+var y = 2\n"
	l, err := changed.ParseDiff(strings.NewReader(diff))
	require.NoError(t, err)
	assert.Equal(t, []int{4}, lines(l, "pkg/new.go", 10))
	assert.False(t, l.ContainsFile("pkg/old.go"))
}

func TestParseDiffOnlyDeletions(t *testing.T) {
	diff := gitDiff(t, map[string]string{"a.go": "one\ntwo\nthree\n"}, map[string]string{"a.go": "one\nthree\n"}, 0)
	l, err := changed.ParseDiff(strings.NewReader(diff))
	require.NoError(t, err)
	assert.Empty(t, l.Files(), "no line of the new file carries a deletion")
}

func TestParseDiffErrors(t *testing.T) {
	for name, diff := range map[string]string{
		"bad header":  "+++ b/a.go\n@@ -1 +1 @ nonsense\n",
		"short hunk":  "+++ b/a.go\n@@ -1,3 +1,3 @@\n one\n",
		"odd content": "+++ b/a.go\n@@ -1,2 +1,2 @@\n one\n*two\n",
		"not a diff":  "{\"p\": {}}\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := changed.ParseDiff(strings.NewReader(diff))
			assert.Error(t, err)
		})
	}
}

func TestParseRanges(t *testing.T) {
	l, err := changed.ParseRanges("pkg/a.go:10-12, pkg/a.go:20\npkg/b.go c:/x/y.go:3 pkg/c.go:9-7")
	require.NoError(t, err)
	assert.Equal(t, []int{10, 11, 12, 20}, lines(l, "pkg/a.go", 30))
	assert.True(t, l.Contains("pkg/b.go", 999), "a bare file name is the whole file")
	assert.Equal(t, []int{3}, lines(l, "c:/x/y.go", 10), "the last colon splits")
	assert.Equal(t, []int{7, 8, 9}, lines(l, "pkg/c.go", 10), "a reversed range is read forwards")
	assert.False(t, l.ContainsFile("pkg/d.go"))

	for _, bad := range []string{"a.go:0", "a.go:x-3", "a.go:3-", "a.go:"} {
		_, err := changed.ParseRanges(bad)
		assert.Error(t, err, bad)
	}
}

func TestAddMerges(t *testing.T) {
	l := changed.New()
	l.Add("f.go", 1, 3)
	l.Add("f.go", 4, 4)
	l.Add("f.go", 10, 12)
	l.Add("f.go", 2, 11)
	assert.Equal(t, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, lines(l, "f.go", 14))
}
