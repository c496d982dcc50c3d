package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/asyncbook/asyncbook/editors/ci/internal/citest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestShippedConfig(t *testing.T) {
	root := citest.Root(t)
	c, err := loadConfig(filepath.Join(root, "editors", "ci", "golangci", ".custom-gcl.yml"))
	require.NoError(t, err)
	assert.Equal(t, "v2.15.0", c.Version)
	assert.Equal(t, "custom-gcl", c.Name)
	require.Len(t, c.Plugins, 2)
	assert.Equal(t, "github.com/asyncbook/asyncbook/analyzers/golangciplugin", c.Plugins[0].Module)
	assert.Equal(t, c.Plugins[0].Module, c.Plugins[0].Import, "import defaults to the module")
	assert.Equal(t, filepath.Join(root, "analyzers", "golangciplugin"), c.Plugins[0].Path, "paths are relative to the file")
	assert.Equal(t, root, c.Plugins[1].Path)
	assert.Equal(t, "package main\n\n// This file is used to declare module plugins.\n\nimport (\n"+
		"\t_ \"github.com/asyncbook/asyncbook/analyzers/golangciplugin\"\n"+
		"\t_ \"github.com/asyncbook/asyncbook/analyzers/registry\"\n)\n", string(pluginsFile(c)))
}

func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	citest.WriteFiles(t, dir, map[string]string{"plug/go.mod": "module example.com/plug\n"})
	for name, tc := range map[string]struct{ yml, want string }{
		"no version":      {"plugins:\n  - module: example.com/plug\n    path: plug\n", "'version'"},
		"no plugins":      {"version: v2.15.0\n", "no plugins"},
		"no module":       {"version: v2.15.0\nplugins:\n  - path: plug\n", "'module'"},
		"both":            {"version: v2.15.0\nplugins:\n  - module: example.com/plug\n    path: plug\n    version: v1.0.0\n", "not both"},
		"neither":         {"version: v2.15.0\nplugins:\n  - module: example.com/plug\n", "not neither"},
		"not a module":    {"version: v2.15.0\nplugins:\n  - module: example.com/plug\n    path: .\n", "is not a module"},
		"unknown field":   {"version: v2.15.0\nplugin:\n  - module: example.com/plug\n", "field plugin not found"},
		"not yaml at all": {"version: [\n", "yaml"},
	} {
		t.Run(name, func(t *testing.T) {
			file := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".yml")
			require.NoError(t, os.WriteFile(file, []byte(tc.yml), 0o644))
			_, err := loadConfig(file)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	_, err := loadConfig(filepath.Join(dir, "missing.yml"))
	assert.Error(t, err)
}

// tree is a plugin module importing one package of a library module that
// a replace directive points at, as the asyncbook plugin imports the
// registry of the checkout.
var tree = map[string]string{
	"plug/go.mod":           "module example.com/plug\n\ngo 1.26\n\nrequire example.com/lib v0.0.0\n\nreplace example.com/lib => ../lib\n",
	"plug/plug.go":          "package plug\n\nimport _ \"example.com/lib/used\"\n",
	"plug/plug_test.go":     "package plug\n",
	"lib/go.mod":            "module example.com/lib\n\ngo 1.26\n",
	"lib/used/used.go":      "package used\n\nimport _ \"example.com/lib/used/deep\"\n",
	"lib/used/deep/deep.go": "package deep\n\nconst N = 1\n",
	"lib/other/other.go":    "package other\n",
	"gcl.yml": "version: v2.15.0\nplugins:\n  - module: example.com/plug\n    path: plug\n" +
		"  - module: example.com/lib\n    import: example.com/lib/used\n    path: lib\n",
}

func keyOf(t *testing.T, dir string) string {
	t.Helper()
	c, err := loadConfig(filepath.Join(dir, "gcl.yml"))
	require.NoError(t, err)
	key, err := sourceKey(context.Background(), c)
	require.NoError(t, err)
	return key
}

func TestSourceKey(t *testing.T) {
	dir := t.TempDir()
	citest.WriteFiles(t, dir, tree)
	base := keyOf(t, dir)
	assert.Regexp(t, `^[0-9a-f]{24}$`, base)
	assert.Equal(t, base, keyOf(t, dir), "the same source, the same key")

	moved := t.TempDir()
	citest.WriteFiles(t, moved, tree)
	assert.Equal(t, base, keyOf(t, moved), "another checkout of the same source")

	for name, edit := range map[string]map[string]string{
		"a package the plugin imports, deep down": {"lib/used/deep/deep.go": "package deep\n\nconst N = 2\n"},
		"the plugin":              {"plug/plug.go": "package plug\n\nimport _ \"example.com/lib/used\"\n\nvar X = 1\n"},
		"a go.mod":                {"lib/go.mod": "module example.com/lib\n\n// edited\ngo 1.26\n"},
		"golangci-lint's version": {"gcl.yml": strings.Replace(tree["gcl.yml"], "v2.15.0", "v2.16.0", 1)},
	} {
		t.Run("changes with "+name, func(t *testing.T) {
			d := t.TempDir()
			citest.WriteFiles(t, d, tree)
			citest.WriteFiles(t, d, edit)
			assert.NotEqual(t, base, keyOf(t, d))
		})
	}
	for name, edit := range map[string]map[string]string{
		"a package the plugin does not import": {"lib/other/other.go": "package other\n\nvar Y = 2\n"},
		"a test file":                          {"plug/plug_test.go": "package plug\n\nvar Z = 3\n"},
		"a file that is not Go":                {"lib/README.md": "hello\n"},
	} {
		t.Run("stays with "+name, func(t *testing.T) {
			d := t.TempDir()
			citest.WriteFiles(t, d, tree)
			citest.WriteFiles(t, d, edit)
			assert.Equal(t, base, keyOf(t, d))
		})
	}
}

func TestCachedBuildIsCopied(t *testing.T) {
	dir := t.TempDir()
	citest.WriteFiles(t, dir, tree)
	c, err := loadConfig(filepath.Join(dir, "gcl.yml"))
	require.NoError(t, err)
	key, err := sourceKey(context.Background(), c)
	require.NoError(t, err)
	cache := t.TempDir()
	// A binary already built from this source: no build may start (it
	// would fail here, golangci-lint v2.15.0 has no example.com/plug).
	cached := filepath.Join(cache, "custom-gcl-"+key)
	require.NoError(t, os.WriteFile(cached, []byte("#!/bin/sh\necho cached\n"), 0o755))
	out := filepath.Join(t.TempDir(), "bin", "gcl")
	var stdout, stderr strings.Builder
	code := run(context.Background(), []string{"-config", filepath.Join(dir, "gcl.yml"), "-cache", cache, "-o", out}, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	assert.Equal(t, out, strings.TrimSpace(stdout.String()))
	assert.Contains(t, stderr.String(), "cached build")
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, "#!/bin/sh\necho cached\n", string(b))
	fi, err := os.Stat(out)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o755), fi.Mode().Perm())
}

