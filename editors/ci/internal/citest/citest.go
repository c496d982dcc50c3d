// Package citest holds what the CI tools' tests share: building asyncbook's
// real binaries from this checkout, copying the workspace so that grading
// never writes into it, writing small modules, and running commands.
package citest

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/asyncbook/asyncbook/internal/repocopy"
	"github.com/asyncbook/asyncbook/workbook"
)

// Root returns the checkout's root folder.
func Root(t testing.TB) string {
	t.Helper()
	root, err := workbook.FindRoot(".")
	require.NoError(t, err)
	return root
}

var (
	buildMu sync.Mutex
	built   = map[string]string{} // package path -> binary
	binDir  string
)

// Build builds the commands of this checkout (e.g. "./cmd/asyncvet") once
// per test binary and returns their paths, in order. The binaries live in a
// folder that Cleanup removes.
func Build(t testing.TB, pkgs ...string) []string {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if binDir == "" {
		dir, err := os.MkdirTemp("", "asyncbook-ci-bin-")
		require.NoError(t, err)
		binDir = dir
	}
	var missing []string
	for _, p := range pkgs {
		if built[p] == "" {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		cmd := exec.Command("go", append([]string{"build", "-o", binDir + string(filepath.Separator)}, missing...)...)
		cmd.Dir = Root(t)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "go build %v: %s", missing, out)
		for _, p := range missing {
			built[p] = filepath.Join(binDir, filepath.Base(p))
		}
	}
	out := make([]string, len(pkgs))
	for i, p := range pkgs {
		out[i] = built[p]
	}
	return out
}

// Cleanup removes the binaries Build made; call it from TestMain.
func Cleanup() {
	buildMu.Lock()
	defer buildMu.Unlock()
	if binDir != "" {
		os.RemoveAll(binDir)
		binDir = ""
		built = map[string]string{}
	}
}

// Workspace copies the checkout (without .git, practice copies, caches and
// node_modules) into a temporary folder, so that `asyncbook grade`, which
// writes its grading folder inside the workspace, leaves the checkout alone.
func Workspace(t testing.TB) string {
	t.Helper()
	src := Root(t)
	dst := t.TempDir()
	require.NoError(t, repocopy.Into(src, dst))
	return dst
}

// WriteFiles writes files (slash-separated names relative to dir, and
// their contents) into dir, making folders as needed.
func WriteFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, src := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(src), 0o644))
	}
}

// Result is how a command ended.
type Result struct {
	Code           int
	Stdout, Stderr string
}

// Run runs name with args in dir (with extra environment variables) and
// returns its exit code and output; it fails the test only when the
// command could not start.
func Run(t testing.TB, dir string, env []string, name string, args ...string) Result {
	t.Helper()
	return run(t, dir, env, nil, name, args...)
}

// RunInput is Run with stdin as the command's standard input.
func RunInput(t testing.TB, dir, stdin string, name string, args ...string) Result {
	t.Helper()
	return run(t, dir, nil, strings.NewReader(stdin), name, args...)
}

func run(t testing.TB, dir string, env []string, stdin io.Reader, name string, args ...string) Result {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Stdin = stdin
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		code = exitErr.ExitCode()
	default:
		require.NoError(t, err, "run %s %v", name, args)
	}
	return Result{Code: code, Stdout: out.String(), Stderr: errb.String()}
}

// Git runs git in dir as a throw-away identity and returns its output,
// failing the test on error. It is meant for repositories a test makes in
// a temporary folder.
func Git(t testing.TB, dir string, args ...string) string {
	t.Helper()
	git, err := exec.LookPath("git")
	require.NoError(t, err, "git is needed to make a repository with a change")
	cmd := exec.Command(git, append([]string{"-c", "user.name=asyncbook-ci-test", "-c", "user.email=ci@asyncbook.invalid", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "git %v: %s", args, out)
	return string(out)
}

// Repo makes a git repository in a new folder with base as its first
// commit and head as its second, and returns the folder, the base commit
// and `git diff -U0 base...HEAD`, as a pull request's CI job computes it.
func Repo(t testing.TB, base, head map[string]string) (dir, baseSHA, diff string) {
	t.Helper()
	dir = t.TempDir()
	WriteFiles(t, dir, base)
	Git(t, dir, "init", "-q")
	Git(t, dir, "add", "-A")
	Git(t, dir, "commit", "-q", "-m", "base")
	baseSHA = strings.TrimSpace(Git(t, dir, "rev-parse", "HEAD"))
	WriteFiles(t, dir, head)
	Git(t, dir, "add", "-A")
	Git(t, dir, "commit", "-q", "-m", "head")
	return dir, baseSHA, Git(t, dir, "diff", "--no-color", "-U0", baseSHA+"...HEAD")
}
