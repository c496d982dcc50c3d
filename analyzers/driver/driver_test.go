package driver_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"golang.org/x/tools/go/analysis"

	"github.com/asyncbook/asyncbook/analyzers/chanleak"
	"github.com/asyncbook/asyncbook/analyzers/driver"
	"github.com/asyncbook/asyncbook/analyzers/internal/analysisutil"
	"github.com/asyncbook/asyncbook/analyzers/registry"
	"github.com/asyncbook/asyncbook/analyzers/timerstop"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// module writes a throwaway module with the given files and returns its folder.
func module(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	if _, ok := files["go.mod"]; !ok {
		files["go.mod"] = "module example.com/m\n\ngo 1.26\n"
	}
	for name, src := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(src), 0o644))
	}
	return dir
}

// lines lists findings as "file:line analyzer[/category]: message", with
// files relative to dir.
func lines(t *testing.T, dir string, fs []driver.Finding) []string {
	t.Helper()
	var out []string
	for _, f := range fs {
		rel, err := filepath.Rel(dir, f.File)
		require.NoError(t, err)
		name := f.Analyzer
		if f.Analyzer == driver.IgnoreName {
			name += "/" + f.Category
		}
		out = append(out, fmt.Sprintf("%s:%d %s", filepath.ToSlash(rel), f.Line, name))
	}
	return out
}

// lineOf returns the 1-based line of the first line of src containing needle.
func lineOf(t *testing.T, src, needle string) int {
	t.Helper()
	i := strings.Index(src, needle)
	require.GreaterOrEqual(t, i, 0, "%q not in the source", needle)
	return strings.Count(src[:i], "\n") + 1
}

const directivesSrc = `package infer

import "time"

func Tick(d time.Duration) {
	t := time.NewTicker(d) // FINDING
	<-t.C
}

func Trailing(d time.Duration) {
	t := time.NewTicker(d) //asyncvet:ignore timerstop the process exits after one tick
	<-t.C
}

func Above(d time.Duration) {
	//asyncvet:ignore timerstop,wgmisuse the process exits after one tick
	t := time.NewTicker(d)
	<-t.C
}

func NoReason(d time.Duration) {
	t := time.NewTicker(d) //asyncvet:ignore timerstop
	<-t.C
}

func Misspelt(d time.Duration) {
	t := time.NewTicker(d) //asyncvet:ignore timerstpo one tick only
	<-t.C
}

func All(d time.Duration) {
	t := time.NewTicker(d) //asyncvet:ignore all one tick only
	<-t.C
}

func Bare(d time.Duration) {
	t := time.NewTicker(d) //asyncvet:ignore
	<-t.C
}

func Unused() {
	x := 1 //asyncvet:ignore timerstop nothing to silence here
	_ = x
}

func Elsewhere() {
	//asyncvet:ignore timerstop a directive above a line without a finding
	x := 2
	_ = x
}

func TooFar(d time.Duration) {
	x := 3 //asyncvet:ignore timerstop a trailing directive covers its own line only
	t := time.NewTicker(d)
	<-t.C
	_ = x
}
`

