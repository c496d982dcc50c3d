package workbook

import (
	"context"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/asyncbook/asyncbook/analyzers/driver"
	"github.com/asyncbook/asyncbook/analyzers/registry"
	"github.com/asyncbook/asyncbook/exercises"
)

var updateGuides = flag.Bool("update-guides", false, "rewrite each guide's quoted asyncvet output from a fresh run")

// The debugging variants quote what asyncvet says about their buggy code.
// This runs the analyzers (strict profile, no settings files) over each
// hand-out, compiled against the exercise's package as a practice copy is,
// and requires the quoted lines to be exactly what they report. When the
// analyzers change, `go test ./workbook -run TestDebuggingVariants
// -update-guides` rewrites the quotes; then reread each rubric's
// "Flagged by asyncvet" column.
func TestDebuggingVariantsQuoteRealFindings(t *testing.T) {
	root, err := FindRoot(".")
	require.NoError(t, err)
	// The hand-outs live only in the loader's overlay, in a folder of the
	// module that does not exist on disk: nothing is written into the
	// checkout, which other test packages read while this one runs.
	tmp := filepath.Join(root, "guidevariants.overlay")
	overlay := map[string][]byte{}

	type variant struct {
		slug, dir, guide string
		quoted           []string
	}
	var (
		variants []variant
		patterns []string
	)
	for _, info := range exercises.All() {
		src, err := fs.ReadFile(info.Files, "guide.md")
		require.NoError(t, err)
		g, err := ParseGuide(string(src))
		require.NoError(t, err)
		code, ok := fenced(g.Debugging.Handout, "```go")
		require.True(t, ok, "%s: no Go code in the hand-out", info.Slug)
		quoted, ok := fenced(g.Debugging.Findings, "```")
		require.True(t, ok, "%s: no quoted output", info.Slug)
		dir := filepath.Join(tmp, info.Dir)
		overlay[filepath.Join(dir, "solve.go")] = []byte(code + "\n")
		rel, err := filepath.Rel(root, dir)
		require.NoError(t, err)
		patterns = append(patterns, "./"+filepath.ToSlash(rel))
		variants = append(variants, variant{info.Slug, dir, filepath.Join(root, "exercises", info.Dir, "guide.md"), lines(quoted)})
	}

	r, err := driver.Run(context.Background(), driver.Config{
		LoadConfig: driver.LoadConfig{Dir: root, Patterns: patterns, Overlay: overlay},
		Options:    driver.Options{Settings: driver.Settings{Profile: registry.Strict}, NoSettingsFiles: true},
	})
	require.NoError(t, err)
	require.Empty(t, r.LoadErrors, "every hand-out compiles against its exercise")
	got := map[string][]string{}
	for _, f := range r.Findings {
		got[filepath.Dir(f.File)] = append(got[filepath.Dir(f.File)],
			fmt.Sprintf("%s:%d:%d: %s (%s)", filepath.Base(f.File), f.Line, f.Col, f.Message, f.Analyzer))
	}
	for _, v := range variants {
		found := got[v.dir]
		sort.Strings(found)
		require.NotEmpty(t, found, "%s: the analyzers find nothing in the hand-out", v.slug)
		if *updateGuides {
			require.NoError(t, requote(v.guide, found))
			continue
		}
		want := append([]string(nil), v.quoted...)
		sort.Strings(want)
		assert.Equal(t, want, found, "%s: the guide quotes what asyncvet said when it was written (rerun with -update-guides)", v.slug)
	}
}

// fenced returns the text of the first code block of body that opens with
// the line open.
func fenced(body, open string) (string, bool) {
	_, rest, ok := strings.Cut(body, open+"\n")
	if !ok {
		return "", false
	}
	code, _, ok := strings.Cut(rest, "\n```")
	return code, ok
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

// requote replaces the code block of the guide's "### What asyncvet says"
// with found.
func requote(path string, found []string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	src := string(b)
	head, rest, ok := strings.Cut(src, "### What asyncvet says\n")
	if !ok {
		return fmt.Errorf("%s: no \"### What asyncvet says\"", path)
	}
	pre, after, ok := strings.Cut(rest, "```\n")
	if !ok {
		return fmt.Errorf("%s: no quoted output", path)
	}
	_, post, ok := strings.Cut(after, "\n```")
	if !ok {
		return fmt.Errorf("%s: unterminated quoted output", path)
	}
	out := head + "### What asyncvet says\n" + pre + "```\n" + strings.Join(found, "\n") + "\n```" + post
	return os.WriteFile(path, []byte(out), 0o644)
}
