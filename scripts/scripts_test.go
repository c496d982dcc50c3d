// Package scripts holds the shell scripts of the project (the README's test
// command, the fresh-machine run); its tests check what they promise.
package scripts

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestScriptsParse(t *testing.T) {
	for _, s := range []string{"test.sh", "fresh-run.sh", "temp-home.sh", "../editors/vscode/test.sh", "../editors/nvim/test.sh", "../editors/emacs/test.sh", "../editors/ci/test.sh"} {
		out, err := exec.Command("bash", "-n", s).CombinedOutput()
		assert.NoError(t, err, "%s: %s", s, out)
	}
}

// envOf runs script (bash) and returns the KEY=VALUE lines it prints.
func envOf(t *testing.T, dir string, env []string, args ...string) (map[string]string, string) {
	t.Helper()
	cmd := exec.Command("bash", args...)
	cmd.Dir = dir
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	m := map[string]string{}
	for _, l := range strings.Split(string(out), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok && !strings.Contains(k, " ") {
			m[k] = v
		}
	}
	return m, string(out)
}

// TestTempHome: after asyncbook_temp_home, HOME and every XDG folder are in
// the given folder, and Go's caches and settings are still the user's.
func TestTempHome(t *testing.T) {
	realHome := t.TempDir()
	dir := t.TempDir()
	goEnv := func(k string) string {
		out, err := exec.Command("go", "env", k).Output()
		require.NoError(t, err)
		return strings.TrimSpace(string(out))
	}
	require.NoError(t, os.WriteFile(filepath.Join(realHome, ".gitconfig"), []byte("[safe]\n\tdirectory = *\n"), 0o644))
	env := append(os.Environ(), "HOME="+realHome, "GOMODCACHE="+goEnv("GOMODCACHE"), "GOCACHE="+goEnv("GOCACHE"), "GIT_CONFIG_GLOBAL=")
	got, out := envOf(t, ".", env, "-c", `. ./temp-home.sh && asyncbook_temp_home "$1" &&
		for k in HOME XDG_CONFIG_HOME XDG_DATA_HOME XDG_STATE_HOME XDG_CACHE_HOME; do echo "$k=${!k}"; done &&
		echo "GOMODCACHE=$(go env GOMODCACHE)" && echo "GOCACHE=$(go env GOCACHE)" && echo "GIT_CONFIG_GLOBAL=$GIT_CONFIG_GLOBAL" &&
		mkdir -p "$XDG_CONFIG_HOME/code-server" "$HOME/.emacs.d" && touch "$XDG_CONFIG_HOME/code-server/config.yaml" "$HOME/.emacs.d/x"`, "sh", dir)
	for _, k := range []string{"HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"} {
		assert.True(t, strings.HasPrefix(got[k], dir), "%s=%s is in the temporary folder (%s)", k, got[k], out)
		assert.DirExists(t, got[k])
	}
	assert.Equal(t, goEnv("GOMODCACHE"), got["GOMODCACHE"], "Go's module cache stays shared")
	assert.Equal(t, goEnv("GOCACHE"), got["GOCACHE"], "Go's build cache stays shared")
	assert.Equal(t, filepath.Join(realHome, ".gitconfig"), got["GIT_CONFIG_GLOBAL"], "git's global config stays the user's")
	// Only what go and npm make for themselves when asked where their caches
	// are (their own config folders) may appear in the real home.
	err := filepath.WalkDir(realHome, func(p string, d os.DirEntry, err error) error {
		require.NoError(t, err)
		rel, _ := filepath.Rel(realHome, p)
		switch {
		case rel == ".", rel == ".config", rel == ".npm", rel == ".gitconfig",
			strings.HasPrefix(rel, filepath.Join(".config", "go")), strings.HasPrefix(rel, ".npm"+string(filepath.Separator)):
		default:
			t.Errorf("%s was written into the real home", rel)
		}
		return nil
	})
	require.NoError(t, err)
}