func TestDirectives(t *testing.T) {
	dir := module(t, map[string]string{"infer/infer.go": directivesSrc})
	res, err := driver.Run(context.Background(), driver.Config{
		LoadConfig: driver.LoadConfig{Dir: dir, Patterns: []string{"./..."}},
	})
	require.NoError(t, err)
	require.Empty(t, res.LoadErrors)
	require.Empty(t, res.AnalyzerErrors)
	at := func(needle string) int { return lineOf(t, directivesSrc, needle) }
	f := "infer/infer.go"
	assert.ElementsMatch(t, []string{
		fmt.Sprintf("%s:%d timerstop", f, at("// FINDING")),
		// It silences timerstop, but wgmisuse, which it names too, found nothing.
		fmt.Sprintf("%s:%d ignore/unused", f, at("ignore timerstop,wgmisuse")),
		fmt.Sprintf("%s:%d ignore/reason", f, at("ignore timerstop\n")),
		fmt.Sprintf("%s:%d timerstop", f, at("ignore timerstop\n")),
		fmt.Sprintf("%s:%d ignore/unknown", f, at("timerstpo")),
		fmt.Sprintf("%s:%d timerstop", f, at("timerstpo")),
		fmt.Sprintf("%s:%d ignore/unknown", f, at("ignore all")),
		fmt.Sprintf("%s:%d timerstop", f, at("ignore all")),
		fmt.Sprintf("%s:%d ignore/malformed", f, at("ignore\n")),
		fmt.Sprintf("%s:%d timerstop", f, at("ignore\n")),
		fmt.Sprintf("%s:%d ignore/unused", f, at("nothing to silence")),
		fmt.Sprintf("%s:%d ignore/unused", f, at("a directive above")),
		fmt.Sprintf("%s:%d ignore/unused", f, at("covers its own line")),
		fmt.Sprintf("%s:%d timerstop", f, at("covers its own line")+1),
	}, lines(t, dir, res.Findings))

	assert.Equal(t, []string{
		fmt.Sprintf("%s:%d timerstop", f, at("exits after one tick")),
		fmt.Sprintf("%s:%d timerstop", f, at("ignore timerstop,wgmisuse")+1),
	}, lines(t, dir, res.Suppressed))
	for _, s := range res.Suppressed {
		require.NotNil(t, s.Suppressed)
		assert.Equal(t, "the process exits after one tick", s.Suppressed.Reason)
		assert.Equal(t, s.File, s.Suppressed.Directive.File)
	}
	assert.Equal(t, at("ignore timerstop,wgmisuse"), res.Suppressed[1].Suppressed.Directive.Line)

	var misspelt, unused driver.Finding
	for _, f := range res.Findings {
		switch {
		case f.Category == "unknown" && f.Line == at("timerstpo"):
			misspelt = f
		case f.Category == "unused" && f.Line == at("nothing to silence"):
			unused = f
		}
	}
	assert.Contains(t, misspelt.Message, `did you mean "timerstop"?`)
	assert.Equal(t, "//asyncvet:ignore timerstop silences nothing: timerstop reports nothing on this line", unused.Message)
	assert.True(t, strings.HasSuffix(misspelt.URL, "/ignore.md#unknown"), misspelt.URL)
	assert.Equal(t, strings.Index(strings.Split(directivesSrc, "\n")[at("timerstpo")-1], "//")+1, misspelt.Col, "at the directive")
	for _, f := range res.Findings {
		if f.Analyzer == "timerstop" {
			assert.Equal(t, timerstop.Analyzer.URL+"#"+f.Category, f.URL, "the doc link has the category's anchor")
			assert.Equal(t, registry.Warning, f.Severity)
		}
	}
}

func TestDirectiveForAnAnalyzerThatDidNotRunIsNotUnused(t *testing.T) {
	src := "package p\n\nfunc F() {\n\tx := 1 //asyncvet:ignore chanleak not run here\n\t_ = x\n}\n"
	dir := module(t, map[string]string{"p/p.go": src})
	res, err := driver.Run(context.Background(), driver.Config{
		LoadConfig: driver.LoadConfig{Dir: dir, Patterns: []string{"./..."}},
		Options:    driver.Options{Settings: driver.Settings{Analyzers: map[string]bool{"chanleak": false}}},
	})
	require.NoError(t, err)
	assert.Empty(t, res.Findings, "chanleak is off: its directive is neither used nor unused")
}

// twoProfiles is a suite of two analyzers: timerstop in the default
// profile, chanleak only in the strict one, at hint severity.
func twoProfiles() []registry.Entry {
	return []registry.Entry{
		{Analyzer: timerstop.Analyzer, Ours: true, Profile: registry.Default, Severity: registry.Warning},
		{Analyzer: chanleak.Analyzer, Ours: true, Profile: registry.Strict, Severity: registry.Hint},
	}
}

const bothSrc = `package PKG

import (
	"context"
	"time"
)

func Tick(d time.Duration) {
	t := time.NewTicker(d)
	<-t.C
}

func Fetch(ctx context.Context) (int, error) {
	ch := make(chan int)
	go func() { ch <- 42 }()
	select {
	case v := <-ch:
		return v, nil
	case <-time.After(time.Second):
		return 0, context.DeadlineExceeded
	}
}
`