func TestPrune(t *testing.T) {
	cache := t.TempDir()
	old := time.Now().Add(-time.Hour)
	for i, name := range []string{"gcl-a", "gcl-b", "gcl-c", "gcl-d", "gcl-e", "other-f"} {
		p := filepath.Join(cache, name)
		require.NoError(t, os.WriteFile(p, []byte(name), 0o755))
		at := old.Add(time.Duration(i) * time.Minute)
		require.NoError(t, os.Chtimes(p, at, at))
	}
	require.NoError(t, prune(cache, "gcl", 3))
	ents, err := os.ReadDir(cache)
	require.NoError(t, err)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	assert.Equal(t, []string{"gcl-c", "gcl-d", "gcl-e", "other-f"}, names, "the newest three, and nothing of another name")
}

func TestUsage(t *testing.T) {
	var out, errb strings.Builder
	assert.Equal(t, 2, run(context.Background(), []string{"extra"}, &out, &errb))
	assert.Equal(t, 2, run(context.Background(), []string{"-nope"}, &out, &errb))
	assert.Equal(t, 0, run(context.Background(), []string{"-h"}, &out, &errb))
	assert.Equal(t, 1, run(context.Background(), []string{"-config", filepath.Join(t.TempDir(), "none.yml")}, &out, &errb))
}