// TestFreshRun runs fresh-run.sh in a small repository: the command runs
// in a clone of the committed HEAD with a temporary HOME and empty caches,
// and the scratch folder is gone afterwards.
func TestFreshRun(t *testing.T) {
	repo := t.TempDir()
	b, err := os.ReadFile("fresh-run.sh")
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Join(repo, "scripts"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(repo, "scripts", "fresh-run.sh"), b, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(repo, "committed.txt"), []byte("yes\n"), 0o644))
	git := func(args ...string) {
		cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"}, args...)...)
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
	}
	git("init", "-q")
	git("add", ".")
	git("commit", "-q", "-m", "x")
	require.NoError(t, os.WriteFile(filepath.Join(repo, "uncommitted.txt"), []byte("no\n"), 0o644))

	tmp := t.TempDir()
	env := append(os.Environ(), "TMPDIR="+tmp)
	got, out := envOf(t, repo, env, "scripts/fresh-run.sh", "--twice", "bash", "-c",
		`echo "PWD=$PWD"; echo "HOME=$HOME"; echo "GOMODCACHE=$(go env GOMODCACHE)"; echo "GOCACHE=$(go env GOCACHE)";
		 echo "MODS=$(ls "$(go env GOMODCACHE)" | wc -l)"; echo "NPM=$npm_config_cache"; echo "CI=$CI"; echo "TOOLS=$ASYNCBOOK_CACHE";
		 echo "COMMITTED=$(cat committed.txt)"; echo "UNCOMMITTED=$(ls uncommitted.txt 2>/dev/null)"; touch "$HOME/mark"`)
	scratch := filepath.Dir(got["PWD"])
	assert.True(t, strings.HasPrefix(scratch, tmp), "the clone is in a scratch folder under TMPDIR: %s", out)
	assert.NotEqual(t, repo, got["PWD"])
	for _, k := range []string{"HOME", "GOMODCACHE", "GOCACHE", "NPM", "TOOLS"} {
		assert.True(t, strings.HasPrefix(got[k], scratch+string(filepath.Separator)), "%s=%s is in the scratch folder", k, got[k])
	}
	assert.Equal(t, "0", strings.TrimSpace(got["MODS"]), "the module cache starts empty")
	assert.Equal(t, "true", got["CI"])
	assert.Equal(t, "yes", got["COMMITTED"])
	assert.Empty(t, got["UNCOMMITTED"], "only committed files are in the clone")
	assert.Contains(t, out, "cold run: exit 0")
	assert.Contains(t, out, "warm run: exit 0")
	assert.Contains(t, out, "uncommitted changes")
	entries, err := os.ReadDir(tmp)
	require.NoError(t, err)
	assert.Empty(t, entries, "the scratch folder is removed")

	cmd := exec.Command("bash", "scripts/fresh-run.sh", "bash", "-c", "exit 3")
	cmd.Dir = repo
	cmd.Env = env
	b, err = cmd.CombinedOutput()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, "%s", b)
	assert.Equal(t, 3, ee.ExitCode(), "the command's failure is the script's")
	assert.Contains(t, string(b), "cold run: exit 3")
	assert.NotContains(t, string(b), "warm run")
	cmd = exec.Command("bash", "scripts/fresh-run.sh", "--nope")
	cmd.Dir = repo
	b, err = cmd.CombinedOutput()
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, 2, ee.ExitCode())
	assert.Contains(t, string(b), "unknown option --nope")
}

// TestLicense: the repository is BSD-3-Clause licensed, and the VS Code
// extension is packaged with the same LICENSE, never with --skip-license.
func TestLicense(t *testing.T) {
	lic, err := os.ReadFile("../LICENSE")
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(lic), "BSD 3-Clause License\n\nCopyright (c) 2026 The asyncbook Authors\n"), "%.80s", lic)
	for _, clause := range []string{"1. Redistributions of source code", "2. Redistributions in binary form", "3. Neither the name of the copyright holder", `PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS"`} {
		assert.Contains(t, string(lic), clause)
	}
	ext, err := os.ReadFile("../editors/vscode/LICENSE")
	require.NoError(t, err)
	assert.Equal(t, string(lic), string(ext), "editors/vscode/LICENSE is a copy of LICENSE")

	var manifest struct {
		License string            `json:"license"`
		Scripts map[string]string `json:"scripts"`
	}
	b, err := os.ReadFile("../editors/vscode/package.json")
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &manifest))
	assert.Equal(t, "BSD-3-Clause", manifest.License)
	for _, f := range []string{"../editors/vscode/package.json", "../editors/vscode/test.sh"} {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		assert.NotContains(t, string(b), "--skip-license", f)
		assert.Contains(t, string(b), "vsce package", f)
	}
	ignore, err := os.ReadFile("../editors/vscode/.vscodeignore")
	require.NoError(t, err)
	assert.Contains(t, strings.Split(string(ignore), "\n"), "!LICENSE", "the .vsix carries the LICENSE")
}