func TestProfilesSettingsFilesAndSeverity(t *testing.T) {
	files := map[string]string{
		"plain/plain.go":       strings.Replace(bothSrc, "PKG", "plain", 1),
		"practice/ex/ex.go":    strings.Replace(bothSrc, "PKG", "ex", 1),
		"practice/quiet/q.go":  strings.Replace(bothSrc, "PKG", "quiet", 1),
		"nested/mod/go.mod":    "module example.com/nested\n\ngo 1.26\n",
		"nested/mod/n/n.go":    strings.Replace(bothSrc, "PKG", "n", 1),
		"practice/quiet/.keep": "",
	}
	dir := module(t, files)
	run := func(t *testing.T, d string, override driver.Settings) *driver.Result {
		t.Helper()
		res, err := driver.Run(context.Background(), driver.Config{
			LoadConfig: driver.LoadConfig{Dir: d, Patterns: []string{"./..."}},
			Options:    driver.Options{Entries: twoProfiles(), Settings: override},
		})
		require.NoError(t, err)
		require.Empty(t, res.AnalyzerErrors)
		require.Empty(t, res.SettingsErrors)
		return res
	}
	names := func(res *driver.Result, pkgDir string) []string {
		var out []string
		for _, f := range res.Findings {
			if strings.Contains(f.File, string(filepath.Separator)+pkgDir+string(filepath.Separator)) {
				out = append(out, f.Analyzer+":"+string(f.Severity))
			}
		}
		sort.Strings(out)
		return out
	}

	t.Run("without a settings file, the default profile", func(t *testing.T) {
		res := run(t, dir, driver.Settings{})
		assert.Equal(t, []string{"timerstop:warning"}, names(res, "plain"))
		assert.Equal(t, []string{"timerstop:warning"}, names(res, "ex"))
	})

	require.NoError(t, os.WriteFile(filepath.Join(dir, driver.SettingsFile), []byte(`{
  "severity": {"timerstop": "information"},
  "overrides": [
    {"dir": "practice", "profile": "strict"},
    {"dir": "practice/quiet", "analyzers": {"timerstop": false}}
  ]
}`), 0o644))
	t.Run("the file's overrides apply to their folders", func(t *testing.T) {
		res := run(t, dir, driver.Settings{})
		assert.Equal(t, []string{"timerstop:information"}, names(res, "plain"))
		assert.Equal(t, []string{"chanleak:hint", "timerstop:information"}, names(res, "ex"))
		assert.Equal(t, []string{"chanleak:hint"}, names(res, "quiet"))
	})
	t.Run("the caller's settings go on top", func(t *testing.T) {
		res := run(t, dir, driver.Settings{Profile: registry.Strict, Severity: map[string]registry.Severity{"chanleak": registry.Warning}})
		assert.Equal(t, []string{"chanleak:warning", "timerstop:information"}, names(res, "plain"))
		res = run(t, dir, driver.Settings{Analyzers: map[string]bool{"chanleak": false}})
		assert.Equal(t, []string{"timerstop:information"}, names(res, "ex"))
	})
	t.Run("a module's own folder stops the search", func(t *testing.T) {
		res := run(t, filepath.Join(dir, "nested", "mod"), driver.Settings{})
		assert.Equal(t, []string{"timerstop:warning"}, names(res, "n"))
	})
}

func TestBrokenSettingsFiles(t *testing.T) {
	for name, tc := range map[string]struct{ content, want string }{
		"unknown analyzer":  {`{"analyzers": {"chanlaek": false}}`, `unknown analyzer "chanlaek": did you mean "chanleak"?`},
		"unknown field":     {`{"analyser": {}}`, `unknown field "analyser"`},
		"unknown profile":   {`{"profile": "loud"}`, `unknown profile "loud"`},
		"unknown severity":  {`{"severity": {"chanleak": "error"}}`, `unknown severity "error"`},
		"override escapes":  {`{"overrides": [{"dir": "../x", "profile": "strict"}]}`, "must be a folder below"},
		"override has none": {`{"overrides": [{"profile": "strict"}]}`, "dir is missing"},
		"not json":          {`{profile: strict}`, "decode"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := module(t, map[string]string{"p/p.go": strings.Replace(bothSrc, "PKG", "p", 1), driver.SettingsFile: tc.content})
			res, err := driver.Run(context.Background(), driver.Config{
				LoadConfig: driver.LoadConfig{Dir: dir, Patterns: []string{"./..."}},
				Options:    driver.Options{Entries: twoProfiles()},
			})
			require.NoError(t, err)
			require.Len(t, res.SettingsErrors, 1)
			assert.Contains(t, res.SettingsErrors[0].Error(), tc.want)
			assert.Contains(t, res.SettingsErrors[0].Error(), filepath.Join(dir, driver.SettingsFile))
			var settings []driver.Finding
			for _, f := range res.Findings {
				if f.Analyzer == driver.IgnoreName && f.Category == "settings" {
					settings = append(settings, f)
				}
			}
			require.Len(t, settings, 1, "every entry point sees the broken file as a finding: %+v", res.Findings)
			assert.Equal(t, 1, settings[0].Line)
		})
	}
}

const illTypedSrc = `package p

import "time"

func Good(d time.Duration) {
	t := time.NewTicker(d) // GOOD
	<-t.C
}

func Broken(d time.Duration) {
	t := time.NewTicker(d) // BROKEN
	<-t.C
	var n int = "not a number"
	_ = n
}

func Caller(d time.Duration) {
	t := time.NewTicker(d) // CALLER
	<-t.C
	Broken(d)
}

func After(d time.Duration) {
	t := time.NewTicker(d) // AFTER
	<-t.C
}

func Unparsable(d time.Duration) {
	t := time.NewTicker(d) // UNPARSABLE
	x :=
}
`

