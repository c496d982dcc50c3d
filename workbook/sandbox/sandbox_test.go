package sandbox

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func detect(t *testing.T) *Runner {
	t.Helper()
	r, err := Detect(context.Background())
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("no sandbox here, and CI must not skip the sandbox's tests (scripts/test.sh installs bubblewrap): %v", err)
		}
		t.Skipf("no sandbox here: %v", err)
	}
	return r
}

// sh runs a shell script in the sandbox: /bin/sh from the read-only /usr.
func sh(t *testing.T, r *Runner, script string, lim Limits) *Result {
	t.Helper()
	res, err := r.Run(context.Background(), Spec{Path: "/bin/sh", Args: []string{"-c", script}, Limits: lim})
	require.NoError(t, err)
	return res
}

func TestSandboxIsolates(t *testing.T) {
	r := detect(t)
	t.Setenv("SECRET", "hunter2")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	outside := filepath.Join(t.TempDir(), "pwned")

	res := sh(t, r, "env; id -u; ls / | tr '\\n' ' '; echo; echo > "+outside+" && echo WROTE; echo > /usr/pwned && echo WROTE-USR; echo ok > /tmp/x && cat /tmp/x", Limits{})
	out := string(res.Output)
	assert.NotContains(t, out, "hunter2", "the environment is empty")
	assert.Contains(t, out, "65534", "it runs as nobody")
	assert.NotContains(t, out, "work", "the host's folders are not there")
	assert.NotContains(t, out, "WROTE")
	assert.NoFileExists(t, outside)
	assert.Contains(t, out, "ok", "its private /tmp is writable")

	// The host's loopback is not its loopback. bash's /dev/tcp would dial;
	// sh has none, so use the kernel's view: no route to the host's port.
	res = sh(t, r, "cat /proc/net/tcp | wc -l", Limits{})
	assert.Equal(t, "1", strings.TrimSpace(string(res.Output)), "no sockets of the host are visible: a new network namespace")
}

func TestSandboxLimits(t *testing.T) {
	r := detect(t)
	t.Run("output", func(t *testing.T) {
		res := sh(t, r, "yes flood", Limits{Output: 1 << 16})
		assert.True(t, res.OutputCut)
		assert.Len(t, res.Output, 1<<16)
	})
	t.Run("wall clock kills the whole tree", func(t *testing.T) {
		marker := "sandbox-test-" + filepath.Base(t.TempDir())
		res := sh(t, r, "(setsid sh -c 'sleep 300; echo "+marker+"' &); sleep 300", Limits{Wall: 2 * time.Second})
		assert.True(t, res.TimedOut)
		assert.Empty(t, pgrep(t, marker), "nothing survives")
	})
	t.Run("processes", func(t *testing.T) {
		if os.Geteuid() == 0 && !r.asNobody {
			t.Skip("root's processes are not counted against RLIMIT_NPROC, and this kernel does not let nobody make namespaces")
		}
		res := sh(t, r, "for i in 1 2 3 4 5 6 7 8 9 10; do sleep 1 & done; wait", Limits{Procs: 5})
		assert.Contains(t, string(res.Output), "fork")
	})
	t.Run("file size", func(t *testing.T) {
		res := sh(t, r, "head -c 2000000 /dev/zero > /tmp/big; echo status $?", Limits{FileSize: 1 << 20})
		assert.NotContains(t, string(res.Output), "status 0")
	})
	t.Run("scratch size", func(t *testing.T) {
		if !r.sizedTmp {
			t.Skip("this bwrap has no --size")
		}
		res := sh(t, r, "for i in 1 2 3 4; do head -c 500000 /dev/zero > /tmp/f$i || echo FULL; done", Limits{Scratch: 1 << 20})
		assert.Contains(t, string(res.Output), "FULL")
	})
	t.Run("cancel", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(500*time.Millisecond, cancel)
		res, err := r.Run(ctx, Spec{Path: "/bin/sh", Args: []string{"-c", "sleep 300"}})
		require.NoError(t, err)
		assert.True(t, res.Canceled)
	})
}

// TestSandboxWritableFolder: the one host folder a run may write is the
// one it was given, and its variables are the ones it was given.
func TestSandboxWritableFolder(t *testing.T) {
	r := detect(t)
	t.Setenv("SECRET", "hunter2")
	// t.TempDir is private to us: nobody (a root grader's user) could not
	// reach it, as grade's scratch folders can.
	base, err := os.MkdirTemp("/tmp", "sandbox-writable-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(base) })
	require.NoError(t, os.Chmod(base, 0o755))
	out := filepath.Join(base, "out")
	require.NoError(t, os.Mkdir(out, 0o755))
	beside := filepath.Join(base, "beside")

	res, err := r.Run(context.Background(), Spec{
		Path: "/bin/sh", Args: []string{"-c", `echo "$REPORT" > "$REPORT_DIR/report"; echo x > ` + beside + `; env`},
		Env: []string{"REPORT=hello", "REPORT_DIR=" + out}, Writable: out,
	})
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(out, "report"))
	require.NoError(t, err, "the writable folder: %s", res.Output)
	assert.Equal(t, "hello\n", string(b))
	// Beside the folder is the sandbox's private /tmp: a write there
	// succeeds and goes nowhere.
	assert.NoFileExists(t, beside, "only the folder given reaches the host")
	assert.NotContains(t, string(res.Output), "hunter2", "only the variables given are set")
}

func TestUnsandboxedStillLimits(t *testing.T) {
	t.Setenv("SECRET", "hunter2")
	r := Unsandboxed()
	assert.False(t, r.Sandboxed())
	res, err := r.Run(context.Background(), Spec{Path: "/bin/sh", Args: []string{"-c", "env"}})
	require.NoError(t, err)
	assert.NotContains(t, string(res.Output), "hunter2")
	marker := "unsandboxed-test-" + filepath.Base(t.TempDir())
	res, err = r.Run(context.Background(), Spec{Path: "/bin/sh", Args: []string{"-c", "sh -c 'sleep 300; echo " + marker + "' & sleep 300"}, Limits: Limits{Wall: time.Second}})
	require.NoError(t, err)
	assert.True(t, res.TimedOut)
	assert.Empty(t, pgrep(t, marker), "the process group is killed")
}

func pgrep(t *testing.T, marker string) []string {
	t.Helper()
	var found []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(b), marker) && !strings.Contains(string(b), "go test") {
			found = append(found, e.Name()+": "+strings.ReplaceAll(string(b), "\x00", " "))
		}
	}
	return found
}