func TestIllTypedPackagesAreAnalysedWhereTheyTypeCheck(t *testing.T) {
	dir := module(t, map[string]string{
		"p/p.go":      illTypedSrc,
		"p/p_test.go": "package p\n\nimport \"testing\"\n\nfunc TestX(t *testing.T) { Good(0) }\n",
		"q/q.go":      "package q\n\nimport (\n\t\"time\"\n\n\t\"example.com/m/p\"\n)\n\nfunc Use(d time.Duration) {\n\tt := time.NewTicker(d) // Q\n\t<-t.C\n\tp.Good(d)\n}\n",
	})
	res, err := driver.Run(context.Background(), driver.Config{
		LoadConfig: driver.LoadConfig{Dir: dir, Patterns: []string{"./..."}, Tests: true},
	})
	require.NoError(t, err)
	assert.Empty(t, res.AnalyzerErrors, "no failed prerequisites, no skipped analyses")
	at := func(needle string) int { return lineOf(t, illTypedSrc, needle) }
	assert.Equal(t, []string{
		fmt.Sprintf("p/p.go:%d timerstop", at("// GOOD")),
		fmt.Sprintf("p/p.go:%d timerstop", at("// AFTER")),
		"q/q.go:10 timerstop",
	}, lines(t, dir, res.Findings), "what type-checks is analysed, in the package and in those importing it")

	// Each error once, though the package and its test variant share it.
	seen := map[string]bool{}
	for _, e := range res.LoadErrors {
		assert.False(t, seen[e.Error()], "%s reported twice", e)
		seen[e.Error()] = true
	}
	var msgs []string
	for _, e := range res.LoadErrors {
		msgs = append(msgs, e.Msg)
	}
	assert.Contains(t, strings.Join(msgs, "\n"), "cannot use")
	assert.Contains(t, strings.Join(msgs, "\n"), "expected operand")

	file := filepath.Join(dir, "p", "p.go")
	covered := func(needle string) bool {
		off := strings.Index(illTypedSrc, needle)
		for _, s := range res.Unanalysed {
			if s.File == file && s.Start <= off && off < s.End {
				return true
			}
		}
		return false
	}
	assert.True(t, covered("// BROKEN"), "the function with the error")
	assert.True(t, covered("// CALLER"), "a function calling it: its analysis rests on the one left out")
	assert.True(t, covered("// UNPARSABLE"), "a function that does not parse")
	assert.False(t, covered("// GOOD"))
	assert.False(t, covered("// AFTER"))
}

func TestAPanickingAnalyzerIsAnError(t *testing.T) {
	boom := &analysis.Analyzer{Name: "boom", Doc: "boom: panics", Run: func(*analysis.Pass) (any, error) { panic("kaboom") }}
	entries := []registry.Entry{
		{Analyzer: boom, Profile: registry.Default, Severity: registry.Warning},
		{Analyzer: timerstop.Analyzer, Profile: registry.Default, Severity: registry.Warning},
	}
	src := strings.Replace(bothSrc, "PKG", "p", 1)
	dir := module(t, map[string]string{"p/p.go": src})
	for _, sequential := range []bool{false, true} {
		res, err := driver.Run(context.Background(), driver.Config{
			LoadConfig: driver.LoadConfig{Dir: dir, Patterns: []string{"./..."}},
			Options:    driver.Options{Entries: entries, Sequential: sequential},
		})
		require.NoError(t, err)
		require.Len(t, res.AnalyzerErrors, 1)
		assert.Contains(t, res.AnalyzerErrors[0].Error(), "boom panicked on example.com/m/p: kaboom")
		assert.Equal(t, []string{fmt.Sprintf("p/p.go:%d timerstop", lineOf(t, src, "NewTicker"))}, lines(t, dir, res.Findings), "the others still report")
	}
}

func TestNoRegistryAnalyzerRequiresAnother(t *testing.T) {
	// A wrapped analyzer replaces the original; one that another required
	// would run twice and register its facts twice.
	names := map[*analysis.Analyzer]bool{}
	for _, e := range registry.Entries() {
		names[e.Analyzer] = true
	}
	var visit func(a *analysis.Analyzer, root bool)
	visit = func(a *analysis.Analyzer, root bool) {
		if !root {
			assert.False(t, names[a], "%s is required by another analyzer of the suite", a.Name)
		}
		for _, r := range a.Requires {
			visit(r, false)
		}
	}
	for _, e := range registry.Entries() {
		visit(e.Analyzer, true)
	}
	s := driver.NewSuite(registry.Entries(), driver.NewResolver(registry.Entries(), driver.Settings{}, false).For)
	require.NoError(t, analysis.Validate(s.Analyzers()))
}

func TestIgnoresDocsPage(t *testing.T) {
	docs := filepath.Join("..", "..", "docs", "analyzers")
	assert.Empty(t, analysisutil.DocPageProblems(docs, driver.IgnoreAnalyzer(), "malformed", "unknown", "reason", "unused", "settings"))
}
